/* image-spec: parses and checks an image spec (image-spec.h).  GKeyFile reads
 * the file; a table of the format's keys says which are required and which
 * function checks each value, and conf/keyfile finds the lines for errors. */
#include "image-spec.h"
#include "keyfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(gh-image-spec-error-quark, gh_image_spec_error)

/* Checks value and stores it in spec; on refusal sets *why to the reason. */
typedef gboolean (*SpecParseFunc)(GhImageSpec *spec, const char *value, char **why);

typedef struct {
    const char *group, *key;
    gboolean required;
    SpecParseFunc parse;
} SpecKey;

static gboolean
spec_one_line(const char *value, char **why)
{
    if (strpbrk(value, "\r\n") == NULL)
        return TRUE;
    *why = g_strdup("must be one line");
    return FALSE;
}

static gboolean
spec_parse_id(GhImageSpec *spec, const char *value, char **why)
{
    if (!gh_image_id_is_valid(value)) {
        *why = g_strdup_printf("'%s' is not an image id (expected [a-z0-9][a-z0-9._-]{0,63} without '..')", value);
        return FALSE;
    }
    spec->id = g_strdup(value);
    return TRUE;
}

static gboolean
spec_parse_title(GhImageSpec *spec, const char *value, char **why)
{
    if (!spec_one_line(value, why))
        return FALSE;
    spec->title = g_strdup(value);
    return TRUE;
}

static gboolean
spec_parse_version(GhImageSpec *spec, const char *value, char **why)
{
    if (!spec_one_line(value, why))
        return FALSE;
    spec->version = g_strdup(value);
    return TRUE;
}

static gboolean
spec_parse_profile(GhImageSpec *spec, const char *value, char **why)
{
    /* Profile ids follow the image id syntax (image-profile.c). */
    if (!gh_image_id_is_valid(value)) {
        *why = g_strdup_printf("'%s' is not a profile id (expected [a-z0-9][a-z0-9._-]{0,63} without '..')",
                               value);
        return FALSE;
    }
    spec->profile = g_strdup(value);
    return TRUE;
}

gboolean
gh_image_spec_package_is_valid(const char *package)
{
    return package != NULL &&
           g_regex_match_simple("^[a-z0-9][a-z0-9+.-]+(=[0-9][A-Za-z0-9.+~:-]*)?$", package, 0, 0);
}

static gboolean
spec_parse_packages(GhImageSpec *spec, const char *value, char **why)
{
    g_auto(GStrv) parts = g_strsplit(value, ";", -1);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    guint n = 0;

    for (guint i = 0; parts[i]; i++) {
        const char *p = g_strstrip(parts[i]);
        if (!*p)
            continue;
        if (!gh_image_spec_package_is_valid(p)) {
            *why = g_strdup_printf("'%s' is not a Debian package name (expected [a-z0-9][a-z0-9+.-]+, "
                                   "optionally =VERSION)", p);
            return FALSE;
        }
        g_strv_builder_add(b, p);
        n++;
    }
    if (n == 0) {
        *why = g_strdup("expected at least one package");
        return FALSE;
    }
    spec->packages = g_strv_builder_end(b);
    return TRUE;
}

static gboolean
spec_parse_uint(const char *value, guint64 min, guint64 max, guint64 *out, char **why)
{
    if (!g_ascii_string_to_unsigned(value, 10, min, max, out, NULL)) {
        *why = g_strdup_printf("'%s' is not an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, value,
                               min, max);
        return FALSE;
    }
    return TRUE;
}

static gboolean
spec_parse_vcpus(GhImageSpec *spec, const char *value, char **why)
{
    guint64 n = 0;

    if (!spec_parse_uint(value, 1, GH_IMAGE_SPEC_MAX_VCPUS, &n, why))
        return FALSE;
    spec->vcpus = (guint)n;
    return TRUE;
}

static gboolean
spec_parse_memory(GhImageSpec *spec, const char *value, char **why)
{
    return spec_parse_uint(value, GH_IMAGE_SPEC_MIN_MEMORY_MIB, GH_IMAGE_SPEC_MAX_MEMORY_MIB, &spec->memory_mib,
                           why);
}

static gboolean
spec_parse_mode(GhImageSpec *spec, const char *value, char **why)
{
    g_autoptr(GRegex) re = g_regex_new("^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$", 0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    g_autofree char *w = NULL, *h = NULL;

    if (!g_regex_match(re, value, 0, &m)) {
        *why = g_strdup_printf("'%s' is not WIDTHxHEIGHT (like 640x480)", value);
        return FALSE;
    }
    w = g_match_info_fetch(m, 1);
    h = g_match_info_fetch(m, 2);
    spec->width = (guint)g_ascii_strtoull(w, NULL, 10);
    spec->height = (guint)g_ascii_strtoull(h, NULL, 10);
    return TRUE;
}

static gboolean
spec_parse_kernel_args(GhImageSpec *spec, const char *value, char **why)
{
    if (!spec_one_line(value, why))
        return FALSE;
    spec->kernel_args = g_strdup(value);
    return TRUE;
}

static gboolean
spec_parse_command(GhImageSpec *spec, const char *value, char **why)
{
    if (!spec_one_line(value, why))
        return FALSE;
    spec->command = g_strdup(value);
    return TRUE;
}

static void
spec_file_free(gpointer data)
{
    GhImageSpecFile *f = data;

    g_free(f->src);
    g_free(f->path);
    g_free(f->dest);
    g_free(f);
}

static gboolean
spec_has_dotdot(const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);

    for (guint i = 0; parts[i]; i++)
        if (g_str_equal(parts[i], ".."))
            return TRUE;
    return FALSE;
}

