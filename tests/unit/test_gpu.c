/* Specification of the gpu module: the inventory of display-class PCI
 * devices read from a sysfs tree (the fixture hosts of issue 6), the
 * allowlist, and the verdict on each device with its exact reason.  A
 * malformed sysfs value spoils one device's entry, never the scan. */
#include <check.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "gpu-fixture.h"
#include "gpu/gpu.h"
#include "testutil.h"

#define L4 "0000:01:00.0"
#define L4_AUDIO "0000:01:00.1"
#define L4_PORT "0000:00:01.0"
#define MI25 "0000:03:00.0"
#define A10 "0000:41:00.0"
#define NIC "0000:02:00.0"
#define IGPU "0000:00:02.0"

/* ---- fixtures --------------------------------------------------------- */

static GhFixture *fx;           /* the host under test, built by each test */
static GPtrArray *allow;        /* GhGpuAllow*, fresh and empty per test */
static GhGpuInventory *inv;

static void
setup(void)
{
    allow = g_ptr_array_new_with_free_func(gh_gpu_allow_destroy);
}

static void
teardown(void)
{
    inv = gh_gpu_inventory_free(inv);
    g_clear_pointer(&allow, g_ptr_array_unref);
    fx = gh_fixture_free(fx);
}

static void
allow_add(const char *alias, const char *vendor, const char *products, const char *glob, const char *managed,
          const char *mdev_type)
{
    g_autoptr(GError) error = NULL;
    GhGpuAllow *a = gh_gpu_allow_new(alias, vendor, products, glob, managed, mdev_type, &error);

    ck_assert_msg(a, "gh_gpu_allow_new: %s", error ? error->message : "?");
    g_ptr_array_add(allow, a);
}

/* Scans fx against allow and returns the entry at address (which must be
 * there). */
static const GhGpuDevice *
scan(const char *address)
{
    g_autoptr(GError) error = NULL;
    const GhGpuDevice *dev;

    inv = gh_gpu_inventory_free(inv);
    inv = gh_gpu_inventory_scan(gh_fixture_root(fx), allow, &error);
    ck_assert_msg(inv, "scan: %s", error ? error->message : "?");
    if (!address)
        return NULL;
    dev = gh_gpu_inventory_lookup(inv, address);
    ck_assert_msg(dev, "%s is not in the inventory", address);
    return dev;
}

static void
assert_strings(const GPtrArray *got, const char *const *want)
{
    guint n = want ? g_strv_length((char **)want) : 0;

    ck_assert_uint_eq(got->len, n);
    for (guint i = 0; i < n; i++)
        ck_assert_str_eq(g_ptr_array_index((GPtrArray *)got, i), want[i]);
}

static void
assert_verdict(const GhGpuDevice *dev, GhGpuVerdict verdict, const char *reason)
{
    ck_assert_str_eq(dev->reason, reason);
    ck_assert_str_eq(gh_gpu_verdict_to_string(dev->verdict), gh_gpu_verdict_to_string(verdict));
}

static void
assert_allow_error(const char *vendor, const char *products, const char *glob, const char *managed,
                   const char *mdev_type, const char *message)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhGpuAllow) a = gh_gpu_allow_new("l4", vendor, products, glob, managed, mdev_type, &error);

    ck_assert_ptr_null(a);
    ck_assert(g_error_matches(error, GH_GPU_ERROR, GH_GPU_ERROR_CONFIG));
    ck_assert_str_eq(error->message, message);
}

/* ---- inventory: one L4 with its audio function ------------------------ */

START_TEST(test_l4_entry_has_ids_class_and_driver)
{
    const GhGpuDevice *dev;

    fx = gh_fixture_host_l4();
    dev = scan(L4);
    ck_assert_uint_eq(dev->class_code, 0x030200);
    ck_assert_uint_eq(dev->vendor, 0x10de);
    ck_assert_uint_eq(dev->device, 0x27b8);
    ck_assert_uint_eq(dev->subsystem_vendor, 0x10de);
    ck_assert_uint_eq(dev->subsystem_device, 0x16ca);
    ck_assert_str_eq(dev->driver, "nvidia");
    ck_assert(!dev->boot_vga);
}
END_TEST

START_TEST(test_inventory_lists_only_display_class_devices)
{
    fx = gh_fixture_host_l4();
    scan(NULL);
    ck_assert_uint_eq(inv->devices->len, 1);
    ck_assert_ptr_null(gh_gpu_inventory_lookup(inv, L4_AUDIO));
    ck_assert_ptr_null(gh_gpu_inventory_lookup(inv, L4_PORT));
    ck_assert_ptr_null(gh_gpu_inventory_lookup(inv, "0000:99:00.0"));
}
END_TEST

