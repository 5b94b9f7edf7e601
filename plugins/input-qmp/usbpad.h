/* usbpad: the session's game pads for input.qmp, as emulated wired Xbox
 * 360 controllers on the VM's usb-redir channels (host->pad_socket).  A pad
 * is plugged in on its first event (or at start, option pads_at_start) and
 * unplugged when the player's pad goes (GH_INPUT_PAD_CONNECT 0); reports go
 * at most once per polling interval, in order; what the guest sends back
 * (rumble, LEDs) goes to the host as pad feedback.  Main thread only. */
#pragma once

#include <stddef.h>

#include <gamehost/plugin.h>

#include "bench-log.h"

typedef struct IqUsbpads IqUsbpads;

/* Always an object; pads_at_start pads (0..GH_INPUT_MAX_PADS) are plugged
 * in now.  svc, and log when not NULL, must outlive it: each input report
 * written to a pad's channel is logged there as "pad <received_ns>
 * <written_ns>", received being when the first event it carries came
 * (reports of untimed events are not logged). */
IqUsbpads *iq_usbpads_new(gh_host *host, const gh_host_services *svc, unsigned pads_at_start, BenchLog *log);
void iq_usbpads_free(IqUsbpads *pads);
/* Whether an event is for the pads (pad button, axis or connect). */
int iq_usbpads_event(const gh_input_event *ev);
/* Checks the pad events among events without delivering any: 0, or
 * -EINVAL / -EOPNOTSUPP with a message naming the first bad one. */
int iq_usbpads_check(IqUsbpads *pads, const gh_input_event *events, uint32_t n, char *err, size_t err_size);
/* Delivers the (checked) pad events among events, in order.  0, or -EIO
 * when a pad's channel cannot be reached (message in err). */
int iq_usbpads_send(IqUsbpads *pads, const gh_input_event *events, uint32_t n, char *err, size_t err_size);
/* gh_input_ops.pad_stats. */
int iq_usbpads_stats(IqUsbpads *pads, uint32_t pad, gh_pad_stats *stats);
