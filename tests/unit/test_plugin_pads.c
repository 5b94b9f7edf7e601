/* Specification of the game pads' path through the plugin layer (ABI 1.4):
 * the host services pad_socket and pad_feedback (plugin-host.c), which
 * check what an input backend reports and refuse anything else with a
 * message; and the pipeline's side (pipeline-pads.c), which records each
 * pad, passes the feedback to the stream backend for the peer in control
 * (never to a backend built before 1.4) and counts the pad events
 * delivered.  Test plugins: good.so (the services), pipeline-fake.so and
 * stream-1-3.so (the pipeline). */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "../plugins/pipeline-fake.h"
#include "../plugins/record.h"
#include "plugin-fixture.h"
#include "plugin/pipeline.h"
#include "testutil.h"

/* ---- the services: what reached the session side ------------------------------ */

typedef struct {
    guint feedbacks;
    gh_pad_feedback last;
} SessionSide;

static SessionSide seen;

static int
session_pad_feedback(gpointer ctx, const gh_pad_feedback *fb)
{
    seen.feedbacks++;
    seen.last = *fb;
    return 0;
}

static const GhPluginSessionOps session_ops = { .pad_feedback = session_pad_feedback };

static GhPluginRegistry *good;
static const struct gh_test_record *rec;

static void
services_setup(void)
{
    memset(&seen, 0, sizeof seen);
    good = gh_test_registry_with("good");
    rec = gh_test_plugin_symbol("good", "gh_test_good_record");
}

static void
services_teardown(void)
{
    good = gh_plugin_registry_free(good);
}

/* An instance of good.so's backend, with the pad channels given (NULL: none). */
static GhPluginInstance *
good_instance(const char *backend, const char *const *pad_sockets)
{
    GhPluginSessionInfo info = { .session_id = "s1", .image_id = "demo-arena", .ops = &session_ops };
    g_autoptr(GError) error = NULL;
    GhPluginInstance *inst;

    for (guint i = 0; pad_sockets && i < GH_INPUT_MAX_PADS; i++)
        info.pad_socket[i] = pad_sockets[i];
    inst = gh_plugin_instance_new(gh_plugin_registry_lookup(good, backend), &info, &error);
    ck_assert_msg(inst, "%s", error ? error->message : "");
    return inst;
}

static gh_pad_feedback
rumble(guint32 pad, guint32 strong, guint32 weak)
{
    return (gh_pad_feedback){ .struct_size = sizeof(gh_pad_feedback), .kind = GH_PAD_RUMBLE, .pad = pad,
                              .strong = strong, .weak = weak, .timestamp_ns = 1000 };
}

/* fb is refused with -EINVAL and exactly message, and reaches nobody. */
static void
assert_feedback_refused(const gh_pad_feedback *fb, const char *message)
{
    GhPluginInstance *inst = good_instance("input.good", NULL);
    g_autofree char *error = NULL;

    ck_assert_int_eq(rec->services->pad_feedback(rec->host, fb), -EINVAL);
    error = gh_plugin_instance_last_error(inst);
    ck_assert_str_eq(error, message);
    ck_assert_uint_eq(seen.feedbacks, 0);
    gh_plugin_instance_free(inst);
}

START_TEST(test_pad_socket_is_the_sessions_channel_of_each_pad)
{
    static const char *const sockets[] = { "/s/pad0.sock", "/s/pad1.sock", "/s/pad2.sock", "/s/pad3.sock" };
    GhPluginInstance *inst = good_instance("input.good", sockets);

    ck_assert_str_eq(rec->services->pad_socket(rec->host, 0), "/s/pad0.sock");
    ck_assert_str_eq(rec->services->pad_socket(rec->host, 3), "/s/pad3.sock");
    ck_assert_ptr_null(rec->services->pad_socket(rec->host, 4));
    ck_assert_ptr_null(rec->services->pad_socket(rec->host, G_MAXUINT32));
    gh_plugin_instance_free(inst);
}
END_TEST

START_TEST(test_pad_socket_is_null_for_a_vm_without_pads)
{
    GhPluginInstance *inst = good_instance("input.good", NULL);

    for (guint32 pad = 0; pad < GH_INPUT_MAX_PADS; pad++)
        ck_assert_ptr_null(rec->services->pad_socket(rec->host, pad));
    gh_plugin_instance_free(inst);
}
END_TEST

