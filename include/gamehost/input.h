/* SPDX-License-Identifier: MIT */
/* gamehost plugin SDK: the input event model.
 *
 * One event is one change of one control, named with Linux evdev codes
 * (<linux/input-event-codes.h>: KEY_LEFT, BTN_LEFT, REL_X, ABS_X, BTN_SOUTH),
 * as a player's keyboard, mouse, gamepad or touch screen produce it.  Events
 * are plain data with fixed-width fields; arrays of them cross the plugin
 * ABI.  The API takes them as JSON with the same names. */
#ifndef GAMEHOST_INPUT_H
#define GAMEHOST_INPUT_H

#include <stdint.h>
#include <linux/input-event-codes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* gh_input_event.type */
#define GH_INPUT_KEY          1u  /* code: KEY_*;  value: 1 pressed, 0 released */
#define GH_INPUT_BUTTON       2u  /* code: BTN_LEFT, BTN_RIGHT, BTN_MIDDLE, BTN_SIDE, BTN_EXTRA; value: 1/0 */
#define GH_INPUT_REL          3u  /* code: REL_X, REL_Y (pixels), REL_WHEEL, REL_HWHEEL (detents); value: delta */
#define GH_INPUT_ABS          4u  /* code: ABS_X, ABS_Y; value: 0..GH_INPUT_ABS_MAX across the display */
#define GH_INPUT_PAD_BUTTON   5u  /* code: BTN_SOUTH..BTN_THUMBR, BTN_DPAD_*; value: 1/0; device: pad index */
#define GH_INPUT_PAD_AXIS     6u  /* code: sticks ABS_X, ABS_Y, ABS_RX, ABS_RY, value -32768..32767 (evdev's
                                   * direction: Y grows downwards); triggers ABS_Z (left), ABS_RZ (right), value
                                   * 0..GH_INPUT_TRIGGER_MAX (since 1.4; before, -32768..32767);
                                   * device: pad index */
#define GH_INPUT_TOUCH        7u  /* code: 1 down, 0 up, 2 motion; device: touch slot; x, y: 0..GH_INPUT_ABS_MAX */
#define GH_INPUT_PAD_CONNECT  8u  /* since 1.4.  code: 0; value: 1 the player's pad appeared, 0 it went (the
                                   * guest's pad is unplugged); device: pad index.  A backend also plugs a
                                   * pad in on its first button or axis event. */

#define GH_INPUT_ABS_MAX      32767
#define GH_INPUT_MAX_PADS     4u
#define GH_INPUT_TRIGGER_MAX  255
#define GH_INPUT_MAX_TOUCH    10u

typedef struct gh_input_event {
    uint32_t type;           /* GH_INPUT_* */
    uint32_t code;           /* evdev code, see type */
    int32_t value;
    uint32_t device;         /* pad index or touch slot; 0 otherwise */
    int32_t x, y;            /* GH_INPUT_TOUCH only */
    uint64_t timestamp_ns;   /* host monotonic time it was received, 0 if unknown */
} gh_input_event;

#ifdef __cplusplus
}
#endif
#endif /* GAMEHOST_INPUT_H */
