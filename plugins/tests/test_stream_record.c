/* Unit tests of stream-record, driven by a fake host-services table: frames
 * with capture timestamps go in, a file in the session dir comes out, and
 * ffprobe says what is in it.  Frames are pushed as fast as the encoder
 * takes them; only their timestamps say 60 Hz, so the rate limit is the
 * plugin's reading of timestamps, never of the wall clock. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <gamehost/plugin.h>

#include "fake-host.h"
#include "testutil.h"

#define NS_PER_S G_GUINT64_CONSTANT(1000000000)

/* ---- frames -------------------------------------------------------------------- */

typedef struct {
    uint32_t width, height, stride;
    uint8_t *data;
    gh_frame frame;
} Frames;

/* Rows padded past width * 4, so the plugin must honour the stride. */
static Frames *
frames_new(uint32_t width, uint32_t height)
{
    Frames *f = g_new0(Frames, 1);

    f->width = width;
    f->height = height;
    f->stride = width * 4 + 64;
    f->data = g_malloc0((size_t)f->stride * height);
    return f;
}

/* Frame n: a gradient with a white square moving across it, so the encoder
 * has motion to code; timestamp start + n / hz. */
static const gh_frame *
frames_at(Frames *f, uint64_t n, uint32_t hz)
{
    uint32_t side = f->height / 4, x0 = (uint32_t)(n * 4 % (f->width - side)), y0 = f->height / 3;

    for (uint32_t y = 0; y < f->height; y++) {
        uint8_t *row = f->data + (size_t)y * f->stride;
        for (uint32_t x = 0; x < f->width; x++) {
            gboolean in = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
            row[x * 4 + 0] = in ? 255 : (uint8_t)(x + n);
            row[x * 4 + 1] = in ? 255 : (uint8_t)y;
            row[x * 4 + 2] = in ? 255 : (uint8_t)(x ^ y);
            row[x * 4 + 3] = 0;
        }
    }
    f->frame = (gh_frame){
        .struct_size = sizeof(gh_frame),
        .format = GH_FORMAT_BGRX8888,
        .width = f->width,
        .height = f->height,
        .stride = f->stride,
        .timestamp_ns = 1000 * NS_PER_S + n * NS_PER_S / hz,
        .frame_number = n + 1,
        .data = f->data,
    };
    return &f->frame;
}

static void
frames_free(Frames *f)
{
    g_free(f->data);
    g_free(f);
}

/* Pushes n frames timestamped at hz, then destroys the instance. */
static void
record(gh_host *host, gh_instance *inst, uint32_t width, uint32_t height, uint32_t n, uint32_t hz)
{
    const gh_backend_factory *fac = fake_host_factory();
    Frames *f = frames_new(width, height);

    for (uint32_t i = 0; i < n; i++)
        ck_assert_msg(fac->stream->push_frame(inst, frames_at(f, i, hz)) == 0, "frame %u: %s", i, host->error);
    fac->destroy(inst);
    frames_free(f);
}

/* ---- ffprobe ------------------------------------------------------------------ */

typedef struct {
    char *codec, *format_name;
    gint64 width, height, frames;
    double duration;
} Probe;

static void
probe(const char *path, Probe *p)
{
    const char *argv[] = { "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                           "-show_entries", "stream=width,height,nb_read_frames,codec_name",
                           "-show_entries", "format=duration,format_name", "-of", "json", path, NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *root, *stream, *format;
    int status = 0;

    ck_assert_msg(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                               &error),
                  "ffprobe: %s", error ? error->message : "");
    ck_assert_msg(g_spawn_check_wait_status(status, NULL), "ffprobe %s failed: %s", path, err);
    ck_assert_msg(json_parser_load_from_data(parser, out, -1, NULL), "ffprobe said: %s", out);
    if (g_getenv("GH_TEST_VERBOSE"))
        fprintf(stderr, "ffprobe %s:\n%s", path, out);
    root = json_node_get_object(json_parser_get_root(parser));
    stream = json_array_get_object_element(json_object_get_array_member(root, "streams"), 0);
    format = json_object_get_object_member(root, "format");
    p->codec = g_strdup(json_object_get_string_member(stream, "codec_name"));
    p->width = json_object_get_int_member(stream, "width");
    p->height = json_object_get_int_member(stream, "height");
    p->frames = g_ascii_strtoll(json_object_get_string_member(stream, "nb_read_frames"), NULL, 10);
    p->format_name = g_strdup(json_object_get_string_member(format, "format_name"));
    p->duration = g_ascii_strtod(json_object_get_string_member(format, "duration"), NULL);
}

