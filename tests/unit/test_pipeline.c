/* The pipeline over the fake backends of tests/plugins/pipeline-fake.c, with
 * fake VM access: how backends are chosen and refused, the capture → stream
 * thread, on-demand PNG frames, input, failures reported on the main loop,
 * and frame-png on its own. */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <gio/gio.h>
#include <png.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/pipeline-fake.h"
#include "plugin/frame-png.h"
#include "plugin/pipeline.h"
#include "testutil.h"

typedef struct {
    GMainContext *context;
    GhPluginRegistry *reg;
    PipelineFakeState *fake;
    GHashTable *options;         /* backend → (key → value) */
    GThread *main_thread;
    /* fake VM access */
    guint screenshots;
    gboolean screenshot_fails;
    /* on_fail */
    guint fails;
    char *fail_reason;
    GThread *fail_thread;
} Fixture;

static Fixture fx;

static const char *const default_paths[] = { "screenshot", NULL };

static int
fake_screenshot(gpointer ctx, guint8 **data, gsize *len, char **mime, char **error_msg)
{
    if (fx.screenshot_fails) {
        *error_msg = strdup("no display");
        return -EIO;
    }
    fx.screenshots++;
    *data = (guint8 *)strdup("pixels");
    *len = 6;
    *mime = strdup("image/x-test");
    return 0;
}

static const GhPluginSessionOps fake_ops = { .screenshot = fake_screenshot };

static void
setup(void)
{
    const char *build = g_getenv("GH_TEST_BUILDDIR");
    g_autofree char *path = g_build_filename(build, "tests", "plugins", ".libs", "pipeline-fake.so", NULL);
    g_autoptr(GError) err = NULL;
    void *handle;

    memset(&fx, 0, sizeof(fx));
    fx.context = g_main_context_new();
    g_main_context_push_thread_default(fx.context);
    fx.main_thread = g_thread_self();
    fx.reg = gh_plugin_registry_new();
    ck_assert_msg(gh_plugin_registry_load_file(fx.reg, path, &err), "%s", err ? err->message : "");
    handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    ck_assert_ptr_nonnull(handle);
    fx.fake = ((PipelineFakeStateFn)dlsym(handle, PIPELINE_FAKE_STATE_SYMBOL))();
    dlclose(handle);
    fx.options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
}

static void
teardown(void)
{
    g_hash_table_unref(fx.options);
    fx.reg = gh_plugin_registry_free(fx.reg);
    g_free(fx.fail_reason);
    g_main_context_pop_thread_default(fx.context);
    g_main_context_unref(fx.context);
}

static void
set_option(const char *backend, const char *key, const char *value)
{
    GHashTable *t = g_hash_table_lookup(fx.options, backend);

    if (!t) {
        t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_hash_table_insert(fx.options, g_strdup(backend), t);
    }
    g_hash_table_insert(t, g_strdup(key), g_strdup(value));
}

static void
on_fail(gpointer data, const char *reason)
{
    fx.fails++;
    g_free(fx.fail_reason);
    fx.fail_reason = g_strdup(reason);
    fx.fail_thread = g_thread_self();
}

static GhPipeline *
new_pipeline_full(const char *capture, const char *stream, const char *input, const char *const *paths,
                  GError **error)
{
    GhPipelineChoice choice = { .capture = capture, .stream = stream, .input = input, .options = fx.options };
    GhPluginSessionInfo info = {
        .session_id = "5b0a4a2e-0d5c-4b7e-9a53-2f1f0c7e9d11", .image_id = "arena",
        .width = 640, .height = 480, .refresh_hz = 60,
        .context = fx.context, .ops = &fake_ops, .ops_ctx = NULL,
    };

    return gh_pipeline_new(fx.reg, &choice, paths, &info, on_fail, NULL, error);
}

/* ---- sound (ABI 1.3) ---- */

static gboolean
peer_1_controls(gpointer ctx, guint32 peer)
{
    return peer == 1;
}

static const GhPluginSessionOps fake_ops_peer_1 = { .screenshot = fake_screenshot, .peer_controls = peer_1_controls };

/* capture.fake and stream.fake, with audio (NULL: as sound says). */
static GhPipeline *
new_sound_pipeline(const char *audio, gboolean sound, const GhPluginSessionOps *ops)
{
    g_autoptr(GError) err = NULL;
    GhPipelineChoice choice = { .capture = "capture.fake", .stream = "stream.fake", .input = "input.fake",
                                .audio = audio, .sound = sound, .options = fx.options };
    GhPluginSessionInfo info = {
        .session_id = "5b0a4a2e-0d5c-4b7e-9a53-2f1f0c7e9d11", .image_id = "arena",
        .width = 640, .height = 480, .refresh_hz = 60,
        .context = fx.context, .ops = ops, .ops_ctx = NULL,
    };
    GhPipeline *p = gh_pipeline_new(fx.reg, &choice, default_paths, &info, on_fail, NULL, &err);

    ck_assert_msg(p != NULL, "%s", err ? err->message : "");
    return p;
}

START_TEST(test_sound_reaches_the_stream_only_in_the_announced_format)
{
    g_autoptr(GhPipeline) p = new_sound_pipeline("audio.fake", FALSE, &fake_ops);
    GhPipelineAudioStats st;

    ck_assert_str_eq(gh_pipeline_backend_name(p, GH_BACKEND_AUDIO), "audio.fake");
    ck_assert_int_eq(fx.fake->audio_push_rc[0], 0);
    ck_assert_int_eq(fx.fake->audio_push_rc[1], -EINVAL);
    ck_assert_int_eq(fx.fake->audio_push_rc[2], 0);
    ck_assert_uint_eq(fx.fake->audio_chunks, 2);
    ck_assert_uint_eq(fx.fake->audio_frames, 1536);
    ck_assert_uint_eq(fx.fake->audio_last_ts, 3000);
    ck_assert(gh_pipeline_get_audio_stats(p, &st));
    ck_assert_uint_eq(st.format, GH_AUDIO_S16LE);
    ck_assert_uint_eq(st.rate, 48000);
    ck_assert_uint_eq(st.channels, 2);
    ck_assert_uint_eq(st.chunks, 2);
    ck_assert_uint_eq(st.frames, 1536);
    ck_assert_uint_eq(st.refused, 1);
}
END_TEST

START_TEST(test_a_player_not_in_control_is_not_heard)
{
    g_autoptr(GhPipeline) p = NULL;
    GhPipelineAudioStats st;

    set_option("stream.fake", "mic", "1");
    p = new_sound_pipeline("audio.fake", FALSE, &fake_ops);
    ck_assert_int_eq(fx.fake->mic_rc, -EPERM);
    ck_assert_uint_eq(fx.fake->mic_frames, 0);
    ck_assert(gh_pipeline_get_audio_stats(p, &st));
    ck_assert_uint_eq(st.mic_frames, 0);
}
END_TEST

