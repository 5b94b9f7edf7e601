/* signal-msg: the stream.webrtc half of the signaling protocol
 * (docs/player.md): messages from the browser parsed and checked, the
 * codec picked from what it decodes, and the server's messages built.
 * Pure: JSON in, JSON out, no GStreamer; errors are -EINVAL plus a message
 * meant for the player. */
#pragma once

#include <stdint.h>

#include <glib.h>

typedef enum {
    SW_MSG_HELLO,
    SW_MSG_ANSWER,
    SW_MSG_ICE,
    SW_MSG_KEYFRAME,
    SW_MSG_MIC,
} sw_msg_type;

/* Codecs, as bits of a set. */
#define SW_CODEC_H264 1u
#define SW_CODEC_VP8  2u

/* Bounds on what a browser may send. */
#define SW_CODECS_MAX    32u
#define SW_CANDIDATE_MAX 1024u

typedef struct {
    sw_msg_type type;
    uint32_t codecs;             /* hello: SW_CODEC_* the browser decodes */
    char *sdp;                   /* answer */
    char *candidate;             /* ice; "" is the end of the candidates */
    uint32_t mline;              /* ice: sdpMLineIndex */
    gboolean on;                 /* mic: the player lets its microphone be heard */
} sw_msg;

/* Parses one message; n_mlines bounds an ice sdpMLineIndex (the m-lines of
 * the offer).  0 and *msg to sw_msg_clear, or -EINVAL and *error (g_free). */
int sw_msg_parse(const char *text, uint32_t n_mlines, sw_msg *msg, char **error);
void sw_msg_clear(sw_msg *msg);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sw_msg, sw_msg_clear)

/* The codec to send: H264 when the browser decodes it and the host can
 * encode it (available, a set), else VP8 likewise.  -EINVAL and *error
 * when there is none in common. */
int sw_codec_choose(uint32_t browser, uint32_t available, uint32_t *codec, char **error);
/* "H264" or "VP8": the SDP encoding name, and the name in messages. */
const char *sw_codec_name(uint32_t codec);

/* {"type":"offer","sdp":…,"codec":…} and {"type":"ice",…}, g_free. */
char *sw_msg_offer(const char *sdp, uint32_t codec);
char *sw_msg_ice(const char *candidate, uint32_t mline);
/* {"type":"error","message":…}, g_free: what the backend tells a player on
 * its own (the host words the replies to refused messages). */
char *sw_msg_error(const char *message);
/* Game pads (ABI 1.4), g_free: {"type":"rumble","pad":N,"strong":S,"weak":W}
 * (strengths 0..65535, 0 and 0 stop the motors), and
 * {"type":"pad","pad":N,"attached":true|false,"led":L} (the guest's last
 * LED command; null before any: led < 0). */
char *sw_msg_rumble(uint32_t pad, uint32_t strong, uint32_t weak);
char *sw_msg_pad(uint32_t pad, gboolean attached, int32_t led);