static void
probe_clear(Probe *p)
{
    g_free(p->codec);
    g_free(p->format_name);
}

static char *
path_in(gh_host *host, const char *file)
{
    return g_build_filename(host->dir, file, NULL);
}

/* ---- the descriptor ------------------------------------------------------------- */

START_TEST(test_plugin_descriptor)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    const gh_backend_factory *f = fake_host_factory();

    ck_assert_uint_eq(plugin->struct_size, sizeof(gh_plugin));
    ck_assert_uint_eq(plugin->abi_major, GH_PLUGIN_ABI_MAJOR);
    ck_assert_uint_eq(plugin->abi_minor, GH_PLUGIN_ABI_MINOR);
    ck_assert_str_eq(plugin->name, "stream-record");
    ck_assert_str_eq(plugin->license, "MIT");
    ck_assert_uint_eq(f->kind, GH_BACKEND_STREAM);
    ck_assert_str_eq(f->name, "stream.record");
    ck_assert_ptr_nonnull(f->stream);
    ck_assert_ptr_nonnull(f->stream->push_frame);
    ck_assert_ptr_null(f->capture);
    ck_assert_ptr_null(f->input);
}
END_TEST

/* ---- recording ------------------------------------------------------------------ */

START_TEST(test_records_5_s_of_60_hz_frames_at_30_fps_into_a_playable_mkv)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    g_autofree char *path = path_in(host, "recording.mkv");
    Probe p = { 0 };

    ck_assert_msg(inst, "%s", host->error);
    record(host, inst, 640, 480, 300, 60);
    probe(path, &p);
    ck_assert_str_eq(p.codec, "h264");
    ck_assert_str_eq(p.format_name, "matroska,webm");
    ck_assert_int_eq(p.width, 640);
    ck_assert_int_eq(p.height, 480);
    ck_assert_msg(p.frames >= 135 && p.frames <= 165, "%" G_GINT64_FORMAT " frames, want 150 +-10%%", p.frames);
    ck_assert_msg(p.duration >= 4.5 && p.duration <= 5.5, "duration %.3f s, want 5.0 +-10%%", p.duration);
    probe_clear(&p);
    fake_host_free(host);
}
END_TEST

START_TEST(test_records_mp4_at_the_configured_fps)
{
    gh_host *host = fake_host_new();
    g_autofree char *path = path_in(host, "clip_1.mp4");
    gh_instance *inst;
    Probe p = { 0 };

    g_hash_table_insert(host->options, "file", "clip_1.mp4");
    g_hash_table_insert(host->options, "bitrate", "1000");
    inst = fake_host_create(host, "fps", "10");
    ck_assert_msg(inst, "%s", host->error);
    record(host, inst, 320, 240, 120, 60);
    probe(path, &p);
    ck_assert_str_eq(p.codec, "h264");
    ck_assert_ptr_nonnull(strstr(p.format_name, "mp4"));
    ck_assert_int_eq(p.width, 320);
    ck_assert_int_eq(p.height, 240);
    ck_assert_msg(p.frames >= 18 && p.frames <= 22, "%" G_GINT64_FORMAT " frames, want 20", p.frames);
    ck_assert_msg(p.duration >= 1.8 && p.duration <= 2.2, "duration %.3f s, want 2.0", p.duration);
    probe_clear(&p);
    fake_host_free(host);
}
END_TEST

