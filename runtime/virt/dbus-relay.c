/* dbus-relay: the relay's thread, its connections, and the one SASL line it
 * rewrites.  A byte relay, not a D-Bus implementation: messages are never
 * parsed; only the client's authentication lines before BEGIN are read. */
#define _GNU_SOURCE 1 /* accept4, struct ucred, memmem */
#include "dbus-relay.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log-limit.h"

/* What one read takes: most D-Bus messages are far smaller. */
#define DBUS_RELAY_BUF         65536
/* SCM_MAX_FD: the most fds one recvmsg can bring. */
#define DBUS_RELAY_MAX_FDS     253
/* GDBus says five lines before BEGIN, libdbus four: a client that needs
 * more is not authenticating. */
#define DBUS_RELAY_SASL_LINES  16
#define DBUS_RELAY_SASL_BYTES  4096
/* The audio backend holds one; more is a worker gone wrong. */
#define DBUS_RELAY_MAX_CONNS   16

/* Control space for the most fds one message carries, aligned for cmsghdr. */
typedef union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * DBUS_RELAY_MAX_FDS)];
} RelayControl;

/* One direction of a connection: bytes read from one side and not yet
 * written to the other, and the fds that came with them. */
typedef struct {
    guint8 *buf;
    gsize off, len;
    int fds[DBUS_RELAY_MAX_FDS];
    guint n_fds;
} RelayPipe;

typedef struct {
    int client, bus;
    uid_t client_uid;            /* SO_PEERCRED's */
    uid_t bus_uid;               /* the uid the bus sees on our side */
    RelayPipe up, down;          /* client → bus, bus → client */
    /* Until the client's BEGIN: */
    gboolean begun, nul_seen;
    gboolean data_is_identity;   /* AUTH EXTERNAL came without one: the next DATA carries it */
    guint sasl_lines;
    gsize sasl_bytes;            /* in whole lines */
    GByteArray *sasl;            /* read, not yet a whole line */
} RelayConn;

struct GhDbusRelay {
    char *listen_path, *bus_path;
    uid_t client_uid, own_uid;
    gid_t client_gid, own_gid;
    int listen_fd, wake_fd;
    gboolean bound;
    dev_t sock_dev;              /* the socket file bound, removed at free only while still ours */
    ino_t sock_ino;
    GThread *thread;
    GPtrArray *conns;            /* RelayConn *, the thread's alone */
    GhLogLimit *log_limit;
};

static void
dbus_relay_log(GhDbusRelay *relay, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* A line per refused or failed connection, but a client that loops on
 * connect cannot flood the log: per key, after the first, one line per
 * interval with the count of those not logged. */
static void
dbus_relay_log(GhDbusRelay *relay, const char *key, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    g_autofree char *more = NULL;
    guint64 suppressed = 0;
    va_list ap;

    if (!gh_log_limit_check(relay->log_limit, key, &suppressed))
        return;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (suppressed)
        more = g_strdup_printf(" (and %" G_GUINT64_FORMAT " more since the last such line)", suppressed);
    g_warning("D-Bus relay %s: %s%s", relay->listen_path, msg, more ? more : "");
}

static void
dbus_relay_pipe_clear(RelayPipe *p)
{
    for (guint i = 0; i < p->n_fds; i++)
        close(p->fds[i]);
    p->n_fds = 0;
    g_free(p->buf);
}

static void
dbus_relay_conn_free(gpointer data)
{
    RelayConn *c = data;

    close(c->client);
    close(c->bus);
    dbus_relay_pipe_clear(&c->up);
    dbus_relay_pipe_clear(&c->down);
    if (c->sasl)
        g_byte_array_unref(c->sasl);
    g_free(c);
}

/* ---- moving bytes and fds ------------------------------------------------- */

/* Reads at most max bytes from `from` into the empty pipe p, with the fds
 * passed along (close-on-exec: a fork elsewhere in the daemon must not
 * inherit them): the count, 0 at the end, -1 with errno. */
static gssize
dbus_relay_pipe_read(RelayPipe *p, int from, gsize max)
{
    RelayControl control;
    struct iovec iov = { .iov_base = p->buf, .iov_len = max };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof control.buf };
    gssize n;

    do
        n = recvmsg(from, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        guint k;

        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        k = MIN((guint)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int)), DBUS_RELAY_MAX_FDS - p->n_fds);
        memcpy(p->fds + p->n_fds, CMSG_DATA(cm), k * sizeof(int));
        p->n_fds += k;
    }
    /* Fds the kernel dropped would leave a message short of them. */
    if (msg.msg_flags & MSG_CTRUNC) {
        errno = EMSGSIZE;
        return -1;
    }
    p->off = 0;
    p->len = (gsize)n;
    return n;
}