START_TEST(test_the_microphone_takes_what_the_backend_has_room_for)
{
    g_autoptr(GhPipeline) p = NULL;
    GhPipelineAudioStats st;

    set_option("stream.fake", "mic", "1");
    p = new_sound_pipeline("audio.fake", FALSE, &fake_ops_peer_1);
    ck_assert_int_eq(fx.fake->mic_rc, 100);
    ck_assert_uint_eq(fx.fake->mic_frames, 200);
    ck_assert(gh_pipeline_get_audio_stats(p, &st));
    ck_assert_uint_eq(st.mic_frames, 200);
    ck_assert_uint_eq(st.mic_dropped, (1024 - 100) + (512 - 100));
}
END_TEST

START_TEST(test_a_silent_image_gets_no_audio_backend)
{
    g_autoptr(GhPipeline) p = new_sound_pipeline(NULL, FALSE, &fake_ops);
    GhPipelineAudioStats st;

    ck_assert_ptr_null(gh_pipeline_backend_name(p, GH_BACKEND_AUDIO));
    ck_assert(!gh_pipeline_get_audio_stats(p, &st));
    ck_assert_int_eq(fx.fake->audio_instances, 0);
    ck_assert_uint_eq(fx.fake->audio_chunks, 0);
}
END_TEST

START_TEST(test_an_image_with_sound_gets_the_first_audio_backend)
{
    g_autoptr(GhPipeline) p = new_sound_pipeline(NULL, TRUE, &fake_ops);

    ck_assert_str_eq(gh_pipeline_backend_name(p, GH_BACKEND_AUDIO), "audio.fake");
    ck_assert_int_eq(fx.fake->audio_instances, 1);
    p = gh_pipeline_free(g_steal_pointer(&p));
    ck_assert_int_eq(fx.fake->audio_instances, 0);
}
END_TEST

static GhPipeline *
new_pipeline(const char *capture, const char *stream, const char *input)
{
    g_autoptr(GError) err = NULL;
    GhPipeline *p = new_pipeline_full(capture, stream, input, default_paths, &err);

    ck_assert_msg(p, "%s", err ? err->message : "");
    return p;
}

static void
iterate_for(guint ms)
{
    gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;

    while (g_get_monotonic_time() < until) {
        g_main_context_iteration(fx.context, FALSE);
        g_usleep(1000);
    }
}

static void
wait_for_fail(void)
{
    gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (fx.fails == 0 && g_get_monotonic_time() < until) {
        g_main_context_iteration(fx.context, FALSE);
        g_usleep(1000);
    }
    ck_assert_uint_eq(fx.fails, 1);
}

/* The PNG decoded to RGB; the test fails if it is not one. */
static guint8 *
decode_png(GBytes *png, guint *width, guint *height)
{
    png_image img = { .version = PNG_IMAGE_VERSION };
    gsize len;
    const void *data = g_bytes_get_data(png, &len);
    guint8 *rgb;

    ck_assert_msg(png_image_begin_read_from_memory(&img, data, len), "%s", img.message);
    img.format = PNG_FORMAT_RGB;
    rgb = g_malloc(PNG_IMAGE_SIZE(img));
    ck_assert_msg(png_image_finish_read(&img, NULL, rgb, 0, NULL), "%s", img.message);
    *width = img.width;
    *height = img.height;
    return rgb;
}

static void
assert_refused(const char *capture, const char *stream, const char *input, const char *message)
{
    g_autoptr(GError) err = NULL;

    ck_assert_ptr_null(new_pipeline_full(capture, stream, input, default_paths, &err));
    ck_assert(g_error_matches(err, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_BACKEND));
    ck_assert_str_eq(err->message, message);
    ck_assert_int_eq(fx.fake->capture_instances + fx.fake->stream_instances + fx.fake->input_instances, 0);
}

/* ---- choosing backends ---------------------------------------------------- */

START_TEST(test_unknown_backend_is_refused_naming_it)
{
    assert_refused("capture.nope", NULL, NULL, "unknown capture backend 'capture.nope'");
    assert_refused(NULL, "stream.nope", NULL, "unknown stream backend 'stream.nope'");
    assert_refused(NULL, NULL, "input.nope", "unknown input backend 'input.nope'");
}
END_TEST

START_TEST(test_backend_of_wrong_kind_is_refused)
{
    assert_refused("input.fake", NULL, NULL, "backend 'input.fake' is not a capture backend");
    assert_refused(NULL, "capture.fake", NULL, "backend 'capture.fake' is not a stream backend");
    assert_refused(NULL, NULL, "stream.fake", "backend 'stream.fake' is not an input backend");
}
END_TEST

START_TEST(test_named_backend_that_refuses_fails_naming_it)
{
    g_autoptr(GError) err = NULL;

    set_option("capture.fake", "refuse", "1");
    ck_assert_ptr_null(new_pipeline_full("capture.fake", NULL, NULL, default_paths, &err));
    ck_assert(g_error_matches(err, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_BACKEND));
    ck_assert_msg(g_str_has_prefix(err->message, "capture backend 'capture.fake' cannot serve this session: "), "%s",
                  err->message);
    ck_assert_ptr_nonnull(strstr(err->message, "refused by option"));
    ck_assert_int_eq(fx.fake->input_instances, 0);
}
END_TEST

START_TEST(test_default_capture_is_the_images_first_path)
{
    const char *const paths[] = { "relay", "fake2", "fake", NULL };
    g_autoptr(GhPipeline) p = NULL;

    p = new_pipeline_full(NULL, NULL, NULL, paths, NULL);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(gh_pipeline_backend_name(p, GH_BACKEND_CAPTURE), "capture.fake2");
    ck_assert_str_eq(gh_pipeline_backend_name(p, GH_BACKEND_INPUT), "input.fake");
    ck_assert_ptr_null(gh_pipeline_backend_name(p, GH_BACKEND_STREAM));
}
END_TEST

START_TEST(test_default_capture_falls_back_to_first_that_serves)
{
    g_autoptr(GhPipeline) p = NULL;

    set_option("capture.fake", "refuse", "1");
    p = new_pipeline(NULL, NULL, NULL);
    ck_assert_str_eq(gh_pipeline_backend_name(p, GH_BACKEND_CAPTURE), "capture.fake2");
    ck_assert_int_eq(fx.fake->capture_instances, 1);
}
END_TEST

START_TEST(test_no_capture_backend_leaves_frames_unavailable)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GError) err = NULL;
    gh_input_event ev = { .type = GH_INPUT_KEY, .code = KEY_A, .value = 1 };

    set_option("capture.fake", "refuse", "1");
    set_option("capture.fake2", "refuse", "1");
    p = new_pipeline(NULL, NULL, NULL);
    ck_assert_ptr_null(gh_pipeline_backend_name(p, GH_BACKEND_CAPTURE));
    ck_assert_ptr_null(gh_pipeline_frame_png(p, 100, &err));
    ck_assert(g_error_matches(err, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_NO_CAPTURE));
    ck_assert(gh_pipeline_send_input(p, &ev, 1, NULL, NULL));
}
END_TEST

