/* Specification of the store module: session records as one JSON file each,
 * saved atomically, loaded back field for field; leftovers of an interrupted
 * save are dropped, and unreadable records are moved aside (never deleted)
 * with a message naming the file and the reason.  Also the session state
 * names the records use. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "session/store.h"
#include "testutil.h"

#define ID_A "5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12"
#define ID_B "0f1e2d3c-4b5a-4968-8776-655443322110"
#define ID_C "11111111-2222-4333-8444-555555555555"

/* ---- fixtures --------------------------------------------------------- */

static char *tmpdir;      /* fresh per test */
static char *store_dir;   /* <tmpdir>/sessions, opened by setup */
static GhStore *store;

static void
setup(void)
{
    g_autoptr(GError) error = NULL;

    tmpdir = gh_test_make_tmpdir("gh-test-store");
    store_dir = g_build_filename(tmpdir, "sessions", NULL);
    store = gh_store_open(store_dir, &error);
    ck_assert_msg(store, "gh_store_open: %s", error ? error->message : "?");
}

static void
teardown(void)
{
    store = gh_store_free(store);
    gh_test_rm_rf(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
    g_clear_pointer(&store_dir, g_free);
}

/* A failed session with every field set; times carry microseconds. */
static GhSession *
session_full(const char *id)
{
    GhSession *s = g_new0(GhSession, 1);

    s->id = g_strdup(id);
    s->image_id = g_strdup("retro-disk");
    s->state = GH_SESSION_FAILED;
    s->reason = g_strdup("guest crashed: \"kernel panic\"\n(see serial log)");
    s->domain_name = g_strconcat("gh-", id, NULL);
    s->dir = g_build_filename("/var/lib/gamehost/sessions", id, NULL);
    s->serial_log = g_build_filename(s->dir, "serial.log", NULL);
    s->vnc_socket = g_build_filename(s->dir, "vnc.sock", NULL);
    s->overlay_path = g_build_filename(s->dir, "overlay.qcow2", NULL);
    s->created_at = G_GINT64_CONSTANT(1700000000123456);
    s->started_at = G_GINT64_CONSTANT(1700000001000001);
    s->stopped_at = G_GINT64_CONSTANT(1700000002999999);
    s->labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(s->labels, g_strdup("player"), g_strdup("p-42"));
    g_hash_table_insert(s->labels, g_strdup("région"), g_strdup("eu-west ☃"));
    s->idempotency_key = g_strdup("create-7f3a");
    s->request_hash = g_strdup("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    s->adopted = TRUE;
    return s;
}

/* A starting session: the optional fields null, no labels, never started. */
static GhSession *
session_minimal(const char *id)
{
    GhSession *s = g_new0(GhSession, 1);

    s->id = g_strdup(id);
    s->image_id = g_strdup("demo-arena");
    s->state = GH_SESSION_STARTING;
    s->domain_name = g_strconcat("gh-", id, NULL);
    s->dir = g_build_filename("/var/lib/gamehost/sessions", id, NULL);
    s->serial_log = g_build_filename(s->dir, "serial.log", NULL);
    s->created_at = G_GINT64_CONSTANT(1700000003000000);
    s->labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return s;
}

static void
assert_same_session(const GhSession *got, const GhSession *want)
{
    GHashTableIter it;
    gpointer key, value;

    ck_assert_str_eq(got->id, want->id);
    ck_assert_str_eq(got->image_id, want->image_id);
    ck_assert_int_eq(got->state, want->state);
    ck_assert_pstr_eq(got->reason, want->reason);
    ck_assert_str_eq(got->domain_name, want->domain_name);
    ck_assert_str_eq(got->dir, want->dir);
    ck_assert_str_eq(got->serial_log, want->serial_log);
    ck_assert_pstr_eq(got->vnc_socket, want->vnc_socket);
    ck_assert_pstr_eq(got->overlay_path, want->overlay_path);
    ck_assert_int_eq(got->created_at, want->created_at);
    ck_assert_int_eq(got->started_at, want->started_at);
    ck_assert_int_eq(got->stopped_at, want->stopped_at);
    ck_assert_ptr_nonnull(got->labels);
    ck_assert_uint_eq(g_hash_table_size(got->labels), g_hash_table_size(want->labels));
    g_hash_table_iter_init(&it, want->labels);
    while (g_hash_table_iter_next(&it, &key, &value))
        ck_assert_pstr_eq(g_hash_table_lookup(got->labels, key), value);
    ck_assert_pstr_eq(got->idempotency_key, want->idempotency_key);
    ck_assert_pstr_eq(got->request_hash, want->request_hash);
    ck_assert_int_eq(got->adopted, want->adopted);
}

static void
save_ok(const GhSession *s)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(gh_store_save(store, s, &error), "gh_store_save: %s", error ? error->message : "?");
}

static char *
record_path(const char *name)
{
    return g_build_filename(store_dir, name, NULL);
}

static void
write_file(const char *path, const char *text, gssize len)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(g_file_set_contents(path, text, len, &error), "write %s: %s", path,
                  error ? error->message : "?");
}

