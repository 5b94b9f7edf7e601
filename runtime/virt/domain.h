/* domain: builds the libvirt domain XML of a session from its image, profile
 * and devices (libxml2 tree API), and reads back the gamehost metadata that
 * lets a restarted daemon adopt the domain exactly. */
#pragma once

#include <glib.h>
#include "gpu/gpu-claim.h"
#include "conf/catalog.h"

#define GH_DOMAIN_METADATA_NS     "https://gamehost.dev/xmlns/session/1"
#define GH_DOMAIN_METADATA_PREFIX "gamehost"
#define GH_DOMAIN_NAME_PREFIX     "gh-"

typedef struct {
    const char *session_id;  /* a UUID; the domain is named "gh-<session_id>" and has uuid = session_id */
    const char *domain_type; /* "kvm" or "qemu" */
    const char *overlay_path;/* qcow2 overlay on the image's disk; only when gh_image_has_disk */
    const char *serial_log;  /* file the guest's first serial port writes to */
    const char *vnc_socket;  /* unix socket for the VNC display, may be NULL (no graphics element) */
    gint64 created_at;       /* unix time in microseconds, recorded in metadata */
    const GhGpuAssignment *gpu; /* the session's GPU, NULL = emulated display only */
    gboolean hugepages;      /* back guest memory with the host's default-size hugepages */
    const char *session_dir; /* the session's directory: the pads' USB channels listen in it (gh_domain_pad_socket) */
} GhDomainParams;

/* USB pads a domain can have: one usb-redir channel each. */
#define GH_DOMAIN_PADS 4u

/* Metadata stored in the domain under GH_DOMAIN_METADATA_NS. */
typedef struct {
    char *session_id;
    char *image_id;
    gint64 created_at;
    char *overlay_path;      /* NULL when the image has no disk */
} GhDomainMetadata;

#define GH_DOMAIN_ERROR (gh_domain_error_quark())
GQuark gh_domain_error_quark(void);
typedef enum {
    GH_DOMAIN_ERROR_INVALID,
} GhDomainError;

char *gh_domain_name_for_session(const char *session_id);
/* Full <domain> document as a string, or NULL with an error naming the problem. */
char *gh_domain_build_xml(const GhImage *image, const GhDomainParams *params, GError **error);
/* Parses the element returned by virDomainGetMetadata(VIR_DOMAIN_METADATA_ELEMENT, GH_DOMAIN_METADATA_NS). */
GhDomainMetadata *gh_domain_metadata_parse(const char *xml, GError **error);
GhDomainMetadata *gh_domain_metadata_free(GhDomainMetadata *md);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhDomainMetadata, gh_domain_metadata_free)

/* Whether the image's capture paths include "relay": its domain then gets
 * an ivshmem-plain <shmem> region for the frame relay. */
gboolean gh_domain_image_has_relay(const GhImage *image);
/* The host file backing a session's relay region: libvirt's QEMU driver
 * backs <shmem name="gh-<session_id>"> (no server) with
 * /dev/shm/gh-<session_id>, which QEMU creates and nobody removes. */
char *gh_domain_relay_path(const char *session_id);
/* The UNIX socket on which QEMU's usb-redir channel for pad `pad`
 * (0..GH_DOMAIN_PADS-1) listens, when the profile has a gamepad. */
char *gh_domain_pad_socket(const char *session_dir, guint pad);
