/* usbpad-dev: one emulated Xbox 360 controller on one usb-redir channel.
 * We are usbredir's "USB host" side (what usbredirhost is for a real
 * device), QEMU's usb-redir device the guest side: QEMU forwards the
 * guest's control and interrupt transfers, and this answers them from the
 * descriptors (usbpad-desc.c).  libusbredirparser does the protocol; the
 * caller owns the fd's watches and the main loop. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "usbpad-report.h"

typedef struct IqUsbpadDev IqUsbpadDev;

typedef struct {
    /* The guest's driver started (1) or stopped (0) polling the input
     * endpoint: only while it polls can reports go. */
    void (*receiving)(void *data, int receiving);
    /* An output report the guest sent (rumble, LED), borrowed. */
    void (*out_report)(void *data, const uint8_t *report, size_t len);
    /* The pad's current input report, for the guest's vendor request
     * 0xc1/0x01/0x0100 (xpad's "magic message" and XInput's poll). */
    void (*current_report)(void *data, uint8_t report[IQ_USBPAD_REPORT_SIZE]);
    /* Output is waiting: watch fd for writing (1) or stop (0).  Called
     * from iq_usbpad_dev_new too, before it returns. */
    void (*want_write)(void *data, int fd, int want);
    /* A line for the log; level as usbredirparser's (1 error .. 4 debug). */
    void (*log)(void *data, int level, const char *msg);
} IqUsbpadCallbacks;

/* Output the channel may hold before reports are refused: a guest whose
 * QEMU stops reading must not grow our memory. */
#define IQ_USBPAD_MAX_PENDING 65536u

/* Takes fd (a connected, non-blocking stream socket) and sends usbredir's
 * hello.  NULL on allocation failure (fd then closed). */
IqUsbpadDev *iq_usbpad_dev_new(int fd, const IqUsbpadCallbacks *cb, void *data);
/* Closes the fd. */
void iq_usbpad_dev_free(IqUsbpadDev *dev);
int iq_usbpad_dev_fd(const IqUsbpadDev *dev);
/* The fd is readable / writable.  0, or -EPIPE once the peer has gone or
 * spoken nonsense (free the device then). */
int iq_usbpad_dev_read(IqUsbpadDev *dev);
int iq_usbpad_dev_write(IqUsbpadDev *dev);
/* Plugs the pad into the guest (once QEMU's hello has come), or unplugs it. */
void iq_usbpad_dev_plug(IqUsbpadDev *dev);
void iq_usbpad_dev_unplug(IqUsbpadDev *dev);
int iq_usbpad_dev_plugged(const IqUsbpadDev *dev);
int iq_usbpad_dev_receiving(const IqUsbpadDev *dev);
/* One input report to the guest.  0; -EAGAIN when the guest is not polling
 * (nothing sent); -ENOBUFS when IQ_USBPAD_MAX_PENDING bytes are waiting. */
int iq_usbpad_dev_send_report(IqUsbpadDev *dev, const uint8_t report[IQ_USBPAD_REPORT_SIZE]);