START_TEST(test_pad_feedback_reaches_the_session_stamped_if_unstamped)
{
    GhPluginInstance *inst = good_instance("input.good", NULL);
    gh_pad_feedback fb = rumble(2, 32896, 257);

    ck_assert_int_eq(rec->services->pad_feedback(rec->host, &fb), 0);
    ck_assert_uint_eq(seen.feedbacks, 1);
    ck_assert_uint_eq(seen.last.kind, GH_PAD_RUMBLE);
    ck_assert_uint_eq(seen.last.pad, 2);
    ck_assert_uint_eq(seen.last.strong, 32896);
    ck_assert_uint_eq(seen.last.weak, 257);
    ck_assert_uint_eq(seen.last.timestamp_ns, 1000);
    fb.timestamp_ns = 0;
    ck_assert_int_eq(rec->services->pad_feedback(rec->host, &fb), 0);
    ck_assert_uint_gt(seen.last.timestamp_ns, 1000);
    gh_plugin_instance_free(inst);
}
END_TEST

/* A plugin of a later minor may declare a longer struct: the session gets
 * the host's, of the host's size. */
START_TEST(test_pad_feedback_from_a_newer_plugin_arrives_at_the_hosts_size)
{
    GhPluginInstance *inst = good_instance("input.good", NULL);
    struct {
        gh_pad_feedback fb;
        uint64_t later;
    } newer = { .fb = rumble(0, 65535, 0), .later = 7 };

    newer.fb.struct_size = sizeof newer;
    ck_assert_int_eq(rec->services->pad_feedback(rec->host, &newer.fb), 0);
    ck_assert_uint_eq(seen.last.struct_size, sizeof(gh_pad_feedback));
    ck_assert_uint_eq(seen.last.strong, 65535);
    gh_plugin_instance_free(inst);
}
END_TEST

START_TEST(test_pad_feedback_of_an_unknown_kind_is_refused)
{
    gh_pad_feedback fb = rumble(0, 0, 0);

    fb.kind = 0;
    assert_feedback_refused(&fb, "pad_feedback: unknown kind 0 (GH_PAD_ATTACHED, DETACHED, RUMBLE or LED)");
    fb.kind = GH_PAD_LED + 1;
    assert_feedback_refused(&fb, "pad_feedback: unknown kind 5 (GH_PAD_ATTACHED, DETACHED, RUMBLE or LED)");
}
END_TEST

START_TEST(test_pad_feedback_for_a_pad_out_of_range_is_refused)
{
    gh_pad_feedback fb = rumble(GH_INPUT_MAX_PADS, 0, 0);

    assert_feedback_refused(&fb, "pad_feedback: pad 4 is out of range (0..3)");
    fb.kind = GH_PAD_ATTACHED;
    fb.pad = G_MAXUINT32;
    assert_feedback_refused(&fb, "pad_feedback: pad 4294967295 is out of range (0..3)");
}
END_TEST

START_TEST(test_pad_feedback_of_a_strength_over_the_maximum_is_refused)
{
    gh_pad_feedback strong = rumble(0, GH_PAD_RUMBLE_MAX + 1, 0);
    gh_pad_feedback weak = rumble(0, 0, 70000);

    assert_feedback_refused(&strong, "pad_feedback: rumble strength 65536 is over 65535 (strong motor)");
    assert_feedback_refused(&weak, "pad_feedback: rumble strength 70000 is over 65535 (weak motor)");
}
END_TEST

/* Strengths mean something only in a rumble: an LED command's are not read. */
START_TEST(test_pad_feedback_reads_strengths_only_in_a_rumble)
{
    GhPluginInstance *inst = good_instance("input.good", NULL);
    gh_pad_feedback fb = rumble(1, 70000, 70000);

    fb.kind = GH_PAD_LED;
    fb.led = 6;
    ck_assert_int_eq(rec->services->pad_feedback(rec->host, &fb), 0);
    ck_assert_uint_eq(seen.feedbacks, 1);
    ck_assert_uint_eq(seen.last.led, 6);
    gh_plugin_instance_free(inst);
}
END_TEST

START_TEST(test_pad_feedback_missing_or_too_small_is_refused)
{
    gh_pad_feedback fb = rumble(0, 1, 1);

    assert_feedback_refused(NULL, "pad_feedback: no feedback (NULL)");
    fb.struct_size = offsetof(gh_pad_feedback, timestamp_ns);
    assert_feedback_refused(&fb, "pad_feedback: struct_size 24 is smaller than gh_pad_feedback (32)");
}
END_TEST

START_TEST(test_pad_feedback_is_for_input_backends_only)
{
    GhPluginInstance *inst = good_instance("capture.good", NULL);
    gh_pad_feedback fb = rumble(0, 1, 1);

    ck_assert_int_eq(rec->services->pad_feedback(rec->host, &fb), -EPERM);
    ck_assert_uint_eq(seen.feedbacks, 0);
    gh_plugin_instance_free(inst);
}
END_TEST

