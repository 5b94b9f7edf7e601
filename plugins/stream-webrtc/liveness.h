/* liveness: whether a viewer still answers.  webrtcbin 1.22 and libnice do
 * not check ICE consent freshness (RFC 7675), so a browser that vanished
 * (crashed, lost its network) stays "connected" to them for ever; its RTCP
 * (a receiver report at least once a second) is the sign of life instead.
 * Any thread: the fields are atomics. */
#pragma once

#include <stdatomic.h>
#include <stdint.h>

#include <glib.h>

/* How long a streaming viewer may stay silent.  A dozen missed reports: no
 * loss burst or stall of a busy host comes near it, while the page rides
 * out a short outage (Chromium marks ICE disconnected after a few seconds
 * and the page waits 6 s more, docs/player.md) without losing control; a
 * dead viewer hands control on and stops its encoder within about 12 s,
 * before Chromium itself would call the connection failed. */
#define SW_LIVENESS_SILENCE_S  12
#define SW_LIVENESS_SILENCE_NS ((uint64_t)SW_LIVENESS_SILENCE_S * G_GUINT64_CONSTANT(1000000000))

typedef struct {
    _Atomic uint64_t last_ns;    /* 0: not watched yet */
    atomic_int lost;             /* reported once */
} sw_liveness;

/* Starts watching at now (the viewer connected): silence counts from here. */
void sw_liveness_start(sw_liveness *l, uint64_t now_ns);
/* The viewer was heard from at now; before start, ignored. */
void sw_liveness_heard(sw_liveness *l, uint64_t now_ns);
/* TRUE exactly once: on the first call that finds the watched viewer silent
 * for more than limit_ns. */
gboolean sw_liveness_lost(sw_liveness *l, uint64_t now_ns, uint64_t limit_ns);
