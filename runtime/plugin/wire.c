/* wire: see wire.h.  GLib parses the bodies (GVariant from untrusted bytes,
 * then its normal-form check); this file frames them and moves the fds. */
#include "wire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <gio/gio.h>

/* Linux refuses a datagram larger than the send buffer less its overhead
 * (EMSGSIZE): a max message needs this much room beyond its size. */
#define WIRE_SNDBUF_SLACK 4096u

G_DEFINE_QUARK(gh-wire-error-quark, gh_wire_error)

void
gh_wire_msg_clear(GhWireMsg *m)
{
    g_clear_pointer(&m->body, g_variant_unref);
    for (guint i = 0; i < m->n_fds; i++)
        close(m->fds[i]);
    *m = (GhWireMsg){ 0 };
}

const GhWireKind *
gh_wire_kind(const GhWireKind *table, guint n, guint32 type)
{
    if (type == 0)
        return NULL;
    for (guint i = 0; i < n; i++)
        if (table[i].type == type)
            return &table[i];
    return NULL;
}

/* errno after a failed call: EAGAIN is no failure but "try later". */
static gboolean
wire_fail_errno(GError **error, const char *who, const char *call)
{
    int err = errno;

    if (err == EAGAIN || err == EWOULDBLOCK)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "%s: %s: %s", who, call, g_strerror(err));
    else
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_IO, "%s: %s: %s", who, call, g_strerror(err));
    return FALSE;
}

static gboolean
wire_size_sndbuf(int fd, GError **error)
{
    int size = 2 * GH_WIRE_MAX_MESSAGE;
    socklen_t len = sizeof(size);

    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len) < 0)
        return wire_fail_errno(error, "wire", "SO_SNDBUF");
    /* The kernel caps the request at net.core.wmem_max (then doubles it). */
    if ((guint)size < GH_WIRE_MAX_MESSAGE + WIRE_SNDBUF_SLACK) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_IO,
                    "wire: a send buffer of %d bytes cannot hold a %u-byte message (raise net.core.wmem_max)",
                    size, GH_WIRE_MAX_MESSAGE);
        return FALSE;
    }
    return TRUE;
}

gboolean
gh_wire_socketpair(int sv[2], GError **error)
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return wire_fail_errno(error, "wire", "socketpair");
    if (!wire_size_sndbuf(sv[0], error) || !wire_size_sndbuf(sv[1], error)) {
        close(sv[0]);
        close(sv[1]);
        sv[0] = sv[1] = -1;
        return FALSE;
    }
    return TRUE;
}

/* "()" carries nothing, so its body is sent as nothing at all (GVariant
 * would store one zero byte). */
static gboolean
wire_is_unit(const GhWireKind *kind)
{
    return strcmp(kind->signature, "()") == 0;
}

static gboolean
wire_too_big(const GhWireKind *table, guint n_kinds, guint32 type, gsize len, GError **error)
{
    const GhWireKind *kind = gh_wire_kind(table, n_kinds, type);

    if (kind)
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_TOO_BIG,
                    "%s: packet of %zu bytes is over the %u-byte maximum", kind->name, len, GH_WIRE_MAX_MESSAGE);
    else
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_TOO_BIG,
                    "message type %u: packet of %zu bytes is over the %u-byte maximum",
                    type, len, GH_WIRE_MAX_MESSAGE);
    return FALSE;
}

static void
wire_read_header(const guint8 *data, guint32 *type, guint32 *serial)
{
    guint32 le[2];

    memcpy(le, data, sizeof(le));
    *type = GUINT32_FROM_LE(le[0]);
    *serial = GUINT32_FROM_LE(le[1]);
}

/* The body, owned, or NULL: GVariant reads untrusted bytes safely, and the
 * normal-form check refuses every other encoding of a value (bad offsets,
 * strings without their NUL, trailing junk), so a body has one spelling. */
static GVariant *
wire_decode_body(const GhWireKind *kind, const guint8 *data, gsize len, GError **error)
{
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GVariant) body = NULL;

    if (wire_is_unit(kind)) {
        if (len == 0)
            return g_variant_ref_sink(g_variant_new("()"));
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_MALFORMED,
                    "%s: a () body must be empty (%zu bytes)", kind->name, len);
        return NULL;
    }
    /* A copy: the message outlives data, and g_malloc aligns it for GVariant. */
    bytes = g_bytes_new(data, len);
    body = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE(kind->signature), bytes, FALSE));
    if (!g_variant_is_normal_form(body)) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_MALFORMED,
                    "%s: body is not a normal-form %s (%zu bytes)", kind->name, kind->signature, len);
        return NULL;
    }
    return g_steal_pointer(&body);
}

