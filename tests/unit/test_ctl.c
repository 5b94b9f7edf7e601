/* test_ctl: gamehostctl's pure logic: tables, durations, argument checks,
 * the token, error bodies, the event-stream parser, input EVENT arguments and
 * the rendering of the daemon's replies.  Its HTTP client: test_ctl_http.c. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl-input.h"
#include "ctl/ctl-render.h"
#include "ctl/ctl-sse.h"
#include "ctl/ctl-table.h"
#include "ctl/ctl-util.h"
#include "util/input-json.h"

/* 2024-01-02T03:04:05Z */
#define NOW_USEC (G_GINT64_CONSTANT(1704164645) * G_USEC_PER_SEC)

static JsonNode *
parse_json(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();

    ck_assert(json_parser_load_from_data(parser, text, -1, NULL));
    return json_parser_steal_root(parser);
}

static void
assert_usage_error(GError *error, const char *message)
{
    ck_assert_ptr_nonnull(error);
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE));
    ck_assert_str_eq(error->message, message);
}

/* ---- tables ---------------------------------------------------------------- */

START_TEST(test_table_aligns_columns)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("ID", "STATE", "IMAGE", NULL);
    const char *r1[] = { "a1", "running", "demo-arena" };
    const char *r2[] = { "b22222", "failed", "x" };
    g_autofree char *out = NULL;

    gh_ctl_table_add_row(t, r1);
    gh_ctl_table_add_row(t, r2);
    out = gh_ctl_table_render(t);
    ck_assert_str_eq(out, "ID      STATE    IMAGE\n"
                          "a1      running  demo-arena\n"
                          "b22222  failed   x\n");
}
END_TEST

START_TEST(test_table_shows_dash_for_missing_cells)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("A", "B", "C", NULL);
    const char *row[] = { NULL, "", "c" };
    g_autofree char *out = NULL;

    gh_ctl_table_add_row(t, row);
    out = gh_ctl_table_render(t);
    ck_assert_str_eq(out, "A  B  C\n-  -  c\n");
}
END_TEST

START_TEST(test_table_lines_never_end_in_space)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("NAME", "NOTE", NULL);
    const char *row[] = { "x", "trailing  " };
    g_autofree char *out = NULL;

    gh_ctl_table_add_row(t, row);
    out = gh_ctl_table_render(t);
    ck_assert_str_eq(out, "NAME  NOTE\nx     trailing\n");
}
END_TEST

START_TEST(test_table_aligns_wide_characters)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("TITLE", "BOOT", NULL);
    const char *r1[] = { "\xe6\x88\xa6\xe9\x97\x98", "disk" };   /* two CJK characters: 4 columns */
    const char *r2[] = { "arena", "kernel" };
    g_autofree char *out = NULL;

    gh_ctl_table_add_row(t, r1);
    gh_ctl_table_add_row(t, r2);
    out = gh_ctl_table_render(t);
    ck_assert_str_eq(out, "TITLE  BOOT\n"
                          "\xe6\x88\xa6\xe9\x97\x98   disk\n"
                          "arena  kernel\n");
}
END_TEST

START_TEST(test_table_replaces_control_characters)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("REASON", NULL);
    const char *row[] = { "red\x1b[31m\nnext\tline\xff" };
    g_autofree char *out = NULL;

    gh_ctl_table_add_row(t, row);
    out = gh_ctl_table_render(t);
    ck_assert_str_eq(out, "REASON\nred?[31m next line?\n");
}
END_TEST

START_TEST(test_table_without_rows_prints_headers)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new("ID", "STATE", NULL);
    g_autofree char *out = gh_ctl_table_render(t);

    ck_assert_str_eq(out, "ID  STATE\n");
    ck_assert_uint_eq(gh_ctl_table_n_rows(t), 0);
}
END_TEST

START_TEST(test_table_kv_aligns_values)
{
    g_autoptr(GhCtlTable) t = gh_ctl_table_new_kv();
    g_autofree char *out = NULL;

    gh_ctl_table_add_kv(t, "id", "demo");
    gh_ctl_table_add_kv(t, "memory", "64 MiB");
    gh_ctl_table_add_kv(t, "gpu", NULL);
    out = gh_ctl_table_render(t);
    ck_assert_str_eq(out, "id:      demo\nmemory:  64 MiB\ngpu:     -\n");
}
END_TEST

/* ---- durations ---------------------------------------------------------------- */

static void
assert_duration(gint64 seconds, const char *expected)
{
    g_autofree char *text = gh_ctl_format_duration(seconds);

    ck_assert_str_eq(text, expected);
}

START_TEST(test_duration_under_a_minute_is_seconds)
{
    assert_duration(0, "0s");
    assert_duration(59, "59s");
}
END_TEST

START_TEST(test_duration_under_an_hour_is_minutes_and_seconds)
{
    assert_duration(60, "1m");
    assert_duration(303, "5m3s");
    assert_duration(3599, "59m59s");
}
END_TEST

START_TEST(test_duration_under_a_day_is_hours_and_minutes)
{
    assert_duration(3600, "1h");
    assert_duration(2 * 3600 + 5 * 60 + 59, "2h5m");
}
END_TEST

START_TEST(test_duration_of_days_is_days_and_hours)
{
    assert_duration(86400, "1d");
    assert_duration(3 * 86400 + 4 * 3600 + 59, "3d4h");
}
END_TEST

START_TEST(test_duration_negative_reads_as_zero)
{
    assert_duration(-5, "0s");
}
END_TEST

START_TEST(test_age_of_rfc3339_time)
{
    g_autofree char *age = gh_ctl_format_age("2024-01-02T02:59:00Z", NOW_USEC);
    g_autofree char *offset = gh_ctl_format_age("2024-01-02T04:03:05+01:00", NOW_USEC);
    g_autofree char *usec = gh_ctl_format_age("2024-01-02T03:03:59.999999Z", NOW_USEC);

    ck_assert_str_eq(age, "5m5s");
    ck_assert_str_eq(offset, "1m");
    ck_assert_str_eq(usec, "5s");
}
END_TEST

START_TEST(test_age_of_null_is_dash_and_of_garbage_is_question_mark)
{
    g_autofree char *none = gh_ctl_format_age(NULL, NOW_USEC);
    g_autofree char *bad = gh_ctl_format_age("yesterday", NOW_USEC);

    ck_assert_str_eq(none, "-");
    ck_assert_str_eq(bad, "?");
}
END_TEST

/* ---- labels ------------------------------------------------------------------- */

START_TEST(test_label_splits_at_first_equals)
{
    g_autofree char *key = NULL;
    g_autofree char *value = NULL;

    ck_assert(gh_ctl_parse_pair("--label", "region=eu=west", &key, &value, NULL));
    ck_assert_str_eq(key, "region");
    ck_assert_str_eq(value, "eu=west");
}
END_TEST

START_TEST(test_label_allows_empty_value)
{
    g_autofree char *key = NULL;
    g_autofree char *value = NULL;

    ck_assert(gh_ctl_parse_pair("--label", "flag=", &key, &value, NULL));
    ck_assert_str_eq(key, "flag");
    ck_assert_str_eq(value, "");
}
END_TEST

START_TEST(test_label_rejects_missing_equals)
{
    g_autoptr(GError) error = NULL;
    char *key = NULL;
    char *value = NULL;

    ck_assert(!gh_ctl_parse_pair("--label", "player", &key, &value, &error));
    assert_usage_error(error, "--label 'player': expected KEY=VALUE");
    ck_assert_ptr_null(key);
    ck_assert_ptr_null(value);
}
END_TEST

START_TEST(test_label_rejects_empty_key)
{
    g_autoptr(GError) error = NULL;
    char *key = NULL;
    char *value = NULL;

    ck_assert(!gh_ctl_parse_pair("--label", "=p1", &key, &value, &error));
    assert_usage_error(error, "--label '=p1': the key is empty");
}
END_TEST

START_TEST(test_label_rejects_space_in_key)
{
    g_autoptr(GError) error = NULL;
    char *key = NULL;
    char *value = NULL;

    ck_assert(!gh_ctl_parse_pair("--label", "my key=v", &key, &value, &error));
    assert_usage_error(error, "--label 'my key=v': the key contains a space");
}
END_TEST

START_TEST(test_label_rejects_control_characters)
{
    g_autoptr(GError) error = NULL;
    char *key = NULL;
    char *value = NULL;

    ck_assert(!gh_ctl_parse_pair("--label", "k=a\nb", &key, &value, &error));
    assert_usage_error(error, "--label: contains control characters or invalid UTF-8");
}
END_TEST

