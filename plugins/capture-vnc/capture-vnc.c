/* capture-vnc: the capture backend "capture.vnc".
 * Reads the session's display from QEMU's own VNC server, on the session's
 * UNIX socket (no TCP port), with libvncclient.  The server sends only what
 * changed, so each frame carries the changed rectangles as damage; one
 * incremental update is always outstanding, so a grab mostly just decodes
 * what has already arrived.  damage.c merges the rectangles.
 *
 * Thread safety.  Each instance's rfbClient is used only on the thread the
 * host calls it on (start, grab, stop: the pipeline thread; destroy: main,
 * after stop).  libvncclient's process-wide state is its log hooks
 * (rfbClientLog, rfbClientErr: plain function pointers with no user data)
 * and a flag it writes during every handshake (errorMessageOnReadFailure).
 * The hooks are installed once (pthread_once) and find their instance
 * through a thread-local pointer set around each call into the library, so
 * concurrent sessions log to their own host.  They are shared with any other
 * user of libvncclient in the process: ours replace theirs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rfb/rfbclient.h>

#include <gamehost/plugin-util.h>

#include "damage.h"

#ifndef GH_PLUGIN_VERSION
#error "build with -DGH_PLUGIN_VERSION=\"...\""
#endif

#define CV_NAME              "capture.vnc"
#define CV_MAX_SIDE          16384u /* larger framebuffers are refused */
#define CV_IO_TIMEOUT_S      2u     /* connect, and any one message once it began */
#define CV_DRAIN_MAX         8u     /* messages read without waiting after a frame */

struct gh_instance {
    gh_host *host;
    gh_host_services svc;    /* the host's table, copied at our size */
    char *socket_path;
    rfbClient *client;       /* NULL while not connected */
    uint8_t *fb;             /* the framebuffer libvncclient decodes into */
    uint32_t width, height;
    cv_damage pending;       /* changed since the last frame handed out */
    gh_rect damage[CV_DAMAGE_MAX]; /* handed out with the last frame */
    int update_done;         /* a FramebufferUpdate with changes completed */
    uint64_t update_ns;      /* when it did */
    uint64_t frame_number;   /* of the last frame handed out */
    char last_log[256];      /* libvncclient's last message: context for errors */
};

/* ---- libvncclient's globals ----------------------------------------------- */

static _Thread_local gh_instance *cv_log_target;
static pthread_once_t cv_log_once = PTHREAD_ONCE_INIT;
static int cv_client_tag;    /* its address keys our data in the rfbClient */

__attribute__((format(printf, 1, 2))) static void
cv_client_log(const char *format, ...)
{
    gh_instance *inst = cv_log_target;
    char line[sizeof(inst->last_log)];
    va_list ap;

    if (!inst)
        return;
    va_start(ap, format);
    vsnprintf(line, sizeof(line), format, ap);
    va_end(ap);
    line[strcspn(line, "\n")] = '\0';
    memcpy(inst->last_log, line, sizeof(line));
    gh_host_log(inst->host, &inst->svc, GH_LOG_DEBUG, "libvncclient: %s", line);
}

static void
cv_install_log_hooks(void)
{
    rfbClientLog = cv_client_log;
    rfbClientErr = cv_client_log;
}

/* Entering libvncclient: route its log to inst, and keep a write to a
 * server that has gone from raising SIGPIPE (the library write()s, and the
 * host process does not ignore the signal).  A SIGPIPE pending before is
 * left alone; one raised inside is consumed. */
typedef struct cv_call {
    gh_instance *prev_target;
    sigset_t old_mask;
    int pipe_was_pending;
} cv_call;

static void
cv_enter(gh_instance *inst, cv_call *call)
{
    sigset_t pipe_set, pending;

    call->prev_target = cv_log_target;
    cv_log_target = inst;
    inst->last_log[0] = '\0';
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    call->pipe_was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &call->old_mask);
}

static void
cv_leave(cv_call *call)
{
    sigset_t pipe_set, pending;
    const struct timespec zero = { 0, 0 };

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    if (!call->pipe_was_pending && sigismember(&pending, SIGPIPE))
        sigtimedwait(&pipe_set, NULL, &zero);
    pthread_sigmask(SIG_SETMASK, &call->old_mask, NULL);
    cv_log_target = call->prev_target;
}

/* ---- libvncclient callbacks ----------------------------------------------- */

static gh_instance *
cv_instance_of(rfbClient *client)
{
    return rfbClientGetClientData(client, &cv_client_tag);
}

