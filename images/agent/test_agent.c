/* Unit tests of gamehost-agent around the relay writer: finding and mapping
 * the ivshmem device in a fake sysfs tree (pci.c), which modes and formats
 * the relay takes (relay-writer.c, kms.c), the stats line (stats.c), and the
 * program itself (agent.c) run once on fake trees, and stopped by SIGTERM. */
#define _GNU_SOURCE  /* nftw */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gamehost/relay.h>

#include "agent.h"
#include "kms.h"
#include "pci.h"
#include "relay-writer.h"
#include "stats.h"

/* ---- a fake sysfs tree ----------------------------------------------------- */

static char root[64];     /* the test's temp dir: sysfs/ and dri/ inside */
static char sysfs[128];
static char dri[128];

static void
tree_write(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static void
tree_read(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;

    ck_assert_int_ge(fd, 0);
    n = read(fd, buf, len - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    close(fd);
}

/* <sysfs>/bus/pci/devices/<addr> with vendor and device; a resource2 of
 * bar_size bytes (none if 0); enable as given. */
static void
fake_device(const char *addr, const char *vendor, const char *device, uint64_t bar_size, const char *enable)
{
    char dir[256], path[320];

    snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", sysfs, addr);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/vendor", dir);
    tree_write(path, vendor, strlen(vendor));
    snprintf(path, sizeof(path), "%s/device", dir);
    tree_write(path, device, strlen(device));
    snprintf(path, sizeof(path), "%s/enable", dir);
    tree_write(path, enable, strlen(enable));
    if (bar_size) {
        snprintf(path, sizeof(path), "%s/resource2", dir);
        tree_write(path, "", 0);
        ck_assert_int_eq(truncate(path, (off_t)bar_size), 0);
    }
}

/* Devices a QEMU guest has besides the relay: bochs VGA, virtio-net, and one
 * with the relay's device id from another vendor. */
static void
fake_other_devices(void)
{
    fake_device("0000:00:02.0", "0x1234\n", "0x1111\n", 0, "1\n");
    fake_device("0000:00:03.0", "0x1af4\n", "0x1000\n", 0, "1\n");
    fake_device("0000:00:04.0", "0x8086\n", "0x1110\n", 0, "1\n");
}

static void
fake_trees(void)
{
    char path[256];

    snprintf(root, sizeof(root), "%s/gh-agent.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(root));
    snprintf(sysfs, sizeof(sysfs), "%s/sys", root);
    snprintf(dri, sizeof(dri), "%s/dri", root);
    ck_assert_int_eq(mkdir(sysfs, 0755), 0);
    ck_assert_int_eq(mkdir(dri, 0755), 0);
    snprintf(path, sizeof(path), "%s/bus", sysfs);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/bus/pci", sysfs);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/bus/pci/devices", sysfs);
    ck_assert_int_eq(mkdir(path, 0755), 0);
}

static int
tree_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Each test runs in its own child (CK_FORK), and so gets its own trees. */
static void
trees_setup(void)
{
    fake_trees();
}

static void
trees_teardown(void)
{
    nftw(root, tree_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- pci.c ----------------------------------------------------------------- */

START_TEST(test_ivshmem_found_among_other_devices)
{
    char addr[64] = "";

    fake_other_devices();
    fake_device("0000:00:05.0", "0x1af4\n", "0x1110\n", 16384, "0\n");
    ck_assert_int_eq(agent_pci_find_ivshmem(sysfs, addr, sizeof(addr)), 0);
    ck_assert_str_eq(addr, "0000:00:05.0");
}
END_TEST

START_TEST(test_no_ivshmem_device_is_enoent)
{
    char addr[64] = "";

    fake_other_devices();
    ck_assert_int_eq(agent_pci_find_ivshmem(sysfs, addr, sizeof(addr)), -ENOENT);
    ck_assert_str_eq(addr, "");
}
END_TEST

START_TEST(test_no_pci_tree_is_enoent)
{
    char addr[64] = "", missing[160];

    snprintf(missing, sizeof(missing), "%s/nothing", root);
    ck_assert_int_eq(agent_pci_find_ivshmem(missing, addr, sizeof(addr)), -ENOENT);
}
END_TEST

START_TEST(test_bar2_mapped_shared_with_its_size_and_decoding_enabled)
{
    char path[256], buf[16];
    agent_pci_bar bar;
    char err[256] = "";

    fake_device("0000:00:05.0", "0x1af4\n", "0x1110\n", 16384, "0\n");
    ck_assert_int_eq(agent_pci_map_bar2(sysfs, "0000:00:05.0", &bar, err, sizeof(err)), 0);
    ck_assert_str_eq(bar.addr, "0000:00:05.0");
    ck_assert_uint_eq(bar.size, 16384);
    snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:05.0/enable", sysfs);
    tree_read(path, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1\n");
    /* Writes reach the device's memory (MAP_SHARED). */
    memcpy(bar.mem + 16380, "GHRL", 4);
    agent_pci_unmap(&bar);
    ck_assert_ptr_null(bar.mem);
    snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:05.0/resource2", sysfs);
    int fd = open(path, O_RDONLY);
    ck_assert_int_eq(pread(fd, buf, 4, 16380), 4);
    close(fd);
    ck_assert_mem_eq(buf, "GHRL", 4);
}
END_TEST

START_TEST(test_bar2_smaller_than_the_header_page_is_refused)
{
    char err[512] = "", want[512];
    agent_pci_bar bar;

    fake_device("0000:00:05.0", "0x1af4\n", "0x1110\n", 100, "1\n");
    ck_assert_int_eq(agent_pci_map_bar2(sysfs, "0000:00:05.0", &bar, err, sizeof(err)), -ENODEV);
    snprintf(want, sizeof(want), "%s/bus/pci/devices/0000:00:05.0/resource2: the BAR has 100 bytes, less than "
             "the relay's header page", sysfs);
    ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_missing_bar2_is_named)
{
    char err[512] = "", want[512];
    agent_pci_bar bar;

    fake_device("0000:00:05.0", "0x1af4\n", "0x1110\n", 0, "1\n");
    ck_assert_int_eq(agent_pci_map_bar2(sysfs, "0000:00:05.0", &bar, err, sizeof(err)), -ENOENT);
    snprintf(want, sizeof(want), "%s/bus/pci/devices/0000:00:05.0/resource2: No such file or directory", sysfs);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(bar.mem);
}
END_TEST

/* ---- modes and formats ------------------------------------------------------ */

START_TEST(test_mode_larger_than_the_relay_is_refused_naming_both_sizes)
{
    char err[256] = "";

    ck_assert_int_eq(agent_relay_fit(4194304, 1920, 1080, 3, err, sizeof(err)), -E2BIG);
    ck_assert_str_eq(err, "mode 1920x1080 needs a relay of 24899584 bytes (3 slots of 8298496 bytes), "
                          "the relay has 4194304 bytes");
}
END_TEST

START_TEST(test_mode_exactly_fitting_the_relay_is_accepted)
{
    char err[256] = "";
    uint64_t exact = GH_RELAY_SLOTS_OFFSET + 3 * gh_relay_slot_size(640, 480);

    ck_assert_uint_eq(exact, 3702784);
    ck_assert_int_eq(agent_relay_fit(exact, 640, 480, 3, err, sizeof(err)), 0);
    ck_assert_int_eq(agent_relay_fit(exact - 1, 640, 480, 3, err, sizeof(err)), -E2BIG);
    ck_assert_int_eq(agent_relay_fit(4194304, 640, 480, 3, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_mode_beyond_the_protocol_is_refused)
{
    char err[256] = "";

    ck_assert_int_eq(agent_relay_fit(UINT64_MAX, 7681, 4320, 3, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "mode 7681x4320 is outside the relay protocol's 1x1..7680x4320");
    ck_assert_int_eq(agent_relay_fit(UINT64_MAX, 7680, 4321, 3, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(agent_relay_fit(UINT64_MAX, 7680, 4320, 3, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_start_refuses_a_mode_larger_than_the_relay_writing_nothing)
{
    uint8_t *mem = calloc(1, 16384);
    agent_relay r;

    agent_relay_attach(&r, mem, 16384);
    ck_assert_int_eq(agent_relay_start(&r, 64, 64, 3, 1), -E2BIG);
    ck_assert_uint_eq(((gh_relay_header *)mem)->magic, 0);
    ck_assert_uint_eq(r.slot_count, 0);
    free(mem);
}
END_TEST

static const struct {
    uint32_t fourcc;
    uint32_t relay_format;
} format_cases[] = {
    { DRM_FORMAT_XRGB8888, GH_RELAY_FORMAT_BGRX8888 },
    { DRM_FORMAT_ARGB8888, GH_RELAY_FORMAT_BGRX8888 },
    { DRM_FORMAT_XBGR8888, GH_RELAY_FORMAT_RGBX8888 },
    { DRM_FORMAT_ABGR8888, GH_RELAY_FORMAT_RGBX8888 },
};

START_TEST(test_linear_32bit_formats_map_to_relay_formats)
{
    uint32_t got = 0;
    char err[256] = "";

    ck_assert_int_eq(agent_kms_relay_format(format_cases[_i].fourcc, DRM_FORMAT_MOD_LINEAR, &got, err, sizeof(err)),
                     0);
    ck_assert_uint_eq(got, format_cases[_i].relay_format);
}
END_TEST

START_TEST(test_other_formats_are_refused_by_name)
{
    uint32_t got = 0;
    char err[256] = "";

    ck_assert_int_eq(agent_kms_relay_format(DRM_FORMAT_RGB565, DRM_FORMAT_MOD_LINEAR, &got, err, sizeof(err)),
                     -ENOTSUP);
    ck_assert_str_eq(err, "format RG16 is not one the relay carries (XR24, AR24, XB24, AB24)");
    ck_assert_int_eq(agent_kms_relay_format(DRM_FORMAT_XRGB2101010, DRM_FORMAT_MOD_LINEAR, &got, err, sizeof(err)),
                     -ENOTSUP);
    ck_assert_str_eq(err, "format XR30 is not one the relay carries (XR24, AR24, XB24, AB24)");
}
END_TEST

START_TEST(test_tiled_buffer_is_refused)
{
    uint32_t got = 0;
    char err[256] = "";

    ck_assert_int_eq(agent_kms_relay_format(DRM_FORMAT_XRGB8888, I915_FORMAT_MOD_X_TILED, &got, err, sizeof(err)),
                     -ENOTSUP);
    ck_assert_str_eq(err, "modifier 0x0100000000000001 is not linear: the relay takes linear buffers only");
}
END_TEST

/* ---- stats ------------------------------------------------------------------ */

START_TEST(test_percentiles_are_nearest_rank)
{
    uint32_t s[100], one[1] = { 7 }, two[2] = { 20, 10 };

    /* 1..100, reversed: the function sorts. */
    for (uint32_t i = 0; i < 100; i++)
        s[i] = 100 - i;
    ck_assert_uint_eq(agent_stats_percentile(s, 100, 50), 50);
    ck_assert_uint_eq(agent_stats_percentile(s, 100, 99), 99);
    ck_assert_uint_eq(agent_stats_percentile(s, 100, 100), 100);
    ck_assert_uint_eq(agent_stats_percentile(one, 1, 50), 7);
    ck_assert_uint_eq(agent_stats_percentile(one, 1, 99), 7);
    ck_assert_uint_eq(agent_stats_percentile(two, 2, 50), 10);
    ck_assert_uint_eq(agent_stats_percentile(two, 2, 99), 20);
    ck_assert_uint_eq(agent_stats_percentile(NULL, 0, 50), 0);
}
END_TEST

START_TEST(test_stats_line_over_a_window)
{
    static agent_stats s;
    char line[256];

    agent_stats_restart(&s, 5000000000u, 1000000u);
    agent_stats_published(&s, 300000);
    agent_stats_published(&s, 100000);
    agent_stats_published(&s, 200000);
    agent_stats_tick(&s, 1);
    agent_stats_tick(&s, 1);
    agent_stats_tick(&s, 0);  /* nothing to read */
    /* 10 s later, 0.5 s of CPU more. */
    agent_stats_format(&s, 15000000000u, 1500000u, line, sizeof(line));
    ck_assert_str_eq(line, "stats frames=3 fps=0.3 ticks=6 unchanged=2 cpu=5.0 age_p50_us=200 age_p99_us=300");

    /* frames= counts since the start, the rest per window. */
    agent_stats_restart(&s, 15000000000u, 1500000u);
    agent_stats_published(&s, 50000);
    agent_stats_format(&s, 25000000000u, 1500000u, line, sizeof(line));
    ck_assert_str_eq(line, "stats frames=4 fps=0.1 ticks=1 unchanged=0 cpu=0.0 age_p50_us=50 age_p99_us=50");
}
END_TEST

/* ---- the program ------------------------------------------------------------ */

/* Runs agent_main with argv, stderr into *out; returns the exit status. */
static int
program_run(char **argv, char *out, size_t len)
{
    char path[160];
    int argc = 0, fd, saved, status;

    while (argv[argc])
        argc++;
    snprintf(path, sizeof(path), "%s/stderr", root);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    status = agent_main(argc, argv);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    tree_read(path, out, len);
    return status;
}

/* The relay alone: said, mapped, heartbeat; no header without a mode. */
START_TEST(test_once_without_kms_says_so_and_beats)
{
    char out[4096], want[1024], path[256];
    char *argv[] = { "gamehost-agent", "--sysfs", sysfs, "--dri", dri, "--once", NULL };

    fake_other_devices();
    fake_device("0000:00:05.0", "0x1af4\n", "0x1110\n", 16384, "1\n");
    ck_assert_int_eq(program_run(argv, out, sizeof(out)), 1);
    snprintf(want, sizeof(want),
             "gamehost-agent: started (version %s, sysfs %s, dri %s)\n"
             "gamehost-agent: relay ivshmem at 0000:00:05.0 size=16384\n"
             "gamehost-agent: no KMS scanout (%s: no card): looking again every 2 s\n",
             PACKAGE_VERSION, sysfs, dri, dri);
    ck_assert_str_eq(out, want);

    gh_relay_header h;
    snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:05.0/resource2", sysfs);
    int fd = open(path, O_RDONLY);
    ck_assert_int_eq(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
    close(fd);
    ck_assert_uint_eq(h.heartbeat_count, 1);
    ck_assert_uint_ne(h.heartbeat_ns, 0);
    ck_assert_uint_eq(h.magic, 0);
}
END_TEST

START_TEST(test_once_without_relay_says_so)
{
    char out[4096], want[1024];
    char *argv[] = { "gamehost-agent", "--sysfs", sysfs, "--dri", dri, "--once", NULL };

    fake_other_devices();
    ck_assert_int_eq(program_run(argv, out, sizeof(out)), 1);
    snprintf(want, sizeof(want),
             "gamehost-agent: started (version %s, sysfs %s, dri %s)\n"
             "gamehost-agent: no relay device (ivshmem 1af4:1110 under %s/bus/pci/devices): looking again every 2 s\n"
             "gamehost-agent: no KMS scanout (%s: no card): looking again every 2 s\n",
             PACKAGE_VERSION, sysfs, dri, sysfs, dri);
    ck_assert_str_eq(out, want);
}
END_TEST

START_TEST(test_bad_option_is_usage_error)
{
    char out[4096];
    char *argv[] = { "gamehost-agent", "--sysfs", sysfs, "extra", NULL };

    ck_assert_int_eq(program_run(argv, out, sizeof(out)), 2);
    ck_assert_ptr_nonnull(strstr(out, "gamehost-agent: unexpected argument 'extra'\nusage: gamehost-agent "));
}
END_TEST

/* Waiting for its devices, the agent sleeps (no output beyond the first
 * lines) and SIGTERM ends it cleanly. */
START_TEST(test_sigterm_stops_the_waiting_agent)
{
    char out[4096], path[160];
    int status;
    pid_t pid;

    snprintf(path, sizeof(path), "%s/stderr", root);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char *argv[] = { "gamehost-agent", "--sysfs", sysfs, "--dri", dri, NULL };
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, STDERR_FILENO);
        _exit(agent_main(5, argv));
    }
    /* Signalled once it is waiting (its handlers are in place by then). */
    for (int i = 0; i < 1000; i++) {
        out[0] = '\0';
        if (access(path, F_OK) == 0)
            tree_read(path, out, sizeof(out));
        if (strstr(out, "no KMS scanout"))
            break;
        usleep(10000);
    }
    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    tree_read(path, out, sizeof(out));
    ck_assert_int_eq(strncmp(out, "gamehost-agent: started (", 25), 0);
    ck_assert_ptr_nonnull(strstr(out, "gamehost-agent: no relay device ("));
    ck_assert_ptr_nonnull(strstr(out, "gamehost-agent: no KMS scanout ("));
    ck_assert_ptr_nonnull(strstr(out, "\ngamehost-agent: stopped by signal 15\n"));
    /* Said once each: four lines in all. */
    int lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 4);
}
END_TEST

static Suite *
agent_suite(void)
{
    Suite *s = suite_create("agent");
    TCase *tc = tcase_create("pci");

    tcase_add_checked_fixture(tc, trees_setup, trees_teardown);
    tcase_add_test(tc, test_ivshmem_found_among_other_devices);
    tcase_add_test(tc, test_no_ivshmem_device_is_enoent);
    tcase_add_test(tc, test_no_pci_tree_is_enoent);
    tcase_add_test(tc, test_bar2_mapped_shared_with_its_size_and_decoding_enabled);
    tcase_add_test(tc, test_bar2_smaller_than_the_header_page_is_refused);
    tcase_add_test(tc, test_missing_bar2_is_named);
    suite_add_tcase(s, tc);

    tc = tcase_create("modes");
    tcase_add_test(tc, test_mode_larger_than_the_relay_is_refused_naming_both_sizes);
    tcase_add_test(tc, test_mode_exactly_fitting_the_relay_is_accepted);
    tcase_add_test(tc, test_mode_beyond_the_protocol_is_refused);
    tcase_add_test(tc, test_start_refuses_a_mode_larger_than_the_relay_writing_nothing);
    tcase_add_loop_test(tc, test_linear_32bit_formats_map_to_relay_formats, 0,
                        (int)(sizeof(format_cases) / sizeof(format_cases[0])));
    tcase_add_test(tc, test_other_formats_are_refused_by_name);
    tcase_add_test(tc, test_tiled_buffer_is_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("stats");
    tcase_add_test(tc, test_percentiles_are_nearest_rank);
    tcase_add_test(tc, test_stats_line_over_a_window);
    suite_add_tcase(s, tc);

    tc = tcase_create("program");
    tcase_add_checked_fixture(tc, trees_setup, trees_teardown);
    tcase_add_test(tc, test_once_without_kms_says_so_and_beats);
    tcase_add_test(tc, test_once_without_relay_says_so);
    tcase_add_test(tc, test_bad_option_is_usage_error);
    tcase_add_test(tc, test_sigterm_stops_the_waiting_agent);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(agent_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