static char *
read_file(const char *path)
{
    g_autoptr(GError) error = NULL;
    char *text = NULL;

    ck_assert_msg(g_file_get_contents(path, &text, NULL, &error), "read %s: %s", path,
                  error ? error->message : "?");
    return text;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in the store dir, sorted, joined by ' '. */
static char *
dir_listing(void)
{
    g_autoptr(GDir) dir = g_dir_open(store_dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    ck_assert_ptr_nonnull(dir);
    while ((name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

/* A valid record of session_full(id) as JSON text, with one member replaced
 * by edit (which may be NULL for none). */
typedef void (*RecordEdit)(JsonObject *record);

static char *
record_text(const char *id, RecordEdit edit)
{
    g_autoptr(GhSession) s = session_full(id);
    g_autoptr(JsonNode) node = gh_session_to_json(s);

    if (edit)
        edit(json_node_get_object(node));
    return json_to_string(node, TRUE);
}

/* ---- round trip ------------------------------------------------------- */

START_TEST(test_load_all_of_empty_store_is_empty)
{
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) sessions = gh_store_load_all(store, &problems);

    ck_assert_uint_eq(sessions->len, 0);
    ck_assert_uint_eq(problems->len, 0);
}
END_TEST

START_TEST(test_save_then_load_round_trips_every_field)
{
    g_autoptr(GhSession) want = session_full(ID_A);
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) sessions = NULL;

    save_ok(want);
    sessions = gh_store_load_all(store, &problems);
    ck_assert_uint_eq(problems->len, 0);
    ck_assert_uint_eq(sessions->len, 1);
    assert_same_session(sessions->pdata[0], want);
}
END_TEST

START_TEST(test_save_then_load_keeps_null_fields_null)
{
    g_autoptr(GhSession) want = session_minimal(ID_A);
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) sessions = NULL;
    const GhSession *got;

    save_ok(want);
    sessions = gh_store_load_all(store, &problems);
    ck_assert_uint_eq(problems->len, 0);
    ck_assert_uint_eq(sessions->len, 1);
    got = sessions->pdata[0];
    assert_same_session(got, want);
    ck_assert_ptr_null(got->reason);
    ck_assert_ptr_null(got->vnc_socket);
    ck_assert_ptr_null(got->overlay_path);
    ck_assert_ptr_null(got->idempotency_key);
    ck_assert_ptr_null(got->request_hash);
    ck_assert_int_eq(got->started_at, 0);
    ck_assert_int_eq(got->stopped_at, 0);
}
END_TEST

START_TEST(test_record_writes_times_as_rfc3339_with_microseconds)
{
    g_autoptr(GhSession) s = session_full(ID_A);
    g_autoptr(JsonNode) node = gh_session_to_json(s);
    JsonObject *o = json_node_get_object(node);

    ck_assert_str_eq(json_object_get_string_member(o, "created_at"), "2023-11-14T22:13:20.123456Z");
    ck_assert_str_eq(json_object_get_string_member(o, "started_at"), "2023-11-14T22:13:21.000001Z");
    ck_assert_str_eq(json_object_get_string_member(o, "stopped_at"), "2023-11-14T22:13:22.999999Z");
}
END_TEST

START_TEST(test_load_all_returns_every_record)
{
    g_autoptr(GhSession) a = session_full(ID_A);
    g_autoptr(GhSession) b = session_minimal(ID_B);
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) sessions = NULL;
    const GhSession *first, *second;

    save_ok(a);
    save_ok(b);
    sessions = gh_store_load_all(store, &problems);
    ck_assert_uint_eq(problems->len, 0);
    ck_assert_uint_eq(sessions->len, 2);
    first = sessions->pdata[0];
    second = sessions->pdata[1];
    if (g_str_equal(first->id, ID_B)) {
        const GhSession *t = first;
        first = second;
        second = t;
    }
    assert_same_session(first, a);
    assert_same_session(second, b);
}
END_TEST

START_TEST(test_save_replaces_previous_record)
{
    g_autoptr(GhSession) s = session_minimal(ID_A);
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) sessions = NULL;

    save_ok(s);
    s->state = GH_SESSION_RUNNING;
    s->started_at = G_GINT64_CONSTANT(1700000004000004);
    save_ok(s);
    sessions = gh_store_load_all(store, &problems);
    ck_assert_uint_eq(problems->len, 0);
    ck_assert_uint_eq(sessions->len, 1);
    assert_same_session(sessions->pdata[0], s);
}
END_TEST

