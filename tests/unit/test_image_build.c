/* test_image_build: `gamehostctl image build` without building anything: its
 * pure parts (ctl-image-plan.c): packages, apt's answer on its real output,
 * the cache key, templates, mmdebstrap's argv and the manifest.  Its file
 * work is test_image_tree.c's; a real build is never run. */
#include <check.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/image-spec.h"
#include "ctl/ctl-image-plan.h"
#include "testutil.h"

#define SHA_K "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA_I "2222222222222222222222222222222222222222222222222222222222222222"
#define SHA_D "3333333333333333333333333333333333333333333333333333333333333333"

static char *
data_path(const char *name)
{
    const char *srcdir = g_getenv("GH_TEST_SRCDIR");

    return g_build_filename(srcdir ? srcdir : ".", "tests", "data", "image-build", name, NULL);
}

static char *
read_data(const char *name)
{
    g_autofree char *path = data_path(name);
    char *text = NULL;

    ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s", path);
    return text;
}

static GhImageSpec *
fixture_spec(void)
{
    g_autofree char *path = data_path("freedoom.spec");
    g_autoptr(GError) error = NULL;
    GhImageSpec *spec = gh_image_spec_load(path, &error);

    ck_assert_msg(spec != NULL, "%s", error ? error->message : "?");
    return spec;
}

static void
assert_strv(char **got, const char *const *want)
{
    ck_assert_ptr_nonnull(got);
    for (guint i = 0; want[i]; i++) {
        ck_assert_msg(got[i] != NULL, "missing item %u: %s", i, want[i]);
        ck_assert_str_eq(got[i], want[i]);
    }
    ck_assert_uint_eq(g_strv_length(got), g_strv_length((char **)want));
}

/* ---- packages and apt --------------------------------------------------------------- */

START_TEST(test_packages_are_the_base_then_the_spec_each_once)
{
    g_autoptr(GhImageSpec) spec = fixture_spec();
    g_auto(GStrv) got = NULL;
    const char *const want[] = { "linux-image-amd64", "systemd-sysv", "udev", "xserver-xorg-core",
                                 "xserver-xorg-input-libinput", "xinit", "libdrm2", "chocolate-doom", "freedoom",
                                 NULL };

    g_strfreev(spec->packages);
    spec->packages = g_strsplit("chocolate-doom;udev;freedoom;chocolate-doom", ";", -1);
    got = gh_image_plan_packages(spec);
    assert_strv(got, want);
}
END_TEST

START_TEST(test_apt_argv_simulates_minbase_plus_the_packages)
{
    const char *const packages[] = { "xinit", "freedoom=0.12.1-1", NULL };
    g_auto(GStrv) argv = gh_image_plan_apt_argv(packages);
    const char *const want[] = { "apt-get", "-s", "-o", "Dir::State::status=/dev/null", "-o",
                                 "APT::Install-Recommends=false", "install", "?essential", "?priority(required)",
                                 "apt", "xinit", "freedoom=0.12.1-1", NULL };

    assert_strv(argv, want);
}
END_TEST

START_TEST(test_apt_real_output_parses_to_a_sorted_name_version_list)
{
    g_autofree char *out = read_data("apt-simulate.txt");
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) list = gh_image_plan_parse_apt(out, &error);

    ck_assert_ptr_nonnull(list);
    ck_assert_uint_eq(g_strv_length(list), 238);
    ck_assert_str_eq(list[0], "adduser=3.134");
    ck_assert(g_strv_contains((const char *const *)list, "chocolate-doom=3.0.1+really3.0.0+git1471-1"));
    ck_assert(g_strv_contains((const char *const *)list, "libcap2=1:2.66-4+deb12u3+b1"));
    ck_assert(g_strv_contains((const char *const *)list, "xserver-xorg-core=2:21.1.7-3+deb12u13"));
    for (guint i = 1; list[i]; i++)
        ck_assert_msg(strcmp(list[i - 1], list[i]) < 0, "%s before %s", list[i - 1], list[i]);
}
END_TEST