START_TEST(test_label_rejects_key_given_twice)
{
    g_autoptr(GHashTable) labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GError) error = NULL;

    ck_assert(gh_ctl_add_pair(labels, "--label", "player=p1", NULL));
    ck_assert(!gh_ctl_add_pair(labels, "--label", "player=p2", &error));
    assert_usage_error(error, "--label: key 'player' given twice");
    ck_assert_str_eq(g_hash_table_lookup(labels, "player"), "p1");
}
END_TEST

START_TEST(test_pair_errors_name_the_option_given)
{
    g_autoptr(GHashTable) options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GError) twice = NULL;
    g_autoptr(GError) bare = NULL;

    ck_assert(gh_ctl_add_pair(options, "--stream-option", "bitrate=8M", NULL));
    ck_assert(!gh_ctl_add_pair(options, "--stream-option", "bitrate=4M", &twice));
    assert_usage_error(twice, "--stream-option: key 'bitrate' given twice");
    ck_assert(!gh_ctl_add_pair(options, "--capture-option", "zero_copy", &bare));
    assert_usage_error(bare, "--capture-option 'zero_copy': expected KEY=VALUE");
}
END_TEST

/* ---- the create body --------------------------------------------------------------- */

static GHashTable *
pairs_new(const char *const *kv)
{
    GHashTable *pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    for (guint i = 0; kv[i]; i += 2)
        g_hash_table_insert(pairs, g_strdup(kv[i]), g_strdup(kv[i + 1]));
    return pairs;
}

static void
assert_create_body(const GhCtlCreate *create, const char *json)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) body = gh_ctl_create_body(create, &error);
    g_autofree char *text = NULL;

    ck_assert_msg(body != NULL, "unexpected error: %s", error ? error->message : "?");
    text = json_to_string(body, FALSE);
    ck_assert_str_eq(text, json);
}

START_TEST(test_create_body_of_image_alone)
{
    GhCtlCreate create = { .image = "demo-arena" };

    assert_create_body(&create, "{\"image\":\"demo-arena\"}");
}
END_TEST

START_TEST(test_create_body_gives_labels_in_key_order)
{
    static const char *const kv[] = { "region", "eu", "player", "p1", NULL };
    g_autoptr(GHashTable) labels = pairs_new(kv);
    GhCtlCreate create = { .image = "demo-arena", .labels = labels };

    assert_create_body(&create, "{\"image\":\"demo-arena\",\"labels\":{\"player\":\"p1\",\"region\":\"eu\"}}");
}
END_TEST

START_TEST(test_create_body_names_backends_without_options)
{
    static const char *const none[] = { NULL };
    g_autoptr(GHashTable) empty = pairs_new(none);
    GhCtlCreate create = { .image = "demo-arena",
                           .backends = { "capture.relay", "stream.webrtc", "input.qmp" },
                           .options = { empty, NULL, NULL } };

    assert_create_body(&create, "{\"image\":\"demo-arena\",\"capture\":\"capture.relay\","
                                "\"stream\":\"stream.webrtc\",\"input\":\"input.qmp\"}");
}
END_TEST

START_TEST(test_create_body_gives_backend_with_options_as_object)
{
    static const char *const kv[] = { "path", "/srv/rec.mkv", "container", "matroska", NULL };
    g_autoptr(GHashTable) options = pairs_new(kv);
    GhCtlCreate create = { .image = "demo-arena",
                           .backends = { "capture.relay", "stream.record", NULL },
                           .options = { NULL, options, NULL } };

    assert_create_body(&create, "{\"image\":\"demo-arena\",\"capture\":\"capture.relay\","
                                "\"stream\":{\"backend\":\"stream.record\","
                                "\"options\":{\"container\":\"matroska\",\"path\":\"/srv/rec.mkv\"}}}");
}
END_TEST

START_TEST(test_create_body_refuses_options_without_their_backend)
{
    static const char *const kv[] = { "zero_copy", "0", NULL };
    g_autoptr(GHashTable) options = pairs_new(kv);
    GhCtlCreate create = { .image = "demo-arena", .backends = { NULL, "stream.webrtc", NULL },
                           .options = { options, NULL, NULL } };
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) body = gh_ctl_create_body(&create, &error);

    ck_assert_ptr_null(body);
    assert_usage_error(error, "--capture-option needs --capture BACKEND");
}
END_TEST

/* ---- other arguments ------------------------------------------------------------ */

START_TEST(test_state_accepts_each_session_state)
{
    const char *states[] = { "starting", "running", "stopping", "stopped", "failed" };

    for (guint i = 0; i < G_N_ELEMENTS(states); i++)
        ck_assert(gh_ctl_check_state(states[i], NULL));
}
END_TEST

START_TEST(test_state_rejects_unknown_state)
{
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_ctl_check_state("Running", &error));
    assert_usage_error(error, "--state 'Running': expected one of starting, running, stopping, stopped, failed");
}
END_TEST

START_TEST(test_id_accepts_uuid_and_image_names)
{
    ck_assert(gh_ctl_check_id("session id", "3f2a9c1e-0000-4000-8000-000000000001", NULL));
    ck_assert(gh_ctl_check_id("image id", "demo-arena", NULL));
}
END_TEST

START_TEST(test_id_rejects_path_tricks)
{
    const char *bad[] = { "", ".", "..", "a/b", "a\x01" };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        ck_assert(!gh_ctl_check_id("session id", bad[i], &error));
        ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE));
        ck_assert(g_str_has_prefix(error->message, "session id "));
    }
}
END_TEST

START_TEST(test_id_rejects_oversized_id)
{
    g_autofree char *long_id = g_strnfill(257, 'a');
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_ctl_check_id("image id", long_id, &error));
    assert_usage_error(error, "image id is too long");
}
END_TEST

START_TEST(test_path_escapes_id_as_one_segment)
{
    g_autofree char *path = gh_ctl_path_with_id("/v1/sessions", "a b?c#d%");

    ck_assert_str_eq(path, "/v1/sessions/a%20b%3Fc%23d%25");
}
END_TEST

START_TEST(test_idempotency_key_accepts_visible_ascii)
{
    ck_assert(gh_ctl_check_idempotency_key("order-42:retry", NULL));
}
END_TEST

START_TEST(test_idempotency_key_rejects_header_breaking_values)
{
    g_autofree char *huge = g_strnfill(256, 'k');
    const char *bad[] = { "", "a b", "a\r\nX-Evil: 1", "caf\xc3\xa9", huge };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        ck_assert(!gh_ctl_check_idempotency_key(bad[i], &error));
        ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE));
    }
}
END_TEST

START_TEST(test_timeout_accepts_whole_seconds)
{
    guint s = 99;

    ck_assert(gh_ctl_parse_timeout("0", &s, NULL));
    ck_assert_uint_eq(s, 0);
    ck_assert(gh_ctl_parse_timeout("86400", &s, NULL));
    ck_assert_uint_eq(s, 86400);
}
END_TEST

START_TEST(test_timeout_rejects_other_values)
{
    const char *bad[] = { "", "-1", "1.5", "30s", "86401", " 3", "99999999999999999999" };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        guint s = 7;
        ck_assert(!gh_ctl_parse_timeout(bad[i], &s, &error));
        ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE));
        ck_assert_uint_eq(s, 7);
    }
}
END_TEST

START_TEST(test_url_loses_trailing_slashes_and_keeps_prefix)
{
    g_autofree char *plain = gh_ctl_normalize_url("http://127.0.0.1:8470/", NULL);
    g_autofree char *prefixed = gh_ctl_normalize_url("https://gh.example:443/api//", NULL);

    ck_assert_str_eq(plain, "http://127.0.0.1:8470");
    ck_assert_str_eq(prefixed, "https://gh.example:443/api");
}
END_TEST

START_TEST(test_url_rejects_other_schemes_and_queries)
{
    const char *bad[] = { "ftp://host", "127.0.0.1:8470", "http://", "http://h/?x=1", "http://h/#f", "" };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *url = gh_ctl_normalize_url(bad[i], &error);
        ck_assert_ptr_null(url);
        ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE));
    }
}
END_TEST

START_TEST(test_url_is_option_then_environment_then_default)
{
    ck_assert_str_eq(gh_ctl_pick_url("http://a:1", "http://b:2"), "http://a:1");
    ck_assert_str_eq(gh_ctl_pick_url(NULL, "http://b:2"), "http://b:2");
    ck_assert_str_eq(gh_ctl_pick_url(NULL, ""), GH_CTL_DEFAULT_URL);
    ck_assert_str_eq(gh_ctl_pick_url("", "http://b:2"), GH_CTL_DEFAULT_URL);
    ck_assert_str_eq(gh_ctl_pick_url(NULL, NULL), GH_CTL_DEFAULT_URL);
}
END_TEST