START_TEST(test_options_reach_only_their_backend)
{
    g_autoptr(GhPipeline) p = NULL;

    set_option("capture.fake2", "refuse", "1"); /* not capture.fake's */
    p = new_pipeline("capture.fake", NULL, NULL);
    ck_assert_str_eq(gh_pipeline_backend_name(p, GH_BACKEND_CAPTURE), "capture.fake");
}
END_TEST

/* ---- the thread ------------------------------------------------------------ */

START_TEST(test_no_grab_without_stream_or_request)
{
    g_autoptr(GhPipeline) p = new_pipeline("capture.fake", NULL, NULL);
    GhPipelineStats st;

    g_usleep(100 * 1000);
    ck_assert_uint_eq(fx.fake->frames_grabbed, 0);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.frames_captured, 0);
}
END_TEST

START_TEST(test_stream_gets_frames_at_refresh_rate_on_pipeline_thread)
{
    GhPipeline *p = new_pipeline("capture.fake", "stream.fake", NULL);
    GhPipelineStats st;
    guint64 pushed;

    iterate_for(500);
    gh_pipeline_get_stats(p, &st);
    p = gh_pipeline_free(p);
    pushed = fx.fake->frames_pushed;
    /* 30 expected at 60 Hz; bounds are wide for loaded machines. */
    ck_assert_msg(pushed >= 10 && pushed <= 40, "%" G_GUINT64_FORMAT " frames pushed in 0.5 s", pushed);
    ck_assert_uint_ge(st.frames_captured, 10);
    ck_assert(st.fps >= 10 && st.fps <= 80);
    ck_assert(st.capture_ms_avg >= 0 && st.capture_ms_avg < 100);
    ck_assert_uint_eq(fx.fake->last_pushed_number, pushed);
    ck_assert(fx.fake->push_thread == fx.fake->grab_thread);
    ck_assert(fx.fake->push_thread != (unsigned long)pthread_self());
    ck_assert_int_eq(fx.fake->capture_started, 1);
    ck_assert_int_eq(fx.fake->capture_stopped, 1);
}
END_TEST

static int
compare_u64(const void *a, const void *b)
{
    guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
    return x < y ? -1 : x > y;
}

/* A producer at the refresh rate whose frames are drawn half a period
 * before the pump's grabs: the pump moves its grabs earlier until it takes
 * each frame as it is drawn, instead of half a frame old every time, and
 * keeps the rate. */
START_TEST(test_pump_takes_a_paced_producers_frames_as_they_are_drawn)
{
    GhPipeline *p;
    guint64 pushed, n, median;

    set_option("capture.fake", "producer_hz", "60");
    p = new_pipeline("capture.fake", "stream.fake", NULL);
    iterate_for(1000);
    p = gh_pipeline_free(p);
    pushed = fx.fake->frames_pushed;
    n = fx.fake->n_ages;
    ck_assert_msg(n >= 40 && n < PIPELINE_FAKE_AGES, "%" G_GUINT64_FORMAT " frames grabbed in 1 s", n);
    ck_assert_uint_ge(fx.fake->ages_us[0], 8000); /* half of 16.7 ms, by construction */
    /* 16 steps of a sixteenth of a period at most: the last 20 are settled.
     * Their median, not their mean: on a loaded machine one grab the
     * scheduler delayed by 50 ms would swing a mean, not the phase. */
    guint64 last[20];
    for (guint64 i = 0; i < 20; i++)
        last[i] = fx.fake->ages_us[n - 20 + i];
    qsort(last, 20, sizeof last[0], compare_u64);
    median = (last[9] + last[10]) / 2;
    ck_assert_msg(median < 3000, "frames were %" G_GUINT64_FORMAT " us old (median) when grabbed", median);
    ck_assert_msg(pushed >= 40 && pushed <= 62, "%" G_GUINT64_FORMAT " frames pushed in 1 s", pushed);
}
END_TEST

START_TEST(test_frame_png_is_the_captured_frame)
{
    g_autoptr(GhPipeline) p = new_pipeline("capture.fake", NULL, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) first = gh_pipeline_frame_png(p, 2000, &err);
    g_autoptr(GBytes) second = NULL;
    g_autofree guint8 *rgb = NULL;
    g_autofree guint8 *rgb2 = NULL;
    guint w = 0, h = 0;
    GhPipelineStats st;

    ck_assert_msg(first, "%s", err ? err->message : "");
    rgb = decode_png(first, &w, &h);
    ck_assert_uint_eq(w, PIPELINE_FAKE_WIDTH);
    ck_assert_uint_eq(h, PIPELINE_FAKE_HEIGHT);
    /* Pixel 0 encodes frame 1 in B; pixel 1 is B=7, G=3, R=1. */
    ck_assert_uint_eq(rgb[0], 0);
    ck_assert_uint_eq(rgb[1], 0);
    ck_assert_uint_eq(rgb[2], 1);
    ck_assert_uint_eq(rgb[3], 1);
    ck_assert_uint_eq(rgb[4], 3);
    ck_assert_uint_eq(rgb[5], 7);
    second = gh_pipeline_frame_png(p, 2000, NULL);
    ck_assert_ptr_nonnull(second);
    rgb2 = decode_png(second, &w, &h);
    ck_assert_uint_eq(rgb2[2], 2);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.frames_captured, 2);
    ck_assert_uint_eq(fx.fake->frames_grabbed, 2);
}
END_TEST

typedef struct {
    GhPipeline *p;
    GBytes *png;
} Asker;

static gpointer
ask_frame(gpointer data)
{
    Asker *a = data;

    a->png = gh_pipeline_frame_png(a->p, 2000, NULL);
    return NULL;
}

START_TEST(test_frame_png_from_several_threads)
{
    g_autoptr(GhPipeline) p = new_pipeline("capture.fake", NULL, NULL);
    Asker askers[4];
    GThread *threads[4];

    for (int i = 0; i < 4; i++) {
        askers[i] = (Asker){ .p = p };
        threads[i] = g_thread_new("asker", ask_frame, &askers[i]);
    }
    for (int i = 0; i < 4; i++) {
        g_thread_join(threads[i]);
        ck_assert_ptr_nonnull(askers[i].png);
        g_bytes_unref(askers[i].png);
    }
    ck_assert_uint_ge(fx.fake->frames_grabbed, 1);
    ck_assert_uint_le(fx.fake->frames_grabbed, 4);
}
END_TEST