START_TEST(test_frames_slower_than_fps_keep_the_sessions_duration)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    g_autofree char *path = path_in(host, "recording.mkv");
    Probe p = { 0 };

    /* 3 s of a display that updates 10 times a second: every frame is
     * kept, at its own time, so the file lasts 3 s rather than 1. */
    record(host, inst, 160, 120, 30, 10);
    probe(path, &p);
    ck_assert_int_eq(p.frames, 30);
    ck_assert_msg(p.duration >= 2.7 && p.duration <= 3.3, "duration %.3f s, want 3.0", p.duration);
    probe_clear(&p);
    fake_host_free(host);
}
END_TEST

START_TEST(test_no_frames_leave_no_file)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    g_autofree char *path = path_in(host, "recording.mkv");

    ck_assert_ptr_nonnull(inst);
    ck_assert(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    fake_host_factory()->destroy(inst);
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
    fake_host_free(host);
}
END_TEST

START_TEST(test_a_size_change_is_refused)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_backend_factory *fac = fake_host_factory();
    Frames *small = frames_new(160, 120), *big = frames_new(320, 240);

    ck_assert_int_eq(fac->stream->push_frame(inst, frames_at(small, 0, 60)), 0);
    ck_assert_int_eq(fac->stream->push_frame(inst, frames_at(big, 2, 60)), -EINVAL);
    ck_assert_str_eq(host->error,
                     "stream.record: frame size changed from 160x120 to 320x240; a recording keeps its first size");
    ck_assert_int_eq(fac->stream->push_frame(inst, frames_at(small, 4, 60)), 0);
    fac->destroy(inst);
    frames_free(small);
    frames_free(big);
    fake_host_free(host);
}
END_TEST

START_TEST(test_a_frame_it_cannot_encode_is_refused)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_backend_factory *fac = fake_host_factory();
    Frames *f = frames_new(160, 120);
    gh_frame bad = *frames_at(f, 0, 60);

    bad.stride = 160 * 4 - 1;
    ck_assert_int_eq(fac->stream->push_frame(inst, &bad), -EINVAL);
    ck_assert_str_eq(host->error, "stream.record: cannot encode a 160x120 frame of format 1 with stride 639 "
                                  "(BGRX or RGBX, up to 16384x16384)");
    fac->destroy(inst);
    frames_free(f);
    fake_host_free(host);
}
END_TEST

