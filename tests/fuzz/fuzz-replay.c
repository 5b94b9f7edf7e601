/* fuzz-replay: a fuzz target (tests/fuzz/fuzz.h) run over every file of the
 * corpus dirs named on the command line, without libFuzzer, so that `make
 * check` replays the corpora with any compiler (and --enable-sanitizers
 * catches what they reach).  An unreadable or empty dir is a failure: a
 * replay of nothing proves nothing. */
#include <glib.h>

#include "fuzz.h"

/* g_ptr_array_sort passes pointers to the elements. */
static gint
fuzz_replay_compare(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The files of dir, by name (a replay in a stable order), or NULL. */
static GPtrArray *
fuzz_replay_list(const char *dir, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (!d)
        return NULL;
    while ((name = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, name, NULL);

        if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add(files, path);
        else
            g_free(path);
    }
    g_ptr_array_sort(files, fuzz_replay_compare);
    return g_steal_pointer(&files);
}

static gboolean
fuzz_replay_dir(const char *dir, guint *n)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) files = fuzz_replay_list(dir, &error);

    if (!files) {
        g_printerr("fuzz-replay: %s\n", error->message);
        return FALSE;
    }
    if (files->len == 0) {
        g_printerr("fuzz-replay: %s holds no input\n", dir);
        return FALSE;
    }
    for (guint i = 0; i < files->len; i++) {
        g_autofree char *data = NULL;
        gsize len;

        if (!g_file_get_contents(files->pdata[i], &data, &len, &error)) {
            g_printerr("fuzz-replay: %s\n", error->message);
            return FALSE;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    }
    *n += files->len;
    return TRUE;
}

int
main(int argc, char **argv)
{
    guint n = 0;

    if (argc < 2) {
        g_printerr("usage: fuzz-replay CORPUS-DIR...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (!fuzz_replay_dir(argv[i], &n))
            return 1;
    g_print("fuzz-replay: %u inputs, no crash\n", n);
    return 0;
}
