/* Specification of runtime/virt/dbus-relay.c, against a real dbus-daemon
 * configured as libvirt configures QEMU's (EXTERNAL only, no uid but its
 * own admitted): GDBus clients through the relay, fds both ways, hostile
 * authentication, and, as root, a client that the bus itself refuses. */
#define _GNU_SOURCE 1 /* setresuid, setresgid */
#include <check.h>
#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "virt/dbus-relay.h"
#include "testutil.h"

#define NOBODY         65534u  /* the client the root cases drop to */
/* The bus's user in the root cases (base-passwd's; dbus-daemon wants a
 * passwd entry for its uid): neither ours nor the client's. */
#define BUS_USER       "daemon"
#define CALL_MS        5000
#define WAIT_MS        5000
#define SERVICE_NAME   "org.gamehost.RelayTest"
#define SERVICE_PATH   "/org/gamehost/RelayTest"
#define SERVICE_IFACE  "org.gamehost.RelayTest"

/* What libvirt writes for a VM's bus (qemuDBusWriteConfig), at our path. */
static const char bus_config[] =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    "  \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>org.libvirt.qemu</type>\n"
    "  <listen>unix:path=%s</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context='default'>\n"
    "    <allow send_destination='*' eavesdrop='true'/>\n"
    "    <allow eavesdrop='true'/>\n"
    "    <allow own='*'/>\n"
    "  </policy>\n"
    "</busconfig>\n";

static const char service_xml[] =
    "<node><interface name='" SERVICE_IFACE "'>"
    " <method name='Write'><arg name='fd' type='h'/><arg name='text' type='s'/></method>"
    " <method name='Open'><arg name='text' type='s'/><arg name='fd' type='h' direction='out'/></method>"
    "</interface></node>";

static char *dir, *bus_socket, *relay_socket;
static GSubprocess *bus_daemon;
static uid_t bus_owner;         /* the root cases' */
static gid_t bus_group;

/* ---- the bus --------------------------------------------------------------- */

static void
drop_to(uid_t uid)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
        setresuid(uid, uid, uid) < 0)
        _exit(126);
}

static void
child_drop_to(gpointer data)
{
    uid_t uid = GPOINTER_TO_UINT(data);

    if (uid != geteuid())
        drop_to(uid);
}

/* A bus at bus_socket run as owner; returns when it listens. */
static void
bus_start(uid_t owner)
{
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
    g_autofree char *conf = g_build_filename(dir, "bus.conf", NULL);
    g_autofree char *text = g_strdup_printf(bus_config, bus_socket);
    g_autoptr(GDataInputStream) out = NULL;
    g_autofree char *address = NULL;
    g_autoptr(GError) error = NULL;

    ck_assert(g_file_set_contents(conf, text, -1, NULL));
    g_subprocess_launcher_set_child_setup(launcher, child_drop_to, GUINT_TO_POINTER(owner), NULL);
    bus_daemon = g_subprocess_launcher_spawn(launcher, &error, "dbus-daemon", "--nofork", "--print-address",
                                             "--config-file", conf, NULL);
    ck_assert_msg(bus_daemon, "dbus-daemon (Debian package dbus-daemon): %s", error ? error->message : "");
    out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(bus_daemon));
    address = g_data_input_stream_read_line(out, NULL, NULL, &error);
    ck_assert_msg(address, "dbus-daemon printed no address");
}

static void
setup(void)
{
    dir = gh_test_make_tmpdir("gh-dbus-relay");
    /* The root cases' bus and client are other uids: they must get in. */
    ck_assert_int_eq(chmod(dir, 0755), 0);
    bus_socket = g_build_filename(dir, "bus.sock", NULL);
    relay_socket = g_build_filename(dir, "relay.sock", NULL);
}

static void
setup_with_bus(void)
{
    setup();
    bus_start(geteuid());
}

static void
teardown(void)
{
    if (bus_daemon) {
        g_subprocess_force_exit(bus_daemon);
        g_subprocess_wait(bus_daemon, NULL, NULL);
        g_clear_object(&bus_daemon);
    }
    gh_test_rm_rf(dir);
    g_clear_pointer(&dir, g_free);
    g_clear_pointer(&bus_socket, g_free);
    g_clear_pointer(&relay_socket, g_free);
}

/* ---- clients ------------------------------------------------------------------ */