static gpointer
feedback_elsewhere(gpointer data)
{
    gh_pad_feedback fb = rumble(0, 1, 1);

    return GINT_TO_POINTER(rec->services->pad_feedback(rec->host, &fb));
}

START_TEST(test_pad_feedback_off_the_main_thread_is_refused)
{
    GhPluginInstance *inst = good_instance("input.good", NULL);
    GThread *t = g_thread_new("plugin-thread", feedback_elsewhere, NULL);

    ck_assert_int_eq(GPOINTER_TO_INT(g_thread_join(t)), -EPERM);
    ck_assert_uint_eq(seen.feedbacks, 0);
    gh_plugin_instance_free(inst);
}
END_TEST

/* ---- the pipeline: records, routes, counts ------------------------------------- */

static struct {
    GMainContext *context;
    GhPluginRegistry *reg;
    PipelineFakeState *fake;
    GHashTable *options;         /* backend → (key → value) */
    guint32 controller;          /* what peer_in_control answers */
} px;

static guint32
pipeline_peer_in_control(gpointer ctx)
{
    return px.controller;
}

static const GhPluginSessionOps pipeline_ops = { .peer_in_control = pipeline_peer_in_control };

static void
pipeline_setup(void)
{
    memset(&px, 0, sizeof px);
    px.context = g_main_context_new();
    g_main_context_push_thread_default(px.context);
    px.reg = gh_test_registry_with("pipeline-fake");
    gh_test_registry_add(px.reg, "stream-1-3");
    px.fake = ((PipelineFakeStateFn)gh_test_plugin_symbol("pipeline-fake", PIPELINE_FAKE_STATE_SYMBOL))();
    memset(px.fake, 0, sizeof *px.fake);
    px.options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
}

static void
pipeline_teardown(void)
{
    g_hash_table_unref(px.options);
    px.reg = gh_plugin_registry_free(px.reg);
    g_main_context_pop_thread_default(px.context);
    g_main_context_unref(px.context);
}

static void
set_option(const char *backend, const char *key, const char *value)
{
    GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    g_hash_table_insert(t, g_strdup(key), g_strdup(value));
    g_hash_table_insert(px.options, g_strdup(backend), t);
}

/* capture.fake, stream (NULL: none) and input.fake, whose host the test
 * then speaks for. */
static GhPipeline *
pads_pipeline(const char *stream)
{
    GhPipelineChoice choice = { .capture = "capture.fake", .stream = stream, .input = "input.fake",
                                .options = px.options };
    GhPluginSessionInfo info = { .session_id = "s1", .image_id = "arena", .width = 640, .height = 480,
                                 .refresh_hz = 60, .context = px.context, .ops = &pipeline_ops };
    g_autoptr(GError) err = NULL;
    GhPipeline *p = gh_pipeline_new(px.reg, &choice, NULL, &info, NULL, NULL, &err);

    ck_assert_msg(p, "%s", err ? err->message : "");
    ck_assert_ptr_nonnull(px.fake->input_host);
    return p;
}

/* What input.fake's guest did, as the backend reports it. */
static void
guest_did(guint32 kind, guint32 pad, guint32 strong, guint32 weak, guint32 led)
{
    gh_pad_feedback fb = { .struct_size = sizeof fb, .kind = kind, .pad = pad, .strong = strong, .weak = weak,
                           .led = led };

    ck_assert_int_eq(px.fake->input_svc->pad_feedback(px.fake->input_host, &fb), 0);
}

START_TEST(test_feedback_goes_to_the_stream_backend_for_the_peer_in_control)
{
    g_autoptr(GhPipeline) p = pads_pipeline("stream.fake");

    px.controller = 3;
    guest_did(GH_PAD_RUMBLE, 1, 32896, 0, 0);
    px.controller = 5;
    guest_did(GH_PAD_ATTACHED, 2, 0, 0, 0);
    ck_assert_uint_eq(px.fake->n_feedback, 2);
    ck_assert_uint_eq(px.fake->feedback_peers[0], 3);
    ck_assert_uint_eq(px.fake->feedback[0].kind, GH_PAD_RUMBLE);
    ck_assert_uint_eq(px.fake->feedback[0].pad, 1);
    ck_assert_uint_eq(px.fake->feedback[0].strong, 32896);
    ck_assert_uint_eq(px.fake->feedback[0].struct_size, sizeof(gh_pad_feedback));
    ck_assert_uint_eq(px.fake->feedback_peers[1], 5);
    ck_assert_uint_eq(px.fake->feedback[1].kind, GH_PAD_ATTACHED);
}
END_TEST