/* Writes what p holds to `to`, as much as it takes now: FALSE (errno set)
 * on an error, TRUE when all is written or the rest waits for POLLOUT. */
static gboolean
dbus_relay_pipe_write(RelayPipe *p, int to)
{
    while (p->off < p->len) {
        /* The fds go with the last byte read, which is in the message that
         * carried them (the kernel ends a read with the fds' segment),
         * never with the first, which may end the message before: GDBus
         * gives a message the fds received while reading it. */
        gboolean with_fds = p->n_fds > 0 && p->off == p->len - 1;
        gsize end = p->n_fds > 0 && !with_fds ? p->len - 1 : p->len;
        struct iovec iov = { .iov_base = p->buf + p->off, .iov_len = end - p->off };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        RelayControl control;
        gssize n;

        if (with_fds) {
            struct cmsghdr *cm;

            memset(&control, 0, sizeof control);
            msg.msg_control = control.buf;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * p->n_fds);
            cm = CMSG_FIRSTHDR(&msg);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int) * p->n_fds);
            memcpy(CMSG_DATA(cm), p->fds, sizeof(int) * p->n_fds);
        }
        n = sendmsg(to, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK;
        if (with_fds) {
            for (guint i = 0; i < p->n_fds; i++)
                close(p->fds[i]);
            p->n_fds = 0;
        }
        p->off += (gsize)n;
    }
    p->off = p->len = 0;
    return TRUE;
}

/* ---- the client's authentication ----------------------------------------- */

/* A uid as the EXTERNAL mechanism states it: its decimal digits, hex-encoded. */
static char *
dbus_relay_external_identity(uid_t uid)
{
    g_autofree char *decimal = g_strdup_printf("%u", (unsigned)uid);
    GString *hex = g_string_new(NULL);

    for (const char *d = decimal; *d; d++)
        g_string_append_printf(hex, "%02x", (guchar)*d);
    return g_string_free(hex, FALSE);
}

/* One line the client sent before BEGIN, as the bus is to get it: an
 * EXTERNAL identity (in AUTH, or in the DATA answering an AUTH that had
 * none) becomes the uid the bus sees, every other line passes unchanged.
 * NULL (with *why) cuts the client off. */
static char *
dbus_relay_sasl_line(RelayConn *c, const char *line, const char **why)
{
    g_autofree char *claimed = NULL;
    g_autofree char *seen = NULL;
    const char *verb = NULL, *identity = NULL;

    if (g_str_has_prefix(line, "AUTH EXTERNAL ") && line[strlen("AUTH EXTERNAL ")]) {
        verb = "AUTH EXTERNAL ";
        identity = line + strlen(verb);
    } else if (c->data_is_identity && g_str_has_prefix(line, "DATA ") && line[strlen("DATA ")]) {
        verb = "DATA ";
        identity = line + strlen(verb);
    }
    c->data_is_identity = g_str_equal(line, "AUTH EXTERNAL") || g_str_equal(line, "AUTH EXTERNAL ");
    if (!identity)
        return g_strdup(line);
    /* What the bus would check against the client's credentials, had it
     * seen them: anyone else's identity is refused, as the bus would. */
    claimed = dbus_relay_external_identity(c->client_uid);
    if (!g_str_equal(identity, claimed)) {
        *why = "its EXTERNAL identity is not its own uid";
        return NULL;
    }
    seen = dbus_relay_external_identity(c->bus_uid);
    return g_strconcat(verb, seen, NULL);
}

