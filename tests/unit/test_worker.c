/* test_worker: gamehost-worker as the daemon drives it (worker-client.h),
 * for real: the build tree's worker binary, confined, running the
 * misbehave test plugin (tests/plugins/misbehave.c).  A healthy worker
 * serves; a crash, a hang, memory without end and a worker that sends
 * garbage each end the process with the exit the daemon reports. */
#include <check.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/worker-client.h"
#include "plugin/worker-start.h"
#include "testutil.h"
#include "worker-fixture.h"

static struct {
    GMainContext *context;
    char *tmp, *session_dir, *plugin;
    GhWorkerClient *client;
    gboolean ready, exited;
    char *failed;
    GhWorkerExit exit;
} fx;

static void
on_ready(gpointer data)
{
    fx.ready = TRUE;
}

static void
on_failed(gpointer data, const char *reason)
{
    g_free(fx.failed);
    fx.failed = g_strdup(reason);
}

static void
on_exited(gpointer data, const GhWorkerExit *exit)
{
    fx.exited = TRUE;
    fx.exit.signal = exit->signal;
    fx.exit.status = exit->status;
    fx.exit.hang = exit->hang;
    fx.exit.backend = g_strdup(exit->backend);
    fx.exit.op = g_strdup(exit->op);
    fx.exit.cut_off = g_strdup(exit->cut_off);
    fx.exit.summary = g_strdup(exit->summary);
}

static const GhWorkerClientEvents events = { on_ready, on_failed, on_exited };
static const GhPluginSessionOps no_ops;

static void
setup(void)
{
    fx.context = g_main_context_new();
    g_main_context_push_thread_default(fx.context);
    fx.tmp = gh_test_make_tmpdir("gh-test-worker");
    ck_assert_int_eq(chmod(fx.tmp, 0755), 0);
    fx.session_dir = g_build_filename(fx.tmp, "session", NULL);
    ck_assert_int_eq(g_mkdir(fx.session_dir, 0777), 0);
    ck_assert_int_eq(chmod(fx.session_dir, 0777), 0);
    fx.plugin = g_build_filename(g_getenv("GH_TEST_BUILDDIR"), "tests", "plugins", ".libs", "misbehave.so", NULL);
}

static void
teardown(void)
{
    gh_worker_client_free(fx.client);
    gh_worker_exit_clear(&fx.exit);
    g_free(fx.failed);
    gh_test_rm_rf(fx.tmp);
    g_free(fx.tmp);
    g_free(fx.session_dir);
    g_free(fx.plugin);
    g_main_context_pop_thread_default(fx.context);
    g_main_context_unref(fx.context);
    memset(&fx, 0, sizeof fx);
}

/* A worker for one session of the misbehave plugin, as the daemon starts
 * one: another user when root ("nobody"), the limits, Landlock. */