/* ---- atomic save ------------------------------------------------------ */

START_TEST(test_save_leaves_complete_json_and_no_temp_file)
{
    g_autoptr(GhSession) s = session_full(ID_A);
    g_autofree char *path = record_path(ID_A ".json");
    g_autofree char *text = NULL;
    g_autofree char *listing = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GhSession) parsed = NULL;

    save_ok(s);
    listing = dir_listing();
    ck_assert_str_eq(listing, ID_A ".json");
    text = read_file(path);
    ck_assert_msg(json_parser_load_from_data(parser, text, -1, &error), "%s", error ? error->message : "?");
    parsed = gh_session_from_json(json_parser_get_root(parser), &error);
    ck_assert_msg(parsed, "%s", error ? error->message : "?");
    assert_same_session(parsed, s);
}
END_TEST

START_TEST(test_saved_record_is_readable_by_owner_only)
{
    g_autoptr(GhSession) s = session_full(ID_A);
    g_autofree char *path = record_path(ID_A ".json");
    GStatBuf st;

    save_ok(s);
    ck_assert_int_eq(g_stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

/* A crash between writing the temp file and renaming it leaves the temp file
 * beside the old record: the next load drops it and keeps the old record. */
START_TEST(test_leftover_temp_file_is_removed_and_old_record_stands)
{
    g_autoptr(GhSession) old = session_minimal(ID_A);
    g_autofree char *temp = record_path(ID_A ".json.tmp.Q7xK2p");
    g_autofree char *newer = record_text(ID_A, NULL);
    g_autofree char *listing = NULL;
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) sessions = NULL;

    save_ok(old);
    write_file(temp, newer, strlen(newer) / 2);
    sessions = gh_store_load_all(store, &problems);
    ck_assert_uint_eq(problems->len, 0);
    ck_assert_uint_eq(sessions->len, 1);
    assert_same_session(sessions->pdata[0], old);
    listing = dir_listing();
    ck_assert_str_eq(listing, ID_A ".json");
}
END_TEST

START_TEST(test_write_atomic_sets_requested_mode)
{
    g_autofree char *path = g_build_filename(tmpdir, "api-token", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    GStatBuf st;

    umask(022);
    ck_assert_msg(gh_store_write_atomic(path, "abc\n", 4, 0640, &error), "%s", error ? error->message : "?");
    ck_assert_int_eq(g_stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
    text = read_file(path);
    ck_assert_str_eq(text, "abc\n");
}
END_TEST

START_TEST(test_write_atomic_replaces_longer_content_entirely)
{
    g_autofree char *path = g_build_filename(tmpdir, "file", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    write_file(path, "a much longer previous content\n", -1);
    ck_assert_msg(gh_store_write_atomic(path, "new\n", 4, 0600, &error), "%s", error ? error->message : "?");
    text = read_file(path);
    ck_assert_str_eq(text, "new\n");
}
END_TEST

START_TEST(test_write_atomic_fails_in_missing_dir)
{
    g_autofree char *path = g_build_filename(tmpdir, "absent", "file", NULL);
    g_autofree char *prefix = g_strdup_printf("cannot create %s.tmp.", path);
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_store_write_atomic(path, "x", 1, 0600, &error));
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT), "%s", error->message);
    ck_assert_msg(g_str_has_prefix(error->message, prefix), "message: %s", error->message);
    ck_assert_msg(g_str_has_suffix(error->message, ": No such file or directory"), "message: %s", error->message);
}
END_TEST

/* ---- corrupt records -------------------------------------------------- */

/* Writes content as record <name> beside a valid record of ID_B, loads: the
 * valid record loads, the bad one is reported with the reason (exactly, or
 * only the file and destination when reason is NULL: the JSON parser's own
 * wording) and moved, byte for byte, to <name>.corrupt. */
static void
assert_record_moved_aside(const char *name, const char *content, gsize len, const char *reason)
{
    g_autoptr(GhSession) valid = session_minimal(ID_B);
    g_autofree char *path = record_path(name);
    g_autofree char *aside = g_strconcat(path, ".corrupt", NULL);
    g_autofree char *moved = NULL;
    gsize moved_len = 0;
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) sessions = NULL;
    const char *problem;

    save_ok(valid);
    write_file(path, content, len);
    sessions = gh_store_load_all(store, &problems);

    ck_assert_uint_eq(sessions->len, 1);
    assert_same_session(sessions->pdata[0], valid);

    ck_assert_uint_eq(problems->len, 1);
    problem = problems->pdata[0];
    if (reason) {
        g_autofree char *expected = g_strdup_printf("session record %s is unreadable (%s); moved to %s", path,
                                                    reason, aside);
        ck_assert_str_eq(problem, expected);
    } else {
        g_autofree char *head = g_strdup_printf("session record %s is unreadable (", path);
        g_autofree char *tail = g_strdup_printf("); moved to %s", aside);
        ck_assert_msg(g_str_has_prefix(problem, head) && g_str_has_suffix(problem, tail), "problem: %s", problem);
    }

    ck_assert_msg(!g_file_test(path, G_FILE_TEST_EXISTS), "%s is still there", path);
    ck_assert_msg(g_file_get_contents(aside, &moved, &moved_len, NULL), "%s is missing", aside);
    ck_assert_uint_eq(moved_len, len);
    ck_assert_msg(memcmp(moved, content, len) == 0, "content of %s changed", aside);
}

