/* worker-start: see worker-start.h. */
#include "worker-start.h"

#include <gio/gio.h>

static void
start_add_str(GVariantBuilder *b, const char *key, const char *value)
{
    g_variant_builder_add(b, "{sv}", key, g_variant_new_string(value ? value : ""));
}

static void
start_add_strv(GVariantBuilder *b, const char *key, const char *const *value)
{
    static const char *const none[] = { NULL };

    g_variant_builder_add(b, "{sv}", key, g_variant_new_strv(value ? value : none, -1));
}

static GVariant *
start_options(GHashTable *options)
{
    GVariantBuilder b;
    GHashTableIter it, oit;
    gpointer name, table, k, v;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a{sa{ss}}"));
    if (options) {
        g_hash_table_iter_init(&it, options);
        while (g_hash_table_iter_next(&it, &name, &table)) {
            g_variant_builder_open(&b, G_VARIANT_TYPE("{sa{ss}}"));
            g_variant_builder_add(&b, "s", name);
            g_variant_builder_open(&b, G_VARIANT_TYPE("a{ss}"));
            g_hash_table_iter_init(&oit, table);
            while (g_hash_table_iter_next(&oit, &k, &v))
                g_variant_builder_add(&b, "{ss}", k, v);
            g_variant_builder_close(&b);
            g_variant_builder_close(&b);
        }
    }
    return g_variant_builder_end(&b);
}

GVariant *
gh_worker_start_to_variant(const GhWorkerStart *s)
{
    GVariantBuilder b, keys;
    const char *pads[GH_INPUT_MAX_PADS + 1] = { NULL };

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    start_add_str(&b, "session_id", s->info.session_id);
    start_add_str(&b, "image_id", s->info.image_id);
    g_variant_builder_add(&b, "{sv}", "width", g_variant_new_uint32(s->info.width));
    g_variant_builder_add(&b, "{sv}", "height", g_variant_new_uint32(s->info.height));
    g_variant_builder_add(&b, "{sv}", "refresh_hz", g_variant_new_uint32(s->info.refresh_hz));
    start_add_str(&b, "vnc_socket", s->info.vnc_socket);
    start_add_str(&b, "relay_path", s->info.relay_path);
    start_add_str(&b, "session_dir", s->info.session_dir);
    start_add_str(&b, "dbus_socket", s->info.dbus_socket);
    for (guint i = 0; i < GH_INPUT_MAX_PADS; i++)
        pads[i] = s->info.pad_socket[i] ? s->info.pad_socket[i] : "";
    start_add_strv(&b, "pad_sockets", pads);
    start_add_str(&b, "capture", s->choice.capture);
    start_add_str(&b, "stream", s->choice.stream);
    start_add_str(&b, "input", s->choice.input);
    start_add_str(&b, "audio", s->choice.audio);
    g_variant_builder_add(&b, "{sv}", "sound", g_variant_new_boolean(s->choice.sound));
    g_variant_builder_add(&b, "{sv}", "has_pad_keys", g_variant_new_boolean(s->choice.pad_keys != NULL));
    g_variant_builder_init(&keys, G_VARIANT_TYPE("a(uuuu)"));
    for (guint i = 0; s->choice.pad_keys && i < s->choice.pad_keys->len; i++) {
        const GhPadKey *k = &g_array_index(s->choice.pad_keys, GhPadKey, i);
        g_variant_builder_add(&keys, "(uuuu)", k->type, k->code, k->key, k->negative_key);
    }
    g_variant_builder_add(&b, "{sv}", "pad_keys", g_variant_builder_end(&keys));
    g_variant_builder_add(&b, "{sv}", "options", start_options(s->choice.options));
    start_add_strv(&b, "plugins", (const char *const *)s->plugins);
    start_add_strv(&b, "image_capture", (const char *const *)s->image_capture);
    start_add_strv(&b, "read_paths", (const char *const *)s->read_paths);
    start_add_strv(&b, "write_paths", (const char *const *)s->write_paths);
    g_variant_builder_add(&b, "{sv}", "watchdog_ms", g_variant_new_uint32(s->watchdog_ms));
    start_add_str(&b, "log_level", s->log_level);
    return g_variant_builder_end(&b);
}

/* ---- reading it back ------------------------------------------------------- */

static GVariant *
start_get(GVariant *v, const char *key, const char *type, GError **error)
{
    GVariant *value = g_variant_lookup_value(v, key, G_VARIANT_TYPE(type));

    if (!value)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "start: '%s' is missing or not of type %s", key, type);
    return value;
}

/* "" reads as NULL: the choice's "not given". */
static gboolean
start_str(GVariant *v, const char *key, char **out, GError **error)
{
    g_autoptr(GVariant) value = start_get(v, key, "s", error);
    const char *s;

    if (!value)
        return FALSE;
    s = g_variant_get_string(value, NULL);
    *out = s[0] ? g_strdup(s) : NULL;
    return TRUE;
}

static gboolean
start_u32(GVariant *v, const char *key, guint *out, GError **error)
{
    g_autoptr(GVariant) value = start_get(v, key, "u", error);

    if (value)
        *out = g_variant_get_uint32(value);
    return value != NULL;
}

