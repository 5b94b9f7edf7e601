/* usbpad-dev: the usbredir device side of one pad (see usbpad-dev.h).  The
 * guest's standard requests that QEMU does not answer itself arrive as
 * control packets; SET_CONFIGURATION and SET_INTERFACE as their own packets;
 * the pad's endpoints as interrupt packets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <usbredirparser.h>

#include "usbpad-desc.h"
#include "usbpad-dev.h"

struct IqUsbpadDev {
    struct usbredirparser *parser;
    int fd;
    IqUsbpadCallbacks cb;
    void *data;
    int hello;                   /* QEMU's hello arrived */
    int want_plug, plugged;
    int receiving;               /* the guest polls EP_IN */
    int configuration;
    int eof;
    int writing;                 /* want_write(1) was said */
};

#define USBPAD_EP_INDEX(ep) (((ep) & 0x0f) | (((ep) & 0x80) >> 3))

static void
usbpad_dev_flush(IqUsbpadDev *dev)
{
    int pending;

    if (usbredirparser_has_data_to_write(dev->parser))
        usbredirparser_do_write(dev->parser);
    pending = usbredirparser_has_data_to_write(dev->parser) > 0;
    if (pending != dev->writing) {
        dev->writing = pending;
        dev->cb.want_write(dev->data, dev->fd, pending);
    }
}

static void
usbpad_dev_log(void *priv, int level, const char *msg)
{
    IqUsbpadDev *dev = priv;

    if (level <= usbredirparser_warning)
        dev->cb.log(dev->data, level, msg);
}

static int
usbpad_dev_read_cb(void *priv, uint8_t *data, int count)
{
    IqUsbpadDev *dev = priv;
    ssize_t n = read(dev->fd, data, (size_t)count);

    if (n > 0)
        return (int)n;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    dev->eof = 1; /* 0 would mean "would block" to the parser */
    return -1;
}

