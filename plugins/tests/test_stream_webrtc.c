/* Unit tests of stream-webrtc: the signaling messages (signal-msg.c) as a
 * pure parser, the latency log's bookkeeping, and the backend through a
 * fake host-services table up to the offer it sends, with and without
 * sound (audio.c's pieces: test_stream_webrtc_audio.c).  A real connection
 * needs an address libnice takes (it ignores lo), so a network namespace:
 * that is the e2e test (Chromium, tests/e2e/test-webrtc-play.sh) and
 * bench/webrtc-bench.sh (a webrtcbin receiver), not make check. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/app/gstappsrc.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include <gamehost/plugin.h>

#include "fake-host.h"
#include "gst-frame.h"
#include "latency.h"
#include "liveness.h"
#include "peer.h"
#include "playout-delay.h"
#include "signal-msg.h"
#include "test_stream_webrtc_audio.h"
#include "test_stream_webrtc_pads.h"
#include "testutil.h"

/* ---- parsing: good messages --------------------------------------------------- */

static void
parse_ok(const char *text, sw_msg *msg)
{
    g_autofree char *error = NULL;

    ck_assert_msg(sw_msg_parse(text, 2, msg, &error) == 0, "%s: %s", text, error);
    ck_assert_ptr_null(error);
}

START_TEST(test_hello_with_codecs_lists_the_ones_we_encode)
{
    g_auto(sw_msg) msg = { 0 };

    parse_ok("{\"type\":\"hello\",\"codecs\":[\"VP9\",\"video/h264\",\"AV1\",\"H264\"]}", &msg);
    ck_assert_int_eq(msg.type, SW_MSG_HELLO);
    ck_assert_uint_eq(msg.codecs, SW_CODEC_H264);
}
END_TEST

START_TEST(test_hello_without_codecs_means_both_mandatory_ones)
{
    g_auto(sw_msg) msg = { 0 };

    parse_ok("{\"type\":\"hello\"}", &msg);
    ck_assert_uint_eq(msg.codecs, SW_CODEC_H264 | SW_CODEC_VP8);
}
END_TEST

START_TEST(test_hello_with_an_empty_list_has_no_codec)
{
    g_auto(sw_msg) msg = { 0 };

    parse_ok("{\"type\":\"hello\",\"codecs\":[]}", &msg);
    ck_assert_uint_eq(msg.codecs, 0);
}
END_TEST

START_TEST(test_answer_keeps_its_sdp)
{
    g_auto(sw_msg) msg = { 0 };

    parse_ok("{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}", &msg);
    ck_assert_int_eq(msg.type, SW_MSG_ANSWER);
    ck_assert_str_eq(msg.sdp, "v=0\r\n");
}
END_TEST

START_TEST(test_ice_keeps_candidate_and_index)
{
    g_auto(sw_msg) msg = { 0 };

    parse_ok("{\"type\":\"ice\",\"candidate\":\"candidate:1 1 UDP 2122 198.18.0.1 5000 typ host\","
             "\"sdpMLineIndex\":1,\"sdpMid\":\"video0\"}",
             &msg);
    ck_assert_int_eq(msg.type, SW_MSG_ICE);
    ck_assert_str_eq(msg.candidate, "candidate:1 1 UDP 2122 198.18.0.1 5000 typ host");
    ck_assert_uint_eq(msg.mline, 1);
}
END_TEST

START_TEST(test_ice_end_of_candidates_is_an_empty_string)
{
    g_auto(sw_msg) msg = { 0 };

    parse_ok("{\"type\":\"ice\",\"candidate\":\"\",\"sdpMLineIndex\":0}", &msg);
    ck_assert_str_eq(msg.candidate, "");
}
END_TEST

START_TEST(test_keyframe_needs_nothing_else)
{
    g_auto(sw_msg) msg = { 0 };

    parse_ok("{\"type\":\"keyframe\",\"why\":\"decoder error\"}", &msg);
    ck_assert_int_eq(msg.type, SW_MSG_KEYFRAME);
}
END_TEST

START_TEST(test_mic_says_on_or_off)
{
    g_auto(sw_msg) on = { 0 };
    g_auto(sw_msg) off = { 0 };

    parse_ok("{\"type\":\"mic\",\"on\":true}", &on);
    parse_ok("{\"type\":\"mic\",\"on\":false}", &off);
    ck_assert_int_eq(on.type, SW_MSG_MIC);
    ck_assert(on.on);
    ck_assert_int_eq(off.type, SW_MSG_MIC);
    ck_assert(!off.on);
}
END_TEST

/* ---- parsing: refusals ----------------------------------------------------------- */

static void
parse_refused(const char *text, const char *expected)
{
    sw_msg msg;
    g_autofree char *error = NULL;

    ck_assert_msg(sw_msg_parse(text, 2, &msg, &error) == -EINVAL, "accepted %s", text);
    ck_assert_msg(error && strcmp(error, expected) == 0, "%s: got '%s', want '%s'", text, error, expected);
    ck_assert_ptr_null(msg.sdp);
    ck_assert_ptr_null(msg.candidate);
}

#define NOT_OBJECT "a signaling message must be a JSON object"
#define NO_TYPE    "a signaling message needs a string member \"type\""

START_TEST(test_a_message_must_be_an_object)
{
    parse_refused("[\"hello\"]", NOT_OBJECT);
    parse_refused("\"hello\"", NOT_OBJECT);
    parse_refused("42", NOT_OBJECT);
    parse_refused("null", NOT_OBJECT);
    parse_refused("{\"type\":", NOT_OBJECT);
    parse_refused("", NOT_OBJECT);
}
END_TEST

START_TEST(test_a_message_needs_a_string_type)
{
    parse_refused("{}", NO_TYPE);
    parse_refused("{\"type\":7}", NO_TYPE);
    parse_refused("{\"type\":null}", NO_TYPE);
    parse_refused("{\"type\":[\"hello\"]}", NO_TYPE);
    parse_refused("{\"Type\":\"hello\"}", NO_TYPE);
}
END_TEST