START_TEST(test_l4_group_lists_every_member_and_audio_as_companion)
{
    static const char *const members[] = { L4_PORT, L4, L4_AUDIO, NULL };
    static const char *const companions[] = { L4_AUDIO, NULL };
    const GhGpuDevice *dev;

    fx = gh_fixture_host_l4();
    dev = scan(L4);
    ck_assert_int_eq(dev->iommu_group, 14);
    assert_strings(dev->group, members);
    assert_strings(dev->companions, companions);
}
END_TEST

START_TEST(test_l4_entry_has_numa_node_cpus_and_link)
{
    const GhGpuDevice *dev;

    fx = gh_fixture_host_l4();
    dev = scan(L4);
    ck_assert_int_eq(dev->numa_node, 0);
    ck_assert_str_eq(dev->local_cpus, "0-15");
    ck_assert_str_eq(dev->link_speed, "16.0 GT/s PCIe");
    ck_assert_uint_eq(dev->link_width, 16);
    ck_assert_str_eq(dev->max_link_speed, "16.0 GT/s PCIe");
    ck_assert_uint_eq(dev->max_link_width, 16);
}
END_TEST

START_TEST(test_l4_entry_has_no_sriov_and_no_mdev)
{
    const GhGpuDevice *dev;

    fx = gh_fixture_host_l4();
    dev = scan(L4);
    ck_assert_ptr_null(dev->physfn);
    ck_assert_uint_eq(dev->vfs->len, 0);
    ck_assert_uint_eq(dev->sriov_total, 0);
    ck_assert_uint_eq(dev->mdev_types->len, 0);
}
END_TEST

START_TEST(test_inventory_sees_iommu_and_vfio)
{
    fx = gh_fixture_host_l4();
    scan(NULL);
    ck_assert(inv->iommu_enabled);
    ck_assert(inv->vfio_available);
    ck_assert_str_eq(inv->sysfs_root, gh_fixture_root(fx));
}
END_TEST

START_TEST(test_vfio_module_alone_makes_vfio_available)
{
    g_autofree char *module = NULL;

    fx = gh_fixture_host_l4();
    gh_fixture_disable_vfio(fx);
    module = g_build_filename(gh_fixture_root(fx), "sys", "module", "vfio_pci", NULL);
    ck_assert_int_eq(g_mkdir_with_parents(module, 0755), 0);
    scan(NULL);
    ck_assert(inv->vfio_available);
}
END_TEST

/* ---- inventory: the other hosts --------------------------------------- */

START_TEST(test_eight_gpus_sorted_by_address_over_two_numa_nodes)
{
    static const char *const addresses[] = {
        "0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0",
        "0000:9a:00.0", "0000:ab:00.0", "0000:ba:00.0", "0000:db:00.0",
    };

    fx = gh_fixture_host_eight();
    scan(NULL);
    ck_assert_uint_eq(inv->devices->len, 8);
    for (guint i = 0; i < 8; i++) {
        const GhGpuDevice *dev = g_ptr_array_index(inv->devices, i);
        const char *const self[] = { addresses[i], NULL };

        ck_assert_str_eq(dev->address, addresses[i]);
        ck_assert_int_eq(dev->numa_node, i < 4 ? 0 : 1);
        ck_assert_str_eq(dev->local_cpus, i < 4 ? "0-15" : "16-31");
        ck_assert_int_eq(dev->iommu_group, 20 + (int)i);
        assert_strings(dev->group, self);
        ck_assert_uint_eq(dev->companions->len, 0);
    }
}
END_TEST

START_TEST(test_sriov_pf_lists_its_vfs)
{
    static const char *const vfs[] = { "0000:03:02.0", "0000:03:02.1", "0000:03:02.2", "0000:03:02.3", NULL };
    const GhGpuDevice *dev;

    fx = gh_fixture_host_sriov();
    dev = scan(MI25);
    ck_assert_uint_eq(inv->devices->len, 5);
    ck_assert_uint_eq(dev->class_code, 0x038000);
    ck_assert_uint_eq(dev->sriov_total, 16);
    assert_strings(dev->vfs, vfs);
    ck_assert_ptr_null(dev->physfn);
}
END_TEST

START_TEST(test_sriov_vf_is_an_entry_naming_its_pf)
{
    static const char *const self[] = { "0000:03:02.2", NULL };
    const GhGpuDevice *dev;

    fx = gh_fixture_host_sriov();
    dev = scan("0000:03:02.2");
    ck_assert_uint_eq(dev->vendor, 0x1002);
    ck_assert_uint_eq(dev->device, 0x686c);
    ck_assert_str_eq(dev->physfn, MI25);
    ck_assert_ptr_null(dev->driver);
    ck_assert_int_eq(dev->iommu_group, 33);
    assert_strings(dev->group, self);
    ck_assert_uint_eq(dev->vfs->len, 0);
}
END_TEST

