/* usbpad-report: pad events into Xbox 360 input reports, and the guest's
 * output reports into rumble and LED commands (the layout xpad reads in
 * xpad360_process_packet and writes in xpad_play_effect and
 * xpad_send_led_command). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "usbpad-report.h"

/* The API's positional names (the browser's "standard" layout) to the
 * Xbox 360 buttons in the same place: BTN_WEST is the left face button,
 * which Xbox calls X. */
static const struct {
    uint32_t code;
    uint16_t bit;
} usbpad_buttons[] = {
    { BTN_SOUTH, IQ_PAD_A },          { BTN_EAST, IQ_PAD_B },
    { BTN_WEST, IQ_PAD_X },           { BTN_NORTH, IQ_PAD_Y },
    { BTN_TL, IQ_PAD_LB },            { BTN_TR, IQ_PAD_RB },
    { BTN_SELECT, IQ_PAD_BACK },      { BTN_START, IQ_PAD_START },
    { BTN_MODE, IQ_PAD_GUIDE },       { BTN_THUMBL, IQ_PAD_LS },
    { BTN_THUMBR, IQ_PAD_RS },        { BTN_DPAD_UP, IQ_PAD_DPAD_UP },
    { BTN_DPAD_DOWN, IQ_PAD_DPAD_DOWN }, { BTN_DPAD_LEFT, IQ_PAD_DPAD_LEFT },
    { BTN_DPAD_RIGHT, IQ_PAD_DPAD_RIGHT },
};

static int
usbpad_button_bit(uint32_t code)
{
    for (size_t i = 0; i < sizeof usbpad_buttons / sizeof usbpad_buttons[0]; i++)
        if (usbpad_buttons[i].code == code)
            return usbpad_buttons[i].bit;
    return 0;
}

/* The state's member for an axis code, or NULL; *trigger for ABS_Z/RZ. */
static void *
usbpad_axis(IqPadState *s, uint32_t code, int *trigger)
{
    *trigger = code == ABS_Z || code == ABS_RZ;
    switch (code) {
    case ABS_X: return &s->lx;
    case ABS_Y: return &s->ly;
    case ABS_RX: return &s->rx;
    case ABS_RY: return &s->ry;
    case ABS_Z: return &s->lt;
    case ABS_RZ: return &s->rt;
    default: return NULL;
    }
}

int
iq_usbpad_apply(IqPadState *s, const gh_input_event *ev, char *err, size_t err_size)
{
    if (ev->type == GH_INPUT_PAD_BUTTON) {
        int bit = usbpad_button_bit(ev->code);
        /* A digital trigger press (an API user's BTN_TL2) is the trigger
         * pressed all the way: the pad's triggers are analogue only. */
        if (ev->code == BTN_TL2 || ev->code == BTN_TR2) {
            if (ev->value != 0 && ev->value != 1)
                goto bad_button;
            *(ev->code == BTN_TL2 ? &s->lt : &s->rt) = ev->value ? GH_INPUT_TRIGGER_MAX : 0;
            return 0;
        }
        if (!bit) {
            snprintf(err, err_size, "pad button code %u is not a button of the Xbox 360 pad", ev->code);
            return -EOPNOTSUPP;
        }
        if (ev->value != 0 && ev->value != 1)
            goto bad_button;
        s->buttons = ev->value ? (s->buttons | bit) : (s->buttons & ~bit);
        return 0;
    bad_button:
        snprintf(err, err_size, "pad button code %u: value %d is neither 1 (pressed) nor 0", ev->code, ev->value);
        return -EINVAL;
    }
    if (ev->type == GH_INPUT_PAD_AXIS) {
        int trigger;
        void *member = usbpad_axis(s, ev->code, &trigger);
        if (!member) {
            snprintf(err, err_size, "pad axis code %u is not an axis of the Xbox 360 pad", ev->code);
            return -EOPNOTSUPP;
        }
        if (trigger ? ev->value < 0 || ev->value > GH_INPUT_TRIGGER_MAX : ev->value < INT16_MIN || ev->value > INT16_MAX) {
            snprintf(err, err_size, "pad axis code %u: value %d is out of range (%d..%d)", ev->code, ev->value,
                     trigger ? 0 : INT16_MIN, trigger ? GH_INPUT_TRIGGER_MAX : INT16_MAX);
            return -EINVAL;
        }
        if (trigger)
            *(uint8_t *)member = (uint8_t)ev->value;
        else
            *(int16_t *)member = (int16_t)ev->value;
        return 0;
    }
    snprintf(err, err_size, "event type %u is not a pad button or axis", ev->type);
    return -EOPNOTSUPP;
}

static void
usbpad_put16(uint8_t *p, uint16_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8;
}

void
iq_usbpad_pack(const IqPadState *s, uint8_t report[IQ_USBPAD_REPORT_SIZE])
{
    memset(report, 0, IQ_USBPAD_REPORT_SIZE);
    report[0] = 0x00;                     /* message type: input */
    report[1] = IQ_USBPAD_REPORT_SIZE;
    usbpad_put16(report + 2, s->buttons);
    report[4] = s->lt;
    report[5] = s->rt;
    /* The report's Y grows upwards: xpad reports ~y, so ~ here gives the
     * guest exactly the API's value (-32768 up becomes 32767). */
    usbpad_put16(report + 6, (uint16_t)s->lx);
    usbpad_put16(report + 8, (uint16_t)~s->ly);
    usbpad_put16(report + 10, (uint16_t)s->rx);
    usbpad_put16(report + 12, (uint16_t)~s->ry);
}

int
iq_usbpad_parse_out(const uint8_t *d, size_t len, IqPadOut *out)
{
    memset(out, 0, sizeof *out);
    /* Rumble: 00 08 00 <left> <right> 00 00 00. */
    if (len == 8 && d[0] == 0x00 && d[1] == 0x08) {
        out->kind = IQ_PAD_OUT_RUMBLE;
        out->strong = d[3];
        out->weak = d[4];
        return 0;
    }
    /* LED: 01 03 <pattern 0..13>. */
    if (len == 3 && d[0] == 0x01 && d[1] == 0x03 && d[2] <= 13) {
        out->kind = IQ_PAD_OUT_LED;
        out->led = d[2];
        return 0;
    }
    return -EINVAL;
}
