/* Specification of wire.c and worker-proto.c: the worker IPC framing.  Every
 * kind of the worker protocol round-trips through encode/decode and over a
 * real socketpair with its fds; every malformed packet is refused with its
 * message and no fd left open; the seed corpus of the fuzzer
 * (tests/fuzz/corpus/wire/) is what these samples encode to
 * (GH_TEST_REGENERATE_OUTPUT=1 rewrites it). */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gio.h>

#include "plugin/wire.h"
#include "plugin/worker-proto.h"
#include "testutil.h"

#define N_KINDS gh_worker_proto_n
#define TABLE gh_worker_proto_table

/* One body per message type, as the worker and the daemon would send it. */
static const struct {
    GhWorkerMsg type;
    const char *text;            /* GVariant text of the kind's signature */
} samples[] = {
    { GH_WORKER_MSG_START, "{'image': <'demo-arena'>, 'capture': <'capture.relay'>, "
                           "'options': <{'bitrate': <uint32 8000>}>, "
                           "'plugins': <['/usr/lib/gamehost/plugins/capture-relay.so']>}" },
    { GH_WORKER_MSG_INPUT, "[(1, 105, 1, 0, 0, 0, 1234567890), (7, 2, 0, 3, 16000, -5, 0)]" },
    { GH_WORKER_MSG_FRAME, "(500,)" },
    { GH_WORKER_MSG_PEER_OPEN, "(7, 1)" },
    { GH_WORKER_MSG_PEER_MESSAGE, "(7, '{\"type\": \"offer\", \"sdp\": \"v=0\"}')" },
    { GH_WORKER_MSG_PEER_CLOSE, "(7,)" },
    { GH_WORKER_MSG_CONTROL, "(7,)" },
    { GH_WORKER_MSG_STOP, "()" },
    { GH_WORKER_MSG_REPLY, "(0, '', 'image/png')" },
    { GH_WORKER_MSG_READY, "('capture.relay', 'stream.webrtc', 'input.qmp', '', true)" },
    { GH_WORKER_MSG_FAIL, "('capture.relay: the relay heartbeat stopped',)" },
    { GH_WORKER_MSG_STATS, "{'frames': <uint64 1800>, 'fps': <59.9>, 'peers': <uint32 1>}" },
    { GH_WORKER_MSG_INPUT_DONE, "(-22, 'one event refused', [(1, 2, 'code 767 is not a key')])" },
    { GH_WORKER_MSG_FRAME_DONE, "(0, '')" },
    { GH_WORKER_MSG_PEER_OPEN_DONE, "(7, 0, '')" },
    { GH_WORKER_MSG_PEER_MESSAGE_DONE, "(7, -22, 'not JSON')" },
    { GH_WORKER_MSG_SIGNAL_SEND, "(7, '{\"type\": \"answer\"}')" },
    { GH_WORKER_MSG_PEER_INPUT, "(7, '{\"events\": []}')" },
    { GH_WORKER_MSG_PEER_CLOSE_REQUEST, "(7, 'data channel closed')" },
    { GH_WORKER_MSG_SCREENSHOT, "()" },
    { GH_WORKER_MSG_SEND_KEYS, "([30, 31], 100)" },
    { GH_WORKER_MSG_QMP, "('{\"execute\": \"query-status\"}',)" },
};

