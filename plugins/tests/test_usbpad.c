/* Unit tests of input.qmp's USB pad: the descriptors field by field
 * against the wired Xbox 360 controller's documented layout
 * (docs/gamepads.md), report packing for every control at its extremes,
 * the guest's output reports, the usbredir device side driven by a
 * libusbredirparser peer playing QEMU's usb-redir over a socketpair, and
 * the four pads (plugging, pacing, the flood bound, feedback) on a host
 * whose main loop is GLib's. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <usbredirparser.h>

#include "usbpad-desc.h"
#include "usbpad-dev.h"
#include "usbpad-report.h"
#include "usbredir-peer.h"

static unsigned
le16(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

/* ---- descriptors ------------------------------------------------------ */

START_TEST(test_device_descriptor_is_the_wired_controllers)
{
    const uint8_t *d = iq_usbpad_device_desc;
    ck_assert_uint_eq(d[0], 18);
    ck_assert_uint_eq(d[1], 0x01);
    ck_assert_uint_eq(le16(d + 2), 0x0200);      /* USB 2.0 */
    ck_assert_uint_eq(d[4], 0xff);               /* vendor-specific class, subclass, protocol */
    ck_assert_uint_eq(d[5], 0xff);
    ck_assert_uint_eq(d[6], 0xff);
    ck_assert_uint_eq(d[7], 8);                  /* bMaxPacketSize0 */
    ck_assert_uint_eq(le16(d + 8), 0x045e);
    ck_assert_uint_eq(le16(d + 10), 0x028e);
    ck_assert_uint_eq(le16(d + 12), 0x0114);
    ck_assert_uint_eq(d[14], 1);
    ck_assert_uint_eq(d[15], 2);
    ck_assert_uint_eq(d[16], 3);
    ck_assert_uint_eq(d[17], 1);
}
END_TEST

/* The configuration as lsusb -v shows a genuine controller's: each
 * descriptor in order, (type, and for interfaces and endpoints the fields
 * drivers match on). */
typedef struct {
    uint8_t type, len;
    uint8_t a, b, c, d, e;       /* interface: number, endpoints, class, subclass, protocol; endpoint: address, attributes, interval */
} ExpectedDesc;

static const ExpectedDesc expected_config[] = {
    { 0x02, 9, 0, 0, 0, 0, 0 },
    { 0x04, 9, 0, 2, 0xff, 0x5d, 0x01 }, { 0x21, 17, 0, 0, 0, 0, 0 },
    { 0x05, 7, 0x81, 0x03, 4, 0, 0 }, { 0x05, 7, 0x01, 0x03, 8, 0, 0 },
    { 0x04, 9, 1, 4, 0xff, 0x5d, 0x03 }, { 0x21, 27, 0, 0, 0, 0, 0 },
    { 0x05, 7, 0x82, 0x03, 2, 0, 0 }, { 0x05, 7, 0x02, 0x03, 4, 0, 0 },
    { 0x05, 7, 0x83, 0x03, 64, 0, 0 }, { 0x05, 7, 0x03, 0x03, 16, 0, 0 },
    { 0x04, 9, 2, 1, 0xff, 0x5d, 0x02 }, { 0x21, 9, 0, 0, 0, 0, 0 },
    { 0x05, 7, 0x84, 0x03, 16, 0, 0 },
    { 0x04, 9, 3, 0, 0xff, 0xfd, 0x13 }, { 0x41, 6, 0, 0, 0, 0, 0 },
};

START_TEST(test_configuration_walks_as_the_documented_layout)
{
    const uint8_t *c = iq_usbpad_config_desc;
    size_t off = 0, i = 0;

    ck_assert_uint_eq(le16(c + 2), 153);
    ck_assert_uint_eq(c[4], 4);        /* interfaces */
    ck_assert_uint_eq(c[5], 1);        /* bConfigurationValue */
    ck_assert_uint_eq(c[7], 0xa0);     /* bus powered, remote wakeup */
    ck_assert_uint_eq(c[8], 0xfa);     /* 500 mA */
    while (off < sizeof iq_usbpad_config_desc) {
        const uint8_t *d = c + off;
        const ExpectedDesc *e = &expected_config[i];
        ck_assert_msg(i < sizeof expected_config / sizeof expected_config[0], "more descriptors than documented");
        ck_assert_msg(d[0] == e->len && d[1] == e->type, "descriptor %zu: length %u type 0x%02x, documented %u 0x%02x",
                      i, d[0], d[1], e->len, e->type);
        if (e->type == 0x04) {
            ck_assert_uint_eq(d[2], e->a);
            ck_assert_uint_eq(d[3], 0);          /* alternate setting */
            ck_assert_uint_eq(d[4], e->b);
            ck_assert_uint_eq(d[5], e->c);
            ck_assert_uint_eq(d[6], e->d);
            ck_assert_uint_eq(d[7], e->e);
        } else if (e->type == 0x05) {
            ck_assert_uint_eq(d[2], e->a);
            ck_assert_uint_eq(d[3], e->b);
            ck_assert_uint_eq(le16(d + 4), 32);
            ck_assert_uint_eq(d[6], e->c);
        }
        off += d[0];
        i++;
    }
    ck_assert_uint_eq(off, 153);
    ck_assert_uint_eq(i, sizeof expected_config / sizeof expected_config[0]);
}
END_TEST