START_TEST(test_frame_png_times_out_without_a_frame)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GError) err = NULL;

    set_option("capture.fake", "eagain", "1");
    p = new_pipeline("capture.fake", NULL, NULL);
    ck_assert_ptr_null(gh_pipeline_frame_png(p, 100, &err));
    ck_assert(g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
    ck_assert_str_eq(err->message, "no frame from capture.fake within 100 ms");
    ck_assert_uint_eq(fx.fails, 0);
}
END_TEST

START_TEST(test_capture_reaches_the_vm_through_host_services)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GBytes) png = NULL;

    set_option("capture.fake", "screenshot", "1");
    p = new_pipeline("capture.fake", NULL, NULL);
    png = gh_pipeline_frame_png(p, 2000, NULL);
    ck_assert_ptr_nonnull(png);
    ck_assert_uint_eq(fx.screenshots, 1);
    ck_assert_str_eq(fx.fake->last_mime, "image/x-test");
}
END_TEST

START_TEST(test_vm_access_error_is_the_capture_error)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GError) err = NULL;

    set_option("capture.fake", "screenshot", "1");
    fx.screenshot_fails = TRUE;
    p = new_pipeline("capture.fake", NULL, NULL);
    ck_assert_ptr_null(gh_pipeline_frame_png(p, 2000, &err));
    ck_assert_str_eq(err->message, "capture.fake failed: no display");
}
END_TEST

/* ---- release (capture ops version 2) -------------------------------------- */

START_TEST(test_release_follows_every_successful_grab_once)
{
    GhPipeline *p = new_pipeline("capture.fake", "stream.fake", NULL);
    GhPipelineStats st;

    iterate_for(200);
    for (int i = 0; i < 3; i++) {
        g_autoptr(GBytes) png = gh_pipeline_frame_png(p, 2000, NULL);
        ck_assert_ptr_nonnull(png);
    }
    gh_pipeline_stop(p);
    gh_pipeline_get_stats(p, &st);
    p = gh_pipeline_free(p);
    ck_assert_uint_ge(fx.fake->frames_grabbed, 4);
    ck_assert_uint_eq(fx.fake->frames_released, fx.fake->frames_grabbed);
    ck_assert_uint_eq(fx.fake->release_mismatches, 0);
    ck_assert_uint_eq(st.frames_torn, 0);
}
END_TEST

START_TEST(test_stale_release_on_pump_path_counts_torn_frame)
{
    GhPipeline *p = NULL;
    GhPipelineStats st;

    set_option("capture.fake", "stale_every", "2");
    p = new_pipeline("capture.fake", "stream.fake", NULL);
    iterate_for(300);
    gh_pipeline_stop(p);
    gh_pipeline_get_stats(p, &st);
    p = gh_pipeline_free(p);
    ck_assert_uint_ge(fx.fake->frames_pushed, 4);
    /* No frame was asked for: every grab went to the stream, and every
     * other release said the frame was overwritten. */
    ck_assert_uint_eq(fx.fake->frames_pushed, fx.fake->frames_grabbed);
    ck_assert_uint_eq(fx.fake->frames_released, fx.fake->frames_grabbed);
    ck_assert_uint_eq(fx.fake->releases_stale, fx.fake->frames_released / 2);
    ck_assert_uint_eq(st.frames_torn, fx.fake->releases_stale);
    ck_assert_uint_eq(fx.fails, 0); /* a torn frame is not a failure */
}
END_TEST

START_TEST(test_frame_png_after_stale_release_is_a_fresh_grab)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GBytes) first = NULL;
    g_autoptr(GBytes) second = NULL;
    g_autofree guint8 *rgb = NULL;
    guint w, h;
    GhPipelineStats st;

    set_option("capture.fake", "stale_every", "2");
    p = new_pipeline("capture.fake", NULL, NULL);
    first = gh_pipeline_frame_png(p, 2000, NULL);
    ck_assert_ptr_nonnull(first);
    /* Grab 2 is released stale: its copy is dropped and grab 3 answers. */
    second = gh_pipeline_frame_png(p, 2000, NULL);
    ck_assert_ptr_nonnull(second);
    rgb = decode_png(second, &w, &h);
    ck_assert_uint_eq(rgb[2], 3); /* R of pixel 0: B of the fake's frame number */
    ck_assert_uint_eq(fx.fake->frames_grabbed, 3);
    ck_assert_uint_eq(fx.fake->releases_stale, 1);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.frames_torn, 0); /* nothing was streamed */
}
END_TEST

START_TEST(test_frame_png_stale_three_times_answers_the_error)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GError) err = NULL;

    set_option("capture.fake", "stale_every", "1");
    p = new_pipeline("capture.fake", NULL, NULL);
    ck_assert_ptr_null(gh_pipeline_frame_png(p, 2000, &err));
    ck_assert(g_error_matches(err, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED));
    ck_assert_str_eq(err->message, "capture.fake failed: fake frame overwritten (3 times in a row)");
    ck_assert_uint_eq(fx.fake->frames_grabbed, 3);
    ck_assert_uint_eq(fx.fake->frames_released, 3);
    iterate_for(20);
    ck_assert_uint_eq(fx.fails, 0);
}
END_TEST

START_TEST(test_capture_without_release_still_streams_and_serves_frames)
{
    GhPipeline *p = new_pipeline("capture.fake2", "stream.fake", NULL);
    const GhBackend *b = gh_plugin_registry_lookup(fx.reg, "capture.fake2");
    g_autoptr(GBytes) png = NULL;

    /* Ops version 1 copied at its own size: release reads as absent. */
    ck_assert_ptr_null(b->capture.release);
    ck_assert_ptr_nonnull(gh_plugin_registry_lookup(fx.reg, "capture.fake")->capture.release);
    iterate_for(100);
    png = gh_pipeline_frame_png(p, 2000, NULL);
    ck_assert_ptr_nonnull(png);
    p = gh_pipeline_free(p);
    ck_assert_uint_ge(fx.fake->frames_pushed, 1);
    ck_assert_uint_eq(fx.fake->frames_released, 0);
    ck_assert_uint_eq(fx.fake->release_mismatches, 0);
}
END_TEST

/* ---- failures ---------------------------------------------------------------- */

START_TEST(test_capture_failing_three_times_fails_on_main_loop)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GError) err = NULL;

    set_option("capture.fake", "fail_after", "2");
    p = new_pipeline("capture.fake", "stream.fake", NULL);
    wait_for_fail();
    ck_assert_str_eq(fx.fail_reason, "capture.fake failed: fake capture broke");
    ck_assert_ptr_eq(fx.fail_thread, fx.main_thread);
    ck_assert_uint_eq(fx.fake->frames_pushed, 2);
    ck_assert_int_eq(fx.fake->capture_stopped, 1);
    /* Stopped for good: frames say why. */
    ck_assert_ptr_null(gh_pipeline_frame_png(p, 100, &err));
    ck_assert_str_eq(err->message, "capture.fake failed: fake capture broke");
    iterate_for(50);
    ck_assert_uint_eq(fx.fails, 1);
}
END_TEST

