/* Specification of the plugin loader and the host side of the plugin ABI:
 * every defect of a plugin is refused with its exact reason and nothing of
 * the plugin is kept; good and older-minor plugins load and work; a plugin
 * stays loaded while an instance exists; host services answer misuse with
 * errors, run sources on the session's context and reach the VM only through
 * the session's callbacks.  The plugins are built by the suite
 * (tests/plugins/) and found under $GH_TEST_BUILDDIR/tests/plugins/.libs. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/plugin-registry.h"
#include "../plugins/record.h"
#include "plugin-fixture.h"
#include "testutil.h"

/* ---- fixtures ---------------------------------------------------------- */

/* What the session side saw of the VM-access services. */
typedef struct {
    int screenshots, submits;
    char *keys;                  /* "30,31 hold 50" */
    char *command;
    guint n_events;
} Calls;

static Calls calls;

static int
fake_screenshot(gpointer ctx, guint8 **data, gsize *len, char **mime, char **error_msg)
{
    calls.screenshots++;
    *data = (guint8 *)g_strdup("P6 1 1 255 xyz");
    *len = 14;
    *mime = g_strdup("image/x-portable-pixmap");
    return 0;
}

static int
fake_send_keys(gpointer ctx, const guint32 *codes, guint n, guint hold_ms, char **error_msg)
{
    calls.keys = g_strdup_printf("%u,%u hold %u", codes[0], n > 1 ? codes[1] : 0, hold_ms);
    return 0;
}

static int
fake_qmp(gpointer ctx, const char *command, char **reply, char **error_msg)
{
    calls.command = g_strdup(command);
    *error_msg = g_strdup("VM is paused");
    return -EBUSY;
}

static int
fake_submit(gpointer ctx, const gh_input_event *events, guint n)
{
    calls.submits++;
    calls.n_events = n;
    return 0;
}

static const GhPluginSessionOps fake_ops = {
    .screenshot = fake_screenshot,
    .send_keys = fake_send_keys,
    .qmp_command = fake_qmp,
    .submit_input = fake_submit,
};

static GhPluginSessionInfo
session_info(GMainContext *context, GHashTable *options)
{
    return (GhPluginSessionInfo){
        .session_id = "s1", .image_id = "demo-arena", .width = 640, .height = 480, .refresh_hz = 60,
        .vnc_socket = "/run/gamehost/s1/vnc.sock", .relay_path = NULL,
        .session_dir = "/var/lib/gamehost/sessions/s1", .options = options,
        .context = context, .ops = &fake_ops, .ops_ctx = &calls,
    };
}

static GhPluginInstance *
instance_of(GhPluginRegistry *reg, const char *backend, GHashTable *options, GMainContext *context)
{
    GhPluginSessionInfo info = session_info(context, options);
    g_autoptr(GError) error = NULL;
    GhPluginInstance *inst = gh_plugin_instance_new(gh_plugin_registry_lookup(reg, backend), &info, &error);

    ck_assert_msg(inst, "%s: %s", backend, error ? error->message : "");
    return inst;
}

/* ---- refusals ----------------------------------------------------------- */

/* Loading `name` fails with exactly `reason`, the refusal is recorded, and
 * nothing of the plugin stays loaded. */
static void
assert_refused(const char *name, GhPluginError code, const char *reason)
{
    g_autoptr(GhPluginRegistry) reg = gh_plugin_registry_new();
    g_autofree char *path = gh_test_plugin_path(name);
    g_autoptr(GError) error = NULL;
    const GhPluginRefusal *r;

    ck_assert(!gh_plugin_registry_load_file(reg, path, &error));
    ck_assert(g_error_matches(error, GH_PLUGIN_ERROR, (gint)code));
    ck_assert_str_eq(error->message, reason);
    ck_assert_uint_eq(gh_plugin_registry_refusals(reg)->len, 1);
    r = gh_plugin_registry_refusals(reg)->pdata[0];
    ck_assert_str_eq(r->file, path);
    ck_assert_str_eq(r->reason, reason);
    ck_assert_uint_eq(gh_plugin_registry_plugins(reg)->len, 0);
    ck_assert(!gh_test_plugin_is_loaded(path));
}

/* The instance's last error equals want (NULL: none). */
static gboolean
last_error_is(GhPluginInstance *inst, const char *want)
{
    g_autofree char *got = gh_plugin_instance_last_error(inst);

    return g_strcmp0(got, want) == 0;
}

