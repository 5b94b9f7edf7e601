/* wire: the framing of the worker IPC (issue 15).  One message per
 * AF_UNIX SOCK_SEQPACKET packet: an 8-byte little-endian header (type,
 * serial), then a normal-form GVariant body whose type the protocol's table
 * fixes per message type, and up to GH_WIRE_MAX_FDS fds as SCM_RIGHTS.
 * What the daemon reads comes from an untrusted worker: decoding trusts no
 * byte and every error path closes the fds received.  No state: any thread. */
#pragma once

#include <glib.h>

#define GH_WIRE_HEADER      8u
#define GH_WIRE_MAX_FDS     4u
#define GH_WIRE_MAX_MESSAGE (256u * 1024u)   /* a whole packet, header included */

#define GH_WIRE_ERROR (gh_wire_error_quark())
GQuark gh_wire_error_quark(void);
typedef enum {
    GH_WIRE_ERROR_MALFORMED,     /* short, type 0 or unknown, body not a normal-form value of its type */
    GH_WIRE_ERROR_TOO_BIG,       /* a packet over GH_WIRE_MAX_MESSAGE (sent or received) */
    GH_WIRE_ERROR_FDS,           /* more fds than the kind or the wire allows, a control message not SCM_RIGHTS */
    GH_WIRE_ERROR_IO,            /* socket(pair), sendmsg or recvmsg failed: the message names errno */
} GhWireError;
/* A non-blocking socket that cannot take or give a packet now fails with
 * G_IO_ERROR_WOULD_BLOCK instead: the caller polls and tries again. */

/* One message type of a protocol; a protocol is a table of them. */
typedef struct {
    guint32 type;                /* nonzero, unique in the table */
    const char *name;            /* "start", for messages and errors */
    const char *signature;       /* the body's GVariant type string, e.g. "(us)" */
    guint max_fds;               /* fds it may carry (0..GH_WIRE_MAX_FDS) */
} GhWireKind;

/* One message read from the wire.  Zero-initialise it ({ 0 }) before
 * gh_wire_decode or gh_wire_recv fill it. */
typedef struct {
    const GhWireKind *kind;      /* the table's entry */
    guint32 serial;
    GVariant *body;              /* owned; of kind->signature, normal form */
    int fds[GH_WIRE_MAX_FDS];
    guint n_fds;                 /* owned fds, CLOEXEC */
} GhWireMsg;

/* Unrefs the body and closes the fds; idempotent. */
void gh_wire_msg_clear(GhWireMsg *m);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GhWireMsg, gh_wire_msg_clear)

/* The table's kind of type, or NULL (type 0 never has one). */
const GhWireKind *gh_wire_kind(const GhWireKind *table, guint n, guint32 type);

/* A connected SOCK_SEQPACKET pair, CLOEXEC, whose send buffers hold a
 * GH_WIRE_MAX_MESSAGE packet (Linux's default, 208 KiB, does not). */
gboolean gh_wire_socketpair(int sv[2], GError **error);

/* One packet's bytes (its fds travel apart) into out, which is left zeroed
 * on failure.  Refused with GH_WIRE_ERROR_MALFORMED: shorter than the
 * header, type 0 or not in the table, a body that is not the normal form of
 * a value of the kind's signature (wrong type, bad framing, trailing junk;
 * a "()" body must be empty); with GH_WIRE_ERROR_TOO_BIG: longer than
 * GH_WIRE_MAX_MESSAGE.  Messages name the kind and the problem. */
gboolean gh_wire_decode(const GhWireKind *table, guint n_kinds, const guint8 *data, gsize len,
                        GhWireMsg *out, GError **error);

/* The packet's bytes: header and body (body floating or not; NULL is "()",
 * which is sent as no body at all).  NULL for a body of another type than
 * kind->signature, a programming error. */
GBytes *gh_wire_encode(const GhWireKind *kind, guint32 serial, GVariant *body);

/* Sends one message and its fds (borrowed) in one sendmsg.  Programming
 * errors fail with GH_WIRE_ERROR_TOO_BIG (over the max) or _FDS (n_fds over
 * kind->max_fds); a full non-blocking socket with G_IO_ERROR_WOULD_BLOCK,
 * other sendmsg errors with GH_WIRE_ERROR_IO.  Never raises SIGPIPE. */
gboolean gh_wire_send(int fd, const GhWireKind *kind, guint32 serial, GVariant *body,
                      const int *fds, guint n_fds, GError **error);

/* Reads one packet into out (zeroed first): 1 with a message, 0 at EOF
 * (the peer closed; an empty packet without fds reads the same), -1 with
 * error: anything gh_wire_decode refuses, a packet over the max
 * (GH_WIRE_ERROR_TOO_BIG), more fds than GH_WIRE_MAX_FDS or the kind's
 * max_fds, or a control message that is not SCM_RIGHTS
 * (GH_WIRE_ERROR_FDS), G_IO_ERROR_WOULD_BLOCK, GH_WIRE_ERROR_IO.  The fds
 * come CLOEXEC; on every failure they are closed. */
int gh_wire_recv(int fd, const GhWireKind *table, guint n_kinds, GhWireMsg *out, GError **error);