static void
start_worker_at(const char *path, const char *capture_fault, const char *stream_fault, guint64 memory)
{
    g_autoptr(GHashTable) options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify)g_hash_table_unref);
    GHashTable *cap = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTable *str = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    const char *plugins[] = { fx.plugin, NULL };
    const char *read[] = { "/usr", "/lib", "/lib64", "/etc", "/proc", "/sys", "/dev", fx.plugin, NULL };
    const char *write[] = { fx.session_dir, "/dev/null", NULL };
    /* As the daemon's env does in a sanitizer build: a SIGSEGV stays one. */
    const char *env[] = { "PATH=/usr/bin:/bin", "ASAN_OPTIONS=handle_segv=0:detect_leaks=0", NULL };
    GhWorkerStart st = { 0 };
    GhWorkerSpawn spawn = { .path = path, .watchdog_ms = 500, .env = env };
    struct passwd *nobody = getpwnam("nobody");
    g_autoptr(GError) err = NULL;

    g_hash_table_insert(cap, g_strdup("fault"), g_strdup(capture_fault));
    g_hash_table_insert(str, g_strdup("fault"), g_strdup(stream_fault));
    g_hash_table_insert(str, g_strdup("after"), g_strdup("5"));
    g_hash_table_insert(options, g_strdup("capture.misbehave"), cap);
    g_hash_table_insert(options, g_strdup("stream.misbehave"), str);
    st.choice.capture = "capture.misbehave";
    st.choice.stream = "stream.misbehave";
    st.choice.options = options;
    st.info.session_id = "s1";
    st.info.image_id = "img";
    st.info.width = 64;
    st.info.height = 48;
    st.info.refresh_hz = 60;
    st.info.session_dir = fx.session_dir;
    st.plugins = (GStrv)plugins;
    st.read_paths = (GStrv)read;
    st.write_paths = (GStrv)write;
    st.watchdog_ms = 500;
    spawn.sandbox.switch_user = nobody && gh_test_worker_switches(path);
    spawn.sandbox.uid = nobody ? nobody->pw_uid : 0;
    spawn.sandbox.gid = nobody ? nobody->pw_gid : 0;
    spawn.sandbox.memory_bytes = memory;
    spawn.sandbox.open_files = 256;
    fx.client = gh_worker_client_new(&spawn, gh_worker_start_to_variant(&st), &no_ops, NULL, &events, NULL, &err);
    ck_assert_msg(fx.client, "%s", err ? err->message : "");
}

static void
start_worker(const char *capture_fault, const char *stream_fault, guint64 memory)
{
    g_autofree char *path = g_build_filename(g_getenv("GH_TEST_BUILDDIR"), "runtime", "worker", "gamehost-worker", NULL);

    start_worker_at(path, capture_fault, stream_fault, memory);
}

static void
wait_for(gboolean *flag, guint seconds)
{
    gint64 end = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;

    while (!*flag && g_get_monotonic_time() < end)
        g_main_context_iteration(fx.context, TRUE);
    ck_assert_msg(*flag, "nothing within %u s", seconds);
}

/* ---- a healthy worker ------------------------------------------------------------ */

static void
on_frame(GObject *source, GAsyncResult *res, gpointer data)
{
    GError *err = NULL;
    GBytes *png = gh_worker_client_frame_png_finish(fx.client, res, &err);

    ck_assert_msg(png, "%s", err ? err->message : "");
    *(GBytes **)data = png;
}

START_TEST(test_healthy_worker_builds_the_pipeline_and_serves_frames)
{
    GBytes *png = NULL;
    gsize len;
    const guint8 *bytes;

    start_worker("none", "none", 0);
    wait_for(&fx.ready, 20);
    ck_assert_str_eq(gh_worker_client_view(fx.client)->capture, "capture.misbehave");
    ck_assert_str_eq(gh_worker_client_view(fx.client)->stream, "stream.misbehave");
    ck_assert_ptr_null(gh_worker_client_view(fx.client)->input);
    ck_assert_int_gt(gh_worker_client_pid(fx.client), 0);
    gh_worker_client_frame_png_async(fx.client, 2000, NULL, on_frame, &png);
    while (!png)
        g_main_context_iteration(fx.context, TRUE);
    bytes = g_bytes_get_data(png, &len);
    ck_assert_uint_gt(len, 8);
    ck_assert_int_eq(memcmp(bytes, "\x89PNG", 4), 0);
    g_bytes_unref(png);
    ck_assert(!fx.exited);
}
END_TEST

static void
on_stopped(gpointer data)
{
    *(gboolean *)data = TRUE;
}

START_TEST(test_stopped_worker_ends_cleanly_without_an_exit_event)
{
    gboolean stopped = FALSE;

    start_worker("none", "none", 0);
    wait_for(&fx.ready, 20);
    gh_worker_client_stop(fx.client, 3000, G_CALLBACK(on_stopped), &stopped);
    wait_for(&stopped, 5);
    ck_assert(!fx.exited);
}
END_TEST

/* ---- deaths, each named ------------------------------------------------------------ */