START_TEST(test_apt_inst_line_with_an_installed_version_takes_the_new_one)
{
    const char *out = "Inst zzz (1.0 Debian:12 [amd64])\n"
                      "Inst foo [1.0-1] (2.0-1 Debian:12 [amd64])\n"
                      "Conf foo (2.0-1 Debian:12 [amd64])\n"
                      "Inst zzz (1.0 Debian:12 [amd64])\n";
    g_auto(GStrv) list = gh_image_plan_parse_apt(out, NULL);
    const char *const want[] = { "foo=2.0-1", "zzz=1.0", NULL };

    assert_strv(list, want);
}
END_TEST

START_TEST(test_apt_output_without_inst_lines_is_an_error)
{
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) list = gh_image_plan_parse_apt("Reading package lists...\n0 upgraded, 0 newly installed\n", &error);

    ck_assert_ptr_null(list);
    ck_assert_str_eq(error->message, "apt-get resolved no package (no \"Inst\" line in its output)");
}
END_TEST

START_TEST(test_apt_real_errors_name_the_package_and_the_version)
{
    g_autofree char *err = read_data("apt-unknown-package.txt");
    g_autofree char *why = gh_image_plan_apt_error(err);

    ck_assert_str_eq(why, "package nosuchgame is not in the host's apt lists (run apt-get update?); "
                          "package freedoom has no version 9.9 in the host's apt lists (run apt-get update?)");
}
END_TEST

START_TEST(test_apt_package_without_candidate_says_so)
{
    g_autofree char *why = gh_image_plan_apt_error("E: Package 'doom' has no installation candidate\n");

    ck_assert_str_eq(why, "package doom has no installation candidate (a virtual or obsolete package: name one "
                          "that provides it)");
}
END_TEST

START_TEST(test_apt_other_errors_pass_through_and_no_error_line_gives_the_last_lines)
{
    g_autofree char *other = gh_image_plan_apt_error("W: odd\nE: Could not open lock file\n");
    g_autofree char *none = gh_image_plan_apt_error("one\ntwo\n\nthree\n");
    g_autofree char *empty = gh_image_plan_apt_error("");

    ck_assert_str_eq(other, "Could not open lock file");
    ck_assert_str_eq(none, "one; two; three");
    ck_assert_str_eq(empty, "no message");
}
END_TEST

START_TEST(test_os_release_gives_the_codename)
{
    g_autofree char *plain = gh_image_plan_os_codename("NAME=\"Debian\"\nVERSION_CODENAME=bookworm\nID=debian\n");
    g_autofree char *quoted = gh_image_plan_os_codename("VERSION_CODENAME=\"trixie\"\n");
    g_autofree char *missing = gh_image_plan_os_codename("NAME=\"Debian GNU/Linux\"\n");
    g_autofree char *empty = gh_image_plan_os_codename("VERSION_CODENAME=\n");

    ck_assert_str_eq(plain, "bookworm");
    ck_assert_str_eq(quoted, "trixie");
    ck_assert_ptr_null(missing);
    ck_assert_ptr_null(empty);
}
END_TEST

/* ---- the cache key ------------------------------------------------------------------ */

/* A full set of key inputs, owned. */
typedef struct {
    GBytes *spec, *profile, *agent;
    GPtrArray *files, *guest, *sources;
    char *suite;
    GStrv packages;
} KeyFixture;

static GBytes *
bytes_of(const char *text)
{
    return g_bytes_new(text, strlen(text));
}

static void
key_fixture_add(GPtrArray *array, const char *path, guint mode, const char *text)
{
    g_autoptr(GBytes) data = bytes_of(text);

    g_ptr_array_add(array, gh_image_plan_entry_new(path, mode, data));
}