static int
usbpad_dev_write_cb(void *priv, uint8_t *data, int count)
{
    IqUsbpadDev *dev = priv;
    ssize_t n = write(dev->fd, data, (size_t)count);

    if (n >= 0)
        return (int)n;
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

static void
usbpad_dev_connect(IqUsbpadDev *dev)
{
    struct usb_redir_interface_info_header ifaces = { .interface_count = IQ_USBPAD_INTERFACES };
    struct usb_redir_ep_info_header eps;
    struct usb_redir_device_connect_header conn = {
        .speed = usb_redir_speed_full,
        .device_class = 0xff, .device_subclass = 0xff, .device_protocol = 0xff,
        .vendor_id = IQ_USBPAD_VENDOR, .product_id = IQ_USBPAD_PRODUCT,
        .device_version_bcd = IQ_USBPAD_BCD_DEVICE,
    };
    static const uint8_t subclass[IQ_USBPAD_INTERFACES] = { 0x5d, 0x5d, 0x5d, 0xfd };
    static const uint8_t protocol[IQ_USBPAD_INTERFACES] = { 0x01, 0x03, 0x02, 0x13 };

    for (uint32_t i = 0; i < IQ_USBPAD_INTERFACES; i++) {
        ifaces.interface[i] = (uint8_t)i;
        ifaces.interface_class[i] = 0xff;
        ifaces.interface_subclass[i] = subclass[i];
        ifaces.interface_protocol[i] = protocol[i];
    }
    memset(&eps, 0, sizeof eps);
    memset(eps.type, usb_redir_type_invalid, sizeof eps.type);
    eps.type[0] = eps.type[16] = usb_redir_type_control;
    eps.max_packet_size[0] = eps.max_packet_size[16] = 8;
    for (size_t i = 0; i < IQ_USBPAD_N_ENDPOINTS; i++) {
        const IqUsbpadEndpoint *ep = &iq_usbpad_endpoints[i];
        int idx = USBPAD_EP_INDEX(ep->address);
        eps.type[idx] = usb_redir_type_interrupt;
        eps.interval[idx] = ep->interval;
        eps.interface[idx] = ep->interface;
        eps.max_packet_size[idx] = ep->max_packet;
    }
    usbredirparser_send_interface_info(dev->parser, &ifaces);
    usbredirparser_send_ep_info(dev->parser, &eps);
    usbredirparser_send_device_connect(dev->parser, &conn);
    dev->plugged = 1;
    dev->configuration = 0;
}

static void
usbpad_dev_hello(void *priv, struct usb_redir_hello_header *hello)
{
    IqUsbpadDev *dev = priv;

    (void)hello;
    dev->hello = 1;
    if (dev->want_plug && !dev->plugged)
        usbpad_dev_connect(dev);
}

static void
usbpad_dev_set_receiving(IqUsbpadDev *dev, int on)
{
    if (dev->receiving != on) {
        dev->receiving = on;
        dev->cb.receiving(dev->data, on);
    }
}

/* What a standard or vendor request answers: the data (IN) and whether it
 * is known at all (an unknown one stalls, as the pad does). */
static int
usbpad_dev_answer(IqUsbpadDev *dev, const struct usb_redir_control_packet_header *h, uint8_t *buf, size_t size,
                  size_t *len)
{
    *len = 0;
    switch (h->requesttype) {
    case 0x80: /* standard, device to host, device */
        if (h->request == 0x06) { /* GET_DESCRIPTOR */
            *len = iq_usbpad_descriptor(h->value, h->index, buf, size);
            return *len > 0;
        }
        if (h->request == 0x00) { /* GET_STATUS: bus powered, no wakeup armed */
            buf[0] = buf[1] = 0;
            *len = 2;
            return 1;
        }
        return 0;
    case 0x81: /* standard, interface */
    case 0x82: /* standard, endpoint */
        if (h->request == 0x00) {
            buf[0] = buf[1] = 0;
            *len = 2;
            return 1;
        }
        return 0;
    case 0x00: case 0x01: case 0x02: /* SET_FEATURE / CLEAR_FEATURE */
        return h->request == 0x01 || h->request == 0x03;
    case 0xc1: /* vendor, interface, in: the input report now */
        if (h->request == 0x01 && h->value == 0x0100 && size >= IQ_USBPAD_REPORT_SIZE) {
            dev->cb.current_report(dev->data, buf);
            *len = IQ_USBPAD_REPORT_SIZE;
            return 1;
        }
        return 0;
    default:
        return 0;
    }
}

static void
usbpad_dev_control(void *priv, uint64_t id, struct usb_redir_control_packet_header *h, uint8_t *data, int data_len)
{
    IqUsbpadDev *dev = priv;
    uint8_t buf[256];
    size_t len = 0;
    struct usb_redir_control_packet_header reply = *h;
    int in = h->endpoint & 0x80;

    if (usbpad_dev_answer(dev, h, buf, sizeof buf, &len)) {
        reply.status = usb_redir_success;
        if (in) {
            if (len > h->length)
                len = h->length;
            reply.length = (uint16_t)len;
        } else {
            reply.length = (uint16_t)(data_len > 0 ? data_len : 0);
        }
    } else {
        reply.status = usb_redir_stall;
        reply.length = 0;
        len = 0;
    }
    usbredirparser_send_control_packet(dev->parser, id, &reply, in && len ? buf : NULL, in ? (int)len : 0);
    if (data)
        usbredirparser_free_packet_data(dev->parser, data);
}

static void
usbpad_dev_set_config(void *priv, uint64_t id, struct usb_redir_set_configuration_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_configuration_status_header st = { .status = usb_redir_success, .configuration = h->configuration };

    if (h->configuration != 0 && h->configuration != IQ_USBPAD_CONFIG)
        st.status = usb_redir_stall;
    else
        dev->configuration = h->configuration;
    if (dev->configuration == 0)
        usbpad_dev_set_receiving(dev, 0);
    st.configuration = (uint8_t)dev->configuration;
    usbredirparser_send_configuration_status(dev->parser, id, &st);
}

static void
usbpad_dev_get_config(void *priv, uint64_t id)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_configuration_status_header st = { usb_redir_success, (uint8_t)dev->configuration };

    usbredirparser_send_configuration_status(dev->parser, id, &st);
}

