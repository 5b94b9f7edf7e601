/* ctl-render: JSON replies → gamehostctl's human output. */
#include "ctl-render.h"

#include <string.h>
#include "ctl-table.h"
#include "ctl-util.h"

static const char *const state_order[] = { "starting", "running", "stopping", "stopped", "failed", NULL };

/* ---- lenient readers ------------------------------------------------------ */

static JsonObject *
render_as_object(JsonNode *node)
{
    return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

static JsonObject *
render_object_member(JsonObject *o, const char *name)
{
    return o != NULL ? render_as_object(json_object_get_member(o, name)) : NULL;
}

static JsonArray *
render_array_member(JsonObject *o, const char *name)
{
    JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

    return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static const char *
render_string_member(JsonObject *o, const char *name)
{
    JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

static char *
render_node_text(JsonNode *n)
{
    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return NULL;
    if (!JSON_NODE_HOLDS_VALUE(n))
        return json_to_string(n, FALSE);
    switch (json_node_get_value_type(n)) {
    case G_TYPE_STRING:
        return g_strdup(json_node_get_string(n));
    case G_TYPE_INT64:
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
    case G_TYPE_DOUBLE: {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup(g_ascii_formatd(buf, sizeof buf, "%g", json_node_get_double(n)));
    }
    case G_TYPE_BOOLEAN:
        return g_strdup(json_node_get_boolean(n) ? "yes" : "no");
    default:
        return NULL;
    }
}

/* Any scalar as text; an array as its items joined by ", "; NULL if absent. */
static char *
render_member_text(JsonObject *o, const char *name)
{
    JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;
    g_autoptr(GPtrArray) items = NULL;
    JsonArray *a;

    if (n == NULL || !JSON_NODE_HOLDS_ARRAY(n))
        return render_node_text(n);
    a = json_node_get_array(n);
    items = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        char *t = render_node_text(json_array_get_element(a, i));
        if (t != NULL)
            g_ptr_array_add(items, t);
    }
    g_ptr_array_add(items, NULL);
    return g_strjoinv(", ", (char **) items->pdata);
}

static JsonObject *
render_expect_object(JsonNode *node, const char *what, GError **error)
{
    JsonObject *o = render_as_object(node);

    if (o == NULL)
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                    "unexpected reply from the daemon: %s is not a JSON object", what);
    return o;
}

static JsonArray *
render_expect_array(JsonObject *o, const char *name, GError **error)
{
    JsonArray *a = render_array_member(o, name);

    if (a == NULL)
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                    "unexpected reply from the daemon: no '%s' array", name);
    return a;
}

char *
gh_ctl_render_json(JsonNode *node)
{
    g_autofree char *text = json_to_string(node, TRUE);

    return g_strconcat(text, "\n", NULL);
}

const char *
gh_ctl_session_state(JsonNode *session)
{
    return render_string_member(render_as_object(session), "state");
}

const char *
gh_ctl_session_id(JsonNode *session)
{
    return render_string_member(render_as_object(session), "id");
}

const char *
gh_ctl_session_reason(JsonNode *session)
{
    return render_string_member(render_as_object(session), "reason");
}

/* ---- host ----------------------------------------------------------------- */

/* Known states first in lifecycle order, then anything newer the daemon adds. */
static char *
render_sessions_by_state_text(JsonObject *by_state)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GList) members = by_state ? json_object_get_members(by_state) : NULL;

    if (by_state == NULL)
        return NULL;
    for (guint i = 0; state_order[i]; i++) {
        g_autofree char *n = render_member_text(by_state, state_order[i]);
        if (n != NULL)
            g_ptr_array_add(parts, g_strdup_printf("%s=%s", state_order[i], n));
    }
    for (GList *l = members; l; l = l->next) {
        g_autofree char *n = NULL;
        if (g_strv_contains(state_order, l->data))
            continue;
        n = render_member_text(by_state, l->data);
        g_ptr_array_add(parts, g_strdup_printf("%s=%s", (const char *) l->data, n ? n : "-"));
    }
    g_ptr_array_add(parts, NULL);
    return g_strjoinv(" ", (char **) parts->pdata);
}

