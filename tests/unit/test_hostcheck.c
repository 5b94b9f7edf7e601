/* test_hostcheck: `gamehostctl host check` against fixture hosts (gpu-fixture
 * trees plus the proc/ and sys/module files each test writes) and libvirt's
 * test driver.  The KVM probe only runs on the real root, so here it must
 * say it was skipped. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl-hostcheck.h"
#include "gpu-fixture.h"
#include "testutil.h"

#define TEST_URI "test:///default"
#define GPU_FACTS_L4 "10de:27b8 3D controller, driver nvidia, NUMA 0, link 16.0 GT/s PCIe x16"

/* Writes <root>/<rel>, making its directories. */
static void
write_host_file(GhFixture *fx, const char *rel, const char *text)
{
    g_autofree char *path = g_build_filename(gh_fixture_root(fx), rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);

    ck_assert_int_eq(g_mkdir_with_parents(dir, 0755), 0);
    ck_assert(g_file_set_contents(path, text, -1, NULL));
}

static void
load_module(GhFixture *fx, const char *name)
{
    g_autofree char *path = g_build_filename(gh_fixture_root(fx), "sys/module", name, NULL);

    ck_assert_int_eq(g_mkdir_with_parents(path, 0755), 0);
}

static void
load_all_vfio_modules(GhFixture *fx)
{
    load_module(fx, "vfio");
    load_module(fx, "vfio_pci");
    load_module(fx, "vfio_iommu_type1");
}

static const char *const meminfo_no_hugepages =
    "MemTotal:       131072000 kB\n"
    "HugePages_Total:       0\n"
    "HugePages_Free:        0\n"
    "Hugepagesize:       2048 kB\n";

static const char *const meminfo_hugepages =
    "MemTotal:       131072000 kB\n"
    "AnonHugePages:     4096 kB\n"
    "HugePages_Total:    8192\n"
    "HugePages_Free:     6144\n"
    "Hugepagesize:       2048 kB\n";

static void
assert_check(GhHostCheck *check, GhHostCheckStatus status, const char *name, const char *detail)
{
    ck_assert_ptr_nonnull(check);
    ck_assert_str_eq(gh_host_check_status_to_string(check->status), gh_host_check_status_to_string(status));
    ck_assert_str_eq(check->name, name);
    ck_assert_str_eq(check->detail, detail);
}

static GPtrArray *
allow_everything(void)
{
    GPtrArray *allow = g_ptr_array_new_with_free_func(gh_gpu_allow_destroy);
    GhGpuAllow *any = gh_gpu_allow_new("any", NULL, NULL, NULL, "yes", NULL, NULL);

    ck_assert_ptr_nonnull(any);
    g_ptr_array_add(allow, any);
    return allow;
}

/* "libvirt 9.0.0" as this machine's libvirt says it. */
static char *
libvirt_version_text(void)
{
    unsigned long v = 0;

    ck_assert_int_eq(virGetVersion(&v, NULL, NULL), 0);
    return g_strdup_printf("libvirt %lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
}

/* ---- kvm ------------------------------------------------------------------------ */

START_TEST(test_kvm_probe_is_skipped_under_a_fixture_root)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheck) check = gh_host_check_kvm(gh_fixture_root(fx));

    assert_check(check, GH_HOST_CHECK_WARN, "kvm", "skipped under a fixture root");
}
END_TEST

/* ---- iommu ----------------------------------------------------------------------- */

START_TEST(test_iommu_off_host_fails_with_the_boot_option_to_add)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_iommu_off();
    g_autoptr(GhHostCheck) check = gh_host_check_iommu(gh_fixture_root(fx));

    assert_check(check, GH_HOST_CHECK_FAIL, "iommu",
                 "no IOMMU groups: the IOMMU is off (boot with intel_iommu=on or amd_iommu=on)");
}
END_TEST

START_TEST(test_iommu_off_despite_the_command_line_points_at_the_firmware)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_iommu_off();
    g_autoptr(GhHostCheck) check = NULL;

    write_host_file(fx, "proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on quiet\n");
    check = gh_host_check_iommu(gh_fixture_root(fx));
    assert_check(check, GH_HOST_CHECK_FAIL, "iommu",
                 "no IOMMU groups although the kernel command line has intel_iommu=on: "
                 "enable VT-d or AMD-Vi in the firmware");
}
END_TEST

