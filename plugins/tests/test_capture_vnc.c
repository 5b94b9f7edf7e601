/* Tests of capture-vnc: the damage merge (damage.c) on its own, and the
 * backend against a real QEMU running the demo game with its VNC server on
 * a UNIX socket, driven by a fake host-services table.  The QEMU tests need
 * qemu-system-x86_64 and $GH_TEST_BUILDDIR/images/demo-arena/demo-arena.elf;
 * without them only the damage tests run and the suite reports a skip. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gamehost/plugin.h>

#include "damage.h"

/* Defined by GH_PLUGIN_DEFINE in capture-vnc.c, linked in. */
const gh_plugin *gamehost_plugin_query(void);

#define QEMU_BIN      "qemu-system-x86_64"
#define ARENA_W       640u
#define ARENA_H       480u
#define PLAYER_X0     308u  /* the yellow square, inside its outline */
#define PLAYER_Y0     228u
#define PLAYER_SIZE   24u
#define PLAYER_BGRX   0x00FFFF00u /* as a little-endian uint32: X R G B */
#define BOOT_WAIT_MS  8000u

/* ---- damage --------------------------------------------------------------- */

static int
rect_eq(gh_rect r, int32_t x, int32_t y, uint32_t w, uint32_t h)
{
    return r.x == x && r.y == y && r.width == w && r.height == h;
}

static int
damage_covers(const cv_damage *d, int32_t x, int32_t y)
{
    if (d->full)
        return 1;
    for (uint32_t i = 0; i < d->n; i++) {
        const gh_rect *r = &d->rects[i];
        if (x >= r->x && y >= r->y && x < r->x + (int32_t)r->width && y < r->y + (int32_t)r->height)
            return 1;
    }
    return 0;
}

START_TEST(test_damage_keeps_disjoint_rects_as_they_are)
{
    cv_damage d;
    cv_damage_reset(&d);
    cv_damage_add(&d, 10, 10, 5, 5, 640, 480);
    cv_damage_add(&d, 100, 200, 16, 8, 640, 480);
    ck_assert(!d.full);
    ck_assert_uint_eq(d.n, 2);
    ck_assert(rect_eq(d.rects[0], 10, 10, 5, 5));
    ck_assert(rect_eq(d.rects[1], 100, 200, 16, 8));
}
END_TEST

START_TEST(test_damage_joins_side_by_side_rects_with_equal_spans)
{
    cv_damage d;
    cv_damage_reset(&d);
    /* QEMU's 16-pixel dirty chunks of one row, then the row below. */
    cv_damage_add(&d, 0, 0, 16, 8, 640, 480);
    cv_damage_add(&d, 32, 0, 16, 8, 640, 480);
    cv_damage_add(&d, 16, 0, 16, 8, 640, 480);
    cv_damage_add(&d, 0, 8, 48, 8, 640, 480);
    ck_assert_uint_eq(d.n, 1);
    ck_assert(rect_eq(d.rects[0], 0, 0, 48, 16));
}
END_TEST

START_TEST(test_damage_drops_rects_inside_others)
{
    cv_damage d;
    cv_damage_reset(&d);
    cv_damage_add(&d, 10, 10, 4, 4, 640, 480);
    cv_damage_add(&d, 0, 0, 100, 100, 640, 480);
    cv_damage_add(&d, 20, 20, 4, 4, 640, 480);
    ck_assert_uint_eq(d.n, 1);
    ck_assert(rect_eq(d.rects[0], 0, 0, 100, 100));
}
END_TEST

START_TEST(test_damage_clips_to_the_frame_and_ignores_empty_rects)
{
    cv_damage d;
    cv_damage_reset(&d);
    cv_damage_add(&d, -10, 470, 30, 40, 640, 480);
    cv_damage_add(&d, 700, 10, 5, 5, 640, 480);
    cv_damage_add(&d, 5, 5, 0, 5, 640, 480);
    cv_damage_add(&d, 5, 5, -3, 5, 640, 480);
    cv_damage_add(&d, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, 640, 480);
    ck_assert_uint_eq(d.n, 1);
    ck_assert(rect_eq(d.rects[0], 0, 470, 20, 10));
}
END_TEST