static GDBusConnection *
connect_to(const char *path, GError **error)
{
    g_autofree char *escaped = g_dbus_address_escape_value(path);
    g_autofree char *address = g_strconcat("unix:path=", escaped, NULL);

    return g_dbus_connection_new_for_address_sync(address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                               G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                  NULL, NULL, error);
}

static GDBusConnection *
must_connect(const char *path)
{
    g_autoptr(GError) error = NULL;
    GDBusConnection *conn = connect_to(path, &error);

    ck_assert_msg(conn, "%s: %s", path, error ? error->message : "");
    return conn;
}

static GVariant *
bus_call(GDBusConnection *conn, const char *method)
{
    g_autoptr(GError) error = NULL;
    GVariant *reply = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                  "org.freedesktop.DBus", method, NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                                                  CALL_MS, NULL, &error);

    ck_assert_msg(reply, "%s: %s", method, error ? error->message : "");
    return reply;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **
sorted_names(GDBusConnection *conn)
{
    g_autoptr(GVariant) reply = bus_call(conn, "ListNames");
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    g_autoptr(GVariantIter) it = NULL;
    const char *name;

    g_variant_get(reply, "(as)", &it);
    while (g_variant_iter_next(it, "&s", &name))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

static GhDbusRelay *
relay_start(uid_t client_uid, gid_t client_gid)
{
    g_autoptr(GError) error = NULL;
    GhDbusRelay *relay = gh_dbus_relay_new(relay_socket, client_uid, client_gid, bus_socket, &error);

    ck_assert_msg(relay, "%s", error ? error->message : "");
    return relay;
}

/* A raw client socket, for what GDBus would never send; a relay that
 * starts in another process gets WAIT_MS to listen. */
static int
raw_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    gint64 until = g_get_monotonic_time() + WAIT_MS * 1000;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, path, sizeof addr.sun_path);
    ck_assert_int_ge(fd, 0);
    while (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        ck_assert_msg(g_get_monotonic_time() < until, "%s: %s", path, g_strerror(errno));
        g_usleep(10000);
    }
    return fd;
}

static void
raw_send(int fd, const char *bytes, gsize len)
{
    ck_assert_int_eq(send(fd, bytes, len, MSG_NOSIGNAL), (gssize)len);
}

/* Reads into got until the peer closes (TRUE) or WAIT_MS pass (FALSE). */
static gboolean
raw_read_to_end(int fd, GString *got)
{
    gint64 until = g_get_monotonic_time() + WAIT_MS * 1000;

    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        gint64 left = (until - g_get_monotonic_time()) / 1000;
        char buf[4096];
        gssize n;

        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return FALSE;
        n = recv(fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return TRUE;
        ck_assert_int_gt(n, 0);
        g_string_append_len(got, buf, n);
    }
}

/* Reads one line ending "\r\n" (returned without it), waiting WAIT_MS at most. */
static char *
raw_read_line(int fd)
{
    g_autoptr(GString) line = g_string_new(NULL);

    while (!g_str_has_suffix(line->str, "\r\n")) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char c;

        ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "no line after '%s'", line->str);
        ck_assert_int_eq(recv(fd, &c, 1, 0), 1);
        g_string_append_c(line, c);
    }
    g_string_truncate(line, line->len - 2);
    return g_string_free(g_steal_pointer(&line), FALSE);
}

/* How the EXTERNAL mechanism states a uid: its decimal digits in hex. */
static char *
external_identity(uid_t uid)
{
    g_autofree char *decimal = g_strdup_printf("%u", (unsigned)uid);
    GString *hex = g_string_new(NULL);

    for (const char *d = decimal; *d; d++)
        g_string_append_printf(hex, "%02x", (guchar)*d);
    return g_string_free(hex, FALSE);
}

/* ---- a service on the bus that takes and gives fds --------------------------- */