/* Hostile packets, whole (header and body), and what refuses each. */
#define BYTES(s) s, sizeof(s) - 1
static const struct {
    const char *name;            /* seed file: bad-<name> */
    const char *data;
    gsize len;
    const char *message;
} malformed[] = {
    { "empty", BYTES(""), "packet of 0 bytes is shorter than the 8-byte header" },
    { "seven-bytes", BYTES("\x03\0\0\0\x01\0\0"), "packet of 7 bytes is shorter than the 8-byte header" },
    { "unknown-type", BYTES("\x4d\0\0\0\x01\0\0\0" "\x01\0\0\0"), "unknown message type 77" },
    { "type-zero", BYTES("\0\0\0\0\x01\0\0\0"), "unknown message type 0" },
    /* peer-message (us) with a lone u */
    { "body-of-another-type", BYTES("\x05\0\0\0\x01\0\0\0" "\x07\0\0\0"),
      "peer-message: body is not a normal-form (us) (4 bytes)" },
    { "string-without-its-nul", BYTES("\x20\0\0\0\x01\0\0\0" "abc"),
      "qmp: body is not a normal-form (s) (3 bytes)" },
    /* reply (0, 'e', 't'), the end of 'e' framed at 0x20 instead of 6 */
    { "framing-offset", BYTES("\x09\0\0\0\x01\0\0\0" "\0\0\0\0" "e\0t\0" "\x20"),
      "reply: body is not a normal-form (iss) (9 bytes)" },
    { "trailing-junk", BYTES("\x03\0\0\0\x01\0\0\0" "\xf4\x01\0\0" "\0"),
      "frame: body is not a normal-form (u) (5 bytes)" },
    { "unit-with-a-body", BYTES("\x08\0\0\0\x01\0\0\0" "\0"), "stop: a () body must be empty (1 bytes)" },
    /* start {'k': <uint32 1>} with the variant's type 'u' made 'z' */
    { "variant-of-a-bad-type", BYTES("\x01\0\0\0\x01\0\0\0" "k\0\0\0\0\0\0\0" "\x01\0\0\0" "\0z" "\x02\x0f"),
      "start: body is not a normal-form a{sv} (16 bytes)" },
};

static int daemon_fd = -1;       /* reads what the worker sends */
static int worker_fd = -1;       /* the untrusted end */

static void
setup(void)
{
    g_autoptr(GError) error = NULL;
    int sv[2];

    ck_assert_msg(gh_wire_socketpair(sv, &error), "%s", error ? error->message : "?");
    daemon_fd = sv[0];
    worker_fd = sv[1];
}

static void
teardown(void)
{
    if (daemon_fd >= 0)
        close(daemon_fd);
    if (worker_fd >= 0)
        close(worker_fd);
    daemon_fd = worker_fd = -1;
}

static const GhWireKind *
kind_of(GhWorkerMsg type)
{
    const GhWireKind *kind = gh_worker_proto_kind(type);

    ck_assert_ptr_nonnull(kind);
    return kind;
}

/* The sample body of kind, owned. */
static GVariant *
sample_body(const GhWireKind *kind)
{
    for (guint i = 0; i < G_N_ELEMENTS(samples); i++) {
        g_autoptr(GError) error = NULL;
        GVariant *v;

        if (samples[i].type != kind->type)
            continue;
        v = g_variant_parse(G_VARIANT_TYPE(kind->signature), samples[i].text, NULL, NULL, &error);
        ck_assert_msg(v != NULL, "%s: sample: %s", kind->name, error ? error->message : "?");
        return v;                /* g_variant_parse's reference is not floating */
    }
    ck_abort_msg("%s: no sample body", kind->name);
    return NULL;
}

static guint
count_open_fds(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    guint n = 0;

    ck_assert_ptr_nonnull(dir);
    while (g_dir_read_name(dir))
        n++;
    return n;
}

/* n memfds (owned by the caller), each a distinct file. */
static void
open_memfds(int *fds, guint n)
{
    for (guint i = 0; i < n; i++) {
        fds[i] = memfd_create("test-wire", MFD_CLOEXEC);
        ck_assert_int_ge(fds[i], 0);
    }
}

static void
close_fds(const int *fds, guint n)
{
    for (guint i = 0; i < n; i++)
        close(fds[i]);
}

static void
assert_same_file(int a, int b)
{
    struct stat sa, sb;

    ck_assert_int_eq(fstat(a, &sa), 0);
    ck_assert_int_eq(fstat(b, &sb), 0);
    ck_assert_uint_eq(sa.st_dev, sb.st_dev);
    ck_assert_uint_eq(sa.st_ino, sb.st_ino);
}

/* Bytes as a hostile worker would send them: what gh_wire_send refuses too. */
static void
raw_send(int fd, const void *data, gsize len, const int *fds, guint n_fds)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 8)];
    } control = { 0 };
    struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

    ck_assert_uint_le(n_fds, 8);
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
    ck_assert_int_eq(sendmsg(fd, &msg, MSG_NOSIGNAL), (ssize_t)len);
}

/* gh_wire_recv on the daemon's end refuses what is waiting there with
 * domain, code and message, and leaves no fd it received open. */