/* Client → bus before BEGIN: the n bytes just read join what waits in
 * c->sasl; the NUL byte and each whole line go into c->up, rewritten or
 * not, and whatever follows BEGIN as it is.  c->up never overflows: at most
 * DBUS_RELAY_SASL_BYTES wait, a read adds as many, and a rewrite adds 20
 * bytes to at most DBUS_RELAY_SASL_LINES lines. */
static gboolean
dbus_relay_sasl_feed(RelayConn *c, gsize n, const char **why)
{
    gsize out = 0;
    guint8 *eol;

    g_byte_array_append(c->sasl, c->up.buf, (guint)n);
    if (!c->nul_seen) {
        if (c->sasl->data[0] != '\0') {
            *why = "its first byte is not NUL";
            return FALSE;
        }
        c->up.buf[out++] = '\0';
        g_byte_array_remove_index(c->sasl, 0);
        c->nul_seen = TRUE;
    }
    while (!c->begun && (eol = memmem(c->sasl->data, c->sasl->len, "\r\n", 2))) {
        gsize line_len = (gsize)(eol - c->sasl->data);
        g_autofree char *line = NULL;
        g_autofree char *sent = NULL;

        c->sasl_bytes += line_len + 2;
        if (++c->sasl_lines > DBUS_RELAY_SASL_LINES || c->sasl_bytes > DBUS_RELAY_SASL_BYTES) {
            *why = "more than " G_STRINGIFY(DBUS_RELAY_SASL_LINES) " lines or " G_STRINGIFY(DBUS_RELAY_SASL_BYTES)
                   " bytes before BEGIN";
            return FALSE;
        }
        if (memchr(c->sasl->data, '\0', line_len)) {
            *why = "a NUL byte in a line";
            return FALSE;
        }
        line = g_strndup((const char *)c->sasl->data, line_len);
        if (!(sent = dbus_relay_sasl_line(c, line, why)))
            return FALSE;
        out += g_strlcpy((char *)c->up.buf + out, sent, DBUS_RELAY_BUF - out);
        memcpy(c->up.buf + out, "\r\n", 2);
        out += 2;
        c->begun = g_str_equal(line, "BEGIN");
        g_byte_array_remove_range(c->sasl, 0, (guint)(line_len + 2));
    }
    /* Fds come with the read's last segment: after BEGIN, a message's. */
    if (c->begun) {
        memcpy(c->up.buf + out, c->sasl->data, c->sasl->len);
        out += c->sasl->len;
        g_clear_pointer(&c->sasl, g_byte_array_unref);
    } else if (c->up.n_fds) {
        *why = "it passed file descriptors before BEGIN";
        return FALSE;
    } else if (c->sasl_bytes + c->sasl->len > DBUS_RELAY_SASL_BYTES) {
        *why = "a line longer than " G_STRINGIFY(DBUS_RELAY_SASL_BYTES) " bytes before BEGIN";
        return FALSE;
    }
    c->up.off = 0;
    c->up.len = out;
    return TRUE;
}

/* ---- a connection's turn ---------------------------------------------------- */

/* A read or write failed: a peer that went away ends the connection
 * quietly (err 0: it closed), anything else says why. */
static gboolean
dbus_relay_io_failed(char **why, const char *what, int err)
{
    if (err != 0 && err != EPIPE && err != ECONNRESET)
        *why = g_strdup_printf("%s: %s", what, g_strerror(err));
    return FALSE;
}

/* Reads one side into its pipe and writes on at once; FALSE when the
 * connection is over. */
static gboolean
dbus_relay_conn_read(RelayConn *c, gboolean from_client, char **why)
{
    RelayPipe *p = from_client ? &c->up : &c->down;
    gboolean sasl = from_client && !c->begun;
    gssize n = dbus_relay_pipe_read(p, from_client ? c->client : c->bus, sasl ? DBUS_RELAY_SASL_BYTES : DBUS_RELAY_BUF);
    const char *bad = NULL;

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return TRUE;
    if (n <= 0)
        return dbus_relay_io_failed(why, from_client ? "reading from the client" : "reading from the bus",
                                    n < 0 ? errno : 0);
    if (sasl && !dbus_relay_sasl_feed(c, (gsize)n, &bad)) {
        *why = g_strdup_printf("client cut off before BEGIN: %s", bad);
        return FALSE;
    }
    if (!dbus_relay_pipe_write(p, from_client ? c->bus : c->client))
        return dbus_relay_io_failed(why, from_client ? "writing to the bus" : "writing to the client", errno);
    return TRUE;
}

