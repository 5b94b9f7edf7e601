/* Specification of the host's own endpoints (api-host.c, api-images.c,
 * api-plugins.c): health, readiness, the host object and draining, GPUs,
 * images, plugins and /metrics, with the Prometheus rendering of metrics.c. */

#include <string.h>
#include "api-fixture.h"
#include "api/metrics.h"

static void
assert_has_line(const char *text, const char *line)
{
    g_autofree char *needle = g_strdup_printf("\n%s\n", line);
    g_autofree char *padded = g_strdup_printf("\n%s", text);

    ck_assert_msg(strstr(padded, needle), "missing line '%s' in:\n%s", line, text);
}

static JsonObject *
array_object(JsonArray *a, guint i)
{
    ck_assert_uint_lt(i, json_array_get_length(a));
    return json_array_get_object_element(a, i);
}

/* ---- host -------------------------------------------------------------------- */

START_TEST(test_readyz_is_ready_when_connected)
{
    g_autoptr(Response) r = request("GET", "/readyz", TOKEN);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(member_string(r->json, "status"), "ready");
}
END_TEST

START_TEST(test_readyz_is_not_ready_while_draining)
{
    g_autoptr(Response) drain = request("POST", "/v1/host/drain", TOKEN);
    g_autoptr(Response) r = request("GET", "/readyz", TOKEN);

    ck_assert_uint_eq(drain->status, 200);
    ck_assert_uint_eq(r->status, 503);
    ck_assert_str_eq(member_string(r->json, "status"), "not_ready");
    ck_assert_str_eq(member_string(r->json, "reason"), "draining");
}
END_TEST

START_TEST(test_host_reports_version_capacity_and_states)
{
    g_autoptr(Response) r = request("GET", "/v1/host", TOKEN);
    JsonObject *o, *by_state;

    ck_assert_uint_eq(r->status, 200);
    o = json_node_get_object(r->json);
    ck_assert_str_eq(json_object_get_string_member(o, "version"), "9.9.9-test");
    ck_assert_str_eq(json_object_get_string_member(o, "libvirt_uri"), "test:///default");
    ck_assert_str_eq(json_object_get_string_member(o, "domain_type"), "qemu");
    ck_assert_str_eq(json_object_get_string_member(o, "hostname"), g_get_host_name());
    ck_assert_int_eq(json_object_get_int_member(o, "capacity"), 4);
    ck_assert_int_eq(json_object_get_int_member(o, "active_sessions"), 0);
    ck_assert(!json_object_get_boolean_member(o, "draining"));
    by_state = json_object_get_object_member(o, "sessions_by_state");
    ck_assert_uint_eq(json_object_get_size(by_state), 5);
    ck_assert_int_eq(json_object_get_int_member(by_state, "failed"), 0);
}
END_TEST

START_TEST(test_drain_leaves_running_sessions_alone)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\"}");
    g_autofree char *id = created_id(r);
    g_autoptr(Response) drain = NULL;

    wait_for_state(id, GH_SESSION_RUNNING);
    drain = request("POST", "/v1/host/drain", TOKEN);
    ck_assert_uint_eq(drain->status, 200);
    ck_assert_int_eq(json_object_get_int_member(json_node_get_object(drain->json), "active_sessions"), 1);
    ck_assert_int_eq(gh_session_manager_lookup(fx.mgr, id)->state, GH_SESSION_RUNNING);
}
END_TEST

START_TEST(test_gpus_without_inventory_is_empty)
{
    g_autoptr(Response) r = request("GET", "/v1/gpus", TOKEN);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(r->body, "{\"iommu_enabled\":false,\"vfio_available\":false,\"gpus\":[]}");
}
END_TEST

START_TEST(test_plugins_without_registry_is_empty)
{
    g_autoptr(Response) r = request("GET", "/v1/plugins", TOKEN);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(r->body, "{\"plugins\":[],\"refused\":[]}");
}
END_TEST

/* ---- images ------------------------------------------------------------------ */