START_TEST(test_plugin_refuses_a_file_that_is_not_a_shared_object)
{
    g_autofree char *dir = gh_test_make_tmpdir("gh-plugin");
    g_autofree char *path = g_build_filename(dir, "text.so", NULL);
    g_autoptr(GhPluginRegistry) reg = gh_plugin_registry_new();
    g_autoptr(GError) error = NULL;

    ck_assert(g_file_set_contents(path, "not an ELF file\n", -1, NULL));
    ck_assert(!gh_plugin_registry_load_file(reg, path, &error));
    ck_assert(g_error_matches(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_LOAD));
    ck_assert(g_str_has_prefix(error->message, "cannot load: "));
    ck_assert_ptr_nonnull(strstr(error->message, path)); /* dlerror names the file */
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_plugin_refuses_missing_entry_symbol)
{
    assert_refused("no-entry", GH_PLUGIN_ERROR_NO_ENTRY, "no entry symbol gamehost_plugin_query");
}
END_TEST

START_TEST(test_plugin_refuses_entry_returning_null)
{
    assert_refused("null-entry", GH_PLUGIN_ERROR_NO_ENTRY, "gamehost_plugin_query returned NULL");
}
END_TEST

START_TEST(test_plugin_refuses_wrong_major)
{
    assert_refused("wrong-major", GH_PLUGIN_ERROR_ABI, "ABI major 2, this host speaks 1");
}
END_TEST

START_TEST(test_plugin_refuses_newer_minor)
{
    assert_refused("newer-minor", GH_PLUGIN_ERROR_ABI, "built for ABI 1.5, this host speaks 1.4");
}
END_TEST

START_TEST(test_plugin_refuses_descriptor_too_small)
{
    assert_refused("bad-struct-size", GH_PLUGIN_ERROR_ABI, "descriptor struct_size 8 is too small (at least 48)");
}
END_TEST

START_TEST(test_plugin_refuses_absurd_descriptor_size)
{
    assert_refused("absurd-struct-size", GH_PLUGIN_ERROR_ABI,
                   "descriptor struct_size 100000 is absurd (more than 65536)");
}
END_TEST

START_TEST(test_plugin_refuses_no_factories)
{
    assert_refused("no-factories", GH_PLUGIN_ERROR_INVALID, "no backend factories");
}
END_TEST

START_TEST(test_plugin_refuses_missing_license)
{
    assert_refused("no-license", GH_PLUGIN_ERROR_INVALID, "descriptor has no license");
}
END_TEST

START_TEST(test_plugin_refuses_capture_without_grab)
{
    assert_refused("missing-op", GH_PLUGIN_ERROR_INVALID, "backend capture.missing-op: capture ops have no grab");
}
END_TEST

START_TEST(test_plugin_refuses_ops_table_too_small)
{
    assert_refused("ops-too-small", GH_PLUGIN_ERROR_INVALID,
                   "backend capture.small-ops: capture ops struct_size 8 is too small (at least 16)");
}
END_TEST

START_TEST(test_plugin_refuses_unknown_kind)
{
    assert_refused("bad-kind", GH_PLUGIN_ERROR_INVALID, "factory 0: unknown kind 7");
}
END_TEST

START_TEST(test_plugin_refuses_bad_backend_name)
{
    assert_refused("bad-name", GH_PLUGIN_ERROR_INVALID,
                   "factory 0: backend name 'capture.Screen Grab' does not match capture.NAME "
                   "(NAME: 1-32 of a-z 0-9 _ -, starting with a letter or digit)");
}
END_TEST

START_TEST(test_plugin_refuses_backend_without_destroy)
{
    assert_refused("no-destroy", GH_PLUGIN_ERROR_INVALID, "backend capture.no-destroy has no destroy");
}
END_TEST

START_TEST(test_plugin_refuses_duplicate_backend_naming_the_other_plugin)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    g_autofree char *good = gh_test_plugin_path("good");
    g_autofree char *path = gh_test_plugin_path("duplicate");
    g_autofree char *want = g_strdup_printf("backend capture.good is already provided by plugin good (%s)", good);
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_plugin_registry_load_file(reg, path, &error));
    ck_assert(g_error_matches(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_DUPLICATE));
    ck_assert_str_eq(error->message, want);
    ck_assert_uint_eq(gh_plugin_registry_plugins(reg)->len, 1);
    ck_assert_ptr_eq(gh_plugin_registry_lookup(reg, "capture.good")->plugin,
                     gh_plugin_registry_plugins(reg)->pdata[0]);
    ck_assert(!gh_test_plugin_is_loaded(path));
}
END_TEST