START_TEST(test_mdev_gpu_lists_its_types_with_available_instances)
{
    const GhGpuDevice *dev;
    const GhGpuMdevType *t;

    fx = gh_fixture_host_mdev();
    dev = scan(A10);
    ck_assert_uint_eq(dev->mdev_types->len, 2);
    t = g_ptr_array_index(dev->mdev_types, 0);
    ck_assert_str_eq(t->id, "nvidia-558");
    ck_assert_str_eq(t->name, "GRID A10-8Q");
    ck_assert_str_eq(t->device_api, "vfio-pci");
    ck_assert_uint_eq(t->available, 3);
    t = g_ptr_array_index(dev->mdev_types, 1);
    ck_assert_str_eq(t->id, "nvidia-559");
    ck_assert_str_eq(t->name, "GRID A10-4Q");
    ck_assert_uint_eq(t->available, 6);
}
END_TEST

START_TEST(test_iommu_off_leaves_no_group)
{
    const GhGpuDevice *dev;

    fx = gh_fixture_host_iommu_off();
    dev = scan(L4);
    ck_assert(!inv->iommu_enabled);
    ck_assert_int_eq(dev->iommu_group, -1);
    ck_assert_uint_eq(dev->group->len, 0);
    ck_assert_uint_eq(dev->companions->len, 0);
}
END_TEST

START_TEST(test_shared_group_lists_the_nic_but_not_as_companion)
{
    static const char *const members[] = { L4, NIC, NULL };
    const GhGpuDevice *dev;

    fx = gh_fixture_host_shared_nic();
    dev = scan(L4);
    assert_strings(dev->group, members);
    ck_assert_uint_eq(dev->companions->len, 0);
}
END_TEST

START_TEST(test_boot_vga_is_read)
{
    fx = gh_fixture_host_boot_vga();
    ck_assert(scan(IGPU)->boot_vga);
}
END_TEST

/* ---- verdicts --------------------------------------------------------- */

START_TEST(test_allowlisted_l4_is_assignable_with_its_companion)
{
    const GhGpuDevice *dev;

    fx = gh_fixture_host_l4();
    allow_add("l4", "10de", "27b8", NULL, NULL, NULL);
    dev = scan(L4);
    assert_verdict(dev, GH_GPU_ASSIGNABLE, "assignable (alias l4, managed, with 0000:01:00.1)");
    ck_assert_ptr_eq(dev->allow, g_ptr_array_index(allow, 0));
}
END_TEST

START_TEST(test_without_allowlist_nothing_is_allowlisted)
{
    g_autoptr(GError) error = NULL;

    fx = gh_fixture_host_l4();
    inv = gh_gpu_inventory_scan(gh_fixture_root(fx), NULL, &error);
    ck_assert_ptr_nonnull(inv);
    assert_verdict(gh_gpu_inventory_lookup(inv, L4), GH_GPU_NOT_ALLOWLISTED, "not in the allowlist");
    ck_assert_ptr_null(gh_gpu_inventory_lookup(inv, L4)->allow);
}
END_TEST

START_TEST(test_gpu_matching_no_entry_is_not_allowlisted)
{
    fx = gh_fixture_host_l4();
    allow_add("a10", "10de", "2236", NULL, NULL, NULL);
    assert_verdict(scan(L4), GH_GPU_NOT_ALLOWLISTED, "not in the allowlist");
}
END_TEST

START_TEST(test_iommu_off_gives_no_iommu)
{
    fx = gh_fixture_host_iommu_off();
    allow_add("l4", "10de", NULL, NULL, NULL, NULL);
    assert_verdict(scan(L4), GH_GPU_NO_IOMMU,
                   "no IOMMU group: the IOMMU is off (boot with intel_iommu=on or amd_iommu=on)");
}
END_TEST

START_TEST(test_not_allowlisted_comes_before_no_iommu)
{
    fx = gh_fixture_host_iommu_off();
    assert_verdict(scan(L4), GH_GPU_NOT_ALLOWLISTED, "not in the allowlist");
}
END_TEST

START_TEST(test_device_without_group_on_iommu_host_gives_no_iommu)
{
    fx = gh_fixture_host_eight();
    gh_fixture_unset(fx, "0000:2a:00.0", "iommu_group");
    allow_add("h100", "10de", NULL, NULL, NULL, NULL);
    assert_verdict(scan("0000:2a:00.0"), GH_GPU_NO_IOMMU, "no IOMMU group although the IOMMU is on");
}
END_TEST

START_TEST(test_group_shared_with_nic_names_it)
{
    fx = gh_fixture_host_shared_nic();
    allow_add("l4", "10de", NULL, NULL, NULL, NULL);
    assert_verdict(scan(L4), GH_GPU_GROUP_SHARED,
                   "IOMMU group 14 also holds 0000:02:00.0 (class 0x020000, driver igb), "
                   "which cannot be assigned along");
}
END_TEST