static void
service_method(GDBusConnection *conn, const char *sender, const char *path, const char *iface, const char *method,
               GVariant *params, GDBusMethodInvocation *inv, gpointer data)
{
    GUnixFDList *fds = g_dbus_message_get_unix_fd_list(g_dbus_method_invocation_get_message(inv));
    g_autoptr(GUnixFDList) out = g_unix_fd_list_new();
    const char *text;
    gint32 handle;
    int pipe_fds[2], fd;

    if (g_str_equal(method, "Write")) {
        g_variant_get(params, "(h&s)", &handle, &text);
        fd = fds ? g_unix_fd_list_get(fds, handle, NULL) : -1;
        ck_assert_msg(fd >= 0, "Write came without its fd");
        ck_assert_int_eq(write(fd, text, strlen(text)), (gssize)strlen(text));
        close(fd);
        g_dbus_method_invocation_return_value(inv, NULL);
        return;
    }
    g_variant_get(params, "(&s)", &text);
    ck_assert(g_unix_open_pipe(pipe_fds, FD_CLOEXEC, NULL));
    ck_assert_int_eq(write(pipe_fds[1], text, strlen(text)), (gssize)strlen(text));
    close(pipe_fds[1]);
    g_unix_fd_list_append(out, pipe_fds[0], NULL);
    close(pipe_fds[0]);
    g_dbus_method_invocation_return_value_with_unix_fd_list(inv, g_variant_new("(h)", 0), out);
}

static const GDBusInterfaceVTable service_vtable = { .method_call = service_method };

/* A direct connection owning SERVICE_NAME; its methods run on this thread's
 * default context, which the calls below iterate. */
static GDBusConnection *
service_start(void)
{
    g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(service_xml, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) owned = NULL;
    GDBusConnection *conn = must_connect(bus_socket);

    ck_assert(g_dbus_connection_register_object(conn, SERVICE_PATH, node->interfaces[0], &service_vtable, NULL, NULL,
                                                &error));
    owned = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                        "RequestName", g_variant_new("(su)", SERVICE_NAME, 0u), G_VARIANT_TYPE("(u)"),
                                        G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, &error);
    ck_assert_msg(owned, "RequestName: %s", error ? error->message : "");
    return conn;
}

static void
store_result(GObject *source, GAsyncResult *res, gpointer data)
{
    *(GAsyncResult **)data = g_object_ref(res);
}

static void
service_call_async(GDBusConnection *conn, const char *method, GVariant *params, GUnixFDList *fds,
                   GAsyncResult **result)
{
    g_dbus_connection_call_with_unix_fd_list(conn, SERVICE_NAME, SERVICE_PATH, SERVICE_IFACE, method, params, NULL,
                                             G_DBUS_CALL_FLAGS_NONE, CALL_MS, fds, NULL, store_result, result);
}

static GVariant *
service_call_finish(GDBusConnection *conn, GAsyncResult **result, GUnixFDList **out)
{
    g_autoptr(GError) error = NULL;
    GVariant *reply;

    while (!*result)
        g_main_context_iteration(NULL, TRUE);
    reply = g_dbus_connection_call_with_unix_fd_list_finish(conn, out, *result, &error);
    g_clear_object(result);
    ck_assert_msg(reply, "%s", error ? error->message : "");
    return reply;
}

/* What a pipe's read end gives, up to want bytes or its end, within
 * WAIT_MS (a copy of the write end in a message not yet freed must not
 * hang the test); the fd is closed. */
static char *
pipe_contents(int fd, gsize want)
{
    GString *got = g_string_new(NULL);

    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char buf[256];
        gssize n;

        if (got->len >= want || poll(&p, 1, WAIT_MS) != 1 || (n = read(fd, buf, sizeof buf)) <= 0)
            break;
        g_string_append_len(got, buf, n);
    }
    close(fd);
    return g_string_free(got, FALSE);
}

/* ---- fds where the relay's reads run together ------------------------------ */

typedef union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
} OneFd;

/* A bus of our own at bus_socket, for bytes no real bus would send. */
static int
fake_bus_listen(void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, bus_socket, sizeof addr.sun_path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

static int
fake_bus_accept(int listener)
{
    struct pollfd p = { .fd = listener, .events = POLLIN };
    int fd;

    ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "the relay never connected to the bus");
    fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    return fd;
}

/* The relay in a child process, so that it can be stopped while two
 * writes queue up: its next read takes them together. */
static pid_t
relay_fork(void)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        g_autoptr(GError) error = NULL;

        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (!gh_dbus_relay_new(relay_socket, geteuid(), getegid(), bus_socket, &error))
            _exit(1);
        for (;;)
            pause();
    }
    return pid;
}

static void
relay_stop(pid_t relay)
{
    int status;

    ck_assert_int_eq(kill(relay, SIGSTOP), 0);
    ck_assert_int_eq(waitpid(relay, &status, WUNTRACED), relay);
    ck_assert(WIFSTOPPED(status));
}

static void
relay_kill(pid_t relay)
{
    kill(relay, SIGKILL);
    waitpid(relay, NULL, 0);
}