/* ---- loading ------------------------------------------------------------ */

START_TEST(test_plugin_good_loads_with_its_backends)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    g_autoptr(GPtrArray) captures = gh_plugin_registry_backends(reg, GH_BACKEND_CAPTURE);
    g_autoptr(GPtrArray) streams = gh_plugin_registry_backends(reg, GH_BACKEND_STREAM);
    const GhPlugin *p = gh_plugin_registry_plugins(reg)->pdata[0];
    const GhBackend *input = gh_plugin_registry_lookup(reg, "input.good");

    ck_assert_str_eq(p->name, "good");
    ck_assert_str_eq(p->version, "1.2.3");
    ck_assert_str_eq(p->license, "MIT");
    ck_assert_uint_eq(p->backends->len, 2);
    ck_assert_uint_eq(captures->len, 1);
    ck_assert_str_eq(((GhBackend *)captures->pdata[0])->name, "capture.good");
    ck_assert_str_eq(((GhBackend *)captures->pdata[0])->description, "two by two pixels");
    ck_assert_uint_eq(streams->len, 0);
    ck_assert_uint_eq(input->kind, GH_BACKEND_INPUT);
    ck_assert_ptr_nonnull(input->input.send);
    ck_assert_ptr_eq(input->factory.input, &input->input);
    ck_assert_ptr_null(gh_plugin_registry_lookup(reg, "capture.none"));
    ck_assert_uint_eq(gh_plugin_registry_refusals(reg)->len, 0);
}
END_TEST

START_TEST(test_plugin_lookup_kind_gives_the_backend_of_that_kind)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_eq(gh_plugin_registry_lookup_kind(reg, "input.good", GH_BACKEND_INPUT, &error),
                     gh_plugin_registry_lookup(reg, "input.good"));
    ck_assert_ptr_null(error);
}
END_TEST

static void
assert_lookup_refused(GhPluginRegistry *reg, const char *name, guint32 kind, GhPluginError code,
                      const char *message)
{
    g_autoptr(GError) error = NULL;

    ck_assert_ptr_null(gh_plugin_registry_lookup_kind(reg, name, kind, &error));
    ck_assert(g_error_matches(error, GH_PLUGIN_ERROR, code));
    ck_assert_str_eq(error->message, message);
}

START_TEST(test_plugin_lookup_kind_refuses_an_unknown_name)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");

    assert_lookup_refused(reg, "capture.none", GH_BACKEND_CAPTURE, GH_PLUGIN_ERROR_UNKNOWN,
                          "unknown capture backend 'capture.none'");
}
END_TEST

START_TEST(test_plugin_lookup_kind_refuses_a_backend_of_another_kind)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");

    assert_lookup_refused(reg, "capture.good", GH_BACKEND_INPUT, GH_PLUGIN_ERROR_WRONG_KIND,
                          "backend 'capture.good' is not an input backend");
}
END_TEST

START_TEST(test_plugin_lookup_kind_without_registry_knows_no_backend)
{
    assert_lookup_refused(NULL, "stream.any", GH_BACKEND_STREAM, GH_PLUGIN_ERROR_UNKNOWN,
                          "unknown stream backend 'stream.any'");
}
END_TEST

/* A stream backend built before sound (1.2) still loads on a later host: no
 * push_audio, no audio ops; the host never calls what it lacks. */
START_TEST(test_plugin_1_2_stream_loads_without_sound)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("stream-1-2");
    const GhBackend *b = gh_plugin_registry_lookup(reg, "stream.one-two");
    GhPluginInstance *inst;

    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(((GhPlugin *)b->plugin)->abi_minor, 2);
    ck_assert_ptr_nonnull(b->stream.push_frame);
    ck_assert_ptr_nonnull(b->stream.peer_open);
    ck_assert_ptr_null(b->stream.push_audio);
    ck_assert_ptr_null(b->factory.audio);
    inst = instance_of(reg, "stream.one-two", NULL, NULL);
    ck_assert_int_eq(b->stream.push_frame(gh_plugin_instance_handle(inst), NULL), 0);
    gh_plugin_instance_free(inst);
}
END_TEST

/* A stream backend built before game pads (1.3) still loads on a 1.4 host:
 * its sound op is there, pad_feedback reads as absent, and its instance
 * works. */