START_TEST(test_on_demand_capture_failures_count_too)
{
    g_autoptr(GhPipeline) p = NULL;

    set_option("capture.fake", "fail_after", "1");
    p = new_pipeline("capture.fake", NULL, NULL);
    ck_assert_ptr_nonnull(gh_pipeline_frame_png(p, 1000, NULL));
    for (int i = 0; i < 2; i++) {
        g_autoptr(GError) err = NULL;
        ck_assert_ptr_null(gh_pipeline_frame_png(p, 1000, &err));
        ck_assert_str_eq(err->message, "capture.fake failed: fake capture broke");
    }
    iterate_for(20);
    ck_assert_uint_eq(fx.fails, 0);
    ck_assert_ptr_null(gh_pipeline_frame_png(p, 1000, NULL));
    wait_for_fail();
}
END_TEST

START_TEST(test_stream_failing_three_times_fails_naming_it)
{
    g_autoptr(GhPipeline) p = NULL;

    set_option("stream.fake", "fail", "1");
    p = new_pipeline("capture.fake", "stream.fake", NULL);
    wait_for_fail();
    ck_assert_str_eq(fx.fail_reason, "stream.fake failed: fake stream broke");
}
END_TEST

START_TEST(test_free_before_the_report_runs_drops_it)
{
    GhPipeline *p;
    gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    set_option("capture.fake", "fail_after", "1");
    p = new_pipeline("capture.fake", "stream.fake", NULL);
    while (!__atomic_load_n(&fx.fake->capture_stopped, __ATOMIC_SEQ_CST) && g_get_monotonic_time() < until)
        g_usleep(1000);
    ck_assert_int_eq(fx.fake->capture_stopped, 1);
    gh_pipeline_free(p);
    iterate_for(50);
    ck_assert_uint_eq(fx.fails, 0);
}
END_TEST

START_TEST(test_free_joins_the_thread_and_destroys_instances)
{
    GhPipeline *p = new_pipeline("capture.fake", "stream.fake", "input.fake");

    iterate_for(50);
    ck_assert_int_eq(fx.fake->capture_instances, 1);
    ck_assert_int_eq(fx.fake->stream_instances, 1);
    ck_assert_int_eq(fx.fake->input_instances, 1);
    gh_pipeline_free(p);
    ck_assert_int_eq(fx.fake->capture_stopped, 1);
    ck_assert_int_eq(fx.fake->capture_instances + fx.fake->stream_instances + fx.fake->input_instances, 0);
    ck_assert_ptr_null(gh_pipeline_free(NULL));
}
END_TEST

/* ---- input ----------------------------------------------------------------------- */

static void
assert_drop(GArray *drops, guint i, guint index, GhInputDrop reason, const char *message)
{
    const GhPipelineInputDrop *d;

    ck_assert_uint_gt(drops->len, i);
    d = &g_array_index(drops, GhPipelineInputDrop, i);
    ck_assert_uint_eq(d->index, index);
    ck_assert_int_eq(d->reason, reason);
    ck_assert_str_eq(d->message, message);
}

/* input.fake as input.qmp behaves: no pads, keys 0..1. */
static GhPipeline *
pipeline_without_pads(void)
{
    set_option("input.fake", "no_pads", "1");
    return new_pipeline(NULL, NULL, "input.fake");
}

/* Sends, which succeeds, and returns the drops, n_drops of them. */
static GArray *
send_dropping(GhPipeline *p, const gh_input_event *ev, guint n, guint n_drops)
{
    GArray *drops = NULL;

    ck_assert(gh_pipeline_send_input(p, ev, n, &drops, NULL));
    ck_assert_uint_eq(drops->len, n_drops);
    return drops;
}

START_TEST(test_input_reaches_backend_in_order_and_counts)
{
    g_autoptr(GhPipeline) p = new_pipeline(NULL, NULL, "input.fake");
    gh_input_event ev[3] = {
        { .type = GH_INPUT_KEY, .code = KEY_LEFT, .value = 1 },
        { .type = GH_INPUT_REL, .code = REL_X, .value = -5 },
        { .type = GH_INPUT_KEY, .code = KEY_LEFT, .value = 0 },
    };
    GhPipelineStats st;

    ck_assert(gh_pipeline_send_input(p, ev, 2, NULL, NULL));
    ck_assert(gh_pipeline_send_input(p, ev + 2, 1, NULL, NULL));
    ck_assert_uint_eq(fx.fake->n_events, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(fx.fake->events[i].type, ev[i].type);
        ck_assert_uint_eq(fx.fake->events[i].code, ev[i].code);
        ck_assert_int_eq(fx.fake->events[i].value, ev[i].value);
    }
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 3);
    ck_assert_uint_eq(st.input_errors, 0);
}
END_TEST

START_TEST(test_input_failure_carries_the_backends_message)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GError) err = NULL;
    gh_input_event ev = { .type = GH_INPUT_KEY, .code = KEY_A, .value = 1 };
    GhPipelineStats st;

    set_option("input.fake", "fail", "1");
    p = new_pipeline(NULL, NULL, "input.fake");
    ck_assert(!gh_pipeline_send_input(p, &ev, 1, NULL, &err));
    ck_assert(g_error_matches(err, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED));
    ck_assert_str_eq(err->message, "input.fake failed: fake input broke");
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 0);
    ck_assert_uint_eq(st.input_errors, 1);
    ck_assert_uint_eq(fx.fails, 0);
}
END_TEST

START_TEST(test_input_too_many_events_refused)
{
    g_autoptr(GhPipeline) p = new_pipeline(NULL, NULL, "input.fake");
    g_autofree gh_input_event *ev = g_new0(gh_input_event, 4097);
    g_autoptr(GError) err = NULL;

    ck_assert(!gh_pipeline_send_input(p, ev, 4097, NULL, &err));
    ck_assert_str_eq(err->message, "too many input events: 4097 (at most 4096)");
    ck_assert_uint_eq(fx.fake->n_events, 0);
    ck_assert(gh_pipeline_send_input(p, ev, 0, NULL, NULL));
}
END_TEST

START_TEST(test_input_without_input_backend_drops_every_event_as_no_backend)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) drops = NULL;
    gh_input_event ev[2] = { { .type = GH_INPUT_KEY, .code = KEY_A, .value = 1 },
                             { .type = GH_INPUT_KEY, .code = KEY_A, .value = 0 } };
    GhPipelineStats st;

    set_option("input.fake", "refuse", "1");
    p = new_pipeline(NULL, NULL, NULL);
    ck_assert_ptr_null(gh_pipeline_backend_name(p, GH_BACKEND_INPUT));
    ck_assert(!gh_pipeline_send_input(p, ev, 2, &drops, &err));
    ck_assert(g_error_matches(err, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_NO_INPUT));
    ck_assert_str_eq(err->message, "no input backend for this session");
    assert_drop(drops, 0, 0, GH_INPUT_DROP_NO_BACKEND, "no input backend for this session");
    assert_drop(drops, 1, 1, GH_INPUT_DROP_NO_BACKEND, "no input backend for this session");
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_dropped[GH_INPUT_DROP_NO_BACKEND], 2);
    ck_assert_uint_eq(st.input_errors, 0);
}
END_TEST

