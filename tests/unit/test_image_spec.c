/* Specification of image specs (conf/image-spec.c): the file `gamehostctl
 * image build` reads.  A full spec parses to every field; every required key,
 * bad value, unknown name and hostile path is refused with FILE:LINE and a
 * reason that names the problem. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/image-spec.h"
#include "testutil.h"

/* One key per line, so each error's line is known. */
static const char *const full_spec[] = {
    "# freedoom.spec",                                                   /* 1 */
    "[image]",                                                           /* 2 */
    "id = freedoom",                                                     /* 3 */
    "title = Freedoom: Phase 1",                                         /* 4 */
    "version = 0.12.1-1",                                                /* 5 */
    "profile = pc-640",                                                  /* 6 */
    "",                                                                  /* 7 */
    "[system]",                                                          /* 8 */
    "packages = chocolate-doom;freedoom",                                /* 9 */
    "vcpus = 2",                                                         /* 10 */
    "memory_mib = 1024",                                                 /* 11 */
    "mode = 640x480",                                                    /* 12 */
    "kernel_args = quiet",                                               /* 13 */
    "",                                                                  /* 14 */
    "[game]",                                                            /* 15 */
    "command = /usr/games/chocolate-doom -iwad /usr/share/games/doom/freedoom1.wad", /* 16 */
    "files = default.cfg:/root/.local/share/chocolate-doom/default.cfg", /* 17 */
    NULL
};

static char *tmpdir;      /* fresh per test: the spec's folder */
static char *spec_path;   /* <tmpdir>/game.spec */

static void
setup(void)
{
    g_autofree char *cfg = NULL;

    tmpdir = gh_test_make_tmpdir("gh-test-image-spec");
    spec_path = g_build_filename(tmpdir, "game.spec", NULL);
    cfg = g_build_filename(tmpdir, "default.cfg", NULL);
    ck_assert(g_file_set_contents(cfg, "screen_width 640\n", -1, NULL));
}

static void
teardown(void)
{
    gh_test_rm_rf(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
    g_clear_pointer(&spec_path, g_free);
}

/* The full spec with the line of key replaced by "KEY = value", or by a
 * comment when value is NULL (so that every other line keeps its number);
 * key "" changes nothing. */
static char *
spec_with(const char *key, const char *value)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_autofree char *prefix = g_strconcat(key, " =", NULL);

    for (guint i = 0; full_spec[i]; i++) {
        if (*key && g_str_has_prefix(full_spec[i], prefix)) {
            if (value)
                g_string_append_printf(text, "%s = %s\n", key, value);
            else
                g_string_append(text, "# left out\n");
        } else {
            g_string_append_printf(text, "%s\n", full_spec[i]);
        }
    }
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static GhImageSpec *
load_text_ok(const char *text)
{
    g_autoptr(GError) error = NULL;
    GhImageSpec *spec;

    ck_assert(g_file_set_contents(spec_path, text, -1, NULL));
    spec = gh_image_spec_load(spec_path, &error);
    ck_assert_msg(spec != NULL, "unexpected error: %s", error ? error->message : "?");
    return spec;
}

/* Loading text must fail with code and exactly "<spec>:<line>: <reason>"
 * (line 0: "<spec>: <reason>"). */
static void
assert_text_fails(const char *text, GhImageSpecError code, int line, const char *reason)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhImageSpec) spec = NULL;
    g_autofree char *expected = line > 0 ? g_strdup_printf("%s:%d: %s", spec_path, line, reason)
                                         : g_strdup_printf("%s: %s", spec_path, reason);

    ck_assert(g_file_set_contents(spec_path, text, -1, NULL));
    spec = gh_image_spec_load(spec_path, &error);
    ck_assert_ptr_null(spec);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, GH_IMAGE_SPEC_ERROR, code), "unexpected code %d: %s", error->code,
                  error->message);
    ck_assert_str_eq(error->message, expected);
}