START_TEST(test_damage_covering_the_frame_is_full)
{
    cv_damage d;
    cv_damage_reset(&d);
    cv_damage_add(&d, 0, 0, 640, 240, 640, 480);
    cv_damage_add(&d, 0, 240, 640, 240, 640, 480);
    ck_assert(d.full);
    ck_assert_uint_eq(d.n, 0);
    cv_damage_add(&d, 1, 1, 1, 1, 640, 480);
    ck_assert(d.full);
    cv_damage_reset(&d);
    ck_assert(!d.full);
    ck_assert_uint_eq(d.n, 0);
}
END_TEST

START_TEST(test_damage_merges_past_the_limit_and_keeps_every_pixel_covered)
{
    cv_damage d;
    cv_damage_reset(&d);
    /* 40 small squares on a diagonal-ish grid: no two join losslessly. */
    for (int i = 0; i < 40; i++)
        cv_damage_add(&d, (i % 8) * 70 + (i / 8) * 3, (i / 8) * 90, 10, 10, 640, 480);
    ck_assert(!d.full);
    ck_assert_uint_le(d.n, CV_DAMAGE_MAX);
    ck_assert_uint_ge(d.n, 2);
    for (int i = 0; i < 40; i++) {
        int32_t x = (i % 8) * 70 + (i / 8) * 3, y = (i / 8) * 90;
        ck_assert(damage_covers(&d, x, y));
        ck_assert(damage_covers(&d, x + 9, y + 9));
    }
    for (uint32_t i = 0; i < d.n; i++) {
        ck_assert_int_ge(d.rects[i].x, 0);
        ck_assert_int_ge(d.rects[i].y, 0);
        ck_assert_uint_le(d.rects[i].x + d.rects[i].width, 640);
        ck_assert_uint_le(d.rects[i].y + d.rects[i].height, 480);
    }
}
END_TEST

START_TEST(test_damage_joins_the_cheapest_pair_past_the_limit)
{
    cv_damage d;
    cv_damage_reset(&d);
    /* 16 far-apart squares, then one right next to the first (a gap of 1
     * row, so not lossless): those two are the cheapest pair. */
    for (int i = 0; i < 16; i++)
        cv_damage_add(&d, (i % 4) * 160, (i / 4) * 120, 8, 8, 640, 480);
    ck_assert_uint_eq(d.n, 16);
    cv_damage_add(&d, 0, 9, 8, 8, 640, 480);
    ck_assert_uint_eq(d.n, 16);
    int found = 0;
    for (uint32_t i = 0; i < d.n; i++)
        found |= rect_eq(d.rects[i], 0, 0, 8, 17);
    ck_assert(found);
}
END_TEST

/* ---- the fake host -------------------------------------------------------- */

struct gh_host {
    const char *socket;
    char error[512];
    unsigned n_debug_logs;
};

static void
fake_set_error(gh_host *host, const char *msg)
{
    snprintf(host->error, sizeof(host->error), "%s", msg);
}

static void
fake_log(gh_host *host, uint32_t level, const char *msg)
{
    ck_assert_uint_eq(level, GH_LOG_DEBUG);
    /* The host tags the line with the backend's name; the plugin does not. */
    ck_assert_msg(strncmp(msg, "libvncclient: ", 14) == 0, "log line '%s'", msg);
    host->n_debug_logs++;
}

static uint64_t
fake_now_ns(gh_host *host)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *
fake_vnc_socket(gh_host *host)
{
    return host->socket;
}

