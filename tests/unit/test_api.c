/* Specification of the REST API: a real SoupServer on 127.0.0.1 (ephemeral
 * port) driven by a real SoupSession in the same process and main context,
 * in front of a real session manager on libvirt's test driver (no QEMU) and a
 * real catalog loaded from a manifest written at test time.  Also the
 * Prometheus rendering of the metrics module on its own. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include <dlfcn.h>

#include "api/api.h"
#include "api/api-private.h"   /* SSE client count, for the disconnect test */
#include "api/metrics.h"
#include "../plugins/pipeline-fake.h"
#include "../plugins/stream-peer-fake.h"

#define TOKEN "test-token-0123456789"
#define WAIT_US (20 * G_USEC_PER_SEC)

/* ---- fixture ---------------------------------------------------------- */

static struct {
    GMainContext *context;       /* ours, pushed: libvirt's thread iterates the global default */
    char *tmp;
    GhConfig *config;
    GhVirt *virt;
    GhCatalog *catalog;
    GhSessionManager *mgr;
    GhPluginRegistry *plugins;   /* NULL unless the case loads test plugins */
    GhApi *api;
    SoupSession *client;
} fx;

static void
write_file(const char *path, const char *text)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(g_file_set_contents(path, text, -1, &error), "%s", error ? error->message : "");
}

/* Manifest plus its kernel artefact, checksum computed from what we wrote. */
static void
write_image(const char *dir, const char *id, const char *profile)
{
    static const char kernel[] = "not really a kernel, the test driver never boots it\n";
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, kernel, -1);
    g_autofree char *kpath = g_strdup_printf("%s/%s.elf", dir, id);
    g_autofree char *mpath = g_strdup_printf("%s/%s.image.xml", dir, id);
    g_autofree char *manifest = g_strdup_printf(
        "<?xml version=\"1.0\"?>\n"
        "<image xmlns=\"https://gamehost.dev/xmlns/image/1\" id=\"%s\" version=\"1.0.0\">\n"
        "  <title>Test %s</title>\n  <profile>%s</profile>\n"
        "  <boot firmware=\"bios\"><kernel path=\"%s.elf\" sha256=\"%s\"/></boot>\n"
        "  <capture><path>screenshot</path><path>vnc</path></capture>\n"
        "</image>\n", id, id, profile, id, sum);

    write_file(kpath, kernel);
    write_file(mpath, manifest);
}

static GhCatalog *
load_catalog(void)
{
    const char *src = g_getenv("GH_TEST_SRCDIR") ? g_getenv("GH_TEST_SRCDIR") : ".";
    g_autofree char *schema = g_build_filename(src, "images", "schema", NULL);
    g_autofree char *profiles = g_build_filename(src, "images", "profiles", NULL);
    g_autofree char *images = g_build_filename(fx.tmp, "images", NULL);
    const char *profile_dirs[] = { profiles, NULL };
    const char *image_dirs[] = { images, NULL };
    g_autoptr(GError) error = NULL;
    GhCatalog *catalog;

    g_mkdir(images, 0755);
    write_image(images, "demo-arena", "arcade-640");
    write_image(images, "gpu-only", "console-4k");
    {
        g_autofree char *bad = g_build_filename(images, "broken.image.xml", NULL);
        write_file(bad, "<image xmlns=\"https://gamehost.dev/xmlns/image/1\">\n<title/>\n");
    }
    catalog = gh_catalog_load(schema, profile_dirs, image_dirs, &error);
    ck_assert_msg(catalog, "%s", error ? error->message : "");
    return catalog;
}

static void
start_api(void)
{
    const char *tokens[] = { "another-token", TOKEN, NULL };
    GhApiDeps deps = {
        .config = fx.config, .sessions = fx.mgr, .catalog = fx.catalog, .virt = fx.virt,
        .tokens = tokens, .version = "9.9.9-test", .plugins = fx.plugins,
    };
    g_autoptr(GError) error = NULL;

    fx.api = gh_api_new(&deps, &error);
    ck_assert_msg(fx.api, "%s", error ? error->message : "");
    ck_assert_msg(gh_api_listen(fx.api, "127.0.0.1", 0, &error), "%s", error ? error->message : "");
    ck_assert_uint_ne(gh_api_port(fx.api), 0);
}

/* The test plugins (built by plugin.mk and pipeline.mk): a good one, the
 * pipeline's fakes and one the loader must refuse. */
static GhPluginRegistry *
load_test_plugins(void)
{
    static const char *const files[] = { "good.so", "pipeline-fake.so", "wrong-major.so" };
    const char *build = g_getenv("GH_TEST_BUILDDIR") ? g_getenv("GH_TEST_BUILDDIR") : ".";
    g_autofree char *dir = g_build_filename(build, "tests", "plugins", ".libs", NULL);
    GhPluginRegistry *reg = gh_plugin_registry_new();

    for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *path = g_build_filename(dir, files[i], NULL);
        g_autoptr(GError) error = NULL;

        ck_assert_msg(g_file_test(path, G_FILE_TEST_EXISTS),
                      "test plugin %s is missing: build it with 'make check' (check_LTLIBRARIES)", path);
        if (g_str_equal(files[i], "wrong-major.so"))
            ck_assert(!gh_plugin_registry_load_file(reg, path, NULL));
        else
            ck_assert_msg(gh_plugin_registry_load_file(reg, path, &error), "%s", error ? error->message : "");
    }
    return reg;
}

static void
setup_with_full(guint max_sessions, gboolean plugins);

static void
setup_with(guint max_sessions)
{
    setup_with_full(max_sessions, FALSE);
}

static void
setup_with_full(guint max_sessions, gboolean plugins)
{
    g_autoptr(GError) error = NULL;

    fx.context = g_main_context_new();
    g_main_context_push_thread_default(fx.context);
    fx.tmp = g_dir_make_tmp("gh-test-api-XXXXXX", &error);
    ck_assert_msg(fx.tmp, "%s", error ? error->message : "");
    fx.config = gh_config_new_default();
    g_free(fx.config->state_dir);
    fx.config->state_dir = g_build_filename(fx.tmp, "state", NULL);
    g_mkdir(fx.config->state_dir, 0755);
    fx.config->max_sessions = max_sessions;
    fx.config->max_body_bytes = 1024;
    fx.virt = gh_virt_open("test:///default", fx.config->state_dir, "qemu", fx.context, &error);
    ck_assert_msg(fx.virt, "%s", error ? error->message : "");
    fx.catalog = load_catalog();
    fx.mgr = gh_session_manager_new(fx.config, fx.virt, fx.catalog, &error);
    ck_assert_msg(fx.mgr, "%s", error ? error->message : "");
    if (plugins) {
        fx.plugins = load_test_plugins();
        gh_session_manager_set_plugins(fx.mgr, fx.plugins);
    }
    start_api();
    /* Room for a few event streams beside the requests; no proxy lookup
     * (the default resolver may consult the desktop's settings). */
    fx.client = soup_session_new_with_options("max-conns-per-host", 8, NULL);
    soup_session_set_proxy_resolver(fx.client, NULL);
}

static void
setup(void)
{
    setup_with(4);
}

static void
setup_capacity_one(void)
{
    setup_with(1);
}

static void
setup_plugins(void)
{
    setup_with_full(4, TRUE);
}

static void
rm_rf(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            rm_rf(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

static void
teardown(void)
{
    g_clear_object(&fx.client);
    fx.api = gh_api_free(fx.api);
    if (fx.mgr)
        gh_session_manager_stop_all_sync(fx.mgr);
    fx.mgr = gh_session_manager_free(fx.mgr);
    fx.plugins = gh_plugin_registry_free(fx.plugins);   /* after the manager: it held instances */
    fx.catalog = gh_catalog_free(fx.catalog);
    fx.virt = gh_virt_free(fx.virt);
    fx.config = gh_config_free(fx.config);
    if (fx.tmp)
        rm_rf(fx.tmp);
    g_clear_pointer(&fx.tmp, g_free);
    g_main_context_pop_thread_default(fx.context);
    g_clear_pointer(&fx.context, g_main_context_unref);
}

/* ---- client helpers ------------------------------------------------------ */

typedef struct {
    guint status;
    char *body;
    SoupMessageHeaders *headers;
    JsonNode *json;              /* NULL unless the body parsed as JSON */
} Response;

static void
response_free(Response *r)
{
    g_free(r->body);
    if (r->headers)
        soup_message_headers_unref(r->headers);
    if (r->json)
        json_node_unref(r->json);
    g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Response, response_free)

static gboolean
tick(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

/* One main loop iteration, woken at least every 100 ms so that a wait whose
 * event never comes fails on its own deadline instead of Check's timeout. */
static void
iterate(void)
{
    g_autoptr(GSource) timer = g_timeout_source_new(100);

    g_source_set_callback(timer, tick, NULL, NULL);
    g_source_attach(timer, fx.context);
    g_main_context_iteration(fx.context, TRUE);
    g_source_destroy(timer);
}

static void
wait_until(gboolean *flag)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;

    while (!*flag) {
        ck_assert_msg(g_get_monotonic_time() < deadline, "timed out waiting on the main loop");
        iterate();
    }
}

typedef struct {
    gboolean done;
    GBytes *bytes;
    GError *error;
} Pending;

static void
on_sent(GObject *source, GAsyncResult *res, gpointer user_data)
{
    Pending *p = user_data;

    p->bytes = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &p->error);
    p->done = TRUE;
}

static char *
url_for(const char *path)
{
    return g_strdup_printf("http://127.0.0.1:%u%s", gh_api_port(fx.api), path);
}

static SoupMessage *
new_message(const char *method, const char *path, const char *token)
{
    g_autofree char *url = url_for(path);
    SoupMessage *msg = soup_message_new(method, url);

    ck_assert_msg(msg, "bad url %s", url);
    if (token) {
        g_autofree char *auth = g_strdup_printf("Bearer %s", token);
        soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", auth);
    }
    return msg;
}

static Response *
send_message(SoupMessage *msg)
{
    Pending p = { 0 };
    Response *r = g_new0(Response, 1);
    g_autoptr(JsonParser) parser = json_parser_new();
    const char *data;
    gsize len;

    soup_session_send_and_read_async(fx.client, msg, G_PRIORITY_DEFAULT, NULL, on_sent, &p);
    wait_until(&p.done);
    ck_assert_msg(p.bytes, "request failed: %s", p.error ? p.error->message : "");
    r->status = soup_message_get_status(msg);
    data = g_bytes_get_data(p.bytes, &len);
    r->body = g_strndup(data ? data : "", len);
    r->headers = soup_message_headers_ref(soup_message_get_response_headers(msg));
    if (json_parser_load_from_data(parser, r->body, -1, NULL) && json_parser_get_root(parser))
        r->json = json_node_ref(json_parser_get_root(parser));
    g_bytes_unref(p.bytes);
    g_object_unref(msg);
    return r;
}

static Response *
request(const char *method, const char *path, const char *token)
{
    return send_message(new_message(method, path, token));
}

static Response *
post_json_as(const char *path, const char *content_type, const char *body, const char *idempotency_key)
{
    SoupMessage *msg = new_message("POST", path, TOKEN);
    g_autoptr(GBytes) bytes = g_bytes_new(body, strlen(body));

    soup_message_set_request_body_from_bytes(msg, content_type, bytes);
    if (idempotency_key)
        soup_message_headers_replace(soup_message_get_request_headers(msg), "Idempotency-Key",
                                     idempotency_key);
    return send_message(msg);
}

static Response *
create(const char *body)
{
    return post_json_as("/v1/sessions", "application/json", body, NULL);
}

static const char *
member_string(JsonNode *node, const char *name)
{
    ck_assert_msg(node && JSON_NODE_HOLDS_OBJECT(node), "not a JSON object");
    ck_assert_msg(json_object_has_member(json_node_get_object(node), name), "no member '%s'", name);
    return json_object_get_string_member(json_node_get_object(node), name);
}

static const char *
error_code(Response *r)
{
    ck_assert_msg(r->json, "error body is not JSON: %s", r->body);
    return member_string(json_object_get_member(json_node_get_object(r->json), "error"), "code");
}

static const char *
error_message(Response *r)
{
    return member_string(json_object_get_member(json_node_get_object(r->json), "error"), "message");
}

#define assert_error(r, want_status, want_code)                                      \
    do {                                                                             \
        ck_assert_msg((r)->status == (want_status), "status %u, want %u: %s",        \
                      (r)->status, (guint) (want_status), (r)->body);                \
        ck_assert_str_eq(error_code(r), (want_code));                                \
    } while (0)

static void
wait_for_state(const char *id, GhSessionState state)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;
    const GhSession *s;

    while (!(s = gh_session_manager_lookup(fx.mgr, id)) || s->state != state) {
        ck_assert_msg(g_get_monotonic_time() < deadline, "session %s never reached %s (is %s: %s)", id,
                      gh_session_state_to_string(state), s ? gh_session_state_to_string(s->state) : "gone",
                      s && s->reason ? s->reason : "");
        iterate();
    }
}