START_TEST(test_images_lists_catalog_and_problems)
{
    g_autoptr(Response) r = request("GET", "/v1/images", TOKEN);
    JsonArray *images, *problems;
    JsonObject *problem;

    ck_assert_uint_eq(r->status, 200);
    images = json_object_get_array_member(json_node_get_object(r->json), "images");
    problems = json_object_get_array_member(json_node_get_object(r->json), "problems");
    ck_assert_uint_eq(json_array_get_length(images), 3);
    ck_assert_str_eq(member_string(json_array_get_element(images, 0), "id"), "demo-arena");
    ck_assert_str_eq(member_string(json_array_get_element(images, 1), "id"), "gpu-only");
    ck_assert_str_eq(member_string(json_array_get_element(images, 2), "id"), "pc-game");
    ck_assert_uint_eq(json_array_get_length(problems), 1);
    problem = json_array_get_object_element(problems, 0);
    ck_assert(g_str_has_suffix(json_object_get_string_member(problem, "file"), "broken.image.xml"));
    ck_assert(json_object_has_member(problem, "line"));
    ck_assert(strlen(json_object_get_string_member(problem, "reason")) > 0);
}
END_TEST

START_TEST(test_image_show_returns_the_image)
{
    g_autoptr(Response) r = request("GET", "/v1/images/demo-arena", TOKEN);
    JsonObject *o, *profile, *display;
    JsonArray *controllers, *capture;

    ck_assert_uint_eq(r->status, 200);
    o = json_node_get_object(r->json);
    ck_assert_str_eq(json_object_get_string_member(o, "id"), "demo-arena");
    ck_assert_str_eq(json_object_get_string_member(o, "title"), "Test demo-arena");
    ck_assert_str_eq(json_object_get_string_member(o, "version"), "1.0.0");
    ck_assert_str_eq(json_object_get_string_member(o, "boot"), "kernel");
    ck_assert_str_eq(json_object_get_string_member(o, "firmware"), "bios");
    profile = json_object_get_object_member(o, "profile");
    ck_assert_str_eq(json_object_get_string_member(profile, "id"), "arcade-640");
    ck_assert_int_eq(json_object_get_int_member(profile, "vcpus"), 1);
    ck_assert_int_eq(json_object_get_int_member(profile, "memory_mib"), 64);
    ck_assert_str_eq(json_object_get_string_member(profile, "gpu"), "none");
    display = json_object_get_object_member(profile, "display");
    ck_assert_int_eq(json_object_get_int_member(display, "width"), 640);
    ck_assert_int_eq(json_object_get_int_member(display, "height"), 480);
    ck_assert_int_eq(json_object_get_int_member(display, "refresh"), 60);
    controllers = json_object_get_array_member(profile, "controllers");
    ck_assert_uint_eq(json_array_get_length(controllers), 2);
    ck_assert_str_eq(json_array_get_string_element(controllers, 0), "keyboard");
    ck_assert_str_eq(json_array_get_string_element(controllers, 1), "mouse");
    capture = json_object_get_array_member(o, "capture");
    ck_assert_uint_eq(json_array_get_length(capture), 2);
    ck_assert_str_eq(json_array_get_string_element(capture, 0), "screenshot");
}
END_TEST

/* demo-arena's profile (arcade-640) plays pads as keys: the API shows the
 * mapping in the profile's order, with the API's evdev names. */