static void
usbpad_dev_set_alt(void *priv, uint64_t id, struct usb_redir_set_alt_setting_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_alt_setting_status_header st = {
        .status = h->interface < IQ_USBPAD_INTERFACES && h->alt == 0 ? usb_redir_success : usb_redir_stall,
        .interface = h->interface, .alt = 0,
    };

    usbredirparser_send_alt_setting_status(dev->parser, id, &st);
}

static void
usbpad_dev_get_alt(void *priv, uint64_t id, struct usb_redir_get_alt_setting_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_alt_setting_status_header st = {
        .status = h->interface < IQ_USBPAD_INTERFACES ? usb_redir_success : usb_redir_inval,
        .interface = h->interface, .alt = 0,
    };

    usbredirparser_send_alt_setting_status(dev->parser, id, &st);
}

/* Every interrupt IN endpoint may be polled; only the pad's ever answers
 * (the headset and expansion ports have nothing plugged in). */
static void
usbpad_dev_start_int(void *priv, uint64_t id, struct usb_redir_start_interrupt_receiving_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_interrupt_receiving_status_header st = { usb_redir_success, h->endpoint };

    usbredirparser_send_interrupt_receiving_status(dev->parser, id, &st);
    if (h->endpoint == IQ_USBPAD_EP_IN)
        usbpad_dev_set_receiving(dev, 1);
}

static void
usbpad_dev_stop_int(void *priv, uint64_t id, struct usb_redir_stop_interrupt_receiving_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_interrupt_receiving_status_header st = { usb_redir_success, h->endpoint };

    usbredirparser_send_interrupt_receiving_status(dev->parser, id, &st);
    if (h->endpoint == IQ_USBPAD_EP_IN)
        usbpad_dev_set_receiving(dev, 0);
}

/* The guest's output reports: taken at once, so its driver never waits. */
static void
usbpad_dev_interrupt(void *priv, uint64_t id, struct usb_redir_interrupt_packet_header *h, uint8_t *data, int data_len)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_interrupt_packet_header reply = { h->endpoint, usb_redir_success, (uint16_t)(data_len > 0 ? data_len : 0) };

    if (!(h->endpoint & 0x80)) {
        if (h->endpoint == IQ_USBPAD_EP_OUT && data_len > 0)
            dev->cb.out_report(dev->data, data, (size_t)data_len);
        usbredirparser_send_interrupt_packet(dev->parser, id, &reply, NULL, 0);
    }
    if (data)
        usbredirparser_free_packet_data(dev->parser, data);
}

static void
usbpad_dev_reset(void *priv)
{
    (void)priv; /* the pad keeps no state a bus reset clears */
}

static void
usbpad_dev_cancel(void *priv, uint64_t id)
{
    (void)priv; /* every packet is answered as it arrives: nothing to cancel */
    (void)id;
}

/* The pad has no bulk or isochronous endpoints: QEMU never asks, but a
 * packet with no handler would crash the parser, so each is refused. */
static void
usbpad_dev_disconnect_ack(void *priv)
{
    (void)priv;
}

static void
usbpad_dev_filter_reject(void *priv)
{
    (void)priv;
}

static void
usbpad_dev_filter(void *priv, struct usbredirfilter_rule *rules, int rules_count)
{
    (void)priv;
    (void)rules_count;
    free(rules); /* the parser hands them over */
}

static void
usbpad_dev_start_iso(void *priv, uint64_t id, struct usb_redir_start_iso_stream_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_iso_stream_status_header st = { usb_redir_inval, h->endpoint };

    usbredirparser_send_iso_stream_status(dev->parser, id, &st);
}