START_TEST(test_plugin_1_3_stream_loads_without_pad_feedback)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("stream-1-3");
    const GhBackend *b = gh_plugin_registry_lookup(reg, "stream.one-three");
    GhPluginInstance *inst;

    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(((GhPlugin *)b->plugin)->abi_minor, 3);
    ck_assert_uint_eq(b->stream.version, 3);
    ck_assert_uint_eq(b->stream.struct_size, offsetof(gh_stream_ops, pad_feedback));
    ck_assert_ptr_nonnull(b->stream.push_audio);
    ck_assert_ptr_nonnull(b->stream.peer_open);
    ck_assert_ptr_null(b->stream.pad_feedback);
    inst = instance_of(reg, "stream.one-three", NULL, NULL);
    ck_assert_int_eq(b->stream.push_frame(gh_plugin_instance_handle(inst), NULL), 0);
    ck_assert_int_eq(b->stream.push_audio(gh_plugin_instance_handle(inst), NULL), 0);
    gh_plugin_instance_free(inst);
}
END_TEST

START_TEST(test_plugin_older_minor_loads_and_its_instance_works)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("old-minor");
    const GhBackend *b = gh_plugin_registry_lookup(reg, "capture.old");
    GhPluginInstance *inst;
    gh_frame frame;

    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(((GhPlugin *)b->plugin)->abi_minor, 0);
    /* What the older build lacks reads as absent. */
    ck_assert_ptr_null(b->capture.start);
    ck_assert_ptr_null(b->capture.stop);
    ck_assert_ptr_null(b->capture.release);
    ck_assert_ptr_null(b->factory.stream);
    ck_assert_ptr_null(b->factory.input);
    inst = instance_of(reg, "capture.old", NULL, NULL);
    ck_assert_int_eq(b->capture.grab(gh_plugin_instance_handle(inst), &frame, 0), 0);
    ck_assert_uint_eq(frame.width, 1);
    ck_assert_uint_eq(frame.data[0], 9);
    gh_plugin_instance_free(inst);
}
END_TEST

START_TEST(test_plugin_load_dir_loads_good_ones_refuses_bad_ones_in_name_order)
{
    g_autofree char *dir = gh_test_make_tmpdir("gh-plugin");
    const char *files[] = { "b-missing-op", "a-good", "d-old-minor", "c-wrong-major" };
    const char *targets[] = { "missing-op", "good", "old-minor", "wrong-major" };
    g_autoptr(GhPluginRegistry) reg = gh_plugin_registry_new();
    g_autofree char *readme = g_build_filename(dir, "README.txt", NULL);
    const GPtrArray *plugins, *refused;

    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *target = gh_test_plugin_path(targets[i]);
        g_autofree char *link = g_strdup_printf("%s/%s.so", dir, files[i]);

        ck_assert_int_eq(symlink(target, link), 0);
    }
    ck_assert(g_file_set_contents(readme, "not a plugin", -1, NULL));
    gh_plugin_registry_load_dir(reg, dir);
    plugins = gh_plugin_registry_plugins(reg);
    refused = gh_plugin_registry_refusals(reg);
    ck_assert_uint_eq(plugins->len, 2);
    ck_assert_str_eq(((GhPlugin *)plugins->pdata[0])->name, "good");
    ck_assert_str_eq(((GhPlugin *)plugins->pdata[1])->name, "old-minor");
    ck_assert_uint_eq(refused->len, 2);
    ck_assert(g_str_has_suffix(((GhPluginRefusal *)refused->pdata[0])->file, "/b-missing-op.so"));
    ck_assert(g_str_has_suffix(((GhPluginRefusal *)refused->pdata[1])->file, "/c-wrong-major.so"));
    ck_assert_str_eq(((GhPluginRefusal *)refused->pdata[1])->reason, "ABI major 2, this host speaks 1");
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_plugin_load_dir_records_a_missing_dir)
{
    g_autoptr(GhPluginRegistry) reg = gh_plugin_registry_new();
    const GhPluginRefusal *r;

    gh_plugin_registry_load_dir(reg, "/nonexistent/gamehost-plugins");
    ck_assert_uint_eq(gh_plugin_registry_refusals(reg)->len, 1);
    r = gh_plugin_registry_refusals(reg)->pdata[0];
    ck_assert_str_eq(r->file, "/nonexistent/gamehost-plugins");
    ck_assert(g_str_has_prefix(r->reason, "cannot read plugin dir: "));
}
END_TEST