START_TEST(test_an_unknown_type_is_named_when_printable)
{
    parse_refused("{\"type\":\"offer\"}", "unknown message type 'offer'");
    parse_refused("{\"type\":\"Hello\"}", "unknown message type 'Hello'");
    parse_refused("{\"type\":\"\"}", "unknown message type");
    parse_refused("{\"type\":\"a\\nb\"}", "unknown message type");
    parse_refused("{\"type\":\"it's\"}", "unknown message type");
    parse_refused("{\"type\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "unknown message type");
}
END_TEST

START_TEST(test_hello_codecs_must_be_a_short_array_of_strings)
{
    const char *message = "hello: codecs must be an array of at most 32 strings";
    g_autoptr(GString) many = g_string_new("{\"type\":\"hello\",\"codecs\":[");

    parse_refused("{\"type\":\"hello\",\"codecs\":\"H264\"}", message);
    parse_refused("{\"type\":\"hello\",\"codecs\":[\"H264\",8]}", message);
    parse_refused("{\"type\":\"hello\",\"codecs\":[[\"H264\"]]}", message);
    parse_refused("{\"type\":\"hello\",\"codecs\":null}", message);
    parse_refused("{\"type\":\"hello\",\"codecs\":{\"H264\":true}}", message);
    for (int i = 0; i < 33; i++)
        g_string_append_printf(many, "%s\"VP8\"", i ? "," : "");
    g_string_append(many, "]}");
    parse_refused(many->str, message);
}
END_TEST

START_TEST(test_answer_needs_an_sdp_string)
{
    const char *message = "answer: sdp must be a non-empty string";

    parse_refused("{\"type\":\"answer\"}", message);
    parse_refused("{\"type\":\"answer\",\"sdp\":null}", message);
    parse_refused("{\"type\":\"answer\",\"sdp\":12}", message);
    parse_refused("{\"type\":\"answer\",\"sdp\":{\"v\":0}}", message);
    parse_refused("{\"type\":\"answer\",\"sdp\":\"\"}", message);
}
END_TEST

START_TEST(test_ice_candidate_must_be_a_short_string)
{
    g_autofree char *lng = g_strnfill(1025, 'a');
    g_autofree char *max = g_strnfill(1024, 'a');
    g_autofree char *too_long = g_strdup_printf("{\"type\":\"ice\",\"candidate\":\"%s\",\"sdpMLineIndex\":0}", lng);
    g_autofree char *longest = g_strdup_printf("{\"type\":\"ice\",\"candidate\":\"%s\",\"sdpMLineIndex\":0}", max);
    g_auto(sw_msg) msg = { 0 };

    parse_refused("{\"type\":\"ice\",\"sdpMLineIndex\":0}", "ice: candidate must be a string");
    parse_refused("{\"type\":\"ice\",\"candidate\":null,\"sdpMLineIndex\":0}", "ice: candidate must be a string");
    parse_refused("{\"type\":\"ice\",\"candidate\":5,\"sdpMLineIndex\":0}", "ice: candidate must be a string");
    parse_refused(too_long, "ice: candidate is longer than 1024 bytes");
    parse_ok(longest, &msg);
}
END_TEST

START_TEST(test_ice_index_must_name_an_mline_of_the_offer)
{
    const char *message = "ice: sdpMLineIndex must be a whole number from 0 to 1";

    parse_refused("{\"type\":\"ice\",\"candidate\":\"c\"}", message);
    parse_refused("{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":2}", message);
    parse_refused("{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":-1}", message);
    parse_refused("{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":0.5}", message);
    parse_refused("{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":1.0}", message);
    parse_refused("{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":\"0\"}", message);
    parse_refused("{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":true}", message);
    parse_refused("{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":null}", message);
    parse_refused("{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":4294967296}", message);
}
END_TEST

/* ---- codec choice and the server's messages ------------------------------------- */

/* Only a JSON boolean turns the microphone on or off: a client's bug never
 * does it by accident. */
START_TEST(test_mic_needs_on_as_a_boolean)
{
    static const char *const bad[] = {
        "{\"type\":\"mic\"}", "{\"type\":\"mic\",\"on\":1}", "{\"type\":\"mic\",\"on\":\"true\"}",
        "{\"type\":\"mic\",\"on\":null}", "{\"type\":\"mic\",\"on\":[true]}", "{\"type\":\"mic\",\"on\":{}}",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        parse_refused(bad[i], "mic: on must be true or false");
}
END_TEST

START_TEST(test_h264_is_preferred_when_both_sides_have_it)
{
    uint32_t codec = 0;
    g_autofree char *error = NULL;

    ck_assert_int_eq(sw_codec_choose(SW_CODEC_H264 | SW_CODEC_VP8, SW_CODEC_H264 | SW_CODEC_VP8, &codec, &error), 0);
    ck_assert_uint_eq(codec, SW_CODEC_H264);
    ck_assert_str_eq(sw_codec_name(codec), "H264");
}
END_TEST

START_TEST(test_vp8_when_either_side_lacks_h264)
{
    uint32_t codec = 0;
    g_autofree char *error = NULL;

    ck_assert_int_eq(sw_codec_choose(SW_CODEC_VP8, SW_CODEC_H264 | SW_CODEC_VP8, &codec, &error), 0);
    ck_assert_uint_eq(codec, SW_CODEC_VP8);
    codec = 0;
    ck_assert_int_eq(sw_codec_choose(SW_CODEC_H264 | SW_CODEC_VP8, SW_CODEC_VP8, &codec, &error), 0);
    ck_assert_uint_eq(codec, SW_CODEC_VP8);
    ck_assert_str_eq(sw_codec_name(codec), "VP8");
}
END_TEST

START_TEST(test_no_codec_in_common_names_what_the_host_sends)
{
    uint32_t codec = 0;
    g_autofree char *e1 = NULL, *e2 = NULL, *e3 = NULL;

    ck_assert_int_eq(sw_codec_choose(0, SW_CODEC_H264 | SW_CODEC_VP8, &codec, &e1), -EINVAL);
    ck_assert_str_eq(e1, "hello: no codec in common; this host sends H264, VP8");
    ck_assert_int_eq(sw_codec_choose(SW_CODEC_H264, SW_CODEC_VP8, &codec, &e2), -EINVAL);
    ck_assert_str_eq(e2, "hello: no codec in common; this host sends VP8");
    ck_assert_int_eq(sw_codec_choose(SW_CODEC_H264, 0, &codec, &e3), -EINVAL);
    ck_assert_str_eq(e3, "hello: this host has no video encoder (x264enc or vp8enc) installed");
    ck_assert_uint_eq(codec, 0);
}
END_TEST

START_TEST(test_offer_and_ice_messages_are_escaped_json)
{
    g_autofree char *offer = sw_msg_offer("v=0\r\na=\"x\"\r\n", SW_CODEC_VP8);
    g_autofree char *ice = sw_msg_ice("candidate:1 1 UDP 1 198.18.0.1 9 typ host", 1);

    ck_assert_str_eq(offer, "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\na=\\\"x\\\"\\r\\n\",\"codec\":\"VP8\"}");
    ck_assert_str_eq(ice, "{\"type\":\"ice\",\"candidate\":\"candidate:1 1 UDP 1 198.18.0.1 9 typ host\","
                          "\"sdpMLineIndex\":1}");
}
END_TEST

START_TEST(test_error_messages_are_escaped_json)
{
    g_autofree char *error = sw_msg_error("a \"quoted\" word\nand a line");

    ck_assert_str_eq(error, "{\"type\":\"error\",\"message\":\"a \\\"quoted\\\" word\\nand a line\"}");
}
END_TEST

/* ---- the latency log ------------------------------------------------------------- */

static char *
read_fd(int fd)
{
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    ck_assert_int_ge(n, 0);
    buf[n] = 0;
    return g_strdup(buf);
}

START_TEST(test_latency_waits_for_the_frame_showing_the_events_then_its_first_packet)
{
    char path[] = "/tmp/sw-latency-XXXXXX";
    int fd = mkstemp(path), rfd = open(path, O_RDONLY);
    sw_latency *lat = sw_latency_new(bench_log_new(fd));
    g_autofree char *text = NULL;

    unlink(path);
    ck_assert_uint_eq(sw_latency_frame(lat, 10, 50), 0);          /* the guest had applied 10 */
    sw_latency_input(lat, 3, 100, 2);                              /* target 12 */
    sw_latency_input(lat, 3, 110, -EPERM);                         /* refused: not logged */
    sw_latency_input(lat, 3, 120, 1);                              /* target 13 */
    ck_assert_uint_eq(sw_latency_frame(lat, 11, 200), 0);
    ck_assert_uint_eq(sw_latency_frame(lat, 12, 300), 3);          /* completes the first */
    sw_latency_tag(lat, 3, 7000);
    sw_latency_encoded(lat, 3, 7000, 40);
    sw_latency_sent(lat, 3, 6000, 350);                            /* another frame's packet */
    sw_latency_sent(lat, 3, 7000, 400);
    sw_latency_sent(lat, 3, 7000, 410);                            /* its second packet */
    ck_assert_uint_eq(sw_latency_frame(lat, 14, 500), 3);          /* completes the second */
    sw_latency_tag(lat, 3, 8000);
    sw_latency_encoded(lat, 3, 8000, 30);
    sw_latency_sent(lat, 3, 8000, 600);
    text = read_fd(rfd);
    ck_assert_str_eq(text, "100,300,400,40\n120,500,600,30\n");
    ck_assert_uint_eq(sw_latency_written(lat), 2);
    ck_assert_uint_eq(sw_latency_lost(lat), 0);
    sw_latency_free(lat);
    close(rfd);
}
END_TEST

START_TEST(test_latency_target_counts_from_the_last_frame_seen)
{
    char path[] = "/tmp/sw-latency-XXXXXX";
    int fd = mkstemp(path), rfd = open(path, O_RDONLY);
    sw_latency *lat = sw_latency_new(bench_log_new(fd));
    g_autofree char *text = NULL;

    unlink(path);
    /* Input that went in through the API (not logged) moved the guest on. */
    sw_latency_frame(lat, 100, 10);
    sw_latency_input(lat, 1, 20, 1);                               /* target 101 */
    ck_assert_uint_eq(sw_latency_frame(lat, 100, 30), 0);
    ck_assert_uint_eq(sw_latency_frame(lat, 101, 40), 1);
    sw_latency_tag(lat, 2, 5);                                     /* another viewer's copy */
    sw_latency_tag(lat, 1, 9);
    sw_latency_sent(lat, 2, 5, 45);
    sw_latency_sent(lat, 1, 9, 50);
    text = read_fd(rfd);
    ck_assert_str_eq(text, "20,40,50,0\n");
    sw_latency_free(lat);
    close(rfd);
}
END_TEST

START_TEST(test_latency_forgets_the_oldest_beyond_256_pending)
{
    sw_latency *lat = sw_latency_new(NULL);

    for (int i = 0; i < 300; i++)
        sw_latency_input(lat, 1, (uint64_t)i, 1);
    ck_assert_uint_eq(sw_latency_lost(lat), 44);
    sw_latency_free(lat);
}
END_TEST

/* ---- the backend: options ----------------------------------------------------------- */

START_TEST(test_plugin_descriptor)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    const gh_backend_factory *f = fake_host_factory();

    ck_assert_uint_eq(plugin->abi_major, GH_PLUGIN_ABI_MAJOR);
    ck_assert_uint_eq(plugin->abi_minor, GH_PLUGIN_ABI_MINOR);
    ck_assert_str_eq(plugin->name, "stream-webrtc");
    ck_assert_str_eq(f->name, "stream.webrtc");
    ck_assert_uint_eq(f->kind, GH_BACKEND_STREAM);
    ck_assert_uint_ge(f->stream->version, 2);
    ck_assert_ptr_nonnull(f->stream->push_frame);
    ck_assert_ptr_nonnull(f->stream->request_keyframe);
    ck_assert_ptr_nonnull(f->stream->peer_open);
    ck_assert_ptr_nonnull(f->stream->peer_message);
    ck_assert_ptr_nonnull(f->stream->peer_close);
}
END_TEST

START_TEST(test_numeric_options_are_bounded)
{
    fake_host_assert_refused("fps", "0", "stream.webrtc: option fps must be a whole number from 1 to 120");
    fake_host_assert_refused("fps", "121", "stream.webrtc: option fps must be a whole number from 1 to 120");
    fake_host_assert_refused("fps", "30 ", "stream.webrtc: option fps must be a whole number from 1 to 120");
    fake_host_assert_refused("bitrate_kbps", "99",
                             "stream.webrtc: option bitrate_kbps must be a whole number from 100 to 100000");
    fake_host_assert_refused("bitrate_kbps", "-4000",
                             "stream.webrtc: option bitrate_kbps must be a whole number from 100 to 100000");
}
END_TEST

START_TEST(test_servers_must_be_urls_of_their_scheme)
{
    g_autofree char *host = g_strnfill(510, 'a');
    g_autofree char *lng = g_strdup_printf("stun://%s:3478", host);
    const char *stun = "stream.webrtc: option stun_server must be stun://host:port (at most 512 characters)";
    const char *turn = "stream.webrtc: option turn_server must be turn://user:password@host:port or turns://… "
                       "(at most 512 characters)";

    fake_host_assert_refused("stun_server", "stun.example.net:3478", stun);
    fake_host_assert_refused("stun_server", "stun://", stun);
    fake_host_assert_refused("stun_server", "stun://a b:1", stun);
    fake_host_assert_refused("stun_server", "stun://a\n:1", stun);
    fake_host_assert_refused("stun_server", lng, stun);
    fake_host_assert_refused("turn_server", "stun://host:1", turn);
    fake_host_assert_refused("turn_server", "http://u:p@host:1", turn);
}
END_TEST

START_TEST(test_latency_log_is_a_plain_name_in_the_session_dir)
{
    const char *plain = "stream.webrtc: option latency_log must be a plain file name of 1 to 64 characters from "
                        "A-Z a-z 0-9 . _ -";

    fake_host_assert_refused("latency_log", "../x.csv", plain);
    fake_host_assert_refused("latency_log", "a/x.csv", plain);
    fake_host_assert_refused("latency_log", "/tmp/x.csv", plain);
    fake_host_assert_refused("latency_log", "", plain);
    fake_host_assert_refused("latency_log", "..", "stream.webrtc: option latency_log '..' must not start with '.'");
}
END_TEST

START_TEST(test_audio_latency_log_is_a_plain_name_in_the_session_dir)
{
    fake_host_assert_refused("audio_latency_log", "../x.csv",
                             "stream.webrtc: option audio_latency_log must be a plain file name of 1 to 64 "
                             "characters from A-Z a-z 0-9 . _ -");
}
END_TEST

START_TEST(test_audio_latency_log_is_created_in_the_session_dir)
{
    gh_host *host = fake_host_new();
    g_autofree char *log = g_build_filename(host->dir, "audio-latency.csv", NULL);
    gh_instance *inst = fake_host_create(host, "audio_latency_log", "audio-latency.csv");

    ck_assert_msg(inst, "%s", host->error);
    ck_assert(g_file_test(log, G_FILE_TEST_IS_REGULAR));
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

START_TEST(test_a_host_without_signaling_is_refused)
{
    fake_host_assert_old_host_refused(
        offsetof(gh_host_services, signal_send), 2,
        "stream.webrtc: the host offers no signaling for players (it needs plugin ABI 1.2)");
}
END_TEST

START_TEST(test_good_options_are_taken)
{
    gh_host *host = fake_host_new();
    g_autofree char *log = g_build_filename(host->dir, "latency.csv", NULL);
    gh_instance *inst;

    g_hash_table_insert(host->options, "fps", "30");
    g_hash_table_insert(host->options, "bitrate_kbps", "2500");
    g_hash_table_insert(host->options, "stun_server", "stun://198.18.0.9:3478");
    g_hash_table_insert(host->options, "turn_server", "turns://u:p@198.18.0.9:5349");
    inst = fake_host_create(host, "latency_log", "latency.csv");
    ck_assert_msg(inst, "%s", host->error);
    ck_assert(g_file_test(log, G_FILE_TEST_IS_REGULAR));
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

START_TEST(test_playout_delay_is_on_or_off)
{
    const char *msg = "stream.webrtc: option playout_delay must be on or off";

    fake_host_assert_refused("playout_delay", "0", msg);
    fake_host_assert_refused("playout_delay", "yes", msg);
    fake_host_assert_refused("playout_delay", "", msg);
    fake_host_assert_refused("playout_delay", "On", msg);
}
END_TEST

/* ---- the playout-delay extension ---------------------------------------------------- */

/* The bytes the extension writes into a buffer of `size` 0xee bytes, and
 * how many it says it wrote. */
static gssize
playout_delay_bytes(guint min_10ms, guint max_10ms, guint8 *data, gsize size)
{
    g_autoptr(GstRTPHeaderExtension) ext = gst_object_ref_sink(sw_playout_delay_new(min_10ms, max_10ms));
    g_autoptr(GstBuffer) in = gst_buffer_new();
    g_autoptr(GstBuffer) out = gst_buffer_new();

    gst_rtp_header_extension_set_id(ext, 1);
    memset(data, 0xee, size);
    return gst_rtp_header_extension_write(ext, in, GST_RTP_HEADER_EXTENSION_ONE_BYTE, out, data, size);
}

START_TEST(test_playout_delay_0_0_is_three_zero_bytes)
{
    guint8 data[8];

    ck_assert_int_eq(playout_delay_bytes(0, 0, data, sizeof data), 3);
    ck_assert_uint_eq(data[0], 0x00);
    ck_assert_uint_eq(data[1], 0x00);
    ck_assert_uint_eq(data[2], 0x00);
    ck_assert_uint_eq(data[3], 0xee);
}
END_TEST

START_TEST(test_playout_delay_packs_12_bit_min_then_max)
{
    guint8 data[3];

    /* min 0x00a (100 ms), max 0xfff (40.95 s) */
    ck_assert_int_eq(playout_delay_bytes(0x00a, 0xfff, data, sizeof data), 3);
    ck_assert_uint_eq(data[0], 0x00);
    ck_assert_uint_eq(data[1], 0xaf);
    ck_assert_uint_eq(data[2], 0xff);
}
END_TEST

START_TEST(test_playout_delay_names_its_uri_and_size)
{
    g_autoptr(GstRTPHeaderExtension) ext = gst_object_ref_sink(sw_playout_delay_new(0, 0));
    g_autoptr(GstBuffer) in = gst_buffer_new();

    ck_assert_str_eq(gst_rtp_header_extension_get_uri(ext), "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay");
    ck_assert_uint_eq(gst_rtp_header_extension_get_max_size(ext, in), 3);
}
END_TEST

/* ---- the rate limit (gf_pacer) ------------------------------------------------------ */

#define MS G_GUINT64_CONSTANT(1000000)

/* How many of n frames, captured at `period` ns plus jitter[i % n_jitter]
 * ns from a start of 1 s, a pacer at fps keeps. */
static unsigned
paced(unsigned n, uint64_t period, const int64_t *jitter, unsigned n_jitter, uint32_t fps)
{
    gf_pacer pacer = { 0 };
    unsigned kept = 0;

    for (unsigned i = 0; i < n; i++)
        kept += gf_pacer_keep(&pacer, (uint64_t)((int64_t)(1000 * MS + i * period) + jitter[i % n_jitter]), fps) ? 1 : 0;
    return kept;
}

START_TEST(test_pacer_keeps_every_frame_of_a_jittery_source_at_its_own_rate)
{
    static const int64_t jitter[] = { 0, -3 * MS, 1 * MS, 3 * MS, -2 * MS, -3 * MS, 2 * MS };
    /* The first frame 6 ms late (a peer had just connected): the old slot
     * grid kept that phase with 4.2 ms of slack and dropped every frame
     * 3 ms early, for good (8 % of them).  Now only the next frame, 9 ms
     * early against the first one's grid, goes; the grid then follows. */
    static const int64_t first_late[] = { 6 * MS, -3 * MS, 1 * MS, 3 * MS, -2 * MS, -3 * MS, 0 };

    ck_assert_uint_eq(paced(600, 16666667, jitter, G_N_ELEMENTS(jitter), 60), 600);
    ck_assert_uint_eq(paced(600, 16666667, first_late, G_N_ELEMENTS(first_late), 60), 599);
}
END_TEST

START_TEST(test_pacer_thins_a_faster_source_evenly)
{
    static const int64_t none[] = { 0 };

    ck_assert_uint_eq(paced(600, 10 * MS, none, 1, 50), 300); /* 100 Hz → 50 */
    ck_assert_uint_eq(paced(600, 20 * MS, none, 1, 25), 300); /* 50 Hz → 25 */
    /* 50 Hz → 10: frame 3 (60 ms) is the first less than half a period
     * early, then one every 100 ms: 121 of the 12 s. */
    ck_assert_uint_eq(paced(600, 20 * MS, none, 1, 10), 121);
    ck_assert_uint_eq(paced(600, 8333333, none, 1, 60), 300); /* 120 Hz → 60 */
}
END_TEST

START_TEST(test_pacer_restarts_after_a_gap_without_a_burst)
{
    gf_pacer pacer = { 0 };
    uint64_t last = 0;
    unsigned kept = 0;

    ck_assert(gf_pacer_keep(&pacer, 1000 * MS, 50));
    /* 1 s without frames, then one every 2 ms for 200 ms: a new grid, no
     * catch-up, never two frames closer than half a period (10 ms). */
    for (uint64_t t = 2000 * MS; t < 2200 * MS; t += 2 * MS) {
        if (!gf_pacer_keep(&pacer, t, 50))
            continue;
        if (kept++)
            ck_assert_uint_ge(t - last, 10 * MS);
        last = t;
    }
    ck_assert_uint_eq(kept, 11); /* 2000, 2012, then every 20 ms */
}
END_TEST

/* ---- the conversion to I420 (gf_converter) ------------------------------------------- */

/* A 6x2 frame of three 2x2 blocks, red, white and the demo's yellow
 * (0xFFFF00), in BGRX or RGBX, rows 32 bytes apart (8 of padding). */
static void
convert_fill(uint8_t *px, uint32_t format)
{
    static const uint8_t rgb[3][3] = { { 255, 0, 0 }, { 255, 255, 255 }, { 255, 255, 0 } };
    gboolean bgr = format == GH_FORMAT_BGRX8888;

    memset(px, 0x55, 32 * 2);
    for (uint32_t y = 0; y < 2; y++)
        for (uint32_t x = 0; x < 6; x++) {
            uint8_t *p = px + y * 32 + x * 4;
            const uint8_t *c = rgb[x / 2];

            p[0] = bgr ? c[2] : c[0];
            p[1] = c[1];
            p[2] = bgr ? c[0] : c[2];
            p[3] = 0x55;
        }
}

/* Converts the 6x2 frame in format and checks the I420 planes and caps. */
static void
assert_converts_blocks(uint32_t format)
{
    g_autofree char *why = NULL, *caps_text = NULL;
    gf_converter *conv = gf_converter_new(1);
    uint8_t px[32 * 2];
    gh_frame frame = {
        .struct_size = sizeof(gh_frame), .format = format, .width = 6, .height = 2, .stride = 32, .data = px,
    };
    GstCaps *caps = NULL;
    g_autoptr(GstBuffer) buf = NULL;
    /* BT.601, limited range: Y = 16 + 219 (0.299 R + 0.587 G + 0.114 B),
     * U and V around 128, one chroma sample per 2x2 block: red 81/90/239,
     * white 235/128/128, yellow 210/16/145 (GStreamer's 8-bit integer
     * matrix truncates: the exact V are 240 and 146.2).  GStreamer's default
     * I420 layout, which the encoder reads from the caps: rows rounded up
     * to 4 bytes (Y 8 a row, U and V 4). */
    const uint8_t y_row[6] = { 81, 81, 235, 235, 210, 210 }, u[3] = { 90, 128, 16 }, v[3] = { 239, 128, 145 };
    uint8_t planes[8 * 2 + 4 + 4];

    ck_assert_msg(gf_init_gst(&why) == 0, "%s", why);
    convert_fill(px, format);
    buf = gf_converter_run(conv, &frame, 60, &caps);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(gst_buffer_get_size(buf), sizeof(planes));
    ck_assert_uint_eq(gst_buffer_extract(buf, 0, planes, sizeof(planes)), sizeof(planes));
    ck_assert_mem_eq(planes, y_row, 6);
    ck_assert_mem_eq(planes + 8, y_row, 6);
    ck_assert_mem_eq(planes + 16, u, 3);
    ck_assert_mem_eq(planes + 20, v, 3);
    caps_text = gst_caps_to_string(caps);
    ck_assert_str_eq(caps_text, "video/x-raw, format=(string)I420, width=(int)6, height=(int)2, "
                                "framerate=(fraction)60/1");
    gf_converter_free(conv);
}

START_TEST(test_converter_makes_limited_range_bt601_i420_of_a_padded_bgrx_frame)
{
    assert_converts_blocks(GH_FORMAT_BGRX8888);
}
END_TEST

START_TEST(test_converter_reads_rgbx_in_its_own_order)
{
    assert_converts_blocks(GH_FORMAT_RGBX8888);
}
END_TEST

/* As videoconvert chose for caps that name no colorimetry: BT.709 above
 * 576 lines, so a 720p frame's yellow is Y 219, not BT.601's 210 (U 15
 * and V 137: the integer matrix truncates the exact 16 and 138.3). */
START_TEST(test_converter_uses_bt709_for_hd_frames)
{
    g_autofree char *why = NULL;
    g_autofree uint32_t *px = g_new(uint32_t, 4 * 720);
    gf_converter *conv = gf_converter_new(2);
    gh_frame frame = {
        .struct_size = sizeof(gh_frame), .format = GH_FORMAT_BGRX8888, .width = 4, .height = 720, .stride = 16,
        .data = (const uint8_t *)px,
    };
    GstCaps *caps = NULL;
    g_autoptr(GstBuffer) buf = NULL;
    uint8_t y[4 * 720], uv[2];

    ck_assert_msg(gf_init_gst(&why) == 0, "%s", why);
    for (guint i = 0; i < 4 * 720; i++)
        px[i] = GUINT32_TO_LE(0x00FFFF00u); /* B 0, G 255, R 255 */
    buf = gf_converter_run(conv, &frame, 60, &caps);
    ck_assert_ptr_nonnull(buf);
    gst_buffer_extract(buf, 0, y, sizeof(y));
    for (guint i = 0; i < sizeof(y); i++)
        ck_assert_uint_eq(y[i], 219);
    /* U and V: 360 rows of 4 bytes each (2 used). */
    gst_buffer_extract(buf, sizeof(y), uv, 1);
    gst_buffer_extract(buf, sizeof(y) + 4 * 360, uv + 1, 1);
    ck_assert_uint_eq(uv[0], 15);
    ck_assert_uint_eq(uv[1], 137);
    gf_converter_free(conv);
}
END_TEST

/* What the stream-webrtc pipeline's videoconvert made before the
 * conversion moved into the push: the same bytes, for a frame of every
 * colour step (a gradient with a checker, as webrtc-bench draws). */
START_TEST(test_converter_matches_videoconvert_as_the_pipeline_had_it)
{
    g_autofree char *why = NULL;
    const uint32_t w = 64, h = 48;
    g_autofree uint32_t *px = g_new(uint32_t, w * h);
    gf_converter *conv = gf_converter_new(1);
    gh_frame frame = {
        .struct_size = sizeof(gh_frame), .format = GH_FORMAT_BGRX8888, .width = w, .height = h, .stride = w * 4,
        .data = (const uint8_t *)px,
    };
    GstCaps *caps = NULL;
    g_autoptr(GstBuffer) ours = NULL;
    g_autoptr(GstSample) sample = NULL;
    g_autoptr(GstCaps) in_caps = NULL;
    GstElement *pipeline;
    GstMapInfo a, b;

    ck_assert_msg(gf_init_gst(&why) == 0, "%s", why);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            px[y * w + x] = GUINT32_TO_LE(((x * 4) ^ ((x / 4 + y / 4) & 1 ? 0x20u : 0)) << 16 | (y * 5) << 8 |
                                          ((x + y) * 3 & 0xffu));
    ours = gf_converter_run(conv, &frame, 60, &caps);
    pipeline = gst_parse_launch("appsrc name=src format=time ! videoconvert dither=none chroma-mode=none "
                                "matrix-mode=output-only ! video/x-raw,format=I420 ! appsink name=sink",
                                NULL);
    ck_assert_ptr_nonnull(pipeline);
    in_caps = gf_caps_new(GH_FORMAT_BGRX8888, w, h, 60);
    {
        g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
        g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");

        gst_app_src_set_caps(GST_APP_SRC(src), in_caps);
        gst_element_set_state(pipeline, GST_STATE_PLAYING);
        ck_assert_int_eq(gst_app_src_push_buffer(GST_APP_SRC(src), gf_buffer_new(frame.data, w, h, w * 4)),
                         GST_FLOW_OK);
        g_signal_emit_by_name(sink, "try-pull-sample", (GstClockTime)(10 * GST_SECOND), &sample);
    }
    ck_assert_ptr_nonnull(sample);
    ck_assert(gst_buffer_map(ours, &a, GST_MAP_READ));
    ck_assert(gst_buffer_map(gst_sample_get_buffer(sample), &b, GST_MAP_READ));
    ck_assert_uint_eq(a.size, b.size);
    ck_assert(memcmp(a.data, b.data, a.size) == 0);
    gst_buffer_unmap(gst_sample_get_buffer(sample), &b);
    gst_buffer_unmap(ours, &a);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    gf_converter_free(conv);
}
END_TEST

/* A frame of another size gets a converter and caps of its own. */
START_TEST(test_converter_follows_a_change_of_size)
{
    g_autofree char *why = NULL, *text = NULL;
    g_autofree uint8_t *px = g_malloc0(8 * 4 * 4);
    gf_converter *conv = gf_converter_new(1);
    gh_frame frame = {
        .struct_size = sizeof(gh_frame), .format = GH_FORMAT_BGRX8888, .width = 4, .height = 2, .stride = 16,
        .data = px,
    };
    GstCaps *caps = NULL;
    GstBuffer *buf;

    ck_assert_msg(gf_init_gst(&why) == 0, "%s", why);
    buf = gf_converter_run(conv, &frame, 30, &caps);
    /* Y 4x2; U and V one row of 4 bytes (2 used) each. */
    ck_assert_uint_eq(gst_buffer_get_size(buf), 4 * 2 + 4 + 4);
    gst_buffer_unref(buf);
    frame.width = 8;
    frame.height = 4;
    frame.stride = 32;
    buf = gf_converter_run(conv, &frame, 30, &caps);
    ck_assert_uint_eq(gst_buffer_get_size(buf), 8 * 4 + 2 * 4 + 2 * 4);
    text = gst_caps_to_string(caps);
    ck_assert_str_eq(text, "video/x-raw, format=(string)I420, width=(int)8, height=(int)4, framerate=(fraction)30/1");
    gst_buffer_unref(buf);
    gf_converter_free(conv);
}
END_TEST

/* ---- the backend: signaling ---------------------------------------------------------- */

/* The next message the plugin sent, waiting for webrtcbin's threads. */
static char *
next_sent(gh_host *host, uint32_t peer)
{
    char *m = g_async_queue_timeout_pop(host->sent, 20 * G_USEC_PER_SEC);
    g_autofree char *prefix = g_strdup_printf("%u:", peer);
    char *body;

    ck_assert_msg(m, "nothing was sent to viewer %u", peer);
    ck_assert_msg(g_str_has_prefix(m, prefix), "sent to the wrong viewer: %s", m);
    body = g_strdup(m + strlen(prefix));
    g_free(m);
    return body;
}

/* The offer's SDP, after checking the message around it. */
static char *
offer_sdp(const char *message, const char *codec)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *obj;

    ck_assert_msg(json_parser_load_from_data(parser, message, -1, NULL), "%s", message);
    obj = json_node_get_object(json_parser_get_root(parser));
    ck_assert_str_eq(json_object_get_string_member(obj, "type"), "offer");
    ck_assert_str_eq(json_object_get_string_member(obj, "codec"), codec);
    return g_strdup(json_object_get_string_member(obj, "sdp"));
}

static void
assert_offer(const char *sdp, const char *rtpmap)
{
    g_auto(GStrv) lines = g_strsplit(sdp, "\r\n", -1);
    gboolean video = FALSE, application = FALSE, sendonly = FALSE, map = FALSE, nack = FALSE, rtx = FALSE;
    gboolean pli = FALSE, fir = FALSE;
    gboolean in_video = FALSE;

    if (g_getenv("GH_TEST_VERBOSE"))
        fprintf(stderr, "offer:\n%s", sdp);
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "m="))
            in_video = g_str_has_prefix(*l, "m=video ");
        video = video || g_str_has_prefix(*l, "m=video ");
        application = application || g_str_has_prefix(*l, "m=application ");
        sendonly = sendonly || (in_video && strcmp(*l, "a=sendonly") == 0);
        map = map || (in_video && g_str_has_prefix(*l, "a=rtpmap:") && strstr(*l, rtpmap));
        nack = nack || (in_video && g_str_has_prefix(*l, "a=rtcp-fb:") && g_str_has_suffix(*l, " nack"));
        rtx = rtx || (in_video && g_str_has_prefix(*l, "a=rtpmap:") && strstr(*l, " rtx/90000"));
        pli = pli || (in_video && g_str_has_prefix(*l, "a=rtcp-fb:") && g_str_has_suffix(*l, " nack pli"));
        fir = fir || (in_video && g_str_has_prefix(*l, "a=rtcp-fb:") && g_str_has_suffix(*l, " ccm fir"));
    }
    ck_assert_msg(video && application, "no video or data channel m-line:\n%s", sdp);
    ck_assert_msg(sendonly, "video is not sendonly:\n%s", sdp);
    ck_assert_msg(map, "no rtpmap %s:\n%s", rtpmap, sdp);
    ck_assert_msg(nack, "no NACK feedback:\n%s", sdp);
    ck_assert_msg(rtx, "no RTX:\n%s", sdp);
    /* Without them the browser asks for no keyframe after a loss. */
    ck_assert_msg(pli, "no PLI feedback:\n%s", sdp);
    ck_assert_msg(fir, "no FIR feedback:\n%s", sdp);
}