/* The server's size is known (handshake) or changed (desktop resize). */
static rfbBool
cv_on_resize(rfbClient *client)
{
    gh_instance *inst = cv_instance_of(client);

    if (client->width <= 0 || client->height <= 0 || (uint32_t)client->width > CV_MAX_SIDE ||
        (uint32_t)client->height > CV_MAX_SIDE) {
        rfbClientErr("framebuffer size %dx%d refused (limit %ux%u)\n", client->width, client->height,
                     CV_MAX_SIDE, CV_MAX_SIDE);
        return FALSE;
    }
    if ((uint32_t)client->width != inst->width || (uint32_t)client->height != inst->height || !inst->fb) {
        uint8_t *fb = calloc((size_t)client->width * (size_t)client->height, 4);
        if (!fb) {
            rfbClientErr("out of memory for a %dx%d framebuffer\n", client->width, client->height);
            return FALSE;
        }
        free(inst->fb);
        inst->fb = fb;
        inst->width = (uint32_t)client->width;
        inst->height = (uint32_t)client->height;
    }
    client->frameBuffer = inst->fb;
    cv_damage_set_full(&inst->pending);
    return TRUE;
}

static void
cv_on_rect(rfbClient *client, int x, int y, int w, int h)
{
    gh_instance *inst = cv_instance_of(client);

    cv_damage_add(&inst->pending, x, y, w, h, inst->width, inst->height);
}

static void
cv_on_update_done(rfbClient *client)
{
    gh_instance *inst = cv_instance_of(client);

    /* An update of pseudo-rectangles only (cursor, LED state) is no frame. */
    if (inst->pending.full || inst->pending.n > 0) {
        inst->update_done = 1;
        inst->update_ns = inst->svc.now_ns(inst->host);
    }
}

/* A server asking for a password gets none: the session's socket is
 * private to the host, and a prompt on stdin would hang the pipeline. */
static char *
cv_no_password(rfbClient *client)
{
    rfbClientErr("the VNC server asks for a password; capture.vnc has none\n");
    return NULL;
}

/* ---- connection ----------------------------------------------------------- */

static const char *
cv_last_log(const gh_instance *inst, const char *fallback)
{
    return inst->last_log[0] ? inst->last_log : fallback;
}

static int cv_lost(gh_instance *inst, const char *why);

static void
cv_disconnect(gh_instance *inst)
{
    cv_call call;

    if (!inst->client)
        return;
    cv_enter(inst, &call);
    rfbClientCleanup(inst->client);  /* closes the socket; leaves inst->fb to us */
    cv_leave(&call);
    inst->client = NULL;
}

/* Raw pixels (on a local socket decoding costs more than bytes) and the
 * plain DesktopSize pseudo-encoding.  libvncclient's own SetEncodings also
 * asks for ExtendedDesktopSize, but then ignores the resizes QEMU sends that
 * way (QEMU numbers its screen 0, which the library takes as invalid) and
 * fails on the first rectangle of the new size.  Sent right after the
 * library's, this one replaces it: QEMU resets its client's features on
 * every SetEncodings. */
static rfbBool
cv_send_encodings(rfbClient *client)
{
    static const int32_t encodings[] = { rfbEncodingRaw, rfbEncodingNewFBSize };
    char msg[sz_rfbSetEncodingsMsg + sizeof(encodings)];
    rfbSetEncodingsMsg header = {
        .type = rfbSetEncodings,
        .nEncodings = rfbClientSwap16IfLE((uint16_t)(sizeof(encodings) / sizeof(encodings[0]))),
    };

    memcpy(msg, &header, sz_rfbSetEncodingsMsg);
    for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++) {
        uint32_t e = rfbClientSwap32IfLE((uint32_t)encodings[i]);
        memcpy(msg + sz_rfbSetEncodingsMsg + 4 * i, &e, 4);
    }
    return WriteToRFBServer(client, msg, sizeof(msg));
}

/* libvncclient waits with select(), which cannot watch a descriptor at or
 * past FD_SETSIZE (in a host with many sessions, it may be): move it below,
 * close-on-exec.  Returns the descriptor, or -1 with errno. */
static int
cv_socket_below_fd_setsize(int fd)
{
    int low;

    if (fd < FD_SETSIZE) {
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
            return -1;
        return fd;
    }
    low = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (low < 0)
        return -1;
    if (low >= FD_SETSIZE) {
        close(low);
        errno = EMFILE;
        return -1;
    }
    close(fd);
    return low;
}

/* Connects our own socket and hands it to libvncclient as an "accepted"
 * connection (listenSpecified), so the library never stats the path or
 * falls back to resolving it as a host name, and the descriptor is fixed
 * up before the first select(). */