START_TEST(test_plugin_stays_loaded_while_an_instance_exists)
{
    GhPluginRegistry *reg = gh_test_registry_with("good");
    g_autofree char *path = gh_test_plugin_path("good");
    const GhBackend *b = gh_plugin_registry_lookup(reg, "capture.good");
    GhPluginInstance *inst = instance_of(reg, "capture.good", NULL, NULL);
    gh_frame frame;

    ck_assert_int_eq(g_atomic_int_get(&b->plugin->instances), 1);
    reg = gh_plugin_registry_free(reg);
    ck_assert(gh_test_plugin_is_loaded(path));
    ck_assert_int_eq(b->capture.grab(gh_plugin_instance_handle(inst), &frame, 0), 0);
    gh_plugin_instance_free(inst);
    ck_assert(!gh_test_plugin_is_loaded(path)); /* the last instance out unloads it */
}
END_TEST

START_TEST(test_plugin_registry_json_lists_plugins_and_refusals)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    g_autofree char *bad = gh_test_plugin_path("newer-minor");
    g_autoptr(JsonNode) node = NULL;
    JsonObject *root, *p, *b, *r;

    gh_plugin_registry_load_file(reg, bad, NULL);
    node = gh_plugin_registry_to_json(reg);
    root = json_node_get_object(node);
    p = json_array_get_object_element(json_object_get_array_member(root, "plugins"), 0);
    ck_assert_str_eq(json_object_get_string_member(p, "name"), "good");
    ck_assert_str_eq(json_object_get_string_member(p, "abi"), "1.4");
    ck_assert_str_eq(json_object_get_string_member(p, "version"), "1.2.3");
    b = json_array_get_object_element(json_object_get_array_member(p, "backends"), 1);
    ck_assert_str_eq(json_object_get_string_member(b, "name"), "input.good");
    ck_assert_str_eq(json_object_get_string_member(b, "kind"), "input");
    r = json_array_get_object_element(json_object_get_array_member(root, "refused"), 0);
    ck_assert_str_eq(json_object_get_string_member(r, "file"), bad);
    ck_assert_str_eq(json_object_get_string_member(r, "reason"), "built for ABI 1.5, this host speaks 1.4");
}
END_TEST

/* ---- instances ---------------------------------------------------------- */

START_TEST(test_plugin_create_failure_carries_the_plugin_message)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("create-fails");
    GhPluginSessionInfo info = session_info(NULL, NULL);
    g_autoptr(GError) error = NULL;
    const GhBackend *b = gh_plugin_registry_lookup(reg, "capture.create-fails");

    ck_assert_ptr_null(gh_plugin_instance_new(b, &info, &error));
    ck_assert(g_error_matches(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_CREATE));
    ck_assert_str_eq(error->message, "backend capture.create-fails failed to create: no display");
    ck_assert_int_eq(g_atomic_int_get(&b->plugin->instances), 0);
}
END_TEST

START_TEST(test_plugin_probe_failure_names_backend_and_skips_create)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("probe-fails");
    GhPluginSessionInfo info = session_info(NULL, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) probe_error = NULL;
    const GhBackend *b = gh_plugin_registry_lookup(reg, "capture.probe-fails");

    ck_assert(!gh_plugin_backend_probe(b, &info, &probe_error));
    ck_assert_ptr_null(gh_plugin_instance_new(b, &info, &error));
    ck_assert(g_error_matches(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_CREATE));
    ck_assert_str_eq(error->message, "backend capture.probe-fails cannot serve session s1: no display for this session");
    ck_assert_str_eq(probe_error->message, error->message);
    ck_assert_int_eq(*(int *)gh_test_plugin_symbol("probe-fails", "gh_test_probe_fails_creates"), 0);
}
END_TEST