static void
assert_hello_gets_offer(const char *hello, const char *codec, const char *rtpmap)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_stream_ops *ops = fake_host_factory()->stream;
    g_autofree char *message = NULL, *sdp = NULL;

    ck_assert_msg(inst, "%s", host->error);
    ck_assert_int_eq(ops->peer_open(inst, 7, GH_PEER_CONTROL), 0);
    ck_assert_msg(ops->peer_message(inst, 7, hello) == 0, "%s", host->error);
    message = next_sent(host, 7);
    sdp = offer_sdp(message, codec);
    assert_offer(sdp, rtpmap);
    ops->peer_close(inst, 7);
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}

START_TEST(test_hello_with_h264_gets_an_h264_offer_with_a_data_channel)
{
    assert_hello_gets_offer("{\"type\":\"hello\",\"codecs\":[\"VP8\",\"H264\"]}", "H264", " H264/90000");
}
END_TEST

/* The video m-line's extmap lines of the H264 offer made with option
 * key=value (NULL: none), one per line. */
static char *
offer_extmaps(gboolean sound, const char *key, const char *value)
{
    gh_host *host = sound ? fake_host_new_with_sound(48000, 2) : fake_host_new();
    gh_instance *inst = fake_host_create(host, key, value);
    const gh_stream_ops *ops = fake_host_factory()->stream;
    g_autofree char *message = NULL, *sdp = NULL;
    g_auto(GStrv) lines = NULL;
    GString *maps = g_string_new("");
    gboolean in_video = FALSE;

    ck_assert_msg(inst, "%s", host->error);
    ck_assert_int_eq(ops->peer_open(inst, 7, GH_PEER_CONTROL), 0);
    ck_assert_msg(ops->peer_message(inst, 7, "{\"type\":\"hello\",\"codecs\":[\"H264\"]}") == 0, "%s", host->error);
    message = next_sent(host, 7);
    sdp = offer_sdp(message, "H264");
    lines = g_strsplit(sdp, "\r\n", -1);
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "m="))
            in_video = g_str_has_prefix(*l, "m=video ");
        if (in_video && g_str_has_prefix(*l, "a=extmap:"))
            g_string_append_printf(maps, "%s\n", *l);
    }
    ops->peer_close(inst, 7);
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
    return g_string_free(maps, FALSE);
}