/* ---- auth, routing, host ------------------------------------------------ */

START_TEST(test_healthz_needs_no_auth)
{
    g_autoptr(Response) r = request("GET", "/healthz", NULL);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(member_string(r->json, "status"), "ok");
}
END_TEST

START_TEST(test_request_without_token_is_401)
{
    g_autoptr(Response) r = request("GET", "/v1/host", NULL);

    assert_error(r, 401, "unauthorized");
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "WWW-Authenticate"), "Bearer realm=\"gamehost\"");
}
END_TEST

START_TEST(test_request_with_wrong_token_is_401)
{
    g_autoptr(Response) r = request("GET", "/v1/host", TOKEN "x");
    g_autoptr(Response) prefix = request("GET", "/v1/host", "test-token");

    assert_error(r, 401, "unauthorized");
    assert_error(prefix, 401, "unauthorized");
}
END_TEST

START_TEST(test_non_bearer_scheme_is_401)
{
    SoupMessage *msg = new_message("GET", "/v1/host", NULL);
    g_autoptr(Response) r = NULL;

    soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", "Basic " TOKEN);
    r = send_message(msg);
    assert_error(r, 401, "unauthorized");
}
END_TEST

START_TEST(test_every_configured_token_is_accepted)
{
    g_autoptr(Response) first = request("GET", "/v1/host", "another-token");
    g_autoptr(Response) second = request("GET", "/v1/host", TOKEN);

    ck_assert_uint_eq(first->status, 200);
    ck_assert_uint_eq(second->status, 200);
}
END_TEST

START_TEST(test_unknown_path_without_token_is_401)
{
    g_autoptr(Response) r = request("GET", "/v1/nothing-here", NULL);

    assert_error(r, 401, "unauthorized");
}
END_TEST

START_TEST(test_unknown_path_is_404)
{
    g_autoptr(Response) r = request("GET", "/v1/nothing-here", TOKEN);
    g_autoptr(Response) trailing = request("GET", "/v1/sessions/", TOKEN);

    assert_error(r, 404, "not_found");
    assert_error(trailing, 404, "not_found");
}
END_TEST

START_TEST(test_wrong_method_is_405_with_allow)
{
    g_autoptr(Response) r = request("DELETE", "/v1/sessions", TOKEN);
    g_autoptr(Response) host = request("PUT", "/v1/host/drain", TOKEN);

    assert_error(r, 405, "method_not_allowed");
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "Allow"), "GET, POST");
    assert_error(host, 405, "method_not_allowed");
    ck_assert_str_eq(soup_message_headers_get_one(host->headers, "Allow"), "POST");
}
END_TEST

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

/* ---- images ----------------------------------------------------------------- */

START_TEST(test_images_lists_catalog_and_problems)
{
    g_autoptr(Response) r = request("GET", "/v1/images", TOKEN);
    JsonArray *images, *problems;
    JsonObject *problem;

    ck_assert_uint_eq(r->status, 200);
    images = json_object_get_array_member(json_node_get_object(r->json), "images");
    problems = json_object_get_array_member(json_node_get_object(r->json), "problems");
    ck_assert_uint_eq(json_array_get_length(images), 2);
    ck_assert_str_eq(member_string(json_array_get_element(images, 0), "id"), "demo-arena");
    ck_assert_str_eq(member_string(json_array_get_element(images, 1), "id"), "gpu-only");
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

/* ---- session create: bad input -------------------------------------------- */

START_TEST(test_create_rejects_oversized_body)
{
    g_autofree char *big = g_strdup_printf("{\"image\":\"demo-arena\",\"labels\":{\"pad\":\"%0*d\"}}", 2000, 0);
    g_autoptr(Response) r = create(big);

    assert_error(r, 413, "payload_too_large");
    ck_assert_uint_eq(gh_session_manager_active(fx.mgr), 0);
}
END_TEST

START_TEST(test_create_rejects_oversized_chunked_body)
{
    SoupMessage *msg = new_message("POST", "/v1/sessions", TOKEN);
    g_autofree char *big = g_strdup_printf("{\"image\":\"demo-arena\",\"x\":\"%0*d\"}", 4000, 0);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data(g_strdup(big), -1, g_free);
    g_autoptr(Response) r = NULL;

    /* Unknown length: the client sends it chunked, without Content-Length. */
    soup_message_set_request_body(msg, "application/json", stream, -1);
    r = send_message(msg);
    assert_error(r, 413, "payload_too_large");
}
END_TEST

START_TEST(test_create_rejects_wrong_content_type)
{
    g_autoptr(Response) r = post_json_as("/v1/sessions", "text/plain", "{\"image\":\"demo-arena\"}", NULL);
    g_autoptr(Response) latin1 = post_json_as("/v1/sessions", "application/json; charset=iso-8859-1",
                                              "{\"image\":\"demo-arena\"}", NULL);

    assert_error(r, 415, "unsupported_media_type");
    assert_error(latin1, 415, "unsupported_media_type");
}
END_TEST

START_TEST(test_create_accepts_utf8_charset_param)
{
    g_autoptr(Response) r = post_json_as("/v1/sessions", "application/json; charset=UTF-8",
                                         "{\"image\":\"demo-arena\"}", NULL);

    ck_assert_msg(r->status == 201, "status %u: %s", r->status, r->body);
}
END_TEST

START_TEST(test_create_rejects_malformed_json)
{
    g_autoptr(Response) r = create("{\"image\": \"demo-arena\",");
    g_autoptr(Response) empty = create("");

    assert_error(r, 400, "invalid_json");
    ck_assert(strlen(error_message(r)) > 0);
    assert_error(empty, 400, "invalid_json");
}
END_TEST

START_TEST(test_create_rejects_non_object_body)
{
    g_autoptr(Response) r = create("[\"demo-arena\"]");

    assert_error(r, 400, "invalid_request");
}
END_TEST

START_TEST(test_create_rejects_missing_image)
{
    g_autoptr(Response) r = create("{\"labels\":{}}");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "'image'"));
}
END_TEST

START_TEST(test_create_rejects_image_not_string)
{
    static const char *const bodies[] = {
        "{\"image\":42}", "{\"image\":null}", "{\"image\":[\"demo-arena\"]}", "{\"image\":true}", NULL,
    };

    for (const char *const *b = bodies; *b; b++) {
        g_autoptr(Response) r = create(*b);
        assert_error(r, 400, "invalid_request");
        ck_assert_msg(strstr(error_message(r), "'image'"), "%s: %s", *b, error_message(r));
    }
}
END_TEST

START_TEST(test_create_rejects_labels_not_object)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"labels\":[\"a\"]}");
    g_autoptr(Response) null = create("{\"image\":\"demo-arena\",\"labels\":null}");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "'labels'"));
    assert_error(null, 400, "invalid_request");
}
END_TEST

START_TEST(test_create_rejects_label_value_not_string)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"labels\":{\"player\":7}}");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "labels.player"));
}
END_TEST

START_TEST(test_create_rejects_bad_label_keys)
{
    static const char *const bodies[] = {
        "{\"image\":\"demo-arena\",\"labels\":{\"\":\"v\"}}",
        "{\"image\":\"demo-arena\",\"labels\":{\"has space\":\"v\"}}",
        "{\"image\":\"demo-arena\",\"labels\":{\"k\\u00e9y\":\"v\"}}",
        "{\"image\":\"demo-arena\",\"labels\":{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":\"v\"}}",
        NULL,
    };

    for (const char *const *b = bodies; *b; b++) {
        g_autoptr(Response) r = create(*b);
        assert_error(r, 400, "invalid_request");
    }
}
END_TEST

START_TEST(test_create_accepts_label_key_of_63_allowed_chars)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"labels\":{"
                                   "\"team.example/Zone_1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":\"\"}}");

    ck_assert_msg(r->status == 201, "status %u: %s", r->status, r->body);
}
END_TEST

START_TEST(test_create_rejects_too_many_labels)
{
    g_autoptr(GString) body = g_string_new("{\"image\":\"demo-arena\",\"labels\":{");
    g_autoptr(Response) r = NULL;

    for (int i = 0; i < 33; i++)
        g_string_append_printf(body, "%s\"k%d\":\"v\"", i ? "," : "", i);
    g_string_append(body, "}}");
    r = create(body->str);
    assert_error(r, 400, "invalid_request");
}
END_TEST

START_TEST(test_create_rejects_long_label_value)
{
    g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\",\"labels\":{\"k\":\"%0*d\"}}", 256, 0);
    g_autoptr(Response) r = create(body);

    assert_error(r, 400, "invalid_request");
}
END_TEST

START_TEST(test_create_rejects_bad_player_requests)
{
    static const char *const cases[][2] = {
        { "\"x\"",                  "field 'player' must be an object" },
        { "{\"ttl\":5}",            "unknown field 'player.ttl'" },
        { "{\"ttl_s\":0}",          "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
        { "{\"ttl_s\":3601}",       "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
        { "{\"ttl_s\":-1}",         "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
        { "{\"ttl_s\":1.5}",        "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
        { "{\"ttl_s\":\"60\"}",     "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\",\"player\":%s}", cases[i][0]);
        g_autoptr(Response) r = create(body);

        assert_error(r, 400, "invalid_request");
        ck_assert_str_eq(error_message(r), cases[i][1]);
    }
    ck_assert_uint_eq(gh_session_manager_active(fx.mgr), 0);
}
END_TEST

START_TEST(test_create_rejects_bad_gpu_requests)
{
    static const char *const cases[][2] = {
        { "\"gpu\":\"l4\"", "field 'gpu' must be an object" },
        { "\"gpu\":{\"alias\":\"L4!\"}", "field 'gpu.alias' must be an alias ([a-z0-9][a-z0-9._-]{0,31})" },
        { "\"gpu\":{\"vendor\":\"nvidia\"}", "field 'gpu.vendor' must be a PCI vendor id of 4 hex digits" },
        { "\"gpu\":{\"required\":\"yes\"}", "field 'gpu.required' must be a boolean" },
        { "\"gpu\":{\"count\":2}", "unknown field 'gpu.count'" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\",%s}", cases[i][0]);
        g_autoptr(Response) r = create(body);

        assert_error(r, 400, "invalid_request");
        ck_assert_str_eq(error_message(r), cases[i][1]);
    }
}
END_TEST

START_TEST(test_create_with_required_gpu_on_gpuless_host_is_409)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"gpu\":{\"alias\":\"l4\"}}");

    assert_error(r, 409, "no_gpu");
    ck_assert_str_eq(error_message(r), "no GPU for this session: this host assigns none");
}
END_TEST

START_TEST(test_create_with_optional_gpu_on_gpuless_host_starts)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"gpu\":{\"vendor\":\"10de\",\"required\":false}}");

    ck_assert_uint_eq(r->status, 201);
    ck_assert(json_node_is_null(json_object_get_member(json_node_get_object(r->json), "gpu")));
}
END_TEST