START_TEST(test_url_for_display_hides_password)
{
    g_autofree char *shown = gh_ctl_url_for_display("http://op:hunter2@gh.example:8470");

    ck_assert_str_eq(shown, "http://op@gh.example:8470");
}
END_TEST

/* ---- token ---------------------------------------------------------------------- */

static char *
write_temp(const char *contents)
{
    g_autoptr(GError) error = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("test_ctl-XXXXXX", &path, &error);

    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert(g_file_set_contents(path, contents, -1, NULL));
    return path;
}

START_TEST(test_token_file_gives_first_line_that_is_not_a_comment)
{
    g_autofree char *path = write_temp("# generated by gamehostd\n\n  0123456789abcdef  \nsecond-token-000000\n");
    g_autofree char *token = gh_ctl_read_token_file(path, NULL);

    ck_assert_str_eq(token, "0123456789abcdef");
    g_unlink(path);
}
END_TEST

START_TEST(test_token_file_without_token_is_an_error)
{
    g_autofree char *path = write_temp("# nothing here\n\n");
    g_autoptr(GError) error = NULL;
    g_autofree char *token = gh_ctl_read_token_file(path, &error);
    g_autofree char *expected = g_strdup_printf("token file '%s' holds no token", path);

    ck_assert_ptr_null(token);
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED));
    ck_assert_str_eq(error->message, expected);
    g_unlink(path);
}
END_TEST

START_TEST(test_token_option_wins_over_environment_and_files)
{
    g_autofree char *path = write_temp("from-file-0123456\n");
    const char *defaults[] = { path, NULL };
    g_autofree char *token = NULL;

    ck_assert(gh_ctl_resolve_token("from-option", "from-env", path, defaults, &token, NULL));
    ck_assert_str_eq(token, "from-option");
    g_unlink(path);
}
END_TEST

START_TEST(test_token_environment_wins_over_token_file)
{
    g_autofree char *path = write_temp("from-file-0123456\n");
    g_autofree char *token = NULL;

    ck_assert(gh_ctl_resolve_token(NULL, "from-env", path, NULL, &token, NULL));
    ck_assert_str_eq(token, "from-env");
    g_unlink(path);
}
END_TEST

START_TEST(test_token_empty_environment_is_ignored)
{
    g_autofree char *path = write_temp("from-file-0123456\n");
    g_autofree char *token = NULL;

    ck_assert(gh_ctl_resolve_token(NULL, "", path, NULL, &token, NULL));
    ck_assert_str_eq(token, "from-file-0123456");
    g_unlink(path);
}
END_TEST

START_TEST(test_token_unreadable_token_file_option_is_an_error)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *token = NULL;

    ck_assert(!gh_ctl_resolve_token(NULL, NULL, "/nonexistent/api-token", NULL, &token, &error));
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED));
    ck_assert_ptr_null(token);
}
END_TEST

START_TEST(test_token_default_files_are_tried_in_order_and_absent_means_none)
{
    g_autofree char *path = write_temp("from-default-0123\n");
    const char *both[] = { "/nonexistent/api-token", path, NULL };
    const char *none[] = { "/nonexistent/api-token", NULL };
    g_autofree char *token = NULL;
    g_autofree char *no_token = NULL;

    ck_assert(gh_ctl_resolve_token(NULL, NULL, NULL, both, &token, NULL));
    ck_assert_str_eq(token, "from-default-0123");
    ck_assert(gh_ctl_resolve_token(NULL, NULL, NULL, none, &no_token, NULL));
    ck_assert_ptr_null(no_token);
    g_unlink(path);
}
END_TEST

START_TEST(test_token_with_space_is_refused_without_being_quoted)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *token = NULL;

    ck_assert(!gh_ctl_resolve_token(NULL, "secret value\r\nX: y", NULL, NULL, &token, &error));
    assert_usage_error(error, "the token from GAMEHOST_TOKEN contains spaces, control or non-ASCII characters");
    ck_assert_ptr_null(strstr(error->message, "secret"));
}
END_TEST

/* ---- errors ------------------------------------------------------------------- */

START_TEST(test_error_body_gives_code_and_message)
{
    const char *body = "{\"error\":{\"code\":\"not_found\",\"message\":\"no session 'x'\"}}";
    g_autofree char *code = NULL;
    g_autofree char *message = NULL;

    ck_assert(gh_ctl_parse_error_body(body, -1, &code, &message));
    ck_assert_str_eq(code, "not_found");
    ck_assert_str_eq(message, "no session 'x'");
}
END_TEST

START_TEST(test_error_body_of_other_shapes_is_refused)
{
    const char *bad[] = { "", "<h1>502</h1>", "[]", "{\"error\":\"x\"}", "{\"error\":{\"message\":\"m\"}}",
                          "{\"error\":{\"code\":7,\"message\":\"m\"}}", "{\"error\":{\"code\":\"\"}}" };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *code = NULL;
        char *message = NULL;
        ck_assert(!gh_ctl_parse_error_body(bad[i], -1, &code, &message));
        ck_assert_ptr_null(code);
        ck_assert_ptr_null(message);
    }
}
END_TEST

START_TEST(test_api_error_reads_status_code_and_message)
{
    const char *body = "{\"error\":{\"code\":\"draining\",\"message\":\"host is draining\"}}";
    g_autofree char *text = gh_ctl_format_api_error(503, "Service Unavailable", body, strlen(body));

    ck_assert_str_eq(text, "503 draining: host is draining");
}
END_TEST

START_TEST(test_api_error_without_message_is_status_and_code)
{
    const char *body = "{\"error\":{\"code\":\"conflict\"}}";
    g_autofree char *text = gh_ctl_format_api_error(409, "Conflict", body, strlen(body));

    ck_assert_str_eq(text, "409 conflict");
}
END_TEST

START_TEST(test_api_error_without_error_body_uses_reason_phrase)
{
    g_autofree char *text = gh_ctl_format_api_error(502, "Bad Gateway", "<h1>bad</h1>", 12);
    g_autofree char *bare = gh_ctl_format_api_error(599, NULL, NULL, 0);

    ck_assert_str_eq(text, "502 Bad Gateway: the response carries no error details");
    ck_assert_str_eq(bare, "599: the response carries no error details");
}
END_TEST

START_TEST(test_api_error_strips_terminal_escapes)
{
    const char *body = "{\"error\":{\"code\":\"bad\\u001b]0;x\",\"message\":\"a\\u001b[2Jb\\nc\"}}";
    g_autofree char *text = gh_ctl_format_api_error(400, "Bad Request", body, strlen(body));

    ck_assert_str_eq(text, "400 bad?]0;x: a?[2Jb c");
}
END_TEST

START_TEST(test_exit_codes_follow_error_kinds)
{
    g_autoptr(GError) usage = g_error_new_literal(GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "u");
    g_autoptr(GError) api = g_error_new_literal(GH_CTL_ERROR, GH_CTL_ERROR_API, "a");
    g_autoptr(GError) connect = g_error_new_literal(GH_CTL_ERROR, GH_CTL_ERROR_CONNECT, "c");
    g_autoptr(GError) other = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "o");

    ck_assert_int_eq(gh_ctl_exit_code(NULL), 0);
    ck_assert_int_eq(gh_ctl_exit_code(usage), 64);
    ck_assert_int_eq(gh_ctl_exit_code(api), 1);
    ck_assert_int_eq(gh_ctl_exit_code(connect), 2);
    ck_assert_int_eq(gh_ctl_exit_code(other), 1);
}
END_TEST

/* ---- --wait ------------------------------------------------------------------- */

START_TEST(test_wait_for_running_ends_on_running_or_any_way_down)
{
    ck_assert_int_eq(gh_ctl_wait_check("running", "starting"), GH_CTL_WAIT_MORE);
    ck_assert_int_eq(gh_ctl_wait_check("running", NULL), GH_CTL_WAIT_MORE);
    ck_assert_int_eq(gh_ctl_wait_check("running", "running"), GH_CTL_WAIT_REACHED);
    ck_assert_int_eq(gh_ctl_wait_check("running", "failed"), GH_CTL_WAIT_FAILED);
    ck_assert_int_eq(gh_ctl_wait_check("running", "stopping"), GH_CTL_WAIT_FAILED);
    ck_assert_int_eq(gh_ctl_wait_check("running", "stopped"), GH_CTL_WAIT_FAILED);
}
END_TEST