/* Sends bytes with fd passed along (SCM_RIGHTS). */
static void
send_with_fd(int sock, const char *bytes, gsize len, int fd)
{
    OneFd control;
    struct iovec iov = { .iov_base = (void *)bytes, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                          .msg_controllen = sizeof control.buf };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    ck_assert_int_eq(sendmsg(sock, &msg, MSG_NOSIGNAL), (gssize)len);
}

/* The end of one message, then the next with its fd, while the relay is
 * stopped; the offset of the byte that the fd came with on the far side. */
static gsize
fd_arrival_after_queued_writes(pid_t relay, int from, int to)
{
    char before[100], carrying[20];
    int pipe_fds[2];
    OneFd control;
    char c;
    struct iovec iov = { .iov_base = &c, .iov_len = 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf };
    struct cmsghdr *cm;
    gssize at = -1;

    memset(before, 'a', sizeof before);
    memset(carrying, 'b', sizeof carrying);
    ck_assert(g_unix_open_pipe(pipe_fds, FD_CLOEXEC, NULL));
    relay_stop(relay);
    raw_send(from, before, sizeof before);
    send_with_fd(from, carrying, sizeof carrying, pipe_fds[0]);
    ck_assert_int_eq(kill(relay, SIGCONT), 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    /* One byte at a time: the fd comes with the read that takes its byte. */
    for (gsize i = 0; i < sizeof before + sizeof carrying; i++) {
        struct pollfd p = { .fd = to, .events = POLLIN };

        msg.msg_controllen = sizeof control.buf;
        ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "byte %zu never came", i);
        ck_assert_int_eq(recvmsg(to, &msg, MSG_CMSG_CLOEXEC), 1);
        for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                ck_assert_int_eq(at, -1);
                at = (gssize)i;
                close(*(int *)(void *)CMSG_DATA(cm));
            }
    }
    ck_assert_msg(at >= 0, "the fd never came");
    return (gsize)at;
}

START_TEST(test_an_fd_from_the_bus_comes_with_its_own_message_when_reads_run_together)
{
    int listener = fake_bus_listen();
    pid_t relay = relay_fork();
    int client = raw_connect(relay_socket);
    int bus = fake_bus_accept(listener);

    /* Sent with the first byte read, it would come with the 'a's, and
     * GDBus would give it to the message they end. */
    ck_assert_uint_ge(fd_arrival_after_queued_writes(relay, bus, client), 100);
    relay_kill(relay);
    close(client);
    close(bus);
    close(listener);
}
END_TEST

START_TEST(test_an_fd_to_the_bus_comes_with_its_own_message_when_reads_run_together)
{
    int listener = fake_bus_listen();
    pid_t relay = relay_fork();
    int client = raw_connect(relay_socket);
    int bus = fake_bus_accept(listener);
    g_autofree char *me = external_identity(geteuid());
    g_autofree char *sasl = g_strdup_printf("AUTH EXTERNAL %s\r\nBEGIN\r\n", me);
    g_autoptr(GString) got = g_string_new(NULL);

    raw_send(client, "\0", 1);
    raw_send(client, sasl, strlen(sasl));
    /* The relay is past BEGIN once the bus has it. */
    while (got->len < strlen(sasl) + 1) {
        char buf[256];
        struct pollfd p = { .fd = bus, .events = POLLIN };
        gssize n;

        ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "the bus got only %zu bytes", got->len);
        n = recv(bus, buf, MIN(sizeof buf, strlen(sasl) + 1 - got->len), 0);
        ck_assert_int_gt(n, 0);
        g_string_append_len(got, buf, n);
    }
    ck_assert_str_eq(got->str + 1, sasl);
    ck_assert_uint_ge(fd_arrival_after_queued_writes(relay, client, bus), 100);
    relay_kill(relay);
    close(client);
    close(bus);
    close(listener);
}
END_TEST

/* ---- GDBus through the relay -------------------------------------------------- */

START_TEST(test_a_gdbus_client_through_the_relay_gets_the_same_answers_as_a_direct_one)
{
    g_autoptr(GhDbusRelay) relay = relay_start(geteuid(), getegid());
    g_autoptr(GDBusConnection) direct = must_connect(bus_socket);
    g_autoptr(GDBusConnection) relayed = must_connect(relay_socket);
    g_autoptr(GVariant) id_direct = bus_call(direct, "GetId");
    g_autoptr(GVariant) id_relayed = bus_call(relayed, "GetId");
    g_auto(GStrv) names_direct = sorted_names(direct);
    g_auto(GStrv) names_relayed = sorted_names(relayed);

    ck_assert(g_variant_equal(id_direct, id_relayed));
    ck_assert(g_strv_equal((const char *const *)names_direct, (const char *const *)names_relayed));
    ck_assert(g_strv_contains((const char *const *)names_relayed, g_dbus_connection_get_unique_name(relayed)));
}
END_TEST

