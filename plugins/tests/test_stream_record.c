/* Unit tests of stream-record, driven by a fake host-services table: frames
 * with capture timestamps go in, a file in the session dir comes out, and
 * ffprobe says what is in it.  Frames are pushed as fast as the encoder
 * takes them; only their timestamps say 60 Hz, so the rate limit is the
 * plugin's reading of timestamps, never of the wall clock.  With sound,
 * chunks of synthesised PCM go in between the frames, in capture order, as
 * a session's audio thread would hand them on.  The timeline's arithmetic
 * has its own file (test_stream_record_timeline.c). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include <gamehost/plugin.h>

#include "fake-host.h"
#include "test_stream_record_timeline.h"
#include "testutil.h"

#define NS_PER_S G_GUINT64_CONSTANT(1000000000)
/* Host time of the first frame and of the first sound frame. */
#define START_NS (1000 * NS_PER_S)

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
        .timestamp_ns = START_NS + n * NS_PER_S / hz,
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

/* Runs ffprobe (or ffmpeg) with argv and parses what it printed as JSON. */
static JsonParser *
ffprobe_json(const char *const *argv)
{
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) error = NULL;
    JsonParser *parser = json_parser_new();
    int status = 0;

    ck_assert_msg(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                               &error),
                  "%s: %s", argv[0], error ? error->message : "");
    ck_assert_msg(g_spawn_check_wait_status(status, NULL), "%s failed: %s", argv[0], err);
    ck_assert_msg(json_parser_load_from_data(parser, out, -1, NULL), "%s said: %s", argv[0], out);
    if (g_getenv("GH_TEST_VERBOSE"))
        fprintf(stderr, "%s:\n%s", argv[0], out);
    return parser;
}