START_TEST(test_wait_for_stopped_ends_on_stopped_or_failed)
{
    ck_assert_int_eq(gh_ctl_wait_check("stopped", "running"), GH_CTL_WAIT_MORE);
    ck_assert_int_eq(gh_ctl_wait_check("stopped", "stopping"), GH_CTL_WAIT_MORE);
    ck_assert_int_eq(gh_ctl_wait_check("stopped", "stopped"), GH_CTL_WAIT_REACHED);
    ck_assert_int_eq(gh_ctl_wait_check("stopped", "failed"), GH_CTL_WAIT_FAILED);
}
END_TEST

/* ---- event stream -------------------------------------------------------------- */

typedef struct {
    GString *seen;       /* "event|id|data\n" per event */
    guint stop_after;    /* 0: never */
    guint count;
} SseLog;

static gboolean
sse_record(const char *event, const char *data, const char *id, gpointer user_data)
{
    SseLog *log = user_data;

    g_string_append_printf(log->seen, "%s|%s|%s\n", event, id ? id : "(none)", data);
    log->count++;
    return log->stop_after == 0 || log->count < log->stop_after;
}

/* Feeds text in chunks of chunk bytes and returns what was dispatched. */
static char *
sse_run(const char *text, gsize chunk)
{
    SseLog log = { g_string_new(NULL), 0, 0 };
    g_autoptr(GhCtlSse) sse = gh_ctl_sse_new(sse_record, &log);
    gsize len = strlen(text);

    for (gsize off = 0; off < len; off += chunk)
        ck_assert(gh_ctl_sse_feed(sse, text + off, MIN(chunk, len - off), NULL));
    return g_string_free(log.seen, FALSE);
}

START_TEST(test_sse_dispatches_event_on_blank_line)
{
    g_autofree char *seen = sse_run("id: 1\nevent: session\ndata: {\"a\":1}\n\n", 4096);

    ck_assert_str_eq(seen, "session|1|{\"a\":1}\n");
}
END_TEST

START_TEST(test_sse_accepts_crlf_and_cr_line_ends)
{
    g_autofree char *crlf = sse_run("event: a\r\ndata: x\r\n\r\n", 4096);
    g_autofree char *cr = sse_run("event: b\rdata: y\r\r", 4096);

    ck_assert_str_eq(crlf, "a|(none)|x\n");
    ck_assert_str_eq(cr, "b|(none)|y\n");
}
END_TEST

START_TEST(test_sse_same_events_whatever_the_chunk_size)
{
    const char *text = ": keepalive\r\nid: 7\r\nevent: session\r\ndata: one\r\ndata: two\r\n\r\ndata:three\n\n";
    g_autofree char *whole = sse_run(text, 4096);

    ck_assert_str_eq(whole, "session|7|one\ntwo\nmessage|7|three\n");
    for (gsize chunk = 1; chunk < 8; chunk++) {
        g_autofree char *split = sse_run(text, chunk);
        ck_assert_str_eq(split, whole);
    }
}
END_TEST

START_TEST(test_sse_ignores_comments_and_events_without_data)
{
    g_autofree char *seen = sse_run(": ping\n\nevent: lonely\n\nretry: 10\nfoo: bar\ndata\n\n", 4096);

    ck_assert_str_eq(seen, "message|(none)|\n");
}
END_TEST

START_TEST(test_sse_refuses_overlong_line)
{
    SseLog log = { g_string_new(NULL), 0, 0 };
    g_autoptr(GhCtlSse) sse = gh_ctl_sse_new(sse_record, &log);
    g_autofree char *big = g_strnfill(GH_CTL_SSE_MAX_LINE + 1, 'x');
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_ctl_sse_feed(sse, big, strlen(big), &error));
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED));
    ck_assert_str_eq(error->message, "event stream: a line is longer than 1048576 bytes");
    g_string_free(log.seen, TRUE);
}
END_TEST

START_TEST(test_sse_refuses_event_with_too_much_data)
{
    SseLog log = { g_string_new(NULL), 0, 0 };
    g_autoptr(GhCtlSse) sse = gh_ctl_sse_new(sse_record, &log);
    g_autofree char *half = g_strnfill(GH_CTL_SSE_MAX_DATA / 2, 'x');
    g_autofree char *line = g_strconcat("data: ", half, "\n", NULL);
    g_autoptr(GError) error = NULL;

    ck_assert(gh_ctl_sse_feed(sse, line, strlen(line), NULL));
    ck_assert(!gh_ctl_sse_feed(sse, line, strlen(line), &error));
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED));
    ck_assert_uint_eq(log.count, 0);
    g_string_free(log.seen, TRUE);
}
END_TEST

START_TEST(test_sse_stops_when_callback_says_so)
{
    SseLog log = { g_string_new(NULL), 1, 0 };
    g_autoptr(GhCtlSse) sse = gh_ctl_sse_new(sse_record, &log);
    const char *text = "data: 1\n\ndata: 2\n\n";
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_ctl_sse_feed(sse, text, strlen(text), &error));
    ck_assert_ptr_null(error);
    ck_assert_str_eq(log.seen->str, "message|(none)|1\n");
    g_string_free(log.seen, TRUE);
}
END_TEST

/* ---- rendering ------------------------------------------------------------------ */

#define SESSION_JSON(state, reason)                                                                          \
    "{\"id\":\"3f2a9c1e-0000-4000-8000-000000000001\",\"image\":\"demo-arena\",\"state\":\"" state "\","    \
    "\"reason\":" reason ",\"domain\":\"gh-3f2a9c1e-0000-4000-8000-000000000001\","                         \
    "\"created_at\":\"2024-01-02T02:59:00Z\",\"started_at\":\"2024-01-02T03:00:00Z\",\"stopped_at\":null,"  \
    "\"labels\":{\"region\":\"eu\",\"player\":\"p1\"},\"serial_log\":\"/srv/s/serial.log\","                 \
    "\"vnc_socket\":\"/srv/s/vnc.sock\",\"adopted\":false}"

START_TEST(test_render_host_as_key_value_lines)
{
    g_autoptr(JsonNode) host = parse_json(
        "{\"version\":\"0.1.0\",\"hostname\":\"gh-01\",\"libvirt_uri\":\"qemu:///system\",\"domain_type\":\"kvm\","
        "\"capacity\":8,\"active_sessions\":1,\"draining\":true,"
        "\"sessions_by_state\":{\"running\":1,\"paused\":2,\"starting\":0}}");
    g_autofree char *out = gh_ctl_render_host(host, NULL);

    ck_assert_str_eq(out, "version:          0.1.0\n"
                          "hostname:         gh-01\n"
                          "libvirt:          qemu:///system\n"
                          "domain type:      kvm\n"
                          "capacity:         8\n"
                          "active sessions:  1\n"
                          "draining:         yes\n"
                          "sessions:         starting=0 running=1 paused=2\n");
}
END_TEST

START_TEST(test_render_images_with_problems)
{
    g_autoptr(JsonNode) reply = parse_json(
        "{\"images\":[{\"id\":\"demo-arena\",\"title\":\"Demo Arena\",\"version\":\"1.0\",\"boot\":\"kernel\","
        "\"profile\":{\"id\":\"handheld-1\",\"display\":{\"width\":640,\"height\":480,\"refresh\":60}}},"
        "{\"id\":\"bare\"}],"
        "\"problems\":[{\"file\":\"images/bad.xml\",\"line\":12,\"reason\":\"missing kernel\"}]}");
    g_autofree char *out = gh_ctl_render_images(reply, NULL);

    ck_assert_str_eq(out, "ID          TITLE       BOOT    PROFILE     DISPLAY\n"
                          "demo-arena  Demo Arena  kernel  handheld-1  640x480@60\n"
                          "bare        -           -       -           -\n"
                          "\n"
                          "Invalid manifests:\n"
                          "FILE            LINE  REASON\n"
                          "images/bad.xml  12    missing kernel\n");
}
END_TEST

START_TEST(test_render_images_without_problems_is_one_table)
{
    g_autoptr(JsonNode) reply = parse_json("{\"images\":[],\"problems\":[]}");
    g_autofree char *out = gh_ctl_render_images(reply, NULL);

    ck_assert_str_eq(out, "ID  TITLE  BOOT  PROFILE  DISPLAY\n");
}
END_TEST