START_TEST(test_iommu_turned_off_on_the_command_line_says_so)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_iommu_off();
    g_autoptr(GhHostCheck) check = NULL;

    write_host_file(fx, "proc/cmdline", "root=/dev/sda1 intel_iommu=off\n");
    check = gh_host_check_iommu(gh_fixture_root(fx));
    assert_check(check, GH_HOST_CHECK_FAIL, "iommu",
                 "no IOMMU groups: the IOMMU is off (kernel command line: intel_iommu=off; "
                 "boot with intel_iommu=on or amd_iommu=on)");
}
END_TEST

START_TEST(test_iommu_groups_pass_and_name_the_command_line_options)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_eight();
    g_autoptr(GhHostCheck) check = NULL;

    write_host_file(fx, "proc/cmdline", "BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt quiet\n");
    check = gh_host_check_iommu(gh_fixture_root(fx));
    assert_check(check, GH_HOST_CHECK_PASS, "iommu", "8 IOMMU groups (kernel command line: intel_iommu=on iommu=pt)");
}
END_TEST

START_TEST(test_iommu_one_group_without_command_line_passes)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_l4();
    g_autoptr(GhHostCheck) check = gh_host_check_iommu(gh_fixture_root(fx));

    assert_check(check, GH_HOST_CHECK_PASS, "iommu", "1 IOMMU group");
}
END_TEST

/* ---- vfio ------------------------------------------------------------------------ */

START_TEST(test_vfio_all_modules_loaded_passes)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheck) check = NULL;

    load_all_vfio_modules(fx);
    check = gh_host_check_vfio(gh_fixture_root(fx));
    assert_check(check, GH_HOST_CHECK_PASS, "vfio", "vfio, vfio_pci and vfio_iommu_type1 loaded");
}
END_TEST

START_TEST(test_vfio_missing_modules_warn_with_the_modprobe_to_run)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheck) check = gh_host_check_vfio(gh_fixture_root(fx));

    assert_check(check, GH_HOST_CHECK_WARN, "vfio",
                 "modules vfio, vfio_pci, vfio_iommu_type1 not loaded (modprobe vfio-pci)");
}
END_TEST

START_TEST(test_vfio_one_missing_module_is_named)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheck) check = NULL;

    load_module(fx, "vfio");
    load_module(fx, "vfio_pci");
    check = gh_host_check_vfio(gh_fixture_root(fx));
    assert_check(check, GH_HOST_CHECK_WARN, "vfio", "module vfio_iommu_type1 not loaded (modprobe vfio-pci)");
}
END_TEST

/* ---- hugepages ----------------------------------------------------------------- */

START_TEST(test_hugepages_none_reserved_warns)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheck) check = NULL;

    write_host_file(fx, "proc/meminfo", meminfo_no_hugepages);
    check = gh_host_check_hugepages(gh_fixture_root(fx));
    assert_check(check, GH_HOST_CHECK_WARN, "hugepages", "no hugepages reserved (HugePages_Total = 0)");
}
END_TEST

START_TEST(test_hugepages_reserved_pass_with_size_and_free_count)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheck) check = NULL;

    write_host_file(fx, "proc/meminfo", meminfo_hugepages);
    check = gh_host_check_hugepages(gh_fixture_root(fx));
    assert_check(check, GH_HOST_CHECK_PASS, "hugepages", "8192 hugepages of 2048 kB reserved (16384 MiB), 6144 free");
}
END_TEST

START_TEST(test_hugepages_unreadable_meminfo_warns_with_the_path)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheck) check = gh_host_check_hugepages(gh_fixture_root(fx));
    g_autofree char *detail = g_strdup_printf("cannot read %s/proc/meminfo: No such file or directory",
                                              gh_fixture_root(fx));

    assert_check(check, GH_HOST_CHECK_WARN, "hugepages", detail);
}
END_TEST

/* ---- libvirt ------------------------------------------------------------------------ */

START_TEST(test_libvirt_test_driver_reports_versions_and_no_kvm)
{
    g_autoptr(GhHostCheck) check = gh_host_check_libvirt(TEST_URI);
    g_autofree char *version = libvirt_version_text();
    g_autofree char *detail = g_strdup_printf(
        TEST_URI ": %s, TEST 0.0.2, no kvm domain for x86_64 (guests would run under TCG)", version);

    assert_check(check, GH_HOST_CHECK_WARN, "libvirt", detail);
}
END_TEST

