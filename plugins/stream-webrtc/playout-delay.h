/* playout-delay: the RTP header extension
 * http://www.webrtc.org/experiments/rtp-hdrext/playout-delay, written by the
 * video payloader.  With min = max = 0 it asks the browser to show each frame
 * as soon as it is decoded, bypassing the video jitter buffer's delay. */
#pragma once

#include <glib.h>

#include <gst/rtp/gstrtphdrext.h>

#define SW_PLAYOUT_DELAY_URI "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"
/* Its bytes: 12-bit min then 12-bit max delay, in 10 ms units. */
#define SW_PLAYOUT_DELAY_SIZE 3u
#define SW_PLAYOUT_DELAY_MAX  4095u

GType sw_playout_delay_get_type(void);
/* A new (floating) extension asking for a delay of min_10ms to max_10ms
 * (each at most SW_PLAYOUT_DELAY_MAX, min <= max), id unset. */
GstRTPHeaderExtension *sw_playout_delay_new(guint min_10ms, guint max_10ms);