START_TEST(test_gpus_without_inventory_is_empty)
{
    g_autoptr(Response) r = request("GET", "/v1/gpus", TOKEN);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(r->body, "{\"iommu_enabled\":false,\"vfio_available\":false,\"gpus\":[]}");
}
END_TEST

START_TEST(test_create_rejects_unknown_field)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"colour\":\"red\"}");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "'colour'"));
}
END_TEST

START_TEST(test_create_rejects_unknown_image)
{
    g_autoptr(Response) r = create("{\"image\":\"no-such-game\"}");
    g_autoptr(Response) hostile = create("{\"image\":\"../../etc/passwd\"}");

    assert_error(r, 400, "unknown_image");
    ck_assert(strstr(error_message(r), "no-such-game"));
    assert_error(hostile, 400, "unknown_image");
}
END_TEST

START_TEST(test_create_rejects_gpu_image_on_gpuless_host)
{
    g_autoptr(Response) r = create("{\"image\":\"gpu-only\"}");

    assert_error(r, 409, "no_gpu");
}
END_TEST

START_TEST(test_create_rejects_bad_idempotency_key)
{
    g_autofree char *long_key = g_strnfill(256, 'k');
    g_autoptr(Response) r = post_json_as("/v1/sessions", "application/json", "{\"image\":\"demo-arena\"}", long_key);
    g_autoptr(Response) ctl = post_json_as("/v1/sessions", "application/json", "{\"image\":\"demo-arena\"}",
                                           "tab\there");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "Idempotency-Key"));
    assert_error(ctl, 400, "invalid_request");
}
END_TEST

/* ---- session create: host state, idempotency, lifecycle -------------------- */

static char *
created_id(Response *r)
{
    ck_assert_msg(r->status == 201, "status %u: %s", r->status, r->body);
    return g_strdup(member_string(r->json, "id"));
}

START_TEST(test_create_at_capacity_is_409)
{
    g_autoptr(Response) first = create("{\"image\":\"demo-arena\"}");
    g_autoptr(Response) second = create("{\"image\":\"demo-arena\"}");

    ck_assert_uint_eq(first->status, 201);
    assert_error(second, 409, "capacity_exhausted");
}
END_TEST

START_TEST(test_create_while_draining_is_503_until_undrain)
{
    g_autoptr(Response) drain = request("POST", "/v1/host/drain", TOKEN);
    g_autoptr(Response) refused = create("{\"image\":\"demo-arena\"}");
    g_autoptr(Response) undrain = request("POST", "/v1/host/undrain", TOKEN);
    g_autoptr(Response) accepted = create("{\"image\":\"demo-arena\"}");

    ck_assert_uint_eq(drain->status, 200);
    ck_assert(json_object_get_boolean_member(json_node_get_object(drain->json), "draining"));
    assert_error(refused, 503, "draining");
    ck_assert_uint_eq(undrain->status, 200);
    ck_assert(!json_object_get_boolean_member(json_node_get_object(undrain->json), "draining"));
    ck_assert_uint_eq(accepted->status, 201);
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

START_TEST(test_idempotent_replay_returns_same_session)
{
    const char *body = "{\"image\":\"demo-arena\",\"labels\":{\"player\":\"p1\"}}";
    g_autoptr(Response) first = post_json_as("/v1/sessions", "application/json", body, "order-42");
    g_autoptr(Response) again = post_json_as("/v1/sessions", "application/json", body, "order-42");
    g_autofree char *id = created_id(first);

    ck_assert_ptr_null(soup_message_headers_get_one(first->headers, "Idempotent-Replayed"));
    ck_assert_uint_eq(again->status, 201);
    ck_assert_str_eq(member_string(again->json, "id"), id);
    ck_assert_str_eq(soup_message_headers_get_one(again->headers, "Idempotent-Replayed"), "true");
    ck_assert_uint_eq(gh_session_manager_count_in_state(fx.mgr, GH_SESSION_STARTING) +
                      gh_session_manager_count_in_state(fx.mgr, GH_SESSION_RUNNING), 1);
}
END_TEST

START_TEST(test_idempotent_replay_ignores_label_order)
{
    g_autoptr(Response) first = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"labels\":{\"a\":\"1\",\"b\":\"2\"}}", "k");
    g_autoptr(Response) again = post_json_as("/v1/sessions", "application/json",
                                             "{\"labels\":{\"b\":\"2\",\"a\":\"1\"},\"image\":\"demo-arena\"}", "k");
    g_autofree char *id = created_id(first);

    ck_assert_uint_eq(again->status, 201);
    ck_assert_str_eq(member_string(again->json, "id"), id);
}
END_TEST

START_TEST(test_idempotency_key_reuse_with_other_body_is_422)
{
    g_autoptr(Response) first = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"labels\":{\"player\":\"p1\"}}", "order-42");
    g_autoptr(Response) other = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"labels\":{\"player\":\"p2\"}}", "order-42");

    ck_assert_uint_eq(first->status, 201);
    assert_error(other, 422, "idempotency_key_reused");
}
END_TEST

START_TEST(test_session_create_list_show_delete_flow)
{
    g_autoptr(Response) created = create("{\"image\":\"demo-arena\",\"labels\":{\"player\":\"p1\"}}");
    g_autofree char *id = created_id(created);
    g_autofree char *path = g_strdup_printf("/v1/sessions/%s", id);
    g_autoptr(Response) list = NULL, show = NULL, del = NULL, gone = NULL;
    JsonArray *sessions;

    ck_assert_str_eq(soup_message_headers_get_one(created->headers, "Location"), path);
    ck_assert_str_eq(member_string(created->json, "state"), "starting");
    ck_assert_str_eq(member_string(created->json, "image"), "demo-arena");
    ck_assert_str_eq(member_string(json_object_get_member(json_node_get_object(created->json), "labels"),
                                   "player"), "p1");
    wait_for_state(id, GH_SESSION_RUNNING);

    list = request("GET", "/v1/sessions", TOKEN);
    ck_assert_uint_eq(list->status, 200);
    sessions = json_object_get_array_member(json_node_get_object(list->json), "sessions");
    ck_assert_uint_eq(json_array_get_length(sessions), 1);
    ck_assert_str_eq(member_string(json_array_get_element(sessions, 0), "id"), id);

    show = request("GET", path, TOKEN);
    ck_assert_uint_eq(show->status, 200);
    ck_assert_str_eq(member_string(show->json, "state"), "running");

    del = request("DELETE", path, TOKEN);
    ck_assert_uint_eq(del->status, 202);
    ck_assert_str_eq(member_string(del->json, "state"), "stopping");
    wait_for_state(id, GH_SESSION_STOPPED);

    gone = request("DELETE", path, TOKEN);
    ck_assert_uint_eq(gone->status, 200);
    ck_assert_str_eq(member_string(gone->json, "state"), "stopped");
}
END_TEST

START_TEST(test_unknown_session_is_404)
{
    g_autoptr(Response) show = request("GET", "/v1/sessions/5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12", TOKEN);
    g_autoptr(Response) del = request("DELETE", "/v1/sessions/5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12", TOKEN);

    assert_error(show, 404, "not_found");
    assert_error(del, 404, "not_found");
}
END_TEST

START_TEST(test_sessions_list_filters_by_state)
{
    g_autoptr(Response) created = create("{\"image\":\"demo-arena\"}");
    g_autofree char *id = created_id(created);
    g_autoptr(Response) running = NULL, stopped = NULL;

    wait_for_state(id, GH_SESSION_RUNNING);
    running = request("GET", "/v1/sessions?state=running", TOKEN);
    stopped = request("GET", "/v1/sessions?state=stopped", TOKEN);
    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(json_node_get_object(running->json),
                                                                         "sessions")), 1);
    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(json_node_get_object(stopped->json),
                                                                         "sessions")), 0);
}
END_TEST

START_TEST(test_sessions_list_rejects_bad_state)
{
    g_autoptr(Response) r = request("GET", "/v1/sessions?state=sleeping", TOKEN);

    assert_error(r, 400, "invalid_request");
}
END_TEST

/* ---- metrics ---------------------------------------------------------------- */

static void
assert_has_line(const char *text, const char *line)
{
    g_autofree char *needle = g_strdup_printf("\n%s\n", line);
    g_autofree char *padded = g_strdup_printf("\n%s", text);

    ck_assert_msg(strstr(padded, needle), "missing line '%s' in:\n%s", line, text);
}

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

START_TEST(test_metrics_render_is_prometheus_text)
{
    g_autoptr(GhMetrics) metrics = gh_metrics_new();
    GhMetricsGauges gauges = { .sessions = { 1, 2, 0, 3, 0 }, .capacity = 8, .draining = TRUE };
    g_autofree char *text = NULL;

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
        "# HELP gamehost_input_dropped_total Player input dropped whole, by reason.\n"
        "# TYPE gamehost_input_dropped_total counter\n"
        "gamehost_input_dropped_total{reason=\"malformed\"} 0\n"
        "gamehost_input_dropped_total{reason=\"not_controller\"} 0\n"
        "# HELP gamehost_signal_messages_refused_total Signaling messages refused with an error.\n"
        "# TYPE gamehost_signal_messages_refused_total counter\n"
        "gamehost_signal_messages_refused_total 0\n");
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

/* ---- server-sent events ------------------------------------------------------ */

typedef struct {
    gboolean done;
    GInputStream *stream;
    gssize n;
    GError *error;
} StreamOp;

static void
on_stream_sent(GObject *source, GAsyncResult *res, gpointer user_data)
{
    StreamOp *op = user_data;

    op->stream = soup_session_send_finish(SOUP_SESSION(source), res, &op->error);
    op->done = TRUE;
}

static void
on_stream_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
    StreamOp *op = user_data;

    op->n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, &op->error);
    op->done = TRUE;
}

static GInputStream *
open_events(SoupMessage **out_msg)
{
    SoupMessage *msg = new_message("GET", "/v1/events", TOKEN);
    StreamOp op = { 0 };

    soup_session_send_async(fx.client, msg, G_PRIORITY_DEFAULT, NULL, on_stream_sent, &op);
    wait_until(&op.done);
    ck_assert_msg(op.stream, "%s", op.error ? op.error->message : "");
    ck_assert_uint_eq(soup_message_get_status(msg), 200);
    ck_assert_str_eq(soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL),
                     "text/event-stream");
    *out_msg = msg;
    return op.stream;
}

static guint
count_blocks(const char *text)
{
    guint n = 0;

    for (const char *p = text; (p = strstr(p, "\n\n")); p += 2)
        n++;
    return n;
}

/* Reads until the stream holds the needle (or, needle NULL, that many blocks). */
static void
read_until_n(GInputStream *in, GString *buf, const char *needle, guint blocks)
{
    char chunk[4096];

    while (needle ? !strstr(buf->str, needle) : count_blocks(buf->str) < blocks) {
        StreamOp op = { 0 };
        g_input_stream_read_async(in, chunk, sizeof chunk, G_PRIORITY_DEFAULT, NULL, on_stream_read, &op);
        wait_until(&op.done);
        ck_assert_msg(op.n > 0, "stream ended early: %s", buf->str);
        g_string_append_len(buf, chunk, op.n);
    }
}