START_TEST(test_group_shared_with_unbound_device_says_no_driver)
{
    fx = gh_fixture_host_shared_nic();
    gh_fixture_bind(fx, NIC, NULL);
    gh_fixture_add_device(fx, "0000:02:00.1", 0x020000, 0x8086, 0x1533, "igb", 14, 0);
    allow_add("l4", "10de", NULL, NULL, NULL, NULL);
    assert_verdict(scan(L4), GH_GPU_GROUP_SHARED,
                   "IOMMU group 14 also holds 0000:02:00.0 (class 0x020000, no driver) (and 1 more), "
                   "which cannot be assigned along");
}
END_TEST

START_TEST(test_bridge_in_group_does_not_share_it)
{
    fx = gh_fixture_host_l4();
    allow_add("l4", "10de", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(scan(L4)->verdict, GH_GPU_ASSIGNABLE);
    ck_assert(g_ptr_array_find_with_equal_func(scan(L4)->group, L4_PORT, g_str_equal, NULL));
}
END_TEST

START_TEST(test_boot_vga_bound_to_i915_is_driver_in_use)
{
    fx = gh_fixture_host_boot_vga();
    allow_add("igpu", "8086", NULL, NULL, NULL, NULL);
    assert_verdict(scan(IGPU), GH_GPU_DRIVER_IN_USE, "primary display of the host, bound to i915");
}
END_TEST

START_TEST(test_boot_vga_bound_to_vfio_is_assignable)
{
    fx = gh_fixture_host_boot_vga();
    gh_fixture_bind(fx, IGPU, "vfio-pci");
    allow_add("igpu", "8086", NULL, NULL, NULL, NULL);
    assert_verdict(scan(IGPU), GH_GPU_ASSIGNABLE, "assignable (alias igpu, managed)");
}
END_TEST

START_TEST(test_unmanaged_gpu_bound_to_nvidia_is_driver_in_use)
{
    fx = gh_fixture_host_l4();
    allow_add("l4", "10de", NULL, NULL, "no", NULL);
    assert_verdict(scan(L4), GH_GPU_DRIVER_IN_USE, "bound to nvidia; unmanaged devices must be bound to vfio-pci");
}
END_TEST

START_TEST(test_unmanaged_unbound_gpu_is_driver_in_use)
{
    fx = gh_fixture_host_l4();
    gh_fixture_bind(fx, L4, NULL);
    allow_add("l4", "10de", NULL, NULL, "no", NULL);
    assert_verdict(scan(L4), GH_GPU_DRIVER_IN_USE, "unbound; unmanaged devices must be bound to vfio-pci");
}
END_TEST

START_TEST(test_unmanaged_gpu_bound_to_vfio_is_assignable)
{
    fx = gh_fixture_host_l4();
    gh_fixture_bind(fx, L4, "vfio-pci");
    allow_add("l4", "10de", NULL, NULL, "no", NULL);
    assert_verdict(scan(L4), GH_GPU_ASSIGNABLE, "assignable (alias l4, unmanaged, with 0000:01:00.1)");
}
END_TEST

START_TEST(test_without_vfio_gives_no_vfio)
{
    fx = gh_fixture_host_l4();
    gh_fixture_disable_vfio(fx);
    allow_add("l4", "10de", NULL, NULL, NULL, NULL);
    assert_verdict(scan(L4), GH_GPU_NO_VFIO, "vfio-pci is not available (modprobe vfio-pci)");
    ck_assert(!inv->vfio_available);
}
END_TEST

START_TEST(test_pf_with_vfs_enabled_is_busy)
{
    fx = gh_fixture_host_sriov();
    allow_add("mi25", "1002", NULL, NULL, NULL, NULL);
    assert_verdict(scan(MI25), GH_GPU_SRIOV_PF_BUSY, "SR-IOV PF with 4 VFs enabled: its VFs are assigned instead");
}
END_TEST

START_TEST(test_vf_is_assignable)
{
    fx = gh_fixture_host_sriov();
    allow_add("mi25-vf", "1002", "686c", NULL, NULL, NULL);
    assert_verdict(scan("0000:03:02.0"), GH_GPU_ASSIGNABLE,
                   "assignable (alias mi25-vf, managed, VF of 0000:03:00.0)");
    assert_verdict(scan(MI25), GH_GPU_NOT_ALLOWLISTED, "not in the allowlist");
}
END_TEST

START_TEST(test_mdev_entry_is_assignable_on_vendor_driver)
{
    fx = gh_fixture_host_mdev();
    allow_add("a10-8q", "10de", "2236", NULL, NULL, "nvidia-558");
    assert_verdict(scan(A10), GH_GPU_ASSIGNABLE, "assignable (alias a10-8q, mdev nvidia-558, 3 available)");
}
END_TEST

START_TEST(test_mdev_entry_does_not_need_vfio_pci)
{
    fx = gh_fixture_host_mdev();
    gh_fixture_disable_vfio(fx);
    allow_add("a10-4q", "10de", NULL, NULL, NULL, "nvidia-559");
    assert_verdict(scan(A10), GH_GPU_ASSIGNABLE, "assignable (alias a10-4q, mdev nvidia-559, 6 available)");
}
END_TEST

START_TEST(test_mdev_entry_for_missing_type_is_not_allowlisted)
{
    fx = gh_fixture_host_mdev();
    allow_add("a10-24q", "10de", NULL, NULL, NULL, "nvidia-999");
    assert_verdict(scan(A10), GH_GPU_NOT_ALLOWLISTED, "offers no mdev type nvidia-999");
}
END_TEST

START_TEST(test_whole_device_entry_on_mdev_gpu_assigns_the_whole_gpu)
{
    fx = gh_fixture_host_mdev();
    allow_add("a10", "10de", NULL, NULL, NULL, NULL);
    assert_verdict(scan(A10), GH_GPU_ASSIGNABLE, "assignable (alias a10, managed)");
}
END_TEST

/* ---- the allowlist ---------------------------------------------------- */

START_TEST(test_allow_new_parses_every_key)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhGpuAllow) a = gh_gpu_allow_new("a10-8q", "0x10DE", "27b8, 0x2236", "0000:4?:00.0", "no",
                                               "nvidia-558", &error);

    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->alias, "a10-8q");
    ck_assert_uint_eq(a->vendor, 0x10de);
    ck_assert_uint_eq(a->products->len, 2);
    ck_assert_uint_eq(g_array_index(a->products, guint16, 0), 0x27b8);
    ck_assert_uint_eq(g_array_index(a->products, guint16, 1), 0x2236);
    ck_assert_str_eq(a->address_glob, "0000:4?:00.0");
    ck_assert(!a->managed);
    ck_assert_str_eq(a->mdev_type, "nvidia-558");
}
END_TEST

