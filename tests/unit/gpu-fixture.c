/* gpu-fixture: fake sysfs trees for the GPU suites.  Links are relative, as
 * the kernel's are, so the scanner is tested following them the way it
 * must on a real host. */
#include "gpu-fixture.h"

#include <check.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

struct GhFixture {
    char *root;
};

static void
fixture_mkdir(const GhFixture *fx, const char *rel)
{
    g_autofree char *path = g_build_filename(fx->root, rel, NULL);

    ck_assert_msg(g_mkdir_with_parents(path, 0755) == 0, "mkdir %s: %s", path, g_strerror(errno));
}

static void
fixture_write(const GhFixture *fx, const char *rel, const char *text)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(fx->root, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);

    ck_assert_msg(g_mkdir_with_parents(dir, 0755) == 0, "mkdir %s: %s", dir, g_strerror(errno));
    ck_assert_msg(g_file_set_contents(path, text, -1, &error), "write %s: %s", path,
                  error ? error->message : "?");
}

/* A link at root/link_rel to root/target_rel, written relative to the
 * link's dir. */
static void
fixture_link(const GhFixture *fx, const char *link_rel, const char *target_rel)
{
    g_autofree char *path = g_build_filename(fx->root, link_rel, NULL);
    g_autofree char *dir = g_path_get_dirname(link_rel);
    g_auto(GStrv) parts = g_strsplit(dir, "/", -1);
    g_autoptr(GString) target = g_string_new(NULL);

    for (guint i = 0; parts[i]; i++)
        g_string_append(target, "../");
    g_string_append(target, target_rel);
    fixture_mkdir(fx, dir);
    g_unlink(path);
    ck_assert_msg(symlink(target->str, path) == 0, "symlink %s: %s", path, g_strerror(errno));
}

/* Devices on bus 00 hang off the root complex; the others sit behind a
 * root port whose slot is derived from the bus.  The scanner only follows
 * the bus/pci/devices links, so plausible is enough. */
static char *
fixture_device_rel(const char *address)
{
    g_autofree char *domain = g_strndup(address, 4);
    g_autofree char *bus = g_strndup(address + 5, 2);
    guint64 b = g_ascii_strtoull(bus, NULL, 16);

    if (b == 0)
        return g_strdup_printf("sys/devices/pci%s:00/%s", domain, address);
    return g_strdup_printf("sys/devices/pci%s:00/%s:00:%02x.0/%s", domain, domain, (guint)(b % 0x20), address);
}

static char *
fixture_attr_rel(const char *address, const char *attr)
{
    g_autofree char *dev = fixture_device_rel(address);

    return g_build_filename(dev, attr, NULL);
}

GhFixture *
gh_fixture_new(void)
{
    GhFixture *fx = g_new0(GhFixture, 1);

    fx->root = gh_test_make_tmpdir("gh-test-sysfs");
    fixture_mkdir(fx, "sys/bus/pci/devices");
    fixture_mkdir(fx, "sys/bus/pci/drivers");
    fixture_mkdir(fx, "sys/kernel/iommu_groups");
    fixture_mkdir(fx, "sys/module");
    return fx;
}

GhFixture *
gh_fixture_free(GhFixture *fx)
{
    if (fx) {
        gh_test_rm_rf(fx->root);
        g_free(fx->root);
        g_free(fx);
    }
    return NULL;
}

const char *
gh_fixture_root(const GhFixture *fx)
{
    return fx->root;
}

char *
gh_fixture_device_dir(const GhFixture *fx, const char *address)
{
    g_autofree char *rel = fixture_device_rel(address);

    return g_build_filename(fx->root, rel, NULL);
}

void
gh_fixture_set(GhFixture *fx, const char *address, const char *attr, const char *text)
{
    g_autofree char *rel = fixture_attr_rel(address, attr);

    fixture_write(fx, rel, text);
}

void
gh_fixture_unset(GhFixture *fx, const char *address, const char *attr)
{
    g_autofree char *rel = fixture_attr_rel(address, attr);
    g_autofree char *path = g_build_filename(fx->root, rel, NULL);

    ck_assert_msg(g_unlink(path) == 0, "unlink %s: %s", path, g_strerror(errno));
}