static void
probe(const char *path, Probe *p)
{
    const char *argv[] = { "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                           "-show_entries", "stream=width,height,nb_read_frames,codec_name",
                           "-show_entries", "format=duration,format_name", "-of", "json", path, NULL };
    g_autoptr(JsonParser) parser = ffprobe_json(argv);
    JsonObject *root, *stream, *format;

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

/* ---- sound ------------------------------------------------------------------- */

#define CHUNK_FRAMES 1024u
#define NO_FLASH     G_MAXUINT32

/* The game's sound: a 600 Hz sine at a quarter of full scale, or silence;
 * and, in sync tests, a 10 ms full-scale 1 kHz square from frame `burst`
 * on.  Sound frame 0 is captured at START_NS, as the first picture. */
typedef struct {
    uint32_t rate, channels;
    gboolean sine;
    uint64_t burst;              /* G_MAXUINT64: none */
    int16_t data[CHUNK_FRAMES * GH_AUDIO_MAX_CHANNELS];
    gh_audio_chunk chunk;
} Sound;

static int16_t
sound_sample(const Sound *snd, uint64_t f)
{
    uint64_t half_period = snd->rate / 2000u;

    if (f >= snd->burst && f < snd->burst + snd->rate / 100u)
        return (f - snd->burst) / half_period % 2u ? -30000 : 30000;
    return snd->sine ? (int16_t)(8192.0 * sin(2.0 * G_PI * 600.0 * (double)f / snd->rate)) : 0;
}

/* Chunk k: CHUNK_FRAMES frames from sound frame k * CHUNK_FRAMES. */
static const gh_audio_chunk *
sound_chunk(Sound *snd, uint64_t k)
{
    for (uint32_t i = 0; i < CHUNK_FRAMES; i++)
        for (uint32_t c = 0; c < snd->channels; c++)
            snd->data[i * snd->channels + c] = sound_sample(snd, k * CHUNK_FRAMES + i);
    snd->chunk = (gh_audio_chunk){
        .struct_size = sizeof(gh_audio_chunk),
        .format = GH_AUDIO_S16LE,
        .rate = snd->rate,
        .channels = snd->channels,
        .n_frames = CHUNK_FRAMES,
        .timestamp_ns = START_NS + k * CHUNK_FRAMES * NS_PER_S / snd->rate,
        .data = (const uint8_t *)snd->data,
    };
    return &snd->chunk;
}

/* A session: n frames at hz (all black but an all-white one at `flash`,
 * when there is one), and the sound's chunks that start from from_ms to
 * to_ms after the first frame.  Each chunk is pushed once all of it has
 * been captured, before the frame drawn then, as the audio thread hands
 * them on beside the pipeline's; the last ones up to the end of the last
 * frame.  Then the instance is destroyed. */
typedef struct {
    uint32_t width, height, n, hz, flash;
    uint64_t from_ms, to_ms;
} Play;

static void
play_chunks_until(gh_host *host, gh_instance *inst, Sound *snd, const Play *p, uint64_t *k, uint64_t until_ns)
{
    const gh_backend_factory *fac = fake_host_factory();

    for (; (*k + 1) * CHUNK_FRAMES * NS_PER_S / snd->rate <= until_ns; (*k)++) {
        uint64_t start_ns = *k * CHUNK_FRAMES * NS_PER_S / snd->rate;

        if (start_ns >= p->from_ms * 1000000u && start_ns < p->to_ms * 1000000u)
            ck_assert_msg(fac->stream->push_audio(inst, sound_chunk(snd, *k)) == 0, "chunk %" G_GUINT64_FORMAT ": %s",
                          *k, host->error);
    }
}

static void
play(gh_host *host, gh_instance *inst, Sound *snd, const Play *p)
{
    const gh_backend_factory *fac = fake_host_factory();
    Frames *f = frames_new(p->width, p->height);
    uint64_t k = 0;

    for (uint32_t i = 0; i < p->n; i++) {
        const gh_frame *frame = frames_at(f, i, p->hz);

        play_chunks_until(host, inst, snd, p, &k, frame->timestamp_ns - START_NS);
        if (p->flash != NO_FLASH)
            memset(f->data, i == p->flash ? 0xff : 0, (size_t)f->stride * f->height);
        ck_assert_msg(fac->stream->push_frame(inst, frame) == 0, "frame %u: %s", i, host->error);
    }
    play_chunks_until(host, inst, snd, p, &k, (uint64_t)p->n * NS_PER_S / p->hz);
    fac->destroy(inst);
    frames_free(f);
}

/* What ffprobe says of each stream, and from its packets when the stream
 * starts and ends (Matroska keeps no duration per stream). */
typedef struct {
    char *type, *codec;
    gint64 sample_rate, channels;
    double start, end;
} Track;

typedef struct {
    guint n;
    Track t[4];
} Tracks;

static void
tracks_read_packets(JsonArray *packets, Tracks *tr)
{
    for (guint i = 0; i < json_array_get_length(packets); i++) {
        JsonObject *pkt = json_array_get_object_element(packets, i);
        gint64 index = json_object_get_int_member(pkt, "stream_index");
        double pts = g_ascii_strtod(json_object_get_string_member(pkt, "pts_time"), NULL);
        double dur = g_ascii_strtod(json_object_get_string_member_with_default(pkt, "duration_time", "0"), NULL);

        ck_assert_int_lt(index, tr->n);
        tr->t[index].start = MIN(tr->t[index].start, pts);
        tr->t[index].end = MAX(tr->t[index].end, pts + dur);
    }
}

static void
probe_tracks(const char *path, Tracks *tr)
{
    const char *argv[] = { "ffprobe", "-v", "error", "-show_entries",
                           "stream=index,codec_type,codec_name,sample_rate,channels:packet=stream_index,pts_time,"
                           "duration_time",
                           "-of", "json", path, NULL };
    g_autoptr(JsonParser) parser = ffprobe_json(argv);
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    JsonArray *streams = json_object_get_array_member(root, "streams");

    tr->n = json_array_get_length(streams);
    ck_assert_uint_le(tr->n, G_N_ELEMENTS(tr->t));
    for (guint i = 0; i < tr->n; i++) {
        JsonObject *st = json_array_get_object_element(streams, i);

        ck_assert_int_eq(json_object_get_int_member(st, "index"), i);
        tr->t[i] = (Track){
            .type = g_strdup(json_object_get_string_member(st, "codec_type")),
            .codec = g_strdup(json_object_get_string_member(st, "codec_name")),
            .sample_rate =
                g_ascii_strtoll(json_object_get_string_member_with_default(st, "sample_rate", "0"), NULL, 10),
            .channels = json_object_get_int_member_with_default(st, "channels", 0),
            .start = G_MAXDOUBLE,
            .end = -G_MAXDOUBLE,
        };
    }
    tracks_read_packets(json_object_get_array_member(root, "packets"), tr);
}

static void
tracks_clear(Tracks *tr)
{
    for (guint i = 0; i < tr->n; i++) {
        g_free(tr->t[i].type);
        g_free(tr->t[i].codec);
    }
}

/* Picture then sound: H.264 and Opus of the given channels (Opus always
 * decodes at 48 kHz), starting together and ending within 100 ms of each
 * other. */
static void
assert_av_tracks(const Tracks *tr, gint64 channels)
{
    const Track *v = &tr->t[0], *a = &tr->t[1];

    ck_assert_uint_eq(tr->n, 2);
    ck_assert_str_eq(v->type, "video");
    ck_assert_str_eq(v->codec, "h264");
    ck_assert_str_eq(a->type, "audio");
    ck_assert_str_eq(a->codec, "opus");
    ck_assert_int_eq(a->sample_rate, 48000);
    ck_assert_int_eq(a->channels, channels);
    ck_assert_msg(fabs(a->start - v->start) <= 0.1, "sound starts at %.3f s, picture at %.3f s", a->start, v->start);
    ck_assert_msg(fabs(a->end - v->end) <= 0.1, "sound ends at %.3f s, picture at %.3f s", a->end, v->end);
}

/* One number per frame of a lavfi graph over the file: `tag` of each
 * frame, and its time. */
static GArray *
lavfi_series(const char *graph, const char *tag, GArray **times)
{
    g_autofree char *entries = g_strdup_printf("frame=pts_time:frame_tags=%s", tag);
    const char *argv[] = { "ffprobe", "-v", "error", "-f", "lavfi", "-i", graph, "-show_entries", entries,
                           "-of", "json", NULL };
    g_autoptr(JsonParser) parser = ffprobe_json(argv);
    JsonArray *frames =
        json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)), "frames");
    GArray *values = g_array_new(FALSE, FALSE, sizeof(double));

    *times = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 0; i < json_array_get_length(frames); i++) {
        JsonObject *fr = json_array_get_object_element(frames, i);
        JsonObject *tags = json_object_get_object_member(fr, "tags");
        double t = g_ascii_strtod(json_object_get_string_member(fr, "pts_time"), NULL);
        const char *v = tags ? json_object_get_string_member_with_default(tags, tag, "-inf") : "-inf";
        double value = g_str_equal(v, "-inf") ? -G_MAXDOUBLE : g_ascii_strtod(v, NULL);

        g_array_append_val(*times, t);
        g_array_append_val(values, value);
    }
    return values;
}