START_TEST(test_allow_new_defaults_to_any_managed_whole_device)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhGpuAllow) a = gh_gpu_allow_new("any", NULL, NULL, NULL, NULL, NULL, &error);

    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(a->vendor, 0);
    ck_assert_uint_eq(a->products->len, 0);
    ck_assert_ptr_null(a->address_glob);
    ck_assert(a->managed);
    ck_assert_ptr_null(a->mdev_type);
}
END_TEST

START_TEST(test_vendor_only_entry_matches_every_gpu_of_vendor)
{
    fx = gh_fixture_host_eight();
    allow_add("h100", "10de", NULL, NULL, NULL, NULL);
    scan(NULL);
    for (guint i = 0; i < inv->devices->len; i++)
        assert_verdict(g_ptr_array_index(inv->devices, i), GH_GPU_ASSIGNABLE, "assignable (alias h100, managed)");
}
END_TEST

START_TEST(test_product_list_matches_any_listed_product)
{
    fx = gh_fixture_host_l4();
    allow_add("nv", "10de", "2236,27b8", NULL, NULL, NULL);
    ck_assert_int_eq(scan(L4)->verdict, GH_GPU_ASSIGNABLE);
}
END_TEST

START_TEST(test_address_glob_selects_by_address)
{
    fx = gh_fixture_host_eight();
    allow_add("node1", NULL, NULL, "0000:[9a-f]?:00.*", NULL, NULL);
    scan(NULL);
    for (guint i = 0; i < inv->devices->len; i++) {
        const GhGpuDevice *dev = g_ptr_array_index(inv->devices, i);

        ck_assert_int_eq(dev->verdict, i < 4 ? GH_GPU_NOT_ALLOWLISTED : GH_GPU_ASSIGNABLE);
    }
}
END_TEST

START_TEST(test_first_matching_entry_wins)
{
    fx = gh_fixture_host_l4();
    allow_add("other", "1002", NULL, NULL, NULL, NULL);
    allow_add("first", "10de", NULL, NULL, "no", NULL);
    allow_add("second", "10de", "27b8", NULL, NULL, NULL);
    assert_verdict(scan(L4), GH_GPU_DRIVER_IN_USE, "bound to nvidia; unmanaged devices must be bound to vfio-pci");
    ck_assert_str_eq(scan(L4)->allow->alias, "first");
}
END_TEST

START_TEST(test_bad_vendor_is_rejected)
{
    assert_allow_error("10dx", NULL, NULL, NULL, NULL, "vendor '10dx' is not a PCI id (1 to 4 hex digits)");
    assert_allow_error("10de0", NULL, NULL, NULL, NULL, "vendor '10de0' is not a PCI id (1 to 4 hex digits)");
    assert_allow_error("0x", NULL, NULL, NULL, NULL, "vendor '0x' is not a PCI id (1 to 4 hex digits)");
    assert_allow_error("", NULL, NULL, NULL, NULL, "vendor '' is not a PCI id (1 to 4 hex digits)");
}
END_TEST

START_TEST(test_bad_product_is_rejected)
{
    assert_allow_error("10de", "27b8,xyz", NULL, NULL, NULL,
                       "product '27b8,xyz': 'xyz' is not a PCI id (1 to 4 hex digits)");
    assert_allow_error("10de", "27b8,", NULL, NULL, NULL,
                       "product '27b8,': '' is not a PCI id (1 to 4 hex digits)");
}
END_TEST