/* The full spec with key's value replaced must fail on that key's line. */
static void
assert_value_fails(const char *key, const char *value, int line, const char *reason)
{
    g_autofree char *text = spec_with(key, value);
    g_autofree char *full = g_strdup_printf("bad value for %s: %s", key, reason);

    assert_text_fails(text, GH_IMAGE_SPEC_ERROR_VALUE, line, full);
}

static GhImageSpec *
load_with_ok(const char *key, const char *value)
{
    g_autofree char *text = spec_with(key, value);

    return load_text_ok(text);
}

/* ---- a good spec -------------------------------------------------------- */

START_TEST(test_full_spec_parses_to_every_field)
{
    g_autoptr(GhImageSpec) spec = load_with_ok("", NULL);
    g_autofree char *real_dir = realpath(tmpdir, NULL);
    g_autofree char *cfg = g_build_filename(real_dir, "default.cfg", NULL);
    g_autofree char *text = spec_with("", NULL);
    const GhImageSpecFile *f;

    ck_assert_str_eq(spec->file, spec_path);
    ck_assert_str_eq(spec->dir, real_dir);
    ck_assert_uint_eq(g_bytes_get_size(spec->bytes), strlen(text));
    ck_assert_int_eq(memcmp(g_bytes_get_data(spec->bytes, NULL), text, strlen(text)), 0);
    ck_assert_str_eq(spec->id, "freedoom");
    ck_assert_str_eq(spec->title, "Freedoom: Phase 1");
    ck_assert_str_eq(spec->version, "0.12.1-1");
    ck_assert_str_eq(spec->profile, "pc-640");
    ck_assert_int_eq(spec->profile_line, 6);
    ck_assert_uint_eq(g_strv_length(spec->packages), 2);
    ck_assert_str_eq(spec->packages[0], "chocolate-doom");
    ck_assert_str_eq(spec->packages[1], "freedoom");
    ck_assert_uint_eq(spec->vcpus, 2);
    ck_assert_uint_eq(spec->memory_mib, 1024);
    ck_assert_uint_eq(spec->width, 640);
    ck_assert_uint_eq(spec->height, 480);
    ck_assert_int_eq(spec->mode_line, 12);
    ck_assert_str_eq(spec->kernel_args, "quiet");
    ck_assert_str_eq(spec->command, "/usr/games/chocolate-doom -iwad /usr/share/games/doom/freedoom1.wad");
    ck_assert_uint_eq(spec->files->len, 1);
    f = spec->files->pdata[0];
    ck_assert_str_eq(f->src, "default.cfg");
    ck_assert_str_eq(f->path, cfg);
    ck_assert_str_eq(f->dest, "/root/.local/share/chocolate-doom/default.cfg");
}
END_TEST

START_TEST(test_optional_keys_left_out_read_as_not_set)
{
    const char *const optional[] = { "vcpus", "memory_mib", "mode", "kernel_args", "files" };
    g_autoptr(GString) text = g_string_new(NULL);
    g_autoptr(GhImageSpec) spec = NULL;

    for (guint i = 0; full_spec[i]; i++) {
        gboolean skip = FALSE;
        for (guint k = 0; k < G_N_ELEMENTS(optional); k++)
            skip |= g_str_has_prefix(full_spec[i], optional[k]);
        if (!skip)
            g_string_append_printf(text, "%s\n", full_spec[i]);
    }
    spec = load_text_ok(text->str);
    ck_assert_uint_eq(spec->vcpus, 0);
    ck_assert_uint_eq(spec->memory_mib, 0);
    ck_assert_uint_eq(spec->width, 0);
    ck_assert_uint_eq(spec->height, 0);
    ck_assert_ptr_null(spec->kernel_args);
    ck_assert_uint_eq(spec->files->len, 0);
}
END_TEST

START_TEST(test_empty_optional_key_reads_as_not_set)
{
    g_autoptr(GhImageSpec) spec = load_with_ok("kernel_args", "");

    ck_assert_ptr_null(spec->kernel_args);
}
END_TEST