static void
usbpad_dev_stop_iso(void *priv, uint64_t id, struct usb_redir_stop_iso_stream_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_iso_stream_status_header st = { usb_redir_inval, h->endpoint };

    usbredirparser_send_iso_stream_status(dev->parser, id, &st);
}

static void
usbpad_dev_start_bulk_recv(void *priv, uint64_t id, struct usb_redir_start_bulk_receiving_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_bulk_receiving_status_header st = { h->stream_id, h->endpoint, usb_redir_inval };

    usbredirparser_send_bulk_receiving_status(dev->parser, id, &st);
}

static void
usbpad_dev_stop_bulk_recv(void *priv, uint64_t id, struct usb_redir_stop_bulk_receiving_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_bulk_receiving_status_header st = { h->stream_id, h->endpoint, usb_redir_inval };

    usbredirparser_send_bulk_receiving_status(dev->parser, id, &st);
}

static void
usbpad_dev_alloc_streams(void *priv, uint64_t id, struct usb_redir_alloc_bulk_streams_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_bulk_streams_status_header st = { h->endpoints, h->no_streams, usb_redir_inval };

    usbredirparser_send_bulk_streams_status(dev->parser, id, &st);
}

static void
usbpad_dev_free_streams(void *priv, uint64_t id, struct usb_redir_free_bulk_streams_header *h)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_bulk_streams_status_header st = { h->endpoints, 0, usb_redir_inval };

    usbredirparser_send_bulk_streams_status(dev->parser, id, &st);
}

static void
usbpad_dev_bulk(void *priv, uint64_t id, struct usb_redir_bulk_packet_header *h, uint8_t *data, int data_len)
{
    IqUsbpadDev *dev = priv;
    struct usb_redir_bulk_packet_header reply = *h;

    (void)data_len;
    reply.status = usb_redir_inval;
    reply.length = reply.length_high = 0;
    usbredirparser_send_bulk_packet(dev->parser, id, &reply, NULL, 0);
    if (data)
        usbredirparser_free_packet_data(dev->parser, data);
}

static void
usbpad_dev_iso(void *priv, uint64_t id, struct usb_redir_iso_packet_header *h, uint8_t *data, int data_len)
{
    IqUsbpadDev *dev = priv;

    (void)id;
    (void)h;
    (void)data_len;
    if (data)
        usbredirparser_free_packet_data(dev->parser, data);
}

IqUsbpadDev *
iq_usbpad_dev_new(int fd, const IqUsbpadCallbacks *cb, void *data)
{
    IqUsbpadDev *dev = calloc(1, sizeof *dev);
    uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };

    if (!dev || !(dev->parser = usbredirparser_create())) {
        free(dev);
        close(fd);
        return NULL;
    }
    dev->fd = fd;
    dev->cb = *cb;
    dev->data = data;
    dev->parser->priv = dev;
    dev->parser->log_func = usbpad_dev_log;
    dev->parser->read_func = usbpad_dev_read_cb;
    dev->parser->write_func = usbpad_dev_write_cb;
    dev->parser->hello_func = usbpad_dev_hello;
    dev->parser->reset_func = usbpad_dev_reset;
    dev->parser->control_packet_func = usbpad_dev_control;
    dev->parser->set_configuration_func = usbpad_dev_set_config;
    dev->parser->get_configuration_func = usbpad_dev_get_config;
    dev->parser->set_alt_setting_func = usbpad_dev_set_alt;
    dev->parser->get_alt_setting_func = usbpad_dev_get_alt;
    dev->parser->start_interrupt_receiving_func = usbpad_dev_start_int;
    dev->parser->stop_interrupt_receiving_func = usbpad_dev_stop_int;
    dev->parser->interrupt_packet_func = usbpad_dev_interrupt;
    dev->parser->cancel_data_packet_func = usbpad_dev_cancel;
    dev->parser->device_disconnect_ack_func = usbpad_dev_disconnect_ack;
    dev->parser->filter_reject_func = usbpad_dev_filter_reject;
    dev->parser->filter_filter_func = usbpad_dev_filter;
    dev->parser->start_iso_stream_func = usbpad_dev_start_iso;
    dev->parser->stop_iso_stream_func = usbpad_dev_stop_iso;
    dev->parser->start_bulk_receiving_func = usbpad_dev_start_bulk_recv;
    dev->parser->stop_bulk_receiving_func = usbpad_dev_stop_bulk_recv;
    dev->parser->alloc_bulk_streams_func = usbpad_dev_alloc_streams;
    dev->parser->free_bulk_streams_func = usbpad_dev_free_streams;
    dev->parser->bulk_packet_func = usbpad_dev_bulk;
    dev->parser->iso_packet_func = usbpad_dev_iso;
    usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_device_disconnect_ack);
    usbredirparser_init(dev->parser, "gamehost usbpad", caps, USB_REDIR_CAPS_SIZE, usbredirparser_fl_usb_host);
    usbpad_dev_flush(dev);
    return dev;
}