/* SRC: relative, and a regular file inside the spec's folder even after
 * symlinks; returns its real path. */
static char *
spec_check_source(const GhImageSpec *spec, const char *src, char **why)
{
    g_autofree char *joined = NULL, *real = NULL;
    g_autofree char *inside = g_strconcat(spec->dir, "/", NULL);

    if (g_path_is_absolute(src)) {
        *why = g_strdup_printf("source '%s' is absolute (it is relative to the spec's folder)", src);
        return NULL;
    }
    if (spec_has_dotdot(src)) {
        *why = g_strdup_printf("source '%s' is outside the spec's folder %s", src, spec->dir);
        return NULL;
    }
    joined = g_build_filename(spec->dir, src, NULL);
    real = realpath(joined, NULL);
    if (real == NULL) {
        int e = errno;
        if (e == ENOENT)
            *why = g_strdup_printf("source '%s' does not exist", src);
        else
            *why = g_strdup_printf("source '%s' cannot be resolved: %s", src, g_strerror(e));
        return NULL;
    }
    if (!g_str_has_prefix(real, inside)) {
        *why = g_strdup_printf("source '%s' resolves to %s, outside the spec's folder %s", src, real, spec->dir);
        return NULL;
    }
    if (!g_file_test(real, G_FILE_TEST_IS_REGULAR)) {
        *why = g_strdup_printf("source '%s' is not a regular file", src);
        return NULL;
    }
    return g_steal_pointer(&real);
}

static gboolean
spec_check_dest(const char *dest, char **why)
{
    if (!g_path_is_absolute(dest) || g_str_has_suffix(dest, "/")) {
        *why = g_strdup_printf("destination '%s' is not an absolute file path in the image", dest);
        return FALSE;
    }
    if (spec_has_dotdot(dest)) {
        *why = g_strdup_printf("destination '%s' must not contain '..'", dest);
        return FALSE;
    }
    return TRUE;
}

static gboolean
spec_parse_files(GhImageSpec *spec, const char *value, char **why)
{
    g_auto(GStrv) parts = g_strsplit(value, ";", -1);

    for (guint i = 0; parts[i]; i++) {
        char *item = g_strstrip(parts[i]);
        char *colon = strchr(item, ':');
        GhImageSpecFile *f;
        char *path;

        if (!*item)
            continue;
        if (colon == NULL || colon == item || colon[1] == '\0') {
            *why = g_strdup_printf("'%s' is not SRC:DEST", item);
            return FALSE;
        }
        *colon = '\0';
        if ((path = spec_check_source(spec, item, why)) == NULL)
            return FALSE;
        if (!spec_check_dest(colon + 1, why)) {
            g_free(path);
            return FALSE;
        }
        f = g_new0(GhImageSpecFile, 1);
        f->src = g_strdup(item);
        f->path = path;
        f->dest = g_strdup(colon + 1);
        g_ptr_array_add(spec->files, f);
    }
    return TRUE;
}

static const SpecKey spec_keys[] = {
    { "image", "id", TRUE, spec_parse_id },
    { "image", "title", TRUE, spec_parse_title },
    { "image", "version", TRUE, spec_parse_version },
    { "image", "profile", TRUE, spec_parse_profile },
    { "system", "packages", TRUE, spec_parse_packages },
    { "system", "vcpus", FALSE, spec_parse_vcpus },
    { "system", "memory_mib", FALSE, spec_parse_memory },
    { "system", "mode", FALSE, spec_parse_mode },
    { "system", "kernel_args", FALSE, spec_parse_kernel_args },
    { "game", "command", TRUE, spec_parse_command },
    { "game", "files", FALSE, spec_parse_files },
};

GhImageSpec *
gh_image_spec_free(GhImageSpec *spec)
{
    if (spec == NULL)
        return NULL;
    g_free(spec->file);
    g_free(spec->dir);
    g_clear_pointer(&spec->bytes, g_bytes_unref);
    g_free(spec->id);
    g_free(spec->title);
    g_free(spec->version);
    g_free(spec->profile);
    g_strfreev(spec->packages);
    g_free(spec->kernel_args);
    g_free(spec->command);
    g_clear_pointer(&spec->files, g_ptr_array_unref);
    g_free(spec);
    return NULL;
}