/* What to wait for: a pipe with nothing in it for its source to be
 * readable, one with bytes for its sink to be writable (reading no more
 * meanwhile: the back pressure a slow side needs).  A side with nothing to
 * wait for is left out (fd -1), so that its hang-up cannot spin the loop;
 * the next read or write on it finds it. */
static void
dbus_relay_conn_poll(RelayConn *c, struct pollfd *pc, struct pollfd *pb)
{
    pc->events = (short)((c->up.len == 0 ? POLLIN : 0) | (c->down.len ? POLLOUT : 0));
    pb->events = (short)((c->down.len == 0 ? POLLIN : 0) | (c->up.len ? POLLOUT : 0));
    pc->fd = pc->events ? c->client : -1;
    pb->fd = pb->events ? c->bus : -1;
    pc->revents = pb->revents = 0;
}

/* Whether poll's answer for p lets `event` go ahead: an error or hang-up
 * does too, and the read or write then says what it was. */
static gboolean
dbus_relay_ready(const struct pollfd *p, short event)
{
    return (p->events & event) && (p->revents & (event | POLLERR | POLLHUP));
}

/* One poll's worth of work; FALSE when the connection is over. */
static gboolean
dbus_relay_conn_step(RelayConn *c, const struct pollfd *pc, const struct pollfd *pb, char **why)
{
    if (dbus_relay_ready(pb, POLLOUT) && !dbus_relay_pipe_write(&c->up, c->bus))
        return dbus_relay_io_failed(why, "writing to the bus", errno);
    if (dbus_relay_ready(pc, POLLOUT) && !dbus_relay_pipe_write(&c->down, c->client))
        return dbus_relay_io_failed(why, "writing to the client", errno);
    if (dbus_relay_ready(pc, POLLIN) && !dbus_relay_conn_read(c, TRUE, why))
        return FALSE;
    if (dbus_relay_ready(pb, POLLIN) && !dbus_relay_conn_read(c, FALSE, why))
        return FALSE;
    return TRUE;
}

/* ---- accepting a client ------------------------------------------------------- */

/* Credentials are per thread in Linux: the raw syscalls change this
 * thread's alone (glibc's wrappers would change every thread's in the
 * daemon), and only around the connect, when the kernel takes the peer
 * credentials that the bus checks.  This thread starts no other. */
static gboolean
dbus_relay_become(uid_t uid, gid_t gid)
{
    return syscall(SYS_setresgid, (gid_t)-1, gid, (gid_t)-1) == 0 && syscall(SYS_setresuid, (uid_t)-1, uid, (uid_t)-1) == 0;
}

/* A connection to the bus made as the uid that owns its socket (the bus
 * admits only that one), where we are root and it is not; -1 with the
 * error.  *seen_as: the uid the bus sees. */