static void
read_until(GInputStream *in, GString *buf, const char *needle)
{
    read_until_n(in, buf, needle, 0);
}

/* The JSON of the data line of the event with this id. */
static JsonNode *
event_data(const char *stream_text, guint id)
{
    g_autofree char *head = g_strdup_printf("id: %u\nevent: session\ndata: ", id);
    const char *start = strstr(stream_text, head);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *line = NULL;

    ck_assert_msg(start, "no event %u in:\n%s", id, stream_text);
    start += strlen(head);
    line = g_strndup(start, strcspn(start, "\n"));
    ck_assert_msg(strstr(start, "\n\n") == start + strlen(line), "event %u not ended by a blank line", id);
    ck_assert(json_parser_load_from_data(parser, line, -1, NULL));
    return json_node_ref(json_parser_get_root(parser));
}

START_TEST(test_events_stream_session_created_and_state)
{
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GInputStream) in = open_events(&msg);
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autoptr(Response) created = NULL;
    g_autofree char *id = NULL;
    g_autoptr(JsonNode) first = NULL, second = NULL;

    read_until(in, buf, "retry: 2000\n\n");
    ck_assert(g_str_has_prefix(buf->str, "retry: 2000\n\n"));
    created = create("{\"image\":\"demo-arena\"}");
    id = created_id(created);
    read_until_n(in, buf, NULL, 3);     /* retry, created, starting → running */

    first = event_data(buf->str, 1);
    ck_assert_str_eq(member_string(first, "type"), "session.created");
    ck_assert(!json_object_has_member(json_node_get_object(first), "previous"));
    ck_assert_str_eq(member_string(json_object_get_member(json_node_get_object(first), "session"), "id"), id);
    ck_assert_str_eq(member_string(json_object_get_member(json_node_get_object(first), "session"), "state"),
                     "starting");
    second = event_data(buf->str, 2);
    ck_assert_str_eq(member_string(second, "type"), "session.state");
    ck_assert_str_eq(member_string(second, "previous"), "starting");
    ck_assert_str_eq(member_string(json_object_get_member(json_node_get_object(second), "session"), "state"),
                     "running");
}
END_TEST

START_TEST(test_events_reach_every_client)
{
    g_autoptr(SoupMessage) m1 = NULL, m2 = NULL;
    g_autoptr(GInputStream) a = open_events(&m1);
    g_autoptr(GInputStream) b = open_events(&m2);
    g_autoptr(GString) abuf = g_string_new(NULL), bbuf = g_string_new(NULL);
    g_autoptr(Response) created = NULL;

    read_until(a, abuf, "retry: 2000\n\n");
    read_until(b, bbuf, "retry: 2000\n\n");
    ck_assert_uint_eq(fx.api->sse_clients->len, 2);
    created = create("{\"image\":\"demo-arena\"}");
    read_until(a, abuf, "session.created");
    read_until(b, bbuf, "session.created");
}
END_TEST

START_TEST(test_events_drops_disconnected_client)
{
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GInputStream) in = open_events(&msg);
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autoptr(Response) created = NULL;
    gint64 deadline = g_get_monotonic_time() + WAIT_US;
    g_autofree char *id = NULL;

    read_until(in, buf, "retry: 2000\n\n");
    ck_assert_uint_eq(fx.api->sse_clients->len, 1);
    g_input_stream_close(in, NULL, NULL);
    g_clear_object(&in);
    g_clear_object(&msg);
    /* Events are written to the dead connection until a write fails. */
    created = create("{\"image\":\"demo-arena\"}");
    id = created_id(created);
    wait_for_state(id, GH_SESSION_RUNNING);
    gh_session_manager_stop(fx.mgr, id, NULL);
    while (fx.api->sse_clients->len > 0) {
        ck_assert_msg(g_get_monotonic_time() < deadline, "client never dropped");
        iterate();
    }
}
END_TEST

/* ---- construction -------------------------------------------------------------- */

START_TEST(test_api_new_refuses_no_tokens)
{
    const char *tokens[] = { "", NULL };
    GhApiDeps deps = { .config = fx.config, .sessions = fx.mgr, .catalog = fx.catalog, .virt = fx.virt,
                       .tokens = tokens, .version = "1" };
    g_autoptr(GError) error = NULL;
    g_autoptr(GhApi) api = gh_api_new(&deps, &error);

    ck_assert_ptr_null(api);
    ck_assert(g_error_matches(error, GH_API_ERROR, GH_API_ERROR_INVALID));
}
END_TEST

START_TEST(test_listen_rejects_a_host_name)
{
    const char *tokens[] = { TOKEN, NULL };
    GhApiDeps deps = { .config = fx.config, .sessions = fx.mgr, .catalog = fx.catalog, .virt = fx.virt,
                       .tokens = tokens, .version = "1" };
    g_autoptr(GError) error = NULL;
    g_autoptr(GhApi) api = gh_api_new(&deps, NULL);

    ck_assert(!gh_api_listen(api, "example.com", 0, &error));
    ck_assert(g_error_matches(error, GH_API_ERROR, GH_API_ERROR_INVALID));
}
END_TEST

START_TEST(test_listen_on_localhost_uses_loopback)
{
    const char *tokens[] = { TOKEN, NULL };
    GhApiDeps deps = { .config = fx.config, .sessions = fx.mgr, .catalog = fx.catalog, .virt = fx.virt,
                       .tokens = tokens, .version = "1" };
    g_autoptr(GError) error = NULL;
    g_autoptr(GhApi) api = gh_api_new(&deps, NULL);

    ck_assert_msg(gh_api_listen(api, "localhost", 0, &error), "%s", error ? error->message : "");
    ck_assert_uint_ne(gh_api_port(api), 0);
}
END_TEST

/* ---- plugins, backend choices, input, frames ---------------------------------- */

START_TEST(test_plugins_without_registry_is_empty)
{
    g_autoptr(Response) r = request("GET", "/v1/plugins", TOKEN);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(r->body, "{\"plugins\":[],\"refused\":[]}");
}
END_TEST

static JsonObject *
array_object(JsonArray *a, guint i)
{
    ck_assert_uint_lt(i, json_array_get_length(a));
    return json_array_get_object_element(a, i);
}

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
    ck_assert_str_eq(json_object_get_string_member(good, "abi"), "1.2");
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

START_TEST(test_create_rejects_bad_backend_choices)
{
    static const char *const cases[][2] = {
        { "\"capture\":42", "field 'capture' must be a backend name or an object {\"backend\", \"options\"}" },
        { "\"stream\":[]", "field 'stream' must be a backend name or an object {\"backend\", \"options\"}" },
        { "\"input\":null", "field 'input' must be a backend name or an object {\"backend\", \"options\"}" },
        { "\"input\":\"Input QMP\"", "field 'input' must be a backend name ([a-z0-9][a-z0-9._-]{0,63})" },
        { "\"capture\":\"\"", "field 'capture' must be a backend name ([a-z0-9][a-z0-9._-]{0,63})" },
        { "\"capture\":{}", "field 'capture.backend' is required" },
        { "\"capture\":{\"backend\":7}", "field 'capture.backend' must be a backend name ([a-z0-9][a-z0-9._-]{0,63})" },
        { "\"capture\":{\"backend\":\"capture.x\",\"opts\":{}}", "unknown field 'capture.opts'" },
        { "\"input\":{\"backend\":\"input.x\",\"options\":[]}", "field 'input.options' must be an object of strings" },
        { "\"input\":{\"backend\":\"input.x\",\"options\":{\"k\":1}}",
          "field 'input.options.k' must be a string of at most 1024 bytes" },
        { "\"stream\":{\"backend\":\"stream.x\",\"options\":{\"Bad Key\":\"v\"}}",
          "option key 'Bad Key' in field 'stream.options' must match [a-z0-9_.-]{1,63}" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\",%s}", cases[i][0]);
        g_autoptr(Response) r = create(body);

        assert_error(r, 400, "invalid_request");
        ck_assert_str_eq(error_message(r), cases[i][1]);
    }
}
END_TEST

START_TEST(test_create_rejects_too_many_backend_options)
{
    g_autoptr(GString) body = g_string_new("{\"image\":\"demo-arena\",\"capture\":{\"backend\":\"capture.x\",\"options\":{");
    g_autoptr(Response) r = NULL;

    for (int i = 0; i < 33; i++)
        g_string_append_printf(body, "%s\"k%d\":\"v\"", i ? "," : "", i);
    g_string_append(body, "}}}");
    r = create(body->str);
    assert_error(r, 400, "invalid_request");
    ck_assert_str_eq(error_message(r), "field 'capture.options' has more than 32 options");
}
END_TEST

START_TEST(test_create_rejects_unknown_backend)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"capture\":\"capture.nope\"}");
    g_autoptr(Response) list = request("GET", "/v1/sessions", TOKEN);

    assert_error(r, 400, "invalid_backend");
    ck_assert_str_eq(error_message(r), "unknown capture backend 'capture.nope'");
    ck_assert_str_eq(list->body, "{\"sessions\":[]}");
}
END_TEST

START_TEST(test_create_rejects_backend_of_wrong_kind)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"capture\":{\"backend\":\"input.fake\"}}");

    assert_error(r, 400, "invalid_backend");
    ck_assert_str_eq(error_message(r), "backend 'input.fake' is not a capture backend");
}
END_TEST

START_TEST(test_idempotency_key_reuse_with_other_backend_is_422)
{
    g_autoptr(Response) first = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"capture\":\"capture.fake\"}", "k-backend");
    g_autoptr(Response) same = post_json_as("/v1/sessions", "application/json",
                                            "{\"image\":\"demo-arena\",\"capture\":{\"backend\":\"capture.fake\"}}",
                                            "k-backend");
    g_autoptr(Response) other = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"capture\":\"capture.fake2\"}", "k-backend");
    g_autoptr(Response) options = post_json_as(
        "/v1/sessions", "application/json",
        "{\"image\":\"demo-arena\",\"capture\":{\"backend\":\"capture.fake\",\"options\":{\"eagain\":\"1\"}}}",
        "k-backend");

    ck_assert_uint_eq(first->status, 201);
    ck_assert_uint_eq(same->status, 201);
    ck_assert_str_eq(soup_message_headers_get_one(same->headers, "Idempotent-Replayed"), "true");
    assert_error(other, 422, "idempotency_key_reused");
    assert_error(options, 422, "idempotency_key_reused");
}
END_TEST

#define NO_SUCH_SESSION "/v1/sessions/5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12"
#define KEY_TAP "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"action\":\"tap\"}]}"

static char *
session_path(const char *id, const char *tail)
{
    return g_strdup_printf("/v1/sessions/%s%s", id, tail);
}

/* A session of demo-arena, running; body adds to the create request. */
static char *
running_session(const char *extra)
{
    g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\"%s}", extra);
    g_autoptr(Response) created = create(body);
    char *id = created_id(created);

    wait_for_state(id, GH_SESSION_RUNNING);
    return id;
}

START_TEST(test_input_and_frame_of_unknown_session_are_404)
{
    g_autoptr(Response) input = post_json_as(NO_SUCH_SESSION "/input", "application/json", KEY_TAP, NULL);
    g_autoptr(Response) frame = request("GET", NO_SUCH_SESSION "/frame", TOKEN);

    assert_error(input, 404, "not_found");
    assert_error(frame, 404, "not_found");
}
END_TEST

START_TEST(test_input_and_frame_need_a_token)
{
    g_autoptr(Response) frame = request("GET", NO_SUCH_SESSION "/frame", NULL);
    g_autoptr(Response) wrong = request("GET", NO_SUCH_SESSION "/input", TOKEN);

    assert_error(frame, 401, "unauthorized");
    assert_error(wrong, 405, "method_not_allowed");
}
END_TEST

