/* test_image_tree: the image builder's file work (ctl-image-tree.c) on small
 * fixture trees: the guest tree and apt sources read for the key, writes
 * that stay inside the image's root, templates, sizes, the boot files and
 * publishing a cache entry.  Its pure parts: test_image_build.c. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/catalog.h"
#include "ctl/ctl-image-plan.h"
#include "ctl/ctl-image-tree.h"
#include "testutil.h"

static char *tmpdir;
static const GhImagePlanVars vars = { 640, 480, 60, "/usr/games/chocolate-doom -iwad doom1.wad", "freedoom" };

static void
setup(void)
{
    tmpdir = gh_test_make_tmpdir("gh-test-image-tree");
}

static void
teardown(void)
{
    gh_test_rm_rf(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
}

static GBytes *
bytes_of(const char *text)
{
    return g_bytes_new(text, strlen(text));
}

/* Writes text to <tmpdir>/rel (folders made), with mode. */
static char *
write_tmp(const char *rel, const char *text, int mode)
{
    char *path = g_build_filename(tmpdir, rel, NULL);
    g_autofree char *parent = g_path_get_dirname(path);

    ck_assert_int_eq(g_mkdir_with_parents(parent, 0755), 0);
    ck_assert(g_file_set_contents(path, text, -1, NULL));
    ck_assert_int_eq(g_chmod(path, mode), 0);
    return path;
}

/* write_tmp for a file whose path the test does not need. */
static void
put_tmp(const char *rel, const char *text, int mode)
{
    g_free(write_tmp(rel, text, mode));
}

static char *
read_tmp(const char *rel)
{
    g_autofree char *path = g_build_filename(tmpdir, rel, NULL);
    char *text = NULL;

    ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s", path);
    return text;
}

/* ---- what the key reads ------------------------------------------------------------ */

static const GhImagePlanEntry *
entry_at(const GPtrArray *entries, const char *path)
{
    for (guint i = 0; i < entries->len; i++) {
        const GhImagePlanEntry *e = entries->pdata[i];
        if (g_str_equal(e->path, path))
            return e;
    }
    ck_abort_msg("no entry %s", path);
    return NULL;
}

START_TEST(test_walk_lists_every_entry_with_its_mode_and_bytes)
{
    g_autofree char *guest = g_build_filename(tmpdir, "guest", NULL);
    g_autofree char *link = g_build_filename(guest, "etc", "link", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) entries = NULL;
    const GhImagePlanEntry *e;

    put_tmp("guest/etc/a.conf.in", "w=@WIDTH@\n", 0640);
    put_tmp("guest/usr/bin/run", "#!/bin/sh\n", 0755);
    ck_assert_int_eq(symlink("a.conf", link), 0);
    entries = gh_image_tree_walk(guest, &error);
    ck_assert_msg(entries != NULL, "%s", error ? error->message : "?");
    ck_assert_uint_eq(entries->len, 6);   /* etc, etc/a.conf.in, etc/link, usr, usr/bin, usr/bin/run */
    ck_assert_str_eq(((GhImagePlanEntry *)entries->pdata[0])->path, "etc");
    e = entry_at(entries, "etc/a.conf.in");
    ck_assert_uint_eq(e->mode, S_IFREG | 0640);
    ck_assert_uint_eq(g_bytes_get_size(e->data), strlen("w=@WIDTH@\n"));
    e = entry_at(entries, "etc/link");
    ck_assert(S_ISLNK(e->mode));
    ck_assert_int_eq(memcmp(g_bytes_get_data(e->data, NULL), "a.conf", 6), 0);
    e = entry_at(entries, "usr/bin/run");
    ck_assert_uint_eq(e->mode, S_IFREG | 0755);
    ck_assert(S_ISDIR(entry_at(entries, "usr/bin")->mode));
}
END_TEST