/* The time of the first frame brighter than halfway between the darkest
 * and the brightest: the flash. */
static double
video_flash_time(const char *path)
{
    g_autofree char *graph = g_strdup_printf("movie=%s,signalstats", path);
    g_autoptr(GArray) times = NULL;
    g_autoptr(GArray) luma = lavfi_series(graph, "lavfi.signalstats.YAVG", &times);
    double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;

    for (guint i = 0; i < luma->len; i++) {
        lo = MIN(lo, g_array_index(luma, double, i));
        hi = MAX(hi, g_array_index(luma, double, i));
    }
    ck_assert_msg(hi > lo, "no flash in the picture");
    for (guint i = 0; i < luma->len; i++)
        if (g_array_index(luma, double, i) > (lo + hi) / 2)
            return g_array_index(times, double, i);
    return -1;
}

/* The start of the first millisecond of sound louder than -6 dBFS: the
 * burst. */
static double
audio_burst_time(const char *path)
{
    g_autofree char *graph = g_strdup_printf("amovie=%s,asetnsamples=n=48,astats=metadata=1:reset=1", path);
    g_autoptr(GArray) times = NULL;
    g_autoptr(GArray) peak = lavfi_series(graph, "lavfi.astats.Overall.Peak_level", &times);

    for (guint i = 0; i < peak->len; i++)
        if (g_array_index(peak, double, i) > -6.0)
            return g_array_index(times, double, i);
    ck_abort_msg("no burst in the sound of %s", path);
    return -1;
}

