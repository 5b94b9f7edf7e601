/* image-profile: console profiles for the image catalog.  Each file in a
 * profile dir is read and validated through image-xml, then checked for what
 * the schema cannot say (with util/xml-util's typed readers): an id that
 * matches the file name, sane hardware numbers, a pad-to-key mapping in the
 * API's evdev names, and no id defined twice.  gh_catalog_lookup_profile
 * finds one by id (the image builder's need). */
#include "catalog-private.h"

#include "util/input-json.h"

/* The destroy function of GhCatalog.profiles. */
void
gh_image_profile_free(gpointer data)
{
    GhProfile *profile = data;

    g_free(profile->id);
    g_free(profile->title);
    g_free(profile->gpu_class);
    g_clear_pointer(&profile->pad_keys, g_array_unref);
    g_free(profile);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhProfile, gh_image_profile_free)

/* A deep copy, for an image that overrides some of the profile's values. */
GhProfile *
gh_image_profile_copy(const GhProfile *profile)
{
    GhProfile *copy = g_memdup2(profile, sizeof *profile);

    copy->id = g_strdup(profile->id);
    copy->title = g_strdup(profile->title);
    copy->gpu_class = g_strdup(profile->gpu_class);
    copy->pad_keys = profile->pad_keys ? g_array_copy(profile->pad_keys) : NULL;
    return copy;
}

/* A typed reader's refusal, as a problem on node's line. */
static gboolean
profile_refused(GPtrArray *problems, const char *file, xmlNodePtr node, const GError *error)
{
    gh_image_add_problem(problems, file, gh_xml_line(node), "%s", error->message);
    return FALSE;
}

/* The decimal attribute name of node, in min..max. */
static gboolean
profile_number(GPtrArray *problems, const char *file, xmlNodePtr node, const char *name,
               guint min, guint max, guint *out)
{
    g_autoptr(GError) error = NULL;
    guint64 value = 0;

    if (!gh_xml_prop_uint64(node, name, GH_XML_REQUIRED, min, max, &value, &error))
        return profile_refused(problems, file, node, error);
    *out = (guint) value;
    return TRUE;
}

static gboolean
profile_read_memory(GPtrArray *problems, const char *file, xmlNodePtr node,
                    guint64 *mib)
{
    g_autofree char *unit = NULL;
    g_autofree char *text = gh_xml_text(node);
    guint64 value = 0;
    const guint64 min_mib = 16, max_mib = 256 * 1024;

    gh_xml_prop_string(node, "unit", GH_XML_OPTIONAL, &unit, NULL);
    g_strstrip(text);
    if (g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &value, NULL)) {
        *mib = g_strcmp0(unit, "GiB") == 0 ? value * 1024 : value;
        if (*mib >= min_mib && *mib <= max_mib)
            return TRUE;
    }
    gh_image_add_problem(problems, file, gh_xml_line(node),
                         "memory '%s %s' is out of range 16 MiB..256 GiB", text, unit);
    return FALSE;
}

static gboolean
profile_read_display(GPtrArray *problems, const char *file, xmlNodePtr node,
                     GhProfile *profile)
{
    gboolean ok = TRUE;

    ok &= profile_number(problems, file, node, "width", 320, 7680, &profile->width);
    ok &= profile_number(problems, file, node, "height", 240, 4320, &profile->height);
    ok &= profile_number(problems, file, node, "refresh", 24, 240, &profile->refresh_hz);
    return ok;
}

static gboolean
profile_read_gpu(GPtrArray *problems, const char *file, xmlNodePtr node,
                 GhProfile *profile)
{
    g_autoptr(GError) error = NULL;
    int need = GH_GPU_NONE;

    if (!gh_xml_prop_enum(node, "need", &gh_gpu_need_table, GH_XML_REQUIRED, &need, &error))
        return profile_refused(problems, file, node, error);
    profile->gpu = need;
    gh_xml_prop_string(node, "class", GH_XML_OPTIONAL, &profile->gpu_class, NULL);
    if (profile->gpu == GH_GPU_NONE && profile->gpu_class) {
        gh_image_add_problem(problems, file, gh_xml_line(node),
                             "gpu class '%s' given but need is 'none'", profile->gpu_class);
        return FALSE;
    }
    return TRUE;
}

/* <sound model="ac97"/>, optional. */
static gboolean
profile_read_sound(GPtrArray *problems, const char *file, xmlNodePtr node, GhProfile *profile)
{
    g_autoptr(GError) error = NULL;
    int model = GH_SOUND_NONE;

    if (node && !gh_xml_prop_enum(node, "model", &gh_sound_table, GH_XML_REQUIRED, &model, &error))
        return profile_refused(problems, file, node, error);
    profile->sound = model;
    return TRUE;
}