gboolean
gh_wire_decode(const GhWireKind *table, guint n_kinds, const guint8 *data, gsize len,
               GhWireMsg *out, GError **error)
{
    const GhWireKind *kind;
    guint32 type, serial;
    GVariant *body;

    *out = (GhWireMsg){ 0 };
    if (len < GH_WIRE_HEADER) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_MALFORMED,
                    "packet of %zu bytes is shorter than the %u-byte header", len, GH_WIRE_HEADER);
        return FALSE;
    }
    wire_read_header(data, &type, &serial);
    if (len > GH_WIRE_MAX_MESSAGE)
        return wire_too_big(table, n_kinds, type, len, error);
    kind = gh_wire_kind(table, n_kinds, type);
    if (!kind) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_MALFORMED, "unknown message type %u", type);
        return FALSE;
    }
    body = wire_decode_body(kind, data + GH_WIRE_HEADER, len - GH_WIRE_HEADER, error);
    if (!body)
        return FALSE;
    *out = (GhWireMsg){ .kind = kind, .serial = serial, .body = body };
    return TRUE;
}

/* The header into header, and the body in normal form (owned; its bytes
 * are what goes on the wire), or NULL for a body of another type. */
static GVariant *
wire_frame(const GhWireKind *kind, guint32 serial, GVariant *body, guint8 header[GH_WIRE_HEADER])
{
    g_autoptr(GVariant) owned = g_variant_ref_sink(body ? body : g_variant_new("()"));
    guint32 le[2] = { GUINT32_TO_LE(kind->type), GUINT32_TO_LE(serial) };

    g_return_val_if_fail(g_variant_is_of_type(owned, G_VARIANT_TYPE(kind->signature)), NULL);
    memcpy(header, le, sizeof(le));
    return g_variant_get_normal_form(owned);
}

static gsize
wire_body_size(const GhWireKind *kind, GVariant *body)
{
    return wire_is_unit(kind) ? 0 : g_variant_get_size(body);
}

GBytes *
gh_wire_encode(const GhWireKind *kind, guint32 serial, GVariant *body)
{
    guint8 header[GH_WIRE_HEADER];
    g_autoptr(GVariant) normal = wire_frame(kind, serial, body, header);
    gsize size;
    guint8 *packet;

    if (!normal)
        return NULL;
    size = wire_body_size(kind, normal);
    packet = g_malloc(GH_WIRE_HEADER + size);
    memcpy(packet, header, GH_WIRE_HEADER);
    if (size > 0)
        g_variant_store(normal, packet + GH_WIRE_HEADER);
    return g_bytes_new_take(packet, GH_WIRE_HEADER + size);
}

/* What a caller must never ask of the wire: more than the max, more fds
 * than the kind carries. */
static gboolean
wire_check_send(const GhWireKind *kind, gsize len, guint n_fds, GError **error)
{
    if (len > GH_WIRE_MAX_MESSAGE) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_TOO_BIG,
                    "%s: packet of %zu bytes is over the %u-byte maximum", kind->name, len, GH_WIRE_MAX_MESSAGE);
        return FALSE;
    }
    if (n_fds > MIN(kind->max_fds, GH_WIRE_MAX_FDS)) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_FDS,
                    "%s: %u fds, at most %u", kind->name, n_fds, MIN(kind->max_fds, GH_WIRE_MAX_FDS));
        return FALSE;
    }
    return TRUE;
}

static gboolean
wire_sendmsg(int fd, const GhWireKind *kind, struct iovec *iov, guint n_iov,
             const int *fds, guint n_fds, GError **error)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * GH_WIRE_MAX_FDS)];
    } control = { 0 };
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n_iov };

    if (n_fds > 0) {
        struct cmsghdr *c;

        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
    }
    while (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0)
        if (errno != EINTR)
            return wire_fail_errno(error, kind->name, "sendmsg");
    return TRUE;
}