char *
gh_ctl_render_host(JsonNode *host, GError **error)
{
    static const struct { const char *key, *label; } fields[] = {
        { "version", "version" },         { "hostname", "hostname" },
        { "libvirt_uri", "libvirt" },     { "domain_type", "domain type" },
        { "capacity", "capacity" },       { "active_sessions", "active sessions" },
        { "draining", "draining" },
    };
    JsonObject *o = render_expect_object(host, "the host", error);
    g_autoptr(GhCtlTable) t = gh_ctl_table_new_kv();
    g_autofree char *by_state = NULL;

    if (o == NULL)
        return NULL;
    for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
        g_autofree char *v = render_member_text(o, fields[i].key);
        gh_ctl_table_add_kv(t, fields[i].label, v);
    }
    by_state = render_sessions_by_state_text(render_object_member(o, "sessions_by_state"));
    gh_ctl_table_add_kv(t, "sessions", by_state);
    return gh_ctl_table_render(t);
}

/* ---- images ----------------------------------------------------------------- */

static char *
render_display_text(JsonObject *display)
{
    g_autofree char *w = render_member_text(display, "width");
    g_autofree char *h = render_member_text(display, "height");
    g_autofree char *r = render_member_text(display, "refresh");

    if (w == NULL || h == NULL)
        return NULL;
    if (r == NULL)
        return g_strdup_printf("%sx%s", w, h);
    return g_strdup_printf("%sx%s@%s", w, h, r);
}

static char *
render_problems(JsonArray *problems)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("FILE", "LINE", "REASON", NULL);
    g_autofree char *table = NULL;

    for (guint i = 0; i < json_array_get_length(problems); i++) {
        JsonObject *p = render_as_object(json_array_get_element(problems, i));
        g_autofree char *line = render_member_text(p, "line");
        const char *cells[] = { render_string_member(p, "file"), line, render_string_member(p, "reason") };
        gh_ctl_table_add_row(t, cells);
    }
    table = gh_ctl_table_render(t);
    return g_strconcat("\nInvalid manifests:\n", table, NULL);
}

char *
gh_ctl_render_images(JsonNode *reply, GError **error)
{
    JsonObject *o = render_expect_object(reply, "the image list", error);
    JsonArray *images = o ? render_expect_array(o, "images", error) : NULL;
    JsonArray *problems = render_array_member(o, "problems");
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("ID", "TITLE", "BOOT", "PROFILE", "DISPLAY", NULL);
    g_autofree char *table = NULL;
    g_autofree char *problem_table = NULL;

    if (images == NULL)
        return NULL;
    for (guint i = 0; i < json_array_get_length(images); i++) {
        JsonObject *img = render_as_object(json_array_get_element(images, i));
        JsonObject *profile = render_object_member(img, "profile");
        g_autofree char *display = render_display_text(render_object_member(profile, "display"));
        const char *cells[] = { render_string_member(img, "id"), render_string_member(img, "title"),
                                render_string_member(img, "boot"), render_string_member(profile, "id"), display };
        gh_ctl_table_add_row(t, cells);
    }
    table = gh_ctl_table_render(t);
    if (problems == NULL || json_array_get_length(problems) == 0)
        return g_steal_pointer(&table);
    problem_table = render_problems(problems);
    return g_strconcat(table, problem_table, NULL);
}

static char *
render_profile_text(JsonObject *profile)
{
    const char *id = render_string_member(profile, "id");
    const char *title = render_string_member(profile, "title");

    if (id == NULL)
        return NULL;
    return title ? g_strdup_printf("%s (%s)", id, title) : g_strdup(id);
}