static const gh_host_services fake_services = {
    .struct_size = sizeof(gh_host_services),
    .version = GH_HOST_SERVICES_VERSION,
    .log = fake_log,
    .now_ns = fake_now_ns,
    .set_error = fake_set_error,
    .vnc_socket = fake_vnc_socket,
};

static const gh_backend_factory *
vnc_factory(void)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    ck_assert_uint_eq(plugin->n_factories, 1);
    return plugin->factories[0];
}

START_TEST(test_plugin_descriptor)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    ck_assert_uint_eq(plugin->struct_size, sizeof(gh_plugin));
    ck_assert_uint_eq(plugin->abi_major, GH_PLUGIN_ABI_MAJOR);
    ck_assert_str_eq(plugin->name, "capture-vnc");
    const gh_backend_factory *f = vnc_factory();
    ck_assert_uint_eq(f->kind, GH_BACKEND_CAPTURE);
    ck_assert_str_eq(f->name, "capture.vnc");
    ck_assert_ptr_nonnull(f->capture->grab);
    ck_assert_ptr_nonnull(f->capture->start);
    ck_assert_ptr_nonnull(f->capture->stop);
}
END_TEST

START_TEST(test_probe_fails_without_a_socket)
{
    gh_host host = { .socket = NULL };
    ck_assert_int_eq(vnc_factory()->probe(&host, &fake_services), -ENODEV);
    ck_assert_str_eq(host.error, "capture.vnc: the session has no VNC socket");

    host.socket = "/nonexistent/vnc.sock";
    ck_assert_int_eq(vnc_factory()->probe(&host, &fake_services), -ENODEV);
    ck_assert_str_eq(host.error, "capture.vnc: VNC socket '/nonexistent/vnc.sock': No such file or directory");

    host.socket = "/dev/null";
    ck_assert_int_eq(vnc_factory()->probe(&host, &fake_services), -ENODEV);
    ck_assert_str_eq(host.error, "capture.vnc: VNC socket '/dev/null' is not a socket");

    ck_assert_ptr_null(vnc_factory()->create(&(gh_host){ .socket = NULL }, &fake_services));
}
END_TEST