START_TEST(test_render_image_details)
{
    g_autoptr(JsonNode) image = parse_json(
        "{\"id\":\"demo-arena\",\"title\":\"Demo Arena\",\"version\":\"1.0\",\"boot\":\"disk\",\"firmware\":\"uefi\","
        "\"profile\":{\"id\":\"console-4k\",\"title\":\"Console 4K\",\"vcpus\":4,\"memory_mib\":8192,"
        "\"display\":{\"width\":3840,\"height\":2160,\"refresh\":59.94},\"controllers\":[\"pad\",\"pad\"],"
        "\"gpu\":\"discrete\"},\"capture\":[\"relay\"]}");
    g_autofree char *out = gh_ctl_render_image(image, NULL);

    ck_assert_str_eq(out, "id:           demo-arena\n"
                          "title:        Demo Arena\n"
                          "version:      1.0\n"
                          "boot:         disk\n"
                          "firmware:     uefi\n"
                          "profile:      console-4k (Console 4K)\n"
                          "vcpus:        4\n"
                          "memory:       8192 MiB\n"
                          "display:      3840x2160@59.94\n"
                          "controllers:  pad, pad\n"
                          "gpu:          discrete\n"
                          "capture:      relay\n");
}
END_TEST

START_TEST(test_render_sessions_table)
{
    g_autoptr(JsonNode) reply = parse_json("{\"sessions\":[" SESSION_JSON("running", "null") ","
                                           "{\"id\":\"b\",\"state\":\"failed\",\"image\":\"x\","
                                           "\"created_at\":\"2024-01-01T03:04:05Z\",\"reason\":\"no GPU free\"}]}");
    g_autofree char *out = gh_ctl_render_sessions(reply, NOW_USEC, NULL);

    ck_assert_str_eq(out, "ID                                    STATE    IMAGE       AGE   REASON\n"
                          "3f2a9c1e-0000-4000-8000-000000000001  running  demo-arena  5m5s  -\n"
                          "b                                     failed   x           1d    no GPU free\n");
}
END_TEST

START_TEST(test_render_session_details)
{
    g_autoptr(JsonNode) session = parse_json(SESSION_JSON("failed", "\"qemu exited\""));
    g_autofree char *out = gh_ctl_render_session(session, NOW_USEC, NULL);

    ck_assert_str_eq(out, "id:          3f2a9c1e-0000-4000-8000-000000000001\n"
                          "image:       demo-arena\n"
                          "state:       failed\n"
                          "reason:      qemu exited\n"
                          "domain:      gh-3f2a9c1e-0000-4000-8000-000000000001\n"
                          "created:     2024-01-02T02:59:00Z (5m5s ago)\n"
                          "started:     2024-01-02T03:00:00Z (4m5s ago)\n"
                          "stopped:     -\n"
                          "labels:      player=p1, region=eu\n"
                          "serial log:  /srv/s/serial.log\n"
                          "vnc socket:  /srv/s/vnc.sock\n"
                          "adopted:     no\n");
}
END_TEST

#define CREATED_JSON(url) "{\"id\":\"s1\",\"state\":\"starting\",\"player\":{\"token\":\"t\",\"url\":" url "}}"

START_TEST(test_render_player_link_is_absolute_on_the_daemon_url)
{
    g_autoptr(JsonNode) created = parse_json(CREATED_JSON("\"/play/s1?token=abc\""));
    g_autofree char *plain = gh_ctl_render_player_link(created, "http://127.0.0.1:8470");
    g_autofree char *prefixed = gh_ctl_render_player_link(created, "https://op:pw@gh.example:8443/host7");

    ck_assert_str_eq(plain, "http://127.0.0.1:8470/play/s1?token=abc");
    ck_assert_str_eq(prefixed, "https://gh.example:8443/host7/play/s1?token=abc");
}
END_TEST

START_TEST(test_render_player_link_absent_without_a_player_path)
{
    g_autoptr(JsonNode) session = parse_json(SESSION_JSON("running", "null"));
    g_autoptr(JsonNode) absolute = parse_json(CREATED_JSON("\"http://elsewhere/play\""));
    g_autoptr(JsonNode) number = parse_json(CREATED_JSON("7"));
    g_autoptr(JsonNode) escapes = parse_json(CREATED_JSON("\"/play/s1?token=\\u001b[2J\""));
    g_autofree char *safe = gh_ctl_render_player_link(escapes, "http://h:1");

    ck_assert_ptr_null(gh_ctl_render_player_link(session, "http://h:1"));
    ck_assert_ptr_null(gh_ctl_render_player_link(absolute, "http://h:1"));
    ck_assert_ptr_null(gh_ctl_render_player_link(number, "http://h:1"));
    ck_assert_str_eq(safe, "http://h:1/play/s1?token=?[2J");
}
END_TEST

START_TEST(test_render_refuses_reply_of_wrong_shape)
{
    g_autoptr(JsonNode) array = parse_json("[1,2]");
    g_autoptr(JsonNode) no_list = parse_json("{\"items\":[]}");
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autofree char *o1 = gh_ctl_render_host(array, &e1);
    g_autofree char *o2 = gh_ctl_render_sessions(no_list, NOW_USEC, &e2);

    ck_assert_ptr_null(o1);
    ck_assert_str_eq(e1->message, "unexpected reply from the daemon: the host is not a JSON object");
    ck_assert_ptr_null(o2);
    ck_assert_str_eq(e2->message, "unexpected reply from the daemon: no 'sessions' array");
}
END_TEST

START_TEST(test_render_event_session_created)
{
    const char *data = "{\"type\":\"session.created\",\"previous\":null,\"session\":" SESSION_JSON("starting", "null") "}";
    g_autofree char *line = gh_ctl_render_event("session", data, NOW_USEC, FALSE, NULL);

    ck_assert_str_eq(line, "2024-01-02T03:04:05Z session.created 3f2a9c1e-0000-4000-8000-000000000001 "
                           "demo-arena starting\n");
}
END_TEST

START_TEST(test_render_event_state_change_with_reason)
{
    const char *data = "{\"type\":\"session.state\",\"previous\":\"starting\",\"session\":"
                       SESSION_JSON("failed", "\"qemu exited\\u001b[0m\"") "}";
    g_autofree char *line = gh_ctl_render_event("session", data, NOW_USEC, FALSE, NULL);

    ck_assert_str_eq(line, "2024-01-02T03:04:05Z session.state 3f2a9c1e-0000-4000-8000-000000000001 "
                           "demo-arena starting -> failed (qemu exited?[0m)\n");
}
END_TEST

START_TEST(test_render_event_of_unknown_kind_shows_its_data)
{
    g_autofree char *line = gh_ctl_render_event("host", "{\"type\":\"host.drain\",\"draining\":true}", NOW_USEC,
                                                FALSE, NULL);
    g_autofree char *untyped = gh_ctl_render_event("ping", "{}", NOW_USEC, FALSE, NULL);

    ck_assert_str_eq(line, "2024-01-02T03:04:05Z host.drain {\"type\":\"host.drain\",\"draining\":true}\n");
    ck_assert_str_eq(untyped, "2024-01-02T03:04:05Z ping {}\n");
}
END_TEST

START_TEST(test_render_event_as_json_is_one_line)
{
    g_autofree char *line = gh_ctl_render_event("session", "{\n  \"type\" : \"session.created\"\n}", NOW_USEC,
                                                TRUE, NULL);

    ck_assert_str_eq(line, "{\"type\":\"session.created\"}\n");
}
END_TEST

START_TEST(test_render_event_refuses_data_that_is_not_json)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *line = gh_ctl_render_event("session", "not json", NOW_USEC, FALSE, &error);

    ck_assert_ptr_null(line);
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED));
    ck_assert(g_str_has_prefix(error->message, "event 'session' does not carry JSON: "));
}
END_TEST

START_TEST(test_render_json_is_pretty_printed)
{
    g_autoptr(JsonNode) node = parse_json("{\"a\":[1]}");
    g_autofree char *out = gh_ctl_render_json(node);

    ck_assert_str_eq(out, "{\n  \"a\" : [\n    1\n  ]\n}\n");
}
END_TEST

/* GET /v1/gpus: an assignable L4 claimed by a session, its unbound twin
 * refused for its shared group, and a VF with little known about it. */