START_TEST(test_walk_refuses_what_is_not_a_file_folder_or_symlink)
{
    g_autofree char *guest = g_build_filename(tmpdir, "guest", NULL);
    g_autofree char *fifo = g_build_filename(guest, "pipe", NULL);
    g_autofree char *want = g_strdup_printf("%s is not a file, a folder or a symlink", fifo);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) entries = NULL;

    ck_assert_int_eq(g_mkdir(guest, 0755), 0);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    entries = gh_image_tree_walk(guest, &error);
    ck_assert_ptr_null(entries);
    ck_assert_str_eq(error->message, want);
}
END_TEST

START_TEST(test_apt_sources_are_the_list_and_the_list_d_files_apt_reads_sorted)
{
    g_autofree char *etc = g_build_filename(tmpdir, "apt", NULL);
    g_autofree char *list = write_tmp("apt/sources.list", "deb http://a bookworm main\n", 0644);
    g_autofree char *b = write_tmp("apt/sources.list.d/b.sources", "Types: deb\n", 0644);
    g_autofree char *a = write_tmp("apt/sources.list.d/a.list", "deb http://b bookworm main\n", 0644);
    g_autoptr(GPtrArray) sources = gh_image_tree_apt_sources(etc, NULL);

    put_tmp("apt/sources.list.d/c.list.disabled", "deb http://c x main\n", 0644);
    ck_assert_ptr_nonnull(sources);
    ck_assert_uint_eq(sources->len, 3);
    ck_assert_str_eq(((GhImagePlanEntry *)sources->pdata[0])->path, list);
    ck_assert_str_eq(((GhImagePlanEntry *)sources->pdata[1])->path, a);
    ck_assert_str_eq(((GhImagePlanEntry *)sources->pdata[2])->path, b);
}
END_TEST

START_TEST(test_apt_sources_of_an_empty_folder_are_none)
{
    g_autoptr(GPtrArray) sources = gh_image_tree_apt_sources(tmpdir, NULL);

    ck_assert_ptr_nonnull(sources);
    ck_assert_uint_eq(sources->len, 0);
}
END_TEST

/* ---- inside the root ---------------------------------------------------------------- */

static int
open_root(const char *rel)
{
    g_autofree char *root = g_build_filename(tmpdir, rel, NULL);
    g_autoptr(GError) error = NULL;
    int fd;

    ck_assert_int_eq(g_mkdir_with_parents(root, 0755), 0);
    fd = gh_image_tree_open_root(root, &error);
    ck_assert_msg(fd >= 0, "%s", error ? error->message : "?");
    return fd;
}

START_TEST(test_write_in_root_makes_folders_and_sets_the_mode)
{
    int root = open_root("root");
    g_autoptr(GBytes) data = bytes_of("x\n");
    g_autofree char *path = g_build_filename(tmpdir, "root", "a", "b", "c.cfg", NULL);
    g_autofree char *text = NULL;
    struct stat st;

    ck_assert(gh_image_tree_write(root, "a/b/c.cfg", data, 0600, NULL));
    ck_assert(gh_image_tree_write(root, "a/b/c.cfg", data, 0640, NULL));
    close(root);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
    text = read_tmp("root/a/b/c.cfg");
    ck_assert_str_eq(text, "x\n");
}
END_TEST

START_TEST(test_write_through_an_absolute_symlink_stays_inside_the_root)
{
    int root = open_root("root");
    g_autofree char *outside = g_build_filename(tmpdir, "outside", NULL);
    g_autofree char *link = g_build_filename(tmpdir, "root", "escape", NULL);
    g_autofree char *leaked = g_build_filename(outside, "x", NULL);
    g_autofree char *inside = g_build_filename(tmpdir, "root", outside, "x", NULL);
    g_autofree char *up = g_build_filename(tmpdir, "root", "y", NULL);
    g_autofree char *mirror = g_build_filename(tmpdir, "root", outside, NULL);
    g_autoptr(GBytes) data = bytes_of("x");

    /* The link's target exists both outside and, by the same name, inside. */
    ck_assert_int_eq(g_mkdir(outside, 0755), 0);
    ck_assert_int_eq(g_mkdir_with_parents(mirror, 0755), 0);
    ck_assert_int_eq(symlink(outside, link), 0);
    ck_assert(gh_image_tree_write(root, "escape/x", data, 0644, NULL));
    ck_assert(gh_image_tree_write(root, "../../../y", data, 0644, NULL));
    close(root);
    ck_assert(!g_file_test(leaked, G_FILE_TEST_EXISTS));
    ck_assert(g_file_test(inside, G_FILE_TEST_IS_REGULAR));
    ck_assert(g_file_test(up, G_FILE_TEST_IS_REGULAR));
}
END_TEST

