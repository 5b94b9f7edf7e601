/* vm-access: the libvirt side of the host services a plugin uses to reach
 * its session's VM (screenshot, send keys, QMP), for one domain.  Plugins
 * never see the connection; these calls are what they get instead.  Any
 * thread: libvirt connections are thread-safe and every call looks the
 * domain up afresh, so a VM that is gone gives an error, not a crash. */
#pragma once

#include <glib.h>
#include "plugin/plugin-registry.h"
#include "virt.h"

typedef struct GhVmAccess GhVmAccess;

/* At most this many keys pressed together (libvirt's limit). */
#define GH_VM_ACCESS_MAX_KEYS 16u

/* virt must outlive the handle; domain_name is copied. */
GhVmAccess *gh_vm_access_new(GhVirt *virt, const char *domain_name);
GhVmAccess *gh_vm_access_free(GhVmAccess *va);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhVmAccess, gh_vm_access_free)

/* The VM-access ops with a GhVmAccess as ctx (submit_input is NULL: the
 * pipeline routes a stream's input).  Each returns 0, or a negative errno
 * with a malloc'd message in *error_msg: -EIO for what libvirt refuses,
 * -EINVAL for bad arguments. */
const GhPluginSessionOps *gh_vm_access_ops(void);

/* The same calls, directly.  screenshot's *data and *mime are malloc'd
 * (free() them); *mime is what libvirt says ("image/png" with QEMU 7.2). */
int gh_vm_access_screenshot(gpointer va, guint8 **data, gsize *len, char **mime, char **error_msg);
int gh_vm_access_send_keys(gpointer va, const guint32 *codes, guint n, guint hold_ms, char **error_msg);
int gh_vm_access_qmp_command(gpointer va, const char *command, char **reply, char **error_msg);