static void
key_fixture_init(KeyFixture *f)
{
    f->spec = bytes_of("[image]\nid = freedoom\n");
    f->profile = bytes_of("<profile/>");
    f->agent = bytes_of("\177ELF agent");
    f->files = g_ptr_array_new_with_free_func(gh_image_plan_entry_free);
    key_fixture_add(f->files, "default.cfg", S_IFREG | 0644, "screen_width 640\n");
    f->guest = g_ptr_array_new_with_free_func(gh_image_plan_entry_free);
    key_fixture_add(f->guest, "etc", S_IFDIR | 0755, "");
    key_fixture_add(f->guest, "etc/x.conf.in", S_IFREG | 0644, "w=@WIDTH@\n");
    key_fixture_add(f->guest, "etc/link", S_IFLNK | 0777, "x.conf");
    f->sources = g_ptr_array_new_with_free_func(gh_image_plan_entry_free);
    key_fixture_add(f->sources, "/etc/apt/sources.list.d/debian.sources", 0, "Types: deb\n");
    f->suite = g_strdup("bookworm");
    f->packages = g_strsplit("apt=2.6.1;freedoom=0.12.1-1", ";", -1);
}

static void
key_fixture_clear(KeyFixture *f)
{
    g_bytes_unref(f->spec);
    g_bytes_unref(f->profile);
    g_bytes_unref(f->agent);
    g_ptr_array_unref(f->files);
    g_ptr_array_unref(f->guest);
    g_ptr_array_unref(f->sources);
    g_free(f->suite);
    g_strfreev(f->packages);
}

static char *
key_of(const KeyFixture *f)
{
    GhImagePlanKeyInput in = { f->spec, f->files, f->profile, f->guest, f->agent, f->suite, f->sources,
                               (const char *const *)f->packages };

    return gh_image_plan_key(&in);
}

static void
entry_set(GPtrArray *array, guint i, const char *path, guint mode, const char *text)
{
    g_autoptr(GBytes) data = bytes_of(text);

    gh_image_plan_entry_free(array->pdata[i]);
    array->pdata[i] = gh_image_plan_entry_new(path, mode, data);
}

START_TEST(test_key_is_sha256_hex_and_the_same_for_the_same_inputs)
{
    KeyFixture a, b;
    g_autofree char *ka = NULL, *kb = NULL;

    key_fixture_init(&a);
    key_fixture_init(&b);
    ka = key_of(&a);
    kb = key_of(&b);
    ck_assert_uint_eq(strlen(ka), 64);
    ck_assert(g_regex_match_simple("^[0-9a-f]{64}$", ka, 0, 0));
    ck_assert_str_eq(ka, kb);
    key_fixture_clear(&a);
    key_fixture_clear(&b);
}
END_TEST

START_TEST(test_key_does_not_depend_on_the_order_guest_files_and_sources_come_in)
{
    KeyFixture f;
    g_autofree char *before = NULL, *after = NULL;
    gpointer first;

    key_fixture_init(&f);
    key_fixture_add(f.sources, "/etc/apt/sources.list", 0, "deb http://x y main\n");
    before = key_of(&f);
    first = f.guest->pdata[0];
    f.guest->pdata[0] = f.guest->pdata[2];
    f.guest->pdata[2] = first;
    first = f.sources->pdata[0];
    f.sources->pdata[0] = f.sources->pdata[1];
    f.sources->pdata[1] = first;
    after = key_of(&f);
    ck_assert_str_eq(before, after);
    key_fixture_clear(&f);
}
END_TEST