START_TEST(test_image_profile_shows_pad_keys)
{
    g_autoptr(Response) r = request("GET", "/v1/images/demo-arena", TOKEN);
    JsonObject *profile;
    g_autofree char *pad_keys = NULL;

    ck_assert_uint_eq(r->status, 200);
    profile = json_object_get_object_member(json_node_get_object(r->json), "profile");
    pad_keys = json_to_string(json_object_get_member(profile, "pad_keys"), FALSE);
    ck_assert_str_eq(pad_keys,
                     "[{\"type\":\"pad_button\",\"code\":\"BTN_DPAD_UP\",\"key\":\"KEY_UP\"},"
                     "{\"type\":\"pad_button\",\"code\":\"BTN_DPAD_DOWN\",\"key\":\"KEY_DOWN\"},"
                     "{\"type\":\"pad_button\",\"code\":\"BTN_DPAD_LEFT\",\"key\":\"KEY_LEFT\"},"
                     "{\"type\":\"pad_button\",\"code\":\"BTN_DPAD_RIGHT\",\"key\":\"KEY_RIGHT\"},"
                     "{\"type\":\"pad_button\",\"code\":\"BTN_SOUTH\",\"key\":\"KEY_SPACE\"},"
                     "{\"type\":\"pad_button\",\"code\":\"BTN_START\",\"key\":\"KEY_ENTER\"},"
                     "{\"type\":\"pad_axis\",\"code\":\"ABS_X\",\"negative\":\"KEY_LEFT\",\"positive\":\"KEY_RIGHT\"},"
                     "{\"type\":\"pad_axis\",\"code\":\"ABS_Y\",\"negative\":\"KEY_UP\",\"positive\":\"KEY_DOWN\"}]");
}
END_TEST

START_TEST(test_image_profile_without_pad_keys_shows_an_empty_list)
{
    g_autoptr(Response) r = request("GET", "/v1/images/pc-game", TOKEN);
    JsonObject *profile;

    ck_assert_uint_eq(r->status, 200);
    profile = json_object_get_object_member(json_node_get_object(r->json), "profile");
    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(profile, "pad_keys")), 0);
}
END_TEST

/* pc-game's manifest asks for 4 vCPUs on pc-640 (2 vCPUs, 1024 MiB): the
 * API shows what its sessions get. */
START_TEST(test_image_profile_shows_machine_overrides)
{
    g_autoptr(Response) r = request("GET", "/v1/images/pc-game", TOKEN);
    JsonObject *profile;

    ck_assert_uint_eq(r->status, 200);
    profile = json_object_get_object_member(json_node_get_object(r->json), "profile");
    ck_assert_str_eq(json_object_get_string_member(profile, "id"), "pc-640");
    ck_assert_int_eq(json_object_get_int_member(profile, "vcpus"), 4);
    ck_assert_int_eq(json_object_get_int_member(profile, "memory_mib"), 1024);
}
END_TEST

START_TEST(test_image_profile_lists_tablet_controller)
{
    g_autoptr(Response) r = request("GET", "/v1/images/pc-game", TOKEN);
    JsonObject *profile;
    JsonArray *controllers;

    ck_assert_uint_eq(r->status, 200);
    profile = json_object_get_object_member(json_node_get_object(r->json), "profile");
    controllers = json_object_get_array_member(profile, "controllers");
    ck_assert_uint_eq(json_array_get_length(controllers), 4);
    ck_assert_str_eq(json_array_get_string_element(controllers, 0), "keyboard");
    ck_assert_str_eq(json_array_get_string_element(controllers, 1), "mouse");
    ck_assert_str_eq(json_array_get_string_element(controllers, 2), "gamepad");
    ck_assert_str_eq(json_array_get_string_element(controllers, 3), "tablet");
}
END_TEST

START_TEST(test_image_unknown_is_404)
{
    g_autoptr(Response) r = request("GET", "/v1/images/no-such-game", TOKEN);

    assert_error(r, 404, "not_found");
}
END_TEST

START_TEST(test_image_hostile_ids_are_404)
{
    static const char *const paths[] = {
        "/v1/images/a/b", "/v1/images/%2e%2e", "/v1/images/..%5C..%5Cetc",
        "/v1/images/..", "/v1/images/Demo-Arena", NULL,
    };

    for (const char *const *p = paths; *p; p++) {
        g_autoptr(Response) r = request("GET", *p, TOKEN);
        ck_assert_msg(r->status == 404, "%s: status %u: %s", *p, r->status, r->body);
        ck_assert_str_eq(error_code(r), "not_found");
    }
}
END_TEST

/* libsoup refuses a path that decodes to an extra '/' or a NUL before any
 * handler runs: the id never reaches the catalog. */