START_TEST(test_feedback_with_nobody_in_control_is_recorded_not_passed_on)
{
    g_autoptr(GhPipeline) p = pads_pipeline("stream.fake");
    GhPipelinePadStats pads[GH_INPUT_MAX_PADS];

    guest_did(GH_PAD_RUMBLE, 0, 100, 200, 0);
    ck_assert_uint_eq(px.fake->n_feedback, 0);
    ck_assert_uint_eq(gh_pipeline_get_pad_stats(p, pads), 1);
    ck_assert_uint_eq(pads[0].rumble_reports, 1);
}
END_TEST

/* A stream backend built against 1.3 has no pad_feedback: the host never
 * reads past its ops (AddressSanitizer would say), records the pad, and
 * the session goes on. */
START_TEST(test_a_1_3_stream_backend_gets_no_feedback_and_the_pads_are_recorded)
{
    g_autoptr(GhPipeline) p = pads_pipeline("stream.one-three");
    GhPipelinePadStats pads[GH_INPUT_MAX_PADS];

    px.controller = 1;
    guest_did(GH_PAD_ATTACHED, 0, 0, 0, 0);
    guest_did(GH_PAD_RUMBLE, 0, 65535, 65535, 0);
    ck_assert_uint_eq(gh_pipeline_get_pad_stats(p, pads), 1);
    ck_assert(pads[0].attached);
    ck_assert_uint_eq(pads[0].strong, 65535);
    ck_assert_str_eq(gh_pipeline_backend_name(p, GH_BACKEND_STREAM), "stream.one-three");
}
END_TEST

START_TEST(test_pad_stats_keep_the_last_of_each_kind_per_pad)
{
    g_autoptr(GhPipeline) p = pads_pipeline(NULL);
    GhPipelinePadStats pads[GH_INPUT_MAX_PADS];

    guest_did(GH_PAD_ATTACHED, 1, 0, 0, 0);
    guest_did(GH_PAD_LED, 1, 0, 0, 6);
    guest_did(GH_PAD_RUMBLE, 1, 32896, 0, 0);
    guest_did(GH_PAD_RUMBLE, 1, 0, 514, 0);
    guest_did(GH_PAD_RUMBLE, 3, 1, 1, 0);
    guest_did(GH_PAD_DETACHED, 1, 0, 0, 0);
    ck_assert_uint_eq(gh_pipeline_get_pad_stats(p, pads), 2);
    ck_assert_uint_eq(pads[0].pad, 1);
    ck_assert(!pads[0].attached);
    ck_assert_int_eq(pads[0].led, 6);
    ck_assert_uint_eq(pads[0].strong, 0);
    ck_assert_uint_eq(pads[0].weak, 514);
    ck_assert_uint_eq(pads[0].rumble_reports, 2);
    ck_assert_int_gt(pads[0].feedback_at, 0);
    ck_assert_uint_eq(pads[1].pad, 3);
    ck_assert(!pads[1].attached);
    ck_assert_int_eq(pads[1].led, -1);  /* no LED command yet */
    ck_assert_uint_eq(pads[1].rumble_reports, 1);
}
END_TEST

START_TEST(test_pad_stats_carry_the_input_backends_own_counters)
{
    g_autoptr(GhPipeline) p = pads_pipeline(NULL);
    GhPipelinePadStats pads[GH_INPUT_MAX_PADS];

    px.fake->pad_stats[0] = (gh_pad_stats){ .attached = 1, .reports = 40, .coalesced = 3, .dropped = 2,
                                            .out_reports = 5, .out_malformed = 1 };
    guest_did(GH_PAD_ATTACHED, 0, 0, 0, 0);
    guest_did(GH_PAD_ATTACHED, 2, 0, 0, 0);   /* the backend has no counters for it: -ENOENT */
    ck_assert_uint_eq(gh_pipeline_get_pad_stats(p, pads), 2);
    ck_assert(pads[0].has_backend);
    ck_assert_uint_eq(pads[0].backend.struct_size, sizeof(gh_pad_stats));
    ck_assert_uint_eq(pads[0].backend.reports, 40);
    ck_assert_uint_eq(pads[0].backend.coalesced, 3);
    ck_assert_uint_eq(pads[0].backend.dropped, 2);
    ck_assert_uint_eq(pads[0].backend.out_reports, 5);
    ck_assert_uint_eq(pads[0].backend.out_malformed, 1);
    ck_assert(!pads[1].has_backend);
    ck_assert_uint_eq(pads[1].backend.reports, 0);
}
END_TEST