/* One change per loop run, each to one input the key covers. */
static void
key_fixture_change(KeyFixture *f, int which)
{
    switch (which) {
    case 0: g_bytes_unref(f->spec); f->spec = bytes_of("[image]\nid = freedoom2\n"); break;
    case 1: entry_set(f->files, 0, "default.cfg", S_IFREG | 0644, "screen_width 800\n"); break;
    case 2: entry_set(f->files, 0, "other.cfg", S_IFREG | 0644, "screen_width 640\n"); break;
    case 3: g_bytes_unref(f->profile); f->profile = bytes_of("<profile id='x'/>"); break;
    case 4: entry_set(f->guest, 1, "etc/x.conf.in", S_IFREG | 0644, "w=@HEIGHT@\n"); break;
    case 5: entry_set(f->guest, 1, "etc/x.conf.in", S_IFREG | 0755, "w=@WIDTH@\n"); break;
    case 6: entry_set(f->guest, 1, "etc/y.conf.in", S_IFREG | 0644, "w=@WIDTH@\n"); break;
    case 7: entry_set(f->guest, 2, "etc/link", S_IFLNK | 0777, "y.conf"); break;
    case 8: key_fixture_add(f->guest, "etc/new", S_IFREG | 0644, ""); break;
    case 9: g_bytes_unref(f->agent); f->agent = bytes_of("\177ELF agent v2"); break;
    case 10: g_free(f->suite); f->suite = g_strdup("trixie"); break;
    case 11: entry_set(f->sources, 0, "/etc/apt/sources.list.d/debian.sources", 0, "Types: deb deb-src\n"); break;
    case 12: entry_set(f->sources, 0, "/etc/apt/sources.list.d/other.sources", 0, "Types: deb\n"); break;
    case 13: g_free(f->packages[1]); f->packages[1] = g_strdup("freedoom=0.13.0-1"); break;
    case 14: g_free(f->packages[1]); f->packages[1] = NULL; break;
    case 15: g_ptr_array_set_size(f->files, 0); break;
    case 16: entry_set(f->files, 0, "default.cfg", S_IFREG | 0600, "screen_width 640\n"); break;
    }
}
#define KEY_CHANGES 17

START_TEST(test_key_changes_when_any_one_input_changes)
{
    KeyFixture f;
    g_autofree char *before = NULL, *after = NULL;

    key_fixture_init(&f);
    before = key_of(&f);
    key_fixture_change(&f, _i);
    after = key_of(&f);
    ck_assert_msg(!g_str_equal(before, after), "change %d left the key as it was", _i);
    key_fixture_clear(&f);
}
END_TEST

START_TEST(test_key_tells_apart_bytes_moved_between_two_inputs)
{
    KeyFixture a, b;
    g_autofree char *ka = NULL, *kb = NULL;

    key_fixture_init(&a);
    key_fixture_init(&b);
    /* Same bytes in all, split differently between spec and profile. */
    g_bytes_unref(a.spec);
    a.spec = bytes_of("ab");
    g_bytes_unref(a.profile);
    a.profile = bytes_of("c");
    g_bytes_unref(b.spec);
    b.spec = bytes_of("a");
    g_bytes_unref(b.profile);
    b.profile = bytes_of("bc");
    ka = key_of(&a);
    kb = key_of(&b);
    ck_assert_str_ne(ka, kb);
    key_fixture_clear(&a);
    key_fixture_clear(&b);
}
END_TEST

START_TEST(test_cache_entry_is_named_by_the_id_and_16_hex_of_the_key)
{
    g_autofree char *name = gh_image_plan_entry_name("freedoom", "cd8f9aec3ab6e5f0" "1234567890abcdef" "00");

    ck_assert_str_eq(name, "freedoom-cd8f9aec3ab6e5f0");
}
END_TEST

/* ---- templates ---------------------------------------------------------------------- */

static const GhImagePlanVars vars = { 640, 480, 60, "/usr/games/chocolate-doom -iwad doom1.wad", "freedoom" };

START_TEST(test_render_replaces_every_placeholder)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = gh_image_plan_render("Modes \"@WIDTH@x@HEIGHT@\" @REFRESH@ Hz\n"
                                                "exec @GAME_COMMAND@ # @IMAGE_ID@ @WIDTH@\n", &vars, &error);

    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, "Modes \"640x480\" 60 Hz\nexec /usr/games/chocolate-doom -iwad doom1.wad # freedoom 640\n");
}
END_TEST