START_TEST(test_image_id_with_encoded_slash_or_nul_is_400)
{
    static const char *const paths[] = { "/v1/images/..%2F..%2Fetc%2Fpasswd", "/v1/images/%00", NULL };

    for (const char *const *p = paths; *p; p++) {
        g_autoptr(Response) r = request("GET", *p, TOKEN);
        ck_assert_msg(r->status == 400, "%s: status %u", *p, r->status);
    }
}
END_TEST

/* ---- plugins ----------------------------------------------------------------- */

START_TEST(test_plugins_lists_loaded_and_refused)
{
    g_autoptr(Response) r = request("GET", "/v1/plugins", TOKEN);
    JsonObject *o, *good, *backend, *refused;
    JsonArray *plugins, *backends;

    ck_assert_uint_eq(r->status, 200);
    o = json_node_get_object(r->json);
    plugins = json_object_get_array_member(o, "plugins");
    ck_assert_uint_eq(json_array_get_length(plugins), 2);
    good = array_object(plugins, 0);
    ck_assert_str_eq(json_object_get_string_member(good, "name"), "good");
    ck_assert_str_eq(json_object_get_string_member(good, "version"), "1.2.3");
    ck_assert_str_eq(json_object_get_string_member(good, "license"), "MIT");
    ck_assert_str_eq(json_object_get_string_member(good, "abi"), "1.4");
    ck_assert(g_str_has_suffix(json_object_get_string_member(good, "path"), "/good.so"));
    backends = json_object_get_array_member(good, "backends");
    ck_assert_uint_eq(json_array_get_length(backends), 2);
    backend = array_object(backends, 0);
    ck_assert_str_eq(json_object_get_string_member(backend, "name"), "capture.good");
    ck_assert_str_eq(json_object_get_string_member(backend, "kind"), "capture");
    ck_assert_str_eq(json_object_get_string_member(backend, "description"), "two by two pixels");
    ck_assert_str_eq(json_object_get_string_member(array_object(backends, 1), "kind"), "input");
    ck_assert_str_eq(json_object_get_string_member(array_object(plugins, 1), "name"), "pipeline-fake");

    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(o, "refused")), 1);
    refused = array_object(json_object_get_array_member(o, "refused"), 0);
    ck_assert(g_str_has_suffix(json_object_get_string_member(refused, "file"), "wrong-major.so"));
    ck_assert_str_ne(json_object_get_string_member(refused, "reason"), "");
}
END_TEST

/* ---- metrics ----------------------------------------------------------------- */

START_TEST(test_metrics_counts_requests_by_code)
{
    g_autoptr(Response) ok = request("GET", "/healthz", NULL);
    g_autoptr(Response) unauthorized = request("GET", "/v1/host", NULL);
    g_autoptr(Response) missing = request("GET", "/nope", TOKEN);
    g_autoptr(Response) m = request("GET", "/metrics", TOKEN);

    ck_assert_uint_eq(ok->status, 200);
    ck_assert_uint_eq(unauthorized->status, 401);
    ck_assert_uint_eq(missing->status, 404);
    ck_assert_uint_eq(m->status, 200);
    ck_assert_str_eq(soup_message_headers_get_content_type(m->headers, NULL), "text/plain");
    ck_assert_str_eq(soup_message_headers_get_one(m->headers, "Content-Type"), "text/plain; version=0.0.4");
    assert_has_line(m->body, "# TYPE gamehost_api_requests_total counter");
    assert_has_line(m->body, "gamehost_api_requests_total{code=\"200\"} 1");
    assert_has_line(m->body, "gamehost_api_requests_total{code=\"401\"} 1");
    assert_has_line(m->body, "gamehost_api_requests_total{code=\"404\"} 1");
    assert_has_line(m->body, "# TYPE gamehost_sessions gauge");
    assert_has_line(m->body, "gamehost_sessions{state=\"starting\"} 0");
    assert_has_line(m->body, "gamehost_sessions{state=\"running\"} 0");
    assert_has_line(m->body, "gamehost_sessions{state=\"stopping\"} 0");
    assert_has_line(m->body, "gamehost_sessions{state=\"stopped\"} 0");
    assert_has_line(m->body, "gamehost_sessions{state=\"failed\"} 0");
    assert_has_line(m->body, "gamehost_sessions_capacity 4");
    assert_has_line(m->body, "gamehost_draining 0");
    assert_has_line(m->body, "# TYPE gamehost_session_start_seconds histogram");
    assert_has_line(m->body, "gamehost_session_start_seconds_count 0");
}
END_TEST