#define GPUS_JSON                                                                                            \
    "{\"iommu_enabled\":true,\"vfio_available\":true,\"gpus\":["                                              \
    "{\"address\":\"0000:01:00.0\",\"class\":\"0x030200\",\"vendor\":\"10de\",\"device\":\"27b8\","           \
    "\"driver\":\"vfio-pci\",\"iommu_group\":12,\"companions\":[\"0000:01:00.1\"],\"numa_node\":0,"           \
    "\"link\":{\"speed\":\"16.0 GT/s PCIe\",\"width\":16},\"alias\":\"l4\",\"verdict\":\"assignable\","         \
    "\"reason\":\"assignable\",\"claimed_by\":\"3f2a9c1e-0000-4000-8000-000000000001\",\"vfs\":[],"            \
    "\"physfn\":null,\"mdev_types\":[]},"                                                                    \
    "{\"address\":\"0000:02:00.0\",\"class\":\"0x030200\",\"vendor\":\"10de\",\"device\":\"27b8\","           \
    "\"driver\":null,\"iommu_group\":14,\"companions\":[],\"numa_node\":1,"                                   \
    "\"link\":{\"speed\":\"8.0 GT/s PCIe\",\"width\":8},\"alias\":\"l4\",\"verdict\":\"group_shared\","         \
    "\"reason\":\"IOMMU group 14 also holds 0000:02:00.1 (class 0x020000, driver igb)\",\"claimed_by\":null,"  \
    "\"vfs\":[],\"physfn\":null,\"mdev_types\":[]},"                                                           \
    "{\"address\":\"0000:03:02.0\",\"class\":\"0x038000\",\"vendor\":\"1002\",\"device\":\"686c\","           \
    "\"driver\":null,\"iommu_group\":null,\"numa_node\":-1,\"link\":{\"speed\":null,\"width\":null},"           \
    "\"alias\":null,\"verdict\":\"no_iommu\",\"reason\":\"no IOMMU group: the IOMMU is off\","                   \
    "\"claimed_by\":null,\"physfn\":\"0000:03:00.0\"}]}"

START_TEST(test_render_gpus_table_then_reasons_of_refused_devices)
{
    g_autoptr(JsonNode) reply = parse_json(GPUS_JSON);
    g_autofree char *out = gh_ctl_render_gpus(reply, NULL);

    ck_assert_str_eq(out,
                     "ADDRESS       ID         DRIVER    NUMA  LINK                ALIAS  VERDICT       CLAIMED-BY\n"
                     "0000:01:00.0  10de:27b8  vfio-pci  0     16.0 GT/s PCIe x16  l4     assignable    "
                     "3f2a9c1e-0000-4000-8000-000000000001\n"
                     "0000:02:00.0  10de:27b8  -         1     8.0 GT/s PCIe x8    l4     group_shared  -\n"
                     "0000:03:02.0  1002:686c  -         -     -                   -      no_iommu      -\n"
                     "\n"
                     "Not assignable:\n"
                     "ADDRESS       REASON\n"
                     "0000:02:00.0  IOMMU group 14 also holds 0000:02:00.1 (class 0x020000, driver igb)\n"
                     "0000:03:02.0  no IOMMU group: the IOMMU is off\n");
}
END_TEST

START_TEST(test_render_gpus_all_assignable_is_one_table)
{
    g_autoptr(JsonNode) reply = parse_json(
        "{\"gpus\":[{\"address\":\"0000:41:00.0\",\"vendor\":\"10de\",\"device\":\"2236\",\"driver\":\"nvidia\","
        "\"numa_node\":0,\"link\":{\"speed\":\"16.0 GT/s PCIe\",\"width\":16},\"alias\":\"a10-8q\","
        "\"verdict\":\"assignable\",\"reason\":\"assignable\",\"claimed_by\":null}]}");
    g_autofree char *out = gh_ctl_render_gpus(reply, NULL);

    ck_assert_str_eq(out, "ADDRESS       ID         DRIVER  NUMA  LINK                ALIAS   VERDICT     CLAIMED-BY\n"
                          "0000:41:00.0  10de:2236  nvidia  0     16.0 GT/s PCIe x16  a10-8q  assignable  -\n");
}
END_TEST

START_TEST(test_render_gpus_without_gpus_prints_headers)
{
    g_autoptr(JsonNode) reply = parse_json("{\"iommu_enabled\":false,\"vfio_available\":false,\"gpus\":[]}");
    g_autofree char *out = gh_ctl_render_gpus(reply, NULL);

    ck_assert_str_eq(out, "ADDRESS  ID  DRIVER  NUMA  LINK  ALIAS  VERDICT  CLAIMED-BY\n");
}
END_TEST

START_TEST(test_render_gpus_makes_reasons_terminal_safe)
{
    g_autoptr(JsonNode) reply = parse_json(
        "{\"gpus\":[{\"address\":\"0000:01:00.0\",\"verdict\":\"driver_in_use\","
        "\"reason\":\"bound to \\u001b[31mevil\\nx\"}]}");
    g_autofree char *out = gh_ctl_render_gpus(reply, NULL);

    ck_assert(g_str_has_suffix(out, "\nNot assignable:\nADDRESS       REASON\n0000:01:00.0  bound to ?[31mevil x\n"));
}
END_TEST

START_TEST(test_render_gpus_refuses_reply_without_gpu_list)
{
    g_autoptr(JsonNode) reply = parse_json("{\"devices\":[]}");
    g_autoptr(GError) error = NULL;
    g_autofree char *out = gh_ctl_render_gpus(reply, &error);

    ck_assert_ptr_null(out);
    ck_assert_str_eq(error->message, "unexpected reply from the daemon: no 'gpus' array");
}
END_TEST

/* ---- suite -------------------------------------------------------------------- */

#define ADD(tc, fn) tcase_add_test(tc, fn)

static TCase *
tables_and_durations(void)
{
    TCase *tc = tcase_create("output");

    ADD(tc, test_table_aligns_columns);
    ADD(tc, test_table_shows_dash_for_missing_cells);
    ADD(tc, test_table_lines_never_end_in_space);
    ADD(tc, test_table_aligns_wide_characters);
    ADD(tc, test_table_replaces_control_characters);
    ADD(tc, test_table_without_rows_prints_headers);
    ADD(tc, test_table_kv_aligns_values);
    ADD(tc, test_duration_under_a_minute_is_seconds);
    ADD(tc, test_duration_under_an_hour_is_minutes_and_seconds);
    ADD(tc, test_duration_under_a_day_is_hours_and_minutes);
    ADD(tc, test_duration_of_days_is_days_and_hours);
    ADD(tc, test_duration_negative_reads_as_zero);
    ADD(tc, test_age_of_rfc3339_time);
    ADD(tc, test_age_of_null_is_dash_and_of_garbage_is_question_mark);
    return tc;
}

static TCase *
arguments(void)
{
    TCase *tc = tcase_create("arguments");

    ADD(tc, test_label_splits_at_first_equals);
    ADD(tc, test_label_allows_empty_value);
    ADD(tc, test_label_rejects_missing_equals);
    ADD(tc, test_label_rejects_empty_key);
    ADD(tc, test_label_rejects_space_in_key);
    ADD(tc, test_label_rejects_control_characters);
    ADD(tc, test_label_rejects_key_given_twice);
    ADD(tc, test_pair_errors_name_the_option_given);
    ADD(tc, test_create_body_of_image_alone);
    ADD(tc, test_create_body_gives_labels_in_key_order);
    ADD(tc, test_create_body_names_backends_without_options);
    ADD(tc, test_create_body_gives_backend_with_options_as_object);
    ADD(tc, test_create_body_refuses_options_without_their_backend);
    ADD(tc, test_state_accepts_each_session_state);
    ADD(tc, test_state_rejects_unknown_state);
    ADD(tc, test_id_accepts_uuid_and_image_names);
    ADD(tc, test_id_rejects_path_tricks);
    ADD(tc, test_id_rejects_oversized_id);
    ADD(tc, test_path_escapes_id_as_one_segment);
    ADD(tc, test_idempotency_key_accepts_visible_ascii);
    ADD(tc, test_idempotency_key_rejects_header_breaking_values);
    ADD(tc, test_timeout_accepts_whole_seconds);
    ADD(tc, test_timeout_rejects_other_values);
    ADD(tc, test_url_loses_trailing_slashes_and_keeps_prefix);
    ADD(tc, test_url_rejects_other_schemes_and_queries);
    ADD(tc, test_url_is_option_then_environment_then_default);
    ADD(tc, test_url_for_display_hides_password);
    return tc;
}

