/* qmp-json: gamehost input events → QMP input-send-event (QEMU's qapi/ui.json
 * InputEvent: "key" with a qcode, "btn", "rel", "abs"), and the reply check.
 * The tables are static and the JSON is built with snprintf into a bounded
 * buffer: callers measure first, then build into a buffer of that size. */
#include "qmp-json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* evdev KEY_* → QEMU QKeyCode.  Codes not listed have no mapping. */
static const char *const iq_qcodes[] = {
    [KEY_ESC] = "esc",
    [KEY_1] = "1", [KEY_2] = "2", [KEY_3] = "3", [KEY_4] = "4", [KEY_5] = "5",
    [KEY_6] = "6", [KEY_7] = "7", [KEY_8] = "8", [KEY_9] = "9", [KEY_0] = "0",
    [KEY_MINUS] = "minus", [KEY_EQUAL] = "equal", [KEY_BACKSPACE] = "backspace", [KEY_TAB] = "tab",
    [KEY_Q] = "q", [KEY_W] = "w", [KEY_E] = "e", [KEY_R] = "r", [KEY_T] = "t",
    [KEY_Y] = "y", [KEY_U] = "u", [KEY_I] = "i", [KEY_O] = "o", [KEY_P] = "p",
    [KEY_LEFTBRACE] = "bracket_left", [KEY_RIGHTBRACE] = "bracket_right",
    [KEY_ENTER] = "ret", [KEY_LEFTCTRL] = "ctrl",
    [KEY_A] = "a", [KEY_S] = "s", [KEY_D] = "d", [KEY_F] = "f", [KEY_G] = "g",
    [KEY_H] = "h", [KEY_J] = "j", [KEY_K] = "k", [KEY_L] = "l",
    [KEY_SEMICOLON] = "semicolon", [KEY_APOSTROPHE] = "apostrophe", [KEY_GRAVE] = "grave_accent",
    [KEY_LEFTSHIFT] = "shift", [KEY_BACKSLASH] = "backslash",
    [KEY_Z] = "z", [KEY_X] = "x", [KEY_C] = "c", [KEY_V] = "v", [KEY_B] = "b",
    [KEY_N] = "n", [KEY_M] = "m",
    [KEY_COMMA] = "comma", [KEY_DOT] = "dot", [KEY_SLASH] = "slash", [KEY_RIGHTSHIFT] = "shift_r",
    [KEY_KPASTERISK] = "kp_multiply", [KEY_LEFTALT] = "alt", [KEY_SPACE] = "spc",
    [KEY_CAPSLOCK] = "caps_lock",
    [KEY_F1] = "f1", [KEY_F2] = "f2", [KEY_F3] = "f3", [KEY_F4] = "f4", [KEY_F5] = "f5",
    [KEY_F6] = "f6", [KEY_F7] = "f7", [KEY_F8] = "f8", [KEY_F9] = "f9", [KEY_F10] = "f10",
    [KEY_NUMLOCK] = "num_lock", [KEY_SCROLLLOCK] = "scroll_lock",
    [KEY_KP7] = "kp_7", [KEY_KP8] = "kp_8", [KEY_KP9] = "kp_9", [KEY_KPMINUS] = "kp_subtract",
    [KEY_KP4] = "kp_4", [KEY_KP5] = "kp_5", [KEY_KP6] = "kp_6", [KEY_KPPLUS] = "kp_add",
    [KEY_KP1] = "kp_1", [KEY_KP2] = "kp_2", [KEY_KP3] = "kp_3", [KEY_KP0] = "kp_0",
    [KEY_KPDOT] = "kp_decimal", [KEY_102ND] = "less",
    [KEY_F11] = "f11", [KEY_F12] = "f12",
    [KEY_KPENTER] = "kp_enter", [KEY_RIGHTCTRL] = "ctrl_r", [KEY_KPSLASH] = "kp_divide",
    [KEY_RIGHTALT] = "alt_r",
    [KEY_HOME] = "home", [KEY_UP] = "up", [KEY_PAGEUP] = "pgup", [KEY_LEFT] = "left",
    [KEY_RIGHT] = "right", [KEY_END] = "end", [KEY_DOWN] = "down", [KEY_PAGEDOWN] = "pgdn",
    [KEY_INSERT] = "insert", [KEY_DELETE] = "delete", [KEY_PAUSE] = "pause",
    [KEY_LEFTMETA] = "meta_l", [KEY_RIGHTMETA] = "meta_r",
};

const char *
iq_qcode(uint32_t code)
{
    return code < sizeof(iq_qcodes) / sizeof(iq_qcodes[0]) ? iq_qcodes[code] : NULL;
}