START_TEST(test_metrics_observes_session_start)
{
    g_autoptr(Response) created = create("{\"image\":\"demo-arena\"}");
    g_autofree char *id = created_id(created);
    g_autoptr(Response) drain = NULL, m = NULL;

    wait_for_state(id, GH_SESSION_RUNNING);
    drain = request("POST", "/v1/host/drain", TOKEN);
    m = request("GET", "/metrics", TOKEN);
    assert_has_line(m->body, "gamehost_sessions{state=\"running\"} 1");
    assert_has_line(m->body, "gamehost_draining 1");
    assert_has_line(m->body, "gamehost_session_start_seconds_bucket{le=\"+Inf\"} 1");
    assert_has_line(m->body, "gamehost_session_start_seconds_bucket{le=\"60\"} 1");
    assert_has_line(m->body, "gamehost_session_start_seconds_count 1");
    assert_has_line(m->body, "gamehost_api_requests_total{code=\"201\"} 1");
}
END_TEST

/* ---- metrics render ---------------------------------------------------------- */

START_TEST(test_metrics_render_is_prometheus_text)
{
    g_autoptr(GhMetrics) metrics = gh_metrics_new();
    GhMetricsGauges gauges = { .sessions = { 1, 2, 0, 3, 0 }, .capacity = 8, .draining = TRUE,
                               .input_dropped = { [GH_INPUT_DROP_UNSUPPORTED] = 4, [GH_INPUT_DROP_FAILED] = 1 },
                               .audio = { .sessions = 2, .frames = 96000, .refused = 1, .dropped = 5,
                                          .mic_frames = 480, .mic_dropped = 7, .mic_underruns = 3 },
                               .pads = { .attached = 3, .events = 1800, .rumble_reports = 12 },
                               .workers = { .running = 2, .restarts = 4, .crashes = 5 } };
    g_autoptr(GArray) crashes = g_array_new(FALSE, FALSE, sizeof(GhMetricsCrash));
    GhMetricsCrash c[] = { { "", "hang", 1 }, { "stream.\"odd\"", "SIGSEGV", 4 } };
    g_autofree char *text = NULL;

    g_array_append_vals(crashes, c, G_N_ELEMENTS(c));
    gauges.crashes = crashes;

    gh_metrics_count_request(metrics, 200);
    gh_metrics_count_request(metrics, 200);
    gh_metrics_count_request(metrics, 503);
    gh_metrics_count_request(metrics, 42);        /* not HTTP: ignored */
    gh_metrics_observe_start(metrics, 0.3);
    gh_metrics_observe_start(metrics, 1.2);
    gh_metrics_observe_start(metrics, 120);
    text = gh_metrics_render(metrics, &gauges);
    ck_assert_str_eq(text,
        "# HELP gamehost_sessions Sessions known to this host, by state.\n"
        "# TYPE gamehost_sessions gauge\n"
        "gamehost_sessions{state=\"starting\"} 1\n"
        "gamehost_sessions{state=\"running\"} 2\n"
        "gamehost_sessions{state=\"stopping\"} 0\n"
        "gamehost_sessions{state=\"stopped\"} 3\n"
        "gamehost_sessions{state=\"failed\"} 0\n"
        "# HELP gamehost_sessions_capacity Sessions this host runs at most at once.\n"
        "# TYPE gamehost_sessions_capacity gauge\n"
        "gamehost_sessions_capacity 8\n"
        "# HELP gamehost_draining 1 while the host refuses new sessions.\n"
        "# TYPE gamehost_draining gauge\n"
        "gamehost_draining 1\n"
        "# HELP gamehost_session_start_seconds Time from session create to running.\n"
        "# TYPE gamehost_session_start_seconds histogram\n"
        "gamehost_session_start_seconds_bucket{le=\"0.1\"} 0\n"
        "gamehost_session_start_seconds_bucket{le=\"0.25\"} 0\n"
        "gamehost_session_start_seconds_bucket{le=\"0.5\"} 1\n"
        "gamehost_session_start_seconds_bucket{le=\"1\"} 1\n"
        "gamehost_session_start_seconds_bucket{le=\"2.5\"} 2\n"
        "gamehost_session_start_seconds_bucket{le=\"5\"} 2\n"
        "gamehost_session_start_seconds_bucket{le=\"10\"} 2\n"
        "gamehost_session_start_seconds_bucket{le=\"30\"} 2\n"
        "gamehost_session_start_seconds_bucket{le=\"60\"} 2\n"
        "gamehost_session_start_seconds_bucket{le=\"+Inf\"} 3\n"
        "gamehost_session_start_seconds_sum 121.5\n"
        "gamehost_session_start_seconds_count 3\n"
        "# HELP gamehost_api_requests_total API requests answered, by HTTP status code.\n"
        "# TYPE gamehost_api_requests_total counter\n"
        "gamehost_api_requests_total{code=\"200\"} 2\n"
        "gamehost_api_requests_total{code=\"503\"} 1\n"
        "# HELP gamehost_players Players connected to sessions' signal endpoints.\n"
        "# TYPE gamehost_players gauge\n"
        "gamehost_players 0\n"
        "# HELP gamehost_input_dropped_total Input dropped, by reason: players' messages dropped whole "
        "(malformed, not_controller), and events the input backend did not take "
        "(unsupported, invalid, failed, no_backend).\n"
        "# TYPE gamehost_input_dropped_total counter\n"
        "gamehost_input_dropped_total{reason=\"malformed\"} 0\n"
        "gamehost_input_dropped_total{reason=\"not_controller\"} 0\n"
        "gamehost_input_dropped_total{reason=\"unsupported\"} 4\n"
        "gamehost_input_dropped_total{reason=\"invalid\"} 0\n"
        "gamehost_input_dropped_total{reason=\"failed\"} 1\n"
        "gamehost_input_dropped_total{reason=\"no_backend\"} 0\n"
        "# HELP gamehost_signal_messages_refused_total Signaling messages refused with an error.\n"
        "# TYPE gamehost_signal_messages_refused_total counter\n"
        "gamehost_signal_messages_refused_total 0\n"
        "# HELP gamehost_audio_sessions Running sessions with sound.\n"
        "# TYPE gamehost_audio_sessions gauge\n"
        "gamehost_audio_sessions 2\n"
        "# HELP gamehost_audio_frames PCM frames (48 kHz) of the running sessions: from the guests (out) and from "
        "the players' microphones into the guests (mic).\n"
        "# TYPE gamehost_audio_frames gauge\n"
        "gamehost_audio_frames{direction=\"out\"} 96000\n"
        "gamehost_audio_frames{direction=\"mic\"} 480\n"
        "# HELP gamehost_audio_dropped Audio of the running sessions not delivered: chunks refused (refused), guest "
        "frames dropped (out), microphone frames with no room (mic), guest reads of the microphone answered short "
        "(mic_underrun).\n"
        "# TYPE gamehost_audio_dropped gauge\n"
        "gamehost_audio_dropped{reason=\"refused\"} 1\n"
        "gamehost_audio_dropped{reason=\"out\"} 5\n"
        "gamehost_audio_dropped{reason=\"mic\"} 7\n"
        "gamehost_audio_dropped{reason=\"mic_underrun\"} 3\n"
        "# HELP gamehost_pads_attached Game pads plugged into the running sessions' VMs.\n"
        "# TYPE gamehost_pads_attached gauge\n"
        "gamehost_pads_attached 3\n"
        "# HELP gamehost_pad_events Pad button and axis events of the running sessions delivered to their input "
        "backends.\n"
        "# TYPE gamehost_pad_events gauge\n"
        "gamehost_pad_events 1800\n"
        "# HELP gamehost_pad_rumble_reports Rumbles the running sessions' guests sent their pads.\n"
        "# TYPE gamehost_pad_rumble_reports gauge\n"
        "gamehost_pad_rumble_reports 12\n"
        "# HELP gamehost_workers Plugin worker processes running (one per running session).\n"
        "# TYPE gamehost_workers gauge\n"
        "gamehost_workers 2\n"
        "# HELP gamehost_worker_restarts_total Plugin workers restarted after a death.\n"
        "# TYPE gamehost_worker_restarts_total counter\n"
        "gamehost_worker_restarts_total 4\n"
        "# HELP gamehost_worker_crashes_total Plugin worker deaths, by the backend call it died in and the "
        "signal (hang: killed by the watchdog; cut_off: for a malformed message).\n"
        "# TYPE gamehost_worker_crashes_total counter\n"
        "gamehost_worker_crashes_total{backend=\"\",signal=\"hang\"} 1\n"
        "gamehost_worker_crashes_total{backend=\"stream.\\\"odd\\\"\",signal=\"SIGSEGV\"} 4\n");
}
END_TEST

