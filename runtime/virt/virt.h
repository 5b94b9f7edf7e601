/* virt: the libvirt connection.  Picks the URI (embedded under the state dir by
 * default), writes the embedded driver's qemu.conf, runs libvirt's event loop on
 * its own thread and hands domain lifecycle events to the main loop.  Also
 * checks that QEMU's user can reach the directories it is given. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <sys/types.h>

typedef struct GhVirt GhVirt;

/* Called on the main context given to gh_virt_open. event/detail are
 * virDomainEventType and its detail. */
typedef void (*GhVirtLifecycleFunc)(const char *domain_name, int event, int detail,
                                    gpointer user_data);

#define GH_VIRT_ERROR (gh_virt_error_quark())
GQuark gh_virt_error_quark(void);
typedef enum {
    GH_VIRT_ERROR_CONNECT,
    GH_VIRT_ERROR_CALL,
    GH_VIRT_ERROR_REACH,     /* QEMU's user cannot traverse to a directory */
} GhVirtError;

/* The user the embedded driver runs QEMU as (Debian's libvirt-daemon-system
 * creates it; qemu:///system defaults to it too). */
#define GH_VIRT_QEMU_USER "libvirt-qemu"

char *gh_virt_embed_uri(const char *state_dir);
/* Writes <root>/etc/qemu.conf for the embedded driver. */
gboolean gh_virt_prepare_embed_root(const char *root, GError **error);

/* uri NULL → embedded under state_dir.  context NULL → the thread-default
 * context, which must not be the global default one (libvirt's thread
 * iterates that).  domain_type "auto" → kvm when libvirt's capabilities
 * offer a kvm domain for x86_64, else qemu. */
GhVirt *gh_virt_open(const char *uri, const char *state_dir, const char *domain_type,
                     GMainContext *context, GError **error);
GhVirt *gh_virt_free(GhVirt *virt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhVirt, gh_virt_free)

virConnectPtr gh_virt_conn(GhVirt *virt);
const char *gh_virt_uri(GhVirt *virt);
const char *gh_virt_domain_type(GhVirt *virt);
gboolean gh_virt_is_alive(GhVirt *virt);
/* The path of a running domain's private D-Bus bus (QEMU's D-Bus display
 * and audio), or NULL when it has none or the driver's layout is unknown. */
char *gh_virt_dbus_socket(GhVirt *virt, const char *domain_name);
void gh_virt_set_lifecycle_handler(GhVirt *virt, GhVirtLifecycleFunc fn, gpointer user_data);

/* Whether uid (with gid and, when uid has a passwd entry, its supplementary
 * groups) may search every directory from / down to path, and path itself,
 * following symlinks: QEMU opens files in the session dirs by path.  Mode
 * bits only; a directory carrying a POSIX ACL is given the benefit of the
 * doubt.  FALSE with GH_VIRT_ERROR_REACH naming the first directory that
 * blocks, the user and the chmod that fixes it, or with G_FILE_ERROR when a
 * component cannot be examined. */
gboolean gh_virt_check_qemu_reach(const char *path, uid_t uid, gid_t gid, GError **error);

/* Sets *error from libvirt's last error, prefixed with what was being done. */
void gh_virt_set_error(GError **error, const char *what);