char *
gh_ctl_render_image(JsonNode *image, GError **error)
{
    JsonObject *o = render_expect_object(image, "the image", error);
    JsonObject *profile = render_object_member(o, "profile");
    g_autoptr(GhCtlTable) t = gh_ctl_table_new_kv();
    g_autofree char *version = render_member_text(o, "version");
    g_autofree char *prof = render_profile_text(profile);
    g_autofree char *vcpus = render_member_text(profile, "vcpus");
    g_autofree char *mem = render_member_text(profile, "memory_mib");
    g_autofree char *mem_text = mem ? g_strdup_printf("%s MiB", mem) : NULL;
    g_autofree char *display = render_display_text(render_object_member(profile, "display"));
    g_autofree char *controllers = render_member_text(profile, "controllers");
    g_autofree char *gpu = render_member_text(profile, "gpu");
    g_autofree char *capture = render_member_text(o, "capture");

    if (o == NULL)
        return NULL;
    gh_ctl_table_add_kv(t, "id", render_string_member(o, "id"));
    gh_ctl_table_add_kv(t, "title", render_string_member(o, "title"));
    gh_ctl_table_add_kv(t, "version", version);
    gh_ctl_table_add_kv(t, "boot", render_string_member(o, "boot"));
    gh_ctl_table_add_kv(t, "firmware", render_string_member(o, "firmware"));
    gh_ctl_table_add_kv(t, "profile", prof);
    gh_ctl_table_add_kv(t, "vcpus", vcpus);
    gh_ctl_table_add_kv(t, "memory", mem_text);
    gh_ctl_table_add_kv(t, "display", display);
    gh_ctl_table_add_kv(t, "controllers", controllers);
    gh_ctl_table_add_kv(t, "gpu", gpu);
    gh_ctl_table_add_kv(t, "capture", capture);
    return gh_ctl_table_render(t);
}

/* ---- sessions ----------------------------------------------------------------- */

char *
gh_ctl_render_sessions(JsonNode *reply, gint64 now_usec, GError **error)
{
    JsonObject *o = render_expect_object(reply, "the session list", error);
    JsonArray *sessions = o ? render_expect_array(o, "sessions", error) : NULL;
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("ID", "STATE", "IMAGE", "AGE", "REASON", NULL);

    if (sessions == NULL)
        return NULL;
    for (guint i = 0; i < json_array_get_length(sessions); i++) {
        JsonObject *s = render_as_object(json_array_get_element(sessions, i));
        g_autofree char *age = gh_ctl_format_age(render_string_member(s, "created_at"), now_usec);
        const char *cells[] = { render_string_member(s, "id"), render_string_member(s, "state"), render_string_member(s, "image"),
                                age, render_string_member(s, "reason") };
        gh_ctl_table_add_row(t, cells);
    }
    return gh_ctl_table_render(t);
}

/* "2025-01-01T12:00:00Z (5m ago)" */
static char *
render_time_text(JsonObject *o, const char *name, gint64 now_usec)
{
    const char *when = render_string_member(o, name);
    g_autoptr(GDateTime) dt = when ? g_date_time_new_from_iso8601(when, NULL) : NULL;
    g_autofree char *age = NULL;

    if (dt == NULL)
        return when ? g_strdup(when) : NULL;
    age = gh_ctl_format_age(when, now_usec);
    return g_strdup_printf("%s (%s ago)", when, age);
}

static char *
render_labels_text(JsonObject *labels)
{
    g_autoptr(GList) keys = labels ? json_object_get_members(labels) : NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    keys = g_list_sort(keys, (GCompareFunc) strcmp);
    for (GList *l = keys; l; l = l->next) {
        g_autofree char *v = render_member_text(labels, l->data);
        g_string_append_printf(out, "%s%s=%s", out->len ? ", " : "", (const char *) l->data, v ? v : "");
    }
    return g_strdup(out->str);
}

