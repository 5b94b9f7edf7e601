/* Unit tests of a console profile's pad-to-key mapping (<pad-keys>,
 * runtime/conf/image-profile.c): what a good mapping reads as, the shipped
 * demo-arena profiles, and every refusal with its file, line and words.
 * Each test writes its profiles into a temp dir of its own. */
#include <check.h>
#include <gamehost/input.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "conf/catalog.h"
#include "testutil.h"

static char *tmp;               /* profiles/ and images/ of this test */
static GhCatalog *catalog;

static const char *
srcdir(void)
{
    const char *dir = g_getenv("GH_TEST_SRCDIR");

    return dir ? dir : ".";
}

static void
setup(void)
{
    g_autofree char *profiles = NULL, *images = NULL;

    tmp = gh_test_make_tmpdir("gh-test-image-profile");
    ck_assert_ptr_nonnull(tmp);
    profiles = g_build_filename(tmp, "profiles", NULL);
    images = g_build_filename(tmp, "images", NULL);
    ck_assert_int_eq(g_mkdir(profiles, 0700), 0);
    ck_assert_int_eq(g_mkdir(images, 0700), 0);
}

static void
teardown(void)
{
    catalog = gh_catalog_free(catalog);
    gh_test_rm_rf(tmp);
    g_clear_pointer(&tmp, g_free);
}

/* <tmp>/profiles/<id>.xml: controllers (line 7) then, unless mapping is
 * NULL, <pad-keys> on line 8 with mapping from line 9. */
static void
write_profile(const char *id, const char *controllers, const char *mapping)
{
    g_autofree char *name = g_strconcat(id, ".xml", NULL);
    g_autofree char *path = g_build_filename(tmp, "profiles", name, NULL);
    g_autofree char *pad_keys = mapping ? g_strdup_printf("\n  <pad-keys>\n%s\n  </pad-keys>", mapping)
                                        : g_strdup("");
    g_autofree char *xml = g_strdup_printf(
        "<?xml version=\"1.0\"?>\n"
        "<profile xmlns=\"https://gamehost.dev/xmlns/profile/1\" id=\"%s\">\n"
        "  <title>Test</title>\n"
        "  <cpu vcpus=\"1\"/>\n"
        "  <memory unit=\"MiB\">64</memory>\n"
        "  <display width=\"640\" height=\"480\" refresh=\"60\"/>\n"
        "  <controllers>%s%s\n"
        "  </controllers>\n"
        "  <gpu need=\"none\"/>\n"
        "</profile>\n", id, controllers, pad_keys);

    ck_assert(g_file_set_contents(path, xml, -1, NULL));
}

static void
load_from(const char *profile_dir)
{
    g_autofree char *schema = g_build_filename(srcdir(), "images", "schema", NULL);
    g_autofree char *images = g_build_filename(tmp, "images", NULL);
    const char *profiles[] = { profile_dir, NULL };
    const char *image_dirs[] = { images, NULL };
    g_autoptr(GError) error = NULL;

    catalog = gh_catalog_load(schema, profiles, image_dirs, &error);
    ck_assert_msg(catalog, "%s", error ? error->message : "");
}

static void
load(void)
{
    g_autofree char *profiles = g_build_filename(tmp, "profiles", NULL);

    load_from(profiles);
}

