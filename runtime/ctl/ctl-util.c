/* ctl-util: gamehostctl's argument checks, token, error bodies, durations,
 * and the body of a session create. */
#include "ctl-util.h"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "plugin/plugin-registry.h"
#include "util/json-util.h"

G_DEFINE_QUARK(gh-ctl-error-quark, gh_ctl_error)

/* Ids and labels end up in URLs and JSON the daemon validates again; these
 * limits only keep obvious mistakes from making a round trip. */
#define GH_CTL_MAX_ID_BYTES 256
#define GH_CTL_MAX_IDEMPOTENCY_KEY_BYTES 255
/* A token file is a few lines; anything large is the wrong file. */
#define GH_CTL_MAX_TOKEN_FILE_BYTES (64 * 1024)

static const char *const session_states[] = { "starting", "running", "stopping", "stopped", "failed", NULL };

int
gh_ctl_exit_code(const GError *error)
{
    if (error == NULL)
        return GH_CTL_EXIT_OK;
    if (error->domain == GH_CTL_ERROR && error->code == GH_CTL_ERROR_USAGE)
        return GH_CTL_EXIT_USAGE;
    if (error->domain == GH_CTL_ERROR && error->code == GH_CTL_ERROR_CONNECT)
        return GH_CTL_EXIT_CONNECT;
    return GH_CTL_EXIT_FAILED;
}

char *
gh_ctl_sanitize(const char *s)
{
    GString *out;

    if (s == NULL)
        return NULL;
    out = g_string_sized_new(strlen(s));
    while (*s) {
        gunichar c = g_utf8_get_char_validated(s, -1);

        if (c == (gunichar) -1 || c == (gunichar) -2) {
            g_string_append_c(out, '?');
            s++;
            continue;
        }
        if (c == '\t' || c == '\n' || c == '\r')
            g_string_append_c(out, ' ');
        else if (c < 0x20 || (c >= 0x7f && c < 0xa0))
            g_string_append_c(out, '?');
        else
            g_string_append_unichar(out, c);
        s = g_utf8_next_char(s);
    }
    return g_string_free(out, FALSE);
}

/* ---- durations ---------------------------------------------------------- */

static char *
util_format_two_units(gint64 big, char big_unit, gint64 small, char small_unit)
{
    if (small == 0)
        return g_strdup_printf("%" G_GINT64_FORMAT "%c", big, big_unit);
    return g_strdup_printf("%" G_GINT64_FORMAT "%c%" G_GINT64_FORMAT "%c", big, big_unit, small, small_unit);
}

char *
gh_ctl_format_duration(gint64 seconds)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds < 60)
        return g_strdup_printf("%" G_GINT64_FORMAT "s", seconds);
    if (seconds < 3600)
        return util_format_two_units(seconds / 60, 'm', seconds % 60, 's');
    if (seconds < 86400)
        return util_format_two_units(seconds / 3600, 'h', seconds % 3600 / 60, 'm');
    return util_format_two_units(seconds / 86400, 'd', seconds % 86400 / 3600, 'h');
}

char *
gh_ctl_format_age(const char *rfc3339, gint64 now_usec)
{
    g_autoptr(GDateTime) then = NULL;
    gint64 then_usec;

    if (rfc3339 == NULL)
        return g_strdup("-");
    then = g_date_time_new_from_iso8601(rfc3339, NULL);
    if (then == NULL)
        return g_strdup("?");
    /* g_date_time_to_unix_usec is GLib 2.80; Debian 12 has 2.74. */
    then_usec = g_date_time_to_unix(then) * G_USEC_PER_SEC + g_date_time_get_microsecond(then);
    return gh_ctl_format_duration((now_usec - then_usec) / G_USEC_PER_SEC);
}

/* ---- arguments ------------------------------------------------------------ */

static gboolean
util_has_control_chars(const char *s)
{
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return TRUE;
    return FALSE;
}

