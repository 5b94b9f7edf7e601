/* usbpad-report: a wired Xbox 360 controller's reports.  The player's pad
 * events (include/gamehost/input.h) change an IqPadState, which packs
 * into the 20-byte input report; the 3- and 8-byte output reports the guest
 * sends are parsed into LED and rumble commands.  docs/gamepads.md has the
 * table from each API code to its bit and to what xpad reports. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <gamehost/input.h>

#define IQ_USBPAD_REPORT_SIZE 20u

/* Bits of report bytes 2 and 3, read as one little-endian word. */
#define IQ_PAD_DPAD_UP    0x0001u
#define IQ_PAD_DPAD_DOWN  0x0002u
#define IQ_PAD_DPAD_LEFT  0x0004u
#define IQ_PAD_DPAD_RIGHT 0x0008u
#define IQ_PAD_START      0x0010u
#define IQ_PAD_BACK       0x0020u
#define IQ_PAD_LS         0x0040u
#define IQ_PAD_RS         0x0080u
#define IQ_PAD_LB         0x0100u
#define IQ_PAD_RB         0x0200u
#define IQ_PAD_GUIDE      0x0400u
#define IQ_PAD_A          0x1000u
#define IQ_PAD_B          0x2000u
#define IQ_PAD_X          0x4000u
#define IQ_PAD_Y          0x8000u

/* Everything one pad reports.  Sticks keep the API's (evdev's) direction,
 * Y growing downwards; the report has Y growing upwards. */
typedef struct {
    uint16_t buttons;            /* IQ_PAD_* */
    uint8_t lt, rt;              /* 0..255 */
    int16_t lx, ly, rx, ry;
} IqPadState;

/* Applies one GH_INPUT_PAD_BUTTON or GH_INPUT_PAD_AXIS event.  0; -EINVAL
 * for a value out of range, -EOPNOTSUPP for a code the pad has not; both
 * with a message in err naming the event. */
int iq_usbpad_apply(IqPadState *state, const gh_input_event *ev, char *err, size_t err_size);
void iq_usbpad_pack(const IqPadState *state, uint8_t report[IQ_USBPAD_REPORT_SIZE]);

/* An output report from the guest. */
typedef enum { IQ_PAD_OUT_RUMBLE, IQ_PAD_OUT_LED } IqPadOutKind;
typedef struct {
    IqPadOutKind kind;
    uint8_t strong, weak;        /* IQ_PAD_OUT_RUMBLE: left (heavy) and right (light) motors */
    uint8_t led;                 /* IQ_PAD_OUT_LED: 0..13 */
} IqPadOut;
/* 0, or -EINVAL for a report that is neither (malformed or unknown). */
int iq_usbpad_parse_out(const uint8_t *data, size_t len, IqPadOut *out);