START_TEST(test_metrics_bucket_bound_is_inclusive)
{
    g_autoptr(GhMetrics) metrics = gh_metrics_new();
    GhMetricsGauges gauges = { 0 };
    g_autofree char *text = NULL;

    gh_metrics_observe_start(metrics, 0.25);
    text = gh_metrics_render(metrics, &gauges);
    assert_has_line(text, "gamehost_session_start_seconds_bucket{le=\"0.1\"} 0");
    assert_has_line(text, "gamehost_session_start_seconds_bucket{le=\"0.25\"} 1");
}
END_TEST

static Suite *
api_host_suite(void)
{
    Suite *s = suite_create("api_host");
    TCase *tc;

    tc = api_case("host", setup);
    tcase_add_test(tc, test_readyz_is_ready_when_connected);
    tcase_add_test(tc, test_readyz_is_not_ready_while_draining);
    tcase_add_test(tc, test_host_reports_version_capacity_and_states);
    tcase_add_test(tc, test_drain_leaves_running_sessions_alone);
    tcase_add_test(tc, test_gpus_without_inventory_is_empty);
    tcase_add_test(tc, test_plugins_without_registry_is_empty);
    suite_add_tcase(s, tc);

    tc = api_case("images", setup);
    tcase_add_test(tc, test_images_lists_catalog_and_problems);
    tcase_add_test(tc, test_image_show_returns_the_image);
    tcase_add_test(tc, test_image_profile_shows_machine_overrides);
    tcase_add_test(tc, test_image_profile_lists_tablet_controller);
    tcase_add_test(tc, test_image_profile_shows_pad_keys);
    tcase_add_test(tc, test_image_profile_without_pad_keys_shows_an_empty_list);
    tcase_add_test(tc, test_image_unknown_is_404);
    tcase_add_test(tc, test_image_hostile_ids_are_404);
    tcase_add_test(tc, test_image_id_with_encoded_slash_or_nul_is_400);
    suite_add_tcase(s, tc);

    tc = api_case("plugins", setup_plugins);
    tcase_add_test(tc, test_plugins_lists_loaded_and_refused);
    suite_add_tcase(s, tc);

    tc = api_case("metrics", setup);
    tcase_add_test(tc, test_metrics_counts_requests_by_code);
    tcase_add_test(tc, test_metrics_observes_session_start);
    suite_add_tcase(s, tc);

    tc = tcase_create("metrics_render");
    tcase_add_test(tc, test_metrics_render_is_prometheus_text);
    tcase_add_test(tc, test_metrics_bucket_bound_is_inclusive);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_host_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