START_TEST(test_input_rejects_malformed_events)
{
    static const char *const cases[][2] = {
        { "{\"events\":[]}", "events: at least 1 event" },
        { "{}", "events: is required" },
        { "[1]", "request body must be a JSON object" },
        { "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":1},{\"type\":\"key\",\"code\":\"KEY_NOPE\","
          "\"value\":1}]}", "events[1].code: unknown key 'KEY_NOPE'" },
        { "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":2}]}", "events[0].value: must be 0 or 1" },
        { "{\"events\":[{\"type\":\"rel\",\"code\":\"REL_X\",\"value\":10001}]}",
          "events[0].value: must be between -10000 and 10000" },
    };
    g_autofree char *id = running_session("");
    g_autofree char *path = session_path(id, "/input");

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(Response) r = post_json_as(path, "application/json", cases[i][0], NULL);

        assert_error(r, 400, "invalid_request");
        ck_assert_str_eq(error_message(r), cases[i][1]);
    }
}
END_TEST

START_TEST(test_input_rejects_bad_json_and_content_type)
{
    g_autofree char *id = running_session("");
    g_autofree char *path = session_path(id, "/input");
    g_autoptr(Response) text = post_json_as(path, "text/plain", KEY_TAP, NULL);
    g_autoptr(Response) broken = post_json_as(path, "application/json", "{\"events\":[", NULL);

    assert_error(text, 415, "unsupported_media_type");
    assert_error(broken, 400, "invalid_json");
}
END_TEST

START_TEST(test_input_and_frame_without_backends_are_409)
{
    g_autofree char *id = running_session("");
    g_autofree char *input_path = session_path(id, "/input");
    g_autofree char *frame_path = session_path(id, "/frame");
    g_autoptr(Response) input = post_json_as(input_path, "application/json", KEY_TAP, NULL);
    g_autoptr(Response) frame = request("GET", frame_path, TOKEN);
    g_autofree char *input_msg = g_strdup_printf("session %s has no input backend "
                                                 "(this host loaded no plugins that serve it)", id);

    assert_error(input, 409, "no_input");
    ck_assert_str_eq(error_message(input), input_msg);
    assert_error(frame, 409, "no_capture");
}
END_TEST

START_TEST(test_input_and_frame_of_stopped_session_are_409)
{
    g_autofree char *id = running_session("");
    g_autofree char *path = session_path(id, "");
    g_autofree char *input_path = session_path(id, "/input");
    g_autofree char *frame_path = session_path(id, "/frame");
    g_autoptr(Response) del = request("DELETE", path, TOKEN);
    g_autoptr(Response) input = NULL, frame = NULL;

    ck_assert_uint_eq(del->status, 202);
    wait_for_state(id, GH_SESSION_STOPPED);
    input = post_json_as(input_path, "application/json", KEY_TAP, NULL);
    frame = request("GET", frame_path, TOKEN);
    assert_error(input, 409, "not_running");
    assert_error(frame, 409, "not_running");
}
END_TEST

START_TEST(test_input_reaches_the_input_backend)
{
    g_autofree char *id = running_session(",\"capture\":\"capture.fake\",\"input\":\"input.fake\"");
    g_autofree char *path = session_path(id, "/input");
    g_autofree char *show_path = session_path(id, "");
    g_autoptr(Response) r = post_json_as(path, "application/json",
                                         "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"action\":\"tap\"},"
                                         "{\"type\":\"rel\",\"code\":\"REL_X\",\"value\":-5}]}", NULL);
    g_autoptr(Response) show = request("GET", show_path, TOKEN);
    JsonObject *pipeline;

    ck_assert_msg(r->status == 200, "status %u: %s", r->status, r->body);
    ck_assert_str_eq(r->body, "{\"delivered\":3}");
    pipeline = json_object_get_object_member(json_node_get_object(show->json), "pipeline");
    ck_assert_ptr_nonnull(pipeline);
    ck_assert_str_eq(json_object_get_string_member(pipeline, "capture"), "capture.fake");
    ck_assert_str_eq(json_object_get_string_member(pipeline, "input"), "input.fake");
}
END_TEST

START_TEST(test_input_backend_failure_is_502)
{
    g_autofree char *id = running_session(",\"input\":{\"backend\":\"input.fake\",\"options\":{\"fail\":\"1\"}}");
    g_autofree char *path = session_path(id, "/input");
    g_autoptr(Response) r = post_json_as(path, "application/json", KEY_TAP, NULL);

    assert_error(r, 502, "backend_failed");
}
END_TEST

START_TEST(test_frame_is_an_uncached_png)
{
    g_autofree char *id = running_session(",\"capture\":\"capture.fake\"");
    g_autofree char *path = session_path(id, "/frame");
    g_autoptr(Response) r = request("GET", path, TOKEN);

    ck_assert_msg(r->status == 200, "status %u: %s", r->status, r->body);
    ck_assert_str_eq(soup_message_headers_get_content_type(r->headers, NULL), "image/png");
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "Cache-Control"), "no-store");
    ck_assert_int_eq(memcmp(r->body, "\x89PNG\r\n\x1a\n", 8), 0);
}
END_TEST

/* ---- suite ---------------------------------------------------------------------- */

/* ---- players: tokens, /play, the signal endpoint (docs/player.md) ------------ */

#define PEER_BACKENDS ",\"capture\":\"capture.fake\",\"stream\":\"stream.peerfake\",\"input\":\"input.fake\""

static gint64 fake_now;

static gint64
fake_clock(void)
{
    return fake_now;
}

static StreamPeerFakeState *peer_fake;
static PipelineFakeState *pipeline_fake;

static gpointer
plugin_symbol(const char *file, const char *symbol)
{
    const char *build = g_getenv("GH_TEST_BUILDDIR") ? g_getenv("GH_TEST_BUILDDIR") : ".";
    g_autofree char *path = g_build_filename(build, "tests", "plugins", ".libs", file, NULL);
    void *handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);

    ck_assert_msg(handle, "%s is not loaded", path);
    return dlsym(handle, symbol);
}

/* The plugins, the interactive fake, the stand-in player files, two viewers
 * at most, and a clock the test moves. */
static void
setup_players(void)
{
    const char *src = g_getenv("GH_TEST_SRCDIR") ? g_getenv("GH_TEST_SRCDIR") : ".";
    const char *build = g_getenv("GH_TEST_BUILDDIR") ? g_getenv("GH_TEST_BUILDDIR") : ".";
    g_autofree char *fake = g_build_filename(build, "tests", "plugins", ".libs", "stream-peer-fake.so", NULL);
    g_autoptr(GError) error = NULL;

    setup_with_full(4, TRUE);
    ck_assert_msg(gh_plugin_registry_load_file(fx.plugins, fake, &error), "%s", error ? error->message : "");
    g_free(fx.config->player_dir);
    fx.config->player_dir = g_build_filename(src, "tests", "data", "player", NULL);
    fx.config->max_viewers = 2;
    fake_now = G_GINT64_CONSTANT(1800000000) * G_USEC_PER_SEC;
    gh_session_manager_set_clock(fx.mgr, fake_clock);
    peer_fake = ((StreamPeerFakeStateFn)plugin_symbol("stream-peer-fake.so", STREAM_PEER_FAKE_STATE_SYMBOL))();
    memset(peer_fake, 0, sizeof *peer_fake);
    pipeline_fake = ((PipelineFakeStateFn)plugin_symbol("pipeline-fake.so", PIPELINE_FAKE_STATE_SYMBOL))();
    memset(pipeline_fake, 0, sizeof *pipeline_fake);
}

/* A running session with the interactive fake; *token is its player token. */
static char *
player_session(const char *extra, char **token)
{
    g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\"%s}", extra);
    g_autoptr(Response) created = create(body);
    JsonNode *player;
    char *id = created_id(created);

    player = json_object_get_member(json_node_get_object(created->json), "player");
    ck_assert_msg(player && JSON_NODE_HOLDS_OBJECT(player), "no player in %s", created->body);
    *token = g_strdup(member_string(player, "token"));
    wait_for_state(id, GH_SESSION_RUNNING);
    return id;
}

static char *
signal_path(const char *id, const char *token)
{
    return token ? g_strdup_printf("/v1/sessions/%s/signal?token=%s", id, token)
                 : g_strdup_printf("/v1/sessions/%s/signal", id);
}

static char *
play_path(const char *id, const char *token)
{
    return token ? g_strdup_printf("/play/%s?token=%s", id, token) : g_strdup_printf("/play/%s", id);
}

/* A WebSocket client of the signal endpoint. */
typedef struct {
    SoupWebsocketConnection *conn;   /* NULL when the upgrade was refused */
    guint status;                    /* of the handshake response */
    GQueue messages;                 /* char *; a binary message reads "<binary>" */
    gboolean done, closed;
    gushort close_code;
} Ws;

static void
ws_on_message(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer data)
{
    Ws *ws = data;
    gsize len;
    const char *text = g_bytes_get_data(message, &len);

    g_queue_push_tail(&ws->messages, type == SOUP_WEBSOCKET_DATA_TEXT ? g_strndup(text, len) : g_strdup("<binary>"));
}

static void
ws_on_closed(SoupWebsocketConnection *conn, gpointer data)
{
    Ws *ws = data;

    ws->closed = TRUE;
    ws->close_code = soup_websocket_connection_get_close_code(conn);
}

static void
ws_on_connected(GObject *source, GAsyncResult *res, gpointer data)
{
    Ws *ws = data;

    ws->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, NULL);
    if (ws->conn) {
        g_signal_connect(ws->conn, "message", G_CALLBACK(ws_on_message), ws);
        g_signal_connect(ws->conn, "closed", G_CALLBACK(ws_on_closed), ws);
    }
    ws->done = TRUE;
}

static Ws *
ws_connect(const char *path, const char *bearer)
{
    Ws *ws = g_new0(Ws, 1);
    g_autoptr(SoupMessage) msg = new_message("GET", path, bearer);

    g_queue_init(&ws->messages);
    soup_session_websocket_connect_async(fx.client, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, ws_on_connected, ws);
    wait_until(&ws->done);
    ws->status = soup_message_get_status(msg);
    return ws;
}

static void
ws_free(Ws *ws)
{
    if (ws->conn) {
        g_signal_handlers_disconnect_by_data(ws->conn, ws);
        if (soup_websocket_connection_get_state(ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_close(ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
        g_object_unref(ws->conn);
    }
    g_queue_clear_full(&ws->messages, g_free);
    g_free(ws);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ws, ws_free)

/* The next message the host sent (waiting for it). */
static char *
ws_next(Ws *ws)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;

    while (g_queue_is_empty(&ws->messages)) {
        ck_assert_msg(!ws->closed, "connection closed (%u) while waiting for a message", ws->close_code);
        ck_assert_msg(g_get_monotonic_time() < deadline, "timed out waiting for a message");
        iterate();
    }
    return g_queue_pop_head(&ws->messages);
}

#define assert_next(ws, want)                                                          \
    do {                                                                               \
        g_autofree char *got_ = ws_next(ws);                                           \
        ck_assert_str_eq(got_, (want));                                                \
    } while (0)

static void
ws_wait_closed(Ws *ws)
{
    wait_until(&ws->closed);
}

static Ws *
ws_open(const char *id, const char *token)
{
    g_autofree char *path = signal_path(id, token);
    Ws *ws = ws_connect(path, NULL);

    ck_assert_msg(ws->conn, "upgrade refused with %u", ws->status);
    return ws;
}

static char *
welcome(const char *id, guint peer, const char *role)
{
    return g_strdup_printf("{\"type\":\"welcome\",\"session\":\"%s\",\"peer\":%u,\"role\":\"%s\"}", id, peer, role);
}

START_TEST(test_create_answers_with_a_player_token)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"player\":{\"ttl_s\":60}}");
    JsonNode *player = json_object_get_member(json_node_get_object(r->json), "player");
    const char *id = member_string(r->json, "id");
    const char *token = member_string(player, "token");
    g_autofree char *url = play_path(id, token);

    ck_assert_uint_eq(r->status, 201);
    ck_assert_uint_eq(strlen(token), 43);
    ck_assert_str_eq(member_string(player, "url"), url);
    ck_assert_str_eq(member_string(player, "expires_at"), "2027-01-15T08:01:00Z");
}
END_TEST