START_TEST(test_package_list_items_are_trimmed_and_empty_items_skipped)
{
    g_autoptr(GhImageSpec) spec = load_with_ok("packages", " chocolate-doom ; ;freedoom=0.12.1-1;");

    ck_assert_uint_eq(g_strv_length(spec->packages), 2);
    ck_assert_str_eq(spec->packages[0], "chocolate-doom");
    ck_assert_str_eq(spec->packages[1], "freedoom=0.12.1-1");
}
END_TEST

START_TEST(test_package_name_syntax)
{
    ck_assert(gh_image_spec_package_is_valid("chocolate-doom"));
    ck_assert(gh_image_spec_package_is_valid("libstdc++6"));
    ck_assert(gh_image_spec_package_is_valid("xserver-xorg-core=2:21.1.7-3+deb12u10"));
    ck_assert(gh_image_spec_package_is_valid("g++"));
    ck_assert(!gh_image_spec_package_is_valid("a"));
    ck_assert(!gh_image_spec_package_is_valid("Freedoom"));
    ck_assert(!gh_image_spec_package_is_valid("-doom"));
    ck_assert(!gh_image_spec_package_is_valid("doom_x"));
    ck_assert(!gh_image_spec_package_is_valid("doom="));
    ck_assert(!gh_image_spec_package_is_valid("doom=v1"));
    ck_assert(!gh_image_spec_package_is_valid("doom:i386"));
    ck_assert(!gh_image_spec_package_is_valid("doom;rm"));
    ck_assert(!gh_image_spec_package_is_valid(""));
    ck_assert(!gh_image_spec_package_is_valid(NULL));
}
END_TEST

START_TEST(test_vcpus_and_memory_bounds_are_inclusive)
{
    g_autoptr(GhImageSpec) low = load_with_ok("vcpus", "1");
    g_autoptr(GhImageSpec) high = load_with_ok("vcpus", "64");
    g_autoptr(GhImageSpec) mem_low = load_with_ok("memory_mib", "16");
    g_autoptr(GhImageSpec) mem_high = load_with_ok("memory_mib", "1048576");

    ck_assert_uint_eq(low->vcpus, 1);
    ck_assert_uint_eq(high->vcpus, 64);
    ck_assert_uint_eq(mem_low->memory_mib, 16);
    ck_assert_uint_eq(mem_high->memory_mib, 1048576);
}
END_TEST

START_TEST(test_files_source_in_a_subfolder_is_accepted)
{
    g_autofree char *sub = g_build_filename(tmpdir, "conf", NULL);
    g_autofree char *file = g_build_filename(sub, "x.cfg", NULL);
    g_autoptr(GhImageSpec) spec = NULL;

    ck_assert_int_eq(g_mkdir(sub, 0755), 0);
    ck_assert(g_file_set_contents(file, "x", -1, NULL));
    spec = load_with_ok("files", "default.cfg:/etc/a.cfg; conf/x.cfg:/etc/b.cfg");
    ck_assert_uint_eq(spec->files->len, 2);
    ck_assert_str_eq(((GhImageSpecFile *)spec->files->pdata[1])->src, "conf/x.cfg");
    ck_assert_str_eq(((GhImageSpecFile *)spec->files->pdata[1])->dest, "/etc/b.cfg");
}
END_TEST

/* ---- the profile -------------------------------------------------------- */

static const GhProfile pc_640 = { .id = (char *)"pc-640", .width = 640, .height = 480, .refresh_hz = 60 };

START_TEST(test_mode_equal_to_the_profile_display_passes)
{
    g_autoptr(GhImageSpec) spec = load_with_ok("", NULL);
    g_autoptr(GError) error = NULL;

    ck_assert(gh_image_spec_check_profile(spec, &pc_640, &error));
    ck_assert_ptr_null(error);
}
END_TEST

START_TEST(test_spec_without_mode_takes_any_profile_display)
{
    g_autoptr(GhImageSpec) spec = load_with_ok("mode", NULL);
    GhProfile big = pc_640;

    big.width = 1920;
    big.height = 1080;
    ck_assert(gh_image_spec_check_profile(spec, &big, NULL));
}
END_TEST