START_TEST(test_invalid_json_record_is_moved_aside)
{
    static const char text[] = "{ \"id\": \"" ID_A "\", this is not json }\n";

    assert_record_moved_aside(ID_A ".json", text, strlen(text), NULL);
}
END_TEST

START_TEST(test_truncated_record_is_moved_aside)
{
    g_autofree char *text = record_text(ID_A, NULL);

    assert_record_moved_aside(ID_A ".json", text, strlen(text) / 2, NULL);
}
END_TEST

START_TEST(test_empty_record_is_moved_aside)
{
    assert_record_moved_aside(ID_A ".json", "", 0, "session record is not a JSON object");
}
END_TEST

START_TEST(test_record_that_is_not_an_object_is_moved_aside)
{
    assert_record_moved_aside(ID_A ".json", "[1, 2, 3]\n", 10, "session record is not a JSON object");
}
END_TEST

static void
edit_image_to_number(JsonObject *o)
{
    json_object_set_int_member(o, "image", 42);
}

START_TEST(test_record_with_wrong_typed_field_is_moved_aside)
{
    g_autofree char *text = record_text(ID_A, edit_image_to_number);

    assert_record_moved_aside(ID_A ".json", text, strlen(text), "field 'image' must be a string");
}
END_TEST

static void
edit_label_to_number(JsonObject *o)
{
    json_object_set_int_member(json_object_get_object_member(o, "labels"), "player", 7);
}

START_TEST(test_record_with_non_string_label_is_moved_aside)
{
    g_autofree char *text = record_text(ID_A, edit_label_to_number);

    assert_record_moved_aside(ID_A ".json", text, strlen(text), "field 'player' must be a string");
}
END_TEST

static void
edit_id_to_non_uuid(JsonObject *o)
{
    json_object_set_string_member(o, "id", "not-a-uuid");
}

START_TEST(test_record_with_non_uuid_id_is_moved_aside)
{
    g_autofree char *text = record_text(ID_A, edit_id_to_non_uuid);

    assert_record_moved_aside("not-a-uuid.json", text, strlen(text), "field 'id' is not a UUID");
}
END_TEST

static void
edit_state_to_paused(JsonObject *o)
{
    json_object_set_string_member(o, "state", "paused");
}

START_TEST(test_record_with_unknown_state_is_moved_aside)
{
    g_autofree char *text = record_text(ID_A, edit_state_to_paused);

    assert_record_moved_aside(ID_A ".json", text, strlen(text), "field 'state' has unknown value 'paused'");
}
END_TEST