/* The RMS level of the whole sound track, in dBFS. */
static double
audio_rms_db(const char *path)
{
    g_autofree char *graph = g_strdup_printf("amovie=%s,astats=metadata=1", path);
    g_autoptr(GArray) times = NULL;
    g_autoptr(GArray) rms = lavfi_series(graph, "lavfi.astats.Overall.RMS_level", &times);

    ck_assert_uint_gt(rms->len, 0);
    return g_array_index(rms, double, rms->len - 1);
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
    ck_assert_ptr_nonnull(f->stream->push_audio);
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

/* ---- sound ---------------------------------------------------------------------- */

START_TEST(test_a_session_with_sound_records_opus_as_long_as_the_picture)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    g_autofree char *path = path_in(host, "recording.mkv");
    Sound snd = { .rate = 48000, .channels = 2, .sine = TRUE, .burst = G_MAXUINT64 };
    Play p = { .width = 320, .height = 240, .n = 300, .hz = 60, .flash = NO_FLASH, .to_ms = 10000 };
    Tracks tr = { 0 };
    double rms;

    ck_assert_msg(inst, "%s", host->error);
    /* 5 s of picture at 60 Hz and of the tone, chunk by chunk. */
    play(host, inst, &snd, &p);
    probe_tracks(path, &tr);
    assert_av_tracks(&tr, 2);
    ck_assert_msg(fabs(tr.t[0].end - 5.0) <= 0.1, "picture ends at %.3f s, want 5.0", tr.t[0].end);
    /* A sine at a quarter of full scale is -15 dBFS RMS. */
    rms = audio_rms_db(path);
    ck_assert_msg(rms > -17.0 && rms < -13.0, "sound at %.1f dBFS RMS, want -15", rms);
    tracks_clear(&tr);
    fake_host_free(host);
}
END_TEST

START_TEST(test_mp4_gets_the_sound_too_resampled_from_44_1_khz_mono)
{
    gh_host *host = fake_host_new_with_sound(44100, 1);
    g_autofree char *path = path_in(host, "clip.mp4");
    Sound snd = { .rate = 44100, .channels = 1, .sine = TRUE, .burst = G_MAXUINT64 };
    Play p = { .width = 160, .height = 120, .n = 120, .hz = 60, .flash = NO_FLASH, .to_ms = 10000 };
    gh_instance *inst;
    Tracks tr = { 0 };

    inst = fake_host_create(host, "file", "clip.mp4");
    ck_assert_msg(inst, "%s", host->error);
    play(host, inst, &snd, &p);
    probe_tracks(path, &tr);
    assert_av_tracks(&tr, 1);
    ck_assert_msg(fabs(tr.t[0].end - 2.0) <= 0.1, "picture ends at %.3f s, want 2.0", tr.t[0].end);
    tracks_clear(&tr);
    fake_host_free(host);
}
END_TEST

START_TEST(test_a_sound_and_the_frame_drawn_with_it_line_up)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    g_autofree char *path = path_in(host, "recording.mkv");
    /* Frame 90 at 60 Hz is drawn 1.5 s after the first; the burst starts
     * at sound frame 72000, captured then too. */
    Sound snd = { .rate = 48000, .channels = 2, .burst = 72000 };
    Play p = { .width = 160, .height = 120, .n = 180, .hz = 60, .flash = 90, .to_ms = 10000 };
    double flash, burst;

    ck_assert_msg(inst, "%s", host->error);
    play(host, inst, &snd, &p);
    flash = video_flash_time(path);
    burst = audio_burst_time(path);
    ck_assert_msg(fabs(flash - 1.5) <= 0.001, "the flash is at %.3f s, want 1.5", flash);
    /* They line up to the millisecond here; 10 ms leaves room for Opus's
     * 6.5 ms look-ahead, which the container and the decoder take off. */
    ck_assert_msg(fabs(burst - flash) <= 0.010, "the sound is at %.3f s, the picture at %.3f s", burst, flash);
    fake_host_free(host);
}
END_TEST

START_TEST(test_sound_that_starts_late_still_lines_up_with_the_picture)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    g_autofree char *path = path_in(host, "recording.mkv");
    /* The game sends nothing for its first second (silence fills the
     * track), then quiet sound, and the burst 1.5 s in, with the flash. */
    Sound snd = { .rate = 48000, .channels = 2, .burst = 72000 };
    Play p = { .width = 160, .height = 120, .n = 180, .hz = 60, .flash = 90, .from_ms = 1000, .to_ms = 10000 };
    Tracks tr = { 0 };
    double flash, burst;

    ck_assert_msg(inst, "%s", host->error);
    play(host, inst, &snd, &p);
    probe_tracks(path, &tr);
    assert_av_tracks(&tr, 2);
    flash = video_flash_time(path);
    burst = audio_burst_time(path);
    ck_assert_msg(fabs(burst - flash) <= 0.010, "the sound is at %.3f s, the picture at %.3f s", burst, flash);
    tracks_clear(&tr);
    fake_host_free(host);
}
END_TEST