gboolean
gh_ctl_parse_pair(const char *flag, const char *arg, char **key, char **value, GError **error)
{
    const char *eq = strchr(arg, '=');

    if (eq == NULL) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s '%s': expected KEY=VALUE", flag, arg);
        return FALSE;
    }
    if (eq == arg) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s '%s': the key is empty", flag, arg);
        return FALSE;
    }
    if (!g_utf8_validate(arg, -1, NULL) || util_has_control_chars(arg)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: contains control characters or invalid UTF-8",
                    flag);
        return FALSE;
    }
    for (const char *p = arg; p < eq; p++) {
        if (g_ascii_isspace(*p)) {
            g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s '%s': the key contains a space", flag, arg);
            return FALSE;
        }
    }
    *key = g_strndup(arg, eq - arg);
    *value = g_strdup(eq + 1);
    return TRUE;
}

gboolean
gh_ctl_add_pair(GHashTable *pairs, const char *flag, const char *arg, GError **error)
{
    g_autofree char *key = NULL;
    g_autofree char *value = NULL;

    if (!gh_ctl_parse_pair(flag, arg, &key, &value, error))
        return FALSE;
    if (g_hash_table_contains(pairs, key)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: key '%s' given twice", flag, key);
        return FALSE;
    }
    g_hash_table_insert(pairs, g_steal_pointer(&key), g_steal_pointer(&value));
    return TRUE;
}

gboolean
gh_ctl_check_state(const char *state, GError **error)
{
    g_autofree char *known = NULL;

    if (state != NULL && g_strv_contains(session_states, state))
        return TRUE;
    known = g_strjoinv(", ", (char **) session_states);
    g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "--state '%s': expected one of %s",
                state ? state : "", known);
    return FALSE;
}

/* "." and ".." would survive percent-escaping and then be resolved away by
 * URL normalisation, sending the request to another endpoint. */
gboolean
gh_ctl_check_id(const char *what, const char *id, GError **error)
{
    const char *problem = NULL;

    if (id == NULL || *id == '\0')
        problem = "is empty";
    else if (strlen(id) > GH_CTL_MAX_ID_BYTES)
        problem = "is too long";
    else if (!g_utf8_validate(id, -1, NULL) || util_has_control_chars(id))
        problem = "contains control characters or invalid UTF-8";
    else if (g_str_equal(id, ".") || g_str_equal(id, "..") || strchr(id, '/'))
        problem = "is not a valid id";
    if (problem == NULL)
        return TRUE;
    g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s %s", what, problem);
    return FALSE;
}

/* The key travels in an HTTP header, so only visible ASCII can go. */
gboolean
gh_ctl_check_idempotency_key(const char *key, GError **error)
{
    gsize len = key ? strlen(key) : 0;

    if (len == 0 || len > GH_CTL_MAX_IDEMPOTENCY_KEY_BYTES) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE,
                    "--idempotency-key must be 1 to %d characters", GH_CTL_MAX_IDEMPOTENCY_KEY_BYTES);
        return FALSE;
    }
    for (gsize i = 0; i < len; i++) {
        if (key[i] <= 0x20 || key[i] >= 0x7f) {
            g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE,
                                "--idempotency-key may only contain visible ASCII characters");
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
gh_ctl_parse_timeout(const char *arg, guint *seconds, GError **error)
{
    guint64 v = 0;

    if (arg == NULL || !g_ascii_string_to_unsigned(arg, 10, 0, GH_CTL_MAX_TIMEOUT_S, &v, NULL)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE,
                    "--timeout '%s': expected whole seconds from 0 (none) to %d", arg ? arg : "",
                    GH_CTL_MAX_TIMEOUT_S);
        return FALSE;
    }
    *seconds = (guint) v;
    return TRUE;
}

/* ---- URLs ----------------------------------------------------------------- */

char *
gh_ctl_normalize_url(const char *url, GError **error)
{
    g_autoptr(GUri) uri = url ? g_uri_parse(url, G_URI_FLAGS_HAS_PASSWORD, NULL) : NULL;
    const char *scheme = uri ? g_uri_get_scheme(uri) : NULL;
    g_autofree char *shown = url ? gh_ctl_url_for_display(url) : g_strdup("");
    g_autofree char *out = NULL;

    if (uri == NULL || !(g_str_equal(scheme, "http") || g_str_equal(scheme, "https")) ||
        g_uri_get_host(uri) == NULL || *g_uri_get_host(uri) == '\0') {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE,
                    "URL '%s': expected http://HOST[:PORT] or https://HOST[:PORT]", shown);
        return NULL;
    }
    if (g_uri_get_query(uri) != NULL || g_uri_get_fragment(uri) != NULL) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "URL '%s': must not have a query or fragment",
                    shown);
        return NULL;
    }
    out = g_strdup(url);
    for (gsize len = strlen(out); len > 0 && out[len - 1] == '/'; len--)
        out[len - 1] = '\0';
    return g_steal_pointer(&out);
}

