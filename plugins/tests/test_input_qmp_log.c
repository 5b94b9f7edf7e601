/* Unit tests of input.qmp's latency_log option (input-qmp.c, usbpad.c,
 * plugins/common/bench-log.c): the name it takes, and the exact lines,
 * "pad <received_ns> <written_ns>" for each input report written to a
 * pad's channel (a libusbredirparser peer plays QEMU's usb-redir on a UNIX
 * socket) and "key|mouse <received_ns> <answered_ns>" for each QMP command
 * answered, on a fake host whose clock the test sets. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "fake-host.h"
#include "testutil.h"
#include "usbredir-peer.h"

#define LOG_NAME "latency.log"

static gh_input_event
timed(uint32_t type, uint32_t code, int32_t value, uint64_t received_ns)
{
    return (gh_input_event){ .type = type, .code = code, .value = value, .timestamp_ns = received_ns };
}

#define QMP_OK "{\"return\": {}}"

/* input.qmp on host, whose QMP answers reply; with the latency log when
 * log is set. */
static gh_instance *
qmp_instance(gh_host *host, const char *reply, int log)
{
    gh_instance *inst;

    host->qmp_reply = reply;
    inst = fake_host_create(host, log ? "latency_log" : NULL, LOG_NAME);
    ck_assert_msg(inst, "%s", host->error);
    return inst;
}

static int
send_events(gh_instance *inst, const gh_input_event *events, uint32_t n)
{
    return fake_host_factory()->input->send(inst, events, n);
}

static char *
log_text(gh_host *host)
{
    g_autofree char *path = g_build_filename(host->dir, LOG_NAME, NULL);
    char *text = NULL;

    ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "no %s", path);
    return text;
}

/* ---- the option ------------------------------------------------------------ */

START_TEST(test_latency_log_must_be_a_plain_name)
{
    const char *plain = "input.qmp: option latency_log must be a plain file name of 1 to 64 characters from "
                        "A-Z a-z 0-9 . _ -";

    fake_host_assert_refused("latency_log", "../x.log", plain);
    fake_host_assert_refused("latency_log", "/tmp/x.log", plain);
    fake_host_assert_refused("latency_log", "", plain);
    fake_host_assert_refused("latency_log", ".x.log", "input.qmp: option latency_log '.x.log' must not start with '.'");
}
END_TEST

START_TEST(test_latency_log_needs_the_session_dir)
{
    gh_host *host = fake_host_new();
    char *dir = host->dir;

    host->dir = NULL;
    ck_assert_ptr_null(fake_host_create(host, "latency_log", LOG_NAME));
    ck_assert_str_eq(host->error,
                     "input.qmp: option latency_log needs the session's directory, and the session has none");
    host->dir = dir;
    fake_host_free(host);
}
END_TEST

START_TEST(test_no_file_without_the_option)
{
    gh_host *host = fake_host_new();
    gh_input_event ev = timed(GH_INPUT_KEY, KEY_A, 1, 1000);
    gh_instance *inst = qmp_instance(host, QMP_OK, 0);
    g_autoptr(GDir) dir = NULL;

    ck_assert_int_eq(send_events(inst, &ev, 1), 0);
    fake_host_factory()->destroy(inst);
    dir = g_dir_open(host->dir, 0, NULL);
    ck_assert_ptr_null(g_dir_read_name(dir));
    fake_host_free(host);
}
END_TEST

/* ---- QMP commands ---------------------------------------------------------- */