/* The profile id, loaded without any problem. */
static const GhProfile *
loaded(const char *id)
{
    const GPtrArray *problems = gh_catalog_problems(catalog);
    const GhProfile *p;

    ck_assert_msg(problems->len == 0, "problem: %s",
                  problems->len ? ((GhImageProblem *)problems->pdata[0])->reason : "");
    p = gh_catalog_lookup_profile(catalog, id);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* The one problem: in <tmp>/profiles/<id>.xml, on line, with exactly
 * reason; and the profile is not loaded. */
static void
assert_refused(const char *id, int line, const char *reason)
{
    const GPtrArray *problems = gh_catalog_problems(catalog);
    g_autofree char *file = g_strdup_printf("/profiles/%s.xml", id);
    const GhImageProblem *p;

    ck_assert_uint_eq(problems->len, 1);
    p = problems->pdata[0];
    ck_assert_msg(g_str_has_suffix(p->file, file), "problem in %s", p->file);
    ck_assert_int_eq(p->line, line);
    ck_assert_str_eq(p->reason, reason);
    ck_assert_ptr_null(gh_catalog_lookup_profile(catalog, id));
}

static void
assert_pad_key(const GhProfile *p, guint i, guint32 type, guint32 code, guint32 key, guint32 negative_key)
{
    const GhPadKey *k;

    ck_assert_ptr_nonnull(p->pad_keys);
    ck_assert_uint_lt(i, p->pad_keys->len);
    k = &g_array_index(p->pad_keys, GhPadKey, i);
    ck_assert_uint_eq(k->type, type);
    ck_assert_uint_eq(k->code, code);
    ck_assert_uint_eq(k->key, key);
    ck_assert_uint_eq(k->negative_key, negative_key);
}

#define KEYBOARD "<keyboard/><mouse/>"

/* ---- good mappings --------------------------------------------------------------- */

START_TEST(test_profile_without_pad_keys_maps_nothing)
{
    write_profile("plain", KEYBOARD, NULL);
    load();
    ck_assert_ptr_null(loaded("plain")->pad_keys);
}
END_TEST

START_TEST(test_pad_keys_are_read_in_document_order)
{
    const GhProfile *p;

    write_profile("mapped", KEYBOARD,
                  "    <button code=\"BTN_DPAD_UP\" key=\"KEY_UP\"/>\n"
                  "    <axis code=\"ABS_X\" negative=\"KEY_LEFT\" positive=\"KEY_RIGHT\"/>\n"
                  "    <axis code=\"ABS_RY\" negative=\"KEY_W\"/>\n"
                  "    <axis code=\"ABS_Z\" positive=\"KEY_LEFTCTRL\"/>\n"
                  "    <button code=\"BTN_SOUTH\" key=\"KEY_SPACE\"/>");
    load();
    p = loaded("mapped");
    ck_assert_uint_eq(p->pad_keys->len, 5);
    assert_pad_key(p, 0, GH_INPUT_PAD_BUTTON, BTN_DPAD_UP, KEY_UP, 0);
    assert_pad_key(p, 1, GH_INPUT_PAD_AXIS, ABS_X, KEY_RIGHT, KEY_LEFT);
    assert_pad_key(p, 2, GH_INPUT_PAD_AXIS, ABS_RY, 0, KEY_W);
    assert_pad_key(p, 3, GH_INPUT_PAD_AXIS, ABS_Z, KEY_LEFTCTRL, 0);
    assert_pad_key(p, 4, GH_INPUT_PAD_BUTTON, BTN_SOUTH, KEY_SPACE, 0);
}
END_TEST

START_TEST(test_two_controls_may_share_a_key)
{
    const GhProfile *p;

    write_profile("shared", KEYBOARD,
                  "    <button code=\"BTN_DPAD_LEFT\" key=\"KEY_LEFT\"/>\n"
                  "    <axis code=\"ABS_X\" negative=\"KEY_LEFT\"/>");
    load();
    p = loaded("shared");
    ck_assert_uint_eq(p->pad_keys->len, 2);
    assert_pad_key(p, 0, GH_INPUT_PAD_BUTTON, BTN_DPAD_LEFT, KEY_LEFT, 0);
    assert_pad_key(p, 1, GH_INPUT_PAD_AXIS, ABS_X, 0, KEY_LEFT);
}
END_TEST

/* demo-arena's profiles: d-pad and left stick on the arrows (Y grows
 * downwards, so up is negative), south on Space, start on Enter. */
static void
assert_demo_arena_mapping(const GhProfile *p)
{
    ck_assert_uint_eq(p->pad_keys->len, 8);
    assert_pad_key(p, 0, GH_INPUT_PAD_BUTTON, BTN_DPAD_UP, KEY_UP, 0);
    assert_pad_key(p, 1, GH_INPUT_PAD_BUTTON, BTN_DPAD_DOWN, KEY_DOWN, 0);
    assert_pad_key(p, 2, GH_INPUT_PAD_BUTTON, BTN_DPAD_LEFT, KEY_LEFT, 0);
    assert_pad_key(p, 3, GH_INPUT_PAD_BUTTON, BTN_DPAD_RIGHT, KEY_RIGHT, 0);
    assert_pad_key(p, 4, GH_INPUT_PAD_BUTTON, BTN_SOUTH, KEY_SPACE, 0);
    assert_pad_key(p, 5, GH_INPUT_PAD_BUTTON, BTN_START, KEY_ENTER, 0);
    assert_pad_key(p, 6, GH_INPUT_PAD_AXIS, ABS_X, KEY_RIGHT, KEY_LEFT);
    assert_pad_key(p, 7, GH_INPUT_PAD_AXIS, ABS_Y, KEY_DOWN, KEY_UP);
}

START_TEST(test_shipped_arcade_profiles_map_the_pad_to_demo_arenas_keys)
{
    g_autofree char *shipped = g_build_filename(srcdir(), "images", "profiles", NULL);

    load_from(shipped);
    assert_demo_arena_mapping(loaded("arcade-640"));
    assert_demo_arena_mapping(loaded("arcade-640-av"));
    ck_assert_ptr_null(loaded("pc-640")->pad_keys);
}
END_TEST

/* A manifest's <machine> copies the profile: the copy has the mapping too. */
START_TEST(test_machine_override_keeps_the_pad_keys)
{
    static const char kernel[] = "kernel\n";
    g_autofree char *shipped = g_build_filename(srcdir(), "images", "profiles", NULL);
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, kernel, -1);
    g_autofree char *kpath = g_build_filename(tmp, "images", "game.elf", NULL);
    g_autofree char *mpath = g_build_filename(tmp, "images", "game.image.xml", NULL);
    g_autofree char *manifest = g_strdup_printf(
        "<?xml version=\"1.0\"?>\n"
        "<image xmlns=\"https://gamehost.dev/xmlns/image/1\" id=\"game\" version=\"1\">\n"
        "  <title>Game</title><profile>arcade-640</profile><machine vcpus=\"2\"/>\n"
        "  <boot firmware=\"bios\"><kernel path=\"game.elf\" sha256=\"%s\"/></boot>\n"
        "  <capture><path>screenshot</path></capture>\n"
        "</image>\n", sum);
    const GhImage *image;

    ck_assert(g_file_set_contents(kpath, kernel, -1, NULL));
    ck_assert(g_file_set_contents(mpath, manifest, -1, NULL));
    load_from(shipped);
    image = gh_catalog_lookup(catalog, "game");
    ck_assert_ptr_nonnull(image);
    ck_assert_ptr_eq(image->profile, image->machine_profile);
    ck_assert_uint_eq(image->profile->vcpus, 2);
    ck_assert_ptr_ne(image->profile->pad_keys, gh_catalog_lookup_profile(catalog, "arcade-640")->pad_keys);
    assert_demo_arena_mapping(image->profile);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------- */

START_TEST(test_unknown_pad_button_refused)
{
    write_profile("bad", KEYBOARD, "    <button code=\"BTN_NOPE\" key=\"KEY_UP\"/>");
    load();
    assert_refused("bad", 9, "element 'button': attribute code 'BTN_NOPE' is not a pad button");
}
END_TEST

START_TEST(test_axis_named_as_button_refused)
{
    write_profile("bad", KEYBOARD,
                  "    <button code=\"BTN_SOUTH\" key=\"KEY_SPACE\"/>\n"
                  "    <button code=\"ABS_X\" key=\"KEY_UP\"/>");
    load();
    assert_refused("bad", 10, "element 'button': attribute code 'ABS_X' is not a pad button");
}
END_TEST

START_TEST(test_unknown_pad_axis_refused)
{
    write_profile("bad", KEYBOARD, "    <axis code=\"ABS_HAT0X\" positive=\"KEY_UP\"/>");
    load();
    assert_refused("bad", 9, "element 'axis': attribute code 'ABS_HAT0X' is not a pad axis "
                             "(ABS_X, ABS_Y, ABS_RX, ABS_RY, ABS_Z, ABS_RZ)");
}
END_TEST

START_TEST(test_unknown_key_refused)
{
    write_profile("bad", KEYBOARD, "    <button code=\"BTN_SOUTH\" key=\"KEY_F13\"/>");
    load();
    assert_refused("bad", 9, "element 'button': attribute key 'KEY_F13' is not a key");
}
END_TEST

START_TEST(test_pad_code_given_as_key_refused)
{
    write_profile("bad", KEYBOARD, "    <axis code=\"ABS_X\" negative=\"BTN_LEFT\" positive=\"KEY_RIGHT\"/>");
    load();
    assert_refused("bad", 9, "element 'axis': attribute negative 'BTN_LEFT' is not a key");
}
END_TEST

START_TEST(test_unknown_positive_key_refused)
{
    write_profile("bad", KEYBOARD, "    <axis code=\"ABS_RZ\" positive=\"KEY_NOPE\"/>");
    load();
    assert_refused("bad", 9, "element 'axis': attribute positive 'KEY_NOPE' is not a key");
}
END_TEST

START_TEST(test_button_mapped_twice_refused)
{
    write_profile("bad", KEYBOARD,
                  "    <button code=\"BTN_SOUTH\" key=\"KEY_SPACE\"/>\n"
                  "    <button code=\"BTN_EAST\" key=\"KEY_ESC\"/>\n"
                  "    <button code=\"BTN_SOUTH\" key=\"KEY_ENTER\"/>");
    load();
    assert_refused("bad", 11, "element 'button': BTN_SOUTH is mapped twice");
}
END_TEST

START_TEST(test_axis_mapped_twice_refused)
{
    write_profile("bad", KEYBOARD,
                  "    <axis code=\"ABS_X\" negative=\"KEY_LEFT\"/>\n"
                  "    <axis code=\"ABS_X\" positive=\"KEY_RIGHT\"/>");
    load();
    assert_refused("bad", 10, "element 'axis': ABS_X is mapped twice");
}
END_TEST

START_TEST(test_trigger_with_negative_refused)
{
    write_profile("bad", KEYBOARD, "    <axis code=\"ABS_Z\" negative=\"KEY_A\" positive=\"KEY_LEFTCTRL\"/>");
    load();
    assert_refused("bad", 9, "element 'axis': trigger ABS_Z is never negative (0..255): it takes no attribute "
                             "negative");
}
END_TEST

START_TEST(test_axis_without_a_key_refused)
{
    write_profile("bad", KEYBOARD, "    <axis code=\"ABS_RX\"/>");
    load();
    assert_refused("bad", 9, "element 'axis': axis ABS_RX maps to no key: give negative, positive or both");
}
END_TEST

START_TEST(test_pad_keys_with_a_gamepad_refused)
{
    write_profile("bad", KEYBOARD "<gamepad/>", "    <button code=\"BTN_SOUTH\" key=\"KEY_SPACE\"/>");
    load();
    assert_refused("bad", 8, "element 'pad-keys': the profile also has <gamepad/>: its pads are played over USB "
                             "or mapped to keys, not both");
}
END_TEST

START_TEST(test_pad_keys_without_a_keyboard_refused)
{
    write_profile("bad", "<mouse/>", "    <button code=\"BTN_SOUTH\" key=\"KEY_SPACE\"/>");
    load();
    assert_refused("bad", 8, "element 'pad-keys': maps pads to keys, but the profile has no <keyboard/>");
}
END_TEST

/* Each bad control is reported, not just the first. */
START_TEST(test_every_bad_control_is_reported)
{
    const GPtrArray *problems;

    write_profile("bad", KEYBOARD,
                  "    <button code=\"BTN_NOPE\" key=\"KEY_UP\"/>\n"
                  "    <button code=\"BTN_SOUTH\" key=\"KEY_SPACE\"/>\n"
                  "    <axis code=\"ABS_Y\"/>");
    load();
    problems = gh_catalog_problems(catalog);
    ck_assert_uint_eq(problems->len, 2);
    ck_assert_int_eq(((GhImageProblem *)problems->pdata[0])->line, 9);
    ck_assert_int_eq(((GhImageProblem *)problems->pdata[1])->line, 11);
    ck_assert_ptr_null(gh_catalog_lookup_profile(catalog, "bad"));
}
END_TEST

START_TEST(test_empty_pad_keys_refused)
{
    write_profile("bad", KEYBOARD, "");
    load();
    assert_refused("bad", 8, "element 'pad-keys': maps no control: give <button> or <axis> elements, or leave "
                             "<pad-keys> out");
}
END_TEST

/* Names are evdev's, exactly: no case folding. */
START_TEST(test_lowercase_name_refused)
{
    write_profile("bad", KEYBOARD, "    <button code=\"btn_south\" key=\"KEY_SPACE\"/>");
    load();
    assert_refused("bad", 9, "element 'button': attribute code 'btn_south' is not a pad button");
}
END_TEST

/* A hostile value is quoted escaped and cut short. */
START_TEST(test_hostile_key_is_quoted_escaped_and_short)
{
    g_autofree char *long_key = g_strnfill(200, 'K');
    g_autofree char *mapping = g_strdup_printf("    <button code=\"BTN_SOUTH\" key=\"&#9;%s\"/>", long_key);
    g_autofree char *reason = g_strdup_printf("element 'button': attribute key '\\t%.*s...' is not a key",
                                              80 - 3 - 2, long_key);

    write_profile("bad", KEYBOARD, mapping);
    load();
    assert_refused("bad", 9, reason);
}
END_TEST

/* What the schema refuses: an attribute a control does not take, an
 * element that is no control. */
START_TEST(test_button_with_negative_refused_by_the_schema)
{
    write_profile("bad", KEYBOARD, "    <button code=\"BTN_SOUTH\" key=\"KEY_SPACE\" negative=\"KEY_A\"/>");
    load();
    assert_refused("bad", 8, "Element controllers has extra content: pad-keys");
}
END_TEST

START_TEST(test_pad_keys_before_the_keyboard_refused_by_the_schema)
{
    write_profile("bad", "<mouse/>", "    <button code=\"BTN_SOUTH\" key=\"KEY_SPACE\"/>\n  </pad-keys><keyboard/><pad-keys>");
    load();
    ck_assert_uint_eq(gh_catalog_problems(catalog)->len, 1);
    ck_assert_ptr_null(gh_catalog_lookup_profile(catalog, "bad"));
}
END_TEST

static Suite *
image_profile_suite(void)
{
    Suite *s = suite_create("image_profile");
    TCase *good = tcase_create("good");
    TCase *bad = tcase_create("refused");

    tcase_add_checked_fixture(good, setup, teardown);
    tcase_add_test(good, test_profile_without_pad_keys_maps_nothing);
    tcase_add_test(good, test_pad_keys_are_read_in_document_order);
    tcase_add_test(good, test_two_controls_may_share_a_key);
    tcase_add_test(good, test_shipped_arcade_profiles_map_the_pad_to_demo_arenas_keys);
    tcase_add_test(good, test_machine_override_keeps_the_pad_keys);
    suite_add_tcase(s, good);
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_unknown_pad_button_refused);
    tcase_add_test(bad, test_axis_named_as_button_refused);
    tcase_add_test(bad, test_unknown_pad_axis_refused);
    tcase_add_test(bad, test_unknown_key_refused);
    tcase_add_test(bad, test_pad_code_given_as_key_refused);
    tcase_add_test(bad, test_unknown_positive_key_refused);
    tcase_add_test(bad, test_button_mapped_twice_refused);
    tcase_add_test(bad, test_axis_mapped_twice_refused);
    tcase_add_test(bad, test_trigger_with_negative_refused);
    tcase_add_test(bad, test_axis_without_a_key_refused);
    tcase_add_test(bad, test_pad_keys_with_a_gamepad_refused);
    tcase_add_test(bad, test_pad_keys_without_a_keyboard_refused);
    tcase_add_test(bad, test_every_bad_control_is_reported);
    tcase_add_test(bad, test_empty_pad_keys_refused);
    tcase_add_test(bad, test_lowercase_name_refused);
    tcase_add_test(bad, test_hostile_key_is_quoted_escaped_and_short);
    tcase_add_test(bad, test_button_with_negative_refused_by_the_schema);
    tcase_add_test(bad, test_pad_keys_before_the_keyboard_refused_by_the_schema);
    suite_add_tcase(s, bad);
    return s;
}

int
main(void)
{
    return gh_test_run(image_profile_suite());
}
