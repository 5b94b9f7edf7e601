/* pad-keys: a session's pads played as keys, for a guest with no USB to see
 * a pad on (the profile's <pad-keys>, conf/catalog.h GhPadKey).  Owns the
 * per-session state: what each pad holds and how many holders each key has.
 * The pipeline owns one per session and uses it on the main thread only,
 * where input is delivered. */
#pragma once

#include <glib.h>
#include <gamehost/input.h>
#include "conf/catalog.h"

typedef struct GhPadKeys GhPadKeys;

/* map: GhPadKey, copied; NULL or empty gives NULL (nothing to map). */
GhPadKeys *gh_pad_keys_new(const GArray *map);
GhPadKeys *gh_pad_keys_free(GhPadKeys *pk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhPadKeys, gh_pad_keys_free)

/* Takes ev when it is the mapping's: a button or axis it maps, or a pad
 * connect (GH_INPUT_PAD_CONNECT), of pad 0..GH_INPUT_MAX_PADS-1.  Then the
 * key events it causes (none, one, or a release and a press) are appended
 * to keys (gh_input_event, with ev's timestamp) and it returns TRUE.
 * FALSE for any other event (keys untouched): the caller sends it on as it
 * is, and a backend without pads refuses it as today.
 *
 * A button's press and release press and release its key.  An axis presses
 * a key at half its range or more (|value| >= 16384 for a stick, >= 128 for
 * a trigger) and releases it back under a quarter (8192, 64), so a stick
 * resting near the threshold does not chatter; a stick thrown across
 * releases one key, then presses the other.  A pad that goes (connect 0)
 * lets go of all it holds.  A key is down while any control of any pad
 * holds it: it is pressed when the first takes it and released when the
 * last lets go. */
gboolean gh_pad_keys_translate(GhPadKeys *pk, const gh_input_event *ev, GArray *keys);