/* The events of the blur test: a key and a pad released together. */
static const gh_input_event mixed[3] = {
    { .type = GH_INPUT_KEY, .code = KEY_LEFT, .value = 0 },
    { .type = GH_INPUT_PAD_BUTTON, .code = BTN_SOUTH, .value = 0 },
    { .type = GH_INPUT_KEY, .code = KEY_RIGHT, .value = 0 },
};

START_TEST(test_input_batch_the_backend_takes_is_one_call)
{
    g_autoptr(GhPipeline) p = new_pipeline(NULL, NULL, "input.fake");
    g_autoptr(GArray) drops = send_dropping(p, mixed, 3, 0);

    ck_assert_uint_eq(fx.fake->input_calls, 1);
    ck_assert_uint_eq(fx.fake->n_events, 3);
}
END_TEST

START_TEST(test_input_unsupported_event_is_dropped_alone_and_the_rest_arrive)
{
    g_autoptr(GhPipeline) p = pipeline_without_pads();
    g_autoptr(GArray) drops = send_dropping(p, mixed, 3, 1);
    GhPipelineStats st;

    assert_drop(drops, 0, 1, GH_INPUT_DROP_UNSUPPORTED, "input.fake: pad code 304: no pads here");
    /* The batch, then each event alone. */
    ck_assert_uint_eq(fx.fake->input_calls, 4);
    ck_assert_uint_eq(fx.fake->n_events, 2);
    ck_assert_uint_eq(fx.fake->events[0].code, KEY_LEFT);
    ck_assert_uint_eq(fx.fake->events[1].code, KEY_RIGHT);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 2);
    ck_assert_uint_eq(st.input_dropped[GH_INPUT_DROP_UNSUPPORTED], 1);
    ck_assert_uint_eq(st.input_errors, 1);
}
END_TEST

START_TEST(test_input_invalid_event_is_dropped_alone)
{
    g_autoptr(GhPipeline) p = pipeline_without_pads();
    gh_input_event ev[2] = { { .type = GH_INPUT_KEY, .code = KEY_A, .value = 7 },
                             { .type = GH_INPUT_KEY, .code = KEY_B, .value = 1 } };
    g_autoptr(GArray) drops = send_dropping(p, ev, 2, 1);
    GhPipelineStats st;

    assert_drop(drops, 0, 0, GH_INPUT_DROP_INVALID, "input.fake: key value 7 out of range");
    ck_assert_uint_eq(fx.fake->n_events, 1);
    ck_assert_uint_eq(fx.fake->events[0].code, KEY_B);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_dropped[GH_INPUT_DROP_INVALID], 1);
}
END_TEST

START_TEST(test_input_failure_of_one_event_alone_is_counted_failed)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GArray) drops = NULL;
    gh_input_event ev[3] = { mixed[1], { .type = GH_INPUT_KEY, .code = KEY_A, .value = 1 },
                             { .type = GH_INPUT_KEY, .code = KEY_B, .value = 1 } };
    GhPipelineStats st;

    set_option("input.fake", "fail_code", "30");   /* KEY_A */
    p = pipeline_without_pads();
    drops = send_dropping(p, ev, 3, 2);
    assert_drop(drops, 0, 0, GH_INPUT_DROP_UNSUPPORTED, "input.fake: pad code 304: no pads here");
    assert_drop(drops, 1, 1, GH_INPUT_DROP_FAILED, "input.fake: code 30 broke");
    ck_assert_uint_eq(fx.fake->n_events, 1);
    ck_assert_uint_eq(fx.fake->events[0].code, KEY_B);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 1);
    ck_assert_uint_eq(st.input_dropped[GH_INPUT_DROP_FAILED], 1);
    ck_assert_uint_eq(st.input_errors, 2);
}
END_TEST

START_TEST(test_input_backend_failure_drops_the_batch_without_retry)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GArray) drops = NULL;
    g_autoptr(GError) err = NULL;
    GhPipelineStats st;

    set_option("input.fake", "fail", "1");
    p = new_pipeline(NULL, NULL, "input.fake");
    ck_assert(!gh_pipeline_send_input(p, mixed, 3, &drops, &err));
    ck_assert(g_error_matches(err, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED));
    ck_assert_str_eq(err->message, "input.fake failed: fake input broke");
    ck_assert_uint_eq(fx.fake->input_calls, 1);
    ck_assert_uint_eq(drops->len, 3);
    for (guint i = 0; i < 3; i++)
        assert_drop(drops, i, i, GH_INPUT_DROP_FAILED, "fake input broke");
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_dropped[GH_INPUT_DROP_FAILED], 3);
    ck_assert_uint_eq(st.input_events, 0);
}
END_TEST

START_TEST(test_input_all_unsupported_is_success_with_nothing_delivered)
{
    g_autoptr(GhPipeline) p = pipeline_without_pads();
    gh_input_event ev[2] = { mixed[1], { .type = GH_INPUT_PAD_AXIS, .code = ABS_X, .value = 9000 } };
    g_autoptr(GArray) drops = send_dropping(p, ev, 2, 2);

    ck_assert_int_eq(g_array_index(drops, GhPipelineInputDrop, 1).reason, GH_INPUT_DROP_UNSUPPORTED);
    ck_assert_uint_eq(fx.fake->n_events, 0);
}
END_TEST

/* ---- pads played as keys (a profile's <pad-keys>, pad-keys.c) ---- */

/* A d-pad right and a left stick on the arrows. */
static const GhPadKey arrows[] = {
    { GH_INPUT_PAD_BUTTON, BTN_DPAD_RIGHT, KEY_RIGHT, 0 },
    { GH_INPUT_PAD_AXIS, ABS_X, KEY_RIGHT, KEY_LEFT },
};

static GhPipeline *
pipeline_with_pad_keys(void)
{
    g_autoptr(GArray) map = g_array_new(FALSE, FALSE, sizeof(GhPadKey));
    g_autoptr(GError) err = NULL;
    GhPipelineChoice choice = { .input = "input.fake", .options = fx.options, .pad_keys = map };
    GhPluginSessionInfo info = { .session_id = "5b0a4a2e-0d5c-4b7e-9a53-2f1f0c7e9d11", .image_id = "arena",
                                 .context = fx.context, .ops = &fake_ops };
    GhPipeline *p;

    g_array_append_vals(map, arrows, G_N_ELEMENTS(arrows));
    p = gh_pipeline_new(fx.reg, &choice, NULL, &info, on_fail, NULL, &err);
    ck_assert_msg(p, "%s", err ? err->message : "");
    return p;
}