START_TEST(test_render_leaves_other_at_signs_alone)
{
    const char *text = "Wants=getty@tty1.service\nmail root@localhost @width@ @ @@ @1A@\n";
    g_autofree char *out = gh_image_plan_render(text, &vars, NULL);

    ck_assert_str_eq(out, text);
}
END_TEST

START_TEST(test_render_refuses_an_unknown_placeholder_naming_it)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *out = gh_image_plan_render("w=@WIDTH@ h=@HIEGHT@\n", &vars, &error);

    ck_assert_ptr_null(out);
    ck_assert_str_eq(error->message,
                     "unknown placeholder @HIEGHT@ (known: @WIDTH@ @HEIGHT@ @REFRESH@ @GAME_COMMAND@ @IMAGE_ID@)");
}
END_TEST

/* ---- the tools and the manifest ----------------------------------------------------- */

START_TEST(test_mmdebstrap_argv_keeps_debs_through_its_hooks)
{
    const char *const packages[] = { "xinit", "freedoom", NULL };
    const char *const sources[] = { "/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list", NULL };
    const char *const dpkg_opts[] = { "/g/etc/dpkg/dpkg.cfg.d/slim", NULL };
    g_auto(GStrv) argv = gh_image_plan_mmdebstrap_argv(packages, "bookworm", "/c/.build-x/root", "/c/my debs",
                                                       sources, dpkg_opts);
    const char *const want[] = {
        "mmdebstrap", "--mode=root", "--variant=minbase", "--components=main", "--include=xinit,freedoom",
        "--skip=essential/unlink", "--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives/",
        "--setup-hook=sync-in '/c/my debs' /var/cache/apt/archives/",
        "--customize-hook=sync-out /var/cache/apt/archives '/c/my debs'",
        "--dpkgopt=/g/etc/dpkg/dpkg.cfg.d/slim",
        "bookworm", "/c/.build-x/root", "/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list", NULL,
    };

    assert_strv(argv, want);
}
END_TEST

START_TEST(test_dpkg_opts_are_the_guest_dpkg_cfg_files_in_name_order)
{
    g_autoptr(GPtrArray) guest = g_ptr_array_new_with_free_func(gh_image_plan_entry_free);
    g_autoptr(GBytes) none = g_bytes_new_static("", 0);
    g_ptr_array_add(guest, gh_image_plan_entry_new("etc/dpkg/dpkg.cfg.d/b-second", S_IFREG | 0644, none));
    g_ptr_array_add(guest, gh_image_plan_entry_new("etc/dpkg/dpkg.cfg.d", S_IFDIR | 0755, none));
    g_ptr_array_add(guest, gh_image_plan_entry_new("etc/dpkg/dpkg.cfg.d/a-first", S_IFREG | 0644, none));
    g_ptr_array_add(guest, gh_image_plan_entry_new("etc/dpkg/dpkg.cfg.d/link", S_IFLNK | 0777, none));
    g_ptr_array_add(guest, gh_image_plan_entry_new("etc/dpkg/dpkg.cfg.d/sub/deeper", S_IFREG | 0644, none));
    g_ptr_array_add(guest, gh_image_plan_entry_new("etc/dpkg/other", S_IFREG | 0644, none));
    g_auto(GStrv) opts = gh_image_plan_dpkg_opts(guest, "/g");
    const char *const want[] = { "/g/etc/dpkg/dpkg.cfg.d/a-first", "/g/etc/dpkg/dpkg.cfg.d/b-second", NULL };

    assert_strv(opts, want);
}
END_TEST

START_TEST(test_disk_is_1_3_times_the_tree_plus_256_mib_rounded_up)
{
    ck_assert_uint_eq(gh_image_plan_disk_mib(0), 256);
    ck_assert_uint_eq(gh_image_plan_disk_mib(1000 * 1024 * 1024ULL), 1556);
    ck_assert_uint_eq(gh_image_plan_disk_mib(1), 257);
    ck_assert_uint_eq(gh_image_plan_disk_mib(10 * 1024 * 1024ULL), 269);
}
END_TEST