static gboolean
start_strv(GVariant *v, const char *key, GStrv *out, GError **error)
{
    g_autoptr(GVariant) value = start_get(v, key, "as", error);

    if (value)
        *out = g_variant_dup_strv(value, NULL);
    return value != NULL;
}

static GHashTable *
start_read_options(GVariant *value)
{
    GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
    GVariantIter it;
    const char *name;
    GVariant *table;

    g_variant_iter_init(&it, value);
    while (g_variant_iter_next(&it, "{&s@a{ss}}", &name, &table)) {
        GHashTable *opts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        GVariantIter oit;
        const char *k, *val;

        g_variant_iter_init(&oit, table);
        while (g_variant_iter_next(&oit, "{&s&s}", &k, &val))
            g_hash_table_replace(opts, g_strdup(k), g_strdup(val));
        g_hash_table_replace(out, g_strdup(name), opts);
        g_variant_unref(table);
    }
    return out;
}

static gboolean
start_read_pads(GVariant *v, GhWorkerStart *s, GError **error)
{
    g_autoptr(GVariant) has = start_get(v, "has_pad_keys", "b", error);
    g_autoptr(GVariant) keys = has ? start_get(v, "pad_keys", "a(uuuu)", error) : NULL;
    g_auto(GStrv) pads = NULL;
    GVariantIter it;
    GhPadKey k;

    if (!keys || !start_strv(v, "pad_sockets", &pads, error))
        return FALSE;
    for (guint i = 0; pads[i] && i < GH_INPUT_MAX_PADS; i++)
        s->info.pad_socket[i] = pads[i][0] ? g_strdup(pads[i]) : NULL;
    if (!g_variant_get_boolean(has))
        return TRUE;
    s->choice.pad_keys = g_array_new(FALSE, FALSE, sizeof(GhPadKey));
    g_variant_iter_init(&it, keys);
    while (g_variant_iter_next(&it, "(uuuu)", &k.type, &k.code, &k.key, &k.negative_key))
        g_array_append_val((GArray *)s->choice.pad_keys, k);
    return TRUE;
}

gboolean
gh_worker_start_from_variant(GVariant *v, GhWorkerStart *s, GError **error)
{
    g_autoptr(GVariant) sound = NULL;
    g_autoptr(GVariant) options = NULL;

    memset(s, 0, sizeof *s);
    if (!start_str(v, "session_id", (char **)&s->info.session_id, error) ||
        !start_str(v, "image_id", (char **)&s->info.image_id, error) ||
        !start_u32(v, "width", &s->info.width, error) || !start_u32(v, "height", &s->info.height, error) ||
        !start_u32(v, "refresh_hz", &s->info.refresh_hz, error) ||
        !start_str(v, "vnc_socket", (char **)&s->info.vnc_socket, error) ||
        !start_str(v, "relay_path", (char **)&s->info.relay_path, error) ||
        !start_str(v, "session_dir", (char **)&s->info.session_dir, error) ||
        !start_str(v, "dbus_socket", (char **)&s->info.dbus_socket, error) || !start_read_pads(v, s, error) ||
        !start_str(v, "capture", (char **)&s->choice.capture, error) ||
        !start_str(v, "stream", (char **)&s->choice.stream, error) ||
        !start_str(v, "input", (char **)&s->choice.input, error) ||
        !start_str(v, "audio", (char **)&s->choice.audio, error) ||
        !(sound = start_get(v, "sound", "b", error)) || !(options = start_get(v, "options", "a{sa{ss}}", error)) ||
        !start_strv(v, "plugins", &s->plugins, error) || !start_strv(v, "image_capture", &s->image_capture, error) ||
        !start_strv(v, "read_paths", &s->read_paths, error) ||
        !start_strv(v, "write_paths", &s->write_paths, error) || !start_u32(v, "watchdog_ms", &s->watchdog_ms, error) ||
        !start_str(v, "log_level", &s->log_level, error))
        return FALSE;
    s->choice.sound = g_variant_get_boolean(sound);
    s->choice.options = start_read_options(options);
    return TRUE;
}

void
gh_worker_start_clear(GhWorkerStart *s)
{
    g_free((char *)s->info.session_id);
    g_free((char *)s->info.image_id);
    g_free((char *)s->info.vnc_socket);
    g_free((char *)s->info.relay_path);
    g_free((char *)s->info.session_dir);
    g_free((char *)s->info.dbus_socket);
    for (guint i = 0; i < GH_INPUT_MAX_PADS; i++)
        g_free((char *)s->info.pad_socket[i]);
    g_free((char *)s->choice.capture);
    g_free((char *)s->choice.stream);
    g_free((char *)s->choice.input);
    g_free((char *)s->choice.audio);
    if (s->choice.pad_keys)
        g_array_unref((GArray *)s->choice.pad_keys);
    g_clear_pointer(&s->choice.options, g_hash_table_unref);
    g_strfreev(s->plugins);
    g_strfreev(s->image_capture);
    g_strfreev(s->read_paths);
    g_strfreev(s->write_paths);
    g_free(s->log_level);
    memset(s, 0, sizeof *s);
}