START_TEST(test_pad_interface_vendor_descriptor_names_its_endpoints)
{
    /* Interface 0's 0x21 descriptor: the report sizes XInput reads (IN
     * endpoint 0x81 with 20 bytes, OUT 0x01 with 8). */
    static const uint8_t want[17] = { 0x11, 0x21, 0x00, 0x01, 0x01, 0x25, 0x81, 0x14, 0x00,
                                      0x00, 0x00, 0x00, 0x13, 0x01, 0x08, 0x00, 0x00 };
    ck_assert_mem_eq(iq_usbpad_config_desc + 18, want, sizeof want);
}
END_TEST

START_TEST(test_endpoint_table_matches_the_configuration)
{
    size_t found = 0;

    for (size_t off = 0; off < sizeof iq_usbpad_config_desc; off += iq_usbpad_config_desc[off]) {
        const uint8_t *d = iq_usbpad_config_desc + off;
        if (d[1] != 0x05)
            continue;
        ck_assert_uint_eq(iq_usbpad_endpoints[found].address, d[2]);
        ck_assert_uint_eq(iq_usbpad_endpoints[found].interval, d[6]);
        ck_assert_uint_eq(iq_usbpad_endpoints[found].max_packet, le16(d + 4));
        found++;
    }
    ck_assert_uint_eq(found, IQ_USBPAD_N_ENDPOINTS);
}
END_TEST

START_TEST(test_strings_are_utf16_and_unknown_ones_stall)
{
    uint8_t buf[255];
    static const uint8_t product[] = { 22, 0x03, 'C', 0, 'o', 0, 'n', 0, 't', 0, 'r', 0, 'o', 0, 'l', 0, 'l', 0, 'e', 0, 'r', 0 };
    static const uint8_t langs[] = { 4, 0x03, 0x09, 0x04 };

    ck_assert_uint_eq(iq_usbpad_descriptor(0x0300, 0, buf, sizeof buf), 4);
    ck_assert_mem_eq(buf, langs, 4);
    ck_assert_uint_eq(iq_usbpad_descriptor(0x0302, 0x0409, buf, sizeof buf), sizeof product);
    ck_assert_mem_eq(buf, product, sizeof product);
    /* The copyright sign of "©Microsoft Corporation" is one UTF-16 unit. */
    ck_assert_uint_eq(iq_usbpad_descriptor(0x0301, 0x0409, buf, sizeof buf), 2 + 2 * 22);
    ck_assert_uint_eq(buf[2], 0xa9);
    ck_assert_uint_eq(buf[3], 0x00);
    ck_assert_uint_eq(iq_usbpad_descriptor(0x0305, 0x0409, buf, sizeof buf), 0);
    ck_assert_uint_eq(iq_usbpad_descriptor(0x0201, 0, buf, sizeof buf), 0);  /* a second configuration */
    ck_assert_uint_eq(iq_usbpad_descriptor(0x2200, 0, buf, sizeof buf), 0);  /* no HID report descriptor */
}
END_TEST

/* ---- reports ---------------------------------------------------------- */

static const struct {
    uint32_t code;
    unsigned byte, bit;
} button_bits[] = {
    { BTN_DPAD_UP, 2, 0x01 }, { BTN_DPAD_DOWN, 2, 0x02 }, { BTN_DPAD_LEFT, 2, 0x04 }, { BTN_DPAD_RIGHT, 2, 0x08 },
    { BTN_START, 2, 0x10 },   { BTN_SELECT, 2, 0x20 },    { BTN_THUMBL, 2, 0x40 },    { BTN_THUMBR, 2, 0x80 },
    { BTN_TL, 3, 0x01 },      { BTN_TR, 3, 0x02 },        { BTN_MODE, 3, 0x04 },      { BTN_SOUTH, 3, 0x10 },
    { BTN_EAST, 3, 0x20 },    { BTN_WEST, 3, 0x40 },      { BTN_NORTH, 3, 0x80 },
};

static gh_input_event
pad_event(uint32_t type, uint32_t code, int32_t value)
{
    return (gh_input_event){ .type = type, .code = code, .value = value };
}

START_TEST(test_each_button_sets_exactly_its_bit)
{
    IqPadState s = { 0 };
    uint8_t r[IQ_USBPAD_REPORT_SIZE], want[IQ_USBPAD_REPORT_SIZE] = { 0x00, 0x14 };
    char err[128];
    gh_input_event ev = pad_event(GH_INPUT_PAD_BUTTON, button_bits[_i].code, 1);

    /* Sticks at rest: Y is sent inverted, so 0 becomes 0xffff. */
    want[8] = want[9] = want[12] = want[13] = 0xff;
    want[button_bits[_i].byte] = (uint8_t)button_bits[_i].bit;
    ck_assert_int_eq(iq_usbpad_apply(&s, &ev, err, sizeof err), 0);
    iq_usbpad_pack(&s, r);
    ck_assert_mem_eq(r, want, sizeof want);
    ev.value = 0;
    ck_assert_int_eq(iq_usbpad_apply(&s, &ev, err, sizeof err), 0);
    ck_assert_uint_eq(s.buttons, 0);
}
END_TEST