static void
fixture_set_printf(GhFixture *fx, const char *address, const char *attr, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static void
fixture_set_printf(GhFixture *fx, const char *address, const char *attr, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    gh_fixture_set(fx, address, attr, text);
}

void
gh_fixture_bind(GhFixture *fx, const char *address, const char *driver)
{
    g_autofree char *dev = fixture_device_rel(address);
    g_autofree char *link = g_build_filename(dev, "driver", NULL);
    g_autofree char *path = g_build_filename(fx->root, link, NULL);

    g_unlink(path);
    if (!driver)
        return;

    g_autofree char *drv = g_build_filename("sys/bus/pci/drivers", driver, NULL);
    g_autofree char *back = g_build_filename(drv, address, NULL);

    fixture_mkdir(fx, drv);
    fixture_link(fx, link, drv);
    fixture_link(fx, back, dev);
}

static void
fixture_join_group(GhFixture *fx, const char *address, int group)
{
    g_autofree char *dev = fixture_device_rel(address);
    g_autofree char *group_rel = g_strdup_printf("sys/kernel/iommu_groups/%d", group);
    g_autofree char *member = g_strdup_printf("%s/devices/%s", group_rel, address);
    g_autofree char *link = g_build_filename(dev, "iommu_group", NULL);

    fixture_link(fx, member, dev);
    fixture_link(fx, link, group_rel);
}

void
gh_fixture_add_device(GhFixture *fx, const char *address, guint32 class_code, guint16 vendor, guint16 device,
                      const char *driver, int group, int numa)
{
    g_autofree char *dev = fixture_device_rel(address);
    g_autofree char *bus_link = g_build_filename("sys/bus/pci/devices", address, NULL);

    fixture_mkdir(fx, dev);
    fixture_link(fx, bus_link, dev);
    fixture_set_printf(fx, address, "class", "0x%06x\n", class_code);
    fixture_set_printf(fx, address, "vendor", "0x%04x\n", vendor);
    fixture_set_printf(fx, address, "device", "0x%04x\n", device);
    fixture_set_printf(fx, address, "subsystem_vendor", "0x%04x\n", vendor);
    fixture_set_printf(fx, address, "subsystem_device", "0x%04x\n", device);
    fixture_set_printf(fx, address, "numa_node", "%d\n", numa);
    if (numa >= 0)
        fixture_set_printf(fx, address, "local_cpulist", "%d-%d\n", numa * 16, numa * 16 + 15);
    gh_fixture_set(fx, address, "current_link_speed", "16.0 GT/s PCIe\n");
    gh_fixture_set(fx, address, "max_link_speed", "16.0 GT/s PCIe\n");
    gh_fixture_set(fx, address, "current_link_width", "16\n");
    gh_fixture_set(fx, address, "max_link_width", "16\n");
    if ((class_code >> 16) == 0x03)
        gh_fixture_set(fx, address, "boot_vga", "0\n");
    gh_fixture_bind(fx, address, driver);
    if (group >= 0)
        fixture_join_group(fx, address, group);
}

void
gh_fixture_add_vf(GhFixture *fx, const char *pf, const char *address, guint32 class_code, guint16 vendor,
                  guint16 device, const char *driver, int group)
{
    g_autofree char *pf_dir = gh_fixture_device_dir(fx, pf);
    g_autofree char *pf_rel = fixture_device_rel(pf);
    g_autofree char *vf_rel = fixture_device_rel(address);
    g_autofree char *numa_text = NULL;
    g_autofree char *numa_path = g_build_filename(pf_dir, "numa_node", NULL);
    guint n = 0;

    ck_assert_msg(g_file_get_contents(numa_path, &numa_text, NULL, NULL), "no PF %s", pf);
    for (;; n++) {
        g_autofree char *name = g_strdup_printf("%s/virtfn%u", pf_dir, n);
        if (!g_file_test(name, G_FILE_TEST_EXISTS))
            break;
    }
    gh_fixture_add_device(fx, address, class_code, vendor, device, driver, group, atoi(numa_text));
    gh_fixture_unset(fx, address, "boot_vga");

    g_autofree char *virtfn = g_strdup_printf("%s/virtfn%u", pf_rel, n);
    g_autofree char *physfn = g_build_filename(vf_rel, "physfn", NULL);

    fixture_link(fx, virtfn, vf_rel);
    fixture_link(fx, physfn, pf_rel);
    fixture_set_printf(fx, pf, "sriov_numvfs", "%u\n", n + 1);
}

void
gh_fixture_add_mdev_type(GhFixture *fx, const char *address, const char *type, const char *name, guint available)
{
    g_autofree char *dir = g_strdup_printf("mdev_supported_types/%s", type);
    g_autofree char *name_attr = g_build_filename(dir, "name", NULL);
    g_autofree char *avail_attr = g_build_filename(dir, "available_instances", NULL);
    g_autofree char *api_attr = g_build_filename(dir, "device_api", NULL);
    g_autofree char *name_text = g_strconcat(name, "\n", NULL);

    gh_fixture_set(fx, address, name_attr, name_text);
    fixture_set_printf(fx, address, avail_attr, "%u\n", available);
    gh_fixture_set(fx, address, api_attr, "vfio-pci\n");
}

void
gh_fixture_enable_vfio(GhFixture *fx)
{
    fixture_mkdir(fx, "sys/bus/pci/drivers/vfio-pci");
    fixture_mkdir(fx, "sys/module/vfio_pci");
}

void
gh_fixture_disable_vfio(GhFixture *fx)
{
    g_autofree char *drv = g_build_filename(fx->root, "sys/bus/pci/drivers/vfio-pci", NULL);
    g_autofree char *mod = g_build_filename(fx->root, "sys/module/vfio_pci", NULL);

    gh_test_rm_rf(drv);
    gh_test_rm_rf(mod);
}

/* ---- hosts ------------------------------------------------------------ */

/* The L4 card and its root port; group GH_FIXTURE_NO_GROUP for IOMMU off. */
static GhFixture *
fixture_l4(int group)
{
    GhFixture *fx = gh_fixture_new();

    gh_fixture_enable_vfio(fx);
    gh_fixture_add_device(fx, "0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", group, 0);
    gh_fixture_add_device(fx, "0000:01:00.0", 0x030200, 0x10de, 0x27b8, "nvidia", group, 0);
    gh_fixture_set(fx, "0000:01:00.0", "subsystem_device", "0x16ca\n");
    gh_fixture_add_device(fx, "0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", group, 0);
    return fx;
}

GhFixture *
gh_fixture_host_l4(void)
{
    return fixture_l4(14);
}

GhFixture *
gh_fixture_host_iommu_off(void)
{
    return fixture_l4(GH_FIXTURE_NO_GROUP);
}

GhFixture *
gh_fixture_host_eight(void)
{
    static const char *const addresses[] = {
        "0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0",
        "0000:9a:00.0", "0000:ab:00.0", "0000:ba:00.0", "0000:db:00.0",
    };
    GhFixture *fx = gh_fixture_new();

    gh_fixture_enable_vfio(fx);
    for (guint i = 0; i < G_N_ELEMENTS(addresses); i++)
        gh_fixture_add_device(fx, addresses[i], 0x030200, 0x10de, 0x2330, "nvidia", 20 + (int)i, i < 4 ? 0 : 1);
    return fx;
}

GhFixture *
gh_fixture_host_sriov(void)
{
    GhFixture *fx = gh_fixture_new();

    gh_fixture_enable_vfio(fx);
    gh_fixture_add_device(fx, "0000:03:00.0", 0x038000, 0x1002, 0x6860, "gim", 30, 0);
    gh_fixture_set(fx, "0000:03:00.0", "sriov_totalvfs", "16\n");
    gh_fixture_set(fx, "0000:03:00.0", "sriov_numvfs", "0\n");
    for (int i = 0; i < 4; i++) {
        g_autofree char *vf = g_strdup_printf("0000:03:02.%d", i);
        gh_fixture_add_vf(fx, "0000:03:00.0", vf, 0x038000, 0x1002, 0x686c, NULL, 31 + i);
    }
    return fx;
}

GhFixture *
gh_fixture_host_mdev(void)
{
    GhFixture *fx = gh_fixture_new();

    gh_fixture_enable_vfio(fx);
    gh_fixture_add_device(fx, "0000:41:00.0", 0x030200, 0x10de, 0x2236, "nvidia", 40, 0);
    gh_fixture_add_mdev_type(fx, "0000:41:00.0", "nvidia-558", "GRID A10-8Q", 3);
    gh_fixture_add_mdev_type(fx, "0000:41:00.0", "nvidia-559", "GRID A10-4Q", 6);
    return fx;
}

GhFixture *
gh_fixture_host_shared_nic(void)
{
    GhFixture *fx = gh_fixture_new();

    gh_fixture_enable_vfio(fx);
    gh_fixture_add_device(fx, "0000:01:00.0", 0x030200, 0x10de, 0x27b8, "nvidia", 14, 0);
    gh_fixture_add_device(fx, "0000:02:00.0", 0x020000, 0x8086, 0x1533, "igb", 14, 0);
    return fx;
}

GhFixture *
gh_fixture_host_boot_vga(void)
{
    GhFixture *fx = gh_fixture_new();

    gh_fixture_enable_vfio(fx);
    gh_fixture_add_device(fx, "0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", 0, 0);
    gh_fixture_set(fx, "0000:00:02.0", "boot_vga", "1\n");
    return fx;
}