static void
assert_recv_refused(GQuark domain, gint code, const char *message)
{
    g_autoptr(GError) error = NULL;
    GhWireMsg msg = { 0 };
    guint before = count_open_fds();

    ck_assert_int_eq(gh_wire_recv(daemon_fd, TABLE, N_KINDS, &msg, &error), -1);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(error->domain == domain && error->code == code, "error %s %d: %s",
                  g_quark_to_string(error->domain), error->code, error->message);
    ck_assert_str_eq(error->message, message);
    ck_assert_ptr_null(msg.body);
    ck_assert_uint_eq(msg.n_fds, 0);
    ck_assert_uint_eq(count_open_fds(), before);
}

START_TEST(test_protocol_types_are_nonzero_unique_and_typed)
{
    for (guint i = 0; i < N_KINDS; i++) {
        ck_assert_uint_ne(TABLE[i].type, 0);
        ck_assert_ptr_eq(gh_wire_kind(TABLE, N_KINDS, TABLE[i].type), &TABLE[i]);
        ck_assert_msg(g_variant_type_string_is_valid(TABLE[i].signature), "%s", TABLE[i].name);
        ck_assert_uint_le(TABLE[i].max_fds, GH_WIRE_MAX_FDS);
    }
    ck_assert_uint_eq(N_KINDS, 22);
    ck_assert_uint_eq(G_N_ELEMENTS(samples), N_KINDS);
}
END_TEST

START_TEST(test_protocol_kinds_are_the_issues_table)
{
    ck_assert_str_eq(kind_of(GH_WORKER_MSG_START)->signature, "a{sv}");
    ck_assert_uint_eq(kind_of(GH_WORKER_MSG_START)->max_fds, 2);
    ck_assert_str_eq(kind_of(GH_WORKER_MSG_INPUT)->signature, "a(uuiuiit)");
    ck_assert_str_eq(kind_of(GH_WORKER_MSG_REPLY)->signature, "(iss)");
    ck_assert_uint_eq(kind_of(GH_WORKER_MSG_REPLY)->max_fds, 1);
    ck_assert_str_eq(kind_of(GH_WORKER_MSG_READY)->signature, "(ssssb)");
    ck_assert_str_eq(kind_of(GH_WORKER_MSG_INPUT_DONE)->signature, "(isa(uus))");
    ck_assert_uint_eq(kind_of(GH_WORKER_MSG_FRAME_DONE)->max_fds, 1);
    ck_assert_str_eq(kind_of(GH_WORKER_MSG_SEND_KEYS)->signature, "(auu)");
    ck_assert_str_eq(kind_of(GH_WORKER_MSG_QMP)->name, "qmp");
    ck_assert_uint_eq(kind_of(GH_WORKER_MSG_QMP)->type, 32);
}
END_TEST

START_TEST(test_kind_of_type_zero_or_unknown_is_null)
{
    ck_assert_ptr_null(gh_wire_kind(TABLE, N_KINDS, 0));
    ck_assert_ptr_null(gh_wire_kind(TABLE, N_KINDS, 10));
    ck_assert_ptr_null(gh_wire_kind(TABLE, N_KINDS, 33));
}
END_TEST

START_TEST(test_every_kind_round_trips_through_encode_and_decode)
{
    for (guint i = 0; i < N_KINDS; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) body = sample_body(&TABLE[i]);
        g_autoptr(GBytes) bytes = gh_wire_encode(&TABLE[i], 1000 + i, body);
        g_auto(GhWireMsg) msg = { 0 };
        gsize len;
        const guint8 *data = g_bytes_get_data(bytes, &len);

        ck_assert_msg(gh_wire_decode(TABLE, N_KINDS, data, len, &msg, &error), "%s: %s",
                      TABLE[i].name, error ? error->message : "?");
        ck_assert_ptr_eq(msg.kind, &TABLE[i]);
        ck_assert_uint_eq(msg.serial, 1000 + i);
        ck_assert_msg(g_variant_equal(msg.body, body), "%s: body differs", TABLE[i].name);
        ck_assert_uint_eq(msg.n_fds, 0);
    }
}
END_TEST

/* Each kind with as many fds as it may carry, each received fd a CLOEXEC
 * descriptor of the file sent. */