START_TEST(test_an_fd_passed_in_a_call_through_the_relay_arrives)
{
    g_autoptr(GhDbusRelay) relay = relay_start(geteuid(), getegid());
    g_autoptr(GDBusConnection) service = service_start();
    g_autoptr(GDBusConnection) client = must_connect(relay_socket);
    g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autofree char *got = NULL;
    int pipe_fds[2];

    ck_assert(g_unix_open_pipe(pipe_fds, FD_CLOEXEC, NULL));
    g_unix_fd_list_append(fds, pipe_fds[1], NULL);
    close(pipe_fds[1]);
    service_call_async(client, "Write", g_variant_new("(hs)", 0, "written by the service"), fds, &result);
    reply = service_call_finish(client, &result, NULL);
    got = pipe_contents(pipe_fds[0], strlen("written by the service"));
    ck_assert_str_eq(got, "written by the service");
}
END_TEST

START_TEST(test_an_fd_in_a_reply_through_the_relay_arrives)
{
    g_autoptr(GhDbusRelay) relay = relay_start(geteuid(), getegid());
    g_autoptr(GDBusConnection) service = service_start();
    g_autoptr(GDBusConnection) client = must_connect(relay_socket);
    g_autoptr(GUnixFDList) out = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autofree char *got = NULL;
    gint32 handle;

    service_call_async(client, "Open", g_variant_new("(s)", "sent by the service"), NULL, &result);
    reply = service_call_finish(client, &result, &out);
    g_variant_get(reply, "(h)", &handle);
    ck_assert_ptr_nonnull(out);
    got = pipe_contents(g_unix_fd_list_get(out, handle, NULL), strlen("sent by the service"));
    ck_assert_str_eq(got, "sent by the service");
}
END_TEST

/* Replies sent back to back reach the relay in one read, but each fd must
 * still come with its own reply: GDBus gives a message the fds that arrive
 * while it reads it. */
START_TEST(test_fds_in_replies_back_to_back_each_arrive_with_their_own)
{
    enum { N = 48 };
    g_autoptr(GhDbusRelay) relay = relay_start(geteuid(), getegid());
    g_autoptr(GDBusConnection) service = service_start();
    g_autoptr(GDBusConnection) client = must_connect(relay_socket);
    GAsyncResult *results[N] = { NULL };

    for (int i = 0; i < N; i++) {
        g_autofree char *text = g_strdup_printf("reply %d", i);
        service_call_async(client, "Open", g_variant_new("(s)", text), NULL, &results[i]);
    }
    for (int i = 0; i < N; i++) {
        g_autoptr(GUnixFDList) out = NULL;
        g_autoptr(GVariant) reply = service_call_finish(client, &results[i], &out);
        g_autofree char *want = g_strdup_printf("reply %d", i);
        g_autofree char *got = NULL;
        gint32 handle;

        g_variant_get(reply, "(h)", &handle);
        ck_assert_msg(out && g_unix_fd_list_get_length(out) == 1, "reply %d came with %d fds", i,
                      out ? g_unix_fd_list_get_length(out) : 0);
        got = pipe_contents(g_unix_fd_list_get(out, handle, NULL), strlen(want));
        ck_assert_str_eq(got, want);
    }
}
END_TEST

/* ---- authentication ------------------------------------------------------------- */

START_TEST(test_a_client_sending_garbage_before_begin_is_cut_off_and_the_next_is_served)
{
    g_autoptr(GhDbusRelay) relay = relay_start(geteuid(), getegid());
    g_autoptr(GString) garbage = g_string_new_len("\0", 1);
    g_autoptr(GString) got = g_string_new(NULL);
    g_autoptr(GDBusConnection) next = NULL;
    g_autoptr(GVariant) id = NULL;
    guint answers = 0;
    int fd = raw_connect(relay_socket);

    for (int i = 0; i < 100; i++)
        g_string_append(garbage, "GARBAGE\r\n");
    raw_send(fd, garbage->str, garbage->len);
    ck_assert_msg(raw_read_to_end(fd, got), "the relay kept a client that sent 100 lines before BEGIN");
    close(fd);
    /* The bus answered at most the 16 lines that went through. */
    for (const char *at = got->str; (at = strstr(at, "\r\n")); at += 2)
        answers++;
    ck_assert_uint_le(answers, 16);
    next = must_connect(relay_socket);
    id = bus_call(next, "GetId");
    ck_assert(g_variant_is_of_type(id, G_VARIANT_TYPE("(s)")));
}
END_TEST

