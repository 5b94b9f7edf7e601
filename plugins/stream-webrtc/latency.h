/* latency: the input-to-send log of stream.webrtc (option latency_log), a
 * benchmark hook.  One CSV line per input message that the host took:
 *   t_input_ns,t_frame_ns,t_sent_ns,encode_ns
 * t_input: the data channel message arrived; t_frame: push_frame of the
 * first frame whose input_events reached the message's target (the events
 * the guest had applied before, plus the ones the message queued); t_sent:
 * that frame's first RTP packet reached webrtcbin; encode: that frame's
 * time in the encoder.  Any thread; the pending messages are bounded. */
#pragma once

#include <stdint.h>

#include "bench-log.h"

typedef struct sw_latency sw_latency;

/* Writes to log, which it owns from now on (NULL: writes nothing). */
sw_latency *sw_latency_new(BenchLog *log);
/* Closes the file; NULL-safe, returns NULL. */
sw_latency *sw_latency_free(sw_latency *lat);

/* Peer's message arrived at t_input_ns and the host queued n_events of it
 * (n_events <= 0: refused, not logged). */
void sw_latency_input(sw_latency *lat, uint32_t peer, uint64_t t_input_ns, int n_events);
/* A frame pushed at t_frame_ns showing input_events applied.  Returns the
 * peer whose messages it completes (then tag that peer's copy), or 0. */
uint32_t sw_latency_frame(sw_latency *lat, uint64_t input_events, uint64_t t_frame_ns);
/* The frame just completed goes to peer with this pts. */
void sw_latency_tag(sw_latency *lat, uint32_t peer, uint64_t pts);
/* Peer's frame pts spent encode_ns in the encoder. */
void sw_latency_encoded(sw_latency *lat, uint32_t peer, uint64_t pts, uint64_t encode_ns);
/* Peer's frame pts left at t_sent_ns: writes its lines. */
void sw_latency_sent(sw_latency *lat, uint32_t peer, uint64_t pts, uint64_t t_sent_ns);

/* Lines written, and messages given up on (their frame never went out). */
uint64_t sw_latency_written(sw_latency *lat);
uint64_t sw_latency_lost(sw_latency *lat);
