/* usbredir-peer: QEMU's side of a usb-redir channel for the pad suites
 * (test_usbpad, test_input_qmp): a libusbredirparser with QEMU's caps that
 * records what the pad sent it, for the test to assert.  Single thread;
 * the test moves the bytes (usbredirparser_do_read / do_write). */
#pragma once

#include <stdint.h>

#include <usbredirparser.h>

typedef struct {
    struct usbredirparser *parser;
    int fd;
    int hello, connects, disconnects, interface_count;
    struct usb_redir_device_connect_header connect;
    struct usb_redir_ep_info_header ep;
    struct usb_redir_control_packet_header control;
    uint8_t control_data[256];
    int control_len, controls;
    int config_status, config, alt_statuses, int_status;
    int interrupts;
    struct usb_redir_interrupt_packet_header interrupt;
    uint8_t interrupt_data[64];
    int interrupt_len;
} UsbredirPeer;

/* Zeroes peer and starts its parser on fd (a connected non-blocking stream
 * socket, still the caller's); its hello is queued for writing. */
void usbredir_peer_init(UsbredirPeer *peer, int fd);
/* Destroys the parser; the fd stays the caller's. */
void usbredir_peer_fini(UsbredirPeer *peer);