START_TEST(test_a_client_claiming_another_uid_is_cut_off)
{
    g_autoptr(GhDbusRelay) relay = relay_start(geteuid(), getegid());
    g_autofree char *other = external_identity(geteuid() + 1);
    g_autofree char *auth = g_strdup_printf("AUTH EXTERNAL %s\r\n", other);
    g_autoptr(GString) got = g_string_new(NULL);
    int fd = raw_connect(relay_socket);

    raw_send(fd, "\0", 1);
    raw_send(fd, auth, strlen(auth));
    ck_assert(raw_read_to_end(fd, got));
    ck_assert_str_eq(got->str, "");
    close(fd);
}
END_TEST

START_TEST(test_a_client_passing_fds_before_begin_is_cut_off)
{
    g_autoptr(GhDbusRelay) relay = relay_start(geteuid(), getegid());
    g_autofree char *me = external_identity(geteuid());
    g_autofree char *auth = g_strdup_printf("AUTH EXTERNAL %s\r\n", me);
    g_autoptr(GString) got = g_string_new(NULL);
    int fd = raw_connect(relay_socket);

    raw_send(fd, "\0", 1);
    send_with_fd(fd, auth, strlen(auth), fd);
    ck_assert(raw_read_to_end(fd, got));
    ck_assert_str_eq(got->str, "");
    close(fd);
}
END_TEST

/* Newer GLib sends EXTERNAL with no initial response and answers the bus's
 * empty challenge; libdbus may answer it with the identity. */
START_TEST(test_external_with_its_identity_in_data_is_accepted)
{
    g_autoptr(GhDbusRelay) relay = relay_start(geteuid(), getegid());
    g_autofree char *me = external_identity(geteuid());
    g_autofree char *data = g_strdup_printf("DATA %s\r\n", me);
    g_autofree char *challenge = NULL;
    g_autofree char *answer = NULL;
    int fd = raw_connect(relay_socket);

    raw_send(fd, "\0AUTH EXTERNAL\r\n", strlen("AUTH EXTERNAL\r\n") + 1);
    challenge = raw_read_line(fd);
    ck_assert_str_eq(challenge, "DATA");
    raw_send(fd, data, strlen(data));
    answer = raw_read_line(fd);
    ck_assert_msg(g_str_has_prefix(answer, "OK "), "the bus answered '%s'", answer);
    close(fd);
}
END_TEST

/* ---- life ---------------------------------------------------------------------- */

static void
on_closed(GDBusConnection *conn, gboolean remote, GError *error, gpointer data)
{
    *(gboolean *)data = TRUE;
}

static gboolean
on_timeout(gpointer data)
{
    *(gboolean *)data = TRUE;
    return G_SOURCE_REMOVE;
}

START_TEST(test_free_with_a_client_connected_closes_it_and_removes_the_socket)
{
    GhDbusRelay *relay = relay_start(geteuid(), getegid());
    g_autoptr(GDBusConnection) client = must_connect(relay_socket);
    g_autoptr(GVariant) id = bus_call(client, "GetId");
    gboolean closed = FALSE, timed_out = FALSE;
    guint timeout;

    g_signal_connect(client, "closed", G_CALLBACK(on_closed), &closed);
    ck_assert_ptr_null(gh_dbus_relay_free(relay));
    ck_assert(!g_file_test(relay_socket, G_FILE_TEST_EXISTS));
    timeout = g_timeout_add(WAIT_MS, on_timeout, &timed_out);
    while (!closed && !timed_out)
        g_main_context_iteration(NULL, TRUE);
    ck_assert_msg(closed, "the client's connection outlived the relay");
    g_source_remove(timeout);
}
END_TEST

START_TEST(test_free_of_null_is_null)
{
    ck_assert_ptr_null(gh_dbus_relay_free(NULL));
}
END_TEST