START_TEST(test_sticks_at_their_extremes_with_y_up_in_the_report)
{
    IqPadState s = { 0 };
    uint8_t r[IQ_USBPAD_REPORT_SIZE];
    char err[128];
    gh_input_event evs[] = {
        pad_event(GH_INPUT_PAD_AXIS, ABS_X, -32768), pad_event(GH_INPUT_PAD_AXIS, ABS_Y, -32768),
        pad_event(GH_INPUT_PAD_AXIS, ABS_RX, 32767), pad_event(GH_INPUT_PAD_AXIS, ABS_RY, 32767),
        pad_event(GH_INPUT_PAD_AXIS, ABS_Z, 255), pad_event(GH_INPUT_PAD_AXIS, ABS_RZ, 1),
    };

    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        ck_assert_int_eq(iq_usbpad_apply(&s, &evs[i], err, sizeof err), 0);
    iq_usbpad_pack(&s, r);
    ck_assert_uint_eq(r[4], 255);
    ck_assert_uint_eq(r[5], 1);
    ck_assert_uint_eq(le16(r + 6), 0x8000);   /* left stick full left */
    ck_assert_uint_eq(le16(r + 8), 0x7fff);   /* full up (evdev -32768) is +32767 in the report */
    ck_assert_uint_eq(le16(r + 10), 0x7fff);  /* right stick full right */
    ck_assert_uint_eq(le16(r + 12), 0x8000);  /* full down (evdev 32767) is -32768 */
    for (int i = 14; i < 20; i++)
        ck_assert_uint_eq(r[i], 0);
}
END_TEST

START_TEST(test_digital_triggers_press_the_trigger_fully)
{
    IqPadState s = { 0 };
    char err[128];
    gh_input_event ev = pad_event(GH_INPUT_PAD_BUTTON, BTN_TR2, 1);

    ck_assert_int_eq(iq_usbpad_apply(&s, &ev, err, sizeof err), 0);
    ck_assert_uint_eq(s.rt, 255);
    ev.value = 0;
    ck_assert_int_eq(iq_usbpad_apply(&s, &ev, err, sizeof err), 0);
    ck_assert_uint_eq(s.rt, 0);
}
END_TEST

START_TEST(test_out_of_range_and_unknown_controls_are_refused_by_name)
{
    IqPadState s = { 0 };
    char err[128];
    gh_input_event ev = pad_event(GH_INPUT_PAD_AXIS, ABS_Z, 256);

    ck_assert_int_eq(iq_usbpad_apply(&s, &ev, err, sizeof err), -EINVAL);
    ck_assert_str_eq(err, "pad axis code 2: value 256 is out of range (0..255)");
    ev = pad_event(GH_INPUT_PAD_AXIS, ABS_X, 40000);
    ck_assert_int_eq(iq_usbpad_apply(&s, &ev, err, sizeof err), -EINVAL);
    ck_assert_str_eq(err, "pad axis code 0: value 40000 is out of range (-32768..32767)");
    ev = pad_event(GH_INPUT_PAD_AXIS, ABS_HAT0X, 1);
    ck_assert_int_eq(iq_usbpad_apply(&s, &ev, err, sizeof err), -EOPNOTSUPP);
    ck_assert_str_eq(err, "pad axis code 16 is not an axis of the Xbox 360 pad");
    ev = pad_event(GH_INPUT_PAD_BUTTON, BTN_C, 1);
    ck_assert_int_eq(iq_usbpad_apply(&s, &ev, err, sizeof err), -EOPNOTSUPP);
    ev = pad_event(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 2);
    ck_assert_int_eq(iq_usbpad_apply(&s, &ev, err, sizeof err), -EINVAL);
    ck_assert_str_eq(err, "pad button code 304: value 2 is neither 1 (pressed) nor 0");
    ck_assert_uint_eq(s.buttons, 0);
    ck_assert_uint_eq(s.lt, 0);
}
END_TEST

START_TEST(test_rumble_and_led_reports_parse)
{
    static const uint8_t rumble[8] = { 0x00, 0x08, 0x00, 0x80, 0x40, 0x00, 0x00, 0x00 };
    static const uint8_t led[3] = { 0x01, 0x03, 0x06 };
    IqPadOut out;

    ck_assert_int_eq(iq_usbpad_parse_out(rumble, sizeof rumble, &out), 0);
    ck_assert_int_eq(out.kind, IQ_PAD_OUT_RUMBLE);
    ck_assert_uint_eq(out.strong, 0x80);
    ck_assert_uint_eq(out.weak, 0x40);
    ck_assert_int_eq(iq_usbpad_parse_out(led, sizeof led, &out), 0);
    ck_assert_int_eq(out.kind, IQ_PAD_OUT_LED);
    ck_assert_uint_eq(out.led, 6);
}
END_TEST