START_TEST(test_start_fails_when_nothing_listens)
{
    char dir[] = "/tmp/gh-vnc-test-XXXXXX";
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const char *path = addr.sun_path;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/vnc.sock", dir);
    /* A socket file nobody listens on: what a killed QEMU leaves behind. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    close(fd);

    gh_host host = { .socket = path };
    const gh_backend_factory *f = vnc_factory();
    ck_assert_int_eq(f->probe(&host, &fake_services), 0);
    gh_instance *inst = f->create(&host, &fake_services);
    ck_assert_ptr_nonnull(inst);
    ck_assert_int_eq(f->capture->start(inst), -EIO);
    ck_assert_ptr_nonnull(strstr(host.error, "capture.vnc: cannot connect to VNC socket '"));
    f->destroy(inst);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* ---- QEMU ----------------------------------------------------------------- */

typedef struct qemu {
    pid_t pid;
    char dir[64];
    char socket[128];
} qemu;

static char arena_elf[4096];

static int
qemu_available(void)
{
    const char *builddir = getenv("GH_TEST_BUILDDIR");

    if (!builddir) {
        fprintf(stderr, "test_capture_vnc: GH_TEST_BUILDDIR is not set; QEMU tests skipped\n");
        return 0;
    }
    snprintf(arena_elf, sizeof(arena_elf), "%s/images/demo-arena/demo-arena.elf", builddir);
    if (access(arena_elf, R_OK) != 0) {
        fprintf(stderr, "test_capture_vnc: %s missing; QEMU tests skipped\n", arena_elf);
        return 0;
    }
    if (system(QEMU_BIN " -version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "test_capture_vnc: " QEMU_BIN " not runnable; QEMU tests skipped\n");
        return 0;
    }
    return 1;
}

/* Boots the demo game with its VNC server on q->socket; returns once the
 * socket exists.  QEMU dies with the process that started it. */
static void
qemu_start(qemu *q)
{
    char vnc[160];
    struct stat st;

    snprintf(q->dir, sizeof(q->dir), "/tmp/gh-vnc-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(q->dir));
    snprintf(q->socket, sizeof(q->socket), "%s/vnc.sock", q->dir);
    snprintf(vnc, sizeof(vnc), "unix:%s", q->socket);
    q->pid = fork();
    ck_assert_int_ge(q->pid, 0);
    if (q->pid == 0) {
        int null = open("/dev/null", O_RDWR);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        execlp(QEMU_BIN, QEMU_BIN, "-machine", "pc", "-accel", "tcg", "-m", "64", "-display", "none",
               "-vga", "std", "-vnc", vnc, "-serial", "null", "-monitor", "none", "-no-reboot",
               "-kernel", arena_elf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        if (stat(q->socket, &st) == 0 && S_ISSOCK(st.st_mode))
            return;
        ck_assert_int_eq(waitpid(q->pid, NULL, WNOHANG), 0);
        usleep(10000);
    }
    ck_abort_msg("QEMU made no VNC socket at %s within 5 s", q->socket);
}

static void
qemu_kill(qemu *q)
{
    if (q->pid > 0) {
        kill(q->pid, SIGKILL);
        waitpid(q->pid, NULL, 0);
        q->pid = 0;
    }
    unlink(q->socket);
    rmdir(q->dir);
}

static uint32_t
pixel(const gh_frame *f, uint32_t x, uint32_t y)
{
    uint32_t v;
    memcpy(&v, f->data + (size_t)y * f->stride + (size_t)x * 4, 4);
    return v & 0x00FFFFFFu;
}

static int
player_drawn(const gh_frame *f)
{
    if (f->width != ARENA_W || f->height != ARENA_H)
        return 0;
    for (uint32_t y = PLAYER_Y0; y < PLAYER_Y0 + PLAYER_SIZE; y++)
        for (uint32_t x = PLAYER_X0; x < PLAYER_X0 + PLAYER_SIZE; x++)
            if (pixel(f, x, y) != PLAYER_BGRX)
                return 0;
    /* The dark outline: the yellow stops at exactly 24x24. */
    return pixel(f, PLAYER_X0 - 1, PLAYER_Y0) != PLAYER_BGRX &&
           pixel(f, PLAYER_X0 + PLAYER_SIZE, PLAYER_Y0) != PLAYER_BGRX &&
           pixel(f, PLAYER_X0, PLAYER_Y0 - 1) != PLAYER_BGRX &&
           pixel(f, PLAYER_X0, PLAYER_Y0 + PLAYER_SIZE) != PLAYER_BGRX;
}

/* Grabs until the game has drawn its arena (QEMU shows text mode first). */
static int
grab_until_arena(const gh_backend_factory *f, gh_instance *inst, gh_frame *frame)
{
    for (unsigned waited = 0; waited < BOOT_WAIT_MS; waited += 100) {
        int r = f->capture->grab(inst, frame, 100);
        if (r == 0 && player_drawn(frame))
            return 0;
        if (r != 0 && r != -EAGAIN)
            return r;
    }
    return -ETIMEDOUT;
}

static qemu shared_qemu;

static void
shared_qemu_setup(void)
{
    qemu_start(&shared_qemu);
}

static void
shared_qemu_teardown(void)
{
    qemu_kill(&shared_qemu);
}

START_TEST(test_grab_returns_the_arena_as_640x480_bgrx_with_the_player)
{
    gh_host host = { .socket = shared_qemu.socket };
    const gh_backend_factory *f = vnc_factory();
    ck_assert_int_eq(f->probe(&host, &fake_services), 0);
    gh_instance *inst = f->create(&host, &fake_services);
    ck_assert_ptr_nonnull(inst);
    ck_assert_int_eq(f->capture->start(inst), 0);

    gh_frame frame;
    ck_assert_msg(grab_until_arena(f, inst, &frame) == 0, "no arena frame: %s", host.error);
    ck_assert_uint_eq(frame.struct_size, sizeof(gh_frame));
    ck_assert_uint_eq(frame.format, GH_FORMAT_BGRX8888);
    ck_assert_uint_eq(frame.width, ARENA_W);
    ck_assert_uint_eq(frame.height, ARENA_H);
    ck_assert_uint_eq(frame.stride, ARENA_W * 4);
    ck_assert_uint_ge(frame.frame_number, 1);
    ck_assert_uint_gt(frame.timestamp_ns, 0);
    /* Byte order in memory: B, G, R. */
    const uint8_t *p = frame.data + (size_t)PLAYER_Y0 * frame.stride + PLAYER_X0 * 4;
    ck_assert_uint_eq(p[0], 0x00);
    ck_assert_uint_eq(p[1], 0xFF);
    ck_assert_uint_eq(p[2], 0xFF);
    f->capture->stop(inst);
    f->destroy(inst);
}
END_TEST

START_TEST(test_grab_reports_damage_after_the_first_full_frame)
{
    gh_host host = { .socket = shared_qemu.socket };
    const gh_backend_factory *f = vnc_factory();
    gh_instance *inst = f->create(&host, &fake_services);
    ck_assert_int_eq(f->capture->start(inst), 0);

    gh_frame frame;
    ck_assert_int_eq(f->capture->grab(inst, &frame, 2000), 0);
    ck_assert_uint_eq(frame.frame_number, 1);
    ck_assert_uint_eq(frame.n_damage, 0);   /* the first frame is all new */
    ck_assert_ptr_null(frame.damage);
    ck_assert_msg(grab_until_arena(f, inst, &frame) == 0, "no arena frame: %s", host.error);

    /* The ball moves every game frame; the whole background only every
     * fourth, so most frames carry a few rectangles. */
    uint64_t last = frame.frame_number;
    unsigned with_damage = 0;
    for (int i = 0; i < 20; i++) {
        int r = f->capture->grab(inst, &frame, 500);
        ck_assert_int_eq(r, 0);
        ck_assert_uint_eq(frame.frame_number, last + 1);
        last = frame.frame_number;
        ck_assert_uint_le(frame.n_damage, CV_DAMAGE_MAX);
        if (frame.n_damage > 0)
            with_damage++;
        for (uint32_t k = 0; k < frame.n_damage; k++) {
            const gh_rect *d = &frame.damage[k];
            ck_assert_int_ge(d->x, 0);
            ck_assert_int_ge(d->y, 0);
            ck_assert_uint_gt(d->width, 0);
            ck_assert_uint_gt(d->height, 0);
            ck_assert_uint_le(d->x + d->width, ARENA_W);
            ck_assert_uint_le(d->y + d->height, ARENA_H);
        }
    }
    ck_assert_uint_gt(with_damage, 0);
    f->capture->stop(inst);
    f->destroy(inst);
}
END_TEST

START_TEST(test_grab_returns_eagain_when_the_display_does_not_change)
{
    gh_host host = { .socket = shared_qemu.socket };
    const gh_backend_factory *f = vnc_factory();
    gh_instance *inst = f->create(&host, &fake_services);
    ck_assert_int_eq(f->capture->start(inst), 0);
    gh_frame frame;
    ck_assert_int_eq(f->capture->grab(inst, &frame, 2000), 0);

    /* A stopped QEMU sends nothing: the grab waits its timeout, no longer.
     * An update already on its way is read first. */
    ck_assert_int_eq(kill(shared_qemu.pid, SIGSTOP), 0);
    usleep(50000);
    for (int i = 0; i < 3 && f->capture->grab(inst, &frame, 0) == 0; i++)
        ;
    uint64_t before = frame.frame_number;
    uint64_t t0 = fake_now_ns(&host);
    int r = f->capture->grab(inst, &frame, 150);
    uint64_t waited_ms = (fake_now_ns(&host) - t0) / 1000000u;
    ck_assert_int_eq(kill(shared_qemu.pid, SIGCONT), 0);
    ck_assert_int_eq(r, -EAGAIN);
    ck_assert_uint_ge(waited_ms, 140);
    ck_assert_uint_le(waited_ms, 400);

    ck_assert_int_eq(f->capture->grab(inst, &frame, 2000), 0);
    ck_assert_uint_eq(frame.frame_number, before + 1);
    f->capture->stop(inst);
    f->destroy(inst);
}
END_TEST

START_TEST(test_grab_fails_with_eio_when_qemu_dies)
{
    qemu q = { 0 };
    qemu_start(&q);
    gh_host host = { .socket = q.socket };
    const gh_backend_factory *f = vnc_factory();
    gh_instance *inst = f->create(&host, &fake_services);
    ck_assert_int_eq(f->capture->start(inst), 0);
    gh_frame frame;
    ck_assert_int_eq(f->capture->grab(inst, &frame, 2000), 0);

    kill(q.pid, SIGKILL);
    waitpid(q.pid, NULL, 0);
    q.pid = 0;
    /* An update QEMU sent before it died is still handed out. */
    int r = 0;
    for (int i = 0; i < 3 && r == 0; i++)
        r = f->capture->grab(inst, &frame, 2000);
    ck_assert_int_eq(r, -EIO);
    ck_assert_ptr_nonnull(strstr(host.error, "capture.vnc: lost the VNC connection on '"));
    /* The next grab tries to reconnect, and fails as fast. */
    ck_assert_int_eq(f->capture->grab(inst, &frame, 2000), -EIO);
    ck_assert_ptr_nonnull(strstr(host.error, "capture.vnc: cannot connect to VNC socket '"));
    ck_assert_uint_gt(host.n_debug_logs, 0);   /* libvncclient's words went to the log */
    f->capture->stop(inst);
    f->destroy(inst);
    qemu_kill(&q);
}
END_TEST

static Suite *
capture_vnc_suite(int with_qemu)
{
    Suite *s = suite_create("capture-vnc");
    TCase *tc = tcase_create("damage");
    tcase_add_test(tc, test_damage_keeps_disjoint_rects_as_they_are);
    tcase_add_test(tc, test_damage_joins_side_by_side_rects_with_equal_spans);
    tcase_add_test(tc, test_damage_drops_rects_inside_others);
    tcase_add_test(tc, test_damage_clips_to_the_frame_and_ignores_empty_rects);
    tcase_add_test(tc, test_damage_covering_the_frame_is_full);
    tcase_add_test(tc, test_damage_merges_past_the_limit_and_keeps_every_pixel_covered);
    tcase_add_test(tc, test_damage_joins_the_cheapest_pair_past_the_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("plugin");
    tcase_add_test(tc, test_plugin_descriptor);
    tcase_add_test(tc, test_probe_fails_without_a_socket);
    tcase_add_test(tc, test_start_fails_when_nothing_listens);
    suite_add_tcase(s, tc);

    if (with_qemu) {
        tc = tcase_create("qemu");
        tcase_add_unchecked_fixture(tc, shared_qemu_setup, shared_qemu_teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_grab_returns_the_arena_as_640x480_bgrx_with_the_player);
        tcase_add_test(tc, test_grab_reports_damage_after_the_first_full_frame);
        tcase_add_test(tc, test_grab_returns_eagain_when_the_display_does_not_change);
        tcase_add_test(tc, test_grab_fails_with_eio_when_qemu_dies);
        suite_add_tcase(s, tc);
    }
    return s;
}

int
main(void)
{
    int with_qemu = qemu_available();
    SRunner *sr = srunner_create(capture_vnc_suite(with_qemu));
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (failed)
        return EXIT_FAILURE;
    return with_qemu ? EXIT_SUCCESS : 77;
}
