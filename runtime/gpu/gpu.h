/* gpu: the host's GPU inventory.  Display-class PCI devices read from sysfs
 * under a configurable root (tests use fixture trees), matched against the
 * operator's allowlist, each with a verdict and the reason for it.  Claims
 * (which session holds which device) live in gpu-claim. */
#pragma once

#include <glib.h>

#include "util/enum.h"

typedef enum {
    GH_GPU_ASSIGNABLE,
    GH_GPU_NOT_ALLOWLISTED,     /* no allowlist entry matches */
    GH_GPU_NO_IOMMU,            /* no IOMMU group: the IOMMU is off */
    GH_GPU_GROUP_SHARED,        /* its IOMMU group holds devices that cannot go along */
    GH_GPU_DRIVER_IN_USE,       /* bound to a host driver that must keep it */
    GH_GPU_NO_VFIO,             /* vfio-pci is not available */
    GH_GPU_SRIOV_PF_BUSY,       /* a PF whose VFs are enabled: assign the VFs */
    GH_GPU_VERDICT_LAST
} GhGpuVerdict;

/* One mediated-device type a GPU offers (mdev_supported_types/<id>). */
typedef struct {
    char *id;                   /* e.g. "nvidia-558" */
    char *name;                 /* e.g. "GRID A10-8Q", may be NULL */
    char *device_api;           /* e.g. "vfio-pci", may be NULL */
    guint available;            /* available_instances when read */
} GhGpuMdevType;

/* One allowlist entry, in the spirit of Nova's [pci] device_spec. */
typedef struct {
    char *alias;                /* name of this class of GPU ("l4", "a10-8q") */
    guint16 vendor;             /* 0 = any */
    GArray *products;           /* guint16; empty = any */
    char *address_glob;         /* fnmatch-style glob on the PCI address; NULL = any */
    gboolean managed;           /* libvirt detaches/reattaches the host driver */
    char *mdev_type;            /* assign mdev instances of this type; NULL = whole device/VF */
} GhGpuAllow;

typedef struct {
    char *address;              /* "0000:01:00.0" */
    guint32 class_code;         /* 0x030000 VGA, 0x030200 3D controller, ... */
    guint16 vendor, device, subsystem_vendor, subsystem_device;
    char *driver;               /* bound driver, NULL when unbound */
    int iommu_group;            /* -1 when the device has none */
    GPtrArray *group;           /* char*: every address in its IOMMU group, itself included, sorted */
    GPtrArray *companions;      /* char*: other group members that go along (same slot: HDMI audio) */
    int numa_node;              /* -1 when unknown */
    char *local_cpus;           /* cpulist, e.g. "0-15", NULL when unknown */
    char *link_speed;           /* current_link_speed, e.g. "16.0 GT/s PCIe", NULL when unknown */
    guint link_width;           /* current_link_width, 0 when unknown */
    char *max_link_speed;
    guint max_link_width;
    gboolean boot_vga;          /* the firmware's primary display */
    char *physfn;               /* a VF: the address of its PF; NULL otherwise */
    GPtrArray *vfs;             /* a PF: char* addresses of its enabled VFs */
    guint sriov_total;          /* sriov_totalvfs, 0 when not SR-IOV capable */
    GPtrArray *mdev_types;      /* GhGpuMdevType* */
    const GhGpuAllow *allow;    /* matching allowlist entry, NULL if none */
    GhGpuVerdict verdict;
    char *reason;               /* human-readable verdict, always set */
} GhGpuDevice;

typedef struct {
    char *sysfs_root;           /* "/" in production */
    gboolean iommu_enabled;     /* <root>/sys/kernel/iommu_groups has groups */
    gboolean vfio_available;    /* vfio-pci driver registered or module present */
    GPtrArray *devices;         /* GhGpuDevice*, sorted by address */
} GhGpuInventory;

#define GH_GPU_ERROR (gh_gpu_error_quark())
GQuark gh_gpu_error_quark(void);
typedef enum {
    GH_GPU_ERROR_SYSFS,         /* the sysfs tree cannot be read */
    GH_GPU_ERROR_CONFIG,        /* an allowlist entry is invalid */
    GH_GPU_ERROR_NONE_FREE,     /* no device satisfies a request */
} GhGpuError;

/* Reads <sysfs_root>/sys/bus/pci/devices (and iommu_groups, drivers, module)
 * and gives every display-class device (class 0x03xxxx) its verdict against
 * allow (GhGpuAllow*, may be NULL = nothing allowed). */
GhGpuInventory *gh_gpu_inventory_scan(const char *sysfs_root, const GPtrArray *allow, GError **error);
GhGpuInventory *gh_gpu_inventory_free(GhGpuInventory *inv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhGpuInventory, gh_gpu_inventory_free)
const GhGpuDevice *gh_gpu_inventory_lookup(const GhGpuInventory *inv, const char *address);

/* Parses one allowlist entry from its config keys (vendor "10de", product
 * "27b8,2236", address glob, managed yes|no, mdev_type); the error names the
 * key and the bad value. */
GhGpuAllow *gh_gpu_allow_new(const char *alias, const char *vendor, const char *products,
                             const char *address_glob, const char *managed, const char *mdev_type,
                             GError **error);
GhGpuAllow *gh_gpu_allow_free(GhGpuAllow *allow);
void gh_gpu_allow_destroy(gpointer allow);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhGpuAllow, gh_gpu_allow_free)

gboolean gh_gpu_address_is_valid(const char *address);
/* "assignable", "not_allowlisted", ...; "unknown" for no verdict. */
GH_ENUM_DECL(gpu_verdict, GhGpuVerdict);