START_TEST(test_bad_managed_is_rejected)
{
    assert_allow_error("10de", NULL, NULL, "maybe", NULL, "managed 'maybe' is not yes or no");
    assert_allow_error("10de", NULL, NULL, "YES", NULL, "managed 'YES' is not yes or no");
}
END_TEST

START_TEST(test_empty_address_and_mdev_type_are_rejected)
{
    assert_allow_error("10de", NULL, "", NULL, NULL, "address is empty");
    assert_allow_error("10de", NULL, NULL, NULL, "", "mdev_type is empty");
}
END_TEST

START_TEST(test_address_validity)
{
    ck_assert(gh_gpu_address_is_valid("0000:01:00.0"));
    ck_assert(gh_gpu_address_is_valid("abcd:ff:1f.7"));
    ck_assert(!gh_gpu_address_is_valid(NULL));
    ck_assert(!gh_gpu_address_is_valid(""));
    ck_assert(!gh_gpu_address_is_valid("01:00.0"));
    ck_assert(!gh_gpu_address_is_valid("0000:01:00.0 "));
    ck_assert(!gh_gpu_address_is_valid("0000:0A:00.0"));
    ck_assert(!gh_gpu_address_is_valid("0000:01:20.0"));
    ck_assert(!gh_gpu_address_is_valid("0000:01:00.8"));
    ck_assert(!gh_gpu_address_is_valid("0000-01:00.0"));
    ck_assert(!gh_gpu_address_is_valid("0000:0g:00.0"));
}
END_TEST

START_TEST(test_verdict_names)
{
    ck_assert_str_eq(gh_gpu_verdict_to_string(GH_GPU_ASSIGNABLE), "assignable");
    ck_assert_str_eq(gh_gpu_verdict_to_string(GH_GPU_NOT_ALLOWLISTED), "not_allowlisted");
    ck_assert_str_eq(gh_gpu_verdict_to_string(GH_GPU_NO_IOMMU), "no_iommu");
    ck_assert_str_eq(gh_gpu_verdict_to_string(GH_GPU_GROUP_SHARED), "group_shared");
    ck_assert_str_eq(gh_gpu_verdict_to_string(GH_GPU_DRIVER_IN_USE), "driver_in_use");
    ck_assert_str_eq(gh_gpu_verdict_to_string(GH_GPU_NO_VFIO), "no_vfio");
    ck_assert_str_eq(gh_gpu_verdict_to_string(GH_GPU_SRIOV_PF_BUSY), "sriov_pf_busy");
}
END_TEST

/* ---- malformed and missing sysfs -------------------------------------- */

START_TEST(test_missing_root_is_an_error_naming_the_path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *root = gh_test_make_tmpdir("gh-test-sysfs");
    g_autofree char *missing = g_build_filename(root, "nothing", NULL);
    g_autofree char *message =
        g_strdup_printf("cannot read PCI devices: %s/sys/bus/pci/devices: No such file or directory", missing);

    inv = gh_gpu_inventory_scan(missing, NULL, &error);
    gh_test_rm_rf(root);
    ck_assert_ptr_null(inv);
    ck_assert(g_error_matches(error, GH_GPU_ERROR, GH_GPU_ERROR_SYSFS));
    ck_assert_str_eq(error->message, message);
}
END_TEST

START_TEST(test_malformed_vendor_spoils_only_that_device)
{
    fx = gh_fixture_host_eight();
    gh_fixture_set(fx, "0000:2a:00.0", "vendor", "10de\n");
    allow_add("h100", "10de", NULL, NULL, NULL, NULL);
    assert_verdict(scan("0000:2a:00.0"), GH_GPU_NOT_ALLOWLISTED,
                   "cannot be matched against the allowlist: sysfs vendor reads '10de'");
    ck_assert_ptr_null(scan("0000:2a:00.0")->allow);
    ck_assert_uint_eq(inv->devices->len, 8);
    ck_assert_int_eq(scan("0000:18:00.0")->verdict, GH_GPU_ASSIGNABLE);
}
END_TEST

START_TEST(test_missing_device_id_is_named)
{
    fx = gh_fixture_host_l4();
    gh_fixture_unset(fx, L4, "device");
    allow_add("l4", "10de", NULL, NULL, NULL, NULL);
    assert_verdict(scan(L4), GH_GPU_NOT_ALLOWLISTED,
                   "cannot be matched against the allowlist: sysfs device is missing");
}
END_TEST

START_TEST(test_malformed_numa_node_is_ignored_and_reported)
{
    const GhGpuDevice *dev;

    fx = gh_fixture_host_l4();
    gh_fixture_set(fx, L4, "numa_node", "banana\n");
    allow_add("l4", "10de", NULL, NULL, NULL, NULL);
    dev = scan(L4);
    ck_assert_int_eq(dev->numa_node, -1);
    assert_verdict(dev, GH_GPU_ASSIGNABLE,
                   "assignable (alias l4, managed, with 0000:01:00.1); ignored malformed sysfs numa_node 'banana'");
}
END_TEST