START_TEST(test_offer_asks_for_playout_delay_by_default)
{
    g_autofree char *maps = offer_extmaps(FALSE, NULL, NULL);

    ck_assert_str_eq(maps, "a=extmap:1 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\n");
}
END_TEST

/* With sound the browser's own buffer holds the picture for the sound:
 * lip sync over the last frames of latency (bench/av-sync.sh). */
START_TEST(test_offer_with_sound_leaves_playout_delay_off_by_default)
{
    g_autofree char *maps = offer_extmaps(TRUE, NULL, NULL);
    g_autofree char *asked = offer_extmaps(TRUE, "playout_delay", "on");

    ck_assert_str_eq(maps, "");
    ck_assert_str_eq(asked, "a=extmap:1 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\n");
}
END_TEST

START_TEST(test_offer_without_playout_delay_when_off)
{
    g_autofree char *maps = offer_extmaps(FALSE, "playout_delay", "off");

    ck_assert_str_eq(maps, "");
}
END_TEST

START_TEST(test_hello_with_vp8_only_gets_a_vp8_offer)
{
    assert_hello_gets_offer("{\"type\":\"hello\",\"codecs\":[\"VP8\",\"AV1\"]}", "VP8", " VP8/90000");
}
END_TEST

START_TEST(test_viewers_are_not_limited_by_the_plugin)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_stream_ops *ops = fake_host_factory()->stream;

    for (uint32_t p = 1; p <= 16; p++)
        ck_assert_int_eq(ops->peer_open(inst, p, p == 1 ? GH_PEER_CONTROL : 0), 0);
    ck_assert_int_eq(ops->peer_open(inst, 3, 0), -EEXIST);
    ck_assert_str_eq(host->error, "stream.webrtc: viewer 3 is already open");
    for (uint32_t p = 1; p <= 16; p++)
        ops->peer_close(inst, p);
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