static const SpecKey *
spec_key(const char *group, const char *key)
{
    for (gsize i = 0; i < G_N_ELEMENTS(spec_keys); i++)
        if (g_str_equal(spec_keys[i].group, group) && (key == NULL || g_str_equal(spec_keys[i].key, key)))
            return &spec_keys[i];
    return NULL;
}

/* Every group and key of the file is one of the format's. */
static gboolean
spec_check_names(GKeyFile *kf, const char *path, const char *text, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

    for (guint g = 0; groups[g]; g++) {
        g_auto(GStrv) keys = NULL;

        if (spec_key(groups[g], NULL) == NULL) {
            g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_UNKNOWN_KEY,
                        "%s:%d: unknown group [%s] (a spec has [image], [system] and [game])", path,
                        gh_keyfile_line(text, groups[g], NULL), groups[g]);
            return FALSE;
        }
        keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
        for (guint k = 0; keys && keys[k]; k++) {
            if (spec_key(groups[g], keys[k]) == NULL) {
                g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_UNKNOWN_KEY,
                            "%s:%d: unknown key '%s' in [%s]", path, gh_keyfile_line(text, groups[g], keys[k]),
                            keys[k], groups[g]);
                return FALSE;
            }
        }
    }
    return TRUE;
}

static gboolean
spec_missing(const SpecKey *k, const char *path, const char *text, GError **error)
{
    int line = gh_keyfile_line(text, k->group, NULL);

    if (line > 0)
        g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_MISSING, "%s:%d: missing key '%s' in [%s]",
                    path, line, k->key, k->group);
    else
        g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_MISSING,
                    "%s: missing key '%s' in [%s] (the spec has no [%s] group)", path, k->key, k->group,
                    k->group);
    return FALSE;
}

/* Each key of the format in table order: required ones must be there and
 * not empty; an empty optional one is as good as absent. */
static gboolean
spec_apply_keys(GhImageSpec *spec, GKeyFile *kf, const char *text, GError **error)
{
    for (gsize i = 0; i < G_N_ELEMENTS(spec_keys); i++) {
        const SpecKey *k = &spec_keys[i];
        int line = gh_keyfile_line(text, k->group, k->key);
        g_autofree char *value = NULL;
        g_autofree char *why = NULL;
        g_autoptr(GError) local = NULL;

        if (!g_key_file_has_key(kf, k->group, k->key, NULL)) {
            if (k->required)
                return spec_missing(k, spec->file, text, error);
            continue;
        }
        value = g_key_file_get_string(kf, k->group, k->key, &local);
        if (value == NULL) {
            g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_VALUE, "%s:%d: bad value for %s: %s",
                        spec->file, line, k->key, local->message);
            return FALSE;
        }
        if (*g_strstrip(value) == '\0') {
            if (!k->required)
                continue;
            g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_MISSING,
                        "%s:%d: empty value for required key '%s' in [%s]", spec->file, line, k->key, k->group);
            return FALSE;
        }
        if (!k->parse(spec, value, &why)) {
            g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_VALUE, "%s:%d: bad value for %s: %s",
                        spec->file, line, k->key, why);
            return FALSE;
        }
        if (g_str_equal(k->key, "profile"))
            spec->profile_line = line;
        else if (g_str_equal(k->key, "mode"))
            spec->mode_line = line;
    }
    return TRUE;
}

GhImageSpec *
gh_image_spec_load(const char *path, GError **error)
{
    g_autoptr(GhImageSpec) spec = g_new0(GhImageSpec, 1);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *text = NULL;
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GError) local = NULL;
    gsize len = 0;

    spec->file = g_strdup(path);
    spec->files = g_ptr_array_new_with_free_func(spec_file_free);
    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_READ, "cannot read image spec %s: %s", path,
                    local->message);
        return NULL;
    }
    spec->dir = realpath(dir, NULL);
    if (spec->dir == NULL) {
        int e = errno;
        g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_READ, "cannot resolve the folder of %s: %s",
                    path, g_strerror(e));
        return NULL;
    }
    if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_SYNTAX, "%s:%d: %s", path,
                    gh_keyfile_bad_line(text), local->message);
        return NULL;
    }
    if (!spec_check_names(kf, path, text, error) || !spec_apply_keys(spec, kf, text, error))
        return NULL;
    spec->bytes = g_bytes_new_take(g_steal_pointer(&text), len);
    return g_steal_pointer(&spec);
}

gboolean
gh_image_spec_check_profile(const GhImageSpec *spec, const GhProfile *profile, GError **error)
{
    if (profile == NULL) {
        g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_VALUE, "%s:%d: unknown profile '%s'",
                    spec->file, spec->profile_line, spec->profile);
        return FALSE;
    }
    if (spec->width != 0 && (spec->width != profile->width || spec->height != profile->height)) {
        g_set_error(error, GH_IMAGE_SPEC_ERROR, GH_IMAGE_SPEC_ERROR_VALUE,
                    "%s:%d: mode %ux%u does not match profile %s's display %ux%u", spec->file, spec->mode_line,
                    spec->width, spec->height, profile->id, profile->width, profile->height);
        return FALSE;
    }
    return TRUE;
}
