/* testutil: shared by the unit suites. */
#include "testutil.h"

#include <glib/gstdio.h>

char *
gh_test_make_tmpdir(const char *prefix)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *tmpl = g_strconcat(prefix, "-XXXXXX", NULL);
    char *dir = g_dir_make_tmp(tmpl, &error);

    ck_assert_msg(dir, "g_dir_make_tmp: %s", error ? error->message : "?");
    return dir;
}

void
gh_test_rm_rf(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            gh_test_rm_rf(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

int
gh_test_run(Suite *suite)
{
    SRunner *runner = srunner_create(suite);
    int failed;

    srunner_run_all(runner, CK_ENV);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