static int
dbus_relay_connect_bus(GhDbusRelay *relay, uid_t *seen_as, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct stat st;
    gboolean become;
    int fd, rc, err;

    if (stat(relay->bus_path, &st) < 0 || (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
        err = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s: %s", relay->bus_path, g_strerror(err));
        return -1;
    }
    g_strlcpy(addr.sun_path, relay->bus_path, sizeof addr.sun_path);
    become = relay->own_uid == 0 && st.st_uid != 0;
    if (become && !dbus_relay_become(st.st_uid, st.st_gid)) {
        err = errno;
        dbus_relay_become(relay->own_uid, relay->own_gid);
        close(fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "cannot take uid %u to reach %s: %s",
                    (unsigned)st.st_uid, relay->bus_path, g_strerror(err));
        return -1;
    }
    /* Non-blocking: a bus whose backlog is full refuses (EAGAIN) rather
     * than holding every other connection up. */
    rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    err = errno;
    if (become && !dbus_relay_become(relay->own_uid, relay->own_gid))
        g_critical("D-Bus relay %s: cannot take back uid %u: %s", relay->listen_path, (unsigned)relay->own_uid,
                   g_strerror(errno));
    if (rc < 0) {
        close(fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "cannot connect to %s: %s", relay->bus_path,
                    g_strerror(err));
        return -1;
    }
    *seen_as = become ? st.st_uid : relay->own_uid;
    return fd;
}

/* A client of the uid the relay serves (or ours) gets its own connection
 * to the bus; any other is closed at once. */
static void
dbus_relay_accept(GhDbusRelay *relay)
{
    g_autoptr(GError) error = NULL;
    struct ucred peer;
    socklen_t len = sizeof peer;
    RelayConn *c;
    uid_t bus_uid;
    int bus, fd = accept4(relay->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
            dbus_relay_log(relay, "accept", "cannot accept a client: %s", g_strerror(errno));
        return;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0) {
        dbus_relay_log(relay, "refused", "refused a client whose credentials cannot be read: %s", g_strerror(errno));
    } else if (peer.uid != relay->client_uid && peer.uid != relay->own_uid) {
        dbus_relay_log(relay, "refused", "refused a client of uid %u (pid %d): it serves uid %u", (unsigned)peer.uid,
                       (int)peer.pid, (unsigned)relay->client_uid);
    } else if (relay->conns->len >= DBUS_RELAY_MAX_CONNS) {
        dbus_relay_log(relay, "refused", "refused a client of pid %d: %u connections are open already",
                       (int)peer.pid, relay->conns->len);
    } else if ((bus = dbus_relay_connect_bus(relay, &bus_uid, &error)) < 0) {
        dbus_relay_log(relay, "bus", "a client of pid %d cannot reach the bus: %s", (int)peer.pid, error->message);
    } else {
        c = g_new0(RelayConn, 1);
        c->client = fd;
        c->bus = bus;
        c->client_uid = peer.uid;
        c->bus_uid = bus_uid;
        c->up.buf = g_malloc(DBUS_RELAY_BUF);
        c->down.buf = g_malloc(DBUS_RELAY_BUF);
        c->sasl = g_byte_array_new();
        g_ptr_array_add(relay->conns, c);
        return;
    }
    close(fd);
}

/* ---- the thread ------------------------------------------------------------------ */

static void
dbus_relay_serve(GhDbusRelay *relay, const struct pollfd *pfd)
{
    /* Backwards: a connection removed takes the last one's place, which
     * has had its turn. */
    for (guint i = relay->conns->len; i-- > 0;) {
        g_autofree char *why = NULL;

        if (dbus_relay_conn_step(g_ptr_array_index(relay->conns, i), &pfd[2 + 2 * i], &pfd[3 + 2 * i], &why))
            continue;
        if (why)
            dbus_relay_log(relay, "failed", "a connection failed (%s): closed", why);
        g_ptr_array_remove_index_fast(relay->conns, i);
    }
}

static gpointer
dbus_relay_thread(gpointer data)
{
    GhDbusRelay *relay = data;
    g_autoptr(GArray) pfds = g_array_new(FALSE, TRUE, sizeof(struct pollfd));

    for (;;) {
        struct pollfd *pfd;

        g_array_set_size(pfds, 2 + 2 * relay->conns->len);
        pfd = (struct pollfd *)(void *)pfds->data;
        pfd[0] = (struct pollfd){ .fd = relay->wake_fd, .events = POLLIN };
        pfd[1] = (struct pollfd){ .fd = relay->listen_fd, .events = POLLIN };
        for (guint i = 0; i < relay->conns->len; i++)
            dbus_relay_conn_poll(g_ptr_array_index(relay->conns, i), &pfd[2 + 2 * i], &pfd[3 + 2 * i]);
        if (poll(pfd, pfds->len, -1) < 0) {
            if (errno == EINTR)
                continue;
            g_warning("D-Bus relay %s: poll: %s; it serves no more", relay->listen_path, g_strerror(errno));
            break;
        }
        if (pfd[0].revents)
            break;
        dbus_relay_serve(relay, pfd);
        if (pfd[1].revents)
            dbus_relay_accept(relay);
    }
    return NULL;
}

/* ---- life ------------------------------------------------------------------------- */

static gboolean
dbus_relay_fail(GError **error, int err, const char *what, const char *path)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s %s: %s", what, path, g_strerror(err));
    return FALSE;
}

