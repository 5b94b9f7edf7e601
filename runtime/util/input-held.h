/* input-held: what one player holds down through its input events (keys,
 * mouse buttons, pad buttons, pad axes away from 0), so that the host can
 * release it all when that player leaves or loses control.  Plain data: the
 * caller serialises access (the session's players keep it under their lock). */
#pragma once

#include <glib.h>
#include <gamehost/input.h>

/* Controls tracked at most: more held at once is no real player (every
 * code the input JSON names fits); further presses are then not tracked. */
#define GH_INPUT_HELD_MAX 1024u

typedef struct GhInputHeld GhInputHeld;

GhInputHeld *gh_input_held_new(void);
GhInputHeld *gh_input_held_free(GhInputHeld *held);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhInputHeld, gh_input_held_free)

/* Notes events in order: a press (or an axis away from 0) is held until its
 * release (or the axis back at 0).  Relative motion, absolute position and
 * touch hold nothing. */
void gh_input_held_note(GhInputHeld *held, const gh_input_event *events, guint n);
guint gh_input_held_count(GhInputHeld *held);
/* The events that release everything held (value 0: keys and buttons up,
 * axes centred), ordered by type, device and code, with timestamp 0; then
 * nothing is held.  An empty array when nothing was. */
GArray *gh_input_held_release(GhInputHeld *held);