START_TEST(test_malformed_output_reports_are_refused)
{
    static const uint8_t short_rumble[7] = { 0x00, 0x08, 0x00, 0x80, 0x40, 0x00, 0x00 };
    static const uint8_t led_14[3] = { 0x01, 0x03, 14 };
    static const uint8_t unknown[3] = { 0x02, 0x08, 0x03 };
    IqPadOut out;

    ck_assert_int_eq(iq_usbpad_parse_out(short_rumble, sizeof short_rumble, &out), -EINVAL);
    ck_assert_int_eq(iq_usbpad_parse_out(led_14, sizeof led_14, &out), -EINVAL);
    ck_assert_int_eq(iq_usbpad_parse_out(unknown, sizeof unknown, &out), -EINVAL);
    ck_assert_int_eq(iq_usbpad_parse_out(NULL, 0, &out), -EINVAL);
}
END_TEST

/* ---- the usbredir device against a QEMU-side parser peer --------------- */

typedef struct {
    int receiving, out_reports;
    uint8_t out[64];
    size_t out_len;
    IqPadState state;
} DevSide;

static UsbredirPeer peer;
static DevSide side;
static IqUsbpadDev *dev;

static void side_receiving(void *d, int r) { ((DevSide *)d)->receiving = r; }
static void side_out(void *d, const uint8_t *r, size_t n) { DevSide *s = d; s->out_reports++; memcpy(s->out, r, n); s->out_len = n; }
static void side_current(void *d, uint8_t r[IQ_USBPAD_REPORT_SIZE]) { iq_usbpad_pack(&((DevSide *)d)->state, r); }
static void side_want_write(void *d, int fd, int w) { (void)d; (void)fd; (void)w; }
static void side_log(void *d, int l, const char *m) { (void)d; (void)l; fprintf(stderr, "dev: %s\n", m); }
static const IqUsbpadCallbacks side_cb = { side_receiving, side_out, side_current, side_want_write, side_log };

/* Moves bytes both ways until neither side has anything left to say. */
static void
pump(void)
{
    for (int round = 0; round < 50; round++) {
        usbredirparser_do_write(peer.parser);
        ck_assert_int_eq(iq_usbpad_dev_read(dev), 0);
        iq_usbpad_dev_write(dev);
        usbredirparser_do_read(peer.parser);
        struct pollfd pf[2] = { { peer.fd, POLLIN, 0 }, { iq_usbpad_dev_fd(dev), POLLIN, 0 } };
        if (poll(pf, 2, 5) == 0 && !usbredirparser_has_data_to_write(peer.parser))
            return;
    }
}

static void
setup_pair(void)
{
    int sv[2];

    memset(&side, 0, sizeof side);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    usbredir_peer_init(&peer, sv[0]);
    dev = iq_usbpad_dev_new(sv[1], &side_cb, &side);
    ck_assert_ptr_nonnull(dev);
    pump();
    ck_assert_int_eq(peer.hello, 1);
}

static void
teardown_pair(void)
{
    iq_usbpad_dev_free(dev);
    usbredir_peer_fini(&peer);
    close(peer.fd);
}

static void
plug(void)
{
    iq_usbpad_dev_plug(dev);
    pump();
    ck_assert_int_eq(peer.connects, 1);
}

static void
control_in(uint8_t requesttype, uint8_t request, uint16_t value, uint16_t index, uint16_t length)
{
    struct usb_redir_control_packet_header h = { 0x80, request, requesttype, 0, value, index, length };
    usbredirparser_send_control_packet(peer.parser, 1, &h, NULL, 0);
    pump();
}

START_TEST(test_plug_announces_the_controller_at_full_speed)
{
    plug();
    ck_assert_uint_eq(peer.connect.speed, usb_redir_speed_full);
    ck_assert_uint_eq(peer.connect.vendor_id, 0x045e);
    ck_assert_uint_eq(peer.connect.product_id, 0x028e);
    ck_assert_uint_eq(peer.connect.device_version_bcd, 0x0114);
    ck_assert_uint_eq(peer.connect.device_class, 0xff);
    ck_assert_int_eq(peer.interface_count, 4);
    /* Endpoint 0x81 is index 16 + 1 in usbredir's table; 0x01 is 1. */
    ck_assert_uint_eq(peer.ep.type[17], usb_redir_type_interrupt);
    ck_assert_uint_eq(peer.ep.interval[17], 4);
    ck_assert_uint_eq(peer.ep.max_packet_size[17], 32);
    ck_assert_uint_eq(peer.ep.type[1], usb_redir_type_interrupt);
    ck_assert_uint_eq(peer.ep.interval[1], 8);
    ck_assert_uint_eq(peer.ep.type[0], usb_redir_type_control);
    ck_assert_uint_eq(peer.ep.type[5], usb_redir_type_invalid);
    ck_assert_int_eq(iq_usbpad_dev_plugged(dev), 1);
}
END_TEST

