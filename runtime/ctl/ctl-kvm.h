/* ctl-kvm: proves /dev/kvm can run a guest, for `gamehostctl host check`.
 * Opening the device is not enough (a nested or locked-down host may open it
 * and still fail KVM_RUN), so a five-byte real-mode guest is really run. */
#pragma once

#include <glib.h>

#define GH_CTL_KVM_API_VERSION 12

/* Opens device (normally "/dev/kvm"), checks the API version, creates a VM
 * and a vCPU and runs `mov $0x2a,%al; out %al,$0x10; hlt`, expecting an I/O
 * exit on port 0x10 carrying 0x2a and then a HLT exit.  On success *api is
 * the API version; on failure the error says which step failed and why. */
gboolean gh_ctl_kvm_probe(const char *device, int *api, GError **error);