START_TEST(test_player_token_never_listed)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\"}");
    const char *id = member_string(r->json, "id");
    const char *token = member_string(json_object_get_member(json_node_get_object(r->json), "player"), "token");
    g_autofree char *path = session_path(id, "");
    g_autoptr(Response) list = request("GET", "/v1/sessions", TOKEN);
    g_autoptr(Response) show = request("GET", path, TOKEN);
    JsonNode *player = json_object_get_member(json_node_get_object(show->json), "player");

    ck_assert_ptr_null(strstr(list->body, token));
    ck_assert_ptr_null(strstr(show->body, token));
    ck_assert_ptr_null(strstr(show->body, "sha256"));
    ck_assert_str_eq(member_string(player, "expires_at"), "2027-01-15T09:00:00Z");
    ck_assert(!json_object_has_member(json_node_get_object(player), "token"));
}
END_TEST

START_TEST(test_player_token_remint_revokes_the_old_one)
{
    g_autofree char *old = NULL;
    g_autofree char *id = player_session("", &old);
    g_autofree char *path = session_path(id, "/player-token");
    g_autoptr(Response) r = post_json_as(path, "application/json", "{\"ttl_s\":30}", NULL);
    const char *fresh = member_string(r->json, "token");
    g_autofree char *old_play = play_path(id, old);
    g_autofree char *new_play = play_path(id, fresh);
    g_autoptr(Response) refused = request("GET", old_play, NULL);
    g_autoptr(Response) served = request("GET", new_play, NULL);
    g_autoptr(Response) bad = post_json_as(path, "application/json", "{\"ttl_s\":0}", NULL);
    g_autoptr(Response) none = post_json_as(NO_SUCH_SESSION "/player-token", "application/json", "{}", NULL);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(member_string(r->json, "expires_at"), "2027-01-15T08:00:30Z");
    ck_assert_uint_eq(refused->status, 401);
    ck_assert_uint_eq(served->status, 200);
    assert_error(bad, 400, "invalid_request");
    ck_assert_str_eq(error_message(bad), "field 'ttl_s' must be an integer from 1 to 3600 (seconds)");
    assert_error(none, 404, "not_found");
}
END_TEST

START_TEST(test_player_token_opens_nothing_else)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session("", &token);
    g_autofree char *path = session_path(id, "");
    g_autoptr(Response) bearer = request("GET", path, token);
    g_autofree char *with_query = g_strdup_printf("%s?token=%s", path, token);
    g_autoptr(Response) query = request("GET", with_query, NULL);

    assert_error(bearer, 401, "unauthorized");
    assert_error(query, 401, "unauthorized");
}
END_TEST

START_TEST(test_signal_refusals_before_the_upgrade)
{
    g_autofree char *token = NULL, *other_token = NULL, *plain_token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *other = player_session(PEER_BACKENDS, &other_token);
    g_autofree char *plain = player_session(",\"capture\":\"capture.fake\",\"stream\":\"stream.fake\"", &plain_token);
    g_autofree char *missing = signal_path(id, NULL);
    g_autofree char *unknown = signal_path(id, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    g_autofree char *wrong = signal_path(id, other_token);
    g_autofree char *no_stream = signal_path(plain, plain_token);
    g_autofree char *gone = g_strdup_printf("%s/signal", NO_SUCH_SESSION);
    g_autofree char *plain_get = signal_path(id, token);
    g_autoptr(Response) r1 = request("GET", missing, NULL);
    g_autoptr(Response) r2 = request("GET", unknown, NULL);
    g_autoptr(Response) r3 = request("GET", wrong, NULL);
    g_autoptr(Response) r4 = request("GET", no_stream, NULL);
    g_autoptr(Response) r5 = request("GET", gone, TOKEN);
    g_autoptr(Response) r6 = request("GET", plain_get, NULL);   /* no Upgrade header */
    g_autoptr(Ws) ws = ws_connect(missing, NULL);

    assert_error(r1, 401, "unauthorized");
    assert_error(r2, 401, "unauthorized");
    assert_error(r3, 403, "wrong_session");
    assert_error(r4, 409, "no_stream");
    assert_error(r5, 404, "not_found");
    assert_error(r6, 400, "invalid_request");
    ck_assert_ptr_null(ws->conn);
    ck_assert_uint_eq(ws->status, 401);
    ck_assert_uint_eq(peer_fake->opened, 0);
}
END_TEST

START_TEST(test_signal_refuses_an_expired_token)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS ",\"player\":{\"ttl_s\":1}", &token);
    g_autofree char *path = signal_path(id, token);
    g_autofree char *page = play_path(id, token);
    g_autoptr(Response) r = NULL;
    g_autoptr(Response) html = NULL;

    fake_now += G_USEC_PER_SEC;
    r = request("GET", path, NULL);
    html = request("GET", page, NULL);
    assert_error(r, 401, "token_expired");
    ck_assert_uint_eq(html->status, 401);
    ck_assert_str_eq(soup_message_headers_get_content_type(html->headers, NULL), "text/html");
    ck_assert_ptr_nonnull(strstr(html->body, "This player link has expired"));
}
END_TEST

START_TEST(test_signal_refuses_a_session_not_running)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *del = session_path(id, "");
    g_autofree char *path = signal_path(id, NULL);
    g_autoptr(Response) stop = request("DELETE", del, TOKEN);
    g_autoptr(Response) r = NULL;

    wait_for_state(id, GH_SESSION_STOPPED);
    r = request("GET", path, TOKEN);
    assert_error(r, 409, "not_running");
}
END_TEST

START_TEST(test_signal_numbers_peers_and_hands_control_over)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *w1 = welcome(id, 1, "control"), *w2 = welcome(id, 2, "watch"), *w3 = welcome(id, 3, "watch");
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Ws) b = NULL;
    g_autoptr(Ws) c = NULL;

    assert_next(a, w1);
    b = ws_open(id, token);
    assert_next(b, w2);
    ck_assert_uint_eq(peer_fake->opened, 2);
    ck_assert_uint_eq(peer_fake->open_flags[0], GH_PEER_CONTROL);
    ck_assert_uint_eq(peer_fake->open_flags[1], 0);
    ck_assert_uint_eq(peer_fake->keyframes, 2);
    soup_websocket_connection_close(a->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    assert_next(b, "{\"type\":\"role\",\"role\":\"control\"}");
    ck_assert_uint_eq(peer_fake->closed, 1);
    ck_assert_uint_eq(peer_fake->closed_peers[0], 1);
    c = ws_open(id, token);     /* number 1 is never given again */
    assert_next(c, w3);
}
END_TEST

START_TEST(test_signal_viewer_limit_is_503)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *path = signal_path(id, token);
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Ws) b = ws_open(id, token);
    g_autoptr(Response) r = NULL;
    g_autoptr(Response) metrics = NULL;

    g_free(ws_next(a));
    g_free(ws_next(b));
    r = request("GET", path, NULL);
    assert_error(r, 503, "too_many_viewers");
    metrics = request("GET", "/metrics", TOKEN);
    ck_assert_ptr_nonnull(strstr(metrics->body, "\ngamehost_players 2\n"));
}
END_TEST

START_TEST(test_signal_bad_messages_get_an_error_and_the_connection_stays)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) ws = ws_open(id, token);
    g_autofree char *big = g_malloc(70001);
    g_autoptr(Response) metrics = NULL;

    g_free(ws_next(ws));
    soup_websocket_connection_send_binary(ws->conn, "{}", 2);
    assert_next(ws, "{\"type\":\"error\",\"message\":\"binary messages are not accepted: send one JSON object per "
                    "text message\"}");
    soup_websocket_connection_send_text(ws->conn, "{not json");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message is not valid JSON\"}");
    soup_websocket_connection_send_text(ws->conn, "[1,2]");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message must be a JSON object\"}");
    soup_websocket_connection_send_text(ws->conn, "{\"kind\":\"hello\"}");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message must have a string member 'type'\"}");
    soup_websocket_connection_send_text(ws->conn, "{\"type\":7}");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message must have a string member 'type'\"}");
    memset(big, ' ', 70000);
    big[0] = '{';
    memcpy(big + 69990, "\"type\":1}", 9);
    big[70000] = '\0';
    soup_websocket_connection_send_text(ws->conn, big);
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message has 70000 bytes, more than 65536\"}");
    soup_websocket_connection_send_text(ws->conn, "{\"type\":\"refuse\"}");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"stream.peerfake failed: the fake refused the message\"}");
    /* Still open, and relaying: the fake echoes what it does not know. */
    soup_websocket_connection_send_text(ws->conn, "{\"type\":\"hello\",\"codecs\":[\"H264\"]}");
    assert_next(ws, "{\"type\":\"hello\",\"codecs\":[\"H264\"]}");
    ck_assert_uint_eq(peer_fake->messages, 2);
    metrics = request("GET", "/metrics", TOKEN);
    ck_assert_ptr_nonnull(strstr(metrics->body, "\ngamehost_signal_messages_refused_total 7\n"));
}
END_TEST

START_TEST(test_signal_host_services_limits)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) ws = ws_open(id, token);

    g_free(ws_next(ws));
    soup_websocket_connection_send_text(ws->conn, "{\"type\":\"big\"}");
    assert_next(ws, "{\"type\":\"big-result\",\"rc\":-90}");      /* -EMSGSIZE */
    soup_websocket_connection_send_text(ws->conn, "{\"type\":\"ghost\"}");
    assert_next(ws, "{\"type\":\"ghost-result\",\"rc\":-2}");      /* -ENOENT */
}
END_TEST

START_TEST(test_signal_input_from_the_controller_reaches_the_input_backend)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) ctl = ws_open(id, token);

    g_free(ws_next(ctl));
    soup_websocket_connection_send_text(ctl->conn, "{\"type\":\"input\",\"events\":[{\"type\":\"key\",\"code\":"
                                                   "\"KEY_LEFT\",\"action\":\"tap\"}]}");
    /* The input was queued before the reply: it has been delivered. */
    assert_next(ctl, "{\"type\":\"input-result\",\"rc\":2}");
    ck_assert_uint_eq(pipeline_fake->n_events, 2);
    ck_assert_uint_eq(pipeline_fake->events[0].code, KEY_LEFT);
    ck_assert_int_eq(pipeline_fake->events[0].value, 1);
    ck_assert_int_eq(pipeline_fake->events[1].value, 0);
    ck_assert_uint_ne(pipeline_fake->events[0].timestamp_ns, 0);
}
END_TEST