static void
assert_message_refused(gh_instance *inst, gh_host *host, uint32_t peer, const char *message, int rc,
                       const char *error)
{
    ck_assert_int_eq(fake_host_factory()->stream->peer_message(inst, peer, message), rc);
    ck_assert_msg(strcmp(host->error, error) == 0, "%s: got '%s', want '%s'", message, host->error, error);
    host->error[0] = 0;
}

START_TEST(test_messages_out_of_order_or_malformed_are_refused)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_stream_ops *ops = fake_host_factory()->stream;
    g_autofree char *offer = NULL;

    ck_assert_int_eq(ops->peer_open(inst, 2, 0), 0);
    assert_message_refused(inst, host, 9, "{\"type\":\"keyframe\"}", -ENOENT, "stream.webrtc: viewer 9 is not open");
    assert_message_refused(inst, host, 2, "{\"type\":\"answer\",\"sdp\":\"v=0\"}", -EINVAL,
                           "stream.webrtc: answer: no offer was made yet (send hello first)");
    assert_message_refused(inst, host, 2, "{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":0}", -EINVAL,
                           "stream.webrtc: ice: no offer was made yet (send hello first)");
    assert_message_refused(inst, host, 2, "{\"type\":\"bye\"}", -EINVAL, "stream.webrtc: unknown message type 'bye'");
    assert_message_refused(inst, host, 2, "{\"type\":\"hello\",\"codecs\":[\"AV1\"]}", -EINVAL,
                           "stream.webrtc: hello: no codec in common; this host sends H264, VP8");
    ck_assert_int_eq(ops->peer_message(inst, 2, "{\"type\":\"keyframe\"}"), 0);
    ck_assert_int_eq(ops->peer_message(inst, 2, "{\"type\":\"hello\"}"), 0);
    offer = next_sent(host, 2);
    assert_message_refused(inst, host, 2, "{\"type\":\"hello\"}", -EALREADY,
                           "stream.webrtc: hello: the offer was made already; reconnect to start over");
    assert_message_refused(inst, host, 2, "{\"type\":\"answer\",\"sdp\":\"not sdp\"}", -EINVAL,
                           "stream.webrtc: answer: sdp is not a session description with media");
    assert_message_refused(inst, host, 2, "{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":2}", -EINVAL,
                           "stream.webrtc: ice: sdpMLineIndex must be a whole number from 0 to 1");
    ck_assert_int_eq(ops->peer_message(inst, 2, "{\"type\":\"ice\",\"candidate\":\"\",\"sdpMLineIndex\":0}"), 0);
    ck_assert_int_eq(ops->peer_message(inst, 2, "{\"type\":\"keyframe\"}"), 0);
    ops->request_keyframe(inst);
    fake_host_factory()->destroy(inst); /* closes viewer 2 */
    fake_host_free(host);
}
END_TEST

