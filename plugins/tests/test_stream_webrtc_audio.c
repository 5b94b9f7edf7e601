/* Unit tests of stream-webrtc's audio.c: the game's branch (PCM to Opus
 * RTP) and the microphone's (Opus RTP back to PCM) run in a pipeline of
 * their own, with no network; the offer's streams and the microphone's
 * gate as plain functions; and audio-latency.c's bookkeeping. */
#include "test_stream_webrtc_audio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/sdp/sdp.h>

#include "audio-latency.h"
#include "audio.h"
#include "gst-frame.h"

#define CHUNK_FRAMES 1024u

/* ---- a branch in a pipeline of its own -------------------------------------------- */

typedef struct {
    GstElement *pipeline, *src, *out;
} Branch;

/* The game's branch for fmt, its RTP into an appsink. */
static void
sender_start(Branch *b, const sw_audio_format *fmt)
{
    g_autofree char *why = NULL;
    GstElement *pay;

    ck_assert_msg(gf_init_gst(&why) == 0, "%s", why);
    b->pipeline = gst_pipeline_new(NULL);
    ck_assert_msg(sw_audio_sender_build(GST_BIN(b->pipeline), fmt, &b->src, &pay, &why), "%s", why);
    b->out = gf_make(GST_BIN(b->pipeline), "appsink", &why);
    ck_assert_msg(b->out, "%s", why);
    g_object_set(b->out, "sync", FALSE, NULL);
    ck_assert(gst_element_link(pay, b->out));
    ck_assert_int_ne(gst_element_set_state(b->pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
}

static void
branch_stop(Branch *b)
{
    gst_element_set_state(b->pipeline, GST_STATE_NULL);
    gst_object_unref(b->pipeline);
}

/* n chunks of a square wave (a period of 48 frames), each pushed once the one before has left the
 * appsrc (its queue drops the oldest when full), timestamped as a backend
 * would: one chunk's worth apart, with a few ms of jitter; then the end. */
static void
push_tone(Branch *b, const sw_audio_format *fmt, guint n)
{
    static const gint64 jitter_ms[] = { 0, 3, -2, 1 };

    for (guint i = 0; i < n; i++) {
        GstBuffer *buf = gst_buffer_new_allocate(NULL, CHUNK_FRAMES * fmt->channels * 2u, NULL);
        GstMapInfo map;

        gst_buffer_map(buf, &map, GST_MAP_WRITE);
        for (guint f = 0; f < CHUNK_FRAMES; f++)
            for (guint c = 0; c < fmt->channels; c++)
                ((gint16 *)map.data)[f * fmt->channels + c] = (i * CHUNK_FRAMES + f) / 24u % 2u ? 8000 : -8000;
        gst_buffer_unmap(buf, &map);
        GST_BUFFER_PTS(buf) = GST_SECOND + gst_util_uint64_scale(i * CHUNK_FRAMES, GST_SECOND, fmt->rate) +
                              jitter_ms[i % G_N_ELEMENTS(jitter_ms)] * GST_MSECOND;
        GST_BUFFER_DURATION(buf) = gst_util_uint64_scale(CHUNK_FRAMES, GST_SECOND, fmt->rate);
        ck_assert_int_eq(gst_app_src_push_buffer(GST_APP_SRC(b->src), buf), GST_FLOW_OK);
        for (gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
             gst_app_src_get_current_level_buffers(GST_APP_SRC(b->src)) > 0 && g_get_monotonic_time() < end;)
            g_usleep(500);
    }
    gst_app_src_end_of_stream(GST_APP_SRC(b->src));
}

/* The RTP timestamps of every packet up to the end; the payload type and
 * the caps' clock rate are checked on the way. */
static GArray *
rtp_timestamps(Branch *b)
{
    GArray *ts = g_array_new(FALSE, FALSE, sizeof(guint32));
    GstSample *sample;

    while ((sample = gst_app_sink_try_pull_sample(GST_APP_SINK(b->out), 10 * GST_SECOND))) {
        GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
        const GstStructure *s = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
        gint clock_rate = 0;
        guint32 t;

        ck_assert(gst_structure_get_int(s, "clock-rate", &clock_rate));
        ck_assert_int_eq(clock_rate, SW_OPUS_RATE);
        ck_assert(gst_rtp_buffer_map(gst_sample_get_buffer(sample), GST_MAP_READ, &rtp));
        ck_assert_uint_eq(gst_rtp_buffer_get_payload_type(&rtp), SW_AUDIO_PT);
        t = gst_rtp_buffer_get_timestamp(&rtp);
        g_array_append_val(ts, t);
        gst_rtp_buffer_unmap(&rtp);
        gst_sample_unref(sample);
    }
    ck_assert(gst_app_sink_is_eos(GST_APP_SINK(b->out)));
    return ts;
}

/* Each packet 480 ticks (10 ms at 48 kHz) after the one before, however
 * the chunks' timestamps jitter; n_packets of them for n chunks.  Only the
 * second comes 360 after the first: the encoder's 2.5 ms look-ahead
 * (restricted-lowdelay) is taken off the timeline once, so that what the
 * browser decodes lines up with the chunks' capture times (lip sync)
 * rather than 2.5 ms late. */
static void
assert_packets_10_ms_apart(const sw_audio_format *fmt, guint n_chunks, guint n_packets)
{
    Branch b = { 0 };
    g_autoptr(GArray) ts = NULL;

    sender_start(&b, fmt);
    push_tone(&b, fmt, n_chunks);
    ts = rtp_timestamps(&b);
    branch_stop(&b);
    ck_assert_uint_eq(ts->len, n_packets);
    for (guint i = 1; i < ts->len; i++) {
        guint32 step = g_array_index(ts, guint32, i) - g_array_index(ts, guint32, i - 1);

        ck_assert_msg(step == (i == 1 ? 360u : 480u), "packet %u is %u ticks after the one before", i, step);
    }
}

/* 20 chunks are 20480 frames: 42 whole packets, and the encoder's
 * look-ahead (120 frames) and the rest padded into a 43rd at the end. */
START_TEST(test_opus_packets_of_48_khz_chunks_are_480_ticks_apart)
{
    const sw_audio_format fmt = { .rate = 48000, .channels = 2 };

    assert_packets_10_ms_apart(&fmt, 20, 43);
}
END_TEST

/* 20 chunks at 44.1 kHz are 464 ms: 46 whole packets and a padded one. */
START_TEST(test_opus_packets_of_44_1_khz_chunks_are_resampled_to_480_ticks_apart)
{
    const sw_audio_format fmt = { .rate = 44100, .channels = 2 };

    assert_packets_10_ms_apart(&fmt, 20, 47);
}
END_TEST

START_TEST(test_opus_packets_of_mono_chunks_are_480_ticks_apart)
{
    const sw_audio_format fmt = { .rate = 48000, .channels = 1 };

    assert_packets_10_ms_apart(&fmt, 20, 43);
}
END_TEST

/* ---- the microphone's branch ----------------------------------------------------- */

typedef struct {
    GMutex lock;
    guint64 frames;
    GstCaps *caps;
} MicOut;

static GstFlowReturn
mic_out_on_sample(GstAppSink *sink, gpointer data)
{
    MicOut *out = data;
    g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
    const GstStructure *s = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
    gint channels = 1;

    gst_structure_get_int(s, "channels", &channels);
    g_mutex_lock(&out->lock);
    out->frames += gst_buffer_get_size(gst_sample_get_buffer(sample)) / (2u * (guint)channels);
    gst_caps_replace(&out->caps, gst_sample_get_caps(sample));
    g_mutex_unlock(&out->lock);
    return GST_FLOW_OK;
}

/* The game's branch at 48 kHz stereo into the microphone's for a 16 kHz
 * mono session: what comes out is that session's PCM, all of it. */
START_TEST(test_mic_branch_decodes_opus_to_the_sessions_format)
{
    const sw_audio_format game = { .rate = 48000, .channels = 2 }, session = { .rate = 16000, .channels = 1 };
    GstAppSinkCallbacks callbacks = { .new_sample = mic_out_on_sample };
    MicOut out = { .frames = 0 };
    g_autofree char *why = NULL, *caps = NULL;
    g_autoptr(GstBus) bus = NULL;
    g_autoptr(GstMessage) end = NULL;
    GstElement *pay, *first;
    Branch b = { 0 };

    ck_assert_msg(gf_init_gst(&why) == 0, "%s", why);
    g_mutex_init(&out.lock);
    b.pipeline = gst_pipeline_new(NULL);
    ck_assert_msg(sw_audio_sender_build(GST_BIN(b.pipeline), &game, &b.src, &pay, &why), "%s", why);
    ck_assert_msg(sw_audio_mic_build(GST_BIN(b.pipeline), &session, &first, &b.out, &why), "%s", why);
    ck_assert(gst_element_link(pay, first));
    gst_app_sink_set_callbacks(GST_APP_SINK(b.out), &callbacks, &out, NULL);
    ck_assert_int_ne(gst_element_set_state(b.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    push_tone(&b, &game, 20);
    bus = gst_element_get_bus(b.pipeline);
    end = gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    ck_assert_msg(end && GST_MESSAGE_TYPE(end) == GST_MESSAGE_EOS, "the branch did not reach its end");
    branch_stop(&b);
    caps = gst_caps_to_string(out.caps);
    ck_assert_str_eq(caps, "audio/x-raw, rate=(int)16000, format=(string)S16LE, channels=(int)1, "
                           "layout=(string)interleaved");
    /* 43 packets of 10 ms at 16 kHz. */
    ck_assert_uint_eq(out.frames, 43u * 160u);
    gst_caps_unref(out.caps);
    g_mutex_clear(&out.lock);
}
END_TEST

/* ---- the offer's streams ----------------------------------------------------------- */

START_TEST(test_offer_names_the_sent_picture_and_sound_tracks_of_one_stream)
{
    static const char offer[] = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                                "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\na=mid:video0\r\n"
                                "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\na=mid:audio1\r\n"
                                "m=audio 9 UDP/TLS/RTP/SAVPF 112\r\na=recvonly\r\na=mid:audio2\r\n"
                                "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:application3\r\n";
    static const char *const msid[] = { "gamehost video", "gamehost audio", NULL, NULL };
    GstSDPMessage *sdp = NULL;

    ck_assert_int_eq(gst_sdp_message_new_from_text(offer, &sdp), GST_SDP_OK);
    sw_audio_offer_streams(sdp);
    ck_assert_uint_eq(gst_sdp_message_medias_len(sdp), 4);
    for (guint i = 0; i < 4; i++)
        ck_assert_pstr_eq(gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(sdp, i), "msid"), msid[i]);
    gst_sdp_message_free(sdp);
}
END_TEST

/* ---- the microphone's gate ------------------------------------------------------------ */

#define MS(n) ((uint64_t)(n) * G_GUINT64_CONSTANT(1000000))

START_TEST(test_mic_audio_before_on_is_dropped_and_told_once)
{
    sw_mic_gate g = { 0 };

    ck_assert_int_eq(sw_mic_gate_admit(&g, 960, MS(10)), SW_MIC_DROP_TELL);
    ck_assert_int_eq(sw_mic_gate_admit(&g, 960, MS(30)), SW_MIC_DROP);
    ck_assert_int_eq(sw_mic_gate_admit(&g, 960, MS(5000)), SW_MIC_DROP);
    ck_assert_uint_eq(atomic_load(&g.frames_off), 3 * 960);
}
END_TEST

START_TEST(test_mic_audio_passes_while_on)
{
    sw_mic_gate g = { 0 };

    sw_mic_gate_set(&g, TRUE, MS(100));
    ck_assert_int_eq(sw_mic_gate_admit(&g, 960, MS(110)), SW_MIC_PASS);
    ck_assert(!sw_mic_gate_result(&g, 960, 960));
    ck_assert(!sw_mic_gate_result(&g, 500, 960)); /* the host's buffer was full */
    ck_assert_uint_eq(atomic_load(&g.frames_taken), 1460);
    ck_assert_uint_eq(atomic_load(&g.frames_off), 0);
}
END_TEST

/* Packets in flight when the player said off, and what the jitter buffer
 * held, are no fault of the player's. */
START_TEST(test_mic_audio_within_a_second_of_off_is_dropped_without_a_word)
{
    sw_mic_gate g = { 0 };

    sw_mic_gate_set(&g, TRUE, MS(100));
    sw_mic_gate_set(&g, FALSE, MS(200));
    ck_assert_int_eq(sw_mic_gate_admit(&g, 960, MS(260)), SW_MIC_DROP);
    ck_assert_int_eq(sw_mic_gate_admit(&g, 960, MS(1199)), SW_MIC_DROP);
    ck_assert_int_eq(sw_mic_gate_admit(&g, 960, MS(1200)), SW_MIC_DROP_TELL);
    ck_assert_int_eq(sw_mic_gate_admit(&g, 960, MS(1300)), SW_MIC_DROP);
    ck_assert_uint_eq(atomic_load(&g.frames_off), 4 * 960);
}
END_TEST

START_TEST(test_mic_off_when_it_was_never_on_keeps_no_grace)
{
    sw_mic_gate g = { 0 };

    sw_mic_gate_set(&g, FALSE, MS(100));
    ck_assert_int_eq(sw_mic_gate_admit(&g, 960, MS(110)), SW_MIC_DROP_TELL);
}
END_TEST

START_TEST(test_mic_refusals_are_told_once_a_kind_until_turned_on_again)
{
    sw_mic_gate g = { 0 };

    sw_mic_gate_set(&g, TRUE, MS(100));
    ck_assert(sw_mic_gate_result(&g, -EPERM, 960));
    ck_assert(!sw_mic_gate_result(&g, -EPERM, 960));
    ck_assert(sw_mic_gate_result(&g, -ENODEV, 960));
    ck_assert(!sw_mic_gate_result(&g, -ENODEV, 960));
    ck_assert(sw_mic_gate_result(&g, -EINVAL, 960));
    ck_assert(!sw_mic_gate_result(&g, -EIO, 960));
    ck_assert_uint_eq(atomic_load(&g.frames_refused), 6 * 960);
    sw_mic_gate_set(&g, FALSE, MS(200));
    sw_mic_gate_set(&g, TRUE, MS(300));
    ck_assert(sw_mic_gate_result(&g, -EPERM, 960));
}
END_TEST

START_TEST(test_mic_refusals_name_their_reason)
{
    ck_assert_str_eq(sw_mic_refusal(-EPERM),
                     "microphone audio refused: only the player in control is heard in the game");
    ck_assert_str_eq(sw_mic_refusal(-ENODEV), "microphone audio refused: the game has no microphone");
    ck_assert_str_eq(sw_mic_refusal(-EINVAL), "microphone audio refused: the game could not take it");
    ck_assert_str_eq(SW_MIC_OFF_MESSAGE,
                     "microphone audio received but the player has not turned the microphone on");
}
END_TEST

/* ---- the audio latency log ---------------------------------------------------------- */

static sw_audio_latency *
audio_latency_open(int *fd)
{
    char path[] = "/tmp/sw-audio-latency-XXXXXX";

    *fd = mkstemp(path);
    ck_assert_int_ge(*fd, 0);
    unlink(path);
    return sw_audio_latency_new(bench_log_new(dup(*fd)));
}

static char *
audio_latency_lines(int fd)
{
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    ck_assert_int_ge(n, 0);
    buf[n] = 0;
    close(fd);
    return g_strdup(buf);
}

START_TEST(test_audio_latency_logs_each_chunk_at_the_first_packet_carrying_it)
{
    int fd;
    sw_audio_latency *lat = audio_latency_open(&fd);
    g_autofree char *lines = NULL;

    sw_audio_latency_chunk(lat, 100, 50);      /* samples 100..150, received at 150 */
    sw_audio_latency_chunk(lat, 150, 50);      /* 150..200, received at 200 */
    sw_audio_latency_sent(lat, 100, 20, 160);  /* carries the first's start */
    sw_audio_latency_sent(lat, 120, 20, 170);  /* the first again: not logged twice */
    sw_audio_latency_sent(lat, 140, 20, 210);  /* carries the second's start */
    ck_assert_uint_eq(sw_audio_latency_written(lat), 2);
    ck_assert_uint_eq(sw_audio_latency_lost(lat), 0);
    sw_audio_latency_free(lat);
    lines = audio_latency_lines(fd);
    ck_assert_str_eq(lines, "150,160\n200,210\n");
}
END_TEST

START_TEST(test_audio_latency_chunk_waits_for_a_packet_sent_after_it_arrived)
{
    int fd;
    sw_audio_latency *lat = audio_latency_open(&fd);
    g_autofree char *lines = NULL;

    sw_audio_latency_chunk(lat, 100, 50);
    sw_audio_latency_sent(lat, 100, 20, 140);  /* left before the chunk came: another's samples */
    sw_audio_latency_sent(lat, 120, 20, 155);
    ck_assert_uint_eq(sw_audio_latency_written(lat), 1);
    sw_audio_latency_free(lat);
    lines = audio_latency_lines(fd);
    ck_assert_str_eq(lines, "150,155\n");
}
END_TEST

START_TEST(test_audio_latency_forgets_chunks_no_packet_carried)
{
    int fd;
    sw_audio_latency *lat = audio_latency_open(&fd);
    g_autofree char *lines = NULL;

    sw_audio_latency_chunk(lat, 100, 50);      /* pushed before any viewer streamed */
    sw_audio_latency_chunk(lat, 150, 50);
    sw_audio_latency_chunk(lat, 400, 50);
    sw_audio_latency_sent(lat, 400, 20, 460);
    ck_assert_uint_eq(sw_audio_latency_written(lat), 1);
    ck_assert_uint_eq(sw_audio_latency_lost(lat), 2);
    sw_audio_latency_free(lat);
    lines = audio_latency_lines(fd);
    ck_assert_str_eq(lines, "450,460\n");
}
END_TEST

START_TEST(test_audio_latency_keeps_at_most_256_chunks_waiting)
{
    int fd;
    sw_audio_latency *lat = audio_latency_open(&fd);

    for (uint64_t i = 0; i < 300; i++)
        sw_audio_latency_chunk(lat, 100 + i * 10, 10);
    ck_assert_uint_eq(sw_audio_latency_lost(lat), 44);
    sw_audio_latency_free(lat);
    close(fd);
}
END_TEST

void
stream_webrtc_audio_tcases(Suite *s)
{
    TCase *tc = tcase_create("opus");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_opus_packets_of_48_khz_chunks_are_480_ticks_apart);
    tcase_add_test(tc, test_opus_packets_of_44_1_khz_chunks_are_resampled_to_480_ticks_apart);
    tcase_add_test(tc, test_opus_packets_of_mono_chunks_are_480_ticks_apart);
    tcase_add_test(tc, test_mic_branch_decodes_opus_to_the_sessions_format);
    tcase_add_test(tc, test_offer_names_the_sent_picture_and_sound_tracks_of_one_stream);
    suite_add_tcase(s, tc);

    tc = tcase_create("mic-gate");
    tcase_add_test(tc, test_mic_audio_before_on_is_dropped_and_told_once);
    tcase_add_test(tc, test_mic_audio_passes_while_on);
    tcase_add_test(tc, test_mic_audio_within_a_second_of_off_is_dropped_without_a_word);
    tcase_add_test(tc, test_mic_off_when_it_was_never_on_keeps_no_grace);
    tcase_add_test(tc, test_mic_refusals_are_told_once_a_kind_until_turned_on_again);
    tcase_add_test(tc, test_mic_refusals_name_their_reason);
    suite_add_tcase(s, tc);

    tc = tcase_create("audio-latency");
    tcase_add_test(tc, test_audio_latency_logs_each_chunk_at_the_first_packet_carrying_it);
    tcase_add_test(tc, test_audio_latency_chunk_waits_for_a_packet_sent_after_it_arrived);
    tcase_add_test(tc, test_audio_latency_forgets_chunks_no_packet_carried);
    tcase_add_test(tc, test_audio_latency_keeps_at_most_256_chunks_waiting);
    suite_add_tcase(s, tc);
}