START_TEST(test_plugin_services_answer_misuse_from_a_plugin_with_errors)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("misuse");
    GhPluginInstance *inst = instance_of(reg, "input.misuse", NULL, NULL);
    const struct gh_test_misuse *r = gh_test_plugin_symbol("misuse", "gh_test_misuse_record");

    ck_assert_int_eq(r->ran, 1);
    ck_assert_ptr_null(r->session_null_host);
    ck_assert_ptr_null(r->session_random_host);
    ck_assert_ptr_null(r->option_null_key);
    ck_assert_uint_eq(r->now_null_host, 0);
    ck_assert_int_eq(r->screenshot_null_out, -EINVAL);
    ck_assert_int_eq(r->send_keys_null_codes, -EINVAL);
    ck_assert_int_eq(r->send_keys_zero, -EINVAL);
    ck_assert_int_eq(r->send_keys_too_many, -EINVAL);
    ck_assert_int_eq(r->qmp_null_command, -EINVAL);
    ck_assert_int_eq(r->qmp_null_reply, -EINVAL);
    ck_assert_int_eq(r->submit_too_many, -EINVAL);
    ck_assert_int_eq(r->submit_null_events, -EINVAL);
    ck_assert_int_eq(r->submit_null_host, -EINVAL);
    ck_assert_uint_eq(r->timer_no_fn, 0);
    ck_assert_uint_eq(r->fd_negative, 0);
    ck_assert_uint_eq(r->fd_bad_events, 0);
    ck_assert_uint_eq(calls.submits, 0);
    gh_plugin_instance_free(inst);
}
END_TEST

static int
no_tick(void *data)
{
    return 1;
}

static gpointer
add_timer_elsewhere(gpointer data)
{
    const struct gh_test_record *r = data;

    return GUINT_TO_POINTER(r->services->add_timer(r->host, 10, no_tick, NULL) + 1000 +
                            (r->services->submit_input(r->host, NULL, 0) == -EPERM ? 1 : 0));
}

START_TEST(test_plugin_services_refuse_main_loop_calls_from_other_threads)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    GhPluginInstance *inst = instance_of(reg, "capture.good", NULL, NULL);
    const struct gh_test_record *r = gh_test_plugin_symbol("good", "gh_test_good_record");
    GThread *t = g_thread_new("plugin-thread", add_timer_elsewhere, (gpointer)r);

    /* 0 from add_timer, -EPERM from submit_input. */
    ck_assert_uint_eq(GPOINTER_TO_UINT(g_thread_join(t)), 1001);
    ck_assert_uint_ne(r->services->add_timer(r->host, 10, no_tick, NULL), 0);
    gh_plugin_instance_free(inst);
}
END_TEST

START_TEST(test_plugin_services_refuse_a_destroyed_instance_handle)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    GhPluginInstance *inst = instance_of(reg, "capture.good", NULL, NULL);
    const struct gh_test_record *r = gh_test_plugin_symbol("good", "gh_test_good_record");
    const gh_host_services *s = r->services;
    gh_host *stale = r->host;
    uint8_t *data = NULL;
    size_t len = 0;
    char *mime = NULL;

    ck_assert_str_eq(s->session_id(stale), "s1");
    gh_plugin_instance_free(inst);
    ck_assert_ptr_null(s->session_id(stale));
    ck_assert_int_eq(s->screenshot(stale, &data, &len, &mime), -EINVAL);
    ck_assert_uint_eq(s->add_timer(stale, 10, no_tick, NULL), 0);
    s->set_error(stale, "too late");
    ck_assert_int_eq(calls.screenshots, 0);
}
END_TEST

START_TEST(test_plugin_services_give_session_facts)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    g_autoptr(GHashTable) options = g_hash_table_new(g_str_hash, g_str_equal);
    GhPluginInstance *inst;
    const struct gh_test_record *r = gh_test_plugin_symbol("good", "gh_test_good_record");
    uint32_t w = 0, h = 0, hz = 0;

    g_hash_table_insert(options, "quality", "high");
    inst = instance_of(reg, "input.good", options, NULL);
    ck_assert_str_eq(r->services->session_id(r->host), "s1");
    ck_assert_str_eq(r->services->image_id(r->host), "demo-arena");
    ck_assert_str_eq(r->services->option(r->host, "quality"), "high");
    ck_assert_ptr_null(r->services->option(r->host, "missing"));
    ck_assert_str_eq(r->services->vnc_socket(r->host), "/run/gamehost/s1/vnc.sock");
    ck_assert_ptr_null(r->services->relay_path(r->host));
    r->services->display_size(r->host, &w, &h, &hz);
    ck_assert_uint_eq(w, 640);
    ck_assert_uint_eq(h, 480);
    ck_assert_uint_eq(hz, 60);
    ck_assert_uint_eq(r->services->version, GH_HOST_SERVICES_VERSION);
    ck_assert_uint_gt(r->services->now_ns(r->host), 0);
    gh_plugin_instance_free(inst);
}
END_TEST