START_TEST(test_every_kind_round_trips_over_a_socketpair_with_its_fds)
{
    for (guint i = 0; i < N_KINDS; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) body = sample_body(&TABLE[i]);
        g_auto(GhWireMsg) msg = { 0 };
        int fds[GH_WIRE_MAX_FDS];

        open_memfds(fds, TABLE[i].max_fds);
        ck_assert_msg(gh_wire_send(worker_fd, &TABLE[i], 2000 + i, body, fds, TABLE[i].max_fds, &error),
                      "%s: %s", TABLE[i].name, error ? error->message : "?");
        ck_assert_int_eq(gh_wire_recv(daemon_fd, TABLE, N_KINDS, &msg, &error), 1);
        ck_assert_ptr_eq(msg.kind, &TABLE[i]);
        ck_assert_uint_eq(msg.serial, 2000 + i);
        ck_assert_msg(g_variant_equal(msg.body, body), "%s: body differs", TABLE[i].name);
        ck_assert_uint_eq(msg.n_fds, TABLE[i].max_fds);
        for (guint f = 0; f < msg.n_fds; f++) {
            assert_same_file(msg.fds[f], fds[f]);
            ck_assert_int_eq(fcntl(msg.fds[f], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        }
        close_fds(fds, TABLE[i].max_fds);
    }
}
END_TEST

START_TEST(test_header_is_type_then_serial_little_endian)
{
    g_autoptr(GBytes) bytes = gh_wire_encode(kind_of(GH_WORKER_MSG_FRAME), 0x01020304,
                                             g_variant_new("(u)", 0x0a0b0c0du));
    static const guint8 expected[] = { 3, 0, 0, 0, 4, 3, 2, 1, 0x0d, 0x0c, 0x0b, 0x0a };
    gsize len;
    const guint8 *data = g_bytes_get_data(bytes, &len);

    ck_assert_uint_eq(len, sizeof(expected));
    ck_assert_mem_eq(data, expected, sizeof(expected));
}
END_TEST

START_TEST(test_unit_body_is_sent_as_no_bytes)
{
    g_autoptr(GBytes) bytes = gh_wire_encode(kind_of(GH_WORKER_MSG_STOP), 5, NULL);
    g_autoptr(GError) error = NULL;
    g_auto(GhWireMsg) msg = { 0 };

    ck_assert_uint_eq(g_bytes_get_size(bytes), GH_WIRE_HEADER);
    ck_assert(gh_wire_decode(TABLE, N_KINDS, g_bytes_get_data(bytes, NULL), GH_WIRE_HEADER, &msg, &error));
    ck_assert_str_eq(g_variant_get_type_string(msg.body), "()");
}
END_TEST

/* GVariant's normal form of an empty array is no bytes at all. */
START_TEST(test_empty_array_body_is_no_bytes_and_valid)
{
    g_autoptr(GBytes) bytes = gh_wire_encode(kind_of(GH_WORKER_MSG_STATS), 1,
                                             g_variant_new("a{sv}", NULL));
    g_autoptr(GError) error = NULL;
    g_auto(GhWireMsg) msg = { 0 };

    ck_assert_uint_eq(g_bytes_get_size(bytes), GH_WIRE_HEADER);
    ck_assert(gh_wire_decode(TABLE, N_KINDS, g_bytes_get_data(bytes, NULL), GH_WIRE_HEADER, &msg, &error));
    ck_assert_uint_eq(g_variant_n_children(msg.body), 0);
}
END_TEST

START_TEST(test_malformed_packet_is_refused_by_decode)
{
    g_autoptr(GError) error = NULL;
    GhWireMsg msg = { 0 };

    ck_assert(!gh_wire_decode(TABLE, N_KINDS, (const guint8 *)malformed[_i].data, malformed[_i].len,
                              &msg, &error));
    ck_assert_ptr_nonnull(error);
    ck_assert(g_error_matches(error, GH_WIRE_ERROR, GH_WIRE_ERROR_MALFORMED));
    ck_assert_str_eq(error->message, malformed[_i].message);
    ck_assert_ptr_null(msg.body);
    ck_assert_ptr_null(msg.kind);
}
END_TEST

/* The same bytes from a worker, with an fd riding along that must not stay
 * open in the daemon. */
START_TEST(test_malformed_packet_is_refused_by_recv_and_its_fd_closed)
{
    int fd;

    open_memfds(&fd, 1);
    raw_send(worker_fd, malformed[_i].data, malformed[_i].len, &fd, 1);
    close(fd);
    assert_recv_refused(GH_WIRE_ERROR, GH_WIRE_ERROR_MALFORMED, malformed[_i].message);
}
END_TEST

START_TEST(test_packet_over_the_max_is_refused_by_decode)
{
    g_autofree guint8 *data = g_malloc0(GH_WIRE_MAX_MESSAGE + 1);
    g_autoptr(GError) error = NULL;
    GhWireMsg msg = { 0 };

    data[0] = GH_WORKER_MSG_START;
    ck_assert(!gh_wire_decode(TABLE, N_KINDS, data, GH_WIRE_MAX_MESSAGE + 1, &msg, &error));
    ck_assert(g_error_matches(error, GH_WIRE_ERROR, GH_WIRE_ERROR_TOO_BIG));
    ck_assert_str_eq(error->message, "start: packet of 262145 bytes is over the 262144-byte maximum");
}
END_TEST

/* One byte over the max fits the receive buffer whole ... */
START_TEST(test_packet_one_byte_over_the_max_is_refused_by_recv)
{
    g_autofree guint8 *data = g_malloc0(GH_WIRE_MAX_MESSAGE + 1);

    data[0] = GH_WORKER_MSG_STATS;
    raw_send(worker_fd, data, GH_WIRE_MAX_MESSAGE + 1, NULL, 0);
    assert_recv_refused(GH_WIRE_ERROR, GH_WIRE_ERROR_TOO_BIG,
                        "stats: packet of 262145 bytes is over the 262144-byte maximum");
}
END_TEST

/* ... a larger one is cut (MSG_TRUNC), and its fds are closed. */
START_TEST(test_packet_cut_by_the_receive_buffer_is_refused_with_its_fds_closed)
{
    g_autofree guint8 *data = g_malloc0(GH_WIRE_MAX_MESSAGE + 100);
    int fds[2];

    data[0] = GH_WORKER_MSG_START;
    open_memfds(fds, 2);
    raw_send(worker_fd, data, GH_WIRE_MAX_MESSAGE + 100, fds, 2);
    close_fds(fds, 2);
    assert_recv_refused(GH_WIRE_ERROR, GH_WIRE_ERROR_TOO_BIG,
                        "start: packet of 262244 bytes is over the 262144-byte maximum");
}
END_TEST

START_TEST(test_message_of_exactly_the_max_goes_through)
{
    g_autofree char *text = g_strnfill(GH_WIRE_MAX_MESSAGE - GH_WIRE_HEADER - 1, 'x');
    g_autoptr(GError) error = NULL;
    g_auto(GhWireMsg) msg = { 0 };

    ck_assert_msg(gh_wire_send(worker_fd, kind_of(GH_WORKER_MSG_QMP), 1, g_variant_new("(s)", text), NULL, 0,
                               &error), "%s", error ? error->message : "?");
    ck_assert_int_eq(gh_wire_recv(daemon_fd, TABLE, N_KINDS, &msg, &error), 1);
    ck_assert_uint_eq(g_variant_get_size(msg.body), GH_WIRE_MAX_MESSAGE - GH_WIRE_HEADER);
}
END_TEST

START_TEST(test_fds_beyond_the_kinds_max_are_refused_and_closed)
{
    g_autoptr(GBytes) bytes = gh_wire_encode(kind_of(GH_WORKER_MSG_FRAME_DONE), 1, g_variant_new("(is)", 0, ""));
    int fds[2];

    open_memfds(fds, 2);
    raw_send(worker_fd, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), fds, 2);
    close_fds(fds, 2);
    assert_recv_refused(GH_WIRE_ERROR, GH_WIRE_ERROR_FDS, "frame-done: 2 fds, at most 1");
}
END_TEST