START_TEST(test_get_descriptor_answers_and_truncates_to_the_length_asked)
{
    plug();
    control_in(0x80, 0x06, 0x0100, 0, 8);
    ck_assert_uint_eq(peer.control.status, usb_redir_success);
    ck_assert_int_eq(peer.control_len, 8);
    ck_assert_mem_eq(peer.control_data, iq_usbpad_device_desc, 8);
    control_in(0x80, 0x06, 0x0200, 0, 255);
    ck_assert_uint_eq(peer.control.status, usb_redir_success);
    ck_assert_int_eq(peer.control_len, 153);
    ck_assert_mem_eq(peer.control_data, iq_usbpad_config_desc, 153);
}
END_TEST

START_TEST(test_unknown_requests_stall)
{
    plug();
    control_in(0x80, 0x06, 0x0f00, 0, 64);      /* a BOS descriptor: USB 2.0 devices have none */
    ck_assert_uint_eq(peer.control.status, usb_redir_stall);
    ck_assert_int_eq(peer.control_len, 0);
    control_in(0xc0, 0x77, 0, 0, 4);
    ck_assert_uint_eq(peer.control.status, usb_redir_stall);
}
END_TEST

START_TEST(test_vendor_request_returns_the_current_report)
{
    plug();
    side.state.buttons = IQ_PAD_A;
    control_in(0xc1, 0x01, 0x0100, 0, 20);
    ck_assert_uint_eq(peer.control.status, usb_redir_success);
    ck_assert_int_eq(peer.control_len, 20);
    ck_assert_uint_eq(peer.control_data[1], 0x14);
    ck_assert_uint_eq(peer.control_data[3], 0x10);
}
END_TEST

START_TEST(test_configuration_and_reports_flow_once_the_guest_polls)
{
    struct usb_redir_set_configuration_header setc = { 1 };
    struct usb_redir_start_interrupt_receiving_header start = { 0x81 };
    uint8_t report[IQ_USBPAD_REPORT_SIZE];

    plug();
    iq_usbpad_pack(&side.state, report);
    ck_assert_int_eq(iq_usbpad_dev_send_report(dev, report), -EAGAIN);
    usbredirparser_send_set_configuration(peer.parser, 2, &setc);
    pump();
    ck_assert_int_eq(peer.config_status, usb_redir_success);
    ck_assert_int_eq(peer.config, 1);
    usbredirparser_send_start_interrupt_receiving(peer.parser, 3, &start);
    pump();
    ck_assert_int_eq(peer.int_status, usb_redir_success);
    ck_assert_int_eq(side.receiving, 1);
    side.state.lx = -32768;
    iq_usbpad_pack(&side.state, report);
    ck_assert_int_eq(iq_usbpad_dev_send_report(dev, report), 0);
    pump();
    ck_assert_int_eq(peer.interrupts, 1);
    ck_assert_uint_eq(peer.interrupt.endpoint, 0x81);
    ck_assert_int_eq(peer.interrupt_len, 20);
    ck_assert_mem_eq(peer.interrupt_data, report, 20);
}
END_TEST

START_TEST(test_a_configuration_the_pad_has_not_stalls)
{
    struct usb_redir_set_configuration_header setc = { 2 };

    plug();
    usbredirparser_send_set_configuration(peer.parser, 2, &setc);
    pump();
    ck_assert_int_eq(peer.config_status, usb_redir_stall);
    ck_assert_int_eq(peer.config, 0);
}
END_TEST

START_TEST(test_output_reports_are_taken_and_acknowledged)
{
    static const uint8_t rumble[8] = { 0x00, 0x08, 0x00, 0xff, 0x10, 0x00, 0x00, 0x00 };
    struct usb_redir_interrupt_packet_header h = { 0x01, 0, sizeof rumble };

    plug();
    usbredirparser_send_interrupt_packet(peer.parser, 9, &h, (uint8_t *)rumble, sizeof rumble);
    pump();
    ck_assert_int_eq(side.out_reports, 1);
    ck_assert_uint_eq(side.out_len, 8);
    ck_assert_mem_eq(side.out, rumble, 8);
    ck_assert_int_eq(peer.interrupts, 1);      /* the acknowledgement, no data */
    ck_assert_uint_eq(peer.interrupt.endpoint, 0x01);
    ck_assert_uint_eq(peer.interrupt.status, usb_redir_success);
    ck_assert_int_eq(peer.interrupt_len, 0);
}
END_TEST

START_TEST(test_unplug_disconnects_and_stops_reports)
{
    struct usb_redir_start_interrupt_receiving_header start = { 0x81 };
    uint8_t report[IQ_USBPAD_REPORT_SIZE] = { 0 };

    plug();
    usbredirparser_send_start_interrupt_receiving(peer.parser, 3, &start);
    pump();
    iq_usbpad_dev_unplug(dev);
    pump();
    ck_assert_int_eq(peer.disconnects, 1);
    ck_assert_int_eq(side.receiving, 0);
    ck_assert_int_eq(iq_usbpad_dev_send_report(dev, report), -EAGAIN);
    iq_usbpad_dev_plug(dev);
    pump();
    ck_assert_int_eq(peer.connects, 2);
}
END_TEST