START_TEST(test_a_game_that_never_plays_records_silence_as_long_as_the_picture)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    g_autofree char *path = path_in(host, "recording.mkv");
    Sound snd = { .rate = 48000, .channels = 2, .burst = G_MAXUINT64 };
    /* 150 frames of 640x480 are more than the picture's queues hold (64 MB
     * raw, 2 s encoded): had the muxer waited for sound that never came,
     * frames would have been dropped. */
    Play p = { .width = 640, .height = 480, .n = 300, .hz = 60, .flash = NO_FLASH };
    Tracks tr = { 0 };
    Probe pr = { 0 };

    ck_assert_msg(inst, "%s", host->error);
    play(host, inst, &snd, &p);
    probe_tracks(path, &tr);
    assert_av_tracks(&tr, 2);
    probe(path, &pr);
    ck_assert_int_eq(pr.frames, 150);
    ck_assert_double_eq(audio_rms_db(path), -G_MAXDOUBLE);
    probe_clear(&pr);
    tracks_clear(&tr);
    fake_host_free(host);
}
END_TEST

START_TEST(test_sound_that_stops_before_the_picture_is_lengthened_with_silence)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    g_autofree char *path = path_in(host, "recording.mkv");
    Sound snd = { .rate = 48000, .channels = 2, .sine = TRUE, .burst = G_MAXUINT64 };
    Play p = { .width = 160, .height = 120, .n = 180, .hz = 60, .flash = NO_FLASH, .to_ms = 1000 };
    Tracks tr = { 0 };

    ck_assert_msg(inst, "%s", host->error);
    play(host, inst, &snd, &p);
    probe_tracks(path, &tr);
    assert_av_tracks(&tr, 2);
    tracks_clear(&tr);
    fake_host_free(host);
}
END_TEST

START_TEST(test_sound_that_goes_on_after_the_last_frame_lengthens_the_picture)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_backend_factory *fac = fake_host_factory();
    g_autofree char *path = path_in(host, "recording.mkv");
    Sound snd = { .rate = 48000, .channels = 2, .sine = TRUE, .burst = G_MAXUINT64 };
    Frames *f = frames_new(160, 120);
    Tracks tr = { 0 };

    ck_assert_msg(inst, "%s", host->error);
    /* One frame, then half a second of sound (the audio backend stops
     * after the pipeline thread). */
    ck_assert_int_eq(fac->stream->push_frame(inst, frames_at(f, 0, 60)), 0);
    for (uint64_t k = 0; k < 24; k++)
        ck_assert_int_eq(fac->stream->push_audio(inst, sound_chunk(&snd, k)), 0);
    fac->destroy(inst);
    probe_tracks(path, &tr);
    assert_av_tracks(&tr, 2);
    ck_assert_msg(tr.t[0].end >= 0.5, "picture ends at %.3f s, want the sound's 0.512 s", tr.t[0].end);
    tracks_clear(&tr);
    frames_free(f);
    fake_host_free(host);
}
END_TEST

START_TEST(test_sound_before_the_first_frame_is_not_kept)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_backend_factory *fac = fake_host_factory();
    g_autofree char *path = path_in(host, "recording.mkv");
    /* A loud chunk captured a second before the first frame, none after. */
    Sound snd = { .rate = 48000, .channels = 2, .burst = 0 };
    Play p = { .width = 160, .height = 120, .n = 60, .hz = 60, .flash = NO_FLASH };
    gh_audio_chunk early;
    Tracks tr = { 0 };

    ck_assert_msg(inst, "%s", host->error);
    early = *sound_chunk(&snd, 0);
    early.timestamp_ns = START_NS - NS_PER_S;
    ck_assert_int_eq(fac->stream->push_audio(inst, &early), 0);
    play(host, inst, &snd, &p);
    probe_tracks(path, &tr);
    assert_av_tracks(&tr, 2);
    ck_assert_double_eq(audio_rms_db(path), -G_MAXDOUBLE);
    tracks_clear(&tr);
    fake_host_free(host);
}
END_TEST