static TCase *
token_and_errors(void)
{
    TCase *tc = tcase_create("token-and-errors");

    ADD(tc, test_token_file_gives_first_line_that_is_not_a_comment);
    ADD(tc, test_token_file_without_token_is_an_error);
    ADD(tc, test_token_option_wins_over_environment_and_files);
    ADD(tc, test_token_environment_wins_over_token_file);
    ADD(tc, test_token_empty_environment_is_ignored);
    ADD(tc, test_token_unreadable_token_file_option_is_an_error);
    ADD(tc, test_token_default_files_are_tried_in_order_and_absent_means_none);
    ADD(tc, test_token_with_space_is_refused_without_being_quoted);
    ADD(tc, test_error_body_gives_code_and_message);
    ADD(tc, test_error_body_of_other_shapes_is_refused);
    ADD(tc, test_api_error_reads_status_code_and_message);
    ADD(tc, test_api_error_without_message_is_status_and_code);
    ADD(tc, test_api_error_without_error_body_uses_reason_phrase);
    ADD(tc, test_api_error_strips_terminal_escapes);
    ADD(tc, test_exit_codes_follow_error_kinds);
    ADD(tc, test_wait_for_running_ends_on_running_or_any_way_down);
    ADD(tc, test_wait_for_stopped_ends_on_stopped_or_failed);
    return tc;
}

static TCase *
events_and_rendering(void)
{
    TCase *tc = tcase_create("events-and-rendering");

    ADD(tc, test_sse_dispatches_event_on_blank_line);
    ADD(tc, test_sse_accepts_crlf_and_cr_line_ends);
    ADD(tc, test_sse_same_events_whatever_the_chunk_size);
    ADD(tc, test_sse_ignores_comments_and_events_without_data);
    ADD(tc, test_sse_refuses_overlong_line);
    ADD(tc, test_sse_refuses_event_with_too_much_data);
    ADD(tc, test_sse_stops_when_callback_says_so);
    ADD(tc, test_render_host_as_key_value_lines);
    ADD(tc, test_render_images_with_problems);
    ADD(tc, test_render_images_without_problems_is_one_table);
    ADD(tc, test_render_image_details);
    ADD(tc, test_render_sessions_table);
    ADD(tc, test_render_session_details);
    ADD(tc, test_render_player_link_is_absolute_on_the_daemon_url);
    ADD(tc, test_render_player_link_absent_without_a_player_path);
    ADD(tc, test_render_refuses_reply_of_wrong_shape);
    ADD(tc, test_render_event_session_created);
    ADD(tc, test_render_event_state_change_with_reason);
    ADD(tc, test_render_event_of_unknown_kind_shows_its_data);
    ADD(tc, test_render_event_as_json_is_one_line);
    ADD(tc, test_render_event_refuses_data_that_is_not_json);
    ADD(tc, test_render_json_is_pretty_printed);
    ADD(tc, test_render_gpus_table_then_reasons_of_refused_devices);
    ADD(tc, test_render_gpus_all_assignable_is_one_table);
    ADD(tc, test_render_gpus_without_gpus_prints_headers);
    ADD(tc, test_render_gpus_makes_reasons_terminal_safe);
    ADD(tc, test_render_gpus_refuses_reply_without_gpu_list);
    return tc;
}

/* ---- input EVENT arguments ---------------------------------------------------------- */

static void
assert_event_json(const char *arg, const char *json)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = gh_ctl_input_event(arg, &error);
    g_autofree char *text = NULL;

    ck_assert_msg(node != NULL, "%s: %s", arg, error ? error->message : "");
    text = json_to_string(node, FALSE);
    ck_assert_str_eq(text, json);
}

static void
assert_event_refused(const char *arg, const char *message)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = gh_ctl_input_event(arg, &error);

    ck_assert_msg(node == NULL, "accepted %s", arg);
    assert_usage_error(error, message);
}

START_TEST(test_input_event_key_taps_by_default)
{
    assert_event_json("key:KEY_LEFT", "{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"action\":\"tap\"}");
    assert_event_json("key:KEY_A:tap", "{\"type\":\"key\",\"code\":\"KEY_A\",\"action\":\"tap\"}");
}
END_TEST

START_TEST(test_input_event_key_down_and_up)
{
    assert_event_json("key:KEY_LEFTSHIFT:down", "{\"type\":\"key\",\"code\":\"KEY_LEFTSHIFT\",\"action\":\"press\"}");
    assert_event_json("key:KEY_LEFTSHIFT:up", "{\"type\":\"key\",\"code\":\"KEY_LEFTSHIFT\",\"action\":\"release\"}");
}
END_TEST

START_TEST(test_input_event_button)
{
    assert_event_json("button:BTN_LEFT", "{\"type\":\"button\",\"code\":\"BTN_LEFT\",\"action\":\"tap\"}");
    assert_event_json("button:BTN_RIGHT:down", "{\"type\":\"button\",\"code\":\"BTN_RIGHT\",\"action\":\"press\"}");
}
END_TEST

START_TEST(test_input_event_rel_abs_and_wheel)
{
    assert_event_json("rel:REL_X:-5", "{\"type\":\"rel\",\"code\":\"REL_X\",\"value\":-5}");
    assert_event_json("rel:REL_Y:10000", "{\"type\":\"rel\",\"code\":\"REL_Y\",\"value\":10000}");
    assert_event_json("abs:ABS_X:16384", "{\"type\":\"abs\",\"code\":\"ABS_X\",\"value\":16384}");
    assert_event_json("wheel:-1", "{\"type\":\"rel\",\"code\":\"REL_WHEEL\",\"value\":-1}");
}
END_TEST

START_TEST(test_input_event_refusals)
{
    static const char syntax[] = "expected key:KEY_NAME[:down|up|tap], button:BTN_NAME[:down|up|tap], "
                                 "rel:REL_AXIS:DELTA, abs:ABS_AXIS:VALUE or wheel:DELTA";
    g_autofree char *bare = g_strdup_printf("event 'KEY_LEFT': %s", syntax);
    g_autofree char *empty = g_strdup_printf("event '': %s", syntax);
    g_autofree char *extra = g_strdup_printf("event 'key:KEY_A:down:x': %s", syntax);
    g_autofree char *no_value = g_strdup_printf("event 'rel:REL_X': %s", syntax);
    g_autofree char *wheel = g_strdup_printf("event 'wheel': %s", syntax);

    assert_event_refused("KEY_LEFT", bare);
    assert_event_refused("", empty);
    assert_event_refused("key:KEY_A:down:x", extra);
    assert_event_refused("rel:REL_X", no_value);
    assert_event_refused("wheel", wheel);
    assert_event_refused("key:KEY_NOPE", "event 'key:KEY_NOPE': unknown key 'KEY_NOPE'");
    assert_event_refused("key:BTN_LEFT", "event 'key:BTN_LEFT': unknown key 'BTN_LEFT'");
    assert_event_refused("button:KEY_A", "event 'button:KEY_A': unknown button 'KEY_A'");
    assert_event_refused("key:KEY_A:hold", "event 'key:KEY_A:hold': expected down, up or tap after the name");
    assert_event_refused("rel:ABS_X:1", "event 'rel:ABS_X:1': unknown relative axis 'ABS_X'");
    assert_event_refused("abs:ABS_RX:1", "event 'abs:ABS_RX:1': unknown absolute axis 'ABS_RX'");
    assert_event_refused("rel:REL_X:10001", "event 'rel:REL_X:10001': value '10001' must be an integer from -10000 to 10000");
    assert_event_refused("abs:ABS_Y:-1", "event 'abs:ABS_Y:-1': value '-1' must be an integer from 0 to 32767");
    assert_event_refused("wheel:x", "event 'wheel:x': value 'x' must be an integer from -10000 to 10000");
    assert_event_refused("rel:REL_X:", "event 'rel:REL_X:': value '' must be an integer from -10000 to 10000");
}
END_TEST

START_TEST(test_input_body_of_several_events)
{
    const char *args[] = { "key:KEY_LEFT:down", "wheel:2" };
    g_autoptr(JsonNode) body = gh_ctl_input_body(args, 2, NULL);
    g_autofree char *text = json_to_string(body, FALSE);

    ck_assert_str_eq(text, "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"action\":\"press\"},"
                           "{\"type\":\"rel\",\"code\":\"REL_WHEEL\",\"value\":2}]}");
}
END_TEST

START_TEST(test_input_body_is_what_the_api_accepts)
{
    const char *args[] = { "key:KEY_A", "button:BTN_MIDDLE:up", "rel:REL_HWHEEL:-3", "abs:ABS_Y:0" };
    g_autoptr(JsonNode) body = gh_ctl_input_body(args, G_N_ELEMENTS(args), NULL);
    g_autoptr(GArray) events = NULL;

    ck_assert(gh_input_events_from_json(body, &events, NULL));
    ck_assert_uint_eq(events->len, 5);
}
END_TEST

