/* api-fixture: the API's suites' daemon in process (a real SoupServer on
 * 127.0.0.1, a real session manager on libvirt's test driver, a catalog
 * written at test time), its HTTP client, and the players' setup. */
#include "worker-fixture.h"
#include <glib/gstdio.h>
#include <string.h>
#include <dlfcn.h>

#include "api-fixture.h"

/* ---- fixture ---------------------------------------------------------- */

ApiFixture fx;

static void
write_file(const char *path, const char *text)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(g_file_set_contents(path, text, -1, &error), "%s", error ? error->message : "");
}

/* Manifest plus its kernel artefact, checksum computed from what we wrote;
 * machine is a <machine> element or "". */
static void
write_image(const char *dir, const char *id, const char *profile, const char *machine)
{
    static const char kernel[] = "not really a kernel, the test driver never boots it\n";
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, kernel, -1);
    g_autofree char *kpath = g_strdup_printf("%s/%s.elf", dir, id);
    g_autofree char *mpath = g_strdup_printf("%s/%s.image.xml", dir, id);
    g_autofree char *manifest = g_strdup_printf(
        "<?xml version=\"1.0\"?>\n"
        "<image xmlns=\"https://gamehost.dev/xmlns/image/1\" id=\"%s\" version=\"1.0.0\">\n"
        "  <title>Test %s</title>\n  <profile>%s</profile>%s\n"
        "  <boot firmware=\"bios\"><kernel path=\"%s.elf\" sha256=\"%s\"/></boot>\n"
        "  <capture><path>screenshot</path><path>vnc</path></capture>\n"
        "</image>\n", id, id, profile, machine, id, sum);

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
    write_image(images, "demo-arena", "arcade-640", "");
    write_image(images, "gpu-only", "console-4k", "");
    write_image(images, "pc-game", "pc-640", "<machine vcpus=\"4\"/>");
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
    gh_test_config_workers(fx.config, fx.tmp);
    fx.virt = gh_virt_open("test:///default", fx.config->state_dir, "qemu", fx.context, &error);
    ck_assert_msg(fx.virt, "%s", error ? error->message : "");
    fx.catalog = load_catalog();
    fx.mgr = gh_session_manager_new(fx.config, fx.virt, fx.catalog, &error);
    ck_assert_msg(fx.mgr, "%s", error ? error->message : "");
    if (plugins) {
        gh_test_fake_state_file(fx.config);
        fx.plugins = load_test_plugins();
        ck_assert_msg(gh_session_manager_set_plugins(fx.mgr, fx.plugins, &error), "%s",
                      error ? error->message : "");
    }
    start_api();
    /* Room for a few event streams beside the requests; no proxy lookup
     * (the default resolver may consult the desktop's settings). */
    fx.client = soup_session_new_with_options("max-conns-per-host", 8, NULL);
    soup_session_set_proxy_resolver(fx.client, NULL);
}

void
setup(void)
{
    setup_with(4);
}

void
setup_capacity_one(void)
{
    setup_with(1);
}

void
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

void
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

void
response_free(Response *r)
{
    g_free(r->body);
    if (r->headers)
        soup_message_headers_unref(r->headers);
    if (r->json)
        json_node_unref(r->json);
    g_free(r);
}

static gboolean
tick(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

/* One main loop iteration, woken at least every 100 ms so that a wait whose
 * event never comes fails on its own deadline instead of Check's timeout. */
void
iterate(void)
{
    g_autoptr(GSource) timer = g_timeout_source_new(100);

    g_source_set_callback(timer, tick, NULL, NULL);
    g_source_attach(timer, fx.context);
    g_main_context_iteration(fx.context, TRUE);
    g_source_destroy(timer);
}

void
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

SoupMessage *
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

Response *
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

Response *
request(const char *method, const char *path, const char *token)
{
    return send_message(new_message(method, path, token));
}

Response *
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

Response *
create(const char *body)
{
    return post_json_as("/v1/sessions", "application/json", body, NULL);
}

const char *
member_string(JsonNode *node, const char *name)
{
    ck_assert_msg(node && JSON_NODE_HOLDS_OBJECT(node), "not a JSON object");
    ck_assert_msg(json_object_has_member(json_node_get_object(node), name), "no member '%s'", name);
    return json_object_get_string_member(json_node_get_object(node), name);
}

const char *
error_code(Response *r)
{
    ck_assert_msg(r->json, "error body is not JSON: %s", r->body);
    return member_string(json_object_get_member(json_node_get_object(r->json), "error"), "code");
}

const char *
error_message(Response *r)
{
    return member_string(json_object_get_member(json_node_get_object(r->json), "error"), "message");
}

void
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

char *
created_id(Response *r)
{
    ck_assert_msg(r->status == 201, "status %u: %s", r->status, r->body);
    return g_strdup(member_string(r->json, "id"));
}

char *
session_path(const char *id, const char *tail)
{
    return g_strdup_printf("/v1/sessions/%s%s", id, tail);
}

/* A session of demo-arena, running; body adds to the create request. */
char *
running_session(const char *extra)
{
    g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\"%s}", extra);
    g_autoptr(Response) created = create(body);
    char *id = created_id(created);

    wait_for_state(id, GH_SESSION_RUNNING);
    return id;
}

/* ---- players: the interactive fakes, a clock the test moves ----------------- */

gint64 fake_now;

static gint64
fake_clock(void)
{
    return fake_now;
}

StreamPeerFakeState *peer_fake;
PipelineFakeState *pipeline_fake;

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
void
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
char *
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

char *
play_path(const char *id, const char *token)
{
    return token ? g_strdup_printf("/play/%s?token=%s", id, token) : g_strdup_printf("/play/%s", id);
}

/* ---- cases -------------------------------------------------------------------- */

TCase *
api_case(const char *name, void (*setup_fn)(void))
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, setup_fn, teardown);
    tcase_set_timeout(tc, 60);
    return tc;
}