START_TEST(test_each_answered_command_is_a_line)
{
    gh_host *host = fake_host_new();
    gh_input_event key[] = { timed(GH_INPUT_KEY, KEY_A, 1, 1000), timed(GH_INPUT_KEY, KEY_A, 0, 1500) };
    gh_input_event mouse = timed(GH_INPUT_REL, REL_X, 5, 2000);
    gh_input_event untimed = timed(GH_INPUT_KEY, KEY_B, 1, 0);
    gh_instance *inst = qmp_instance(host, QMP_OK, 1);
    g_autofree char *text = NULL;

    host->now_ns = 1800;
    ck_assert_int_eq(send_events(inst, key, 2), 0);   /* one command: its first event */
    host->now_ns = 2300;
    ck_assert_int_eq(send_events(inst, &mouse, 1), 0);
    ck_assert_int_eq(send_events(inst, &untimed, 1), 0);
    ck_assert_int_eq(host->qmp_commands, 3);
    text = log_text(host);
    ck_assert_str_eq(text, "key 1000 1800\nmouse 2000 2300\n");
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

START_TEST(test_a_refused_command_is_not_a_line)
{
    gh_host *host = fake_host_new();
    gh_input_event ev = timed(GH_INPUT_KEY, KEY_A, 1, 1000);
    gh_instance *inst = qmp_instance(host, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no keyboard\"}}", 1);
    g_autofree char *text = NULL;

    ck_assert_int_eq(send_events(inst, &ev, 1), -EIO);
    text = log_text(host);
    ck_assert_str_eq(text, "");
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}
END_TEST

/* ---- pad reports ----------------------------------------------------------- */

static gh_host *pad_host;
static gh_instance *pad_inst;
static UsbredirPeer peer;
static int listen_fd = -1;

/* Moves bytes both ways until neither side has anything left to say. */
static void
pad_pump(void)
{
    for (int round = 0; round < 50; round++) {
        usbredirparser_do_write(peer.parser);
        int ran = fake_host_dispatch(pad_host, 0);
        usbredirparser_do_read(peer.parser);
        if (ran == 0 && !usbredirparser_has_data_to_write(peer.parser))
            return;
    }
}

/* QEMU's usb-redir channel for pad 0 listens in the session dir; the pad is
 * plugged in at start, and the guest's driver polls its input endpoint. */
static void
setup_pad(void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct usb_redir_start_interrupt_receiving_header start = { 0x81 };
    g_autofree char *path = NULL;
    int fd;

    pad_host = fake_host_new();
    path = g_build_filename(pad_host->dir, "pad0.sock", NULL);
    ck_assert_uint_lt(strlen(path), sizeof addr.sun_path);
    strcpy(addr.sun_path, path);
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_eq(bind(listen_fd, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(listen_fd, 1), 0);
    pad_host->pad_socket[0] = g_strdup(path);
    g_hash_table_insert(pad_host->options, "pads_at_start", "1");
    pad_inst = fake_host_create(pad_host, "latency_log", LOG_NAME);
    ck_assert_msg(pad_inst, "%s", pad_host->error);
    fd = accept(listen_fd, NULL, NULL);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    usbredir_peer_init(&peer, fd);
    pad_pump();
    ck_assert_int_eq(peer.connects, 1);
    usbredirparser_send_start_interrupt_receiving(peer.parser, 1, &start);
    pad_pump();
    ck_assert_int_eq(peer.int_status, usb_redir_success);
}

static void
teardown_pad(void)
{
    fake_host_factory()->destroy(pad_inst);
    usbredir_peer_fini(&peer);
    close(peer.fd);
    close(listen_fd);
    g_free((char *)pad_host->pad_socket[0]);
    fake_host_free(pad_host);
}

static void
pad_send(const gh_input_event *events, uint32_t n)
{
    ck_assert_int_eq(send_events(pad_inst, events, n), 0);
    pad_pump();
}

START_TEST(test_each_report_written_is_a_line)
{
    gh_input_event press = timed(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 1, 4990000000u);
    gh_input_event release = timed(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 0, 5001000000u);
    g_autofree char *text = NULL;

    pad_host->now_ns = 5000000000u;
    pad_send(&press, 1);                   /* written at once */
    pad_host->now_ns = 5001500000u;
    pad_send(&release, 1);                 /* within the 4 ms interval: waits for the timer */
    ck_assert_int_eq(peer.interrupts, 1);
    pad_host->now_ns = 5004000000u;
    ck_assert_int_eq(fake_host_dispatch(pad_host, 1), 1);
    pad_pump();
    ck_assert_int_eq(peer.interrupts, 2);
    text = log_text(pad_host);
    ck_assert_str_eq(text, "pad 4990000000 5000000000\npad 5001000000 5004000000\n");
}
END_TEST

START_TEST(test_a_report_of_several_events_is_logged_at_the_first)
{
    gh_input_event evs[] = {
        timed(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 1, 7000),
        timed(GH_INPUT_PAD_AXIS, ABS_X, 1200, 7100),
        timed(GH_INPUT_PAD_AXIS, ABS_Y, 0, 7200),        /* no change: not in the report */
    };
    g_autofree char *text = NULL;

    pad_host->now_ns = 9000;
    pad_send(evs, 3);
    ck_assert_int_eq(peer.interrupts, 1);
    text = log_text(pad_host);
    ck_assert_str_eq(text, "pad 7000 9000\n");
}
END_TEST

START_TEST(test_an_event_that_changes_nothing_is_no_line)
{
    gh_input_event rest = timed(GH_INPUT_PAD_AXIS, ABS_X, 0, 7000);
    g_autofree char *text = NULL;

    pad_host->now_ns = 9000;
    pad_send(&rest, 1);
    ck_assert_int_eq(peer.interrupts, 0);
    text = log_text(pad_host);
    ck_assert_str_eq(text, "");
}
END_TEST

static Suite *
input_qmp_log_suite(void)
{
    Suite *s = suite_create("input_qmp_log");
    TCase *tc = tcase_create("option");
    tcase_add_test(tc, test_latency_log_must_be_a_plain_name);
    tcase_add_test(tc, test_latency_log_needs_the_session_dir);
    tcase_add_test(tc, test_no_file_without_the_option);
    suite_add_tcase(s, tc);

    tc = tcase_create("qmp");
    tcase_add_test(tc, test_each_answered_command_is_a_line);
    tcase_add_test(tc, test_a_refused_command_is_not_a_line);
    suite_add_tcase(s, tc);

    tc = tcase_create("pads");
    tcase_add_checked_fixture(tc, setup_pad, teardown_pad);
    tcase_add_test(tc, test_each_report_written_is_a_line);
    tcase_add_test(tc, test_a_report_of_several_events_is_logged_at_the_first);
    tcase_add_test(tc, test_an_event_that_changes_nothing_is_no_line);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return gh_test_run(input_qmp_log_suite());
}
