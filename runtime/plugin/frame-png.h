/* frame-png: a frame (gh_frame, BGRX or RGBX) encoded as PNG with libpng.
 * Used for on-demand frames (GET /v1/sessions/{id}/frame); the encoding runs
 * in the thread that asked, never on the main loop or the pipeline thread. */
#pragma once

#include <glib.h>
#include <gamehost/plugin.h>

/* An 8-bit RGB PNG of the frame.  NULL with G_IO_ERROR_INVALID_ARGUMENT for
 * an unknown format, a zero or oversized size or a short stride, and with
 * G_IO_ERROR_FAILED when libpng fails. */
GBytes *gh_frame_png_encode(const gh_frame *frame, GError **error);