START_TEST(test_libvirt_unopenable_uri_fails_with_libvirts_message)
{
    g_autoptr(GhHostCheck) check = gh_host_check_libvirt("nosuchdriver:///x");

    ck_assert_int_eq(check->status, GH_HOST_CHECK_FAIL);
    ck_assert_str_eq(check->name, "libvirt");
    ck_assert(g_str_has_prefix(check->detail, "cannot open nosuchdriver:///x: "));
    ck_assert_uint_gt(strlen(check->detail), strlen("cannot open nosuchdriver:///x: "));
}
END_TEST

START_TEST(test_libvirt_unopenable_embedded_root_says_gamehostd_may_hold_it)
{
    /* Not opened for real: libvirt's QEMU driver leaks a little when an
     * embedded root fails to open, which the sanitizer build would report. */
    g_autoptr(GhHostCheck) check = gh_host_check_libvirt_open_failed("qemu:///embed?root=/srv/gh/libvirt",
                                                                     "resource busy");

    ck_assert_int_eq(check->status, GH_HOST_CHECK_FAIL);
    ck_assert_str_eq(check->name, "libvirt");
    ck_assert_str_eq(check->detail, "cannot open qemu:///embed?root=/srv/gh/libvirt: resource busy (if a running "
                                    "gamehostd holds this embedded root, no second process can open it: stop "
                                    "gamehostd to check it)");
}
END_TEST

/* ---- GPUs ------------------------------------------------------------------------ */

START_TEST(test_gpu_not_allowlisted_warns)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_l4();
    g_autoptr(GhHostCheckReport) report = gh_host_check_report_new();

    gh_host_check_add_gpus(report, gh_fixture_root(fx), NULL);
    ck_assert_uint_eq(report->checks->len, 1);
    assert_check(report->checks->pdata[0], GH_HOST_CHECK_WARN, "gpu 0000:01:00.0",
                 GPU_FACTS_L4 ": not assignable: not in the allowlist");
}
END_TEST

START_TEST(test_gpu_allowlisted_and_clean_passes_with_its_alias)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_l4();
    g_autoptr(GPtrArray) allow = allow_everything();
    g_autoptr(GhHostCheckReport) report = gh_host_check_report_new();

    gh_host_check_add_gpus(report, gh_fixture_root(fx), allow);
    ck_assert_uint_eq(report->checks->len, 1);
    assert_check(report->checks->pdata[0], GH_HOST_CHECK_PASS, "gpu 0000:01:00.0",
                 GPU_FACTS_L4 ": assignable as 'any'");
}
END_TEST

START_TEST(test_gpu_on_iommu_off_host_fails_with_the_reason)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_iommu_off();
    g_autoptr(GPtrArray) allow = allow_everything();
    g_autoptr(GhHostCheckReport) report = gh_host_check_report_new();

    gh_host_check_add_gpus(report, gh_fixture_root(fx), allow);
    ck_assert_uint_eq(report->checks->len, 1);
    assert_check(report->checks->pdata[0], GH_HOST_CHECK_FAIL, "gpu 0000:01:00.0",
                 GPU_FACTS_L4 ": not assignable: no IOMMU group: the IOMMU is off "
                 "(boot with intel_iommu=on or amd_iommu=on)");
}
END_TEST

START_TEST(test_gpu_sharing_its_group_with_a_nic_fails)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_shared_nic();
    g_autoptr(GPtrArray) allow = allow_everything();
    g_autoptr(GhHostCheckReport) report = gh_host_check_report_new();

    gh_host_check_add_gpus(report, gh_fixture_root(fx), allow);
    ck_assert_uint_eq(report->checks->len, 1);
    assert_check(report->checks->pdata[0], GH_HOST_CHECK_FAIL, "gpu 0000:01:00.0",
                 GPU_FACTS_L4 ": not assignable: IOMMU group 14 also holds 0000:02:00.0 "
                 "(class 0x020000, driver igb), which cannot be assigned along");
}
END_TEST

START_TEST(test_gpu_unknown_numa_and_link_and_no_driver_are_said)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheckReport) report = gh_host_check_report_new();

    gh_fixture_add_device(fx, "0000:05:00.0", 0x030000, 0x1234, 0x1111, NULL, 3, GH_FIXTURE_NO_NUMA);
    gh_fixture_unset(fx, "0000:05:00.0", "current_link_speed");
    gh_fixture_unset(fx, "0000:05:00.0", "current_link_width");
    gh_host_check_add_gpus(report, gh_fixture_root(fx), NULL);
    ck_assert_uint_eq(report->checks->len, 1);
    assert_check(report->checks->pdata[0], GH_HOST_CHECK_WARN, "gpu 0000:05:00.0",
                 "1234:1111 VGA compatible controller, no driver, NUMA unknown, link unknown: "
                 "not assignable: not in the allowlist");
}
END_TEST