void
iq_usbpad_dev_free(IqUsbpadDev *dev)
{
    if (!dev)
        return;
    usbredirparser_destroy(dev->parser);
    close(dev->fd);
    free(dev);
}

int
iq_usbpad_dev_fd(const IqUsbpadDev *dev)
{
    return dev->fd;
}

int
iq_usbpad_dev_read(IqUsbpadDev *dev)
{
    int r = usbredirparser_do_read(dev->parser);

    if (dev->eof || r == usbredirparser_read_io_error)
        return -EPIPE;
    usbpad_dev_flush(dev);
    /* A parse error skips the bad packet: QEMU never sends one, so say it. */
    if (r == usbredirparser_read_parse_error)
        dev->cb.log(dev->data, usbredirparser_warning, "a malformed usbredir packet from QEMU was skipped");
    return 0;
}

int
iq_usbpad_dev_write(IqUsbpadDev *dev)
{
    if (usbredirparser_do_write(dev->parser) == usbredirparser_write_io_error)
        return -EPIPE;
    usbpad_dev_flush(dev);
    return 0;
}

void
iq_usbpad_dev_plug(IqUsbpadDev *dev)
{
    dev->want_plug = 1;
    if (dev->hello && !dev->plugged) {
        usbpad_dev_connect(dev);
        usbpad_dev_flush(dev);
    }
}

void
iq_usbpad_dev_unplug(IqUsbpadDev *dev)
{
    dev->want_plug = 0;
    if (!dev->plugged)
        return;
    usbredirparser_send_device_disconnect(dev->parser);
    dev->plugged = 0;
    usbpad_dev_set_receiving(dev, 0);
    usbpad_dev_flush(dev);
}

int
iq_usbpad_dev_plugged(const IqUsbpadDev *dev)
{
    return dev->plugged;
}

int
iq_usbpad_dev_receiving(const IqUsbpadDev *dev)
{
    return dev->receiving;
}

int
iq_usbpad_dev_send_report(IqUsbpadDev *dev, const uint8_t report[IQ_USBPAD_REPORT_SIZE])
{
    struct usb_redir_interrupt_packet_header h = { IQ_USBPAD_EP_IN, usb_redir_success, IQ_USBPAD_REPORT_SIZE };

    if (!dev->plugged || !dev->receiving)
        return -EAGAIN;
    if (usbredirparser_get_bufferered_output_size(dev->parser) > IQ_USBPAD_MAX_PENDING)
        return -ENOBUFS;
    /* QEMU ignores the id of a packet it did not ask for. */
    usbredirparser_send_interrupt_packet(dev->parser, 0, &h, (uint8_t *)report, IQ_USBPAD_REPORT_SIZE);
    usbpad_dev_flush(dev);
    return 0;
}