/* ---- <pad-keys> ---------------------------------------------------------------- */

static gboolean
profile_pad_fail(GPtrArray *problems, const char *file, xmlNodePtr node, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

/* "element 'axis': <what>" on node's line; FALSE. */
static gboolean
profile_pad_fail(GPtrArray *problems, const char *file, xmlNodePtr node, const char *format, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, format);
    what = g_strdup_vprintf(format, ap);
    va_end(ap);
    gh_image_add_problem(problems, file, gh_xml_line(node), "element '%s': %s", (const char *)node->name, what);
    return FALSE;
}

/* The key named by attribute attr of node, when present (*key untouched
 * when absent). */
static gboolean
profile_pad_key_attr(GPtrArray *problems, const char *file, xmlNodePtr node, const char *attr, guint32 *key)
{
    g_autofree char *name = NULL;
    g_autofree char *shown = NULL;

    gh_xml_prop_string(node, attr, GH_XML_OPTIONAL, &name, NULL);
    if (!name || gh_input_code_from_name(GH_INPUT_KEY, name, key))
        return TRUE;
    shown = gh_xml_value_shown(name);
    return profile_pad_fail(problems, file, node, "attribute %s '%s' is not a key", attr, shown);
}

/* An axis's keys: a trigger (0..255) has no negative half, and a mapping
 * needs at least one key. */
static gboolean
profile_pad_axis_keys(GPtrArray *problems, const char *file, xmlNodePtr node, GhPadKey *k)
{
    const char *code = gh_input_code_name(GH_INPUT_PAD_AXIS, k->code);
    gint32 min = 0, max = 0;

    if (!profile_pad_key_attr(problems, file, node, "negative", &k->negative_key) ||
        !profile_pad_key_attr(problems, file, node, "positive", &k->key))
        return FALSE;
    gh_input_pad_axis_range(k->code, &min, &max);
    if (min == 0 && xmlHasProp(node, BAD_CAST "negative"))
        return profile_pad_fail(problems, file, node, "trigger %s is never negative (0..%d): it takes no "
                                "attribute negative", code, max);
    if (!k->key && !k->negative_key)
        return profile_pad_fail(problems, file, node, "axis %s maps to no key: give negative, positive or both",
                                code);
    return TRUE;
}

/* One <button code key> or <axis code negative positive>, not a control
 * already in keys. */
static gboolean
profile_read_pad_key(GPtrArray *problems, const char *file, xmlNodePtr node, const GArray *keys, GhPadKey *k)
{
    gboolean axis = xmlStrEqual(node->name, BAD_CAST "axis");
    g_autofree char *code = NULL;
    g_autofree char *shown = NULL;

    k->type = axis ? GH_INPUT_PAD_AXIS : GH_INPUT_PAD_BUTTON;
    gh_xml_prop_string(node, "code", GH_XML_OPTIONAL, &code, NULL);
    if (!gh_input_code_from_name(k->type, code, &k->code)) {
        shown = gh_xml_value_shown(code);
        return profile_pad_fail(problems, file, node, "attribute code '%s' is not a %s", shown,
                                axis ? "pad axis (ABS_X, ABS_Y, ABS_RX, ABS_RY, ABS_Z, ABS_RZ)" : "pad button");
    }
    for (guint i = 0; i < keys->len; i++)
        if (g_array_index(keys, GhPadKey, i).type == k->type && g_array_index(keys, GhPadKey, i).code == k->code)
            return profile_pad_fail(problems, file, node, "%s is mapped twice", code);
    if (axis)
        return profile_pad_axis_keys(problems, file, node, k);
    return profile_pad_key_attr(problems, file, node, "key", &k->key);
}

/* <controllers><pad-keys>, optional: pads played as keys, for a guest that
 * has a keyboard and no USB pad. */
static gboolean
profile_read_pad_keys(GPtrArray *problems, const char *file, xmlNodePtr ctl, GhProfile *profile)
{
    xmlNodePtr node = gh_xml_child(ctl, "pad-keys");
    g_autoptr(GArray) keys = NULL;
    gboolean ok = TRUE;

    if (!node)
        return TRUE;
    if (profile->gamepad)
        return profile_pad_fail(problems, file, node, "the profile also has <gamepad/>: its pads are played "
                                "over USB or mapped to keys, not both");
    if (!profile->keyboard)
        return profile_pad_fail(problems, file, node, "maps pads to keys, but the profile has no <keyboard/>");
    keys = g_array_new(FALSE, TRUE, sizeof(GhPadKey));
    for (xmlNodePtr c = node->children; c; c = c->next) {
        GhPadKey k = { 0 };

        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (profile_read_pad_key(problems, file, c, keys, &k))
            g_array_append_val(keys, k);
        else
            ok = FALSE;
    }
    if (ok && keys->len == 0)
        return profile_pad_fail(problems, file, node, "maps no control: give <button> or <axis> elements, or "
                                "leave <pad-keys> out");
    if (ok)
        profile->pad_keys = g_steal_pointer(&keys);
    return ok;
}