START_TEST(test_no_display_device_warns_no_gpu_found)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheckReport) report = gh_host_check_report_new();

    gh_host_check_add_gpus(report, gh_fixture_root(fx), NULL);
    ck_assert_uint_eq(report->checks->len, 1);
    assert_check(report->checks->pdata[0], GH_HOST_CHECK_WARN, "gpu", "no GPU found");
}
END_TEST

/* ---- whole reports ------------------------------------------------------------------ */

START_TEST(test_eight_gpu_host_report_lines)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_eight();
    g_autoptr(GPtrArray) allow = allow_everything();
    g_autoptr(GhHostCheckReport) report = NULL;
    g_autofree char *version = libvirt_version_text();
    g_autofree char *expected = NULL;
    g_autofree char *out = NULL;

    load_all_vfio_modules(fx);
    write_host_file(fx, "proc/meminfo", meminfo_hugepages);
    write_host_file(fx, "proc/cmdline", "intel_iommu=on iommu=pt\n");
    report = gh_host_check_run(gh_fixture_root(fx), TEST_URI, allow);
    out = gh_host_check_render(report);
    expected = g_strdup_printf(
        "WARN  kvm            skipped under a fixture root\n"
        "PASS  iommu          8 IOMMU groups (kernel command line: intel_iommu=on iommu=pt)\n"
        "PASS  vfio           vfio, vfio_pci and vfio_iommu_type1 loaded\n"
        "PASS  hugepages      8192 hugepages of 2048 kB reserved (16384 MiB), 6144 free\n"
        "WARN  libvirt        " TEST_URI ": %s, TEST 0.0.2, no kvm domain for x86_64 (guests would run under TCG)\n"
        "PASS  gpu 0000:18:00.0  10de:2330 3D controller, driver nvidia, NUMA 0, link 16.0 GT/s PCIe x16: assignable as 'any'\n"
        "PASS  gpu 0000:2a:00.0  10de:2330 3D controller, driver nvidia, NUMA 0, link 16.0 GT/s PCIe x16: assignable as 'any'\n"
        "PASS  gpu 0000:3a:00.0  10de:2330 3D controller, driver nvidia, NUMA 0, link 16.0 GT/s PCIe x16: assignable as 'any'\n"
        "PASS  gpu 0000:5d:00.0  10de:2330 3D controller, driver nvidia, NUMA 0, link 16.0 GT/s PCIe x16: assignable as 'any'\n"
        "PASS  gpu 0000:9a:00.0  10de:2330 3D controller, driver nvidia, NUMA 1, link 16.0 GT/s PCIe x16: assignable as 'any'\n"
        "PASS  gpu 0000:ab:00.0  10de:2330 3D controller, driver nvidia, NUMA 1, link 16.0 GT/s PCIe x16: assignable as 'any'\n"
        "PASS  gpu 0000:ba:00.0  10de:2330 3D controller, driver nvidia, NUMA 1, link 16.0 GT/s PCIe x16: assignable as 'any'\n"
        "PASS  gpu 0000:db:00.0  10de:2330 3D controller, driver nvidia, NUMA 1, link 16.0 GT/s PCIe x16: assignable as 'any'\n",
        version);
    ck_assert_str_eq(out, expected);
    ck_assert(!gh_host_check_report_failed(report));
    ck_assert_uint_eq(gh_host_check_report_count(report, GH_HOST_CHECK_PASS), 11);
}
END_TEST

START_TEST(test_iommu_off_host_report_fails)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_iommu_off();
    g_autoptr(GPtrArray) allow = allow_everything();
    g_autoptr(GhHostCheckReport) report = NULL;

    load_all_vfio_modules(fx);
    write_host_file(fx, "proc/meminfo", meminfo_no_hugepages);
    report = gh_host_check_run(gh_fixture_root(fx), TEST_URI, allow);
    ck_assert(gh_host_check_report_failed(report));
    ck_assert_uint_eq(gh_host_check_report_count(report, GH_HOST_CHECK_FAIL), 2);   /* iommu, the GPU */
    ck_assert_uint_eq(gh_host_check_report_count(report, GH_HOST_CHECK_WARN), 3);   /* kvm, hugepages, libvirt */
}
END_TEST

