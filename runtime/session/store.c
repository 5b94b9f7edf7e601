/* store: one JSON record per session, atomic replace. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct GhStore {
    char *dir;
};

GhStore *
gh_store_open(const char *dir, GError **error)
{
    GhStore *store;

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create state dir %s: %s", dir,
                    g_strerror(e));
        return NULL;
    }
    store = g_new0(GhStore, 1);
    store->dir = g_strdup(dir);
    return store;
}

GhStore *
gh_store_free(GhStore *store)
{
    if (store) {
        g_free(store->dir);
        g_free(store);
    }
    return NULL;
}

static gboolean
store_fail(GError **error, const char *what, const char *path)
{
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot %s %s: %s", what, path, g_strerror(e));
    return FALSE;
}

static gboolean
store_fsync_dir(const char *dir, GError **error)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    gboolean ok;

    if (fd < 0)
        return store_fail(error, "open", dir);
    ok = fsync(fd) == 0 || store_fail(error, "fsync", dir);
    close(fd);
    return ok;
}

gboolean
gh_store_write_atomic(const char *path, const char *data, gsize len, int mode, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *tmp = g_strdup_printf("%s.tmp.XXXXXX", path);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
    gsize done = 0;

    if (fd < 0)
        return store_fail(error, "create", tmp);
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        done += n;
    }
    if (fsync(fd) < 0)
        goto fail;
    close(fd);
    fd = -1;
    if (rename(tmp, path) < 0)
        goto fail;
    return store_fsync_dir(dir, error);

fail:
    store_fail(error, "write", tmp);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return FALSE;
}

static char *
store_path(GhStore *store, const char *id)
{
    g_autofree char *name = g_strconcat(id, ".json", NULL);
    return g_build_filename(store->dir, name, NULL);
}

gboolean
gh_store_save(GhStore *store, const GhSession *session, GError **error)
{
    g_autoptr(JsonNode) node = gh_session_to_json(session);
    g_autofree char *text = json_to_string(node, TRUE);
    g_autofree char *path = store_path(store, session->id);

    return gh_store_write_atomic(path, text, strlen(text), 0600, error);
}

gboolean
gh_store_remove(GhStore *store, const char *id, GError **error)
{
    g_autofree char *path = store_path(store, id);

    if (unlink(path) < 0 && errno != ENOENT)
        return store_fail(error, "remove", path);
    return store_fsync_dir(store->dir, error);
}

static GhSession *
store_read_record(const char *path, const char *name, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autofree char *id = g_strndup(name, strlen(name) - strlen(".json"));
    GhSession *s;

    if (!json_parser_load_from_mapped_file(parser, path, error))
        return NULL;
    s = gh_session_from_json(json_parser_get_root(parser), error);
    if (s && !g_str_equal(s->id, id)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "record id '%s' does not match its file name", s->id);
        s = gh_session_free(s);
    }
    return s;
}

GPtrArray *
gh_store_load_all(GhStore *store, GPtrArray **problems)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(gh_session_destroy);
    g_autoptr(GDir) dir = g_dir_open(store->dir, 0, NULL);
    const char *name;

    *problems = g_ptr_array_new_with_free_func(g_free);
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(store->dir, name, NULL);
        g_autoptr(GError) err = NULL;
        GhSession *s;

        if (strstr(name, ".json.tmp.")) {
            /* A write that never reached its rename: the old record stands. */
            unlink(path);
            continue;
        }
        if (!g_str_has_suffix(name, ".json"))
            continue;
        s = store_read_record(path, name, &err);
        if (s) {
            g_ptr_array_add(out, s);
            continue;
        }
        g_autofree char *aside = g_strconcat(path, ".corrupt", NULL);
        if (rename(path, aside) == 0)
            g_ptr_array_add(*problems, g_strdup_printf("session record %s is unreadable (%s); moved to %s", path,
                                                       err->message, aside));
        else
            g_ptr_array_add(*problems, g_strdup_printf("session record %s is unreadable (%s); could not move it "
                                                       "aside: %s", path, err->message, g_strerror(errno)));
    }
    return out;
}