START_TEST(test_cmdline_is_the_base_then_the_spec_kernel_args)
{
    g_autoptr(GhImageSpec) spec = fixture_spec();
    g_autofree char *with = gh_image_plan_cmdline(spec);
    g_autofree char *without = NULL;

    g_clear_pointer(&spec->kernel_args, g_free);
    without = gh_image_plan_cmdline(spec);
    ck_assert_str_eq(with, "root=/dev/vda rw console=ttyS0 quiet");
    ck_assert_str_eq(without, "root=/dev/vda rw console=ttyS0");
}
END_TEST

START_TEST(test_manifest_of_the_fixture_spec_is_exactly_the_golden_file)
{
    g_autoptr(GhImageSpec) spec = fixture_spec();
    GhImagePlanSums sums = { SHA_K, SHA_I, SHA_D };
    g_autofree char *got = gh_image_plan_manifest(spec, &sums);
    g_autofree char *want = read_data("freedoom.image.xml");
    g_autofree char *name = gh_image_plan_manifest_name(spec->id);

    ck_assert_str_eq(got, want);
    ck_assert_str_eq(name, "freedoom.image.xml");
}
END_TEST

START_TEST(test_manifest_has_no_machine_when_the_spec_sets_neither)
{
    g_autoptr(GhImageSpec) spec = fixture_spec();
    GhImagePlanSums sums = { SHA_K, SHA_I, SHA_D };
    g_autofree char *xml = NULL;

    spec->vcpus = 0;
    spec->memory_mib = 0;
    xml = gh_image_plan_manifest(spec, &sums);
    ck_assert_ptr_null(strstr(xml, "<machine"));
}
END_TEST

START_TEST(test_manifest_machine_has_only_what_the_spec_sets)
{
    g_autoptr(GhImageSpec) spec = fixture_spec();
    GhImagePlanSums sums = { SHA_K, SHA_I, SHA_D };
    g_autofree char *vcpus = NULL, *memory = NULL;

    spec->memory_mib = 0;
    vcpus = gh_image_plan_manifest(spec, &sums);
    spec->vcpus = 0;
    spec->memory_mib = 2048;
    memory = gh_image_plan_manifest(spec, &sums);
    ck_assert_ptr_nonnull(strstr(vcpus, "  <machine vcpus=\"2\"/>\n"));
    ck_assert_ptr_nonnull(strstr(memory, "  <machine memory-mib=\"2048\"/>\n"));
}
END_TEST

START_TEST(test_manifest_escapes_what_the_spec_says)
{
    g_autoptr(GhImageSpec) spec = fixture_spec();
    GhImagePlanSums sums = { SHA_K, SHA_I, SHA_D };
    g_autofree char *xml = NULL;

    g_free(spec->title);
    spec->title = g_strdup("Tom & Jerry <3");
    g_free(spec->kernel_args);
    spec->kernel_args = g_strdup("x=\"a<b\"");
    xml = gh_image_plan_manifest(spec, &sums);
    ck_assert_ptr_nonnull(strstr(xml, "<title>Tom &amp; Jerry &lt;3</title>"));
    ck_assert_ptr_nonnull(strstr(xml, "<cmdline>root=/dev/vda rw console=ttyS0 x=\"a&lt;b\"</cmdline>"));
}
END_TEST

START_TEST(test_package_lists_that_agree_have_no_difference)
{
    const char *const a[] = { "apt=2.6.1", "tzdata=2025b", NULL };

    ck_assert_ptr_null(gh_image_plan_diff_packages(a, a));
}
END_TEST