const char *
iq_button(uint32_t code)
{
    switch (code) {
    case BTN_LEFT: return "left";
    case BTN_RIGHT: return "right";
    case BTN_MIDDLE: return "middle";
    case BTN_SIDE: return "side";
    case BTN_EXTRA: return "extra";
    default: return NULL;
    }
}

/* ---- the bounded writer ------------------------------------------------- */

typedef struct {
    char *buf;
    size_t size;
    size_t len;              /* what the whole output needs, even past size */
} iq_out;

__attribute__((format(printf, 2, 3)))
static void
iq_put(iq_out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    if (o->len < o->size)
        n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    else
        n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* Opens one QEMU event, with the separator the previous one needs. */
static void
iq_event_begin(iq_out *o, uint32_t *n_qemu)
{
    if ((*n_qemu)++ > 0)
        iq_put(o, ",");
}

static void
iq_put_key(iq_out *o, uint32_t *n_qemu, const char *qcode, int down)
{
    iq_event_begin(o, n_qemu);
    iq_put(o, "{\"type\":\"key\",\"data\":{\"down\":%s,\"key\":{\"type\":\"qcode\",\"data\":\"%s\"}}}",
           down ? "true" : "false", qcode);
}

static void
iq_put_btn(iq_out *o, uint32_t *n_qemu, const char *button, int down)
{
    iq_event_begin(o, n_qemu);
    iq_put(o, "{\"type\":\"btn\",\"data\":{\"down\":%s,\"button\":\"%s\"}}", down ? "true" : "false", button);
}

static void
iq_put_axis(iq_out *o, uint32_t *n_qemu, const char *type, const char *axis, int32_t value)
{
    iq_event_begin(o, n_qemu);
    iq_put(o, "{\"type\":\"%s\",\"data\":{\"axis\":\"%s\",\"value\":%d}}", type, axis, (int)value);
}

/* ---- events ------------------------------------------------------------- */

static const char *
iq_type_name(uint32_t type)
{
    switch (type) {
    case GH_INPUT_KEY: return "key";
    case GH_INPUT_BUTTON: return "button";
    case GH_INPUT_REL: return "rel";
    case GH_INPUT_ABS: return "abs";
    case GH_INPUT_PAD_BUTTON: return "pad button";
    case GH_INPUT_PAD_AXIS: return "pad axis";
    case GH_INPUT_TOUCH: return "touch";
    default: return "unknown";
    }
}

/* An event of a type QMP input-send-event has no form for (-EOPNOTSUPP:
 * the host delivers the others), or of no type at all (-EINVAL). */
static int
iq_refuse_type(const gh_input_event *ev, char *err, size_t err_size)
{
    const char *why = ev->type == GH_INPUT_PAD_BUTTON || ev->type == GH_INPUT_PAD_AXIS
                          ? ": QEMU 7.2 has no emulated gamepad"
                      : ev->type == GH_INPUT_TOUCH ? ": QEMU 7.2's input-send-event has no touch events"
                                                   : "";

    snprintf(err, err_size, "%s events (type %u, code %u) are not supported by input.qmp%s",
             iq_type_name(ev->type), ev->type, ev->code, why);
    return *why ? -EOPNOTSUPP : -EINVAL;
}

/* -EOPNOTSUPP for an event QEMU cannot express, -EINVAL for a value out of
 * range or an event of the wrong kind: the host tries the others alone. */
static int
iq_put_event(iq_out *o, uint32_t *n_qemu, const gh_input_event *ev, char *err, size_t err_size)
{
    const char *name;

    switch (ev->type) {
    case GH_INPUT_KEY:
        if (!(name = iq_qcode(ev->code))) {
            snprintf(err, err_size, "key code %u has no QEMU qcode", ev->code);
            return -EOPNOTSUPP;
        }
        /* 2 is evdev's autorepeat: QEMU repeats a key that is pressed again. */
        if (ev->value < 0 || ev->value > 2) {
            snprintf(err, err_size, "key value %d is not 0 (release) or 1 (press)", (int)ev->value);
            return -EINVAL;
        }
        iq_put_key(o, n_qemu, name, ev->value != 0);
        return 0;

    case GH_INPUT_BUTTON:
        if (!(name = iq_button(ev->code))) {
            snprintf(err, err_size, "button code %u is not a mouse button "
                     "(BTN_LEFT, BTN_RIGHT, BTN_MIDDLE, BTN_SIDE, BTN_EXTRA)", ev->code);
            return -EINVAL;
        }
        if (ev->value != 0 && ev->value != 1) {
            snprintf(err, err_size, "button value %d is not 0 (release) or 1 (press)", (int)ev->value);
            return -EINVAL;
        }
        iq_put_btn(o, n_qemu, name, ev->value);
        return 0;

    case GH_INPUT_REL:
        if (ev->code == REL_X || ev->code == REL_Y) {
            iq_put_axis(o, n_qemu, "rel", ev->code == REL_X ? "x" : "y", ev->value);
            return 0;
        }
        if (ev->code == REL_WHEEL) {
            /* evdev: positive is away from the user, QEMU's wheel-up. */
            int64_t detents = ev->value < 0 ? -(int64_t)ev->value : ev->value;
            if (detents > IQ_MAX_WHEEL_DETENTS) {
                snprintf(err, err_size, "wheel delta %d over %d detents", (int)ev->value,
                         IQ_MAX_WHEEL_DETENTS);
                return -EINVAL;
            }
            name = ev->value > 0 ? "wheel-up" : "wheel-down";
            for (int64_t i = 0; i < detents; i++) {
                iq_put_btn(o, n_qemu, name, 1);
                iq_put_btn(o, n_qemu, name, 0);
            }
            return 0;
        }
        if (ev->code == REL_HWHEEL) {
            snprintf(err, err_size, "horizontal wheel (REL_HWHEEL) is not supported by QMP input-send-event");
            return -EOPNOTSUPP;
        }
        snprintf(err, err_size, "relative axis code %u unsupported (REL_X, REL_Y, REL_WHEEL)", ev->code);
        return -EOPNOTSUPP;

    case GH_INPUT_ABS:
        if (ev->code != ABS_X && ev->code != ABS_Y) {
            snprintf(err, err_size, "absolute axis code %u unsupported (ABS_X, ABS_Y)", ev->code);
            return -EOPNOTSUPP;
        }
        if (ev->value < 0 || ev->value > GH_INPUT_ABS_MAX) {
            snprintf(err, err_size, "absolute %s value %d outside 0..%d",
                     ev->code == ABS_X ? "x" : "y", (int)ev->value, GH_INPUT_ABS_MAX);
            return -EINVAL;
        }
        iq_put_axis(o, n_qemu, "abs", ev->code == ABS_X ? "x" : "y", ev->value);
        return 0;

    default:
        return iq_refuse_type(ev, err, err_size);
    }
}

int
iq_build_command(const gh_input_event *events, uint32_t n_events, char *buf, size_t size,
                 size_t *length, uint32_t *n_qemu, char *err, size_t err_size)
{
    iq_out o = { .buf = buf, .size = buf ? size : 0, .len = 0 };
    uint32_t n = 0;
    int r;

    if (o.size > 0)
        o.buf[0] = '\0';
    if (n_events > 0 && !events) {
        snprintf(err, err_size, "no events");
        return -EINVAL;
    }
    iq_put(&o, "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":[");
    for (uint32_t i = 0; i < n_events; i++) {
        char why[IQ_MAX_MESSAGE];

        if ((r = iq_put_event(&o, &n, &events[i], why, sizeof why)) < 0) {
            /* One event alone (the host's retry) needs no index. */
            if (n_events > 1)
                snprintf(err, err_size, "event %u: %s", i, why);
            else
                snprintf(err, err_size, "%s", why);
            return r;
        }
    }
    iq_put(&o, "]}}");
    if (length)
        *length = o.len;
    if (n_qemu)
        *n_qemu = n;
    return 0;
}

/* ---- replies ------------------------------------------------------------ */

#define IQ_REPLY_EXCERPT 200

int
iq_reply_check(const char *reply, char *err, size_t err_size)
{
    const char *p, *desc;
    size_t i = 0;

    if (!reply || !*reply) {
        snprintf(err, err_size, "empty QMP reply");
        return -EIO;
    }
    p = reply + strspn(reply, " \t\r\n");
    if (strncmp(p, "{\"return\"", 9) == 0 ||
        (strstr(reply, "\"return\"") && !strstr(reply, "\"error\"")))
        return 0;

    /* {"error": {"class": "GenericError", "desc": "..."}}: show desc. */
    if ((desc = strstr(reply, "\"desc\""))) {
        desc += 6;
        desc += strspn(desc, " \t\r\n");
        if (*desc == ':') {
            desc++;
            desc += strspn(desc, " \t\r\n");
        }
        if (*desc == '"') {
            char text[IQ_REPLY_EXCERPT + 1];
            size_t n = 0;
            desc++;
            while (desc[i] && desc[i] != '"' && n < IQ_REPLY_EXCERPT) {
                if (desc[i] == '\\' && desc[i + 1])
                    i++;     /* keep the escaped character, drop the backslash */
                text[n++] = desc[i++];
            }
            text[n] = '\0';
            snprintf(err, err_size, "QMP error: %s%s", text, desc[i] && desc[i] != '"' ? "..." : "");
            return -EIO;
        }
    }
    snprintf(err, err_size, "unexpected QMP reply: %.*s%s", IQ_REPLY_EXCERPT, reply,
             strlen(reply) > IQ_REPLY_EXCERPT ? "..." : "");
    return -EIO;
}