char *
gh_ctl_render_session(JsonNode *session, gint64 now_usec, GError **error)
{
    JsonObject *o = render_expect_object(session, "the session", error);
    g_autoptr(GhCtlTable) t = gh_ctl_table_new_kv();
    g_autofree char *created = render_time_text(o, "created_at", now_usec);
    g_autofree char *started = render_time_text(o, "started_at", now_usec);
    g_autofree char *stopped = render_time_text(o, "stopped_at", now_usec);
    g_autofree char *labels = render_labels_text(render_object_member(o, "labels"));
    g_autofree char *adopted = render_member_text(o, "adopted");

    if (o == NULL)
        return NULL;
    gh_ctl_table_add_kv(t, "id", render_string_member(o, "id"));
    gh_ctl_table_add_kv(t, "image", render_string_member(o, "image"));
    gh_ctl_table_add_kv(t, "state", render_string_member(o, "state"));
    gh_ctl_table_add_kv(t, "reason", render_string_member(o, "reason"));
    gh_ctl_table_add_kv(t, "domain", render_string_member(o, "domain"));
    gh_ctl_table_add_kv(t, "created", created);
    gh_ctl_table_add_kv(t, "started", started);
    gh_ctl_table_add_kv(t, "stopped", stopped);
    gh_ctl_table_add_kv(t, "labels", labels);
    gh_ctl_table_add_kv(t, "serial log", render_string_member(o, "serial_log"));
    gh_ctl_table_add_kv(t, "vnc socket", render_string_member(o, "vnc_socket"));
    gh_ctl_table_add_kv(t, "adopted", adopted);
    return gh_ctl_table_render(t);
}

char *
gh_ctl_render_player_link(JsonNode *session, const char *base_url)
{
    const char *path = render_string_member(render_object_member(render_as_object(session), "player"), "url");
    g_autoptr(GUri) base = base_url ? g_uri_parse(base_url, G_URI_FLAGS_HAS_PASSWORD, NULL) : NULL;
    g_autofree char *prefix = NULL;
    g_autofree char *link = NULL;

    if (path == NULL || path[0] != '/' || base == NULL)
        return NULL;
    prefix = g_uri_join(G_URI_FLAGS_NONE, g_uri_get_scheme(base), NULL, g_uri_get_host(base), g_uri_get_port(base),
                        g_uri_get_path(base), NULL, NULL);
    /* The daemon's path is from its root; the prefix is a proxy's. */
    if (g_str_has_suffix(prefix, "/"))
        prefix[strlen(prefix) - 1] = '\0';
    link = g_strconcat(prefix, path, NULL);
    return gh_ctl_sanitize(link);
}

/* ---- GPUs ------------------------------------------------------------------------ */

static char *
render_gpu_id_text(JsonObject *gpu)
{
    const char *vendor = render_string_member(gpu, "vendor");
    const char *device = render_string_member(gpu, "device");

    if (vendor == NULL || device == NULL)
        return NULL;
    return g_strdup_printf("%s:%s", vendor, device);
}

static char *
render_gpu_link_text(JsonObject *link)
{
    const char *speed = render_string_member(link, "speed");
    g_autofree char *width = render_member_text(link, "width");

    if (speed != NULL && width != NULL)
        return g_strdup_printf("%s x%s", speed, width);
    if (width != NULL)
        return g_strdup_printf("x%s", width);
    return g_strdup(speed);
}

/* -1 is sysfs's "unknown". */
static char *
render_gpu_numa_text(JsonObject *gpu)
{
    JsonNode *n = json_object_get_member(gpu, "numa_node");

    if (n != NULL && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64 &&
        json_node_get_int(n) < 0)
        return NULL;
    return render_member_text(gpu, "numa_node");
}

static char *
render_gpu_reasons(JsonArray *gpus)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("ADDRESS", "REASON", NULL);
    g_autofree char *table = NULL;

    for (guint i = 0; i < json_array_get_length(gpus); i++) {
        JsonObject *g = render_as_object(json_array_get_element(gpus, i));
        const char *cells[] = { render_string_member(g, "address"), render_string_member(g, "reason") };
        if (g_strcmp0(render_string_member(g, "verdict"), "assignable") != 0)
            gh_ctl_table_add_row(t, cells);
    }
    if (gh_ctl_table_n_rows(t) == 0)
        return NULL;
    table = gh_ctl_table_render(t);
    return g_strconcat("\nNot assignable:\n", table, NULL);
}