START_TEST(test_report_of_warnings_only_has_not_failed)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_l4();
    g_autoptr(GhHostCheckReport) report = NULL;

    write_host_file(fx, "proc/meminfo", meminfo_no_hugepages);
    report = gh_host_check_run(gh_fixture_root(fx), TEST_URI, NULL);
    ck_assert(!gh_host_check_report_failed(report));
    ck_assert_uint_eq(gh_host_check_report_count(report, GH_HOST_CHECK_FAIL), 0);
}
END_TEST

START_TEST(test_render_pads_names_and_makes_details_terminal_safe)
{
    g_autoptr(GhHostCheckReport) report = gh_host_check_report_new();
    g_autofree char *out = NULL;

    g_ptr_array_add(report->checks, gh_host_check_new(GH_HOST_CHECK_FAIL, "x", "red\x1b[31m\nnext"));
    g_ptr_array_add(report->checks, gh_host_check_new(GH_HOST_CHECK_PASS, "exactly13char", "fits"));
    g_ptr_array_add(report->checks, gh_host_check_new(GH_HOST_CHECK_WARN, "fourteen-chars", "overflows"));
    out = gh_host_check_render(report);
    ck_assert_str_eq(out, "FAIL  x              red?[31m next\n"
                          "PASS  exactly13char  fits\n"
                          "WARN  fourteen-chars  overflows\n");
}
END_TEST

START_TEST(test_json_lists_checks_and_gpus_in_the_daemons_shape)
{
    g_autoptr(GhFixture) fx = gh_fixture_host_l4();
    g_autoptr(GhHostCheckReport) report = gh_host_check_run(gh_fixture_root(fx), TEST_URI, NULL);
    g_autoptr(JsonNode) node = gh_host_check_to_json(report);
    JsonObject *o = json_node_get_object(node);
    JsonArray *checks = json_object_get_array_member(o, "checks");
    JsonArray *gpus = json_object_get_array_member(o, "gpus");
    JsonObject *first = json_array_get_object_element(checks, 0);
    JsonObject *gpu = json_array_get_object_element(gpus, 0);

    ck_assert_uint_eq(json_array_get_length(checks), report->checks->len);
    ck_assert_str_eq(json_object_get_string_member(first, "name"), "kvm");
    ck_assert_str_eq(json_object_get_string_member(first, "status"), "WARN");
    ck_assert_str_eq(json_object_get_string_member(first, "detail"), "skipped under a fixture root");
    ck_assert_uint_eq(json_array_get_length(gpus), 1);
    ck_assert_str_eq(json_object_get_string_member(gpu, "address"), "0000:01:00.0");
    ck_assert_str_eq(json_object_get_string_member(gpu, "class"), "0x030200");
    ck_assert_str_eq(json_object_get_string_member(gpu, "vendor"), "10de");
    ck_assert_str_eq(json_object_get_string_member(gpu, "device"), "27b8");
    ck_assert_str_eq(json_object_get_string_member(gpu, "verdict"), "not_allowlisted");
    ck_assert(json_object_get_null_member(gpu, "claimed_by"));
}
END_TEST

START_TEST(test_json_without_gpus_has_an_empty_gpu_list)
{
    g_autoptr(GhFixture) fx = gh_fixture_new();
    g_autoptr(GhHostCheckReport) report = gh_host_check_run(gh_fixture_root(fx), TEST_URI, NULL);
    g_autoptr(JsonNode) node = gh_host_check_to_json(report);

    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(json_node_get_object(node), "gpus")), 0);
}
END_TEST

/* ---- options ------------------------------------------------------------------------ */

START_TEST(test_uri_option_wins_over_config_and_default)
{
    g_autoptr(GhConfig) config = gh_config_new_default();

    ck_assert_str_eq(gh_host_check_pick_uri(NULL, NULL), "qemu:///system");
    ck_assert_str_eq(gh_host_check_pick_uri(NULL, config), "qemu:///system");   /* no [libvirt] uri */
    g_free(config->libvirt_uri);
    config->libvirt_uri = g_strdup("qemu+ssh://h/system");
    ck_assert_str_eq(gh_host_check_pick_uri(NULL, config), "qemu+ssh://h/system");
    ck_assert_str_eq(gh_host_check_pick_uri(TEST_URI, config), TEST_URI);
}
END_TEST

