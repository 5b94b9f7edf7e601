/* gpu-fixture: fake sysfs trees for GPU tests, built in a temp dir at test
 * time with the kernel's layout: device dirs under sys/devices/pci0000:00/,
 * sys/bus/pci/devices/<addr> links to them, sys/kernel/iommu_groups/N/devices
 * links, sys/bus/pci/drivers/<drv> dirs with each device's driver link.
 * Pass gh_fixture_root() as the sysfs root to gh_gpu_inventory_scan().
 * Every helper fails the running Check test when the file system refuses. */
#pragma once

#include <glib.h>

typedef struct GhFixture GhFixture;

#define GH_FIXTURE_NO_GROUP (-1)    /* the device has no iommu_group link */
#define GH_FIXTURE_NO_NUMA (-1)     /* numa_node reads "-1" */

/* An empty host: no PCI devices, no IOMMU groups, no vfio-pci. */
GhFixture *gh_fixture_new(void);
/* Removes the tree; accepts NULL. */
GhFixture *gh_fixture_free(GhFixture *fx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhFixture, gh_fixture_free)
const char *gh_fixture_root(const GhFixture *fx);
/* The device's own sysfs dir (what bus/pci/devices/<addr> links to). */
char *gh_fixture_device_dir(const GhFixture *fx, const char *address);

/* Adds a PCI function: class, vendor, device, subsystem ids (equal to
 * vendor/device), numa_node, local_cpulist "0-15" on node 0 and "16-31" on
 * node 1, a 16.0 GT/s x16 link, boot_vga "0" for display classes.  driver
 * may be NULL (unbound); group may be GH_FIXTURE_NO_GROUP. */
void gh_fixture_add_device(GhFixture *fx, const char *address, guint32 class_code, guint16 vendor,
                           guint16 device, const char *driver, int group, int numa);
/* Adds a VF of pf (which must exist): the VF's physfn link, the PF's next
 * virtfnN link, and the PF's sriov_numvfs, counted up.  The VF inherits the
 * PF's NUMA node. */
void gh_fixture_add_vf(GhFixture *fx, const char *pf, const char *address, guint32 class_code, guint16 vendor,
                       guint16 device, const char *driver, int group);
/* Adds mdev_supported_types/<type>/{name,available_instances,device_api}
 * ("vfio-pci") to a device. */
void gh_fixture_add_mdev_type(GhFixture *fx, const char *address, const char *type, const char *name,
                              guint available);
/* Writes (or overwrites) one attribute file of a device, exactly as given:
 * gh_fixture_set(fx, "0000:01:00.0", "numa_node", "banana\n"). */
void gh_fixture_set(GhFixture *fx, const char *address, const char *attr, const char *text);
/* Removes one attribute file or link of a device. */
void gh_fixture_unset(GhFixture *fx, const char *address, const char *attr);
/* Rebinds a device to driver (NULL: unbinds it). */
void gh_fixture_bind(GhFixture *fx, const char *address, const char *driver);
/* vfio-pci registered as a PCI driver (sys/bus/pci/drivers/vfio-pci), or
 * not: neither the driver dir nor sys/module/vfio_pci. */
void gh_fixture_enable_vfio(GhFixture *fx);
void gh_fixture_disable_vfio(GhFixture *fx);

/* ---- the hosts of issue 6; each has vfio-pci available ---------------- */

/* One NVIDIA L4 (10de:27b8, 3D controller 0x030200, nvidia, NUMA 0, local
 * cpus 0-15, 16.0 GT/s x16) at 0000:01:00.0 with its HDMI audio function
 * 0000:01:00.1 (10de:22ba, 0x040300, snd_hda_intel), both in IOMMU group 14
 * together with their root port 0000:00:01.0 (bridge 0x060400, pcieport). */
GhFixture *gh_fixture_host_l4(void);
/* Eight NVIDIA H100s (10de:2330, 0x030200, nvidia), each alone in its
 * group: 0000:18/2a/3a/5d:00.0 on NUMA 0 (cpus 0-15), groups 20-23, and
 * 0000:9a/ab/ba/db:00.0 on NUMA 1 (cpus 16-31), groups 24-27. */
GhFixture *gh_fixture_host_eight(void);
/* An SR-IOV PF, AMD MI25 (1002:6860, display controller 0x038000, gim) at
 * 0000:03:00.0 in group 30, sriov_totalvfs 16, with 4 VFs enabled
 * 0000:03:02.0-3 (1002:686c, 0x038000, unbound) in groups 31-34; NUMA 0. */
GhFixture *gh_fixture_host_sriov(void);
/* An mdev-capable NVIDIA A10 (10de:2236, 0x030200, nvidia) at 0000:41:00.0
 * in group 40, NUMA 0, offering nvidia-558 "GRID A10-8Q" (3 available) and
 * nvidia-559 "GRID A10-4Q" (6 available). */
GhFixture *gh_fixture_host_mdev(void);
/* The L4 host with the IOMMU off: no iommu_groups and no iommu_group links. */
GhFixture *gh_fixture_host_iommu_off(void);
/* An NVIDIA L4 at 0000:01:00.0 sharing IOMMU group 14 with an Intel I210
 * NIC at 0000:02:00.0 (8086:1533, 0x020000, igb); NUMA 0. */
GhFixture *gh_fixture_host_shared_nic(void);
/* The host's own console: an Intel UHD 770 (8086:4680, VGA 0x030000) at
 * 0000:00:02.0 in group 0, boot_vga 1, bound to i915; NUMA 0. */
GhFixture *gh_fixture_host_boot_vga(void);