static void
assert_fake_event(guint i, guint32 type, guint32 code, gint32 value)
{
    ck_assert_uint_lt(i, fx.fake->n_events);
    ck_assert_uint_eq(fx.fake->events[i].type, type);
    ck_assert_uint_eq(fx.fake->events[i].code, code);
    ck_assert_int_eq(fx.fake->events[i].value, value);
}

START_TEST(test_input_mapped_pad_events_reach_the_backend_as_keys_in_order)
{
    g_autoptr(GhPipeline) p = pipeline_with_pad_keys();
    gh_input_event ev[4] = {
        { .type = GH_INPUT_PAD_BUTTON, .code = BTN_DPAD_RIGHT, .value = 1 },
        { .type = GH_INPUT_KEY, .code = KEY_A, .value = 1 },
        { .type = GH_INPUT_PAD_AXIS, .code = ABS_X, .value = -32768, .device = 1 },
        { .type = GH_INPUT_PAD_BUTTON, .code = BTN_DPAD_RIGHT, .value = 0 },
    };
    g_autoptr(GArray) drops = send_dropping(p, ev, 4, 0);
    GhPipelineStats st;

    ck_assert_uint_eq(fx.fake->input_calls, 1);
    ck_assert_uint_eq(fx.fake->n_events, 4);
    assert_fake_event(0, GH_INPUT_KEY, KEY_RIGHT, 1);
    assert_fake_event(1, GH_INPUT_KEY, KEY_A, 1);
    assert_fake_event(2, GH_INPUT_KEY, KEY_LEFT, 1);
    assert_fake_event(3, GH_INPUT_KEY, KEY_RIGHT, 0);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 4);
    ck_assert_uint_eq(st.input_errors, 0);
}
END_TEST

/* One pad event, two keys: delivered counts the event, once. */
START_TEST(test_input_stick_thrown_across_is_one_event_delivered)
{
    g_autoptr(GhPipeline) p = pipeline_with_pad_keys();
    gh_input_event ev[2] = { { .type = GH_INPUT_PAD_AXIS, .code = ABS_X, .value = -32768 },
                             { .type = GH_INPUT_PAD_AXIS, .code = ABS_X, .value = 32767 } };
    g_autoptr(GArray) drops = send_dropping(p, ev, 2, 0);
    GhPipelineStats st;

    ck_assert_uint_eq(fx.fake->n_events, 3);
    assert_fake_event(0, GH_INPUT_KEY, KEY_LEFT, 1);
    assert_fake_event(1, GH_INPUT_KEY, KEY_LEFT, 0);
    assert_fake_event(2, GH_INPUT_KEY, KEY_RIGHT, 1);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 2);
}
END_TEST

/* A stick inside its dead half moves no key: delivered, and the backend is
 * not called for nothing. */
START_TEST(test_input_pad_event_that_moves_no_key_is_delivered_without_a_call)
{
    g_autoptr(GhPipeline) p = pipeline_with_pad_keys();
    gh_input_event ev = { .type = GH_INPUT_PAD_AXIS, .code = ABS_X, .value = 9000 };
    g_autoptr(GArray) drops = send_dropping(p, &ev, 1, 0);
    GhPipelineStats st;

    ck_assert_uint_eq(fx.fake->input_calls, 0);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 1);
}
END_TEST

START_TEST(test_input_unmapped_pad_control_is_dropped_as_unsupported)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GArray) drops = NULL;
    gh_input_event ev[2] = { { .type = GH_INPUT_PAD_BUTTON, .code = BTN_EAST, .value = 1 },
                             { .type = GH_INPUT_PAD_BUTTON, .code = BTN_DPAD_RIGHT, .value = 1 } };
    GhPipelineStats st;

    set_option("input.fake", "no_pads", "1");
    p = pipeline_with_pad_keys();
    drops = send_dropping(p, ev, 2, 1);
    assert_drop(drops, 0, 0, GH_INPUT_DROP_UNSUPPORTED, "input.fake: pad code 305: no pads here");
    ck_assert_uint_eq(fx.fake->n_events, 1);
    assert_fake_event(0, GH_INPUT_KEY, KEY_RIGHT, 1);
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 1);
    ck_assert_uint_eq(st.input_dropped[GH_INPUT_DROP_UNSUPPORTED], 1);
}
END_TEST

/* The backend fails on the keys: each pad event is dropped once, at its
 * own index, however many keys it became. */
START_TEST(test_input_keys_the_backend_fails_drop_their_pad_event_once)
{
    g_autoptr(GhPipeline) p = NULL;
    g_autoptr(GArray) drops = NULL;
    g_autoptr(GError) err = NULL;
    gh_input_event ev[3] = { { .type = GH_INPUT_KEY, .code = KEY_A, .value = 1 },
                             { .type = GH_INPUT_PAD_AXIS, .code = ABS_X, .value = -32768 },
                             { .type = GH_INPUT_PAD_AXIS, .code = ABS_X, .value = 32767 } };
    GhPipelineStats st;

    set_option("input.fake", "fail_code", "106");   /* KEY_RIGHT */
    p = pipeline_with_pad_keys();
    ck_assert(!gh_pipeline_send_input(p, ev, 3, &drops, &err));
    ck_assert_str_eq(err->message, "input.fake failed: input.fake: code 106 broke");
    ck_assert_uint_eq(drops->len, 3);
    for (guint i = 0; i < 3; i++)
        assert_drop(drops, i, i, GH_INPUT_DROP_FAILED, "input.fake: code 106 broke");
    gh_pipeline_get_stats(p, &st);
    ck_assert_uint_eq(st.input_events, 0);
    ck_assert_uint_eq(st.input_dropped[GH_INPUT_DROP_FAILED], 3);
}
END_TEST

START_TEST(test_input_drop_reasons_have_their_metric_names)
{
    ck_assert_str_eq(gh_input_drop_to_string(GH_INPUT_DROP_UNSUPPORTED), "unsupported");
    ck_assert_str_eq(gh_input_drop_to_string(GH_INPUT_DROP_INVALID), "invalid");
    ck_assert_str_eq(gh_input_drop_to_string(GH_INPUT_DROP_FAILED), "failed");
    ck_assert_str_eq(gh_input_drop_to_string(GH_INPUT_DROP_NO_BACKEND), "no_backend");
}
END_TEST

/* ---- frame-png ---------------------------------------------------------------------- */