static int
cv_connect(gh_instance *inst)
{
    struct stat st;
    rfbClient *client;
    cv_call call;
    rfbBool ok;
    int fd;

    if (stat(inst->socket_path, &st) < 0) {
        gh_host_error(inst->host, &inst->svc, CV_NAME, "VNC socket '%s': %s", inst->socket_path, strerror(errno));
        return -EIO;
    }
    if (!S_ISSOCK(st.st_mode)) {
        gh_host_error(inst->host, &inst->svc, CV_NAME, "'%s' is not a socket", inst->socket_path);
        return -EIO;
    }

    /* 8 bits per sample, 3 samples, 4 bytes per pixel; the shifts make the
     * little-endian bytes B, G, R, X: GH_FORMAT_BGRX8888. */
    client = rfbGetClient(8, 3, 4);
    if (!client) {
        gh_host_error(inst->host, &inst->svc, CV_NAME, "out of memory");
        return -ENOMEM;
    }
    client->format.bigEndian = FALSE;
    client->format.redShift = 16;
    client->format.greenShift = 8;
    client->format.blueShift = 0;
    client->appData.encodingsString = "raw";
    client->appData.useRemoteCursor = FALSE;
    client->canHandleNewFBSize = TRUE;
    client->connectTimeout = CV_IO_TIMEOUT_S;
    client->readTimeout = CV_IO_TIMEOUT_S;
    client->MallocFrameBuffer = cv_on_resize;
    client->GotFrameBufferUpdate = cv_on_rect;
    client->FinishedFrameBufferUpdate = cv_on_update_done;
    client->GetPassword = cv_no_password;
    rfbClientSetClientData(client, &cv_client_tag, inst);

    cv_enter(inst, &call);
    fd = ConnectClientToUnixSockWithTimeout(inst->socket_path, CV_IO_TIMEOUT_S);
    if (fd < 0) {
        cv_leave(&call);
        gh_host_error(inst->host, &inst->svc, CV_NAME, "cannot connect to VNC socket '%s': %s", inst->socket_path,
                      cv_last_log(inst, "connect failed"));
        rfbClientCleanup(client);
        return -EIO;
    }
    client->sock = cv_socket_below_fd_setsize(fd);
    if (client->sock < 0) {
        int e = errno;
        cv_leave(&call);
        close(fd);
        gh_host_error(inst->host, &inst->svc, CV_NAME,
                      "VNC socket '%s': cannot move descriptor %d below FD_SETSIZE: %s", inst->socket_path, fd,
                      strerror(e));
        rfbClientCleanup(client);
        return -EIO;
    }
    client->listenSpecified = TRUE;
    /* Handshake, pixel format, encodings, and the first (full) update
     * request.  On failure the library has freed client. */
    ok = rfbInitClient(client, NULL, NULL);
    if (!ok) {
        cv_leave(&call);
        gh_host_error(inst->host, &inst->svc, CV_NAME, "VNC handshake on '%s' failed: %s", inst->socket_path,
                      cv_last_log(inst, "the server closed the connection"));
        return -EIO;
    }
    ok = cv_send_encodings(client);
    cv_leave(&call);
    inst->client = client;
    if (!ok)
        return cv_lost(inst, cv_last_log(inst, "cannot send the encodings"));
    return 0;
}

/* ---- the backend ---------------------------------------------------------- */

static int
cv_probe(gh_host *host, const gh_host_services *services)
{
    const char *path = services->vnc_socket ? services->vnc_socket(host) : NULL;
    struct stat st;

    if (!path) {
        gh_host_error(host, services, CV_NAME, "the session has no VNC socket");
        return -ENODEV;
    }
    if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        gh_host_error(host, services, CV_NAME, "VNC socket path '%s' is longer than a UNIX socket address allows",
                      path);
        return -ENODEV;
    }
    if (stat(path, &st) < 0) {
        gh_host_error(host, services, CV_NAME, "VNC socket '%s': %s", path, strerror(errno));
        return -ENODEV;
    }
    if (!S_ISSOCK(st.st_mode)) {
        gh_host_error(host, services, CV_NAME, "VNC socket '%s' is not a socket", path);
        return -ENODEV;
    }
    return 0;
}

static gh_instance *
cv_create(gh_host *host, const gh_host_services *services)
{
    gh_host_services svc;
    const char *path;
    gh_instance *inst;

    gh_host_services_copy(&svc, services);
    path = svc.vnc_socket ? svc.vnc_socket(host) : NULL;
    if (!svc.now_ns || !path) {
        gh_host_error(host, &svc, CV_NAME, "the host offers no clock or no VNC socket");
        return NULL;
    }

    inst = calloc(1, sizeof(*inst));
    if (inst)
        inst->socket_path = strdup(path);
    if (!inst || !inst->socket_path) {
        free(inst);
        gh_host_error(host, &svc, CV_NAME, "out of memory");
        return NULL;
    }
    inst->host = host;
    inst->svc = svc;
    pthread_once(&cv_log_once, cv_install_log_hooks);
    return inst;
}