START_TEST(test_several_malformed_values_are_all_reported)
{
    const GhGpuDevice *dev;

    fx = gh_fixture_host_mdev();
    gh_fixture_set(fx, A10, "current_link_width", "x16\n");
    gh_fixture_set(fx, A10, "subsystem_vendor", "0x10de0000\n");
    gh_fixture_set(fx, A10, "boot_vga", "yes\n");
    gh_fixture_set(fx, A10, "mdev_supported_types/nvidia-559/available_instances", "-1\n");
    dev = scan(A10);
    ck_assert_uint_eq(dev->link_width, 0);
    ck_assert_uint_eq(dev->subsystem_vendor, 0);
    ck_assert_uint_eq(((GhGpuMdevType *)g_ptr_array_index(dev->mdev_types, 1))->available, 0);
    assert_verdict(dev, GH_GPU_NOT_ALLOWLISTED,
                   "not in the allowlist; ignored malformed sysfs subsystem_vendor '0x10de0000', "
                   "current_link_width 'x16', boot_vga 'yes', "
                   "mdev_supported_types/nvidia-559/available_instances '-1'");
}
END_TEST

START_TEST(test_control_characters_in_values_are_escaped)
{
    fx = gh_fixture_host_l4();
    gh_fixture_set(fx, L4, "numa_node", "1\n2\n");
    assert_verdict(scan(L4), GH_GPU_NOT_ALLOWLISTED, "not in the allowlist; ignored malformed sysfs numa_node '1\\n2'");
}
END_TEST

START_TEST(test_malformed_class_leaves_device_out)
{
    fx = gh_fixture_host_eight();
    gh_fixture_set(fx, "0000:2a:00.0", "class", "0x03000\n0");
    scan(NULL);
    ck_assert_uint_eq(inv->devices->len, 7);
    ck_assert_ptr_null(gh_gpu_inventory_lookup(inv, "0000:2a:00.0"));
}
END_TEST

START_TEST(test_malformed_iommu_group_link_gives_no_iommu)
{
    g_autofree char *dir = NULL;
    g_autofree char *link = NULL;

    fx = gh_fixture_host_l4();
    dir = gh_fixture_device_dir(fx, L4);
    link = g_build_filename(dir, "iommu_group", NULL);
    gh_fixture_unset(fx, L4, "iommu_group");
    ck_assert_int_eq(symlink("../../../../kernel/iommu_groups/fourteen", link), 0);
    allow_add("l4", "10de", NULL, NULL, NULL, NULL);
    assert_verdict(scan(L4), GH_GPU_NO_IOMMU,
                   "no IOMMU group: its iommu_group link is malformed; ignored malformed sysfs iommu_group 'fourteen'");
}
END_TEST

START_TEST(test_unknown_link_speed_is_null)
{
    fx = gh_fixture_host_l4();
    gh_fixture_set(fx, L4, "current_link_speed", "Unknown\n");
    gh_fixture_unset(fx, L4, "max_link_speed");
    ck_assert_ptr_null(scan(L4)->link_speed);
    ck_assert_ptr_null(scan(L4)->max_link_speed);
}
END_TEST

START_TEST(test_absent_optional_files_are_unknown_not_malformed)
{
    const GhGpuDevice *dev;

    fx = gh_fixture_host_l4();
    gh_fixture_unset(fx, L4, "boot_vga");
    gh_fixture_unset(fx, L4, "numa_node");
    gh_fixture_unset(fx, L4, "local_cpulist");
    gh_fixture_unset(fx, L4, "current_link_width");
    dev = scan(L4);
    ck_assert(!dev->boot_vga);
    ck_assert_int_eq(dev->numa_node, -1);
    ck_assert_ptr_null(dev->local_cpus);
    ck_assert_uint_eq(dev->link_width, 0);
    assert_verdict(dev, GH_GPU_NOT_ALLOWLISTED, "not in the allowlist");
}
END_TEST

START_TEST(test_entries_that_are_not_addresses_are_skipped)
{
    g_autofree char *junk = NULL;

    fx = gh_fixture_host_l4();
    junk = g_build_filename(gh_fixture_root(fx), "sys", "bus", "pci", "devices", "junk", NULL);
    ck_assert(g_file_set_contents(junk, "0x030000\n", -1, NULL));
    scan(NULL);
    ck_assert_uint_eq(inv->devices->len, 1);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

static TCase *
gpu_tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, setup, teardown);
    suite_add_tcase(s, tc);
    return tc;
}