START_TEST(test_a_qemu_that_stops_reading_gets_bounded_output)
{
    struct usb_redir_start_interrupt_receiving_header start = { 0x81 };
    uint8_t report[IQ_USBPAD_REPORT_SIZE] = { 0x00, 0x14 };
    int sent = 0, rc;

    plug();
    usbredirparser_send_start_interrupt_receiving(peer.parser, 3, &start);
    pump();
    /* From here the peer reads nothing: the socket fills, then the
     * parser's queue up to IQ_USBPAD_MAX_PENDING, then reports are refused. */
    while ((rc = iq_usbpad_dev_send_report(dev, report)) == 0 && sent < 1000000)
        sent++;
    ck_assert_int_eq(rc, -ENOBUFS);
    ck_assert_int_gt(sent, 100);
}
END_TEST

START_TEST(test_peer_gone_reads_as_epipe)
{
    plug();
    close(peer.fd);
    peer.fd = open("/dev/null", O_RDONLY);
    ck_assert_int_eq(iq_usbpad_dev_read(dev), -EPIPE);
}
END_TEST


/* ---- the four pads (usbpad.c) on a host whose main loop is GLib's ------ */

#include <glib.h>
#include <glib-unix.h>
#include <sys/un.h>

#include "usbpad.h"

struct gh_host {
    char path[108];
    int listener;
    gh_pad_feedback feedback[16];
    int n_feedback;
};

static uint64_t host_now(gh_host *h) { (void)h; return (uint64_t)g_get_monotonic_time() * 1000u; }
static void host_log(gh_host *h, uint32_t l, const char *m) { (void)h; (void)l; (void)m; }
static const char *host_pad_socket(gh_host *h, uint32_t pad) { return pad == 0 ? h->path : NULL; }
static int
host_feedback(gh_host *h, const gh_pad_feedback *fb)
{
    if (h->n_feedback < 16)
        h->feedback[h->n_feedback++] = *fb;
    return 0;
}

typedef struct { gh_timer_fn fn; gh_fd_fn fdfn; void *data; int fd; } HostSource;