const char *
gh_ctl_pick_url(const char *opt_url, const char *env_url)
{
    const char *url = opt_url ? opt_url : env_url;

    return url != NULL && *url != '\0' ? url : GH_CTL_DEFAULT_URL;
}

char *
gh_ctl_url_for_display(const char *url)
{
    g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_HAS_PASSWORD, NULL);

    if (uri == NULL)
        return gh_ctl_sanitize(url);
    return g_uri_to_string_partial(uri, G_URI_HIDE_PASSWORD);
}

char *
gh_ctl_path_with_id(const char *prefix, const char *id)
{
    g_autofree char *escaped = g_uri_escape_string(id, NULL, FALSE);

    return g_strconcat(prefix, "/", escaped, NULL);
}

/* ---- token ---------------------------------------------------------------- */

/* The token goes into an Authorization header: no spaces, controls or
 * non-ASCII.  The message never quotes the token itself. */
static gboolean
util_check_token(const char *token, const char *source, GError **error)
{
    if (*token == '\0') {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "the token from %s is empty", source);
        return FALSE;
    }
    for (const char *p = token; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f) {
            g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE,
                        "the token from %s contains spaces, control or non-ASCII characters", source);
            return FALSE;
        }
    }
    return TRUE;
}

char *
gh_ctl_read_token_file(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) local = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "cannot read token file: %s", local->message);
        return NULL;
    }
    if (len > GH_CTL_MAX_TOKEN_FILE_BYTES || memchr(text, '\0', len) != NULL) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "token file '%s' is not a token file", path);
        return NULL;
    }
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);

        if (*line != '\0' && *line != '#')
            return g_strdup(line);
    }
    g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "token file '%s' holds no token", path);
    return NULL;
}

gboolean
gh_ctl_resolve_token(const char *opt_token, const char *env_token, const char *opt_file,
                     const char *const *default_files, char **token, GError **error)
{
    g_autofree char *found = NULL;
    g_autofree char *source = NULL;

    *token = NULL;
    if (opt_token != NULL) {
        found = g_strdup(opt_token);
        source = g_strdup("--token");
    } else if (env_token != NULL && *env_token != '\0') {
        found = g_strdup(env_token);
        source = g_strdup("GAMEHOST_TOKEN");
    } else if (opt_file != NULL) {
        found = gh_ctl_read_token_file(opt_file, error);
        if (found == NULL)
            return FALSE;
        source = g_strdup_printf("'%s'", opt_file);
    } else {
        /* The default file is only a convenience on the daemon's own host:
         * an unreadable or absent one means "no token", not an error. */
        for (guint i = 0; default_files && default_files[i] && found == NULL; i++) {
            if (g_access(default_files[i], R_OK) != 0)
                continue;
            found = gh_ctl_read_token_file(default_files[i], NULL);
            if (found != NULL)
                source = g_strdup_printf("'%s'", default_files[i]);
        }
        if (found == NULL)
            return TRUE;
    }
    if (!util_check_token(found, source, error))
        return FALSE;
    *token = g_steal_pointer(&found);
    return TRUE;
}

/* ---- error bodies ----------------------------------------------------------- */

static const char *
util_object_string(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

gboolean
gh_ctl_parse_error_body(const char *body, gssize len, char **code, char **message)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root;
    JsonNode *err;
    const char *c;
    const char *m;

    *code = NULL;
    *message = NULL;
    if (body == NULL || len == 0 || !json_parser_load_from_data(parser, body, len, NULL))
        return FALSE;
    root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
        return FALSE;
    err = json_object_get_member(json_node_get_object(root), "error");
    if (err == NULL || !JSON_NODE_HOLDS_OBJECT(err))
        return FALSE;
    c = util_object_string(json_node_get_object(err), "code");
    m = util_object_string(json_node_get_object(err), "message");
    if (c == NULL || *c == '\0')
        return FALSE;
    *code = gh_ctl_sanitize(c);
    *message = gh_ctl_sanitize(m ? m : "");
    return TRUE;
}