static void
edit_created_at_to_words(JsonObject *o)
{
    json_object_set_string_member(o, "created_at", "yesterday");
}

START_TEST(test_record_with_unparsable_time_is_moved_aside)
{
    g_autofree char *text = record_text(ID_A, edit_created_at_to_words);

    assert_record_moved_aside(ID_A ".json", text, strlen(text), "field 'created_at' is not an RFC 3339 time");
}
END_TEST

static void
edit_remove_created_at(JsonObject *o)
{
    json_object_remove_member(o, "created_at");
}

START_TEST(test_record_without_created_at_is_moved_aside)
{
    g_autofree char *text = record_text(ID_A, edit_remove_created_at);

    assert_record_moved_aside(ID_A ".json", text, strlen(text), "field 'created_at' is missing");
}
END_TEST

START_TEST(test_record_whose_id_does_not_match_file_name_is_moved_aside)
{
    g_autofree char *text = record_text(ID_A, NULL);

    assert_record_moved_aside(ID_C ".json", text, strlen(text), "record id '" ID_A "' does not match its file name");
}
END_TEST

START_TEST(test_record_moved_aside_is_not_reported_again)
{
    static const char text[] = "not json";
    g_autofree char *aside = record_path(ID_A ".json.corrupt");
    g_autoptr(GPtrArray) first_problems = NULL;
    g_autoptr(GPtrArray) first = NULL;
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) sessions = NULL;
    g_autofree char *path = record_path(ID_A ".json");

    write_file(path, text, -1);
    first = gh_store_load_all(store, &first_problems);
    ck_assert_uint_eq(first_problems->len, 1);
    sessions = gh_store_load_all(store, &problems);
    ck_assert_uint_eq(sessions->len, 0);
    ck_assert_uint_eq(problems->len, 0);
    ck_assert(g_file_test(aside, G_FILE_TEST_IS_REGULAR));
}
END_TEST

START_TEST(test_files_that_are_not_records_are_left_alone)
{
    g_autofree char *readme = record_path("README");
    g_autofree char *listing = NULL;
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) sessions = NULL;

    write_file(readme, "not a record\n", -1);
    sessions = gh_store_load_all(store, &problems);
    ck_assert_uint_eq(sessions->len, 0);
    ck_assert_uint_eq(problems->len, 0);
    listing = dir_listing();
    ck_assert_str_eq(listing, "README");
}
END_TEST

/* ---- remove and open -------------------------------------------------- */

START_TEST(test_remove_deletes_record)
{
    g_autoptr(GhSession) s = session_minimal(ID_A);
    g_autoptr(GError) error = NULL;
    g_autofree char *listing = NULL;

    save_ok(s);
    ck_assert_msg(gh_store_remove(store, ID_A, &error), "%s", error ? error->message : "?");
    listing = dir_listing();
    ck_assert_str_eq(listing, "");
}
END_TEST

START_TEST(test_remove_of_absent_record_succeeds)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(gh_store_remove(store, ID_A, &error), "%s", error ? error->message : "?");
    ck_assert_ptr_null(error);
}
END_TEST

START_TEST(test_open_creates_missing_dirs)
{
    g_autofree char *dir = g_build_filename(tmpdir, "state", "sessions", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GhStore) other = gh_store_open(dir, &error);

    ck_assert_msg(other, "%s", error ? error->message : "?");
    ck_assert(g_file_test(dir, G_FILE_TEST_IS_DIR));
}
END_TEST

START_TEST(test_open_fails_when_path_is_a_file)
{
    g_autofree char *path = g_build_filename(tmpdir, "file", NULL);
    g_autofree char *prefix = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GhStore) other = NULL;

    write_file(path, "x", -1);
    other = gh_store_open(path, &error);
    ck_assert_ptr_null(other);
    ck_assert_ptr_nonnull(error);
    prefix = g_strdup_printf("cannot create state dir %s: ", path);
    ck_assert_msg(g_str_has_prefix(error->message, prefix), "message: %s", error->message);
}
END_TEST

/* ---- state names ------------------------------------------------------ */