/* The schema has already vouched for the structure, so elements exist. */
static GhProfile *
profile_from_doc(xmlDocPtr doc, const char *file, GPtrArray *problems)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr ctl = gh_xml_child(root, "controllers");
    g_autoptr(GhProfile) profile = g_new0(GhProfile, 1);
    g_autofree char *base = g_path_get_basename(file);
    g_autofree char *expected = NULL;
    gboolean ok = TRUE;

    gh_xml_prop_string(root, "id", GH_XML_OPTIONAL, &profile->id, NULL);
    profile->title = gh_xml_text(gh_xml_child(root, "title"));
    expected = g_strconcat(profile->id, ".xml", NULL);
    if (!gh_image_id_is_valid(profile->id)) {
        gh_image_add_problem(problems, file, gh_xml_line(root),
                             "invalid profile id '%s'", profile->id);
        ok = FALSE;
    } else if (!g_str_equal(base, expected)) {
        gh_image_add_problem(problems, file, gh_xml_line(root),
                             "profile id '%s' does not match its file name '%s'",
                             profile->id, base);
        ok = FALSE;
    }
    ok &= profile_number(problems, file, gh_xml_child(root, "cpu"), "vcpus",
                         GH_IMAGE_VCPUS_MIN, GH_IMAGE_VCPUS_MAX, &profile->vcpus);
    ok &= profile_read_memory(problems, file, gh_xml_child(root, "memory"),
                              &profile->memory_mib);
    ok &= profile_read_display(problems, file, gh_xml_child(root, "display"), profile);
    ok &= profile_read_gpu(problems, file, gh_xml_child(root, "gpu"), profile);
    profile->keyboard = gh_xml_child(ctl, "keyboard") != NULL;
    profile->mouse = gh_xml_child(ctl, "mouse") != NULL;
    profile->gamepad = gh_xml_child(ctl, "gamepad") != NULL;
    profile->tablet = gh_xml_child(ctl, "tablet") != NULL;
    ok &= profile_read_pad_keys(problems, file, ctl, profile);
    ok &= profile_read_sound(problems, file, gh_xml_child(root, "sound"), profile);
    return ok ? g_steal_pointer(&profile) : NULL;
}

static void
catalog_load_profile(GhCatalog *catalog, xmlRelaxNGPtr schema, const char *path)
{
    g_autoptr(xmlDoc) doc = gh_image_xml_read(path, catalog->problems);
    g_autoptr(GhProfile) profile = NULL;
    const char *first;

    if (doc == NULL || !gh_image_xml_validate(schema, doc, path, catalog->problems))
        return;
    profile = profile_from_doc(doc, path, catalog->problems);
    if (profile == NULL)
        return;
    first = g_hash_table_lookup(catalog->profile_files, profile->id);
    if (first) {
        gh_image_add_problem(catalog->problems, path, gh_xml_line(xmlDocGetRootElement(doc)),
                             "duplicate profile id '%s' (first defined in %s)",
                             profile->id, first);
        return;
    }
    g_hash_table_insert(catalog->profile_files, g_strdup(profile->id), g_strdup(path));
    g_hash_table_insert(catalog->profiles, profile->id, profile);
    g_steal_pointer(&profile);
}

/* Loads each *.xml file of dir into the catalog's profiles. */
void
gh_catalog_load_profile_dir(GhCatalog *catalog, xmlRelaxNGPtr schema, const char *dir)
{
    g_autoptr(GPtrArray) names = gh_image_list_dir(dir, catalog->problems);

    for (guint i = 0; names && i < names->len; i++) {
        const char *name = names->pdata[i];
        g_autofree char *path = g_build_filename(dir, name, NULL);

        if (g_str_has_suffix(name, ".xml") && g_file_test(path, G_FILE_TEST_IS_REGULAR))
            catalog_load_profile(catalog, schema, path);
    }
}

const GhProfile *
gh_catalog_lookup_profile(const GhCatalog *catalog, const char *id)
{
    g_return_val_if_fail(catalog != NULL, NULL);
    if (!gh_image_id_is_valid(id))
        return NULL;
    return g_hash_table_lookup(catalog->profiles, id);
}