char *
gh_ctl_render_gpus(JsonNode *reply, GError **error)
{
    JsonObject *o = render_expect_object(reply, "the GPU list", error);
    JsonArray *gpus = o ? render_expect_array(o, "gpus", error) : NULL;
    g_autoptr(GhCtlTable) t =
        gh_ctl_table_new("ADDRESS", "ID", "DRIVER", "NUMA", "LINK", "ALIAS", "VERDICT", "CLAIMED-BY", NULL);
    g_autofree char *table = NULL;
    g_autofree char *reasons = NULL;

    if (gpus == NULL)
        return NULL;
    for (guint i = 0; i < json_array_get_length(gpus); i++) {
        JsonObject *g = render_as_object(json_array_get_element(gpus, i));
        g_autofree char *id = render_gpu_id_text(g);
        g_autofree char *numa = render_gpu_numa_text(g);
        g_autofree char *link = render_gpu_link_text(render_object_member(g, "link"));
        const char *cells[] = { render_string_member(g, "address"), id, render_string_member(g, "driver"), numa, link,
                                render_string_member(g, "alias"), render_string_member(g, "verdict"),
                                render_string_member(g, "claimed_by") };
        gh_ctl_table_add_row(t, cells);
    }
    table = gh_ctl_table_render(t);
    reasons = render_gpu_reasons(gpus);
    if (reasons == NULL)
        return g_steal_pointer(&table);
    return g_strconcat(table, reasons, NULL);
}

/* ---- events ------------------------------------------------------------------- */

static char *
render_event_summary(const char *type, JsonObject *data)
{
    JsonObject *s = render_object_member(data, "session");
    const char *id = render_string_member(s, "id");
    const char *image = render_string_member(s, "image");
    const char *state = render_string_member(s, "state");
    const char *previous = render_string_member(data, "previous");
    const char *reason = render_string_member(s, "reason");
    g_autoptr(GString) out = g_string_new(type);

    if (s == NULL) {
        /* Not a session event: show what came, so nothing new goes unseen. */
        g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), data);
        g_autofree char *compact = json_to_string(node, FALSE);
        g_string_append_printf(out, " %s", compact);
        return g_string_free(g_steal_pointer(&out), FALSE);
    }
    g_string_append_printf(out, " %s %s ", id ? id : "-", image ? image : "-");
    if (previous != NULL && !g_str_equal(type, "session.created"))
        g_string_append_printf(out, "%s -> ", previous);
    g_string_append(out, state ? state : "-");
    if (reason != NULL && *reason != '\0')
        g_string_append_printf(out, " (%s)", reason);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

char *
gh_ctl_render_event(const char *event, const char *data, gint64 now_usec, gboolean json, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc(now_usec / G_USEC_PER_SEC);
    g_autofree char *stamp = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *line = NULL;
    JsonObject *o;
    const char *type;

    if (!json_parser_load_from_data(parser, data, -1, &local)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "event '%s' does not carry JSON: %s", event,
                    local->message);
        return NULL;
    }
    if (json) {
        g_autofree char *compact = json_to_string(json_parser_get_root(parser), FALSE);
        return g_strconcat(compact, "\n", NULL);
    }
    o = render_expect_object(json_parser_get_root(parser), "the event", error);
    if (o == NULL)
        return NULL;
    type = render_string_member(o, "type");
    summary = render_event_summary(type ? type : event, o);
    stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
    line = gh_ctl_sanitize(summary);
    return g_strdup_printf("%s %s\n", stamp, line);
}

/* ---- plugins ---------------------------------------------------------------------- */

static char *
render_refused_plugins(JsonArray *refused)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("FILE", "REASON", NULL);
    g_autofree char *table = NULL;

    for (guint i = 0; i < json_array_get_length(refused); i++) {
        JsonObject *r = render_as_object(json_array_get_element(refused, i));
        const char *cells[] = { render_string_member(r, "file"), render_string_member(r, "reason") };
        gh_ctl_table_add_row(t, cells);
    }
    table = gh_ctl_table_render(t);
    return g_strconcat("\nRefused plugins:\n", table, NULL);
}