START_TEST(test_a_session_without_sound_records_the_picture_alone)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    g_autofree char *path = path_in(host, "recording.mkv");
    Tracks tr = { 0 };

    ck_assert_msg(inst, "%s", host->error);
    record(host, inst, 160, 120, 60, 60);
    probe_tracks(path, &tr);
    ck_assert_uint_eq(tr.n, 1);
    ck_assert_str_eq(tr.t[0].codec, "h264");
    tracks_clear(&tr);
    fake_host_free(host);
}
END_TEST

START_TEST(test_a_1_2_host_records_the_picture_alone)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_host_services old = fake_host_services;
    g_autofree char *path = path_in(host, "recording.mkv");
    gh_instance *inst;
    Tracks tr = { 0 };

    /* A 1.2 host's table ends before the sound's services. */
    old.struct_size = offsetof(gh_host_services, dbus_socket);
    old.version = 3;
    inst = fake_host_factory()->create(host, &old);
    ck_assert_msg(inst, "%s", host->error);
    record(host, inst, 160, 120, 60, 60);
    probe_tracks(path, &tr);
    ck_assert_uint_eq(tr.n, 1);
    tracks_clear(&tr);
    fake_host_free(host);
}
END_TEST

START_TEST(test_a_chunk_in_another_format_is_refused)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    Sound snd = { .rate = 44100, .channels = 2, .burst = G_MAXUINT64 };

    ck_assert_msg(inst, "%s", host->error);
    ck_assert_int_eq(fake_host_factory()->stream->push_audio(inst, sound_chunk(&snd, 0)), -EINVAL);
    ck_assert_str_eq(host->error,
                     "stream.record: push_audio: a chunk of format 1 at 44100 Hz with 2 channels, not the session's "
                     "48000 Hz with 2");
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

START_TEST(test_push_audio_without_sound_is_refused)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    Sound snd = { .rate = 48000, .channels = 2, .burst = G_MAXUINT64 };

    ck_assert_msg(inst, "%s", host->error);
    ck_assert_int_eq(fake_host_factory()->stream->push_audio(inst, sound_chunk(&snd, 0)), -EINVAL);
    ck_assert_str_eq(host->error, "stream.record: push_audio without a chunk, or for a session without sound");
    ck_assert_int_eq(fake_host_factory()->stream->push_audio(inst, NULL), -EINVAL);
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

START_TEST(test_sound_outside_the_hosts_limits_is_refused)
{
    gh_host *host = fake_host_new_with_sound(4000, 2);

    ck_assert_ptr_null(fake_host_create(host, NULL, NULL));
    ck_assert_str_eq(host->error, "stream.record: cannot record sound of format 1 at 4000 Hz with 2 channels "
                                  "(S16LE, 8000 to 192000 Hz, 1 or 2 channels)");
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

    tc = tcase_create("sound");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_a_session_with_sound_records_opus_as_long_as_the_picture);
    tcase_add_test(tc, test_mp4_gets_the_sound_too_resampled_from_44_1_khz_mono);
    tcase_add_test(tc, test_a_sound_and_the_frame_drawn_with_it_line_up);
    tcase_add_test(tc, test_sound_that_starts_late_still_lines_up_with_the_picture);
    tcase_add_test(tc, test_a_game_that_never_plays_records_silence_as_long_as_the_picture);
    tcase_add_test(tc, test_sound_that_stops_before_the_picture_is_lengthened_with_silence);
    tcase_add_test(tc, test_sound_that_goes_on_after_the_last_frame_lengthens_the_picture);
    tcase_add_test(tc, test_sound_before_the_first_frame_is_not_kept);
    tcase_add_test(tc, test_a_session_without_sound_records_the_picture_alone);
    tcase_add_test(tc, test_a_1_2_host_records_the_picture_alone);
    tcase_add_test(tc, test_a_chunk_in_another_format_is_refused);
    tcase_add_test(tc, test_push_audio_without_sound_is_refused);
    tcase_add_test(tc, test_sound_outside_the_hosts_limits_is_refused);
    suite_add_tcase(s, tc);

    stream_record_timeline_tcases(s);
    return s;
}

int
main(void)
{
    return gh_test_run(stream_record_suite());
}
