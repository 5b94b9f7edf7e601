/* peer-internal: what the two halves of a viewer share, peer.c (the
 * pipeline, signaling, the picture) and peer-audio.c (the game's sound and
 * the player's microphone): the struct and the helpers that reach the
 * host.  Nothing else includes it. */
#pragma once

#include <stdatomic.h>
#include <stdint.h>

#define GST_USE_UNSTABLE_API /* GstWebRTCDataChannel: stable in use, marked unstable in 1.22 */
#include <gst/webrtc/webrtc.h>

#include "audio.h"
#include "liveness.h"
#include "peer.h"

#define SW_TIMING_SLOTS 8u

typedef struct {
    uint64_t pts, t;
} sw_timing;

struct sw_peer {
    gint refs;
    gint detached;               /* atomic: no more host calls */
    gint offer_sent;             /* atomic */
    gint streaming;              /* atomic: connected, frames go in */
    gh_host *host;
    const gh_host_services *svc;
    uint32_t id, codec, fps;
    gboolean playout_delay;
    sw_latency *latency;
    sw_audio_latency *audio_latency;
    GstElement *pipeline;        /* the elements below are owned by it */
    GstElement *src, *enc, *webrtc;
    GstWebRTCDataChannel *channel;
    GstCaps *caps;               /* pipeline thread: the appsrc's caps */
    gboolean have_slot;          /* pipeline thread: the latest pts, in frames */
    guint64 last_slot;
    /* The pipeline's clock (the system clock, monotonic) minus the host's
     * now_ns, measured once: sw_clock_running/sw_clock_host. */
    int64_t clock_offset;
    /* Encoder timing, appsrc's streaming thread only. */
    sw_timing timing[SW_TIMING_SLOTS];
    uint32_t timing_next;
    uint64_t first_in_pts;
    /* x264enc shifts every output pts by a constant (GstVideoEncoder's
     * min-pts, 1000 h); learnt from the first frame out, taken off before
     * matching.  Written and read on the encoder's output thread only. */
    gboolean shift_known;
    uint64_t pts_shift;
    /* appsrc says nothing when it drops: a frame pushed that never reached
     * the encoder was dropped (or was still queued when the viewer left). */
    _Atomic uint64_t frames_pushed, frames_encoder_in;
    _Atomic uint64_t frames_sent, encode_ns_total, input_refused;
    uint64_t last_refusal_log_ns;    /* the data channel's thread only */
    sw_liveness liveness;        /* the viewer's RTCP, from connected on */
    /* Sound (peer-audio.c), when the session has it. */
    gboolean has_audio;
    sw_audio_format audio;
    GstElement *audio_src;       /* the game's sound goes in here */
    GstWebRTCRTPTransceiver *mic_trans; /* webrtcbin's, compared only */
    _Atomic uint64_t audio_chunks_pushed;
    sw_mic_gate mic;
};

/* References (peer.c): one per callback that webrtcbin's threads may run. */
sw_peer *sw_peer_ref(sw_peer *peer);
void sw_peer_unref(gpointer peer);
void sw_peer_unref_closure(gpointer peer, GClosure *closure);
/* FALSE once detached: no more host calls. */
gboolean sw_peer_attached(sw_peer *peer);
/* The host's monotonic clock. */
uint64_t sw_now(sw_peer *peer);
void sw_log(sw_peer *peer, uint32_t level, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* One signaling message to the viewer, while attached. */
void sw_send(sw_peer *peer, const char *message);

/* peer-audio.c: the sound's branches of the viewer's pipeline, built by
 * sw_build once the video's is (the m-lines come in the order of their
 * transceivers: video, sound, microphone, then the data channel). */
gboolean sw_peer_audio_build(sw_peer *peer, char **error_msg);
/* Its counters for the log line of a viewer that left. */
void sw_peer_audio_log(sw_peer *peer);