char *
gh_ctl_render_plugins(JsonNode *reply, GError **error)
{
    JsonObject *o = render_expect_object(reply, "the plugin list", error);
    JsonArray *plugins = o ? render_expect_array(o, "plugins", error) : NULL;
    JsonArray *refused = render_array_member(o, "refused");
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("NAME", "KIND", "PLUGIN", "VERSION", "LICENSE", NULL);
    g_autofree char *table = NULL;
    g_autofree char *refused_table = NULL;

    if (plugins == NULL)
        return NULL;
    for (guint i = 0; i < json_array_get_length(plugins); i++) {
        JsonObject *p = render_as_object(json_array_get_element(plugins, i));
        JsonArray *backends = render_array_member(p, "backends");
        guint n = backends ? json_array_get_length(backends) : 0;

        /* One row per backend; a plugin without any still shows. */
        for (guint j = 0; j < MAX(n, 1); j++) {
            JsonObject *b = n ? render_as_object(json_array_get_element(backends, j)) : NULL;
            const char *cells[] = { render_string_member(b, "name"), render_string_member(b, "kind"), render_string_member(p, "name"),
                                    render_string_member(p, "version"), render_string_member(p, "license") };
            gh_ctl_table_add_row(t, cells);
        }
    }
    table = gh_ctl_table_render(t);
    if (refused == NULL || json_array_get_length(refused) == 0)
        return g_steal_pointer(&table);
    refused_table = render_refused_plugins(refused);
    return g_strconcat(table, refused_table, NULL);
}

/* Text from the registry, made safe for a terminal, "-" when absent. */
static char *
render_safe_member(JsonObject *o, const char *name)
{
    const char *s = render_string_member(o, name);

    return gh_ctl_sanitize(s && *s ? s : "-");
}

char *
gh_ctl_render_plugin_check(const char *file, JsonNode *registry, gboolean *ok, GError **error)
{
    JsonObject *o = render_expect_object(registry, "the registry", error);
    JsonArray *plugins = o ? render_expect_array(o, "plugins", error) : NULL;
    JsonArray *refused = plugins ? render_expect_array(o, "refused", error) : NULL;
    g_autofree char *shown = gh_ctl_sanitize(file);
    g_autoptr(GString) out = NULL;
    JsonObject *p;
    JsonArray *backends;

    if (refused == NULL)
        return NULL;
    if (json_array_get_length(refused) > 0) {
        g_autofree char *reason = render_safe_member(render_as_object(json_array_get_element(refused, 0)), "reason");
        *ok = FALSE;
        return g_strdup_printf("REFUSED %s: %s\n", shown, reason);
    }
    if (json_array_get_length(plugins) == 0) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%s: neither loaded nor refused", shown);
        return NULL;
    }
    p = render_as_object(json_array_get_element(plugins, 0));
    backends = render_array_member(p, "backends");
    out = g_string_new(NULL);
    {
        g_autofree char *name = render_safe_member(p, "name");
        g_autofree char *version = render_safe_member(p, "version");
        g_autofree char *license = render_safe_member(p, "license");
        g_autofree char *abi = render_safe_member(p, "abi");
        g_string_append_printf(out, "OK %s: plugin %s %s (%s), ABI %s\n", shown, name, version, license, abi);
    }
    for (guint i = 0; backends && i < json_array_get_length(backends); i++) {
        JsonObject *b = render_as_object(json_array_get_element(backends, i));
        g_autofree char *name = render_safe_member(b, "name");
        g_autofree char *kind = render_safe_member(b, "kind");
        const char *description = render_string_member(b, "description");
        g_autofree char *desc = description && *description ? gh_ctl_sanitize(description) : NULL;

        g_string_append_printf(out, "  %s (%s)%s%s\n", name, kind, desc ? ": " : "", desc ? desc : "");
    }
    *ok = TRUE;
    return g_string_free(g_steal_pointer(&out), FALSE);
}