START_TEST(test_state_names_round_trip)
{
    static const struct { GhSessionState state; const char *name; } names[] = {
        { GH_SESSION_STARTING, "starting" }, { GH_SESSION_RUNNING, "running" },
        { GH_SESSION_STOPPING, "stopping" }, { GH_SESSION_STOPPED, "stopped" },
        { GH_SESSION_FAILED, "failed" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        GhSessionState parsed = GH_SESSION_FAILED;
        ck_assert_str_eq(gh_session_state_to_string(names[i].state), names[i].name);
        ck_assert(gh_session_state_from_string(names[i].name, &parsed));
        ck_assert_int_eq(parsed, names[i].state);
    }
}
END_TEST

START_TEST(test_state_from_string_rejects_bogus_and_leaves_state_alone)
{
    GhSessionState state = GH_SESSION_RUNNING;

    ck_assert(!gh_session_state_from_string("bogus", &state));
    ck_assert(!gh_session_state_from_string("Running", &state));
    ck_assert(!gh_session_state_from_string(NULL, &state));
    ck_assert_int_eq(state, GH_SESSION_RUNNING);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

static Suite *
store_suite(void)
{
    Suite *s = suite_create("store");

    TCase *round_trip = tcase_create("round-trip");
    tcase_add_checked_fixture(round_trip, setup, teardown);
    tcase_add_test(round_trip, test_load_all_of_empty_store_is_empty);
    tcase_add_test(round_trip, test_save_then_load_round_trips_every_field);
    tcase_add_test(round_trip, test_save_then_load_keeps_null_fields_null);
    tcase_add_test(round_trip, test_record_writes_times_as_rfc3339_with_microseconds);
    tcase_add_test(round_trip, test_load_all_returns_every_record);
    tcase_add_test(round_trip, test_save_replaces_previous_record);
    suite_add_tcase(s, round_trip);

    TCase *atomic = tcase_create("atomic");
    tcase_add_checked_fixture(atomic, setup, teardown);
    tcase_add_test(atomic, test_save_leaves_complete_json_and_no_temp_file);
    tcase_add_test(atomic, test_saved_record_is_readable_by_owner_only);
    tcase_add_test(atomic, test_leftover_temp_file_is_removed_and_old_record_stands);
    tcase_add_test(atomic, test_write_atomic_sets_requested_mode);
    tcase_add_test(atomic, test_write_atomic_replaces_longer_content_entirely);
    tcase_add_test(atomic, test_write_atomic_fails_in_missing_dir);
    suite_add_tcase(s, atomic);

    TCase *corrupt = tcase_create("corrupt");
    tcase_add_checked_fixture(corrupt, setup, teardown);
    tcase_add_test(corrupt, test_invalid_json_record_is_moved_aside);
    tcase_add_test(corrupt, test_truncated_record_is_moved_aside);
    tcase_add_test(corrupt, test_empty_record_is_moved_aside);
    tcase_add_test(corrupt, test_record_that_is_not_an_object_is_moved_aside);
    tcase_add_test(corrupt, test_record_with_wrong_typed_field_is_moved_aside);
    tcase_add_test(corrupt, test_record_with_non_string_label_is_moved_aside);
    tcase_add_test(corrupt, test_record_with_non_uuid_id_is_moved_aside);
    tcase_add_test(corrupt, test_record_with_unknown_state_is_moved_aside);
    tcase_add_test(corrupt, test_record_with_unparsable_time_is_moved_aside);
    tcase_add_test(corrupt, test_record_without_created_at_is_moved_aside);
    tcase_add_test(corrupt, test_record_whose_id_does_not_match_file_name_is_moved_aside);
    tcase_add_test(corrupt, test_record_moved_aside_is_not_reported_again);
    tcase_add_test(corrupt, test_files_that_are_not_records_are_left_alone);
    suite_add_tcase(s, corrupt);

    TCase *files = tcase_create("files");
    tcase_add_checked_fixture(files, setup, teardown);
    tcase_add_test(files, test_remove_deletes_record);
    tcase_add_test(files, test_remove_of_absent_record_succeeds);
    tcase_add_test(files, test_open_creates_missing_dirs);
    tcase_add_test(files, test_open_fails_when_path_is_a_file);
    suite_add_tcase(s, files);

    TCase *states = tcase_create("states");
    tcase_add_test(states, test_state_names_round_trip);
    tcase_add_test(states, test_state_from_string_rejects_bogus_and_leaves_state_alone);
    suite_add_tcase(s, states);

    return s;
}

int
main(void)
{
    return gh_test_run(store_suite());
}