START_TEST(test_replaces_a_link_instead_of_writing_through_it)
{
    gh_host *host = fake_host_new();
    g_autofree char *path = path_in(host, "recording.mkv");
    g_autofree char *target = path_in(host, "victim");
    g_autofree char *content = NULL;
    gh_instance *inst;

    ck_assert(g_file_set_contents(target, "keep", -1, NULL));
    ck_assert_int_eq(symlink(target, path), 0);
    inst = fake_host_create(host, NULL, NULL);
    ck_assert_msg(inst, "%s", host->error);
    record(host, inst, 160, 120, 10, 60);
    ck_assert(!g_file_test(path, G_FILE_TEST_IS_SYMLINK));
    ck_assert(g_file_get_contents(target, &content, NULL, NULL));
    ck_assert_str_eq(content, "keep");
    fake_host_free(host);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------- */

#define BAD_NAME "stream.record: option file must be a plain file name of 1 to 64 characters from A-Z a-z 0-9 . _ -"

START_TEST(test_file_must_be_a_plain_name_in_the_session_dir)
{
    fake_host_assert_refused("file", "a/b.mkv", BAD_NAME);
    fake_host_assert_refused("file", "../x.mkv", BAD_NAME);
    fake_host_assert_refused("file", "/etc/x.mkv", BAD_NAME);
    fake_host_assert_refused("file", "", BAD_NAME);
    fake_host_assert_refused("file", "a b.mkv", BAD_NAME);
    fake_host_assert_refused("file", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.mkv", BAD_NAME);
    fake_host_assert_refused("file", "..", "stream.record: option file '..' must not start with '.'");
    fake_host_assert_refused("file", ".hidden.mkv", "stream.record: option file '.hidden.mkv' must not start with '.'");
}
END_TEST

START_TEST(test_file_must_end_in_mkv_or_mp4)
{
    fake_host_assert_refused("file", "x.avi", "stream.record: option file 'x.avi' must end in .mkv or .mp4");
    fake_host_assert_refused("file", "recording", "stream.record: option file 'recording' must end in .mkv or .mp4");
    fake_host_assert_refused("file", "x.MKV", "stream.record: option file 'x.MKV' must end in .mkv or .mp4");
}
END_TEST

START_TEST(test_fps_must_be_1_to_120)
{
    const char *message = "stream.record: option fps must be a whole number from 1 to 120";

    fake_host_assert_refused("fps", "0", message);
    fake_host_assert_refused("fps", "500", message);
    fake_host_assert_refused("fps", "121", message);
    fake_host_assert_refused("fps", "-1", message);
    fake_host_assert_refused("fps", "30fps", message);
    fake_host_assert_refused("fps", " 30", message);
    fake_host_assert_refused("fps", "", message);
}
END_TEST

START_TEST(test_bitrate_must_be_100_to_100000)
{
    const char *message = "stream.record: option bitrate must be a whole number from 100 to 100000";

    fake_host_assert_refused("bitrate", "99", message);
    fake_host_assert_refused("bitrate", "100001", message);
    fake_host_assert_refused("bitrate", "4e3", message);
}
END_TEST

START_TEST(test_a_1_0_host_without_session_dir_is_refused)
{
    /* The table of a host built for ABI 1.0 ends before session_dir: the
     * plugin reads nothing past its struct_size. */
    fake_host_assert_old_host_refused(offsetof(gh_host_services, session_dir), 1,
                                      "stream.record: the host offers no session directory (it needs plugin ABI 1.1)");
}
END_TEST

START_TEST(test_a_session_without_a_dir_is_refused)
{
    gh_host *host = fake_host_new();
    char *dir = host->dir;

    host->dir = NULL;
    ck_assert_ptr_null(fake_host_factory()->create(host, &fake_host_services));
    ck_assert_str_eq(host->error, "stream.record: the session has no directory to record into");
    host->dir = dir;
    fake_host_free(host);
}
END_TEST

static Suite *
stream_record_suite(void)
{
    Suite *s = suite_create("stream-record");
    TCase *tc = tcase_create("options");

    tcase_add_test(tc, test_plugin_descriptor);
    tcase_add_test(tc, test_file_must_be_a_plain_name_in_the_session_dir);
    tcase_add_test(tc, test_file_must_end_in_mkv_or_mp4);
    tcase_add_test(tc, test_fps_must_be_1_to_120);
    tcase_add_test(tc, test_bitrate_must_be_100_to_100000);
    tcase_add_test(tc, test_a_1_0_host_without_session_dir_is_refused);
    tcase_add_test(tc, test_a_session_without_a_dir_is_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("recording");
    /* Encoding seconds of video on a small CI machine. */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_records_5_s_of_60_hz_frames_at_30_fps_into_a_playable_mkv);
    tcase_add_test(tc, test_records_mp4_at_the_configured_fps);
    tcase_add_test(tc, test_frames_slower_than_fps_keep_the_sessions_duration);
    tcase_add_test(tc, test_no_frames_leave_no_file);
    tcase_add_test(tc, test_a_size_change_is_refused);
    tcase_add_test(tc, test_a_frame_it_cannot_encode_is_refused);
    tcase_add_test(tc, test_replaces_a_link_instead_of_writing_through_it);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return gh_test_run(stream_record_suite());
}