START_TEST(test_signal_input_from_a_watcher_or_malformed_is_dropped_and_counted)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *path = session_path(id, "");
    g_autoptr(Ws) ctl = ws_open(id, token);
    g_autoptr(Ws) watcher = ws_open(id, token);
    g_autoptr(Response) metrics = NULL;
    g_autoptr(Response) show = NULL;
    JsonObject *players;

    g_free(ws_next(ctl));
    g_free(ws_next(watcher));
    soup_websocket_connection_send_text(watcher->conn, "{\"type\":\"input\",\"events\":[{\"type\":\"key\",\"code\":"
                                                       "\"KEY_LEFT\",\"action\":\"tap\"}]}");
    assert_next(watcher, "{\"type\":\"input-result\",\"rc\":-1}");   /* -EPERM */
    soup_websocket_connection_send_text(ctl->conn, "{\"type\":\"input\",\"events\":[{\"type\":\"key\",\"code\":"
                                                   "\"KEY_NOPE\",\"value\":1}]}");
    assert_next(ctl, "{\"type\":\"input-result\",\"rc\":-22}");      /* -EINVAL */
    ck_assert_uint_eq(pipeline_fake->n_events, 0);
    metrics = request("GET", "/metrics", TOKEN);
    ck_assert_ptr_nonnull(strstr(metrics->body, "gamehost_input_dropped_total{reason=\"malformed\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(metrics->body, "gamehost_input_dropped_total{reason=\"not_controller\"} 1\n"));
    show = request("GET", path, TOKEN);
    players = json_object_get_object_member(
        json_object_get_object_member(json_node_get_object(show->json), "pipeline"), "players");
    ck_assert_int_eq(json_object_get_int_member(players, "connected"), 2);
    ck_assert_int_eq(json_object_get_int_member(players, "control"), 1);
    ck_assert_int_eq(json_object_get_int_member(json_object_get_object_member(players, "input_dropped"), "malformed"),
                     1);
}
END_TEST

START_TEST(test_signal_bye_to_every_peer_when_the_session_stops)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *del = session_path(id, "");
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Ws) b = ws_open(id, token);
    g_autoptr(Response) stop = NULL;

    g_free(ws_next(a));
    g_free(ws_next(b));
    stop = request("DELETE", del, TOKEN);
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"the session has ended\",\"scope\":\"session\"}");
    assert_next(b, "{\"type\":\"bye\",\"reason\":\"the session has ended\",\"scope\":\"session\"}");
    ws_wait_closed(a);
    ws_wait_closed(b);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
    ck_assert_uint_eq(b->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
    wait_for_state(id, GH_SESSION_STOPPED);
    ck_assert_uint_eq(peer_fake->closed, 2);
    ck_assert_int_eq(peer_fake->destroyed_with_open_peers, 0);
    ck_assert_int_eq(peer_fake->instances, 0);
}
END_TEST

START_TEST(test_signal_backend_closes_a_peer)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Ws) b = ws_open(id, token);

    g_free(ws_next(a));
    g_free(ws_next(b));
    soup_websocket_connection_send_text(a->conn, "{\"type\":\"close-me\"}");
    /* Only this peer ends: the page must not say that the session did. */
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"closed by the fake\",\"scope\":\"peer\"}");
    ws_wait_closed(a);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_NORMAL);
    assert_next(b, "{\"type\":\"role\",\"role\":\"control\"}");
    ck_assert_uint_eq(peer_fake->closed, 1);
}
END_TEST

START_TEST(test_signal_bye_when_the_host_shuts_down)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) a = ws_open(id, token);

    g_free(ws_next(a));
    fx.api = gh_api_free(fx.api);
    /* The session outlives the daemon: not "the session has ended". */
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"the host is shutting down\",\"scope\":\"host\"}");
    ws_wait_closed(a);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
    ck_assert_uint_eq(peer_fake->closed, 1);
}
END_TEST

START_TEST(test_signal_bye_when_the_session_fails_keeps_the_reason_from_players)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(",\"capture\":{\"backend\":\"capture.fake\",\"options\":{\"fail_after\":"
                                         "\"2\"}},\"stream\":\"stream.peerfake\",\"input\":\"input.fake\"", &token);
    g_autofree char *path = session_path(id, "");
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Response) show = NULL;

    /* Frames flow once a player watches; the third grab fails. */
    g_free(ws_next(a));
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"the game stopped because of an error on the server\","
                   "\"scope\":\"session\"}");
    ws_wait_closed(a);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
    wait_for_state(id, GH_SESSION_FAILED);
    show = request("GET", path, TOKEN);
    ck_assert_str_eq(member_string(show->json, "reason"), "capture.fake failed: fake capture broke");
}
END_TEST

START_TEST(test_signal_remint_ends_the_old_links_players)
{
    g_autofree char *old = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &old);
    g_autofree char *mint = session_path(id, "/player-token");
    g_autofree char *old_path = signal_path(id, old);
    g_autofree char *w2 = welcome(id, 2, "control");
    g_autoptr(Ws) a = ws_open(id, old);
    g_autoptr(Ws) refused = NULL;
    g_autoptr(Ws) b = NULL;
    g_autoptr(Response) r = NULL;

    g_free(ws_next(a));
    r = post_json_as(mint, "application/json", "{}", NULL);
    ck_assert_uint_eq(r->status, 200);
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"the player link was replaced\",\"scope\":\"peer\"}");
    ws_wait_closed(a);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_NORMAL);
    ck_assert_uint_eq(peer_fake->closed, 1);
    refused = ws_connect(old_path, NULL);
    ck_assert_ptr_null(refused->conn);
    ck_assert_uint_eq(refused->status, 401);
    b = ws_open(id, member_string(r->json, "token"));
    assert_next(b, w2);
}
END_TEST

START_TEST(test_signal_remint_leaves_the_orchestrators_peer_connected)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *mint = session_path(id, "/player-token");
    g_autofree char *bearer_path = signal_path(id, NULL);
    g_autoptr(Ws) player = ws_open(id, token);
    g_autoptr(Ws) orchestrator = ws_connect(bearer_path, TOKEN);
    g_autoptr(Response) r = NULL;

    g_free(ws_next(player));
    g_free(ws_next(orchestrator));
    r = post_json_as(mint, "application/json", "{}", NULL);
    ck_assert_uint_eq(r->status, 200);
    assert_next(player, "{\"type\":\"bye\",\"reason\":\"the player link was replaced\",\"scope\":\"peer\"}");
    ws_wait_closed(player);
    /* The player had control: it passes to the peer that stays. */
    assert_next(orchestrator, "{\"type\":\"role\",\"role\":\"control\"}");
    soup_websocket_connection_send_text(orchestrator->conn, "{\"type\":\"hello\"}");
    assert_next(orchestrator, "{\"type\":\"hello\"}");
    ck_assert(!orchestrator->closed);
    ck_assert_uint_eq(peer_fake->closed, 1);
}
END_TEST

START_TEST(test_signal_token_expiry_leaves_a_connected_player)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS ",\"player\":{\"ttl_s\":1}", &token);
    g_autofree char *path = signal_path(id, token);
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Response) r = NULL;

    g_free(ws_next(a));
    fake_now += G_USEC_PER_SEC;
    r = request("GET", path, NULL);
    assert_error(r, 401, "token_expired");
    /* Expiry gates new connections only: the game in progress goes on. */
    soup_websocket_connection_send_text(a->conn, "{\"type\":\"hello\"}");
    assert_next(a, "{\"type\":\"hello\"}");
    ck_assert(!a->closed);
}
END_TEST

START_TEST(test_signal_backend_may_send_from_peer_open)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(",\"capture\":\"capture.fake\",\"stream\":{\"backend\":\"stream.peerfake\","
                                         "\"options\":{\"greet\":\"1\"}}", &token);
    g_autofree char *w1 = welcome(id, 1, "control");
    g_autoptr(Ws) ws = ws_open(id, token);

    /* The welcome first, then what the backend sent while opening. */
    assert_next(ws, w1);
    assert_next(ws, "{\"type\":\"greeting\"}");
    ck_assert_int_eq(peer_fake->greet_rc, 0);
}
END_TEST

START_TEST(test_signal_services_called_from_destroy_fail_cleanly)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *del = session_path(id, "");
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Response) stop = NULL;

    g_free(ws_next(a));
    stop = request("DELETE", del, TOKEN);
    wait_for_state(id, GH_SESSION_STOPPED);
    /* The handle is valid until destroy returns, so the services answer
     * (the players are gone) rather than reach freed memory. */
    ck_assert_int_eq(peer_fake->instances, 0);
    ck_assert_int_eq(peer_fake->destroy_send_rc, -ENOENT);
    ck_assert_int_eq(peer_fake->destroy_input_rc, -EPERM);
    ck_assert_uint_eq(pipeline_fake->n_events, 0);
}
END_TEST

START_TEST(test_signal_peer_refused_by_the_backend_is_closed_with_its_reason)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(",\"capture\":\"capture.fake\",\"stream\":{\"backend\":\"stream.peerfake\","
                                         "\"options\":{\"refuse_peers\":\"1\"}}", &token);
    g_autoptr(Ws) ws = ws_open(id, token);

    assert_next(ws, "{\"type\":\"error\",\"message\":\"stream.peerfake failed: players refused by option\"}");
    ws_wait_closed(ws);
    ck_assert_uint_eq(ws->close_code, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
}
END_TEST

START_TEST(test_signal_accepts_the_orchestrator_bearer)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *path = signal_path(id, NULL);
    g_autofree char *w1 = welcome(id, 1, "control");
    g_autoptr(Ws) ws = ws_connect(path, TOKEN);

    ck_assert_ptr_nonnull(ws->conn);
    assert_next(ws, w1);
}
END_TEST

START_TEST(test_backend_defaults_from_config_under_session_options)
{
    GHashTable *defaults = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autofree char *token = NULL;
    g_autofree char *id = NULL;
    g_autoptr(Ws) ws = NULL;

    g_hash_table_insert(defaults, g_strdup("refuse_peers"), g_strdup("1"));
    g_hash_table_insert(fx.config->backend_defaults, g_strdup("stream.peerfake"), defaults);
    id = player_session(PEER_BACKENDS, &token);
    ws = ws_open(id, token);
    assert_next(ws, "{\"type\":\"error\",\"message\":\"stream.peerfake failed: players refused by option\"}");
    g_clear_pointer(&ws, ws_free);
    g_free(id);
    g_free(token);
    id = player_session(",\"capture\":\"capture.fake\",\"stream\":{\"backend\":\"stream.peerfake\","
                        "\"options\":{\"refuse_peers\":\"0\"}}", &token);
    ws = ws_open(id, token);
    {
        g_autofree char *w1 = welcome(id, 1, "control");
        assert_next(ws, w1);
    }
}
END_TEST

START_TEST(test_play_serves_the_page_to_a_token_holder)
{
    g_autofree char *token = NULL, *other_token = NULL;
    g_autofree char *id = player_session("", &token);
    g_autofree char *other = player_session("", &other_token);
    g_autofree char *good = play_path(id, token);
    g_autofree char *none = play_path(id, NULL);
    g_autofree char *wrong = play_path(id, other_token);
    g_autoptr(Response) r = request("GET", good, NULL);
    g_autoptr(Response) bearer = request("GET", none, TOKEN);
    g_autoptr(Response) missing = request("GET", none, NULL);
    g_autoptr(Response) forbidden = request("GET", wrong, NULL);
    g_autoptr(Response) unknown = request("GET", "/play/" "5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12", TOKEN);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(soup_message_headers_get_content_type(r->headers, NULL), "text/html");
    ck_assert_ptr_nonnull(strstr(r->body, "test player page"));
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "Cache-Control"), "no-store");
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "Referrer-Policy"), "no-referrer");
    ck_assert_uint_eq(bearer->status, 200);
    ck_assert_uint_eq(missing->status, 401);
    ck_assert_ptr_nonnull(strstr(missing->body, "missing token"));
    ck_assert_uint_eq(forbidden->status, 403);
    ck_assert_ptr_nonnull(strstr(forbidden->body, "another game session"));
    ck_assert_uint_eq(unknown->status, 404);
    ck_assert_str_eq(soup_message_headers_get_content_type(unknown->headers, NULL), "text/html");
}
END_TEST