START_TEST(test_frame_png_rgbx_keeps_channel_order_and_stride)
{
    guint8 pixels[2 * 12] = { 10, 20, 30, 0, 40, 50, 60, 0, 99, 99, 99, 99, 70, 80, 90, 0, 1, 2, 3, 0, 99, 99, 99, 99 };
    gh_frame f = { .struct_size = sizeof(f), .format = GH_FORMAT_RGBX8888, .width = 2, .height = 2, .stride = 12,
                   .data = pixels };
    g_autoptr(GBytes) png = gh_frame_png_encode(&f, NULL);
    g_autofree guint8 *rgb = NULL;
    guint w, h;
    const guint8 want[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 1, 2, 3 };

    ck_assert_ptr_nonnull(png);
    rgb = decode_png(png, &w, &h);
    ck_assert_uint_eq(w, 2);
    ck_assert_uint_eq(h, 2);
    ck_assert_mem_eq(rgb, want, sizeof(want));
}
END_TEST

START_TEST(test_frame_png_refuses_bad_frames)
{
    guint8 pixels[16] = { 0 };
    gh_frame f = { .struct_size = sizeof(f), .format = GH_FORMAT_BGRX8888, .width = 2, .height = 2, .stride = 7,
                   .data = pixels };
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;

    ck_assert_ptr_null(gh_frame_png_encode(&f, &e1));
    ck_assert_str_eq(e1->message, "bad frame stride 7 for width 2");
    f.stride = 8;
    f.format = 9;
    ck_assert_ptr_null(gh_frame_png_encode(&f, &e2));
    ck_assert_str_eq(e2->message, "unsupported pixel format 9");
    f.format = GH_FORMAT_BGRX8888;
    f.height = 0;
    ck_assert_ptr_null(gh_frame_png_encode(&f, &e3));
    ck_assert_str_eq(e3->message, "bad frame size 2x0");
}
END_TEST

static Suite *
pipeline_suite(void)
{
    Suite *s = suite_create("pipeline");
    TCase *choose = tcase_create("choosing backends");
    TCase *thread = tcase_create("thread");
    TCase *fail = tcase_create("failures");
    TCase *input = tcase_create("input");
    TCase *png = tcase_create("frame-png");

    tcase_add_checked_fixture(choose, setup, teardown);
    tcase_add_test(choose, test_unknown_backend_is_refused_naming_it);
    tcase_add_test(choose, test_backend_of_wrong_kind_is_refused);
    tcase_add_test(choose, test_named_backend_that_refuses_fails_naming_it);
    tcase_add_test(choose, test_default_capture_is_the_images_first_path);
    tcase_add_test(choose, test_default_capture_falls_back_to_first_that_serves);
    tcase_add_test(choose, test_no_capture_backend_leaves_frames_unavailable);
    tcase_add_test(choose, test_options_reach_only_their_backend);
    suite_add_tcase(s, choose);

    tcase_add_checked_fixture(thread, setup, teardown);
    tcase_add_test(thread, test_no_grab_without_stream_or_request);
    tcase_add_test(thread, test_stream_gets_frames_at_refresh_rate_on_pipeline_thread);
    tcase_add_test(thread, test_pump_takes_a_paced_producers_frames_as_they_are_drawn);
    tcase_add_test(thread, test_frame_png_is_the_captured_frame);
    tcase_add_test(thread, test_frame_png_from_several_threads);
    tcase_add_test(thread, test_frame_png_times_out_without_a_frame);
    tcase_add_test(thread, test_capture_reaches_the_vm_through_host_services);
    tcase_add_test(thread, test_vm_access_error_is_the_capture_error);
    tcase_add_test(thread, test_release_follows_every_successful_grab_once);
    tcase_add_test(thread, test_stale_release_on_pump_path_counts_torn_frame);
    tcase_add_test(thread, test_frame_png_after_stale_release_is_a_fresh_grab);
    tcase_add_test(thread, test_frame_png_stale_three_times_answers_the_error);
    tcase_add_test(thread, test_capture_without_release_still_streams_and_serves_frames);
    suite_add_tcase(s, thread);

    tcase_add_checked_fixture(fail, setup, teardown);
    tcase_add_test(fail, test_capture_failing_three_times_fails_on_main_loop);
    tcase_add_test(fail, test_on_demand_capture_failures_count_too);
    tcase_add_test(fail, test_stream_failing_three_times_fails_naming_it);
    tcase_add_test(fail, test_free_before_the_report_runs_drops_it);
    tcase_add_test(fail, test_free_joins_the_thread_and_destroys_instances);
    suite_add_tcase(s, fail);

    tcase_add_checked_fixture(input, setup, teardown);
    tcase_add_test(input, test_input_reaches_backend_in_order_and_counts);
    tcase_add_test(input, test_input_failure_carries_the_backends_message);
    tcase_add_test(input, test_input_too_many_events_refused);
    tcase_add_test(input, test_input_without_input_backend_drops_every_event_as_no_backend);
    tcase_add_test(input, test_input_batch_the_backend_takes_is_one_call);
    tcase_add_test(input, test_input_unsupported_event_is_dropped_alone_and_the_rest_arrive);
    tcase_add_test(input, test_input_invalid_event_is_dropped_alone);
    tcase_add_test(input, test_input_failure_of_one_event_alone_is_counted_failed);
    tcase_add_test(input, test_input_backend_failure_drops_the_batch_without_retry);
    tcase_add_test(input, test_input_all_unsupported_is_success_with_nothing_delivered);
    tcase_add_test(input, test_input_mapped_pad_events_reach_the_backend_as_keys_in_order);
    tcase_add_test(input, test_input_stick_thrown_across_is_one_event_delivered);
    tcase_add_test(input, test_input_pad_event_that_moves_no_key_is_delivered_without_a_call);
    tcase_add_test(input, test_input_unmapped_pad_control_is_dropped_as_unsupported);
    tcase_add_test(input, test_input_keys_the_backend_fails_drop_their_pad_event_once);
    tcase_add_test(input, test_input_drop_reasons_have_their_metric_names);
    suite_add_tcase(s, input);

    tcase_add_test(png, test_frame_png_rgbx_keeps_channel_order_and_stride);
    tcase_add_test(png, test_frame_png_refuses_bad_frames);
    suite_add_tcase(s, png);
    {
        TCase *sound = tcase_create("sound");
        tcase_add_checked_fixture(sound, setup, teardown);
        tcase_add_test(sound, test_sound_reaches_the_stream_only_in_the_announced_format);
        tcase_add_test(sound, test_a_player_not_in_control_is_not_heard);
        tcase_add_test(sound, test_the_microphone_takes_what_the_backend_has_room_for);
        tcase_add_test(sound, test_a_silent_image_gets_no_audio_backend);
        tcase_add_test(sound, test_an_image_with_sound_gets_the_first_audio_backend);
        suite_add_tcase(s, sound);
    }
    return s;
}

int
main(void)
{
    return gh_test_run(pipeline_suite());
}