/* The listening socket, 0600 and the client's: a stale socket at the path
 * (a daemon that died) is replaced, anything else there is left alone. */
static gboolean
dbus_relay_listen(GhDbusRelay *relay, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct stat st;

    if (strlen(relay->listen_path) >= sizeof addr.sun_path || strlen(relay->bus_path) >= sizeof addr.sun_path) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG, "%s: longer than a socket's path may be (%zu bytes)",
                    strlen(relay->listen_path) >= sizeof addr.sun_path ? relay->listen_path : relay->bus_path,
                    sizeof addr.sun_path - 1);
        return FALSE;
    }
    if (stat(relay->bus_path, &st) < 0)
        return dbus_relay_fail(error, errno, "no D-Bus bus at", relay->bus_path);
    if (lstat(relay->listen_path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s exists and is not a socket: left alone",
                    relay->listen_path);
        return FALSE;
    }
    if (unlink(relay->listen_path) < 0 && errno != ENOENT)
        return dbus_relay_fail(error, errno, "cannot remove the stale socket", relay->listen_path);
    g_strlcpy(addr.sun_path, relay->listen_path, sizeof addr.sun_path);
    if ((relay->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
        bind(relay->listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        return dbus_relay_fail(error, errno, "cannot bind", relay->listen_path);
    if (lstat(relay->listen_path, &st) < 0)
        return dbus_relay_fail(error, errno, "cannot find the socket bound at", relay->listen_path);
    relay->bound = TRUE;
    relay->sock_dev = st.st_dev;
    relay->sock_ino = st.st_ino;
    if (chmod(relay->listen_path, 0600) < 0)
        return dbus_relay_fail(error, errno, "cannot restrict", relay->listen_path);
    if (relay->own_uid == 0 && chown(relay->listen_path, relay->client_uid, relay->client_gid) < 0)
        return dbus_relay_fail(error, errno, "cannot hand the client", relay->listen_path);
    if (listen(relay->listen_fd, DBUS_RELAY_MAX_CONNS) < 0)
        return dbus_relay_fail(error, errno, "cannot listen on", relay->listen_path);
    return TRUE;
}

GhDbusRelay *
gh_dbus_relay_new(const char *listen_path, uid_t client_uid, gid_t client_gid, const char *bus_path, GError **error)
{
    g_autoptr(GhDbusRelay) relay = g_new0(GhDbusRelay, 1);

    relay->listen_path = g_strdup(listen_path);
    relay->bus_path = g_strdup(bus_path);
    relay->client_uid = client_uid;
    relay->client_gid = client_gid;
    relay->own_uid = geteuid();
    relay->own_gid = getegid();
    relay->listen_fd = relay->wake_fd = -1;
    relay->conns = g_ptr_array_new_with_free_func(dbus_relay_conn_free);
    relay->log_limit = gh_log_limit_new(GH_LOG_LIMIT_INTERVAL_US, NULL);
    if (!dbus_relay_listen(relay, error))
        return NULL;
    if ((relay->wake_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
        dbus_relay_fail(error, errno, "no eventfd for", listen_path);
        return NULL;
    }
    if (!(relay->thread = g_thread_try_new("gh-dbus-relay", dbus_relay_thread, relay, error)))
        return NULL;
    return g_steal_pointer(&relay);
}

GhDbusRelay *
gh_dbus_relay_free(GhDbusRelay *relay)
{
    struct stat st;

    if (!relay)
        return NULL;
    if (relay->thread) {
        eventfd_write(relay->wake_fd, 1);
        g_thread_join(relay->thread);
    }
    g_ptr_array_unref(relay->conns);
    if (relay->listen_fd >= 0)
        close(relay->listen_fd);
    if (relay->wake_fd >= 0)
        close(relay->wake_fd);
    /* Only the socket we bound: one bound since at the same path stays. */
    if (relay->bound && lstat(relay->listen_path, &st) == 0 && st.st_dev == relay->sock_dev &&
        st.st_ino == relay->sock_ino)
        unlink(relay->listen_path);
    gh_log_limit_free(relay->log_limit);
    g_free(relay->listen_path);
    g_free(relay->bus_path);
    g_free(relay);
    return NULL;
}
