/* audio-latency: the sound's host latency log of stream.webrtc (option
 * audio_latency_log), a benchmark hook beside latency.h's for the picture.
 * One CSV line per chunk of the game's sound:  t_received_ns,t_sent_ns
 * t_received: when the audio backend received it from the VM (the chunk's
 * timestamp plus its duration: audio.dbus stamps a chunk with its arrival
 * minus its length); t_sent: the first RTP packet carrying any of its
 * samples reached webrtcbin (any viewer's).  CLOCK_MONOTONIC, any thread;
 * the chunks waiting are bounded. */
#pragma once

#include <stdint.h>

#include "bench-log.h"

typedef struct sw_audio_latency sw_audio_latency;

/* Writes to log, which it owns from now on (NULL: writes nothing). */
sw_audio_latency *sw_audio_latency_new(BenchLog *log);
/* Closes the file; NULL-safe, returns NULL. */
sw_audio_latency *sw_audio_latency_free(sw_audio_latency *lat);

/* A chunk of the sound from start_ns to start_ns + duration_ns (host
 * times of its samples) was pushed. */
void sw_audio_latency_chunk(sw_audio_latency *lat, uint64_t start_ns, uint64_t duration_ns);
/* An RTP packet whose samples run from start_ns to start_ns + duration_ns
 * reached webrtcbin at t_sent_ns: writes the lines of the chunks it is the
 * first to carry, and forgets the chunks that ended before it began (no
 * packet carried them: pushed before any viewer streamed, or dropped). */
void sw_audio_latency_sent(sw_audio_latency *lat, uint64_t start_ns, uint64_t duration_ns, uint64_t t_sent_ns);

/* Lines written, and chunks given up on (never carried, or over the bound). */
uint64_t sw_audio_latency_written(sw_audio_latency *lat);
uint64_t sw_audio_latency_lost(sw_audio_latency *lat);