gboolean
gh_wire_send(int fd, const GhWireKind *kind, guint32 serial, GVariant *body,
             const int *fds, guint n_fds, GError **error)
{
    guint8 header[GH_WIRE_HEADER];
    g_autoptr(GVariant) normal = wire_frame(kind, serial, body, header);
    struct iovec iov[2] = { { .iov_base = header, .iov_len = GH_WIRE_HEADER } };
    gsize size;

    if (!normal) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_MALFORMED,
                    "%s: body is not of type %s", kind->name, kind->signature);
        return FALSE;
    }
    size = wire_body_size(kind, normal);
    if (!wire_check_send(kind, GH_WIRE_HEADER + size, n_fds, error))
        return FALSE;
    iov[1].iov_base = (gpointer)g_variant_get_data(normal);
    iov[1].iov_len = size;
    return wire_sendmsg(fd, kind, iov, size > 0 ? 2 : 1, fds, n_fds, error);
}

static void
wire_close_fds(const int *fds, guint n)
{
    for (guint i = 0; i < n; i++)
        close(fds[i]);
}

/* Every fd the packet brought, into fds (at most GH_WIRE_MAX_FDS; the
 * control buffer holds no more, and any beyond are closed here), then
 * whether the control data was whole and only SCM_RIGHTS.  The caller
 * closes fds on failure. */
static gboolean
wire_collect_fds(struct msghdr *msg, int *fds, guint *n_fds, GError **error)
{
    gboolean other = FALSE;
    int other_level = 0, other_type = 0;

    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            other = TRUE;
            other_level = c->cmsg_level;
            other_type = c->cmsg_type;
            continue;
        }
        for (gsize i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
            int f;

            memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (*n_fds < GH_WIRE_MAX_FDS)
                fds[(*n_fds)++] = f;
            else
                close(f);
        }
    }
    /* A foreign control message takes room and cuts the rest: name it first. */
    if (other) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_FDS,
                    "wire: control message of level %d type %d, not SCM_RIGHTS", other_level, other_type);
        return FALSE;
    }
    if (msg->msg_flags & MSG_CTRUNC) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_FDS,
                    "wire: control data truncated: more than %u fds", GH_WIRE_MAX_FDS);
        return FALSE;
    }
    return TRUE;
}

/* One recvmsg into buf (GH_WIRE_MAX_MESSAGE + 1 bytes) and fds: the
 * packet's length (its real one when it was cut), or -1 with error.  Only
 * fds of a whole, well-formed control message are left open. */
static gssize
wire_recvmsg(int fd, guint8 *buf, int *fds, guint *n_fds, gboolean *cut, GError **error)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * GH_WIRE_MAX_FDS)];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = GH_WIRE_MAX_MESSAGE + 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
    gssize len;

    /* MSG_TRUNC: the real length of a packet that did not fit, for the error. */
    while ((len = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_TRUNC)) < 0) {
        if (errno != EINTR) {
            wire_fail_errno(error, "wire", "recvmsg");
            return -1;
        }
    }
    if (!wire_collect_fds(&msg, fds, n_fds, error)) {
        wire_close_fds(fds, *n_fds);
        return -1;
    }
    *cut = (msg.msg_flags & MSG_TRUNC) != 0;
    return len;
}

/* The received fds into out, if its kind carries that many. */
static gboolean
wire_take_fds(GhWireMsg *out, const int *fds, guint n_fds, GError **error)
{
    if (n_fds > out->kind->max_fds) {
        g_set_error(error, GH_WIRE_ERROR, GH_WIRE_ERROR_FDS,
                    "%s: %u fds, at most %u", out->kind->name, n_fds, out->kind->max_fds);
        return FALSE;
    }
    memcpy(out->fds, fds, sizeof(int) * n_fds);
    out->n_fds = n_fds;
    return TRUE;
}

int
gh_wire_recv(int fd, const GhWireKind *table, guint n_kinds, GhWireMsg *out, GError **error)
{
    g_autofree guint8 *buf = g_malloc(GH_WIRE_MAX_MESSAGE + 1);
    int fds[GH_WIRE_MAX_FDS];
    guint n_fds = 0;
    gboolean cut = FALSE;
    gssize len;

    *out = (GhWireMsg){ 0 };
    len = wire_recvmsg(fd, buf, fds, &n_fds, &cut, error);
    if (len < 0)
        return -1;
    if (len == 0 && n_fds == 0)
        return 0;
    if (cut) {
        guint32 type, serial;

        /* A cut packet still holds its whole header: name its kind. */
        wire_read_header(buf, &type, &serial);
        wire_too_big(table, n_kinds, type, len, error);
    } else if (gh_wire_decode(table, n_kinds, buf, len, out, error) && wire_take_fds(out, fds, n_fds, error)) {
        return 1;
    }
    wire_close_fds(fds, n_fds);
    gh_wire_msg_clear(out);
    return -1;
}