START_TEST(test_package_lists_differences_are_counted_and_named)
{
    const char *const resolved[] = { "apt=2.6.1", "tzdata=2024a", "zzz=1", NULL };
    const char *const installed[] = { "apt=2.6.1", "e2fsprogs=1.47", "tzdata=2025b", NULL };
    g_autofree char *diff = gh_image_plan_diff_packages(resolved, installed);

    ck_assert_str_eq(diff, "3 differ: e2fsprogs installed only; tzdata 2024a resolved, 2025b installed; "
                           "zzz resolved only");
}
END_TEST

START_TEST(test_package_lists_name_the_first_three_differences)
{
    const char *const resolved[] = { "a=1", "b=1", "c=1", "d=1", NULL };
    const char *const installed[] = { NULL };
    g_autofree char *diff = gh_image_plan_diff_packages(resolved, installed);

    ck_assert_str_eq(diff, "4 differ: a resolved only; b resolved only; c resolved only; ...");
}
END_TEST

static TCase *
plain_case(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);

    suite_add_tcase(s, tc);
    return tc;
}

static Suite *
image_build_suite(void)
{
    Suite *s = suite_create("image-build");
    TCase *tc;

    tc = plain_case(s, "apt");
    tcase_add_test(tc, test_packages_are_the_base_then_the_spec_each_once);
    tcase_add_test(tc, test_apt_argv_simulates_minbase_plus_the_packages);
    tcase_add_test(tc, test_apt_real_output_parses_to_a_sorted_name_version_list);
    tcase_add_test(tc, test_apt_inst_line_with_an_installed_version_takes_the_new_one);
    tcase_add_test(tc, test_apt_output_without_inst_lines_is_an_error);
    tcase_add_test(tc, test_apt_real_errors_name_the_package_and_the_version);
    tcase_add_test(tc, test_apt_package_without_candidate_says_so);
    tcase_add_test(tc, test_apt_other_errors_pass_through_and_no_error_line_gives_the_last_lines);
    tcase_add_test(tc, test_os_release_gives_the_codename);

    tc = plain_case(s, "key");
    tcase_add_test(tc, test_key_is_sha256_hex_and_the_same_for_the_same_inputs);
    tcase_add_test(tc, test_key_does_not_depend_on_the_order_guest_files_and_sources_come_in);
    tcase_add_loop_test(tc, test_key_changes_when_any_one_input_changes, 0, KEY_CHANGES);
    tcase_add_test(tc, test_key_tells_apart_bytes_moved_between_two_inputs);
    tcase_add_test(tc, test_cache_entry_is_named_by_the_id_and_16_hex_of_the_key);

    tc = plain_case(s, "render");
    tcase_add_test(tc, test_render_replaces_every_placeholder);
    tcase_add_test(tc, test_render_leaves_other_at_signs_alone);
    tcase_add_test(tc, test_render_refuses_an_unknown_placeholder_naming_it);

    tc = plain_case(s, "manifest");
    tcase_add_test(tc, test_mmdebstrap_argv_keeps_debs_through_its_hooks);
    tcase_add_test(tc, test_dpkg_opts_are_the_guest_dpkg_cfg_files_in_name_order);
    tcase_add_test(tc, test_disk_is_1_3_times_the_tree_plus_256_mib_rounded_up);
    tcase_add_test(tc, test_cmdline_is_the_base_then_the_spec_kernel_args);
    tcase_add_test(tc, test_manifest_of_the_fixture_spec_is_exactly_the_golden_file);
    tcase_add_test(tc, test_manifest_has_no_machine_when_the_spec_sets_neither);
    tcase_add_test(tc, test_manifest_machine_has_only_what_the_spec_sets);
    tcase_add_test(tc, test_manifest_escapes_what_the_spec_says);
    tcase_add_test(tc, test_package_lists_that_agree_have_no_difference);
    tcase_add_test(tc, test_package_lists_differences_are_counted_and_named);
    tcase_add_test(tc, test_package_lists_name_the_first_three_differences);

    return s;
}

int
main(void)
{
    return gh_test_run(image_build_suite());
}