START_TEST(test_input_body_refusals)
{
    const char *args[] = { "key:KEY_A", "key:KEY_NOPE" };
    g_autoptr(GError) none = NULL;
    g_autoptr(GError) bad = NULL;
    g_autoptr(GError) many = NULL;
    g_autofree const char **lots = g_new0(const char *, 257);

    for (int i = 0; i < 257; i++)
        lots[i] = "key:KEY_A";
    ck_assert_ptr_null(gh_ctl_input_body(args, 0, &none));
    assert_usage_error(none, "give 1 to 256 events");
    ck_assert_ptr_null(gh_ctl_input_body(args, 2, &bad));
    assert_usage_error(bad, "event 'key:KEY_NOPE': unknown key 'KEY_NOPE'");
    ck_assert_ptr_null(gh_ctl_input_body(lots, 257, &many));
    assert_usage_error(many, "give 1 to 256 events");
}
END_TEST

START_TEST(test_input_reply_names_each_dropped_event)
{
    g_autoptr(JsonNode) reply = parse_json("{\"delivered\":2,\"dropped\":[{\"index\":1,\"reason\":"
                                           "\"unsupported\",\"message\":\"input.qmp: no gamepad\"}]}");
    g_autofree char *text = gh_ctl_input_describe_reply(reply, NULL);

    ck_assert_str_eq(text, "delivered 2 events\ndropped event 1 (unsupported): input.qmp: no gamepad\n");
}
END_TEST

START_TEST(test_input_reply_without_dropped_is_the_count_alone)
{
    g_autoptr(JsonNode) reply = parse_json("{\"delivered\":3}");
    g_autofree char *text = gh_ctl_input_describe_reply(reply, NULL);

    ck_assert_str_eq(text, "delivered 3 events\n");
}
END_TEST

START_TEST(test_input_reply_without_a_count_is_an_error)
{
    g_autoptr(JsonNode) reply = parse_json("{\"dropped\":[]}");
    g_autoptr(GError) err = NULL;

    ck_assert_ptr_null(gh_ctl_input_describe_reply(reply, &err));
    ck_assert(g_error_matches(err, GH_CTL_ERROR, GH_CTL_ERROR_FAILED));
    ck_assert_str_eq(err->message, "unexpected reply from gamehostd: no 'delivered' count");
}
END_TEST

/* ---- plugins ------------------------------------------------------------------------ */

#define PLUGINS_REPLY                                                                                         \
    "{\"plugins\":[{\"name\":\"capture-screenshot\",\"version\":\"0.1.0\",\"license\":\"MIT\","                 \
    "\"path\":\"/usr/lib/gamehost/plugins/capture-screenshot.so\",\"abi\":\"1.0\",\"backends\":"                \
    "[{\"name\":\"capture.screenshot\",\"kind\":\"capture\",\"description\":\"libvirt screenshots\"}]},"        \
    "{\"name\":\"multi\",\"version\":\"2\",\"license\":\"LGPL-2.1-or-later\",\"path\":\"/x/multi.so\","          \
    "\"abi\":\"1.0\",\"backends\":[{\"name\":\"input.qmp\",\"kind\":\"input\",\"description\":\"QMP\"},"          \
    "{\"name\":\"stream.webrtc\",\"kind\":\"stream\",\"description\":\"\"}]},"                                   \
    "{\"name\":\"empty\",\"version\":\"1\",\"license\":\"MIT\",\"path\":\"/x/empty.so\",\"abi\":\"1.0\","       \
    "\"backends\":[]}],"

START_TEST(test_render_plugins_table_then_refused)
{
    g_autoptr(JsonNode) reply = parse_json(
        PLUGINS_REPLY "\"refused\":[{\"file\":\"/x/old.so\",\"reason\":\"ABI major 2, this host speaks 1\"}]}");
    g_autofree char *out = gh_ctl_render_plugins(reply, NULL);

    ck_assert_str_eq(out, "NAME                KIND     PLUGIN              VERSION  LICENSE\n"
                          "capture.screenshot  capture  capture-screenshot  0.1.0    MIT\n"
                          "input.qmp           input    multi               2        LGPL-2.1-or-later\n"
                          "stream.webrtc       stream   multi               2        LGPL-2.1-or-later\n"
                          "-                   -        empty               1        MIT\n"
                          "\n"
                          "Refused plugins:\n"
                          "FILE       REASON\n"
                          "/x/old.so  ABI major 2, this host speaks 1\n");
}
END_TEST

START_TEST(test_render_plugins_without_refusals_is_one_table)
{
    g_autoptr(JsonNode) reply = parse_json("{\"plugins\":[],\"refused\":[]}");
    g_autofree char *out = gh_ctl_render_plugins(reply, NULL);

    ck_assert_str_eq(out, "NAME  KIND  PLUGIN  VERSION  LICENSE\n");
}
END_TEST

START_TEST(test_render_plugins_refuses_reply_without_list)
{
    g_autoptr(JsonNode) reply = parse_json("{\"refused\":[]}");
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_null(gh_ctl_render_plugins(reply, &error));
    ck_assert_str_eq(error->message, "unexpected reply from the daemon: no 'plugins' array");
}
END_TEST

START_TEST(test_render_plugin_check_ok)
{
    g_autoptr(JsonNode) reg = parse_json(
        "{\"plugins\":[{\"name\":\"multi\",\"version\":\"2\",\"license\":\"MIT\",\"path\":\"/abs/multi.so\","
        "\"abi\":\"1.0\",\"backends\":[{\"name\":\"input.qmp\",\"kind\":\"input\",\"description\":\"QMP\\u001b[31m\"},"
        "{\"name\":\"stream.webrtc\",\"kind\":\"stream\",\"description\":\"\"}]}],\"refused\":[]}");
    gboolean ok = FALSE;
    g_autofree char *out = gh_ctl_render_plugin_check("multi.so", reg, &ok, NULL);

    ck_assert(ok);
    ck_assert_str_eq(out, "OK multi.so: plugin multi 2 (MIT), ABI 1.0\n"
                          "  input.qmp (input): QMP?[31m\n"
                          "  stream.webrtc (stream)\n");
}
END_TEST

START_TEST(test_render_plugin_check_refused)
{
    g_autoptr(JsonNode) reg = parse_json(
        "{\"plugins\":[],\"refused\":[{\"file\":\"/abs/old.so\",\"reason\":\"ABI minor 9 is newer than 0\"}]}");
    gboolean ok = TRUE;
    g_autofree char *out = gh_ctl_render_plugin_check("./old.so", reg, &ok, NULL);

    ck_assert(!ok);
    ck_assert_str_eq(out, "REFUSED ./old.so: ABI minor 9 is newer than 0\n");
}
END_TEST

START_TEST(test_render_plugin_check_of_empty_registry_is_an_error)
{
    g_autoptr(JsonNode) reg = parse_json("{\"plugins\":[],\"refused\":[]}");
    g_autoptr(GError) error = NULL;
    gboolean ok = TRUE;

    ck_assert_ptr_null(gh_ctl_render_plugin_check("x.so", reg, &ok, &error));
    ck_assert_str_eq(error->message, "x.so: neither loaded nor refused");
}
END_TEST

static TCase *
input_and_plugins(void)
{
    TCase *tc = tcase_create("input-and-plugins");

    tcase_add_test(tc, test_input_event_key_taps_by_default);
    tcase_add_test(tc, test_input_event_key_down_and_up);
    tcase_add_test(tc, test_input_event_button);
    tcase_add_test(tc, test_input_event_rel_abs_and_wheel);
    tcase_add_test(tc, test_input_event_refusals);
    tcase_add_test(tc, test_input_body_of_several_events);
    tcase_add_test(tc, test_input_body_is_what_the_api_accepts);
    tcase_add_test(tc, test_input_body_refusals);
    tcase_add_test(tc, test_input_reply_names_each_dropped_event);
    tcase_add_test(tc, test_input_reply_without_dropped_is_the_count_alone);
    tcase_add_test(tc, test_input_reply_without_a_count_is_an_error);
    tcase_add_test(tc, test_render_plugins_table_then_refused);
    tcase_add_test(tc, test_render_plugins_without_refusals_is_one_table);
    tcase_add_test(tc, test_render_plugins_refuses_reply_without_list);
    tcase_add_test(tc, test_render_plugin_check_ok);
    tcase_add_test(tc, test_render_plugin_check_refused);
    tcase_add_test(tc, test_render_plugin_check_of_empty_registry_is_an_error);
    return tc;
}

int
main(void)
{
    Suite *s = suite_create("ctl");
    SRunner *sr;
    int failed;

    suite_add_tcase(s, tables_and_durations());
    suite_add_tcase(s, arguments());
    suite_add_tcase(s, token_and_errors());
    suite_add_tcase(s, events_and_rendering());
    suite_add_tcase(s, input_and_plugins());
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