static gboolean
host_timer_cb(gpointer p)
{
    HostSource *s = p;
    return s->fn(s->data) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
host_fd_cb(gint fd, GIOCondition cond, gpointer p)
{
    HostSource *s = p;
    return s->fdfn(fd, (cond & G_IO_IN ? GH_FD_IN : 0) | (cond & G_IO_OUT ? GH_FD_OUT : 0) |
                           (cond & G_IO_HUP ? GH_FD_HUP : 0), s->data) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static uint32_t
host_add_timer(gh_host *h, uint32_t ms, gh_timer_fn fn, void *data)
{
    HostSource *s = g_new0(HostSource, 1);
    (void)h;
    s->fn = fn;
    s->data = data;
    return g_timeout_add_full(G_PRIORITY_DEFAULT, ms, host_timer_cb, s, g_free);
}

static uint32_t
host_add_fd(gh_host *h, int fd, uint32_t events, gh_fd_fn fn, void *data)
{
    HostSource *s = g_new0(HostSource, 1);
    (void)h;
    s->fdfn = fn;
    s->data = data;
    return g_unix_fd_add_full(G_PRIORITY_DEFAULT, fd, (events & GH_FD_IN ? G_IO_IN : 0) | (events & GH_FD_OUT ? G_IO_OUT : 0),
                              host_fd_cb, s, g_free);
}

static void host_remove(gh_host *h, uint32_t id) { (void)h; g_source_remove(id); }

static gh_host_services pads_svc;
static gh_host pads_host;
static IqUsbpads *pads;

/* QEMU's side: listen where pad 0's channel is, and take the connection
 * usbpad makes, with the same parser peer as above. */
static void
pads_setup(void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    memset(&pads_host, 0, sizeof pads_host);
    snprintf(pads_host.path, sizeof pads_host.path, "/tmp/gh-usbpad-%d.sock", (int)getpid());
    unlink(pads_host.path);
    strcpy(addr.sun_path, pads_host.path);
    pads_host.listener = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_eq(bind(pads_host.listener, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(pads_host.listener, 1), 0);
    pads_svc = (gh_host_services){
        .struct_size = sizeof pads_svc, .version = GH_HOST_SERVICES_VERSION, .log = host_log, .now_ns = host_now,
        .add_timer = host_add_timer, .add_fd = host_add_fd, .remove_source = host_remove,
        .pad_socket = host_pad_socket, .pad_feedback = host_feedback,
    };
    pads = iq_usbpads_new(&pads_host, &pads_svc, 1, NULL);
    ck_assert_ptr_nonnull(pads);
    int fd = accept(pads_host.listener, NULL, NULL);
    ck_assert_int_ge(fd, 0);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    usbredir_peer_init(&peer, fd);
}

static void
pads_teardown(void)
{
    iq_usbpads_free(pads);
    usbredir_peer_fini(&peer);
    close(peer.fd);
    close(pads_host.listener);
    unlink(pads_host.path);
}

/* Runs both sides for ms milliseconds. */
static void
pads_run(int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;

    while (g_get_monotonic_time() < end) {
        usbredirparser_do_write(peer.parser);
        usbredirparser_do_read(peer.parser);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(500);
    }
}

/* The guest's driver opens the pad: configuration 1, then polling. */
static void
pads_guest_polls(void)
{
    struct usb_redir_set_configuration_header setc = { 1 };
    struct usb_redir_start_interrupt_receiving_header start = { 0x81 };

    usbredirparser_send_set_configuration(peer.parser, 1, &setc);
    usbredirparser_send_start_interrupt_receiving(peer.parser, 2, &start);
    pads_run(30);
}

static int
pads_send(const gh_input_event *evs, uint32_t n)
{
    char err[256];
    int rc = iq_usbpads_check(pads, evs, n, err, sizeof err);
    return rc < 0 ? rc : iq_usbpads_send(pads, evs, n, err, sizeof err);
}

START_TEST(test_pads_at_start_plugs_pad_0_and_says_so)
{
    pads_run(30);
    ck_assert_int_eq(peer.connects, 1);
    ck_assert_int_eq(pads_host.n_feedback, 1);
    ck_assert_uint_eq(pads_host.feedback[0].kind, GH_PAD_ATTACHED);
    ck_assert_uint_eq(pads_host.feedback[0].pad, 0);
}
END_TEST

START_TEST(test_press_and_release_in_one_send_are_two_reports_in_order)
{
    gh_input_event evs[] = { pad_event(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 1), pad_event(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 0) };
    gh_pad_stats st = { .struct_size = sizeof st };

    pads_run(30);
    pads_guest_polls();
    ck_assert_int_eq(pads_send(evs, 2), 0);
    pads_run(60);
    ck_assert_int_eq(peer.interrupts, 2);
    ck_assert_uint_eq(peer.interrupt_data[3], 0x00);  /* the last: released */
    ck_assert_int_eq(iq_usbpads_stats(pads, 0, &st), 0);
    ck_assert_uint_eq(st.reports, 2);
    ck_assert_uint_eq(st.coalesced, 0);
    ck_assert_uint_eq(st.attached, 1);
}
END_TEST

START_TEST(test_a_stick_flood_keeps_only_the_latest_value_waiting)
{
    gh_pad_stats st = { .struct_size = sizeof st };

    pads_run(30);
    for (int i = 1; i <= 40; i++) {
        gh_input_event ev = pad_event(GH_INPUT_PAD_AXIS, ABS_X, i * 100);
        ck_assert_int_eq(pads_send(&ev, 1), 0);
    }
    ck_assert_int_eq(iq_usbpads_stats(pads, 0, &st), 0);
    ck_assert_uint_eq(st.reports, 0);
    ck_assert_uint_eq(st.coalesced, 39);
    pads_guest_polls();
    pads_run(100);
    ck_assert_int_eq(iq_usbpads_stats(pads, 0, &st), 0);
    ck_assert_uint_eq(st.reports, 1);
    ck_assert_int_eq(peer.interrupts, 1);
    ck_assert_uint_eq(le16(peer.interrupt_data + 6), 4000);
}
END_TEST

START_TEST(test_a_button_flood_is_bounded_and_ends_in_its_last_state)
{
    gh_pad_stats st = { .struct_size = sizeof st };

    pads_run(30);
    for (int i = 1; i <= 40; i++) {
        gh_input_event ev = pad_event(GH_INPUT_PAD_BUTTON, BTN_SOUTH, i % 2);
        ck_assert_int_eq(pads_send(&ev, 1), 0);
    }
    ck_assert_int_eq(iq_usbpads_stats(pads, 0, &st), 0);
    ck_assert_uint_eq(st.coalesced, 40 - 16);
    pads_guest_polls();
    pads_run(200);
    ck_assert_int_eq(iq_usbpads_stats(pads, 0, &st), 0);
    ck_assert_uint_eq(st.reports, 16);
    ck_assert_int_eq(peer.interrupts, 16);
    ck_assert_uint_eq(peer.interrupt_data[3], 0x00);   /* the 40th event: released */
}
END_TEST

START_TEST(test_guest_rumble_becomes_feedback_and_garbage_is_counted)
{
    static const uint8_t rumble[8] = { 0x00, 0x08, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00 };
    static const uint8_t garbage[5] = { 0x7f, 0x01, 0x02, 0x03, 0x04 };
    struct usb_redir_interrupt_packet_header h = { 0x01, 0, sizeof rumble };
    gh_pad_stats st = { .struct_size = sizeof st };

    pads_run(30);
    usbredirparser_send_interrupt_packet(peer.parser, 5, &h, (uint8_t *)rumble, sizeof rumble);
    h.length = sizeof garbage;
    usbredirparser_send_interrupt_packet(peer.parser, 6, &h, (uint8_t *)garbage, sizeof garbage);
    pads_run(30);
    ck_assert_int_eq(pads_host.n_feedback, 2);
    ck_assert_uint_eq(pads_host.feedback[1].kind, GH_PAD_RUMBLE);
    ck_assert_uint_eq(pads_host.feedback[1].strong, 0x80 * 257);
    ck_assert_uint_eq(pads_host.feedback[1].weak, 257);
    ck_assert_int_eq(iq_usbpads_stats(pads, 0, &st), 0);
    ck_assert_uint_eq(st.out_reports, 2);
    ck_assert_uint_eq(st.out_malformed, 1);
}
END_TEST

START_TEST(test_pad_connect_0_unplugs_and_the_next_event_plugs_again)
{
    gh_input_event gone = { .type = GH_INPUT_PAD_CONNECT, .value = 0 };
    gh_input_event press = pad_event(GH_INPUT_PAD_BUTTON, BTN_EAST, 1);

    pads_run(30);
    ck_assert_int_eq(pads_send(&gone, 1), 0);
    pads_run(30);
    ck_assert_int_eq(peer.disconnects, 1);
    ck_assert_uint_eq(pads_host.feedback[pads_host.n_feedback - 1].kind, GH_PAD_DETACHED);
    ck_assert_int_eq(pads_send(&press, 1), 0);
    pads_run(30);
    ck_assert_int_eq(peer.connects, 2);
    ck_assert_uint_eq(pads_host.feedback[pads_host.n_feedback - 1].kind, GH_PAD_ATTACHED);
}
END_TEST

START_TEST(test_a_pad_without_a_channel_or_out_of_range_is_refused)
{
    char err[256];
    gh_input_event ev = pad_event(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 1);

    ev.device = 1;
    ck_assert_int_eq(iq_usbpads_check(pads, &ev, 1, err, sizeof err), -EOPNOTSUPP);
    ck_assert_str_eq(err, "event 0: pad 1: the VM has no USB channel for pads (its profile has no gamepad)");
    ev.device = 4;
    ck_assert_int_eq(iq_usbpads_check(pads, &ev, 1, err, sizeof err), -EINVAL);
    ck_assert_str_eq(err, "event 0: pad 4 is out of range (0..3)");
}
END_TEST

static Suite *
usbpad_suite(void)
{
    Suite *s = suite_create("usbpad");
    TCase *tc = tcase_create("descriptors");
    tcase_add_test(tc, test_device_descriptor_is_the_wired_controllers);
    tcase_add_test(tc, test_configuration_walks_as_the_documented_layout);
    tcase_add_test(tc, test_pad_interface_vendor_descriptor_names_its_endpoints);
    tcase_add_test(tc, test_endpoint_table_matches_the_configuration);
    tcase_add_test(tc, test_strings_are_utf16_and_unknown_ones_stall);
    suite_add_tcase(s, tc);

    tc = tcase_create("reports");
    tcase_add_loop_test(tc, test_each_button_sets_exactly_its_bit, 0, sizeof button_bits / sizeof button_bits[0]);
    tcase_add_test(tc, test_sticks_at_their_extremes_with_y_up_in_the_report);
    tcase_add_test(tc, test_digital_triggers_press_the_trigger_fully);
    tcase_add_test(tc, test_out_of_range_and_unknown_controls_are_refused_by_name);
    tcase_add_test(tc, test_rumble_and_led_reports_parse);
    tcase_add_test(tc, test_malformed_output_reports_are_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("usbredir");
    tcase_add_checked_fixture(tc, setup_pair, teardown_pair);
    tcase_add_test(tc, test_plug_announces_the_controller_at_full_speed);
    tcase_add_test(tc, test_get_descriptor_answers_and_truncates_to_the_length_asked);
    tcase_add_test(tc, test_unknown_requests_stall);
    tcase_add_test(tc, test_vendor_request_returns_the_current_report);
    tcase_add_test(tc, test_configuration_and_reports_flow_once_the_guest_polls);
    tcase_add_test(tc, test_a_configuration_the_pad_has_not_stalls);
    tcase_add_test(tc, test_output_reports_are_taken_and_acknowledged);
    tcase_add_test(tc, test_unplug_disconnects_and_stops_reports);
    tcase_add_test(tc, test_a_qemu_that_stops_reading_gets_bounded_output);
    tcase_add_test(tc, test_peer_gone_reads_as_epipe);
    suite_add_tcase(s, tc);

    tc = tcase_create("pads");
    tcase_add_checked_fixture(tc, pads_setup, pads_teardown);
    tcase_add_test(tc, test_pads_at_start_plugs_pad_0_and_says_so);
    tcase_add_test(tc, test_press_and_release_in_one_send_are_two_reports_in_order);
    tcase_add_test(tc, test_a_stick_flood_keeps_only_the_latest_value_waiting);
    tcase_add_test(tc, test_a_button_flood_is_bounded_and_ends_in_its_last_state);
    tcase_add_test(tc, test_guest_rumble_becomes_feedback_and_garbage_is_counted);
    tcase_add_test(tc, test_pad_connect_0_unplugs_and_the_next_event_plugs_again);
    tcase_add_test(tc, test_a_pad_without_a_channel_or_out_of_range_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(usbpad_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