START_TEST(test_a_pipeline_without_feedback_lists_no_pads)
{
    g_autoptr(GhPipeline) p = pads_pipeline("stream.fake");
    GhPipelinePadStats pads[GH_INPUT_MAX_PADS];

    px.fake->pad_stats[0].reports = 1;  /* counters alone do not make a pad the host knows */
    ck_assert_uint_eq(gh_pipeline_get_pad_stats(p, pads), 0);
}
END_TEST

START_TEST(test_pad_events_count_the_pad_buttons_and_axes_delivered)
{
    g_autoptr(GhPipeline) p = pads_pipeline(NULL);
    const gh_input_event events[] = {
        { .type = GH_INPUT_KEY, .code = KEY_A, .value = 1 },
        { .type = GH_INPUT_PAD_CONNECT, .value = 1, .device = 0 },
        { .type = GH_INPUT_PAD_BUTTON, .code = BTN_SOUTH, .value = 1 },
        { .type = GH_INPUT_PAD_AXIS, .code = ABS_Z, .value = 255 },
        { .type = GH_INPUT_PAD_AXIS, .code = ABS_X, .value = -32768, .device = 3 },
    };
    GhPipelineStats st;

    ck_assert(gh_pipeline_send_input(p, events, G_N_ELEMENTS(events), NULL, NULL));
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 5);
    ck_assert_uint_eq(st.pad_events, 3);
}
END_TEST

START_TEST(test_pad_events_dropped_are_not_counted)
{
    g_autoptr(GhPipeline) p = NULL;
    const gh_input_event events[] = {
        { .type = GH_INPUT_PAD_BUTTON, .code = BTN_SOUTH, .value = 1 },
        { .type = GH_INPUT_KEY, .code = KEY_A, .value = 1 },
        { .type = GH_INPUT_PAD_AXIS, .code = ABS_Y, .value = 9 },
    };
    GhPipelineStats st;

    set_option("input.fake", "no_pads", "1");
    p = pads_pipeline(NULL);
    gh_pipeline_send_input(p, events, G_N_ELEMENTS(events), NULL, NULL);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 1);
    ck_assert_uint_eq(st.pad_events, 0);
    ck_assert_uint_eq(st.input_dropped[GH_INPUT_DROP_UNSUPPORTED], 2);
}
END_TEST

static Suite *
plugin_pads_suite(void)
{
    Suite *s = suite_create("plugin-pads");
    TCase *tc = tcase_create("services");

    tcase_add_checked_fixture(tc, services_setup, services_teardown);
    tcase_add_test(tc, test_pad_socket_is_the_sessions_channel_of_each_pad);
    tcase_add_test(tc, test_pad_socket_is_null_for_a_vm_without_pads);
    tcase_add_test(tc, test_pad_feedback_reaches_the_session_stamped_if_unstamped);
    tcase_add_test(tc, test_pad_feedback_from_a_newer_plugin_arrives_at_the_hosts_size);
    tcase_add_test(tc, test_pad_feedback_of_an_unknown_kind_is_refused);
    tcase_add_test(tc, test_pad_feedback_for_a_pad_out_of_range_is_refused);
    tcase_add_test(tc, test_pad_feedback_of_a_strength_over_the_maximum_is_refused);
    tcase_add_test(tc, test_pad_feedback_reads_strengths_only_in_a_rumble);
    tcase_add_test(tc, test_pad_feedback_missing_or_too_small_is_refused);
    tcase_add_test(tc, test_pad_feedback_is_for_input_backends_only);
    tcase_add_test(tc, test_pad_feedback_off_the_main_thread_is_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("pipeline");
    tcase_add_checked_fixture(tc, pipeline_setup, pipeline_teardown);
    tcase_add_test(tc, test_feedback_goes_to_the_stream_backend_for_the_peer_in_control);
    tcase_add_test(tc, test_feedback_with_nobody_in_control_is_recorded_not_passed_on);
    tcase_add_test(tc, test_a_1_3_stream_backend_gets_no_feedback_and_the_pads_are_recorded);
    tcase_add_test(tc, test_pad_stats_keep_the_last_of_each_kind_per_pad);
    tcase_add_test(tc, test_pad_stats_carry_the_input_backends_own_counters);
    tcase_add_test(tc, test_a_pipeline_without_feedback_lists_no_pads);
    tcase_add_test(tc, test_pad_events_count_the_pad_buttons_and_axes_delivered);
    tcase_add_test(tc, test_pad_events_dropped_are_not_counted);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return gh_test_run(plugin_pads_suite());
}