/* ---- the backend: sound -------------------------------------------------------------- */

/* The offer viewer 7 of an instance on host gets for an H264 hello. */
static char *
offer_on(gh_host *host)
{
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_stream_ops *ops = fake_host_factory()->stream;
    g_autofree char *message = NULL;
    char *sdp;

    ck_assert_msg(inst, "%s", host->error);
    ck_assert_int_eq(ops->peer_open(inst, 7, GH_PEER_CONTROL), 0);
    ck_assert_msg(ops->peer_message(inst, 7, "{\"type\":\"hello\",\"codecs\":[\"H264\"]}") == 0, "%s", host->error);
    message = next_sent(host, 7);
    sdp = offer_sdp(message, "H264");
    if (g_getenv("GH_TEST_VERBOSE"))
        fprintf(stderr, "offer:\n%s", sdp);
    ops->peer_close(inst, 7);
    fake_host_factory()->destroy(inst);
    return sdp;
}

/* Of each m-line: kind, direction, the first format's rtpmap and fmtp,
 * and its msid; then whether the BUNDLE group holds every m-line. */
static char *
offer_summary(const char *sdp_text)
{
    GstSDPMessage *sdp = NULL;
    GString *out = g_string_new("");
    g_autoptr(GString) mids = g_string_new("BUNDLE");

    ck_assert_int_eq(gst_sdp_message_new_from_text(sdp_text, &sdp), GST_SDP_OK);
    for (guint i = 0; i < gst_sdp_message_medias_len(sdp); i++) {
        const GstSDPMedia *m = gst_sdp_message_get_media(sdp, i);
        const char *dir = gst_sdp_media_get_attribute_val(m, "sendonly")   ? "sendonly"
                          : gst_sdp_media_get_attribute_val(m, "recvonly") ? "recvonly"
                          : gst_sdp_media_get_attribute_val(m, "sendrecv") ? "sendrecv"
                                                                            : "-";
        const char *map = gst_sdp_media_get_attribute_val(m, "rtpmap");
        const char *msid = gst_sdp_media_get_attribute_val(m, "msid");
        const char *fmtp = NULL;

        for (guint k = 0; map && (fmtp = gst_sdp_media_get_attribute_val_n(m, "fmtp", k)); k++)
            if (strncmp(fmtp, map, strcspn(map, " ") + 1) == 0)
                break;
        g_string_append_printf(out, "%s %s %s%s%s%s%s\n", gst_sdp_media_get_media(m), dir, map ? map : "-",
                               fmtp ? " fmtp " : "", fmtp ? strchr(fmtp, ' ') + 1 : "", msid ? " msid " : "",
                               msid ? msid : "");
        g_string_append_printf(mids, " %s", gst_sdp_media_get_attribute_val(m, "mid"));
    }
    g_string_append_printf(out, "%s\n", g_strcmp0(gst_sdp_message_get_attribute_val(sdp, "group"), mids->str) == 0
                                            ? "one bundle"
                                            : gst_sdp_message_get_attribute_val(sdp, "group"));
    gst_sdp_message_free(sdp);
    return g_string_free(out, FALSE);
}

#define H264_LINE "video sendonly 96 H264/90000 fmtp packetization-mode=1;profile-level-id=42e034;" \
                  "level-asymmetry-allowed=1"

START_TEST(test_offer_with_sound_adds_the_sound_and_the_microphone_in_the_bundle)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    g_autofree char *sdp = offer_on(host);
    g_autofree char *summary = offer_summary(sdp);

    ck_assert_str_eq(summary, H264_LINE " msid gamehost video\n"
                              "audio sendonly 111 OPUS/48000/2 fmtp sprop-stereo=1 msid gamehost audio\n"
                              "audio recvonly 112 OPUS/48000/2\n"
                              "application - -\n"
                              "one bundle\n");
    fake_host_free(host);
}
END_TEST

START_TEST(test_offer_of_mono_sound_does_not_say_stereo)
{
    gh_host *host = fake_host_new_with_sound(16000, 1);
    g_autofree char *sdp = offer_on(host);
    g_autofree char *summary = offer_summary(sdp);

    ck_assert_str_eq(summary, H264_LINE " msid gamehost video\n"
                              "audio sendonly 111 OPUS/48000/2 msid gamehost audio\n"
                              "audio recvonly 112 OPUS/48000/2\n"
                              "application - -\n"
                              "one bundle\n");
    fake_host_free(host);
}
END_TEST

static const char *const video_alone = H264_LINE "\napplication - -\none bundle\n";

START_TEST(test_offer_without_sound_is_the_picture_alone)
{
    gh_host *host = fake_host_new();
    g_autofree char *sdp = offer_on(host);
    g_autofree char *summary = offer_summary(sdp);

    ck_assert_str_eq(summary, video_alone);
    fake_host_free(host);
}
END_TEST

/* A 1.2 host's services table ends before audio_format. */
START_TEST(test_offer_from_a_host_before_sound_is_the_picture_alone)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_host_services old = fake_host_services;
    const gh_stream_ops *ops = fake_host_factory()->stream;
    g_autofree char *message = NULL, *sdp = NULL, *summary = NULL;
    gh_instance *inst;

    old.struct_size = offsetof(gh_host_services, dbus_socket);
    old.version = 3;
    inst = fake_host_factory()->create(host, &old);
    ck_assert_msg(inst, "%s", host->error);
    ck_assert_int_eq(ops->peer_open(inst, 7, GH_PEER_CONTROL), 0);
    ck_assert_int_eq(ops->peer_message(inst, 7, "{\"type\":\"hello\",\"codecs\":[\"H264\"]}"), 0);
    message = next_sent(host, 7);
    sdp = offer_sdp(message, "H264");
    summary = offer_summary(sdp);
    ck_assert_str_eq(summary, video_alone);
    ops->peer_close(inst, 7);
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

START_TEST(test_sound_in_a_format_opus_cannot_take_is_refused)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);

    host->audio_format = 7;
    ck_assert_ptr_null(fake_host_create(host, NULL, NULL));
    ck_assert_str_eq(host->error, "stream.webrtc: cannot send sound of format 7 at 48000 Hz with 2 channels "
                                  "(S16LE, 8000 to 192000 Hz, 1 or 2 channels)");
    fake_host_free(host);
}
END_TEST