START_TEST(test_read_and_remove_in_root_resolve_paths_inside_it)
{
    int root = open_root("root");
    g_autofree char *outside = write_tmp("etc/resolv.conf", "nameserver 192.0.2.1\n", 0644);
    g_autofree char *inside = write_tmp("root/etc/resolv.conf", "nameserver 127.0.0.1\n", 0644);
    g_autoptr(GBytes) read = gh_image_tree_read(root, "/etc/resolv.conf", NULL);
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_nonnull(read);
    ck_assert_uint_eq(g_bytes_get_size(read), strlen("nameserver 127.0.0.1\n"));
    ck_assert(gh_image_tree_remove(root, "../etc/resolv.conf", NULL));
    ck_assert(!g_file_test(inside, G_FILE_TEST_EXISTS));
    ck_assert(g_file_test(outside, G_FILE_TEST_IS_REGULAR));
    ck_assert(!gh_image_tree_remove(root, "etc/resolv.conf", &error));
    ck_assert(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
    close(root);
}
END_TEST

START_TEST(test_render_in_root_replaces_each_guest_template_keeping_its_mode)
{
    int root = open_root("root");
    g_autofree char *t1 = write_tmp("root/etc/x.conf.in", "@WIDTH@x@HEIGHT@@@REFRESH@\n", 0640);
    g_autofree char *t2 = write_tmp("root/usr/bin/game.in", "exec @GAME_COMMAND@\n", 0755);
    g_autoptr(GPtrArray) guest = g_ptr_array_new_with_free_func(gh_image_plan_entry_free);
    g_autofree char *conf = NULL, *game = NULL, *untouched = NULL;
    g_autofree char *game_path = g_build_filename(tmpdir, "root", "usr", "bin", "game", NULL);
    g_autoptr(GError) error = NULL;
    struct stat st;
    guint n = 0;

    put_tmp("root/usr/share/pkg/Makefile.in", "@WIDTH@\n", 0644);
    /* Only what came from the guest tree is a template: packages ship *.in files too. */
    g_ptr_array_add(guest, gh_image_plan_entry_new("etc", S_IFDIR | 0755, NULL));
    g_ptr_array_add(guest, gh_image_plan_entry_new("etc/x.conf.in", S_IFREG | 0640, NULL));
    g_ptr_array_add(guest, gh_image_plan_entry_new("usr/bin/game.in", S_IFREG | 0755, NULL));
    ck_assert_msg(gh_image_tree_render(root, guest, &vars, &n, &error), "%s", error ? error->message : "?");
    close(root);
    ck_assert_uint_eq(n, 2);
    conf = read_tmp("root/etc/x.conf");
    game = read_tmp("root/usr/bin/game");
    untouched = read_tmp("root/usr/share/pkg/Makefile.in");
    ck_assert_str_eq(conf, "640x480@60\n");
    ck_assert_str_eq(game, "exec /usr/games/chocolate-doom -iwad doom1.wad\n");
    ck_assert_str_eq(untouched, "@WIDTH@\n");
    ck_assert(!g_file_test(t1, G_FILE_TEST_EXISTS));
    ck_assert(!g_file_test(t2, G_FILE_TEST_EXISTS));
    ck_assert_int_eq(stat(game_path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0755);
}
END_TEST

START_TEST(test_render_in_root_names_the_template_with_a_bad_placeholder)
{
    int root = open_root("root");
    g_autoptr(GPtrArray) guest = g_ptr_array_new_with_free_func(gh_image_plan_entry_free);
    g_autoptr(GError) error = NULL;
    guint n = 0;

    put_tmp("root/etc/x.conf.in", "@WIDTH@ @DEPTH@\n", 0644);
    g_ptr_array_add(guest, gh_image_plan_entry_new("etc/x.conf.in", S_IFREG | 0644, NULL));
    ck_assert(!gh_image_tree_render(root, guest, &vars, &n, &error));
    close(root);
    ck_assert_str_eq(error->message, "etc/x.conf.in: unknown placeholder @DEPTH@ (known: @WIDTH@ @HEIGHT@ "
                                     "@REFRESH@ @GAME_COMMAND@ @IMAGE_ID@)");
}
END_TEST

/* ---- sizes, boot files, publishing -------------------------------------------------- */

START_TEST(test_size_is_the_apparent_size_of_the_tree)
{
    g_autofree char *tree = g_build_filename(tmpdir, "tree", NULL);
    g_autofree char *sub = g_build_filename(tree, "sub", NULL);
    struct stat st_tree, st_sub;
    guint64 bytes = 0;

    put_tmp("tree/a", "12345", 0644);
    put_tmp("tree/sub/b", "123", 0644);
    ck_assert(gh_image_tree_size(tree, &bytes, NULL));
    ck_assert_int_eq(stat(tree, &st_tree), 0);
    ck_assert_int_eq(stat(sub, &st_sub), 0);
    ck_assert_uint_eq(bytes, 5 + 3 + (guint64)st_tree.st_size + (guint64)st_sub.st_size);
}
END_TEST

START_TEST(test_take_boot_moves_the_one_kernel_out)
{
    g_autofree char *k = write_tmp("root/boot/vmlinuz-6.1.0-37-amd64", "kernel", 0644);
    g_autofree char *root = g_build_filename(tmpdir, "root", NULL);
    g_autofree char *dest = g_build_filename(tmpdir, "vmlinuz", NULL);
    g_autofree char *text = NULL;

    put_tmp("root/boot/config-6.1.0-37-amd64", "config", 0644);
    ck_assert(gh_image_tree_take_boot(root, "vmlinuz-", dest, NULL));
    ck_assert(!g_file_test(k, G_FILE_TEST_EXISTS));
    text = read_tmp("vmlinuz");
    ck_assert_str_eq(text, "kernel");
}
END_TEST

START_TEST(test_take_boot_refuses_two_kernels_naming_them)
{
    g_autofree char *root = g_build_filename(tmpdir, "root", NULL);
    g_autofree char *dest = g_build_filename(tmpdir, "vmlinuz", NULL);
    g_autofree char *want = g_strdup_printf("expected exactly one %s/boot/vmlinuz-*, found 2: vmlinuz-6.1.0-37-amd64, "
                                            "vmlinuz-6.1.0-38-amd64", root);
    g_autoptr(GError) error = NULL;

    put_tmp("root/boot/vmlinuz-6.1.0-37-amd64", "k", 0644);
    put_tmp("root/boot/vmlinuz-6.1.0-38-amd64", "k", 0644);
    ck_assert(!gh_image_tree_take_boot(root, "vmlinuz-", dest, &error));
    ck_assert_str_eq(error->message, want);
    ck_assert(!g_file_test(dest, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(test_take_boot_refuses_no_initrd)
{
    g_autofree char *root = g_build_filename(tmpdir, "root", NULL);
    g_autofree char *dest = g_build_filename(tmpdir, "initrd.img", NULL);
    g_autofree char *want = g_strdup_printf("expected exactly one %s/boot/initrd.img-*, found 0", root);
    g_autoptr(GError) error = NULL;

    put_tmp("root/boot/vmlinuz-6.1.0-37-amd64", "k", 0644);
    ck_assert(!gh_image_tree_take_boot(root, "initrd.img-", dest, &error));
    ck_assert_str_eq(error->message, want);
}
END_TEST

START_TEST(test_publish_hard_links_each_file_of_the_entry)
{
    g_autofree char *d = write_tmp("cache/x-0123/root.qcow2", "disk", 0644);
    g_autofree char *old = write_tmp("out/root.qcow2", "an older disk", 0644);
    g_autofree char *entry = g_build_filename(tmpdir, "cache", "x-0123", NULL);
    g_autofree char *output = g_build_filename(tmpdir, "out", NULL);
    g_autofree char *sub = g_build_filename(entry, "sub", NULL);
    g_autofree char *out_manifest = g_build_filename(output, "x.image.xml", NULL);
    g_autofree char *out_sub = g_build_filename(output, "sub", NULL);
    struct stat a, b;
    gboolean copied = TRUE;

    put_tmp("cache/x-0123/x.image.xml", "<image/>", 0644);
    ck_assert_int_eq(g_mkdir(sub, 0755), 0);
    ck_assert(gh_image_tree_publish(entry, output, &copied, NULL));
    ck_assert(!copied);
    ck_assert_int_eq(stat(d, &a), 0);
    ck_assert_int_eq(stat(old, &b), 0);
    ck_assert_uint_eq(a.st_ino, b.st_ino);
    ck_assert(g_file_test(out_manifest, G_FILE_TEST_IS_REGULAR));
    ck_assert(!g_file_test(out_sub, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(test_publish_into_the_entry_itself_keeps_its_files)
{
    g_autofree char *entry = g_build_filename(tmpdir, "cache", "x-0123", NULL);
    g_autofree char *text = NULL;
    gboolean copied = TRUE;

    put_tmp("cache/x-0123/root.qcow2", "disk", 0644);
    ck_assert(gh_image_tree_publish(entry, entry, &copied, NULL));
    text = read_tmp("cache/x-0123/root.qcow2");
    ck_assert_str_eq(text, "disk");
}
END_TEST

START_TEST(test_sha256_of_a_file)
{
    g_autofree char *f = write_tmp("f", "abc", 0644);
    g_autofree char *empty = write_tmp("e", "", 0644);
    g_autofree char *sum = gh_image_file_sha256(f, NULL);
    g_autofree char *sum_empty = gh_image_file_sha256(empty, NULL);

    ck_assert_str_eq(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_str_eq(sum_empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

static Suite *
image_tree_suite(void)
{
    Suite *s = suite_create("image-tree");
    TCase *tc = tcase_create("tree");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_walk_lists_every_entry_with_its_mode_and_bytes);
    tcase_add_test(tc, test_walk_refuses_what_is_not_a_file_folder_or_symlink);
    tcase_add_test(tc, test_apt_sources_are_the_list_and_the_list_d_files_apt_reads_sorted);
    tcase_add_test(tc, test_apt_sources_of_an_empty_folder_are_none);
    tcase_add_test(tc, test_write_in_root_makes_folders_and_sets_the_mode);
    tcase_add_test(tc, test_write_through_an_absolute_symlink_stays_inside_the_root);
    tcase_add_test(tc, test_read_and_remove_in_root_resolve_paths_inside_it);
    tcase_add_test(tc, test_render_in_root_replaces_each_guest_template_keeping_its_mode);
    tcase_add_test(tc, test_render_in_root_names_the_template_with_a_bad_placeholder);
    tcase_add_test(tc, test_size_is_the_apparent_size_of_the_tree);
    tcase_add_test(tc, test_take_boot_moves_the_one_kernel_out);
    tcase_add_test(tc, test_take_boot_refuses_two_kernels_naming_them);
    tcase_add_test(tc, test_take_boot_refuses_no_initrd);
    tcase_add_test(tc, test_publish_hard_links_each_file_of_the_entry);
    tcase_add_test(tc, test_publish_into_the_entry_itself_keeps_its_files);
    tcase_add_test(tc, test_sha256_of_a_file);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return gh_test_run(image_tree_suite());
}