START_TEST(test_fds_beyond_the_wires_max_are_cut_and_refused)
{
    g_autoptr(GBytes) bytes = gh_wire_encode(kind_of(GH_WORKER_MSG_START), 1, g_variant_new("a{sv}", NULL));
    int fds[GH_WIRE_MAX_FDS + 1];

    open_memfds(fds, GH_WIRE_MAX_FDS + 1);
    raw_send(worker_fd, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), fds, GH_WIRE_MAX_FDS + 1);
    close_fds(fds, GH_WIRE_MAX_FDS + 1);
    assert_recv_refused(GH_WIRE_ERROR, GH_WIRE_ERROR_FDS, "wire: control data truncated: more than 4 fds");
}
END_TEST

/* SO_PASSCRED makes the kernel add SCM_CREDENTIALS to every packet. */
START_TEST(test_control_message_other_than_scm_rights_is_refused)
{
    g_autoptr(GBytes) bytes = gh_wire_encode(kind_of(GH_WORKER_MSG_FRAME_DONE), 1, g_variant_new("(is)", 0, ""));
    int on = 1, fd;

    ck_assert_int_eq(setsockopt(daemon_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
    open_memfds(&fd, 1);
    raw_send(worker_fd, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), &fd, 1);
    close(fd);
    assert_recv_refused(GH_WIRE_ERROR, GH_WIRE_ERROR_FDS, "wire: control message of level 1 type 2, not SCM_RIGHTS");
}
END_TEST

START_TEST(test_recv_at_eof_returns_zero)
{
    g_autoptr(GError) error = NULL;
    GhWireMsg msg = { 0 };

    close(worker_fd);
    worker_fd = -1;
    ck_assert_int_eq(gh_wire_recv(daemon_fd, TABLE, N_KINDS, &msg, &error), 0);
    ck_assert_ptr_null(error);
    ck_assert_ptr_null(msg.body);
}
END_TEST

START_TEST(test_recv_with_nothing_waiting_would_block)
{
    g_autoptr(GError) error = NULL;
    GhWireMsg msg = { 0 };

    ck_assert_int_eq(fcntl(daemon_fd, F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq(gh_wire_recv(daemon_fd, TABLE, N_KINDS, &msg, &error), -1);
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
}
END_TEST

START_TEST(test_send_to_a_full_socket_would_block)
{
    g_autoptr(GError) error = NULL;
    guint sent = 0;

    ck_assert_int_eq(fcntl(worker_fd, F_SETFL, O_NONBLOCK), 0);
    while (sent < 100000 && gh_wire_send(worker_fd, kind_of(GH_WORKER_MSG_STOP), sent, NULL, NULL, 0, &error))
        sent++;
    ck_assert_uint_gt(sent, 0);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK), "%s", error->message);
}
END_TEST

START_TEST(test_send_to_a_closed_peer_fails_without_sigpipe)
{
    g_autoptr(GError) error = NULL;

    close(daemon_fd);
    daemon_fd = -1;
    ck_assert(!gh_wire_send(worker_fd, kind_of(GH_WORKER_MSG_STOP), 1, NULL, NULL, 0, &error));
    ck_assert(g_error_matches(error, GH_WIRE_ERROR, GH_WIRE_ERROR_IO));
    ck_assert_str_eq(error->message, "stop: sendmsg: Broken pipe");
}
END_TEST

START_TEST(test_send_refuses_more_fds_than_the_kind_carries)
{
    g_autoptr(GError) error = NULL;
    GhWireMsg msg = { 0 };
    int fd;

    open_memfds(&fd, 1);
    ck_assert(!gh_wire_send(worker_fd, kind_of(GH_WORKER_MSG_FRAME), 1, g_variant_new("(u)", 500), &fd, 1, &error));
    close(fd);
    ck_assert(g_error_matches(error, GH_WIRE_ERROR, GH_WIRE_ERROR_FDS));
    ck_assert_str_eq(error->message, "frame: 1 fds, at most 0");
    g_clear_error(&error);
    /* Nothing went out. */
    ck_assert_int_eq(fcntl(daemon_fd, F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq(gh_wire_recv(daemon_fd, TABLE, N_KINDS, &msg, &error), -1);
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
}
END_TEST

START_TEST(test_send_refuses_a_message_over_the_max)
{
    g_autofree char *text = g_strnfill(GH_WIRE_MAX_MESSAGE - GH_WIRE_HEADER, 'x');
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_wire_send(worker_fd, kind_of(GH_WORKER_MSG_QMP), 1, g_variant_new("(s)", text), NULL, 0, &error));
    ck_assert(g_error_matches(error, GH_WIRE_ERROR, GH_WIRE_ERROR_TOO_BIG));
    ck_assert_str_eq(error->message, "qmp: packet of 262145 bytes is over the 262144-byte maximum");
}
END_TEST

static guint criticals;

static void
count_critical(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
    criticals++;
}

/* A body of the wrong type is the caller's bug: a critical, and nothing sent. */
START_TEST(test_body_of_another_type_is_not_encoded_nor_sent)
{
    g_autoptr(GError) error = NULL;

    g_log_set_handler(G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, count_critical, NULL);
    ck_assert_ptr_null(gh_wire_encode(kind_of(GH_WORKER_MSG_FRAME), 1, g_variant_new("(s)", "500")));
    ck_assert(!gh_wire_send(worker_fd, kind_of(GH_WORKER_MSG_FRAME), 1, g_variant_new("(s)", "500"), NULL, 0,
                            &error));
    ck_assert(g_error_matches(error, GH_WIRE_ERROR, GH_WIRE_ERROR_MALFORMED));
    ck_assert_str_eq(error->message, "frame: body is not of type (u)");
    ck_assert_uint_eq(criticals, 2);
}
END_TEST

START_TEST(test_msg_clear_closes_the_fds_and_is_idempotent)
{
    g_autoptr(GError) error = NULL;
    GhWireMsg msg = { 0 };
    int fd, received;

    open_memfds(&fd, 1);
    ck_assert(gh_wire_send(worker_fd, kind_of(GH_WORKER_MSG_FRAME_DONE), 1, g_variant_new("(is)", 0, ""), &fd, 1,
                           &error));
    close(fd);
    ck_assert_int_eq(gh_wire_recv(daemon_fd, TABLE, N_KINDS, &msg, &error), 1);
    received = msg.fds[0];
    gh_wire_msg_clear(&msg);
    ck_assert_int_eq(fcntl(received, F_GETFD), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_ptr_null(msg.body);
    ck_assert_uint_eq(msg.n_fds, 0);
    gh_wire_msg_clear(&msg);
}
END_TEST

START_TEST(test_events_survive_the_variant_round_trip)
{
    const gh_input_event in[] = {
        { .type = GH_INPUT_KEY, .code = KEY_LEFT, .value = 1, .timestamp_ns = G_MAXUINT64 },
        { .type = GH_INPUT_PAD_AXIS, .code = ABS_RY, .value = -32768, .device = 3 },
        { .type = GH_INPUT_TOUCH, .code = 2, .device = 9, .x = 32767, .y = -1, .timestamp_ns = 42 },
    };
    g_autoptr(GVariant) v = g_variant_ref_sink(gh_worker_proto_events_to_variant(in, G_N_ELEMENTS(in)));
    g_autoptr(GArray) out = gh_worker_proto_events_from_variant(v);

    ck_assert_str_eq(g_variant_get_type_string(v), kind_of(GH_WORKER_MSG_INPUT)->signature);
    ck_assert_uint_eq(out->len, G_N_ELEMENTS(in));
    ck_assert_mem_eq(out->data, in, sizeof(in));
}
END_TEST

START_TEST(test_no_events_is_an_empty_array)
{
    g_autoptr(GVariant) v = g_variant_ref_sink(gh_worker_proto_events_to_variant(NULL, 0));
    g_autoptr(GArray) out = gh_worker_proto_events_from_variant(v);

    ck_assert_uint_eq(g_variant_n_children(v), 0);
    ck_assert_uint_eq(out->len, 0);
}
END_TEST

static char *
corpus_path(const char *prefix, const char *name)
{
    const char *srcdir = g_getenv("GH_TEST_SRCDIR");
    g_autofree char *file = g_strconcat(prefix, name, NULL);

    ck_assert_msg(srcdir && *srcdir, "GH_TEST_SRCDIR is not set: run through 'make check'");
    return g_build_filename(srcdir, "tests", "fuzz", "corpus", "wire", file, NULL);
}

/* The seed file holds exactly data (or is rewritten to). */
static void
check_seed(const char *path, const void *data, gsize len)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *seed = NULL;
    gsize seed_len;

    if (g_strcmp0(g_getenv("GH_TEST_REGENERATE_OUTPUT"), "1") == 0) {
        ck_assert_msg(g_file_set_contents(path, data, len, &error), "%s", error ? error->message : "?");
        return;
    }
    ck_assert_msg(g_file_get_contents(path, &seed, &seed_len, &error),
                  "%s (GH_TEST_REGENERATE_OUTPUT=1 writes it)", error ? error->message : "?");
    ck_assert_msg(seed_len == len && memcmp(seed, data, len) == 0,
                  "%s differs from its encoding (GH_TEST_REGENERATE_OUTPUT=1 rewrites it)", path);
}

/* Every sample and every malformed packet is a seed of the fuzzer. */
START_TEST(test_seed_corpus_is_every_sample_and_malformed_packet)
{
    for (guint i = 0; i < N_KINDS; i++) {
        g_autoptr(GVariant) body = sample_body(&TABLE[i]);
        g_autoptr(GBytes) bytes = gh_wire_encode(&TABLE[i], 1, body);
        g_autofree char *path = corpus_path("ok-", TABLE[i].name);

        check_seed(path, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
    }
    for (guint i = 0; i < G_N_ELEMENTS(malformed); i++) {
        g_autofree char *path = corpus_path("bad-", malformed[i].name);

        check_seed(path, malformed[i].data, malformed[i].len);
    }
}
END_TEST

static Suite *
wire_suite(void)
{
    Suite *s = suite_create("wire");
    TCase *proto = tcase_create("protocol");
    TCase *codec = tcase_create("codec");
    TCase *socket = tcase_create("socket");

    tcase_add_test(proto, test_protocol_types_are_nonzero_unique_and_typed);
    tcase_add_test(proto, test_protocol_kinds_are_the_issues_table);
    tcase_add_test(proto, test_kind_of_type_zero_or_unknown_is_null);
    tcase_add_test(proto, test_events_survive_the_variant_round_trip);
    tcase_add_test(proto, test_no_events_is_an_empty_array);
    tcase_add_test(proto, test_seed_corpus_is_every_sample_and_malformed_packet);
    suite_add_tcase(s, proto);

    tcase_add_test(codec, test_every_kind_round_trips_through_encode_and_decode);
    tcase_add_test(codec, test_header_is_type_then_serial_little_endian);
    tcase_add_test(codec, test_unit_body_is_sent_as_no_bytes);
    tcase_add_test(codec, test_empty_array_body_is_no_bytes_and_valid);
    tcase_add_loop_test(codec, test_malformed_packet_is_refused_by_decode, 0, G_N_ELEMENTS(malformed));
    tcase_add_test(codec, test_packet_over_the_max_is_refused_by_decode);
    suite_add_tcase(s, codec);

    tcase_add_checked_fixture(socket, setup, teardown);
    tcase_add_test(socket, test_every_kind_round_trips_over_a_socketpair_with_its_fds);
    tcase_add_loop_test(socket, test_malformed_packet_is_refused_by_recv_and_its_fd_closed, 0,
                        G_N_ELEMENTS(malformed));
    tcase_add_test(socket, test_packet_one_byte_over_the_max_is_refused_by_recv);
    tcase_add_test(socket, test_packet_cut_by_the_receive_buffer_is_refused_with_its_fds_closed);
    tcase_add_test(socket, test_message_of_exactly_the_max_goes_through);
    tcase_add_test(socket, test_fds_beyond_the_kinds_max_are_refused_and_closed);
    tcase_add_test(socket, test_fds_beyond_the_wires_max_are_cut_and_refused);
    tcase_add_test(socket, test_control_message_other_than_scm_rights_is_refused);
    tcase_add_test(socket, test_recv_at_eof_returns_zero);
    tcase_add_test(socket, test_recv_with_nothing_waiting_would_block);
    tcase_add_test(socket, test_send_to_a_full_socket_would_block);
    tcase_add_test(socket, test_send_to_a_closed_peer_fails_without_sigpipe);
    tcase_add_test(socket, test_send_refuses_more_fds_than_the_kind_carries);
    tcase_add_test(socket, test_send_refuses_a_message_over_the_max);
    tcase_add_test(socket, test_body_of_another_type_is_not_encoded_nor_sent);
    tcase_add_test(socket, test_msg_clear_closes_the_fds_and_is_idempotent);
    suite_add_tcase(s, socket);
    return s;
}

int
main(void)
{
    return gh_test_run(wire_suite());
}