START_TEST(test_the_listening_socket_is_0600)
{
    g_autoptr(GhDbusRelay) relay = relay_start(geteuid(), getegid());
    struct stat st;

    ck_assert_int_eq(lstat(relay_socket, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(test_a_stale_socket_at_the_path_is_replaced)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int stale = socket(AF_UNIX, SOCK_STREAM, 0);
    g_autoptr(GhDbusRelay) relay = NULL;
    g_autoptr(GDBusConnection) client = NULL;
    g_autoptr(GVariant) id = NULL;

    g_strlcpy(addr.sun_path, relay_socket, sizeof addr.sun_path);
    ck_assert_int_eq(bind(stale, (struct sockaddr *)&addr, sizeof addr), 0);
    close(stale);
    relay = relay_start(geteuid(), getegid());
    client = must_connect(relay_socket);
    id = bus_call(client, "GetId");
    ck_assert(g_variant_is_of_type(id, G_VARIANT_TYPE("(s)")));
}
END_TEST

START_TEST(test_a_file_at_the_path_is_left_alone_and_named)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *kept = NULL;
    g_autofree char *want = g_strdup_printf("%s exists and is not a socket: left alone", relay_socket);

    ck_assert(g_file_set_contents(relay_socket, "not a socket", -1, NULL));
    ck_assert_ptr_null(gh_dbus_relay_new(relay_socket, geteuid(), getegid(), bus_socket, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_EXISTS));
    ck_assert_str_eq(error->message, want);
    ck_assert(g_file_get_contents(relay_socket, &kept, NULL, NULL));
    ck_assert_str_eq(kept, "not a socket");
}
END_TEST

START_TEST(test_a_missing_bus_is_an_error_naming_it)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *missing = g_build_filename(dir, "no-bus.sock", NULL);
    g_autofree char *want = g_strdup_printf("no D-Bus bus at %s: No such file or directory", missing);

    ck_assert_ptr_null(gh_dbus_relay_new(relay_socket, geteuid(), getegid(), missing, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
    ck_assert_str_eq(error->message, want);
    ck_assert(!g_file_test(relay_socket, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(test_a_path_too_long_for_a_socket_is_an_error_naming_it)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_strnfill(120, 'x');
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *want = g_strdup_printf("%s: longer than a socket's path may be (107 bytes)", path);

    ck_assert_ptr_null(gh_dbus_relay_new(path, geteuid(), getegid(), bus_socket, &error));
    ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG));
    ck_assert_str_eq(error->message, want);
}
END_TEST

/* ---- as root: a client the bus refuses ---------------------------------------- */

/* Runs this program as uid (no new privileges) to ask the bus at path for
 * its id: the exit status, and what it printed in *id. */
static int
get_id_as(uid_t uid, const char *path, char **id)
{
    const char *argv[] = { "/proc/self/exe", "--get-id", path, NULL };
    g_autoptr(GError) error = NULL;
    int status;

    ck_assert_msg(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, child_drop_to, GUINT_TO_POINTER(uid), id,
                               NULL, &status, &error),
                  "%s", error ? error->message : "");
    g_strchomp(*id);
    return g_spawn_check_wait_status(status, NULL) ? 0 : status;
}

/* The child of get_id_as. */
static int
main_get_id(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) conn = connect_to(path, &error);
    g_autoptr(GVariant) reply = conn ? g_dbus_connection_call_sync(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                                   "org.freedesktop.DBus", "GetId", NULL, NULL,
                                                                   G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, &error)
                                     : NULL;
    const char *id;

    if (!reply) {
        fprintf(stderr, "uid %u, %s: %s\n", (unsigned)geteuid(), path, error->message);
        return 1;
    }
    g_variant_get(reply, "(&s)", &id);
    printf("%s\n", id);
    return 0;
}

START_TEST(test_a_client_the_bus_refuses_reaches_it_through_the_relay)
{
    g_autoptr(GhDbusRelay) relay = NULL;
    g_autofree char *owner = NULL;
    g_autofree char *direct = NULL;
    g_autofree char *relayed = NULL;
    struct stat st;

    ck_assert_int_eq(chown(dir, bus_owner, bus_group), 0);
    bus_start(bus_owner);
    relay = relay_start(NOBODY, NOBODY);
    ck_assert_int_eq(lstat(relay_socket, &st), 0);
    ck_assert_uint_eq(st.st_uid, NOBODY);
    ck_assert_uint_eq(st.st_gid, NOBODY);
    ck_assert_int_eq(get_id_as(bus_owner, bus_socket, &owner), 0);
    ck_assert_int_ne(get_id_as(NOBODY, bus_socket, &direct), 0);
    ck_assert_int_eq(get_id_as(NOBODY, relay_socket, &relayed), 0);
    ck_assert_str_eq(relayed, owner);
}
END_TEST