START_TEST(test_plugin_services_version_2_serves_the_session_dir)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    GhPluginSessionInfo info = session_info(NULL, NULL);
    g_autoptr(GError) error = NULL;
    GhPluginInstance *inst;
    const struct gh_test_record *r = gh_test_plugin_symbol("good", "gh_test_good_record");

    inst = instance_of(reg, "input.good", NULL, NULL);
    /* What a plugin built for 1.1 checks before it calls session_dir. */
    ck_assert_uint_ge(r->services->version, 2);
    ck_assert_uint_ge(r->services->struct_size, offsetof(gh_host_services, session_dir) + sizeof(void *));
    ck_assert_str_eq(r->services->session_dir(r->host), "/var/lib/gamehost/sessions/s1");
    gh_plugin_instance_free(inst);

    /* A session without a directory: the service is there and says so. */
    info.session_dir = NULL;
    inst = gh_plugin_instance_new(gh_plugin_registry_lookup(reg, "input.good"), &info, &error);
    ck_assert_msg(inst, "%s", error ? error->message : "");
    ck_assert_ptr_null(r->services->session_dir(r->host));
    gh_plugin_instance_free(inst);
}
END_TEST

START_TEST(test_plugin_timers_run_on_the_given_context_and_go_at_destroy)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autoptr(GHashTable) options = g_hash_table_new(g_str_hash, g_str_equal);
    const struct gh_test_record *r = gh_test_plugin_symbol("good", "gh_test_good_record");
    GhPluginInstance *inst;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    int fired;

    g_hash_table_insert(options, "timer_ms", "1");
    inst = instance_of(reg, "capture.good", options, ctx);
    ck_assert_uint_ne(r->timer_id, 0);
    ck_assert_ptr_nonnull(g_main_context_find_source_by_id(ctx, r->timer_id));
    g_usleep(5000);
    ck_assert_int_eq(r->timer_fires, 0); /* the default context is not its loop */
    while (r->timer_fires < 3 && g_get_monotonic_time() < deadline)
        g_main_context_iteration(ctx, TRUE);
    ck_assert_int_ge(r->timer_fires, 3);
    gh_plugin_instance_free(inst);
    ck_assert_ptr_null(g_main_context_find_source_by_id(ctx, r->timer_id));
    fired = r->timer_fires;
    g_usleep(5000);
    while (g_main_context_iteration(ctx, FALSE))
        ;
    ck_assert_int_eq(r->timer_fires, fired);
    ck_assert_int_eq(r->destroys, 1);
}
END_TEST

START_TEST(test_plugin_vm_access_goes_to_the_session_callbacks)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    GhPluginInstance *inst = instance_of(reg, "input.good", NULL, NULL);
    const struct gh_test_record *r = gh_test_plugin_symbol("good", "gh_test_good_record");
    const uint32_t keys[] = { 30, 31 };
    const gh_input_event ev[2] = { { .type = GH_INPUT_KEY, .code = 30, .value = 1 } };
    g_autofree uint8_t *data = NULL;
    g_autofree char *mime = NULL;
    g_autofree char *reply = NULL;
    size_t len = 0;

    ck_assert_int_eq(r->services->screenshot(r->host, &data, &len, &mime), 0);
    ck_assert_uint_eq(len, 14);
    ck_assert_str_eq(mime, "image/x-portable-pixmap");
    ck_assert_int_eq(r->services->send_keys(r->host, keys, 2, 50), 0);
    ck_assert_str_eq(calls.keys, "30,31 hold 50");
    ck_assert(last_error_is(inst, NULL));
    ck_assert_int_eq(r->services->qmp_command(r->host, "{\"execute\":\"stop\"}", &reply), -EBUSY);
    ck_assert_str_eq(calls.command, "{\"execute\":\"stop\"}");
    ck_assert(last_error_is(inst, "VM is paused"));
    ck_assert_int_eq(r->services->submit_input(r->host, ev, 2), 0);
    ck_assert_uint_eq(calls.n_events, 2);
    gh_plugin_instance_clear_error(inst);
    ck_assert(last_error_is(inst, NULL));
    gh_plugin_instance_free(inst);
    g_free(calls.keys);
    g_free(calls.command);
}
END_TEST

