/* ctl-hostcheck: `gamehostctl host check`, in the spirit of virt-host-validate:
 * is this host fit to run passthrough sessions?  Each check reads the host
 * under a root directory (tests point it at fixture trees) and returns one
 * PASS/WARN/FAIL line; nothing here needs gamehostd. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "conf/config.h"
#include "gpu/gpu.h"
#include "util/enum.h"

#define GH_HOST_CHECK_DEFAULT_URI "qemu:///system"

typedef enum {
    GH_HOST_CHECK_PASS,
    GH_HOST_CHECK_WARN,     /* works, but not as well as it could (operator's choice) */
    GH_HOST_CHECK_FAIL,     /* passthrough sessions cannot run here */
    GH_HOST_CHECK_STATUS_LAST
} GhHostCheckStatus;

typedef struct {
    GhHostCheckStatus status;
    char *name;             /* "kvm", "iommu", ..., "gpu 0000:01:00.0" */
    char *detail;
} GhHostCheck;

typedef struct {
    GPtrArray *checks;          /* GhHostCheck*, in the order they ran */
    GhGpuInventory *inventory;  /* NULL when the PCI devices could not be read */
} GhHostCheckReport;

GhHostCheck *gh_host_check_new(GhHostCheckStatus status, const char *name, const char *detail_format, ...)
    G_GNUC_PRINTF(3, 4);
GhHostCheck *gh_host_check_free(GhHostCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhHostCheck, gh_host_check_free)
/* "PASS", "WARN", "FAIL"; "????" for no status. */
GH_ENUM_DECL(host_check_status, GhHostCheckStatus);

/* root is the host's "/" (NULL means "/"); every path is read below it. */

/* Runs a tiny guest on <root>/dev/kvm; only on the real root: under a
 * fixture root the answer is WARN "skipped under a fixture root". */
GhHostCheck *gh_host_check_kvm(const char *root);
/* IOMMU groups in <root>/sys/kernel/iommu_groups, and what <root>/proc/cmdline
 * says about the IOMMU. */
GhHostCheck *gh_host_check_iommu(const char *root);
/* vfio, vfio_pci and vfio_iommu_type1 in <root>/sys/module. */
GhHostCheck *gh_host_check_vfio(const char *root);
/* HugePages_Total and Hugepagesize in <root>/proc/meminfo. */
GhHostCheck *gh_host_check_hugepages(const char *root);
/* Opens uri read-only: versions, and whether x86_64 guests can use kvm. */
GhHostCheck *gh_host_check_libvirt(const char *uri);
/* The FAIL line for a URI libvirt would not open, with libvirt's reason. */
GhHostCheck *gh_host_check_libvirt_open_failed(const char *uri, const char *why);
/* One GPU's line: PASS assignable, WARN not allowlisted, FAIL otherwise. */
GhHostCheck *gh_host_check_gpu(const GhGpuDevice *gpu);
/* "3D controller", "VGA compatible controller", ... */
const char *gh_host_check_class_name(guint32 class_code);

/* Every check, the GPUs last (allow: GhGpuAllow*, NULL = nothing allowlisted). */
GhHostCheckReport *gh_host_check_run(const char *root, const char *uri, const GPtrArray *allow);
/* Scans <root> for GPUs and appends one line per GPU (or "no GPU found"). */
void gh_host_check_add_gpus(GhHostCheckReport *report, const char *root, const GPtrArray *allow);
GhHostCheckReport *gh_host_check_report_new(void);
GhHostCheckReport *gh_host_check_report_free(GhHostCheckReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhHostCheckReport, gh_host_check_report_free)
gboolean gh_host_check_report_failed(const GhHostCheckReport *report);
guint gh_host_check_report_count(const GhHostCheckReport *report, GhHostCheckStatus status);

/* "PASS  kvm            detail\n" per check; details are made terminal-safe. */
char *gh_host_check_render(const GhHostCheckReport *report);
/* {"checks":[{"name","status","detail"}...],"gpus":[...]}, each GPU as
 * GET /v1/gpus shows it (claimed_by null: claims live in the daemon). */
JsonNode *gh_host_check_to_json(const GhHostCheckReport *report);

/* --uri, else the config's [libvirt] uri, else GH_HOST_CHECK_DEFAULT_URI. */
const char *gh_host_check_pick_uri(const char *opt_uri, const GhConfig *config);
/* --sysfs-root, else the config's [gpu] sysfs_root, else "/". */
const char *gh_host_check_pick_root(const char *opt_root, const GhConfig *config);
/* The config's [gpu.ALIAS] allowlist (GhGpuAllow*, owned by the config);
 * NULL when there is none. */
const GPtrArray *gh_host_check_config_allowlist(const GhConfig *config);