START_TEST(test_a_client_of_another_uid_is_refused_even_when_the_socket_lets_it_in)
{
    g_autoptr(GhDbusRelay) relay = NULL;
    g_autofree char *relayed = NULL;

    bus_start(geteuid());
    relay = relay_start(bus_owner, bus_group);
    ck_assert_int_eq(chmod(relay_socket, 0666), 0);
    ck_assert_int_ne(get_id_as(NOBODY, relay_socket, &relayed), 0);
    ck_assert_str_eq(relayed, "");
}
END_TEST

static Suite *
dbus_relay_suite(void)
{
    Suite *s = suite_create("dbus-relay");
    TCase *gdbus = tcase_create("gdbus");
    TCase *fds = tcase_create("fds");
    TCase *auth = tcase_create("auth");
    TCase *life = tcase_create("life");
    struct passwd *pw = NULL;

    tcase_add_checked_fixture(gdbus, setup_with_bus, teardown);
    tcase_add_test(gdbus, test_a_gdbus_client_through_the_relay_gets_the_same_answers_as_a_direct_one);
    tcase_add_test(gdbus, test_an_fd_passed_in_a_call_through_the_relay_arrives);
    tcase_add_test(gdbus, test_an_fd_in_a_reply_through_the_relay_arrives);
    tcase_add_test(gdbus, test_fds_in_replies_back_to_back_each_arrive_with_their_own);
    suite_add_tcase(s, gdbus);

    /* No bus daemon: the relay forks, and forks only where no thread runs. */
    tcase_add_checked_fixture(fds, setup, teardown);
    tcase_add_test(fds, test_an_fd_from_the_bus_comes_with_its_own_message_when_reads_run_together);
    tcase_add_test(fds, test_an_fd_to_the_bus_comes_with_its_own_message_when_reads_run_together);
    suite_add_tcase(s, fds);

    tcase_add_checked_fixture(auth, setup_with_bus, teardown);
    tcase_add_test(auth, test_a_client_sending_garbage_before_begin_is_cut_off_and_the_next_is_served);
    tcase_add_test(auth, test_a_client_claiming_another_uid_is_cut_off);
    tcase_add_test(auth, test_a_client_passing_fds_before_begin_is_cut_off);
    tcase_add_test(auth, test_external_with_its_identity_in_data_is_accepted);
    suite_add_tcase(s, auth);

    tcase_add_checked_fixture(life, setup_with_bus, teardown);
    tcase_add_test(life, test_free_with_a_client_connected_closes_it_and_removes_the_socket);
    tcase_add_test(life, test_free_of_null_is_null);
    tcase_add_test(life, test_the_listening_socket_is_0600);
    tcase_add_test(life, test_a_stale_socket_at_the_path_is_replaced);
    tcase_add_test(life, test_a_file_at_the_path_is_left_alone_and_named);
    tcase_add_test(life, test_a_missing_bus_is_an_error_naming_it);
    tcase_add_test(life, test_a_path_too_long_for_a_socket_is_an_error_naming_it);
    suite_add_tcase(s, life);

    /* Other uids need root; elsewhere these are skipped, and said so. */
    if (geteuid() == 0 && (pw = getpwnam(BUS_USER))) {
        TCase *root = tcase_create("root");

        bus_owner = pw->pw_uid;
        bus_group = pw->pw_gid;
        tcase_add_checked_fixture(root, setup, teardown);
        tcase_add_test(root, test_a_client_the_bus_refuses_reaches_it_through_the_relay);
        tcase_add_test(root, test_a_client_of_another_uid_is_refused_even_when_the_socket_lets_it_in);
        suite_add_tcase(s, root);
    } else {
        printf("dbus-relay: skipping the root cases (a client as uid %u, a bus as user %s): %s\n", NOBODY, BUS_USER,
               geteuid() ? "not running as root" : "no such user");
    }
    return s;
}

int
main(int argc, char **argv)
{
    if (argc == 3 && g_str_equal(argv[1], "--get-id"))
        return main_get_id(argv[2]);
    return gh_test_run(dbus_relay_suite());
}