START_TEST(test_plugin_vm_access_without_session_ops_is_not_supported)
{
    g_autoptr(GhPluginRegistry) reg = gh_test_registry_with("good");
    GhPluginSessionInfo info = session_info(NULL, NULL);
    g_autoptr(GError) error = NULL;
    GhPluginInstance *inst;
    const struct gh_test_record *r = gh_test_plugin_symbol("good", "gh_test_good_record");
    const uint32_t key = 30;
    uint8_t *data = NULL;
    size_t len = 0;
    char *mime = NULL, *reply = NULL;

    info.ops = NULL;
    inst = gh_plugin_instance_new(gh_plugin_registry_lookup(reg, "input.good"), &info, &error);
    ck_assert_int_eq(r->services->screenshot(r->host, &data, &len, &mime), -ENOTSUP);
    ck_assert_int_eq(r->services->send_keys(r->host, &key, 1, 0), -ENOTSUP);
    ck_assert_int_eq(r->services->qmp_command(r->host, "{}", &reply), -ENOTSUP);
    ck_assert_ptr_null(reply);
    gh_plugin_instance_free(inst);
}
END_TEST

static Suite *
plugin_suite(void)
{
    Suite *s = suite_create("plugin");
    TCase *refuse = tcase_create("refusals");
    TCase *load = tcase_create("loading");
    TCase *inst = tcase_create("instances");

    tcase_add_test(refuse, test_plugin_refuses_a_file_that_is_not_a_shared_object);
    tcase_add_test(refuse, test_plugin_refuses_missing_entry_symbol);
    tcase_add_test(refuse, test_plugin_refuses_entry_returning_null);
    tcase_add_test(refuse, test_plugin_refuses_wrong_major);
    tcase_add_test(refuse, test_plugin_refuses_newer_minor);
    tcase_add_test(refuse, test_plugin_refuses_descriptor_too_small);
    tcase_add_test(refuse, test_plugin_refuses_absurd_descriptor_size);
    tcase_add_test(refuse, test_plugin_refuses_no_factories);
    tcase_add_test(refuse, test_plugin_refuses_missing_license);
    tcase_add_test(refuse, test_plugin_refuses_capture_without_grab);
    tcase_add_test(refuse, test_plugin_refuses_ops_table_too_small);
    tcase_add_test(refuse, test_plugin_refuses_unknown_kind);
    tcase_add_test(refuse, test_plugin_refuses_bad_backend_name);
    tcase_add_test(refuse, test_plugin_refuses_backend_without_destroy);
    tcase_add_test(refuse, test_plugin_refuses_duplicate_backend_naming_the_other_plugin);
    suite_add_tcase(s, refuse);

    tcase_add_test(load, test_plugin_good_loads_with_its_backends);
    tcase_add_test(load, test_plugin_lookup_kind_gives_the_backend_of_that_kind);
    tcase_add_test(load, test_plugin_lookup_kind_refuses_an_unknown_name);
    tcase_add_test(load, test_plugin_lookup_kind_refuses_a_backend_of_another_kind);
    tcase_add_test(load, test_plugin_lookup_kind_without_registry_knows_no_backend);
    tcase_add_test(load, test_plugin_older_minor_loads_and_its_instance_works);
    tcase_add_test(load, test_plugin_1_2_stream_loads_without_sound);
    tcase_add_test(load, test_plugin_1_3_stream_loads_without_pad_feedback);
    tcase_add_test(load, test_plugin_load_dir_loads_good_ones_refuses_bad_ones_in_name_order);
    tcase_add_test(load, test_plugin_load_dir_records_a_missing_dir);
    tcase_add_test(load, test_plugin_stays_loaded_while_an_instance_exists);
    tcase_add_test(load, test_plugin_registry_json_lists_plugins_and_refusals);
    suite_add_tcase(s, load);

    tcase_add_test(inst, test_plugin_create_failure_carries_the_plugin_message);
    tcase_add_test(inst, test_plugin_probe_failure_names_backend_and_skips_create);
    tcase_add_test(inst, test_plugin_services_answer_misuse_from_a_plugin_with_errors);
    tcase_add_test(inst, test_plugin_services_refuse_main_loop_calls_from_other_threads);
    tcase_add_test(inst, test_plugin_services_refuse_a_destroyed_instance_handle);
    tcase_add_test(inst, test_plugin_services_give_session_facts);
    tcase_add_test(inst, test_plugin_services_version_2_serves_the_session_dir);
    tcase_add_test(inst, test_plugin_timers_run_on_the_given_context_and_go_at_destroy);
    tcase_add_test(inst, test_plugin_vm_access_goes_to_the_session_callbacks);
    tcase_add_test(inst, test_plugin_vm_access_without_session_ops_is_not_supported);
    suite_add_tcase(s, inst);
    return s;
}

int
main(void)
{
    return gh_test_run(plugin_suite());
}