START_TEST(test_segfault_in_push_frame_names_the_stream_backend)
{
    start_worker("none", "segv-push", 0);
    wait_for(&fx.exited, 20);
    ck_assert_int_eq(fx.exit.signal, SIGSEGV);
    ck_assert(!fx.exit.hang);
    ck_assert_str_eq(fx.exit.backend, "stream.misbehave");
    ck_assert_str_eq(fx.exit.op, "push_frame");
    ck_assert_str_eq(fx.exit.summary, "killed by SIGSEGV in stream.misbehave push_frame");
}
END_TEST

START_TEST(test_segfault_in_create_dies_before_ready)
{
    start_worker("segv-create", "none", 0);
    wait_for(&fx.exited, 20);
    ck_assert(!fx.ready);
    ck_assert_str_eq(fx.exit.summary, "killed by SIGSEGV in capture.misbehave create");
}
END_TEST

START_TEST(test_endless_grab_is_killed_by_the_watchdog)
{
    gint64 t0 = g_get_monotonic_time();

    start_worker("loop-grab", "none", 0);
    wait_for(&fx.exited, 20);
    ck_assert(fx.exit.hang);
    ck_assert_int_eq(fx.exit.signal, 0);
    ck_assert_str_eq(fx.exit.summary, "hung in capture.misbehave grab past the watchdog, killed");
    /* The watchdog (500 ms here, plus the grab's own timeout) and its 250 ms tick. */
    ck_assert_int_lt(g_get_monotonic_time() - t0, 5 * G_USEC_PER_SEC);
}
END_TEST

START_TEST(test_unbounded_malloc_hits_the_memory_limit)
{
#if defined(__SANITIZE_ADDRESS__)
    return;   /* no address-space limit under ASan (worker-sandbox.h) */
#endif
    start_worker("malloc-grab", "none", G_GUINT64_CONSTANT(512) << 20);
    wait_for(&fx.exited, 20);
    ck_assert_int_eq(fx.exit.signal, SIGABRT);
    ck_assert_str_eq(fx.exit.summary, "killed by SIGABRT in capture.misbehave grab");
}
END_TEST

START_TEST(test_worker_sending_garbage_is_cut_off)
{
    g_autofree char *script = g_build_filename(fx.tmp, "hostile-worker", NULL);

    ck_assert(g_file_set_contents(script, "#!/bin/sh\nprintf 'garbage!' >&3\nexec sleep 30\n", -1, NULL));
    ck_assert_int_eq(chmod(script, 0755), 0);
    start_worker_at(script, "none", "none", 0);
    wait_for(&fx.exited, 10);
    ck_assert_str_eq(fx.exit.cut_off, "unknown message type 1651663207");
    ck_assert_str_eq(fx.exit.summary, "cut off for a malformed message (unknown message type 1651663207)");
}
END_TEST

START_TEST(test_worker_that_cannot_start_exits_with_a_status)
{
    start_worker_at("/bin/false", "none", "none", 0);
    wait_for(&fx.exited, 10);
    ck_assert_int_eq(fx.exit.signal, 0);
    ck_assert_int_eq(fx.exit.status, 1);
    ck_assert_str_eq(fx.exit.summary, "exited with status 1");
}
END_TEST

static Suite *
worker_suite(void)
{
    Suite *s = suite_create("worker");
    TCase *tc = tcase_create("worker");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_healthy_worker_builds_the_pipeline_and_serves_frames);
    tcase_add_test(tc, test_stopped_worker_ends_cleanly_without_an_exit_event);
    tcase_add_test(tc, test_segfault_in_push_frame_names_the_stream_backend);
    tcase_add_test(tc, test_segfault_in_create_dies_before_ready);
    tcase_add_test(tc, test_endless_grab_is_killed_by_the_watchdog);
    tcase_add_test(tc, test_unbounded_malloc_hits_the_memory_limit);
    tcase_add_test(tc, test_worker_sending_garbage_is_cut_off);
    tcase_add_test(tc, test_worker_that_cannot_start_exits_with_a_status);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return gh_test_run(worker_suite());
}
