/* timeline: when things happen in a recording.  One origin, the capture
 * time of the first frame, maps the host's monotonic clock to the file's
 * time for picture and sound alike (sr_timeline_pts), so that a sound and
 * the frame drawn at the same host time line up in the file.  The sound
 * track is kept whole from that origin: sr_timeline_place says where a
 * chunk goes, what of it to cut and what silence to put before it;
 * sr_timeline_fill gives the silence while no chunk comes.  Plain
 * arithmetic, no GStreamer; the caller serialises the calls. */
#pragma once

#include <stdint.h>

/* How far a chunk's own time may stray from the end of the track before it
 * is moved there (silence put before it, or its overlap cut): within it,
 * chunks join end to end, so the backend's jitter never becomes a click.
 * GstAudioEncoder's default tolerance, which stream-webrtc's Opus uses too:
 * the file's sound keeps the same sync as the live stream's. */
#define SR_TIMELINE_TOLERANCE_NS (40u * 1000u * 1000u)

typedef struct {
    uint64_t origin_ns;      /* host time of the file's 0 */
    uint32_t rate;           /* sound frames per second; 0: no sound */
    uint32_t placed;         /* a chunk has been placed: later ones join it */
    uint64_t written;        /* sound frames placed from the origin: the track's end */
} sr_timeline;

/* Where a chunk goes: `silence` frames of silence from frame `at`, then
 * the chunk's frames from `skip` on, `keep` of them. */
typedef struct {
    uint64_t at, silence;
    uint32_t skip, keep;
} sr_place;

/* Starts the file's time at host time origin_ns, with sound at rate (0:
 * none). */
void sr_timeline_start(sr_timeline *t, uint64_t origin_ns, uint32_t rate);
/* The file time of host time host_ns: nanoseconds since the origin,
 * negative before it. */
int64_t sr_timeline_pts(const sr_timeline *t, uint64_t host_ns);
/* The file time of sound frame `frame` (counted from the origin). */
uint64_t sr_timeline_frame_pts(const sr_timeline *t, uint64_t frame);
/* Places a chunk of n_frames whose first frame was captured at host_ns, and
 * moves the track's end past it.  The first chunk goes exactly at its
 * time; a later one joins the track's end unless it strays more than
 * SR_TIMELINE_TOLERANCE_NS from it.  What lies before the track's end (or
 * before the origin) is cut: keep is 0 for a chunk that is all late. */
void sr_timeline_place(sr_timeline *t, uint64_t host_ns, uint32_t n_frames, sr_place *place);
/* The silence that brings the track's end up to file time pts_ns: its
 * frames, from *at; 0 when the track already reaches it. */
uint64_t sr_timeline_fill(sr_timeline *t, int64_t pts_ns, uint64_t *at);