static Suite *
gpu_suite(void)
{
    Suite *s = suite_create("gpu");
    TCase *tc = gpu_tcase(s, "inventory");

    tcase_add_test(tc, test_l4_entry_has_ids_class_and_driver);
    tcase_add_test(tc, test_inventory_lists_only_display_class_devices);
    tcase_add_test(tc, test_l4_group_lists_every_member_and_audio_as_companion);
    tcase_add_test(tc, test_l4_entry_has_numa_node_cpus_and_link);
    tcase_add_test(tc, test_l4_entry_has_no_sriov_and_no_mdev);
    tcase_add_test(tc, test_inventory_sees_iommu_and_vfio);
    tcase_add_test(tc, test_vfio_module_alone_makes_vfio_available);
    tcase_add_test(tc, test_eight_gpus_sorted_by_address_over_two_numa_nodes);
    tcase_add_test(tc, test_sriov_pf_lists_its_vfs);
    tcase_add_test(tc, test_sriov_vf_is_an_entry_naming_its_pf);
    tcase_add_test(tc, test_mdev_gpu_lists_its_types_with_available_instances);
    tcase_add_test(tc, test_iommu_off_leaves_no_group);
    tcase_add_test(tc, test_shared_group_lists_the_nic_but_not_as_companion);
    tcase_add_test(tc, test_boot_vga_is_read);

    tc = gpu_tcase(s, "verdicts");
    tcase_add_test(tc, test_allowlisted_l4_is_assignable_with_its_companion);
    tcase_add_test(tc, test_without_allowlist_nothing_is_allowlisted);
    tcase_add_test(tc, test_gpu_matching_no_entry_is_not_allowlisted);
    tcase_add_test(tc, test_iommu_off_gives_no_iommu);
    tcase_add_test(tc, test_not_allowlisted_comes_before_no_iommu);
    tcase_add_test(tc, test_device_without_group_on_iommu_host_gives_no_iommu);
    tcase_add_test(tc, test_group_shared_with_nic_names_it);
    tcase_add_test(tc, test_group_shared_with_unbound_device_says_no_driver);
    tcase_add_test(tc, test_bridge_in_group_does_not_share_it);
    tcase_add_test(tc, test_boot_vga_bound_to_i915_is_driver_in_use);
    tcase_add_test(tc, test_boot_vga_bound_to_vfio_is_assignable);
    tcase_add_test(tc, test_unmanaged_gpu_bound_to_nvidia_is_driver_in_use);
    tcase_add_test(tc, test_unmanaged_unbound_gpu_is_driver_in_use);
    tcase_add_test(tc, test_unmanaged_gpu_bound_to_vfio_is_assignable);
    tcase_add_test(tc, test_without_vfio_gives_no_vfio);
    tcase_add_test(tc, test_pf_with_vfs_enabled_is_busy);
    tcase_add_test(tc, test_vf_is_assignable);
    tcase_add_test(tc, test_mdev_entry_is_assignable_on_vendor_driver);
    tcase_add_test(tc, test_mdev_entry_does_not_need_vfio_pci);
    tcase_add_test(tc, test_mdev_entry_for_missing_type_is_not_allowlisted);
    tcase_add_test(tc, test_whole_device_entry_on_mdev_gpu_assigns_the_whole_gpu);

    tc = gpu_tcase(s, "allowlist");
    tcase_add_test(tc, test_allow_new_parses_every_key);
    tcase_add_test(tc, test_allow_new_defaults_to_any_managed_whole_device);
    tcase_add_test(tc, test_vendor_only_entry_matches_every_gpu_of_vendor);
    tcase_add_test(tc, test_product_list_matches_any_listed_product);
    tcase_add_test(tc, test_address_glob_selects_by_address);
    tcase_add_test(tc, test_first_matching_entry_wins);
    tcase_add_test(tc, test_bad_vendor_is_rejected);
    tcase_add_test(tc, test_bad_product_is_rejected);
    tcase_add_test(tc, test_bad_managed_is_rejected);
    tcase_add_test(tc, test_empty_address_and_mdev_type_are_rejected);
    tcase_add_test(tc, test_address_validity);
    tcase_add_test(tc, test_verdict_names);

    tc = gpu_tcase(s, "malformed");
    tcase_add_test(tc, test_missing_root_is_an_error_naming_the_path);
    tcase_add_test(tc, test_malformed_vendor_spoils_only_that_device);
    tcase_add_test(tc, test_missing_device_id_is_named);
    tcase_add_test(tc, test_malformed_numa_node_is_ignored_and_reported);
    tcase_add_test(tc, test_several_malformed_values_are_all_reported);
    tcase_add_test(tc, test_control_characters_in_values_are_escaped);
    tcase_add_test(tc, test_malformed_class_leaves_device_out);
    tcase_add_test(tc, test_malformed_iommu_group_link_gives_no_iommu);
    tcase_add_test(tc, test_unknown_link_speed_is_null);
    tcase_add_test(tc, test_absent_optional_files_are_unknown_not_malformed);
    tcase_add_test(tc, test_entries_that_are_not_addresses_are_skipped);
    return s;
}

int
main(void)
{
    return gh_test_run(gpu_suite());
}