START_TEST(test_mic_messages_out_of_order_or_malformed_are_refused)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_host *silent = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    gh_instance *quiet = fake_host_create(silent, NULL, NULL);
    const gh_stream_ops *ops = fake_host_factory()->stream;
    g_autofree char *offer = NULL;

    ck_assert_int_eq(ops->peer_open(inst, 2, 0), 0);
    ck_assert_int_eq(ops->peer_open(quiet, 2, 0), 0);
    assert_message_refused(inst, host, 2, "{\"type\":\"mic\",\"on\":true}", -EINVAL,
                           "stream.webrtc: mic: no offer was made yet (send hello first)");
    assert_message_refused(quiet, silent, 2, "{\"type\":\"mic\",\"on\":true}", -ENODEV,
                           "stream.webrtc: mic: this session has no sound, and no microphone to speak into");
    assert_message_refused(inst, host, 2, "{\"type\":\"mic\",\"on\":\"yes\"}", -EINVAL,
                           "stream.webrtc: mic: on must be true or false");
    ck_assert_int_eq(ops->peer_message(inst, 2, "{\"type\":\"hello\"}"), 0);
    offer = next_sent(host, 2);
    ck_assert_int_eq(ops->peer_message(inst, 2, "{\"type\":\"mic\",\"on\":true}"), 0);
    ck_assert_int_eq(ops->peer_message(inst, 2, "{\"type\":\"mic\",\"on\":false}"), 0);
    /* Four m-lines with sound: video, sound, microphone, data channel. */
    ck_assert_int_eq(ops->peer_message(inst, 2, "{\"type\":\"ice\",\"candidate\":\"\",\"sdpMLineIndex\":3}"), 0);
    assert_message_refused(inst, host, 2, "{\"type\":\"ice\",\"candidate\":\"c\",\"sdpMLineIndex\":4}", -EINVAL,
                           "stream.webrtc: ice: sdpMLineIndex must be a whole number from 0 to 3");
    fake_host_factory()->destroy(inst);
    fake_host_factory()->destroy(quiet);
    fake_host_free(host);
    fake_host_free(silent);
}
END_TEST

START_TEST(test_push_audio_takes_sound_before_any_connection_and_refuses_another_format)
{
    gh_host *host = fake_host_new_with_sound(48000, 2);
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_stream_ops *ops = fake_host_factory()->stream;
    g_autofree uint8_t *pcm = g_malloc0(1024 * 4);
    g_autofree char *offer = NULL;
    gh_audio_chunk chunk = {
        .struct_size = sizeof(gh_audio_chunk), .format = GH_AUDIO_S16LE, .rate = 48000, .channels = 2,
        .n_frames = 1024, .timestamp_ns = 1000, .data = pcm,
    };

    ck_assert_msg(inst, "%s", host->error);
    ck_assert_int_eq(ops->push_audio(inst, &chunk), 0);
    ck_assert_int_eq(ops->peer_open(inst, 1, GH_PEER_CONTROL), 0);
    ck_assert_int_eq(ops->peer_message(inst, 1, "{\"type\":\"hello\"}"), 0);
    offer = next_sent(host, 1);
    chunk.timestamp_ns += 21333333;
    ck_assert_int_eq(ops->push_audio(inst, &chunk), 0);
    chunk.n_frames = 0;
    ck_assert_int_eq(ops->push_audio(inst, &chunk), 0);
    chunk.n_frames = 1024;
    chunk.rate = 44100;
    ck_assert_int_eq(ops->push_audio(inst, &chunk), -EINVAL);
    ck_assert_str_eq(host->error, "stream.webrtc: push_audio: a chunk of format 1 at 44100 Hz with 2 channels, not "
                                  "the session's 48000 Hz with 2");
    ops->peer_close(inst, 1);
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

/* ---- picture and sound on one clock ------------------------------------------------ */

START_TEST(test_clock_maps_host_time_to_running_time_and_back)
{
    const int64_t offset = -250;
    const GstClockTime base = 5 * GST_SECOND;

    ck_assert_uint_eq(sw_clock_running(7 * GST_SECOND, offset, base), 2 * GST_SECOND - 250);
    ck_assert_uint_eq(sw_clock_host(2 * GST_SECOND - 250, offset, base), 7 * GST_SECOND);
}
END_TEST

START_TEST(test_clock_puts_a_time_before_the_pipeline_at_0)
{
    ck_assert_uint_eq(sw_clock_running(GST_SECOND, 0, 5 * GST_SECOND), 0);
}
END_TEST

START_TEST(test_frames_before_any_connection_are_taken)
{
    gh_host *host = fake_host_new();
    gh_instance *inst = fake_host_create(host, NULL, NULL);
    const gh_stream_ops *ops = fake_host_factory()->stream;
    g_autofree uint8_t *pixels = g_malloc0(64 * 4 * 48);
    g_autofree char *offer = NULL;
    gh_frame frame = {
        .struct_size = sizeof(gh_frame), .format = GH_FORMAT_BGRX8888, .width = 64, .height = 48,
        .stride = 64 * 4, .timestamp_ns = 1000, .frame_number = 1, .data = pixels,
    };

    ck_assert_int_eq(ops->push_frame(inst, &frame), 0);
    ck_assert_int_eq(ops->peer_open(inst, 1, GH_PEER_CONTROL), 0);
    ck_assert_int_eq(ops->peer_message(inst, 1, "{\"type\":\"hello\"}"), 0);
    offer = next_sent(host, 1);
    frame.timestamp_ns += 20000000;
    ck_assert_int_eq(ops->push_frame(inst, &frame), 0);
    frame.stride = 10;
    ck_assert_int_eq(ops->push_frame(inst, &frame), -EINVAL);
    ck_assert_str_eq(host->error, "stream.webrtc: cannot encode a 64x48 frame of format 1 with stride 10 "
                                  "(BGRX or RGBX, up to 16384x16384)");
    ops->peer_close(inst, 1);
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

/* ---- a viewer's frame queue ---------------------------------------------------------- */

/* appsrc ! fakesink whose streaming thread holds the first frame until
 * told, as an encoder busy with it would. */
typedef struct {
    GMutex lock;
    GCond cond;
    gboolean holding, release;
    GArray *pts;                 /* of the frames that came out, in frames */
} QueueSink;

static GstPadProbeReturn
queue_sink_on_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    QueueSink *q = data;
    guint64 n = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)) / GST_MSECOND;

    (void)pad;
    g_mutex_lock(&q->lock);
    g_array_append_val(q->pts, n);
    q->holding = TRUE;
    g_cond_broadcast(&q->cond);
    while (!q->release)
        g_cond_wait(&q->cond, &q->lock);
    g_mutex_unlock(&q->lock);
    return GST_PAD_PROBE_OK;
}

START_TEST(test_a_behind_viewer_keeps_the_two_newest_frames)
{
    g_autofree char *why = NULL;
    GstElement *pipeline, *src, *sink;
    g_autoptr(GstPad) pad = NULL;
    g_autoptr(GstCaps) caps = NULL;
    g_autofree uint8_t *pixels = g_malloc0(320 * 240 * 4);
    QueueSink q = { .pts = g_array_new(FALSE, FALSE, sizeof(guint64)) };
    const guint64 expected[] = { 1, 5, 6 };

    ck_assert_msg(gf_init_gst(&why) == 0, "%s", why);
    caps = gf_caps_new(GH_FORMAT_BGRX8888, 320, 240, 60);
    g_mutex_init(&q.lock);
    g_cond_init(&q.cond);
    pipeline = gst_pipeline_new(NULL);
    src = gst_element_factory_make("appsrc", NULL);
    sink = gst_element_factory_make("fakesink", NULL);
    g_object_set(sink, "sync", FALSE, NULL);
    gst_bin_add_many(GST_BIN(pipeline), src, sink, NULL);
    ck_assert(gst_element_link(src, sink));
    sw_peer_queue_setup(src);
    gst_app_src_set_caps(GST_APP_SRC(src), caps);
    pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, queue_sink_on_buffer, &q, NULL);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    /* A 320x240 frame is 307 kB: more than appsrc's default byte bound. */
    for (guint64 i = 1; i <= 6; i++) {
        GstBuffer *buf = gf_buffer_new(pixels, 320, 240, 320 * 4);

        GST_BUFFER_PTS(buf) = i * GST_MSECOND;
        ck_assert_int_eq(gst_app_src_push_buffer(GST_APP_SRC(src), buf), GST_FLOW_OK);
        g_mutex_lock(&q.lock);
        while (i == 1 && !q.holding)
            g_cond_wait(&q.cond, &q.lock);
        g_mutex_unlock(&q.lock);
    }
    ck_assert_uint_eq(gst_app_src_get_current_level_buffers(GST_APP_SRC(src)), 2);
    g_mutex_lock(&q.lock);
    q.release = TRUE;
    g_cond_broadcast(&q.cond);
    g_mutex_unlock(&q.lock);
    for (gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
         gst_app_src_get_current_level_buffers(GST_APP_SRC(src)) > 0 && g_get_monotonic_time() < end;)
        g_usleep(1000);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    ck_assert_uint_eq(q.pts->len, G_N_ELEMENTS(expected));
    for (guint i = 0; i < q.pts->len; i++)
        ck_assert_uint_eq(g_array_index(q.pts, guint64, i), expected[i]);
    gst_object_unref(pipeline);
    g_array_unref(q.pts);
    g_mutex_clear(&q.lock);
    g_cond_clear(&q.cond);
}
END_TEST

/* ---- liveness: a viewer that stopped answering ------------------------------ */

#define LIVE_S(n) ((uint64_t)(n) * G_GUINT64_CONSTANT(1000000000))

