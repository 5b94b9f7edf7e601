/* qmp-json: the pure part of input-qmp.  Maps gamehost input events
 * (evdev codes) to one QMP input-send-event command, and reads QMP's reply.
 * Only table strings and integers go into the JSON, so no escaping is ever
 * needed.  No plugin ABI here, so the unit tests link it on its own. */
#ifndef GH_IQ_QMP_JSON_H
#define GH_IQ_QMP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <gamehost/input.h>

/* One wheel event becomes a press and a release per detent; more detents
 * than this in one event is refused rather than turned into a huge command. */
#define IQ_MAX_WHEEL_DETENTS 32
/* The longest message about one event. */
#define IQ_MAX_MESSAGE 256
/* The largest command send() will pass to QMP. */
#define IQ_MAX_COMMAND_BYTES (1024u * 1024u)

/* Writes the command for events[0..n_events) into buf (size bytes, always
 * NUL-terminated when size > 0, truncated when short), like snprintf: *length
 * gets the length the whole command needs, without the NUL, and *n_qemu the
 * number of QEMU events it carries (0: nothing to send, e.g. a wheel delta of
 * 0).  buf may be NULL with size 0 to measure.  Returns 0, or an error with
 * a message in err naming the first event that cannot be sent ("event N: "
 * when there are several): -EOPNOTSUPP for an event QEMU cannot express (a
 * pad, touch, a key without a qcode), -EINVAL for a value out of range. */
int iq_build_command(const gh_input_event *events, uint32_t n_events, char *buf, size_t size,
                     size_t *length, uint32_t *n_qemu, char *err, size_t err_size);

/* The QEMU qcode for an evdev KEY_* code ("a", "ret", "shift_r"), or NULL. */
const char *iq_qcode(uint32_t code);
/* The QEMU button for an evdev BTN_* mouse button ("left", "side"), or NULL. */
const char *iq_button(uint32_t code);

/* 0 if reply is a QMP success ({"return": ...}); else -EIO with the reply's
 * error description (or the reply itself), truncated, in err. */
int iq_reply_check(const char *reply, char *err, size_t err_size);

#endif /* GH_IQ_QMP_JSON_H */
