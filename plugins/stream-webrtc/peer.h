/* peer: one viewer of stream.webrtc, its own GStreamer pipeline
 *   appsrc ! x264enc|vp8enc ! rtph264pay|rtpvp8pay ! webrtcbin
 * (the payloader writing the playout-delay extension when configured)
 * with an ordered data channel "input", so codec, rate control and
 * keyframes are the viewer's own.  A session with sound adds the game's
 * sound as Opus and takes the player's microphone (peer-audio.c, audio.h).
 * Signaling goes out through the host's signal_send, data channel text
 * through peer_input, the microphone through mic_push.  webrtcbin calls
 * back on its own threads: after sw_peer_detach nothing reaches the host. */
#pragma once

#include <stdint.h>

#include <gst/gst.h>
#include <gamehost/plugin.h>

#include "audio.h"
#include "audio-latency.h"
#include "latency.h"

/* The offer's m-lines: video, then the data channel (one bundle); with
 * sound, video, the game's sound, the player's microphone, then the data
 * channel. */
#define SW_PEER_MLINES       2u
#define SW_PEER_MLINES_AUDIO 4u

typedef struct sw_peer sw_peer;

typedef struct {
    gh_host *host;
    const gh_host_services *svc; /* outlives the peer */
    uint32_t id;
    uint32_t codec;              /* SW_CODEC_* */
    uint32_t fps, bitrate_kbps;
    const char *stun_server, *turn_server; /* NULL: none */
    sw_latency *latency;         /* NULL: no log; outlives the peer */
    sw_audio_latency *audio_latency; /* NULL: no log; outlives the peer */
    gboolean playout_delay;      /* offer playout-delay 0/0 (playout-delay.h) */
    const sw_audio_format *audio; /* NULL: the session has no sound */
} sw_peer_config;

/* 0 when the elements every peer needs are installed, else -ENOENT and the
 * missing one with its Debian package (*error_msg, g_free). */
int sw_peer_check_elements(char **error_msg);
/* The codecs (SW_CODEC_*) whose encoder and payloader are installed. */
uint32_t sw_peer_codecs_available(void);

/* Builds and starts the peer's pipeline and asks webrtcbin for an offer,
 * sent to the peer when ready.  NULL with *error_msg (g_free). */
sw_peer *sw_peer_new(const sw_peer_config *config, char **error_msg);
/* The browser's answer: -EINVAL with *error_msg when it is not SDP or not
 * an answer to this offer (the state is webrtcbin's). */
int sw_peer_answer(sw_peer *peer, const char *sdp, char **error_msg);
/* A remote candidate; "" (end of candidates) is taken and ignored. */
void sw_peer_add_ice(sw_peer *peer, uint32_t mline, const char *candidate);
/* Asks the encoder for a keyframe. */
void sw_peer_keyframe(sw_peer *peer);
/* Pipeline thread: a ref of buf (the frame's one copy, raw caps, captured
 * at capture_ns on the host's clock) for the peer's appsrc; never blocks,
 * drops (and counts) when the peer is behind.  mark: tag it in the latency
 * log. */
void sw_peer_push(sw_peer *peer, GstBuffer *buf, GstCaps *caps, uint64_t capture_ns, gboolean mark);
/* The audio backend's thread, beside sw_peer_push: the game's sound (buf,
 * the chunk's PCM shared by every viewer; the chunk's first frame captured
 * at capture_ns), for a peer with sound; never blocks, drops the oldest
 * when the peer's encoder is behind. */
void sw_peer_push_audio(sw_peer *peer, GstBuffer *buf, uint64_t capture_ns, uint64_t duration_ns);
/* Main thread: the player's {"type":"mic","on":…}. */
void sw_peer_mic(sw_peer *peer, gboolean on);
/* Sets up a viewer's raw-frame queue (an appsrc, before it starts): live,
 * at most two frames, the oldest dropped when a third comes. */
void sw_peer_queue_setup(GstElement *appsrc);
/* Main thread (a timer, so that a session whose capture is idle still
 * notices): a streaming viewer silent for longer than liveness.h allows is
 * failed through the host's peer_close, and its frames stop. */
void sw_peer_check_alive(sw_peer *peer);
/* Whether frames go in: the viewer is connected. */
gboolean sw_peer_streaming(sw_peer *peer);
/* Main thread: no more host calls from the peer's callbacks. */
void sw_peer_detach(sw_peer *peer);
/* Any thread but the peer's own: stops the pipeline (waits for its
 * threads), logs the counters and frees; NULL-safe, returns NULL. */
sw_peer *sw_peer_free(sw_peer *peer);

/* The one mapping between the host's monotonic clock (capture times of
 * frames and chunks, now_ns) and a pipeline's running time, for picture,
 * sound and microphone alike.  offset: the pipeline's clock minus the
 * host's; base_time: the pipeline's.  A time before the pipeline started
 * runs at 0. */
GstClockTime sw_clock_running(uint64_t host_ns, int64_t offset, GstClockTime base_time);
uint64_t sw_clock_host(GstClockTime running, int64_t offset, GstClockTime base_time);