START_TEST(test_liveness_a_silent_viewer_is_lost_once_past_the_limit)
{
    sw_liveness l = { 0 };

    sw_liveness_start(&l, LIVE_S(100));
    ck_assert(!sw_liveness_lost(&l, LIVE_S(112), LIVE_S(12)));
    ck_assert(sw_liveness_lost(&l, LIVE_S(112) + 1, LIVE_S(12)));
    ck_assert(!sw_liveness_lost(&l, LIVE_S(130), LIVE_S(12)));
}
END_TEST

START_TEST(test_liveness_each_report_restarts_the_silence)
{
    sw_liveness l = { 0 };

    sw_liveness_start(&l, LIVE_S(100));
    for (int t = 101; t <= 160; t++) {
        sw_liveness_heard(&l, LIVE_S(t));
        ck_assert(!sw_liveness_lost(&l, LIVE_S(t) + LIVE_S(12), LIVE_S(12)));
    }
    ck_assert(sw_liveness_lost(&l, LIVE_S(173), LIVE_S(12)));
}
END_TEST

START_TEST(test_liveness_a_late_older_report_does_not_move_it_back)
{
    sw_liveness l = { 0 };

    sw_liveness_start(&l, LIVE_S(100));
    sw_liveness_heard(&l, LIVE_S(110));
    sw_liveness_heard(&l, LIVE_S(105));
    ck_assert(!sw_liveness_lost(&l, LIVE_S(121), LIVE_S(12)));
    ck_assert(sw_liveness_lost(&l, LIVE_S(123), LIVE_S(12)));
}
END_TEST

START_TEST(test_liveness_a_viewer_not_yet_connected_is_never_lost)
{
    sw_liveness l = { 0 };

    sw_liveness_heard(&l, LIVE_S(1));
    ck_assert(!sw_liveness_lost(&l, LIVE_S(1000), LIVE_S(12)));
}
END_TEST

START_TEST(test_liveness_a_reconnected_viewer_is_watched_afresh)
{
    sw_liveness l = { 0 };

    sw_liveness_start(&l, LIVE_S(100));
    ck_assert(sw_liveness_lost(&l, LIVE_S(113), LIVE_S(12)));
    sw_liveness_start(&l, LIVE_S(200));
    ck_assert(!sw_liveness_lost(&l, LIVE_S(205), LIVE_S(12)));
    ck_assert(sw_liveness_lost(&l, LIVE_S(213), LIVE_S(12)));
}
END_TEST

static Suite *
stream_webrtc_suite(void)
{
    Suite *s = suite_create("stream-webrtc");
    TCase *tc = tcase_create("signal-msg");

    tcase_add_test(tc, test_hello_with_codecs_lists_the_ones_we_encode);
    tcase_add_test(tc, test_hello_without_codecs_means_both_mandatory_ones);
    tcase_add_test(tc, test_hello_with_an_empty_list_has_no_codec);
    tcase_add_test(tc, test_answer_keeps_its_sdp);
    tcase_add_test(tc, test_ice_keeps_candidate_and_index);
    tcase_add_test(tc, test_ice_end_of_candidates_is_an_empty_string);
    tcase_add_test(tc, test_keyframe_needs_nothing_else);
    tcase_add_test(tc, test_mic_says_on_or_off);
    tcase_add_test(tc, test_mic_needs_on_as_a_boolean);
    tcase_add_test(tc, test_a_message_must_be_an_object);
    tcase_add_test(tc, test_a_message_needs_a_string_type);
    tcase_add_test(tc, test_an_unknown_type_is_named_when_printable);
    tcase_add_test(tc, test_hello_codecs_must_be_a_short_array_of_strings);
    tcase_add_test(tc, test_answer_needs_an_sdp_string);
    tcase_add_test(tc, test_ice_candidate_must_be_a_short_string);
    tcase_add_test(tc, test_ice_index_must_name_an_mline_of_the_offer);
    tcase_add_test(tc, test_h264_is_preferred_when_both_sides_have_it);
    tcase_add_test(tc, test_vp8_when_either_side_lacks_h264);
    tcase_add_test(tc, test_no_codec_in_common_names_what_the_host_sends);
    tcase_add_test(tc, test_offer_and_ice_messages_are_escaped_json);
    tcase_add_test(tc, test_error_messages_are_escaped_json);
    suite_add_tcase(s, tc);

    tc = tcase_create("playout-delay");
    tcase_add_test(tc, test_playout_delay_0_0_is_three_zero_bytes);
    tcase_add_test(tc, test_playout_delay_packs_12_bit_min_then_max);
    tcase_add_test(tc, test_playout_delay_names_its_uri_and_size);
    suite_add_tcase(s, tc);

    tc = tcase_create("clock");
    tcase_add_test(tc, test_clock_maps_host_time_to_running_time_and_back);
    tcase_add_test(tc, test_clock_puts_a_time_before_the_pipeline_at_0);
    suite_add_tcase(s, tc);

    tc = tcase_create("liveness");
    tcase_add_test(tc, test_liveness_a_silent_viewer_is_lost_once_past_the_limit);
    tcase_add_test(tc, test_liveness_each_report_restarts_the_silence);
    tcase_add_test(tc, test_liveness_a_late_older_report_does_not_move_it_back);
    tcase_add_test(tc, test_liveness_a_viewer_not_yet_connected_is_never_lost);
    tcase_add_test(tc, test_liveness_a_reconnected_viewer_is_watched_afresh);
    suite_add_tcase(s, tc);

    tc = tcase_create("latency");
    tcase_add_test(tc, test_latency_waits_for_the_frame_showing_the_events_then_its_first_packet);
    tcase_add_test(tc, test_latency_target_counts_from_the_last_frame_seen);
    tcase_add_test(tc, test_latency_forgets_the_oldest_beyond_256_pending);
    suite_add_tcase(s, tc);

    tc = tcase_create("pacer");
    tcase_add_test(tc, test_pacer_keeps_every_frame_of_a_jittery_source_at_its_own_rate);
    tcase_add_test(tc, test_pacer_thins_a_faster_source_evenly);
    tcase_add_test(tc, test_pacer_restarts_after_a_gap_without_a_burst);
    suite_add_tcase(s, tc);

    tc = tcase_create("converter");
    tcase_add_test(tc, test_converter_makes_limited_range_bt601_i420_of_a_padded_bgrx_frame);
    tcase_add_test(tc, test_converter_reads_rgbx_in_its_own_order);
    tcase_add_test(tc, test_converter_uses_bt709_for_hd_frames);
    tcase_add_test(tc, test_converter_matches_videoconvert_as_the_pipeline_had_it);
    tcase_add_test(tc, test_converter_follows_a_change_of_size);
    suite_add_tcase(s, tc);

    tc = tcase_create("backend");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_plugin_descriptor);
    tcase_add_test(tc, test_numeric_options_are_bounded);
    tcase_add_test(tc, test_servers_must_be_urls_of_their_scheme);
    tcase_add_test(tc, test_latency_log_is_a_plain_name_in_the_session_dir);
    tcase_add_test(tc, test_audio_latency_log_is_a_plain_name_in_the_session_dir);
    tcase_add_test(tc, test_audio_latency_log_is_created_in_the_session_dir);
    tcase_add_test(tc, test_a_host_without_signaling_is_refused);
    tcase_add_test(tc, test_good_options_are_taken);
    tcase_add_test(tc, test_playout_delay_is_on_or_off);
    tcase_add_test(tc, test_offer_asks_for_playout_delay_by_default);
    tcase_add_test(tc, test_offer_without_playout_delay_when_off);
    tcase_add_test(tc, test_offer_with_sound_leaves_playout_delay_off_by_default);
    tcase_add_test(tc, test_hello_with_h264_gets_an_h264_offer_with_a_data_channel);
    tcase_add_test(tc, test_hello_with_vp8_only_gets_a_vp8_offer);
    tcase_add_test(tc, test_viewers_are_not_limited_by_the_plugin);
    tcase_add_test(tc, test_messages_out_of_order_or_malformed_are_refused);
    tcase_add_test(tc, test_frames_before_any_connection_are_taken);
    tcase_add_test(tc, test_a_behind_viewer_keeps_the_two_newest_frames);
    suite_add_tcase(s, tc);

    tc = tcase_create("backend-sound");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_offer_with_sound_adds_the_sound_and_the_microphone_in_the_bundle);
    tcase_add_test(tc, test_offer_of_mono_sound_does_not_say_stereo);
    tcase_add_test(tc, test_offer_without_sound_is_the_picture_alone);
    tcase_add_test(tc, test_offer_from_a_host_before_sound_is_the_picture_alone);
    tcase_add_test(tc, test_sound_in_a_format_opus_cannot_take_is_refused);
    tcase_add_test(tc, test_mic_messages_out_of_order_or_malformed_are_refused);
    tcase_add_test(tc, test_push_audio_takes_sound_before_any_connection_and_refuses_another_format);
    suite_add_tcase(s, tc);

    /* test_stream_webrtc_audio.c: audio.c's pieces. */
    stream_webrtc_audio_tcases(s);
    /* test_stream_webrtc_pads.c: game pad feedback. */
    stream_webrtc_pads_tcases(s);

    return s;
}

int
main(void)
{
    return gh_test_run(stream_webrtc_suite());
}