static void
cv_destroy(gh_instance *inst)
{
    if (!inst)
        return;
    cv_disconnect(inst);
    free(inst->fb);
    free(inst->socket_path);
    free(inst);
}

/* Connecting waits for QEMU's handshake, so it happens here, on the
 * pipeline thread, not in create on the main thread. */
static int
cv_start(gh_instance *inst)
{
    cv_damage_reset(&inst->pending);
    return inst->client ? 0 : cv_connect(inst);
}

static void
cv_stop(gh_instance *inst)
{
    /* The last frame was borrowed until stop. */
    cv_disconnect(inst);
    free(inst->fb);
    inst->fb = NULL;
    inst->width = inst->height = 0;
}

/* 1 when a message can be read, 0 when none came within timeout_ms, -1 on
 * a poll error.  Bytes the library already buffered count as readable. */
static int
cv_wait_message(gh_instance *inst, int timeout_ms)
{
    struct pollfd pfd = { .fd = inst->client->sock, .events = POLLIN };
    int n;

    if (inst->client->buffered > 0)
        return 1;
    do
        n = poll(&pfd, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : n > 0;
}

static int
cv_lost(gh_instance *inst, const char *why)
{
    gh_host_error(inst->host, &inst->svc, CV_NAME, "lost the VNC connection on '%s': %s", inst->socket_path, why);
    cv_disconnect(inst);
    return -EIO;
}

static void
cv_fill_frame(gh_instance *inst, gh_frame *frame)
{
    memset(frame, 0, sizeof(*frame));
    frame->struct_size = sizeof(*frame);
    frame->format = GH_FORMAT_BGRX8888;
    frame->width = inst->width;
    frame->height = inst->height;
    frame->stride = inst->width * 4;
    frame->timestamp_ns = inst->update_ns;
    frame->frame_number = ++inst->frame_number;
    frame->data = inst->fb;
    if (!inst->pending.full) {
        memcpy(inst->damage, inst->pending.rects, inst->pending.n * sizeof(gh_rect));
        frame->n_damage = inst->pending.n;
        frame->damage = inst->damage;
    }
    cv_damage_reset(&inst->pending);
}

static int
cv_grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    uint64_t deadline;
    uint32_t drained = 0;
    int r;

    /* After a lost connection (or without start), try again: QEMU may be
     * back; if not, this fails fast and the pipeline counts the error. */
    if (!inst->client && (r = cv_connect(inst)) < 0)
        return r;

    deadline = inst->svc.now_ns(inst->host) + (uint64_t)timeout_ms * 1000000u;
    inst->update_done = 0;
    for (;;) {
        int wait_ms = 0;
        cv_call call;
        rfbBool ok;

        if (!inst->update_done) {
            uint64_t now = inst->svc.now_ns(inst->host);
            wait_ms = now >= deadline ? 0 : (int)((deadline - now + 999999u) / 1000000u);
        } else if (drained++ >= CV_DRAIN_MAX) {
            break;
        }
        r = cv_wait_message(inst, wait_ms);
        if (r < 0)
            return cv_lost(inst, strerror(errno));
        if (r == 0)
            break;
        /* Reads one whole message; after a FramebufferUpdate the library
         * sends the next incremental request itself. */
        cv_enter(inst, &call);
        ok = HandleRFBServerMessage(inst->client);
        cv_leave(&call);
        if (!ok)
            return cv_lost(inst, cv_last_log(inst, "the server closed the connection"));
    }
    if (!inst->update_done)
        return -EAGAIN;
    cv_fill_frame(inst, frame);
    return 0;
}

static const gh_capture_ops cv_capture_ops = {
    .struct_size = sizeof(gh_capture_ops),
    .version = GH_CAPTURE_OPS_VERSION,
    .grab = cv_grab,
    .start = cv_start,
    .stop = cv_stop,
};

static const gh_backend_factory cv_factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = CV_NAME,
    .description = "Frames and damage rectangles from QEMU's VNC server on the session's UNIX socket",
    .probe = cv_probe,
    .create = cv_create,
    .destroy = cv_destroy,
    .capture = &cv_capture_ops,
};

static const gh_backend_factory *const cv_factories[] = { &cv_factory };

static const gh_plugin cv_plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = sizeof(cv_factories) / sizeof(cv_factories[0]),
    .name = "capture-vnc",
    .version = GH_PLUGIN_VERSION,
    .license = "MIT",
    .factories = cv_factories,
};

GH_PLUGIN_DEFINE(cv_plugin)
