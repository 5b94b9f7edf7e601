/* usbredir-peer: see usbredir-peer.h. */
#include "usbredir-peer.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
usbredir_peer_read(void *p, uint8_t *d, int n)
{
    ssize_t r = read(((UsbredirPeer *)p)->fd, d, (size_t)n);
    return r > 0 ? (int)r : 0;
}

static int
usbredir_peer_write(void *p, uint8_t *d, int n)
{
    return (int)write(((UsbredirPeer *)p)->fd, d, (size_t)n);
}

static void
usbredir_peer_log(void *p, int l, const char *m)
{
    (void)p;
    if (l <= 1)
        fprintf(stderr, "peer: %s\n", m);
}

static void usbredir_peer_hello(void *p, struct usb_redir_hello_header *h) { (void)h; ((UsbredirPeer *)p)->hello++; }
static void usbredir_peer_disconnect(void *p) { ((UsbredirPeer *)p)->disconnects++; }
static void usbredir_peer_ep(void *p, struct usb_redir_ep_info_header *h) { ((UsbredirPeer *)p)->ep = *h; }

static void
usbredir_peer_connect(void *p, struct usb_redir_device_connect_header *h)
{
    ((UsbredirPeer *)p)->connects++;
    ((UsbredirPeer *)p)->connect = *h;
}

static void
usbredir_peer_iface(void *p, struct usb_redir_interface_info_header *h)
{
    ((UsbredirPeer *)p)->interface_count = (int)h->interface_count;
}

static void
usbredir_peer_config_status(void *p, uint64_t id, struct usb_redir_configuration_status_header *h)
{
    (void)id;
    ((UsbredirPeer *)p)->config_status = h->status;
    ((UsbredirPeer *)p)->config = h->configuration;
}

static void
usbredir_peer_alt_status(void *p, uint64_t id, struct usb_redir_alt_setting_status_header *h)
{
    (void)id;
    (void)h;
    ((UsbredirPeer *)p)->alt_statuses++;
}

static void
usbredir_peer_int_status(void *p, uint64_t id, struct usb_redir_interrupt_receiving_status_header *h)
{
    (void)id;
    ((UsbredirPeer *)p)->int_status = h->status;
}

static void
usbredir_peer_control(void *p, uint64_t id, struct usb_redir_control_packet_header *h, uint8_t *data, int len)
{
    UsbredirPeer *pe = p;

    (void)id;
    pe->controls++;
    pe->control = *h;
    pe->control_len = len;
    if (len > 0)
        memcpy(pe->control_data, data, (size_t)len);
    usbredirparser_free_packet_data(pe->parser, data);
}

static void
usbredir_peer_interrupt(void *p, uint64_t id, struct usb_redir_interrupt_packet_header *h, uint8_t *data, int len)
{
    UsbredirPeer *pe = p;

    (void)id;
    pe->interrupts++;
    pe->interrupt = *h;
    pe->interrupt_len = len;
    if (len > 0)
        memcpy(pe->interrupt_data, data, (size_t)len);
    usbredirparser_free_packet_data(pe->parser, data);
}

void
usbredir_peer_init(UsbredirPeer *peer, int fd)
{
    uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };

    memset(peer, 0, sizeof *peer);
    peer->fd = fd;
    peer->parser = usbredirparser_create();
    peer->parser->priv = peer;
    peer->parser->log_func = usbredir_peer_log;
    peer->parser->read_func = usbredir_peer_read;
    peer->parser->write_func = usbredir_peer_write;
    peer->parser->hello_func = usbredir_peer_hello;
    peer->parser->device_connect_func = usbredir_peer_connect;
    peer->parser->device_disconnect_func = usbredir_peer_disconnect;
    peer->parser->interface_info_func = usbredir_peer_iface;
    peer->parser->ep_info_func = usbredir_peer_ep;
    peer->parser->configuration_status_func = usbredir_peer_config_status;
    peer->parser->alt_setting_status_func = usbredir_peer_alt_status;
    peer->parser->interrupt_receiving_status_func = usbredir_peer_int_status;
    peer->parser->control_packet_func = usbredir_peer_control;
    peer->parser->interrupt_packet_func = usbredir_peer_interrupt;
    /* QEMU's caps (hw/usb/redirect.c) */
    usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_device_disconnect_ack);
    usbredirparser_init(peer->parser, "test qemu", caps, USB_REDIR_CAPS_SIZE, 0);
}

void
usbredir_peer_fini(UsbredirPeer *peer)
{
    usbredirparser_destroy(peer->parser);
    peer->parser = NULL;
}
