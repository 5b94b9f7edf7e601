/* audio: the sound of stream.webrtc as GStreamer pieces, apart from any
 * viewer (peer-audio.c ties them to one): the game's PCM to Opus RTP, the
 * player's Opus RTP back to PCM in the session's format, and the gate that
 * keeps a player's microphone out of the game until the player turns it
 * on.  No host calls; the gate is safe from any thread. */
#pragma once

#include <stdatomic.h>
#include <stdint.h>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gamehost/plugin.h>

/* RTP payload types.  The game's sound takes Opus's usual number; the
 * microphone another, so that the one stream we receive is told apart by
 * its type alone (both m-lines are in one bundle). */
#define SW_AUDIO_PT 111
#define SW_MIC_PT   112
/* Opus on RTP always counts 48 kHz (RFC 7587), whatever was encoded. */
#define SW_OPUS_RATE 48000u
/* 10 ms a packet: 480 RTP ticks; the encoder holds back at most 10 ms plus
 * its 2.5 ms look-ahead (restricted-lowdelay), where Opus's default 20 ms
 * with the generic mode's 6.5 ms would add 14 ms to every sound. */
#define SW_OPUS_FRAME_MS 10u
/* 48 kbit/s a channel, constant: 96 kbit/s stereo is transparent for game
 * music and effects in Opus's CELT mode, and about 2 % of the default video
 * rate (4000 kbit/s); CBR keeps packets one size, which the send pacing of a
 * stream sized for video takes without bursts. */
#define SW_OPUS_BITRATE_PER_CHANNEL 48000u
/* The game's sound waiting for a behind encoder: chunks, the oldest
 * dropped (about 107 ms of 1024-frame chunks at 48 kHz). */
#define SW_AUDIO_QUEUE_CHUNKS 5u
/* The jitter buffer of the player's microphone (webrtcbin's is 200 ms):
 * the player hears the game, not themselves, so a word arriving 60 ms
 * later than it might costs nothing, and one arriving 200 ms later makes a
 * voice chat in the game awkward. */
#define SW_MIC_LATENCY_MS 60u

/* The PCM the session's audio backend delivers (host->audio_format):
 * always S16LE, interleaved. */
typedef struct {
    uint32_t rate, channels;
} sw_audio_format;

/* 0 when the elements of both branches are installed, else -ENOENT and
 * the first missing one with its Debian package (*error_msg, g_free). */
int sw_audio_check_elements(char **error_msg);

/* The game's branch, added to bin:
 *   appsrc ! [audioconvert ! audioresample !] opusenc ! rtpopuspay
 * (the converters only for a rate other than 48 kHz); *src takes buffers of
 * fmt's PCM with running-time timestamps, *pay gives RTP of type
 * SW_AUDIO_PT.  FALSE with *error_msg (g_free). */
gboolean sw_audio_sender_build(GstBin *bin, const sw_audio_format *fmt, GstElement **src, GstElement **pay,
                               char **error_msg);
/* The codec preferences of the game's transceiver: Opus at SW_AUDIO_PT,
 * marked stereo when fmt is (a caller's ref). */
GstCaps *sw_audio_sender_prefs(const sw_audio_format *fmt);
/* Names the offer's sent picture and sound (its sendonly video and audio
 * m-lines) tracks of one MediaStream, "a=msid:gamehost video|audio": a
 * browser keeps the tracks of one stream in sync (lip sync) and tracks of
 * none apart.  webrtcbin 1.22 writes a stream only beside an SSRC, which
 * an offer made before the first frame has none of.  In place, before
 * webrtcbin takes the offer as its local description. */
void sw_audio_offer_streams(GstSDPMessage *sdp);
/* A new buffer holding a copy of the chunk's PCM (n_frames >= 1). */
GstBuffer *sw_audio_buffer_new(const gh_audio_chunk *chunk);

/* The microphone's codec preferences: Opus at SW_MIC_PT (a caller's ref). */
GstCaps *sw_audio_mic_prefs(void);
/* The microphone's branch, added to bin:
 *   rtpopusdepay ! opusdec ! audioconvert ! audioresample ! capsfilter ! appsink
 * ending in fmt's PCM, each element brought to bin's state; *first takes
 * the RTP, *sink is the appsink (not synchronised, its callbacks the
 * caller's).  FALSE with *error_msg. */
gboolean sw_audio_mic_build(GstBin *bin, const sw_audio_format *fmt, GstElement **first, GstElement **sink,
                            char **error_msg);

/* ---- the microphone's gate --------------------------------------------------
 *
 * Audio from a player goes to the VM only while the player has said
 * {"type":"mic","on":true}; the rest is dropped and counted.  A player
 * hears of each kind of refusal once per time it turns the microphone on
 * (and once before it ever does), never once a packet.  Audio that arrives
 * within SW_MIC_GRACE_NS of "on":false was in flight when the player said
 * it and is dropped without a word.  Zero-initialise: off. */
#define SW_MIC_GRACE_NS (1000u * G_GUINT64_CONSTANT(1000000))

typedef enum {
    SW_MIC_PASS,                 /* hand it to the host's mic_push */
    SW_MIC_DROP,                 /* off: dropped */
    SW_MIC_DROP_TELL,            /* off: dropped, and tell the player SW_MIC_OFF_MESSAGE */
} sw_mic_verdict;

typedef struct {
    atomic_int on;
    _Atomic uint64_t off_at_ns;  /* when it last went off; 0: never on */
    atomic_uint told;            /* the refusals the player has heard of since */
    _Atomic uint64_t frames_taken, frames_off, frames_refused;
} sw_mic_gate;

/* The player's switch (main thread); turning it on re-arms every notice. */
void sw_mic_gate_set(sw_mic_gate *gate, gboolean on, uint64_t now_ns);
/* n_frames arrived at now_ns: pass them on or drop them (counted). */
sw_mic_verdict sw_mic_gate_admit(sw_mic_gate *gate, uint32_t n_frames, uint64_t now_ns);
/* What mic_push answered for n_frames: the frames it took (rc >= 0) or
 * refused (rc < 0) are counted; TRUE when the player should hear of this
 * refusal (sw_mic_refusal(rc)), the first of its kind. */
gboolean sw_mic_gate_result(sw_mic_gate *gate, int rc, uint32_t n_frames);
/* What the player is told of audio while the microphone is off, and of a
 * refusal by mic_push: its -EPERM and -ENODEV in words, else the error's
 * name (static strings). */
#define SW_MIC_OFF_MESSAGE "microphone audio received but the player has not turned the microphone on"
const char *sw_mic_refusal(int rc);