START_TEST(test_root_option_wins_over_config_and_default)
{
    g_autoptr(GhConfig) config = gh_config_new_default();

    ck_assert_str_eq(gh_host_check_pick_root(NULL, NULL), "/");
    g_free(config->gpu_sysfs_root);
    config->gpu_sysfs_root = g_strdup("/srv/fixture");
    ck_assert_str_eq(gh_host_check_pick_root(NULL, config), "/srv/fixture");
    ck_assert_str_eq(gh_host_check_pick_root("/tmp/x", config), "/tmp/x");
}
END_TEST

START_TEST(test_config_without_gpu_groups_allows_nothing)
{
    g_autoptr(GhConfig) config = gh_config_new_default();

    ck_assert_ptr_null(gh_host_check_config_allowlist(NULL));
    ck_assert_ptr_null(gh_host_check_config_allowlist(config));
}
END_TEST

START_TEST(test_config_gpu_groups_are_the_allowlist)
{
    g_autoptr(GhConfig) config = gh_config_new_default();

    g_ptr_array_add(config->gpu_allow, gh_gpu_allow_new("l4", "10de", "27b8", NULL, "yes", NULL, NULL));
    ck_assert_ptr_eq(gh_host_check_config_allowlist(config), config->gpu_allow);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------ */

#define ADD(tc, fn) tcase_add_test(tc, fn)

static TCase *
checks(void)
{
    TCase *tc = tcase_create("checks");

    ADD(tc, test_kvm_probe_is_skipped_under_a_fixture_root);
    ADD(tc, test_iommu_off_host_fails_with_the_boot_option_to_add);
    ADD(tc, test_iommu_off_despite_the_command_line_points_at_the_firmware);
    ADD(tc, test_iommu_turned_off_on_the_command_line_says_so);
    ADD(tc, test_iommu_groups_pass_and_name_the_command_line_options);
    ADD(tc, test_iommu_one_group_without_command_line_passes);
    ADD(tc, test_vfio_all_modules_loaded_passes);
    ADD(tc, test_vfio_missing_modules_warn_with_the_modprobe_to_run);
    ADD(tc, test_vfio_one_missing_module_is_named);
    ADD(tc, test_hugepages_none_reserved_warns);
    ADD(tc, test_hugepages_reserved_pass_with_size_and_free_count);
    ADD(tc, test_hugepages_unreadable_meminfo_warns_with_the_path);
    ADD(tc, test_libvirt_test_driver_reports_versions_and_no_kvm);
    ADD(tc, test_libvirt_unopenable_uri_fails_with_libvirts_message);
    ADD(tc, test_libvirt_unopenable_embedded_root_says_gamehostd_may_hold_it);
    return tc;
}

static TCase *
gpus(void)
{
    TCase *tc = tcase_create("gpus");

    ADD(tc, test_gpu_not_allowlisted_warns);
    ADD(tc, test_gpu_allowlisted_and_clean_passes_with_its_alias);
    ADD(tc, test_gpu_on_iommu_off_host_fails_with_the_reason);
    ADD(tc, test_gpu_sharing_its_group_with_a_nic_fails);
    ADD(tc, test_gpu_unknown_numa_and_link_and_no_driver_are_said);
    ADD(tc, test_no_display_device_warns_no_gpu_found);
    return tc;
}

static TCase *
reports(void)
{
    TCase *tc = tcase_create("reports");

    ADD(tc, test_eight_gpu_host_report_lines);
    ADD(tc, test_iommu_off_host_report_fails);
    ADD(tc, test_report_of_warnings_only_has_not_failed);
    ADD(tc, test_render_pads_names_and_makes_details_terminal_safe);
    ADD(tc, test_json_lists_checks_and_gpus_in_the_daemons_shape);
    ADD(tc, test_json_without_gpus_has_an_empty_gpu_list);
    ADD(tc, test_uri_option_wins_over_config_and_default);
    ADD(tc, test_root_option_wins_over_config_and_default);
    ADD(tc, test_config_without_gpu_groups_allows_nothing);
    ADD(tc, test_config_gpu_groups_are_the_allowlist);
    return tc;
}

int
main(void)
{
    Suite *s = suite_create("hostcheck");

    suite_add_tcase(s, checks());
    suite_add_tcase(s, gpus());
    suite_add_tcase(s, reports());
    return gh_test_run(s);
}