START_TEST(test_play_assets_are_a_fixed_list)
{
    g_autoptr(Response) js = request("GET", "/play/assets/player.js", NULL);
    g_autoptr(Response) css = request("GET", "/play/assets/player.css", NULL);
    g_autoptr(Response) page = request("GET", "/play/assets/index.html", NULL);
    g_autoptr(Response) up = request("GET", "/play/assets/..%2Fplayer.js", NULL);
    g_autoptr(Response) other = request("GET", "/play/assets/evil.js", NULL);

    ck_assert_uint_eq(js->status, 200);
    ck_assert_str_eq(soup_message_headers_get_one(js->headers, "Content-Type"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(js->body, "/* test player script */\n");
    ck_assert_uint_eq(css->status, 200);
    ck_assert_str_eq(soup_message_headers_get_one(css->headers, "Content-Type"), "text/css; charset=utf-8");
    ck_assert_str_eq(soup_message_headers_get_one(css->headers, "Cache-Control"), "public, max-age=3600");
    assert_error(page, 404, "not_found");
    ck_assert_uint_eq(up->status, 400);  /* libsoup refuses a path with an encoded dot segment */
    assert_error(other, 404, "not_found");
}
END_TEST

START_TEST(test_play_without_the_page_is_500_naming_it)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session("", &token);
    g_autofree char *path = play_path(id, token);
    g_autoptr(Response) r = NULL;

    g_free(fx.config->player_dir);
    fx.config->player_dir = g_build_filename(fx.tmp, "no-player", NULL);
    r = request("GET", path, NULL);
    ck_assert_uint_eq(r->status, 500);
    ck_assert_ptr_nonnull(strstr(r->body, "no-player/index.html"));
}
END_TEST

START_TEST(test_pipeline_pumps_only_while_watched)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *frame = session_path(id, "/frame");
    g_autoptr(Response) f1 = request("GET", frame, TOKEN);
    g_autoptr(Response) f2 = request("GET", frame, TOKEN);
    g_autoptr(Ws) ws = NULL;
    gint64 deadline;

    /* Grabs happened (two fresh frames), none was streamed: nobody watched. */
    ck_assert_uint_eq(f1->status, 200);
    ck_assert_uint_eq(f2->status, 200);
    ck_assert_uint_eq(__atomic_load_n(&peer_fake->frames_pushed, __ATOMIC_SEQ_CST), 0);
    ws = ws_open(id, token);
    g_free(ws_next(ws));
    deadline = g_get_monotonic_time() + WAIT_US;
    while (__atomic_load_n(&peer_fake->frames_pushed, __ATOMIC_SEQ_CST) == 0) {
        ck_assert_msg(g_get_monotonic_time() < deadline, "no frame pushed with a player watching");
        iterate();
    }
}
END_TEST

static TCase *
api_case(const char *name, void (*setup_fn)(void))
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, setup_fn, teardown);
    tcase_set_timeout(tc, 60);
    return tc;
}

static Suite *
api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *tc;

    tc = api_case("auth_routing_host", setup);
    tcase_add_test(tc, test_healthz_needs_no_auth);
    tcase_add_test(tc, test_request_without_token_is_401);
    tcase_add_test(tc, test_request_with_wrong_token_is_401);
    tcase_add_test(tc, test_non_bearer_scheme_is_401);
    tcase_add_test(tc, test_every_configured_token_is_accepted);
    tcase_add_test(tc, test_unknown_path_without_token_is_401);
    tcase_add_test(tc, test_unknown_path_is_404);
    tcase_add_test(tc, test_wrong_method_is_405_with_allow);
    tcase_add_test(tc, test_readyz_is_ready_when_connected);
    tcase_add_test(tc, test_readyz_is_not_ready_while_draining);
    tcase_add_test(tc, test_host_reports_version_capacity_and_states);
    tcase_add_test(tc, test_api_new_refuses_no_tokens);
    tcase_add_test(tc, test_listen_rejects_a_host_name);
    tcase_add_test(tc, test_listen_on_localhost_uses_loopback);
    suite_add_tcase(s, tc);

    tc = api_case("images", setup);
    tcase_add_test(tc, test_images_lists_catalog_and_problems);
    tcase_add_test(tc, test_image_show_returns_the_image);
    tcase_add_test(tc, test_image_unknown_is_404);
    tcase_add_test(tc, test_image_hostile_ids_are_404);
    tcase_add_test(tc, test_image_id_with_encoded_slash_or_nul_is_400);
    suite_add_tcase(s, tc);

    tc = api_case("create_bad_input", setup);
    tcase_add_test(tc, test_create_rejects_oversized_body);
    tcase_add_test(tc, test_create_rejects_oversized_chunked_body);
    tcase_add_test(tc, test_create_rejects_wrong_content_type);
    tcase_add_test(tc, test_create_accepts_utf8_charset_param);
    tcase_add_test(tc, test_create_rejects_malformed_json);
    tcase_add_test(tc, test_create_rejects_non_object_body);
    tcase_add_test(tc, test_create_rejects_missing_image);
    tcase_add_test(tc, test_create_rejects_image_not_string);
    tcase_add_test(tc, test_create_rejects_labels_not_object);
    tcase_add_test(tc, test_create_rejects_label_value_not_string);
    tcase_add_test(tc, test_create_rejects_bad_label_keys);
    tcase_add_test(tc, test_create_accepts_label_key_of_63_allowed_chars);
    tcase_add_test(tc, test_create_rejects_too_many_labels);
    tcase_add_test(tc, test_create_rejects_long_label_value);
    tcase_add_test(tc, test_create_rejects_bad_player_requests);
    tcase_add_test(tc, test_create_rejects_unknown_field);
    tcase_add_test(tc, test_create_rejects_bad_gpu_requests);
    tcase_add_test(tc, test_create_with_required_gpu_on_gpuless_host_is_409);
    tcase_add_test(tc, test_create_with_optional_gpu_on_gpuless_host_starts);
    tcase_add_test(tc, test_gpus_without_inventory_is_empty);
    tcase_add_test(tc, test_create_rejects_unknown_image);
    tcase_add_test(tc, test_create_rejects_gpu_image_on_gpuless_host);
    tcase_add_test(tc, test_create_rejects_bad_idempotency_key);
    suite_add_tcase(s, tc);

    tc = api_case("sessions", setup);
    tcase_add_test(tc, test_create_while_draining_is_503_until_undrain);
    tcase_add_test(tc, test_drain_leaves_running_sessions_alone);
    tcase_add_test(tc, test_idempotent_replay_returns_same_session);
    tcase_add_test(tc, test_idempotent_replay_ignores_label_order);
    tcase_add_test(tc, test_idempotency_key_reuse_with_other_body_is_422);
    tcase_add_test(tc, test_session_create_list_show_delete_flow);
    tcase_add_test(tc, test_unknown_session_is_404);
    tcase_add_test(tc, test_sessions_list_filters_by_state);
    tcase_add_test(tc, test_sessions_list_rejects_bad_state);
    suite_add_tcase(s, tc);

    tc = api_case("plugins_and_session_io", setup);
    tcase_add_test(tc, test_plugins_without_registry_is_empty);
    tcase_add_test(tc, test_create_rejects_bad_backend_choices);
    tcase_add_test(tc, test_create_rejects_too_many_backend_options);
    tcase_add_test(tc, test_create_rejects_unknown_backend);
    tcase_add_test(tc, test_input_and_frame_of_unknown_session_are_404);
    tcase_add_test(tc, test_input_and_frame_need_a_token);
    tcase_add_test(tc, test_input_rejects_malformed_events);
    tcase_add_test(tc, test_input_rejects_bad_json_and_content_type);
    tcase_add_test(tc, test_input_and_frame_without_backends_are_409);
    tcase_add_test(tc, test_input_and_frame_of_stopped_session_are_409);
    suite_add_tcase(s, tc);

    tc = api_case("with_plugins", setup_plugins);
    tcase_add_test(tc, test_plugins_lists_loaded_and_refused);
    tcase_add_test(tc, test_create_rejects_backend_of_wrong_kind);
    tcase_add_test(tc, test_idempotency_key_reuse_with_other_backend_is_422);
    tcase_add_test(tc, test_input_reaches_the_input_backend);
    tcase_add_test(tc, test_input_backend_failure_is_502);
    tcase_add_test(tc, test_frame_is_an_uncached_png);
    suite_add_tcase(s, tc);

    tc = api_case("capacity", setup_capacity_one);
    tcase_add_test(tc, test_create_at_capacity_is_409);
    suite_add_tcase(s, tc);

    tc = api_case("metrics", setup);
    tcase_add_test(tc, test_metrics_counts_requests_by_code);
    tcase_add_test(tc, test_metrics_observes_session_start);
    suite_add_tcase(s, tc);

    tc = tcase_create("metrics_render");
    tcase_add_test(tc, test_metrics_render_is_prometheus_text);
    tcase_add_test(tc, test_metrics_bucket_bound_is_inclusive);
    suite_add_tcase(s, tc);

    tc = api_case("events", setup);
    tcase_add_test(tc, test_events_stream_session_created_and_state);
    tcase_add_test(tc, test_events_reach_every_client);
    tcase_add_test(tc, test_events_drops_disconnected_client);
    suite_add_tcase(s, tc);

    tc = api_case("players", setup_players);
    tcase_add_test(tc, test_create_answers_with_a_player_token);
    tcase_add_test(tc, test_player_token_never_listed);
    tcase_add_test(tc, test_player_token_remint_revokes_the_old_one);
    tcase_add_test(tc, test_player_token_opens_nothing_else);
    tcase_add_test(tc, test_signal_refusals_before_the_upgrade);
    tcase_add_test(tc, test_signal_refuses_an_expired_token);
    tcase_add_test(tc, test_signal_refuses_a_session_not_running);
    tcase_add_test(tc, test_signal_numbers_peers_and_hands_control_over);
    tcase_add_test(tc, test_signal_viewer_limit_is_503);
    tcase_add_test(tc, test_signal_bad_messages_get_an_error_and_the_connection_stays);
    tcase_add_test(tc, test_signal_host_services_limits);
    tcase_add_test(tc, test_signal_input_from_the_controller_reaches_the_input_backend);
    tcase_add_test(tc, test_signal_input_from_a_watcher_or_malformed_is_dropped_and_counted);
    tcase_add_test(tc, test_signal_bye_to_every_peer_when_the_session_stops);
    tcase_add_test(tc, test_signal_bye_when_the_host_shuts_down);
    tcase_add_test(tc, test_signal_bye_when_the_session_fails_keeps_the_reason_from_players);
    tcase_add_test(tc, test_signal_remint_ends_the_old_links_players);
    tcase_add_test(tc, test_signal_remint_leaves_the_orchestrators_peer_connected);
    tcase_add_test(tc, test_signal_token_expiry_leaves_a_connected_player);
    tcase_add_test(tc, test_signal_backend_may_send_from_peer_open);
    tcase_add_test(tc, test_signal_services_called_from_destroy_fail_cleanly);
    tcase_add_test(tc, test_signal_backend_closes_a_peer);
    tcase_add_test(tc, test_signal_peer_refused_by_the_backend_is_closed_with_its_reason);
    tcase_add_test(tc, test_signal_accepts_the_orchestrator_bearer);
    tcase_add_test(tc, test_backend_defaults_from_config_under_session_options);
    tcase_add_test(tc, test_play_serves_the_page_to_a_token_holder);
    tcase_add_test(tc, test_play_assets_are_a_fixed_list);
    tcase_add_test(tc, test_play_without_the_page_is_500_naming_it);
    tcase_add_test(tc, test_pipeline_pumps_only_while_watched);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