char *
gh_ctl_format_api_error(guint status, const char *reason_phrase, const char *body, gssize len)
{
    g_autofree char *code = NULL;
    g_autofree char *message = NULL;
    g_autofree char *reason = NULL;

    if (gh_ctl_parse_error_body(body, len, &code, &message)) {
        if (*message == '\0')
            return g_strdup_printf("%u %s", status, code);
        return g_strdup_printf("%u %s: %s", status, code, message);
    }
    reason = gh_ctl_sanitize(reason_phrase);
    if (reason == NULL || *reason == '\0')
        return g_strdup_printf("%u: the response carries no error details", status);
    return g_strdup_printf("%u %s: the response carries no error details", status, reason);
}

/* ---- --wait ----------------------------------------------------------------- */

GhCtlWait
gh_ctl_wait_check(const char *goal, const char *state)
{
    if (state == NULL)
        return GH_CTL_WAIT_MORE;
    if (g_str_equal(state, goal))
        return GH_CTL_WAIT_REACHED;
    if (g_str_equal(state, "failed"))
        return GH_CTL_WAIT_FAILED;
    /* A session on its way down will never come up. */
    if (g_str_equal(goal, "running") && (g_str_equal(state, "stopping") || g_str_equal(state, "stopped")))
        return GH_CTL_WAIT_FAILED;
    return GH_CTL_WAIT_MORE;
}

/* ---- the create body ------------------------------------------------------- */

/* The names are the plugin ABI's kind names (the prefix of backend names). */
G_STATIC_ASSERT(GH_CTL_CAPTURE + GH_BACKEND_CAPTURE == GH_BACKEND_CAPTURE &&
                GH_CTL_STREAM + GH_BACKEND_CAPTURE == GH_BACKEND_STREAM &&
                GH_CTL_INPUT + GH_BACKEND_CAPTURE == GH_BACKEND_INPUT);

const char *
gh_ctl_backend_kind_name(GhCtlBackendKind kind)
{
    g_return_val_if_fail(kind < GH_CTL_N_BACKEND_KINDS, NULL);
    return gh_plugin_kind_name(GH_BACKEND_CAPTURE + kind);
}

/* Opens member name as an object of pairs in key order. */
static void
util_add_sorted_pairs(JsonBuilder *b, const char *name, GHashTable *pairs)
{
    g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(pairs), (GCompareFunc) strcmp);

    gh_json_begin_object(b, name);
    for (GList *l = keys; l; l = l->next)
        gh_json_add_string(b, l->data, g_hash_table_lookup(pairs, l->data));
    json_builder_end_object(b);
}

JsonNode *
gh_ctl_create_body(const GhCtlCreate *create, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    for (guint k = 0; k < GH_CTL_N_BACKEND_KINDS; k++) {
        if (create->backends[k] == NULL && create->options[k] != NULL && g_hash_table_size(create->options[k])) {
            g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "--%s-option needs --%s BACKEND",
                        gh_ctl_backend_kind_name(k), gh_ctl_backend_kind_name(k));
            return NULL;
        }
    }
    json_builder_begin_object(b);
    gh_json_add_string(b, "image", create->image);
    if (create->labels != NULL && g_hash_table_size(create->labels))
        util_add_sorted_pairs(b, "labels", create->labels);
    for (guint k = 0; k < GH_CTL_N_BACKEND_KINDS; k++) {
        if (create->backends[k] == NULL)
            continue;
        if (create->options[k] == NULL || !g_hash_table_size(create->options[k])) {
            gh_json_add_string(b, gh_ctl_backend_kind_name(k), create->backends[k]);
            continue;
        }
        gh_json_begin_object(b, gh_ctl_backend_kind_name(k));
        gh_json_add_string(b, "backend", create->backends[k]);
        util_add_sorted_pairs(b, "options", create->options[k]);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
