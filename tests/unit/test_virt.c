/* Specification of virt.c's reach check: whether QEMU's user may traverse
 * every directory down to a session dir, and the message naming the one
 * that blocks.  The libvirt connection itself is exercised by test_domain,
 * test_session and the e2e suite. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virt/virt.h"
#include "testutil.h"

/* A user and group with no passwd entry: only the "other" bits apply to it
 * on directories this process creates. */
#define STRANGER_UID 3999999
#define STRANGER_GID 3999999

static char *tmpdir;

/* Under /tmp (mode 1777 on every Linux system) rather than $TMPDIR, whose
 * parents the stranger may not be able to traverse. */
static void
setup(void)
{
    tmpdir = g_strdup("/tmp/gh-test-virt-XXXXXX");
    ck_assert_msg(g_mkdtemp(tmpdir), "mkdtemp: %s", g_strerror(errno));
    ck_assert_int_eq(g_chmod(tmpdir, 0711), 0);
    ck_assert_ptr_null(getpwuid(STRANGER_UID));
}

static void
teardown(void)
{
    gh_test_rm_rf(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
}

/* <tmpdir>/<name>, created with exactly mode (whatever the umask). */
static char *
make_dir(const char *name, int mode)
{
    char *path = g_build_filename(tmpdir, name, NULL);

    ck_assert_msg(g_mkdir(path, 0700) == 0, "mkdir %s: %s", path, g_strerror(errno));
    ck_assert_int_eq(g_chmod(path, mode), 0);
    return path;
}

static void
assert_blocked(GError *error, const char *target, const char *dir, const char *mode, char class)
{
    g_autofree char *expected = g_strdup_printf(
        "uid %u cannot reach %s: %s (mode %s, owner %u:%u) denies it search (x) permission; fix: chmod %c+x %s",
        STRANGER_UID, target, dir, mode, (unsigned)geteuid(), (unsigned)getegid(), class, dir);

    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, GH_VIRT_ERROR, GH_VIRT_ERROR_REACH), "%s", error->message);
    ck_assert_str_eq(error->message, expected);
}

START_TEST(test_reach_through_0711_parents)
{
    g_autofree char *open_dir = make_dir("open", 0711);
    g_autofree char *state = make_dir("open/state", 0711);
    g_autoptr(GError) error = NULL;

    ck_assert_msg(gh_virt_check_qemu_reach(state, STRANGER_UID, STRANGER_GID, &error), "unexpected error: %s",
                  error ? error->message : "?");
}
END_TEST

START_TEST(test_reach_blocked_by_0700_parent_names_it)
{
    g_autofree char *private = make_dir("private", 0700);
    g_autofree char *state = make_dir("private/state", 0755);
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_virt_check_qemu_reach(state, STRANGER_UID, STRANGER_GID, &error));
    assert_blocked(error, state, private, "0700", 'o');
}
END_TEST

START_TEST(test_reach_needs_search_on_the_directory_itself)
{
    g_autofree char *state = make_dir("state", 0750);
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_virt_check_qemu_reach(state, STRANGER_UID, STRANGER_GID, &error));
    assert_blocked(error, state, state, "0750", 'o');
}
END_TEST

/* The group bits apply when the directory's group is the user's. */
START_TEST(test_reach_by_group_search_bit)
{
    g_autofree char *shared = make_dir("shared", 0710);
    g_autoptr(GError) error = NULL;

    ck_assert(gh_virt_check_qemu_reach(shared, STRANGER_UID, getegid(), NULL));
    ck_assert(!gh_virt_check_qemu_reach(shared, STRANGER_UID, STRANGER_GID, &error));
    assert_blocked(error, shared, shared, "0710", 'o');
}
END_TEST

START_TEST(test_reach_follows_symlink_into_blocked_dir)
{
    g_autofree char *private = make_dir("private", 0700);
    g_autofree char *state = make_dir("private/state", 0755);
    g_autofree char *link = g_build_filename(tmpdir, "state-link", NULL);
    g_autoptr(GError) error = NULL;

    ck_assert_int_eq(symlink(state, link), 0);
    ck_assert(!gh_virt_check_qemu_reach(link, STRANGER_UID, STRANGER_GID, &error));
    assert_blocked(error, link, private, "0700", 'o');
}
END_TEST

START_TEST(test_reach_is_never_blocked_for_root)
{
    g_autofree char *private = make_dir("private", 0700);
    g_autofree char *state = make_dir("private/state", 0700);

    ck_assert(gh_virt_check_qemu_reach(state, 0, 0, NULL));
}
END_TEST

START_TEST(test_reach_of_missing_dir_is_an_error_naming_it)
{
    g_autofree char *absent = g_build_filename(tmpdir, "absent", NULL);
    g_autofree char *below = g_build_filename(absent, "state", NULL);
    g_autofree char *expected = g_strdup_printf("cannot examine %s: No such file or directory", absent);
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_virt_check_qemu_reach(below, STRANGER_UID, STRANGER_GID, &error));
    ck_assert_msg(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT), "%s", error->message);
    ck_assert_str_eq(error->message, expected);
}
END_TEST

static Suite *
virt_suite(void)
{
    Suite *s = suite_create("virt");
    TCase *reach = tcase_create("reach");

    tcase_add_checked_fixture(reach, setup, teardown);
    tcase_add_test(reach, test_reach_through_0711_parents);
    tcase_add_test(reach, test_reach_blocked_by_0700_parent_names_it);
    tcase_add_test(reach, test_reach_needs_search_on_the_directory_itself);
    tcase_add_test(reach, test_reach_by_group_search_bit);
    tcase_add_test(reach, test_reach_follows_symlink_into_blocked_dir);
    tcase_add_test(reach, test_reach_is_never_blocked_for_root);
    tcase_add_test(reach, test_reach_of_missing_dir_is_an_error_naming_it);
    suite_add_tcase(s, reach);
    return s;
}

int
main(void)
{
    return gh_test_run(virt_suite());
}