START_TEST(test_mode_that_differs_from_the_profile_is_refused_naming_both)
{
    g_autoptr(GhImageSpec) spec = load_with_ok("mode", "800x600");
    g_autoptr(GError) error = NULL;
    g_autofree char *want = g_strdup_printf("%s:12: mode 800x600 does not match profile pc-640's display 640x480",
                                            spec_path);

    ck_assert(!gh_image_spec_check_profile(spec, &pc_640, &error));
    ck_assert(g_error_matches(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_VALUE));
    ck_assert_str_eq(error->message, want);
}
END_TEST

START_TEST(test_unknown_profile_is_refused_with_its_line)
{
    g_autoptr(GhImageSpec) spec = load_with_ok("", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *want = g_strdup_printf("%s:6: unknown profile 'pc-640'", spec_path);

    ck_assert(!gh_image_spec_check_profile(spec, NULL, &error));
    ck_assert_str_eq(error->message, want);
}
END_TEST

/* ---- missing keys ------------------------------------------------------- */

static const struct {
    const char *key, *group;
    int group_line;
} required_keys[] = {
    { "id", "image", 2 },
    { "title", "image", 2 },
    { "version", "image", 2 },
    { "profile", "image", 2 },
    { "packages", "system", 8 },
    { "command", "game", 15 },
};

/* A loop test: one run per required key. */
START_TEST(test_each_required_key_missing_is_refused_naming_key_and_file)
{
    g_autofree char *text = spec_with(required_keys[_i].key, NULL);
    g_autofree char *reason = g_strdup_printf("missing key '%s' in [%s]", required_keys[_i].key,
                                              required_keys[_i].group);

    assert_text_fails(text, GH_IMAGE_SPEC_ERROR_MISSING, required_keys[_i].group_line, reason);
}
END_TEST

START_TEST(test_missing_group_is_refused_naming_the_first_key_it_lacks)
{
    const char *text = "[image]\nid = x\ntitle = X\nversion = 1\nprofile = pc-640\n"
                       "[system]\npackages = freedoom\n";

    assert_text_fails(text, GH_IMAGE_SPEC_ERROR_MISSING, 0,
                      "missing key 'command' in [game] (the spec has no [game] group)");
}
END_TEST

START_TEST(test_empty_required_value_is_refused_with_its_line)
{
    g_autofree char *text = spec_with("version", "");

    assert_text_fails(text, GH_IMAGE_SPEC_ERROR_MISSING, 5, "empty value for required key 'version' in [image]");
}
END_TEST

START_TEST(test_package_list_of_only_separators_is_refused)
{
    assert_value_fails("packages", " ; ;", 9, "expected at least one package");
}
END_TEST

/* ---- bad values --------------------------------------------------------- */

START_TEST(test_bad_id_is_refused)
{
    assert_value_fails("id", "Free Doom", 3,
                       "'Free Doom' is not an image id (expected [a-z0-9][a-z0-9._-]{0,63} without '..')");
}
END_TEST

START_TEST(test_id_walking_upwards_is_refused)
{
    assert_value_fails("id", "a..b", 3,
                       "'a..b' is not an image id (expected [a-z0-9][a-z0-9._-]{0,63} without '..')");
}
END_TEST

START_TEST(test_bad_profile_id_is_refused)
{
    assert_value_fails("profile", "../pc", 6,
                       "'../pc' is not a profile id (expected [a-z0-9][a-z0-9._-]{0,63} without '..')");
}
END_TEST

START_TEST(test_bad_package_name_is_refused_naming_it)
{
    assert_value_fails("packages", "chocolate-doom;Free_Doom", 9,
                       "'Free_Doom' is not a Debian package name (expected [a-z0-9][a-z0-9+.-]+, "
                       "optionally =VERSION)");
}
END_TEST

START_TEST(test_package_with_bad_version_is_refused)
{
    assert_value_fails("packages", "freedoom=latest", 9,
                       "'freedoom=latest' is not a Debian package name (expected [a-z0-9][a-z0-9+.-]+, "
                       "optionally =VERSION)");
}
END_TEST

START_TEST(test_vcpus_zero_is_refused)
{
    assert_value_fails("vcpus", "0", 10, "'0' is not an integer from 1 to 64");
}
END_TEST

START_TEST(test_vcpus_65_is_refused)
{
    assert_value_fails("vcpus", "65", 10, "'65' is not an integer from 1 to 64");
}
END_TEST

START_TEST(test_vcpus_not_a_number_is_refused)
{
    assert_value_fails("vcpus", "two", 10, "'two' is not an integer from 1 to 64");
}
END_TEST

START_TEST(test_memory_below_16_mib_is_refused)
{
    assert_value_fails("memory_mib", "15", 11, "'15' is not an integer from 16 to 1048576");
}
END_TEST

START_TEST(test_memory_above_1_tib_is_refused)
{
    assert_value_fails("memory_mib", "1048577", 11, "'1048577' is not an integer from 16 to 1048576");
}
END_TEST

START_TEST(test_negative_memory_is_refused)
{
    assert_value_fails("memory_mib", "-1024", 11, "'-1024' is not an integer from 16 to 1048576");
}
END_TEST

START_TEST(test_mode_syntax_is_refused)
{
    assert_value_fails("mode", "640*480", 12, "'640*480' is not WIDTHxHEIGHT (like 640x480)");
}
END_TEST

START_TEST(test_mode_with_zero_width_is_refused)
{
    assert_value_fails("mode", "0x480", 12, "'0x480' is not WIDTHxHEIGHT (like 640x480)");
}
END_TEST

START_TEST(test_command_of_two_lines_is_refused)
{
    assert_value_fails("command", "/usr/games/x\\n/bin/sh", 16, "must be one line");
}
END_TEST

START_TEST(test_value_not_in_utf8_is_refused_with_its_line)
{
    g_autofree char *text = spec_with("title", "Doom \xff");
    g_autoptr(GError) error = NULL;
    g_autoptr(GhImageSpec) spec = NULL;
    g_autofree char *prefix = g_strdup_printf("%s:4: bad value for title: ", spec_path);

    ck_assert(g_file_set_contents(spec_path, text, -1, NULL));
    spec = gh_image_spec_load(spec_path, &error);
    ck_assert_ptr_null(spec);
    ck_assert_msg(g_str_has_prefix(error->message, prefix), "%s", error->message);
}
END_TEST

/* ---- files -------------------------------------------------------------- */

START_TEST(test_files_source_escaping_the_spec_folder_is_refused)
{
    g_autofree char *real_dir = realpath(tmpdir, NULL);
    g_autofree char *reason = g_strdup_printf("source '../x' is outside the spec's folder %s", real_dir);

    assert_value_fails("files", "../x:/etc/x", 17, reason);
}
END_TEST

START_TEST(test_files_source_with_dotdot_inside_is_refused)
{
    g_autofree char *real_dir = realpath(tmpdir, NULL);
    g_autofree char *reason = g_strdup_printf("source 'a/../../x' is outside the spec's folder %s", real_dir);

    assert_value_fails("files", "a/../../x:/etc/x", 17, reason);
}
END_TEST

START_TEST(test_files_absolute_source_is_refused)
{
    assert_value_fails("files", "/etc/passwd:/etc/passwd", 17,
                       "source '/etc/passwd' is absolute (it is relative to the spec's folder)");
}
END_TEST

START_TEST(test_files_source_symlink_out_of_the_folder_is_refused)
{
    g_autofree char *link = g_build_filename(tmpdir, "escape.cfg", NULL);
    g_autofree char *real_dir = realpath(tmpdir, NULL);
    g_autofree char *reason = g_strdup_printf("source 'escape.cfg' resolves to /, outside the spec's folder %s",
                                              real_dir);

    ck_assert_int_eq(symlink("/", link), 0);
    assert_value_fails("files", "escape.cfg:/etc/x", 17, reason);
}
END_TEST

START_TEST(test_files_missing_source_is_refused)
{
    assert_value_fails("files", "nothere.cfg:/etc/x", 17,
                       "source 'nothere.cfg' does not exist");
}
END_TEST

START_TEST(test_files_source_that_is_a_folder_is_refused)
{
    g_autofree char *sub = g_build_filename(tmpdir, "conf", NULL);

    ck_assert_int_eq(g_mkdir(sub, 0755), 0);
    assert_value_fails("files", "conf:/etc/conf", 17, "source 'conf' is not a regular file");
}
END_TEST

START_TEST(test_files_relative_destination_is_refused)
{
    assert_value_fails("files", "default.cfg:root/default.cfg", 17,
                       "destination 'root/default.cfg' is not an absolute file path in the image");
}
END_TEST

START_TEST(test_files_destination_with_dotdot_is_refused)
{
    assert_value_fails("files", "default.cfg:/root/../../etc/x", 17,
                       "destination '/root/../../etc/x' must not contain '..'");
}
END_TEST

START_TEST(test_files_item_without_colon_is_refused)
{
    assert_value_fails("files", "default.cfg", 17, "'default.cfg' is not SRC:DEST");
}
END_TEST

/* ---- names and syntax --------------------------------------------------- */

START_TEST(test_unknown_key_is_refused_with_its_line)
{
    g_autofree char *text = spec_with("kernel_args", "quiet\nmemory = 1024");

    assert_text_fails(text, GH_IMAGE_SPEC_ERROR_UNKNOWN_KEY, 14, "unknown key 'memory' in [system]");
}
END_TEST

START_TEST(test_known_key_in_the_wrong_group_is_refused)
{
    g_autofree char *text = spec_with("command", "/bin/true\nvcpus = 2");

    assert_text_fails(text, GH_IMAGE_SPEC_ERROR_UNKNOWN_KEY, 17, "unknown key 'vcpus' in [game]");
}
END_TEST

START_TEST(test_unknown_group_is_refused_with_its_line)
{
    g_autofree char *base = spec_with("", NULL);
    g_autofree char *text = g_strconcat(base, "[network]\nbridge = br0\n", NULL);

    assert_text_fails(text, GH_IMAGE_SPEC_ERROR_UNKNOWN_KEY, 18,
                      "unknown group [network] (a spec has [image], [system] and [game])");
}
END_TEST

START_TEST(test_line_that_is_not_a_key_is_refused_with_its_line)
{
    g_autofree char *text = spec_with("vcpus", "2\nthis is not a key");
    g_autoptr(GError) error = NULL;
    g_autoptr(GhImageSpec) spec = NULL;
    g_autofree char *prefix = g_strdup_printf("%s:11: ", spec_path);

    ck_assert(g_file_set_contents(spec_path, text, -1, NULL));
    spec = gh_image_spec_load(spec_path, &error);
    ck_assert_ptr_null(spec);
    ck_assert(g_error_matches(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_SYNTAX));
    ck_assert_msg(g_str_has_prefix(error->message, prefix), "%s", error->message);
}
END_TEST

START_TEST(test_missing_file_is_refused_naming_it)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhImageSpec) spec = gh_image_spec_load(spec_path, &error);
    g_autofree char *prefix = g_strdup_printf("cannot read image spec %s: ", spec_path);

    ck_assert_ptr_null(spec);
    ck_assert(g_error_matches(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_READ));
    ck_assert_msg(g_str_has_prefix(error->message, prefix), "%s", error->message);
}
END_TEST

