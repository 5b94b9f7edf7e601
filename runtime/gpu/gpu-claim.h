/* gpu-claim: which session holds which GPU, in the style of Nova's PCI
 * tracker.  A claim is made before the domain starts and released on every
 * path out; a whole IOMMU group goes to one session, a PF and its VFs exclude
 * each other, and an mdev parent gives out at most its available instances.
 * One lock guards the tracker. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "gpu.h"

typedef enum {
    GH_GPU_ASSIGN_PCI,          /* a whole GPU (VFIO), with its companions */
    GH_GPU_ASSIGN_VF,           /* an SR-IOV virtual function */
    GH_GPU_ASSIGN_MDEV,         /* a mediated device (vGPU) on a parent GPU */
    GH_GPU_ASSIGN_KIND_LAST
} GhGpuAssignKind;

typedef enum {
    GH_GPU_CLAIMED,             /* reserved; the domain is not running yet */
    GH_GPU_ALLOCATED,           /* in use by a running domain */
    GH_GPU_CLAIM_STATE_LAST
} GhGpuClaimState;

/* What a session was given; persisted in its record. */
typedef struct {
    GhGpuAssignKind kind;
    char *address;              /* the GPU or VF; for mdev, the parent GPU */
    GPtrArray *companions;      /* char*: functions assigned along (PCI kind) */
    char *alias;                /* allowlist alias it matched, may be NULL */
    gboolean managed;           /* libvirt detaches/reattaches the host driver */
    char *mdev_type;            /* MDEV kind only */
    char *mdev_uuid;            /* MDEV kind only */
    int numa_node;              /* -1 when unknown */
    char *local_cpus;           /* cpulist of that node, NULL when unknown */
    GhGpuClaimState state;
} GhGpuAssignment;

/* What a session asks for. */
typedef struct {
    const char *alias;          /* allowlist alias wanted, or NULL */
    guint16 vendor;             /* PCI vendor wanted, or 0 */
} GhGpuRequest;

typedef struct GhGpuClaims GhGpuClaims;

/* The tracker keeps a reference to inv, which must outlive it. */
GhGpuClaims *gh_gpu_claims_new(const GhGpuInventory *inv);
GhGpuClaims *gh_gpu_claims_free(GhGpuClaims *claims);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhGpuClaims, gh_gpu_claims_free)

/* Picks an assignable device matching req that nothing excludes, prefering
 * VFs and mdevs over whole GPUs of the same alias, and claims it for
 * session_id (state CLAIMED).  NULL with GH_GPU_ERROR_NONE_FREE and a message
 * giving the reason for each candidate when none is free.  A session holds at
 * most one claim. */
const GhGpuAssignment *gh_gpu_claims_claim(GhGpuClaims *claims, const char *session_id,
                                           const GhGpuRequest *req, GError **error);
/* Re-establishes a claim read back from a session record or a running
 * domain at daemon start; fails (naming the holder) when it conflicts. */
gboolean gh_gpu_claims_restore(GhGpuClaims *claims, const char *session_id, const GhGpuAssignment *a,
                               GError **error);
void gh_gpu_claims_set_state(GhGpuClaims *claims, const char *session_id, GhGpuClaimState state);
/* Releases whatever session_id holds; a no-op when it holds nothing. */
void gh_gpu_claims_release(GhGpuClaims *claims, const char *session_id);
/* The session holding address (directly, through its IOMMU group, or as PF/VF
 * of a held device), or NULL.  The string is a copy. */
char *gh_gpu_claims_holder(GhGpuClaims *claims, const char *address);
/* A copy of the session's assignment, or NULL. */
GhGpuAssignment *gh_gpu_claims_lookup(GhGpuClaims *claims, const char *session_id);
guint gh_gpu_claims_count(GhGpuClaims *claims);

GhGpuAssignment *gh_gpu_assignment_copy(const GhGpuAssignment *a);
GhGpuAssignment *gh_gpu_assignment_free(GhGpuAssignment *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhGpuAssignment, gh_gpu_assignment_free)
JsonNode *gh_gpu_assignment_to_json(const GhGpuAssignment *a);
/* NULL with an error naming the bad field. */
GhGpuAssignment *gh_gpu_assignment_from_json(JsonNode *node, GError **error);
/* "pci", "vf", "mdev"; "unknown" for no kind. */
GH_ENUM_DECL(gpu_assign_kind, GhGpuAssignKind);
/* "claimed", "allocated"; a value that is no state reads as "claimed", as it
 * always has in records. */
GH_ENUM_DECL(gpu_claim_state, GhGpuClaimState);

/* The inventory as the API shows it (GET /v1/gpus), with each device's
 * holder; claims may be NULL.  Implemented in gpu-json.c. */
JsonNode *gh_gpu_inventory_to_json(const GhGpuInventory *inv, GhGpuClaims *claims);