static Suite *
image_spec_suite(void)
{
    Suite *s = suite_create("image-spec");

    TCase *good = tcase_create("good");
    tcase_add_checked_fixture(good, setup, teardown);
    tcase_add_test(good, test_full_spec_parses_to_every_field);
    tcase_add_test(good, test_optional_keys_left_out_read_as_not_set);
    tcase_add_test(good, test_empty_optional_key_reads_as_not_set);
    tcase_add_test(good, test_package_list_items_are_trimmed_and_empty_items_skipped);
    tcase_add_test(good, test_package_name_syntax);
    tcase_add_test(good, test_vcpus_and_memory_bounds_are_inclusive);
    tcase_add_test(good, test_files_source_in_a_subfolder_is_accepted);
    suite_add_tcase(s, good);

    TCase *profile = tcase_create("profile");
    tcase_add_checked_fixture(profile, setup, teardown);
    tcase_add_test(profile, test_mode_equal_to_the_profile_display_passes);
    tcase_add_test(profile, test_spec_without_mode_takes_any_profile_display);
    tcase_add_test(profile, test_mode_that_differs_from_the_profile_is_refused_naming_both);
    tcase_add_test(profile, test_unknown_profile_is_refused_with_its_line);
    suite_add_tcase(s, profile);

    TCase *missing = tcase_create("missing");
    tcase_add_checked_fixture(missing, setup, teardown);
    tcase_add_loop_test(missing, test_each_required_key_missing_is_refused_naming_key_and_file, 0,
                        G_N_ELEMENTS(required_keys));
    tcase_add_test(missing, test_missing_group_is_refused_naming_the_first_key_it_lacks);
    tcase_add_test(missing, test_empty_required_value_is_refused_with_its_line);
    tcase_add_test(missing, test_package_list_of_only_separators_is_refused);
    suite_add_tcase(s, missing);

    TCase *values = tcase_create("values");
    tcase_add_checked_fixture(values, setup, teardown);
    tcase_add_test(values, test_bad_id_is_refused);
    tcase_add_test(values, test_id_walking_upwards_is_refused);
    tcase_add_test(values, test_bad_profile_id_is_refused);
    tcase_add_test(values, test_bad_package_name_is_refused_naming_it);
    tcase_add_test(values, test_package_with_bad_version_is_refused);
    tcase_add_test(values, test_vcpus_zero_is_refused);
    tcase_add_test(values, test_vcpus_65_is_refused);
    tcase_add_test(values, test_vcpus_not_a_number_is_refused);
    tcase_add_test(values, test_memory_below_16_mib_is_refused);
    tcase_add_test(values, test_memory_above_1_tib_is_refused);
    tcase_add_test(values, test_negative_memory_is_refused);
    tcase_add_test(values, test_mode_syntax_is_refused);
    tcase_add_test(values, test_mode_with_zero_width_is_refused);
    tcase_add_test(values, test_command_of_two_lines_is_refused);
    tcase_add_test(values, test_value_not_in_utf8_is_refused_with_its_line);
    suite_add_tcase(s, values);

    TCase *files = tcase_create("files");
    tcase_add_checked_fixture(files, setup, teardown);
    tcase_add_test(files, test_files_source_escaping_the_spec_folder_is_refused);
    tcase_add_test(files, test_files_source_with_dotdot_inside_is_refused);
    tcase_add_test(files, test_files_absolute_source_is_refused);
    tcase_add_test(files, test_files_source_symlink_out_of_the_folder_is_refused);
    tcase_add_test(files, test_files_missing_source_is_refused);
    tcase_add_test(files, test_files_source_that_is_a_folder_is_refused);
    tcase_add_test(files, test_files_relative_destination_is_refused);
    tcase_add_test(files, test_files_destination_with_dotdot_is_refused);
    tcase_add_test(files, test_files_item_without_colon_is_refused);
    suite_add_tcase(s, files);

    TCase *names = tcase_create("names");
    tcase_add_checked_fixture(names, setup, teardown);
    tcase_add_test(names, test_unknown_key_is_refused_with_its_line);
    tcase_add_test(names, test_known_key_in_the_wrong_group_is_refused);
    tcase_add_test(names, test_unknown_group_is_refused_with_its_line);
    tcase_add_test(names, test_line_that_is_not_a_key_is_refused_with_its_line);
    tcase_add_test(names, test_missing_file_is_refused_naming_it);
    suite_add_tcase(s, names);

    return s;
}

int
main(void)
{
    return gh_test_run(image_spec_suite());
}
