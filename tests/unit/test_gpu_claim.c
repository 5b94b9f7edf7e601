/* Specification of the GPU claim tracker: a whole IOMMU group goes to one
 * session, a PF and its VFs exclude each other, an mdev parent gives out at
 * most its available instances and is never claimed whole meanwhile; VFs and
 * mdevs are preferred; refusals say why for every candidate; claims survive a
 * restart through their JSON records.  Hosts are built in memory, never read
 * from sysfs.  Ends with a property test of random claim/release/restart
 * sequences against the fixture hosts of issue 6. */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "gpu/gpu-claim.h"
#include "testutil.h"

/* ---- hosts built in memory -------------------------------------------- */

typedef struct {
    GhGpuInventory inv;
    GPtrArray *allows; /* GhGpuAllow*, owned here */
} Host;

static GPtrArray *
strings(const char *csv)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) parts = csv && *csv ? g_strsplit(csv, ",", -1) : NULL;

    for (guint i = 0; parts && parts[i]; i++)
        g_ptr_array_add(out, g_strdup(parts[i]));
    return out;
}

static void
device_free(gpointer data)
{
    GhGpuDevice *d = data;

    g_free(d->address);
    g_free(d->driver);
    g_ptr_array_unref(d->group);
    g_ptr_array_unref(d->companions);
    g_free(d->local_cpus);
    g_free(d->physfn);
    g_ptr_array_unref(d->vfs);
    g_ptr_array_unref(d->mdev_types);
    g_free(d->reason);
    g_free(d);
}

static void
mdev_type_free(gpointer data)
{
    GhGpuMdevType *t = data;

    g_free(t->id);
    g_free(t);
}

static void
allow_free(gpointer data)
{
    GhGpuAllow *a = data;

    g_free(a->alias);
    g_array_unref(a->products);
    g_free(a->mdev_type);
    g_free(a);
}

static Host *
host_new(void)
{
    Host *h = g_new0(Host, 1);

    h->inv.sysfs_root = g_strdup("/nonexistent");
    h->inv.iommu_enabled = TRUE;
    h->inv.vfio_available = TRUE;
    h->inv.devices = g_ptr_array_new_with_free_func(device_free);
    h->allows = g_ptr_array_new_with_free_func(allow_free);
    return h;
}

static void
host_free(Host *h)
{
    g_ptr_array_unref(h->inv.devices);
    g_ptr_array_unref(h->allows);
    g_free(h->inv.sysfs_root);
    g_free(h);
}

static const GhGpuAllow *
host_allow(Host *h, const char *alias, const char *mdev_type)
{
    GhGpuAllow *a = g_new0(GhGpuAllow, 1);

    a->alias = g_strdup(alias);
    a->products = g_array_new(FALSE, FALSE, sizeof(guint16));
    a->managed = TRUE;
    a->mdev_type = g_strdup(mdev_type);
    g_ptr_array_add(h->allows, a);
    return a;
}

static gint
device_compare(gconstpointer a, gconstpointer b)
{
    return strcmp((*(GhGpuDevice *const *)a)->address, (*(GhGpuDevice *const *)b)->address);
}

/* A GPU on NUMA node 0; its group is given as a list, and the members in
 * its slot are its companions.  Assignable when allowlisted. */
static GhGpuDevice *
host_gpu(Host *h, const char *address, guint16 vendor, int group, const char *members, const GhGpuAllow *allow)
{
    GhGpuDevice *d = g_new0(GhGpuDevice, 1);

    d->address = g_strdup(address);
    d->class_code = 0x030000;
    d->vendor = vendor;
    d->driver = g_strdup("vfio-pci");
    d->iommu_group = group;
    d->group = strings(members);
    d->companions = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < d->group->len; i++) {
        const char *m = d->group->pdata[i];
        if (strcmp(m, address) != 0 && strncmp(m, address, 10) == 0)
            g_ptr_array_add(d->companions, g_strdup(m));
    }
    d->numa_node = 0;
    d->local_cpus = g_strdup("0-15");
    d->vfs = g_ptr_array_new_with_free_func(g_free);
    d->mdev_types = g_ptr_array_new_with_free_func(mdev_type_free);
    d->allow = allow;
    d->verdict = allow ? GH_GPU_ASSIGNABLE : GH_GPU_NOT_ALLOWLISTED;
    d->reason = g_strdup(allow ? "assignable" : "no allowlist entry matches");
    g_ptr_array_add(h->inv.devices, d);
    g_ptr_array_sort(h->inv.devices, device_compare);
    return d;
}

static void
device_add_mdev_type(GhGpuDevice *d, const char *id, guint available)
{
    GhGpuMdevType *t = g_new0(GhGpuMdevType, 1);

    t->id = g_strdup(id);
    t->available = available;
    g_ptr_array_add(d->mdev_types, t);
}

/* A PF at <slot>.0 with VFs at <slot>.4 .. in groups of their own. */
static void
host_sriov(Host *h, const char *slot, int group, guint nvfs, const GhGpuAllow *pf_allow, const GhGpuAllow *vf_allow)
{
    g_autofree char *pf = g_strdup_printf("%s.0", slot);
    GhGpuDevice *p = host_gpu(h, pf, 0x8086, group, pf, pf_allow);

    p->sriov_total = 7;
    for (guint i = 0; i < nvfs; i++) {
        g_autofree char *vf = g_strdup_printf("%s.%u", slot, 4 + i);
        GhGpuDevice *v = host_gpu(h, vf, 0x8086, group * 10 + (int)i, vf, vf_allow);
        v->physfn = g_strdup(pf);
        g_ptr_array_add(p->vfs, g_strdup(vf));
    }
}

/* (1) one GPU and its HDMI audio function in one group */
static Host *
host_gpu_with_audio(void)
{
    Host *h = host_new();

    host_gpu(h, "0000:01:00.0", 0x10de, 1, "0000:01:00.0,0000:01:00.1", host_allow(h, "l4", NULL));
    return h;
}

/* (2) 8 GPUs, 4 per NUMA node; two of the second node's are AMD */
static Host *
host_eight_gpus(void)
{
    static const char *const slots[] = { "0000:17:00", "0000:31:00", "0000:4b:00", "0000:65:00",
                                         "0000:98:00", "0000:b1:00", "0000:ca:00", "0000:e3:00" };
    Host *h = host_new();
    const GhGpuAllow *l4 = host_allow(h, "l4", NULL), *amd = host_allow(h, "w7900", NULL);

    for (guint i = 0; i < G_N_ELEMENTS(slots); i++) {
        g_autofree char *gpu = g_strdup_printf("%s.0", slots[i]);
        g_autofree char *group = g_strdup_printf("%s,%s.1", gpu, slots[i]);
        GhGpuDevice *d = host_gpu(h, gpu, i >= 6 ? 0x1002 : 0x10de, 20 + (int)i, group, i >= 6 ? amd : l4);
        d->numa_node = i < 4 ? 0 : 1;
        g_free(d->local_cpus);
        d->local_cpus = g_strdup(i < 4 ? "0-31" : "32-63");
    }
    return h;
}

/* (3) an SR-IOV PF with 4 VFs, the PF assignable too */
static Host *
host_sriov_pf(void)
{
    Host *h = host_new();

    host_sriov(h, "0000:03:00", 3, 4, host_allow(h, "flex-whole", NULL), host_allow(h, "flex-vf", NULL));
    return h;
}

/* (4) an mdev-capable GPU: two types, 3 and 6 instances.  The allowlist
 * hands out nvidia-558; that it is also allowed whole under another alias
 * needs GhGpuDevice to carry every matching entry, so whole claims on it
 * come here from restore (a running domain found at daemon start). */
static Host *
host_mdev(void)
{
    Host *h = host_new();
    GhGpuDevice *d = host_gpu(h, "0000:41:00.0", 0x10de, 41, "0000:41:00.0,0000:41:00.1",
                              host_allow(h, "a10-8q", "nvidia-558"));

    device_add_mdev_type(d, "nvidia-558", 3);
    device_add_mdev_type(d, "nvidia-559", 6);
    return h;
}

/* (5) a GPU whose group also holds a NIC, beside one that is fine */
static Host *
host_shared_group(void)
{
    Host *h = host_new();
    const GhGpuAllow *l4 = host_allow(h, "l4", NULL);
    GhGpuDevice *d = host_gpu(h, "0000:05:00.0", 0x10de, 5, "0000:05:00.0,0000:05:00.1,0000:06:00.0", l4);

    d->verdict = GH_GPU_GROUP_SHARED;
    g_free(d->reason);
    d->reason = g_strdup("IOMMU group 5 also holds 0000:06:00.0 (network controller)");
    host_gpu(h, "0000:07:00.0", 0x10de, 7, "0000:07:00.0,0000:07:00.1", l4);
    return h;
}

/* ---- per-test tracker ------------------------------------------------- */

static Host *host;
static GhGpuClaims *claims;

static void
use_host(Host *h)
{
    host = h;
    claims = gh_gpu_claims_new(&host->inv);
}

static void
teardown(void)
{
    claims = gh_gpu_claims_free(claims);
    g_clear_pointer(&host, host_free);
}

static const GhGpuAssignment *
claim_ok(const char *sid, const char *alias, guint16 vendor)
{
    g_autoptr(GError) error = NULL;
    GhGpuRequest req = { alias, vendor };
    const GhGpuAssignment *a = gh_gpu_claims_claim(claims, sid, &req, &error);

    ck_assert_msg(a, "claim %s: %s", sid, error ? error->message : "?");
    return a;
}

/* The message of a refused claim. */
static char *
claim_refused(const char *sid, const char *alias, guint16 vendor)
{
    g_autoptr(GError) error = NULL;
    GhGpuRequest req = { alias, vendor };

    ck_assert_ptr_null(gh_gpu_claims_claim(claims, sid, &req, &error));
    ck_assert_ptr_nonnull(error);
    ck_assert(g_error_matches(error, GH_GPU_ERROR, GH_GPU_ERROR_NONE_FREE));
    return g_strdup(error->message);
}

static GhGpuAssignment *
assignment(GhGpuAssignKind kind, const char *address, const char *companions)
{
    GhGpuAssignment *a = g_new0(GhGpuAssignment, 1);

    a->kind = kind;
    a->address = g_strdup(address);
    a->companions = strings(companions);
    a->managed = TRUE;
    a->numa_node = -1;
    if (kind == GH_GPU_ASSIGN_MDEV) {
        a->mdev_type = g_strdup("nvidia-558");
        a->mdev_uuid = g_strdup("9f3e4c2a-1b7d-4e8f-a6c5-0d2b3a4c5e6f");
    }
    return a;
}

static char *
restore_refused(const char *sid, const GhGpuAssignment *a)
{
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_gpu_claims_restore(claims, sid, a, &error));
    ck_assert(g_error_matches(error, GH_GPU_ERROR, GH_GPU_ERROR_NONE_FREE));
    return g_strdup(error->message);
}

static void
restore_ok(const char *sid, const GhGpuAssignment *a)
{
    g_autoptr(GError) error = NULL;

    ck_assert_msg(gh_gpu_claims_restore(claims, sid, a, &error), "restore %s: %s", sid,
                  error ? error->message : "?");
}

#define ck_assert_holder(address, expected)                                                                        \
    do {                                                                                                           \
        g_autofree char *holder_ = gh_gpu_claims_holder(claims, (address));                                        \
        ck_assert_pstr_eq(holder_, (expected));                                                                    \
    } while (0)

/* ---- claiming whole GPUs ---------------------------------------------- */

START_TEST(test_claim_whole_gpu_takes_its_audio_function)
{
    use_host(host_gpu_with_audio());
    const GhGpuAssignment *a = claim_ok("s1", "l4", 0);

    ck_assert_int_eq(a->kind, GH_GPU_ASSIGN_PCI);
    ck_assert_str_eq(a->address, "0000:01:00.0");
    ck_assert_uint_eq(a->companions->len, 1);
    ck_assert_str_eq(a->companions->pdata[0], "0000:01:00.1");
    ck_assert_str_eq(a->alias, "l4");
    ck_assert(a->managed);
    ck_assert_ptr_null(a->mdev_type);
    ck_assert_ptr_null(a->mdev_uuid);
    ck_assert_int_eq(a->numa_node, 0);
    ck_assert_str_eq(a->local_cpus, "0-15");
    ck_assert_int_eq(a->state, GH_GPU_CLAIMED);
    ck_assert_holder("0000:01:00.1", "s1");
}
END_TEST

START_TEST(test_claim_takes_numa_placement_from_the_device)
{
    use_host(host_eight_gpus());
    const GhGpuAssignment *a = claim_ok("s1", "w7900", 0);

    ck_assert_str_eq(a->address, "0000:ca:00.0");
    ck_assert_int_eq(a->numa_node, 1);
    ck_assert_str_eq(a->local_cpus, "32-63");
}
END_TEST

START_TEST(test_claim_of_group_member_blocks_other_gpu_in_group)
{
    host = host_new();
    const GhGpuAllow *l4 = host_allow(host, "l4", NULL);
    host_gpu(host, "0000:0a:00.0", 0x10de, 10, "0000:0a:00.0,0000:0b:00.0", l4);
    host_gpu(host, "0000:0b:00.0", 0x10de, 10, "0000:0a:00.0,0000:0b:00.0", l4);
    claims = gh_gpu_claims_new(&host->inv);
    claim_ok("s1", "l4", 0);
    g_autofree char *msg = claim_refused("s2", "l4", 0);

    ck_assert_str_eq(msg, "no free GPU for alias 'l4': 0000:0a:00.0 claimed by session s1; "
                          "0000:0b:00.0 shares IOMMU group 10 with 0000:0a:00.0, claimed by session s1");
    ck_assert_holder("0000:0b:00.0", "s1");
}
END_TEST

START_TEST(test_claim_refusal_gives_verdict_of_unassignable_gpu)
{
    use_host(host_shared_group());
    claim_ok("s1", "l4", 0);
    g_autofree char *msg = claim_refused("s2", "l4", 0);

    ck_assert_str_eq(msg, "no free GPU for alias 'l4': 0000:05:00.0 not assignable (IOMMU group 5 also holds "
                          "0000:06:00.0 (network controller)); 0000:07:00.0 claimed by session s1");
}
END_TEST

/* ---- SR-IOV ----------------------------------------------------------- */

START_TEST(test_vf_claim_blocks_its_pf)
{
    use_host(host_sriov_pf());
    const GhGpuAssignment *a = claim_ok("s1", "flex-vf", 0);

    ck_assert_int_eq(a->kind, GH_GPU_ASSIGN_VF);
    ck_assert_str_eq(a->address, "0000:03:00.4");
    ck_assert_uint_eq(a->companions->len, 0);
    g_autofree char *msg = claim_refused("s2", "flex-whole", 0);
    ck_assert_str_eq(msg, "no free GPU for alias 'flex-whole': "
                          "0000:03:00.0 is the PF of VF 0000:03:00.4, claimed by session s1");
}
END_TEST

START_TEST(test_pf_claim_blocks_every_vf)
{
    use_host(host_sriov_pf());
    ck_assert_int_eq(claim_ok("s1", "flex-whole", 0)->kind, GH_GPU_ASSIGN_PCI);
    g_autofree char *msg = claim_refused("s2", "flex-vf", 0);

    ck_assert_str_eq(msg, "no free GPU for alias 'flex-vf': "
                          "0000:03:00.4 is a VF of PF 0000:03:00.0, claimed by session s1; "
                          "0000:03:00.5 is a VF of PF 0000:03:00.0, claimed by session s1; "
                          "0000:03:00.6 is a VF of PF 0000:03:00.0, claimed by session s1; "
                          "0000:03:00.7 is a VF of PF 0000:03:00.0, claimed by session s1");
}
END_TEST

START_TEST(test_vfs_of_one_pf_go_to_different_sessions)
{
    use_host(host_sriov_pf());
    ck_assert_str_eq(claim_ok("s1", "flex-vf", 0)->address, "0000:03:00.4");
    ck_assert_str_eq(claim_ok("s2", "flex-vf", 0)->address, "0000:03:00.5");
}
END_TEST

/* vGPUs on SR-IOV GPUs live on the VFs; the PF cannot go whole meanwhile. */
START_TEST(test_mdev_on_a_vf_blocks_its_pf)
{
    host = host_new();
    const GhGpuAllow *vgpu = host_allow(host, "vgpu", "nvidia-1");
    host_sriov(host, "0000:03:00", 3, 2, host_allow(host, "whole", NULL), vgpu);
    device_add_mdev_type((GhGpuDevice *)host->inv.devices->pdata[1], "nvidia-1", 1);
    claims = gh_gpu_claims_new(&host->inv);
    const GhGpuAssignment *a = claim_ok("s1", "vgpu", 0);

    ck_assert_int_eq(a->kind, GH_GPU_ASSIGN_MDEV);
    ck_assert_str_eq(a->address, "0000:03:00.4");
    g_autofree char *msg = claim_refused("s2", "whole", 0);
    ck_assert_str_eq(msg, "no free GPU for alias 'whole': "
                          "0000:03:00.0 is the PF of VF 0000:03:00.4, claimed by session s1");
}
END_TEST

/* ---- mdev ------------------------------------------------------------- */

START_TEST(test_mdev_type_gives_out_its_available_instances_only)
{
    use_host(host_mdev());
    const char *sids[] = { "s1", "s2", "s3" };
    g_autoptr(GHashTable) uuids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < G_N_ELEMENTS(sids); i++) {
        const GhGpuAssignment *a = claim_ok(sids[i], "a10-8q", 0);
        ck_assert_int_eq(a->kind, GH_GPU_ASSIGN_MDEV);
        ck_assert_str_eq(a->address, "0000:41:00.0");
        ck_assert_str_eq(a->mdev_type, "nvidia-558");
        ck_assert(g_uuid_string_is_valid(a->mdev_uuid));
        ck_assert(g_hash_table_add(uuids, g_strdup(a->mdev_uuid)));
        ck_assert_uint_eq(a->companions->len, 0);
    }
    g_autofree char *msg = claim_refused("s4", "a10-8q", 0);
    ck_assert_str_eq(msg, "no free GPU for alias 'a10-8q': "
                          "0000:41:00.0 has no free nvidia-558 instance (3 of 3 claimed)");
}
END_TEST

START_TEST(test_mdev_claim_keeps_parent_from_whole_claim)
{
    use_host(host_mdev());
    claim_ok("s1", "a10-8q", 0);
    g_autoptr(GhGpuAssignment) whole = assignment(GH_GPU_ASSIGN_PCI, "0000:41:00.0", "0000:41:00.1");
    g_autofree char *msg = restore_refused("s2", whole);

    ck_assert_str_eq(msg, "cannot restore pci 0000:41:00.0 for session s2: "
                          "0000:41:00.0 has mdev instances claimed by session s1");
}
END_TEST

START_TEST(test_whole_claim_keeps_parent_from_mdev_claim)
{
    use_host(host_mdev());
    g_autoptr(GhGpuAssignment) whole = assignment(GH_GPU_ASSIGN_PCI, "0000:41:00.0", "0000:41:00.1");
    restore_ok("s1", whole);
    g_autofree char *msg = claim_refused("s2", "a10-8q", 0);

    ck_assert_str_eq(msg, "no free GPU for alias 'a10-8q': 0000:41:00.0 claimed by session s1");
}
END_TEST

/* ---- choosing --------------------------------------------------------- */

START_TEST(test_claim_filters_by_vendor)
{
    use_host(host_eight_gpus());
    ck_assert_str_eq(claim_ok("s1", NULL, 0x1002)->address, "0000:ca:00.0");
    ck_assert_str_eq(claim_ok("s2", NULL, 0x1002)->address, "0000:e3:00.0");
    g_autofree char *msg = claim_refused("s3", NULL, 0x1002);
    ck_assert_str_eq(msg, "no free GPU for vendor 1002: 0000:ca:00.0 claimed by session s1; "
                          "0000:e3:00.0 claimed by session s2");
}
END_TEST

START_TEST(test_claim_filters_by_alias)
{
    use_host(host_eight_gpus());
    ck_assert_str_eq(claim_ok("s1", "l4", 0)->address, "0000:17:00.0");
    ck_assert_str_eq(claim_ok("s2", "w7900", 0)->address, "0000:ca:00.0");
    ck_assert_str_eq(claim_ok("s3", "l4", 0x10de)->address, "0000:31:00.0");
}
END_TEST

START_TEST(test_claim_with_no_matching_gpu_says_so)
{
    use_host(host_eight_gpus());
    g_autofree char *by_alias = claim_refused("s1", "a10", 0);
    g_autofree char *by_both = claim_refused("s1", "w7900", 0x10de);

    ck_assert_str_eq(by_alias, "no GPU matches alias 'a10' (0 of 8 devices)");
    ck_assert_str_eq(by_both, "no GPU matches alias 'w7900' and vendor 10de (0 of 8 devices)");
}
END_TEST

START_TEST(test_claim_prefers_vfs_and_mdevs_then_lowest_address)
{
    host = host_new();
    const GhGpuAllow *g = host_allow(host, "g", NULL), *gm = host_allow(host, "g", "t-1");
    host_gpu(host, "0000:01:00.0", 0x10de, 1, "0000:01:00.0", g);
    device_add_mdev_type(host_gpu(host, "0000:41:00.0", 0x10de, 41, "0000:41:00.0", gm), "t-1", 1);
    host_sriov(host, "0000:03:00", 3, 2, NULL, g);
    claims = gh_gpu_claims_new(&host->inv);

    ck_assert_str_eq(claim_ok("s1", "g", 0)->address, "0000:03:00.4");
    ck_assert_str_eq(claim_ok("s2", "g", 0)->address, "0000:03:00.5");
    ck_assert_int_eq(claim_ok("s3", "g", 0)->kind, GH_GPU_ASSIGN_MDEV);
    ck_assert_str_eq(claim_ok("s4", "g", 0)->address, "0000:01:00.0");
}
END_TEST

/* ---- sessions --------------------------------------------------------- */

START_TEST(test_release_frees_the_gpu_for_the_next_session)
{
    use_host(host_gpu_with_audio());
    claim_ok("s1", "l4", 0);
    gh_gpu_claims_release(claims, "s1");

    ck_assert_uint_eq(gh_gpu_claims_count(claims), 0);
    ck_assert_ptr_null(gh_gpu_claims_lookup(claims, "s1"));
    ck_assert_holder("0000:01:00.0", NULL);
    ck_assert_holder("0000:01:00.1", NULL);
    ck_assert_str_eq(claim_ok("s2", "l4", 0)->address, "0000:01:00.0");
}
END_TEST

START_TEST(test_release_of_session_without_claim_is_a_no_op)
{
    use_host(host_gpu_with_audio());
    claim_ok("s1", "l4", 0);
    gh_gpu_claims_release(claims, "s2");

    ck_assert_uint_eq(gh_gpu_claims_count(claims), 1);
}
END_TEST

START_TEST(test_session_holds_one_claim)
{
    use_host(host_eight_gpus());
    claim_ok("s1", "l4", 0);
    g_autofree char *msg = claim_refused("s1", "l4", 0);
    g_autoptr(GhGpuAssignment) other = assignment(GH_GPU_ASSIGN_PCI, "0000:31:00.0", "0000:31:00.1");
    g_autofree char *restored = restore_refused("s1", other);

    ck_assert_str_eq(msg, "session s1 already holds 0000:17:00.0");
    ck_assert_str_eq(restored, "session s1 already holds 0000:17:00.0");
    ck_assert_uint_eq(gh_gpu_claims_count(claims), 1);
}
END_TEST

START_TEST(test_set_state_marks_claim_allocated)
{
    use_host(host_gpu_with_audio());
    claim_ok("s1", "l4", 0);
    gh_gpu_claims_set_state(claims, "s1", GH_GPU_ALLOCATED);
    g_autoptr(GhGpuAssignment) a = gh_gpu_claims_lookup(claims, "s1");

    ck_assert_int_eq(a->state, GH_GPU_ALLOCATED);
}
END_TEST

/* ---- restore ---------------------------------------------------------- */

START_TEST(test_restore_conflict_names_the_holder)
{
    use_host(host_gpu_with_audio());
    claim_ok("s1", "l4", 0);
    g_autoptr(GhGpuAssignment) a = assignment(GH_GPU_ASSIGN_PCI, "0000:01:00.0", "0000:01:00.1");
    g_autofree char *msg = restore_refused("s2", a);

    ck_assert_str_eq(msg, "cannot restore pci 0000:01:00.0 for session s2: 0000:01:00.0 claimed by session s1");
    ck_assert_ptr_null(gh_gpu_claims_lookup(claims, "s2"));
}
END_TEST

START_TEST(test_restore_records_device_unknown_to_inventory)
{
    use_host(host_gpu_with_audio());
    g_autoptr(GhGpuAssignment) gone = assignment(GH_GPU_ASSIGN_PCI, "0000:99:00.0", "0000:99:00.1");
    restore_ok("s1", gone);
    g_autofree char *msg = restore_refused("s2", gone);

    ck_assert_holder("0000:99:00.0", "s1");
    ck_assert_holder("0000:99:00.1", "s1");
    ck_assert_str_eq(msg, "cannot restore pci 0000:99:00.0 for session s2: 0000:99:00.0 claimed by session s1");
}
END_TEST

START_TEST(test_restore_of_the_same_claim_twice_is_kept_once)
{
    use_host(host_gpu_with_audio());
    g_autoptr(GhGpuAssignment) a = assignment(GH_GPU_ASSIGN_PCI, "0000:01:00.0", "0000:01:00.1");
    restore_ok("s1", a);
    a->state = GH_GPU_ALLOCATED;
    restore_ok("s1", a);
    g_autoptr(GhGpuAssignment) held = gh_gpu_claims_lookup(claims, "s1");

    ck_assert_uint_eq(gh_gpu_claims_count(claims), 1);
    ck_assert_int_eq(held->state, GH_GPU_ALLOCATED);
}
END_TEST

START_TEST(test_restore_keeps_mdevs_beyond_available_count)
{
    use_host(host_mdev());
    for (guint i = 0; i < 4; i++) {
        g_autofree char *sid = g_strdup_printf("s%u", i);
        g_autoptr(GhGpuAssignment) a = assignment(GH_GPU_ASSIGN_MDEV, "0000:41:00.0", NULL);
        restore_ok(sid, a);
    }
    g_autofree char *msg = claim_refused("s9", "a10-8q", 0);

    ck_assert_uint_eq(gh_gpu_claims_count(claims), 4);
    ck_assert_str_eq(msg, "no free GPU for alias 'a10-8q': "
                          "0000:41:00.0 has no free nvidia-558 instance (4 of 3 claimed)");
}
END_TEST

/* ---- holder ----------------------------------------------------------- */

START_TEST(test_holder_answers_for_every_relation)
{
    host = host_new();
    const GhGpuAllow *l4 = host_allow(host, "l4", NULL), *vf = host_allow(host, "vf", NULL);
    device_add_mdev_type(host_gpu(host, "0000:41:00.0", 0x10de, 41, "0000:41:00.0", host_allow(host, "m", "t")),
                         "t", 2);
    host_gpu(host, "0000:01:00.0", 0x10de, 1, "0000:01:00.0,0000:01:00.1,0000:02:00.0", l4);
    host_sriov(host, "0000:03:00", 3, 2, l4, vf);
    host_sriov(host, "0000:04:00", 4, 2, NULL, vf);
    claims = gh_gpu_claims_new(&host->inv);
    claim_ok("s1", "l4", 0);   /* 0000:01:00.0 */
    claim_ok("s2", "l4", 0);   /* the PF 0000:03:00.0 */
    claim_ok("s3", "vf", 0);   /* 0000:04:00.4, a VF */
    claim_ok("s5", "m", 0);
    claim_ok("s4", "m", 0);

    ck_assert_holder("0000:01:00.0", "s1");  /* directly */
    ck_assert_holder("0000:01:00.1", "s1");  /* its companion */
    ck_assert_holder("0000:02:00.0", "s1");  /* elsewhere in its group */
    ck_assert_holder("0000:03:00.5", "s2");  /* a VF of a held PF */
    ck_assert_holder("0000:04:00.0", "s3");  /* the PF of a held VF */
    ck_assert_holder("0000:04:00.5", NULL);  /* a sibling VF stays free */
    ck_assert_holder("0000:41:00.0", "s4");  /* an mdev parent: any holder, here the first */
    ck_assert_holder("0000:99:00.0", NULL);
}
END_TEST

/* ---- records ---------------------------------------------------------- */

static char *
to_json_text(const GhGpuAssignment *a)
{
    g_autoptr(JsonNode) node = gh_gpu_assignment_to_json(a);

    return json_to_string(node, FALSE);
}

START_TEST(test_assignment_json_has_every_field)
{
    g_autoptr(GhGpuAssignment) a = assignment(GH_GPU_ASSIGN_PCI, "0000:01:00.0", "0000:01:00.1");
    a->alias = g_strdup("l4");
    a->numa_node = 0;
    a->local_cpus = g_strdup("0-15");
    g_autofree char *text = to_json_text(a);

    ck_assert_str_eq(text, "{\"kind\":\"pci\",\"address\":\"0000:01:00.0\",\"companions\":[\"0000:01:00.1\"],"
                           "\"alias\":\"l4\",\"managed\":true,\"mdev_type\":null,\"mdev_uuid\":null,"
                           "\"numa_node\":0,\"local_cpus\":\"0-15\",\"state\":\"claimed\"}");
}
END_TEST

static GhGpuAssignment *
from_json_text(const char *text, GError **error)
{
    g_autoptr(JsonNode) node = json_from_string(text, NULL);

    ck_assert_ptr_nonnull(node);
    return gh_gpu_assignment_from_json(node, error);
}

static void
assert_same_assignment(const GhGpuAssignment *x, const GhGpuAssignment *y)
{
    ck_assert_int_eq(x->kind, y->kind);
    ck_assert_str_eq(x->address, y->address);
    ck_assert_uint_eq(x->companions->len, y->companions->len);
    for (guint i = 0; i < x->companions->len; i++)
        ck_assert_str_eq(x->companions->pdata[i], y->companions->pdata[i]);
    ck_assert_pstr_eq(x->alias, y->alias);
    ck_assert_int_eq(x->managed, y->managed);
    ck_assert_pstr_eq(x->mdev_type, y->mdev_type);
    ck_assert_pstr_eq(x->mdev_uuid, y->mdev_uuid);
    ck_assert_int_eq(x->numa_node, y->numa_node);
    ck_assert_pstr_eq(x->local_cpus, y->local_cpus);
    ck_assert_int_eq(x->state, y->state);
}

START_TEST(test_assignment_json_round_trips)
{
    static const GhGpuAssignKind kinds[] = { GH_GPU_ASSIGN_PCI, GH_GPU_ASSIGN_VF, GH_GPU_ASSIGN_MDEV };

    for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GhGpuAssignment) a = assignment(kinds[i], "0000:41:00.0", i == 0 ? "0000:41:00.1" : NULL);
        a->managed = i != 1;
        a->state = i == 2 ? GH_GPU_ALLOCATED : GH_GPU_CLAIMED;
        g_autofree char *text = to_json_text(a);
        g_autoptr(GhGpuAssignment) back = from_json_text(text, &error);
        ck_assert_msg(back, "%s: %s", text, error ? error->message : "?");
        assert_same_assignment(back, a);
    }
}
END_TEST

#define VALID_MDEV                                                                                                 \
    "\"kind\":\"mdev\",\"address\":\"0000:41:00.0\",\"companions\":[],\"alias\":null,\"managed\":true,"           \
    "\"mdev_type\":\"nvidia-558\",\"numa_node\":0,\"local_cpus\":null,\"state\":\"claimed\""

static const struct {
    const char *json;
    const char *message;
} bad_records[] = {
    { "[]", "GPU assignment is not a JSON object" },
    { "{\"kind\":\"gpu\"}", "GPU assignment: field 'kind' must be one of pci, vf, mdev" },
    { "{\"kind\":1}", "GPU assignment: field 'kind' must be a string" },
    { "{\"kind\":\"pci\"}", "GPU assignment: field 'address' must be a string" },
    { "{\"kind\":\"pci\",\"address\":\"01:00.0\"}", "GPU assignment: field 'address' is not a PCI address: '01:00.0'" },
    { "{\"kind\":\"pci\",\"address\":\"0000:01:00.0\",\"companions\":\"0000:01:00.1\"}",
      "GPU assignment: field 'companions' must be an array of PCI addresses" },
    { "{\"kind\":\"pci\",\"address\":\"0000:01:00.0\",\"companions\":[\"0000:01:00.1\",7]}",
      "GPU assignment: field 'companions[1]' is not a PCI address" },
    { "{\"kind\":\"pci\",\"address\":\"0000:01:00.0\",\"companions\":[],\"alias\":5}",
      "GPU assignment: field 'alias' must be a string or null" },
    { "{\"kind\":\"pci\",\"address\":\"0000:01:00.0\",\"companions\":[],\"alias\":null,\"managed\":\"yes\"}",
      "GPU assignment: field 'managed' must be a boolean" },
    { "{\"kind\":\"pci\",\"address\":\"0000:01:00.0\",\"companions\":[],\"managed\":true,\"numa_node\":\"0\"}",
      "GPU assignment: field 'numa_node' must be an integer, -1 when unknown" },
    { "{\"kind\":\"pci\",\"address\":\"0000:01:00.0\",\"companions\":[],\"managed\":true,\"numa_node\":-2}",
      "GPU assignment: field 'numa_node' must be an integer, -1 when unknown" },
    { "{\"kind\":\"pci\",\"address\":\"0000:01:00.0\",\"companions\":[],\"managed\":true,\"numa_node\":0,"
      "\"mdev_type\":\"nvidia-558\"}",
      "GPU assignment: field 'mdev_type' must be null unless kind is mdev" },
    { "{" VALID_MDEV ",\"mdev_uuid\":\"not-a-uuid\"}",
      "GPU assignment: field 'mdev_uuid' must be a UUID for kind mdev" },
    { "{" VALID_MDEV ",\"mdev_uuid\":7}", "GPU assignment: field 'mdev_uuid' must be a string or null" },
    { "{\"kind\":\"mdev\",\"address\":\"0000:41:00.0\",\"companions\":[],\"managed\":true,\"numa_node\":0,"
      "\"mdev_type\":null,\"mdev_uuid\":\"9f3e4c2a-1b7d-4e8f-a6c5-0d2b3a4c5e6f\"}",
      "GPU assignment: field 'mdev_type' must name the mdev type for kind mdev" },
    { "{" VALID_MDEV ",\"mdev_uuid\":\"9f3e4c2a-1b7d-4e8f-a6c5-0d2b3a4c5e6f\",\"local_cpus\":3}",
      "GPU assignment: field 'local_cpus' must be a string or null" },
    { "{" VALID_MDEV ",\"mdev_uuid\":\"9f3e4c2a-1b7d-4e8f-a6c5-0d2b3a4c5e6f\",\"state\":\"running\"}",
      "GPU assignment: field 'state' must be claimed or allocated" },
};

START_TEST(test_assignment_from_json_rejects_bad_field)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GhGpuAssignment) a = from_json_text(bad_records[_i].json, &error);

    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(error);
    ck_assert_str_eq(error->message, bad_records[_i].message);
}
END_TEST

/* ---- property test ---------------------------------------------------- */

/* Random claim/release/restart sequences, checked against a model that
 * states the exclusion rules in its own terms: what each claim gives the VM,
 * and which PF/VF pairs are related.  GH_TEST_SEED=<n> replays a failure. */

#define N_FIXTURES 5
#define SEQUENCES_PER_FIXTURE 40
#define STEPS_PER_SEQUENCE 500
#define DEFAULT_SEED 20261127u
#define UNKNOWN_GPU "0000:99:00.0"

static const struct {
    const char *name;
    Host *(*make)(void);
} fixtures[N_FIXTURES] = {
    { "gpu-with-audio", host_gpu_with_audio }, { "eight-gpus", host_eight_gpus }, { "sriov-pf", host_sriov_pf },
    { "mdev", host_mdev },                     { "shared-group", host_shared_group },
};

static struct {
    guint32 base, seed;
    const char *fixture;
    guint step;
} ctx;

#define prop_assert(cond, ...)                                                                                     \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            g_autofree char *what_ = g_strdup_printf(__VA_ARGS__);                                                 \
            ck_abort_msg("%s, step %u of sequence seeded %u (GH_TEST_SEED=%u): %s", ctx.fixture, ctx.step,          \
                         ctx.seed, ctx.base, what_);                                                               \
        }                                                                                                          \
    } while (0)

static const GhGpuDevice *
model_device(const char *address)
{
    for (guint i = 0; i < host->inv.devices->len; i++) {
        const GhGpuDevice *d = host->inv.devices->pdata[i];
        if (strcmp(d->address, address) == 0)
            return d;
    }
    return NULL;
}

static GhGpuAssignKind
model_kind(const GhGpuDevice *d)
{
    if (d->allow && d->allow->mdev_type)
        return GH_GPU_ASSIGN_MDEV;
    return d->physfn ? GH_GPU_ASSIGN_VF : GH_GPU_ASSIGN_PCI;
}

/* x is the PF of y or y the PF of x. */
static gboolean
model_related(const char *x, const char *y)
{
    const GhGpuDevice *dx = model_device(x), *dy = model_device(y);

    return (dx && g_strcmp0(dx->physfn, y) == 0) || (dy && g_strcmp0(dy->physfn, x) == 0);
}

/* What a claim gives the VM: nothing for an mdev, else the device, its
 * companions and its IOMMU group. */
static GHashTable *
model_own(const GhGpuAssignment *a)
{
    GHashTable *own = g_hash_table_new(g_str_hash, g_str_equal);
    const GhGpuDevice *d = model_device(a->address);

    if (a->kind == GH_GPU_ASSIGN_MDEV)
        return own;
    g_hash_table_add(own, a->address);
    for (guint i = 0; i < a->companions->len; i++)
        g_hash_table_add(own, a->companions->pdata[i]);
    for (guint i = 0; d && i < d->group->len; i++)
        g_hash_table_add(own, d->group->pdata[i]);
    return own;
}

typedef struct {
    const char *sid;
    GhGpuAssignment *a;
    GHashTable *own;
} ModelClaim;

static void
model_claim_clear(gpointer data)
{
    g_hash_table_unref(((ModelClaim *)data)->own);
}

/* Whether a claim uses address at all: gives it to its VM, is its mdev
 * parent, or is the PF/VF of either. */
static gboolean
model_uses(const ModelClaim *c, const char *address)
{
    GHashTableIter iter;
    gpointer key;

    if (c->a->kind == GH_GPU_ASSIGN_MDEV)
        return strcmp(c->a->address, address) == 0 || model_related(c->a->address, address);
    if (g_hash_table_contains(c->own, address))
        return TRUE;
    g_hash_table_iter_init(&iter, c->own);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        if (model_related(key, address))
            return TRUE;
    return FALSE;
}

/* x gives its VM an address that y uses. */
static gboolean
model_takes_from(const ModelClaim *x, const ModelClaim *y)
{
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, x->own);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        if (model_uses(y, key))
            return TRUE;
    return FALSE;
}

/* Two claims exclude each other when one gives its VM what the other uses. */
static gboolean
model_excludes(const ModelClaim *x, const ModelClaim *y)
{
    return model_takes_from(x, y) || model_takes_from(y, x);
}

static gint
model_claim_compare(gconstpointer a, gconstpointer b)
{
    return strcmp(((const ModelClaim *)a)->sid, ((const ModelClaim *)b)->sid);
}

/* The live claims, by session id. */
static GArray *
model_claims(GHashTable *live)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(ModelClaim));
    GHashTableIter iter;
    gpointer key, value;

    g_array_set_clear_func(out, model_claim_clear);
    g_hash_table_iter_init(&iter, live);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        ModelClaim c = { key, value, model_own(value) };
        g_array_append_val(out, c);
    }
    g_array_sort(out, model_claim_compare);
    return out;
}

/* The lowest session whose claim a excludes, or NULL. */
static const char *
model_excluder(GHashTable *live, GhGpuAssignment *a)
{
    g_autoptr(GArray) cs = model_claims(live);
    ModelClaim me = { "", a, model_own(a) };
    const char *who = NULL;

    for (guint i = 0; i < cs->len && !who; i++)
        if (model_excludes(&me, &g_array_index(cs, ModelClaim, i)))
            who = g_array_index(cs, ModelClaim, i).sid;
    g_hash_table_unref(me.own);
    return who;
}

static guint
model_mdev_used(GHashTable *live, const char *parent, const char *type)
{
    GHashTableIter iter;
    gpointer value;
    guint n = 0;

    g_hash_table_iter_init(&iter, live);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const GhGpuAssignment *a = value;
        n += a->kind == GH_GPU_ASSIGN_MDEV && strcmp(a->address, parent) == 0 && strcmp(a->mdev_type, type) == 0;
    }
    return n;
}

static guint
model_mdev_available(const GhGpuDevice *d, const char *type)
{
    for (guint i = 0; i < d->mdev_types->len; i++) {
        const GhGpuMdevType *t = d->mdev_types->pdata[i];
        if (strcmp(t->id, type) == 0)
            return t->available;
    }
    return 0;
}

/* What a claim on d would be, before its uuid is drawn. */
static GhGpuAssignment *
model_assignment(const GhGpuDevice *d, GhGpuAssignKind kind, const char *mdev_type)
{
    GhGpuAssignment *a = assignment(kind, d->address, NULL);

    if (kind == GH_GPU_ASSIGN_PCI)
        for (guint i = 0; i < d->companions->len; i++)
            g_ptr_array_add(a->companions, g_strdup(d->companions->pdata[i]));
    if (kind == GH_GPU_ASSIGN_MDEV) {
        g_free(a->mdev_type);
        a->mdev_type = g_strdup(mdev_type);
    }
    a->alias = g_strdup(d->allow ? d->allow->alias : NULL);
    a->numa_node = d->numa_node;
    a->local_cpus = g_strdup(d->local_cpus);
    return a;
}

/* The device the tracker must pick for req: VFs and mdevs first, then by
 * address; NULL when none is free. */
static const GhGpuDevice *
model_pick(GHashTable *live, const GhGpuRequest *req)
{
    for (int whole = 0; whole < 2; whole++) {
        for (guint i = 0; i < host->inv.devices->len; i++) {
            const GhGpuDevice *d = host->inv.devices->pdata[i];
            GhGpuAssignKind kind = model_kind(d);
            g_autoptr(GhGpuAssignment) a = NULL;
            if ((kind == GH_GPU_ASSIGN_PCI) != whole || d->verdict != GH_GPU_ASSIGNABLE)
                continue;
            if ((req->alias && (!d->allow || strcmp(d->allow->alias, req->alias) != 0)) ||
                (req->vendor && d->vendor != req->vendor))
                continue;
            a = model_assignment(d, kind, d->allow->mdev_type);
            if (model_excluder(live, a))
                continue;
            if (kind == GH_GPU_ASSIGN_MDEV &&
                model_mdev_used(live, d->address, a->mdev_type) >= model_mdev_available(d, a->mdev_type))
                continue;
            return d;
        }
    }
    return NULL;
}

static gboolean
same_assignment(const GhGpuAssignment *x, const GhGpuAssignment *y)
{
    if (x->kind != y->kind || strcmp(x->address, y->address) != 0 || x->companions->len != y->companions->len ||
        g_strcmp0(x->alias, y->alias) != 0 || x->managed != y->managed || g_strcmp0(x->mdev_type, y->mdev_type) ||
        g_strcmp0(x->mdev_uuid, y->mdev_uuid) != 0 || x->numa_node != y->numa_node ||
        g_strcmp0(x->local_cpus, y->local_cpus) != 0 || x->state != y->state)
        return FALSE;
    for (guint i = 0; i < x->companions->len; i++)
        if (strcmp(x->companions->pdata[i], y->companions->pdata[i]) != 0)
            return FALSE;
    return TRUE;
}

/* Every address the fixture knows of, and one it does not. */
static GPtrArray *
model_universe(void)
{
    GPtrArray *all = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < host->inv.devices->len; i++) {
        const GhGpuDevice *d = host->inv.devices->pdata[i];
        for (guint j = 0; j < d->group->len; j++)
            if (!g_ptr_array_find_with_equal_func(all, d->group->pdata[j], g_str_equal, NULL))
                g_ptr_array_add(all, g_strdup(d->group->pdata[j]));
    }
    g_ptr_array_add(all, g_strdup(UNKNOWN_GPU));
    g_ptr_array_add(all, g_strdup("0000:99:00.1"));
    return all;
}

static void
check_invariants(GHashTable *live, const GPtrArray *universe)
{
    g_autoptr(GArray) cs = model_claims(live);

    prop_assert(gh_gpu_claims_count(claims) == cs->len, "tracker holds %u claims, %u sessions live",
                gh_gpu_claims_count(claims), cs->len);
    for (guint i = 0; i < cs->len; i++) {
        const ModelClaim *c = &g_array_index(cs, ModelClaim, i);
        g_autoptr(GhGpuAssignment) held = gh_gpu_claims_lookup(claims, c->sid);
        prop_assert(held && same_assignment(held, c->a), "claim of live session %s lost or changed", c->sid);
        for (guint j = i + 1; j < cs->len; j++)
            prop_assert(!model_excludes(c, &g_array_index(cs, ModelClaim, j)), "sessions %s and %s share %s",
                        c->sid, g_array_index(cs, ModelClaim, j).sid, c->a->address);
        if (c->a->kind == GH_GPU_ASSIGN_MDEV && model_device(c->a->address))
            prop_assert(model_mdev_used(live, c->a->address, c->a->mdev_type) <=
                            model_mdev_available(model_device(c->a->address), c->a->mdev_type),
                        "%s gives out more %s instances than available", c->a->address, c->a->mdev_type);
    }
    for (guint k = 0; k < universe->len; k++) {
        const char *addr = universe->pdata[k];
        g_autofree char *holder = gh_gpu_claims_holder(claims, addr);
        const char *expected = NULL;
        for (guint i = 0; i < cs->len && !expected; i++)
            if (model_uses(&g_array_index(cs, ModelClaim, i), addr))
                expected = g_array_index(cs, ModelClaim, i).sid;
        prop_assert(g_strcmp0(holder, expected) == 0, "holder(%s) is %s, the model says %s", addr,
                    holder ? holder : "nobody", expected ? expected : "nobody");
    }
}

typedef struct {
    GRand *rand;
    GHashTable *live;       /* session id → GhGpuAssignment*, as persisted */
    GArray *requests;       /* GhGpuRequest, aliases borrowed from the host */
    guint next_session;
} Run;

static void
assignment_destroy(gpointer a)
{
    gh_gpu_assignment_free(a);
}

static char *
run_new_session(Run *run)
{
    return g_strdup_printf("s%04u", run->next_session++);
}

/* A live session picked at random, or NULL. */
static const char *
run_pick_live(Run *run)
{
    g_autoptr(GList) keys = g_hash_table_get_keys(run->live);
    guint n = g_list_length(keys);

    keys = g_list_sort(keys, (GCompareFunc)strcmp);
    return n ? g_list_nth_data(keys, g_rand_int_range(run->rand, 0, (gint32)n)) : NULL;
}

static void
step_claim(Run *run, const char *sid)
{
    guint pick = g_rand_int_range(run->rand, 0, (gint32)run->requests->len);
    const GhGpuRequest *req = &g_array_index(run->requests, GhGpuRequest, pick);
    g_autoptr(GError) error = NULL;
    const GhGpuDevice *want = g_hash_table_contains(run->live, sid) ? NULL : model_pick(run->live, req);
    const GhGpuAssignment *got = gh_gpu_claims_claim(claims, sid, req, &error);

    prop_assert((got != NULL) == (want != NULL), "claim %s/%04x by %s: tracker %s, model %s", req->alias,
                req->vendor, sid, got ? got->address : error->message, want ? want->address : "none free");
    if (got) {
        prop_assert(strcmp(got->address, want->address) == 0 && got->kind == model_kind(want),
                    "claim by %s got %s, the model picks %s", sid, got->address, want->address);
        g_hash_table_insert(run->live, g_strdup(sid), gh_gpu_assignment_copy(got));
    } else {
        prop_assert(g_error_matches(error, GH_GPU_ERROR, GH_GPU_ERROR_NONE_FREE), "claim error %s", error->message);
    }
}

/* A domain found running at daemon start with some GPU of the fixture, or
 * one the inventory no longer has.  The hardware never ran more mdevs of a
 * type than it had, so neither does this. */
static GhGpuAssignment *
run_found_domain(Run *run)
{
    guint n = host->inv.devices->len;
    guint i = g_rand_int_range(run->rand, 0, (gint32)n + 1);
    const GhGpuDevice *d = i < n ? host->inv.devices->pdata[i] : NULL;
    GhGpuAssignment *a;

    if (!d)
        return assignment(GH_GPU_ASSIGN_PCI, UNKNOWN_GPU, "0000:99:00.1");
    if (d->mdev_types->len && g_rand_boolean(run->rand)) {
        const GhGpuMdevType *t = d->mdev_types->pdata[g_rand_int_range(run->rand, 0, (gint32)d->mdev_types->len)];
        if (model_mdev_used(run->live, d->address, t->id) < t->available) {
            a = model_assignment(d, GH_GPU_ASSIGN_MDEV, t->id);
            g_free(a->mdev_uuid);
            a->mdev_uuid = g_uuid_string_random();
            goto found;
        }
    }
    a = model_assignment(d, d->physfn ? GH_GPU_ASSIGN_VF : GH_GPU_ASSIGN_PCI, NULL);
found:
    a->state = GH_GPU_ALLOCATED;
    return a;
}

static void
step_adopt(Run *run)
{
    g_autofree char *sid = run_new_session(run);
    g_autoptr(GhGpuAssignment) a = run_found_domain(run);
    g_autoptr(GError) error = NULL;
    const char *excluder = model_excluder(run->live, a);
    gboolean ok = gh_gpu_claims_restore(claims, sid, a, &error);

    prop_assert(ok == !excluder, "restore of %s %s for %s: tracker %s, model %s", gh_gpu_assign_kind_to_string(a->kind),
                a->address, sid, ok ? "kept it" : error->message, excluder ? excluder : "free");
    if (ok) {
        g_hash_table_insert(run->live, g_strdup(sid), g_steal_pointer(&a));
    } else {
        g_autofree char *suffix = g_strdup_printf(" session %s", excluder);
        prop_assert(g_str_has_prefix(error->message, "cannot restore ") && g_str_has_suffix(error->message, suffix),
                    "restore refusal should name %s: %s", excluder, error->message);
    }
}

/* kill -9 and start again: a fresh tracker fed from the session records,
 * in whatever order the daemon finds them. */
static void
step_crash_restart(Run *run)
{
    g_autoptr(GList) sids = g_hash_table_get_keys(run->live);
    g_autoptr(GPtrArray) order = g_ptr_array_new();

    sids = g_list_sort(sids, (GCompareFunc)strcmp);
    for (GList *l = sids; l; l = l->next)
        g_ptr_array_insert(order, g_rand_int_range(run->rand, 0, (gint32)order->len + 1), l->data);
    claims = gh_gpu_claims_free(claims);
    claims = gh_gpu_claims_new(&host->inv);
    for (guint i = 0; i < order->len; i++) {
        const char *sid = order->pdata[i];
        g_autoptr(JsonNode) saved = gh_gpu_assignment_to_json(g_hash_table_lookup(run->live, sid));
        g_autofree char *text = json_to_string(saved, FALSE);
        g_autoptr(JsonNode) loaded = json_from_string(text, NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(GhGpuAssignment) a = gh_gpu_assignment_from_json(loaded, &error);
        prop_assert(a, "record of %s does not load: %s (%s)", sid, error->message, text);
        prop_assert(same_assignment(a, g_hash_table_lookup(run->live, sid)), "record of %s changed: %s", sid, text);
        prop_assert(gh_gpu_claims_restore(claims, sid, a, &error), "restore of %s failed: %s", sid,
                    error->message);
    }
}

static void
run_step(Run *run)
{
    guint roll = g_rand_int_range(run->rand, 0, 100);
    const char *live = run_pick_live(run);

    if (roll < 35) {
        g_autofree char *sid = run_new_session(run);
        step_claim(run, sid);
    } else if (roll < 70) {
        gh_gpu_claims_release(claims, live ? live : "s-none");
        if (live)
            g_hash_table_remove(run->live, live);
    } else if (roll < 78 && live) {
        gh_gpu_claims_set_state(claims, live, GH_GPU_ALLOCATED);
        ((GhGpuAssignment *)g_hash_table_lookup(run->live, live))->state = GH_GPU_ALLOCATED;
    } else if (roll < 83) {
        step_crash_restart(run);
    } else if (roll < 93) {
        step_adopt(run);
    } else if (roll < 97 && live) {
        step_claim(run, live);   /* one claim per session: must be refused */
    } else if (live) {
        prop_assert(gh_gpu_claims_restore(claims, live, g_hash_table_lookup(run->live, live), NULL),
                    "restoring %s's own claim again was refused", live);
    }
}

/* Every alias and vendor of the host, anything, and an alias it lacks. */
static GArray *
run_requests(void)
{
    GArray *reqs = g_array_new(FALSE, TRUE, sizeof(GhGpuRequest));
    GhGpuRequest any = { NULL, 0 }, none = { "nope", 0 };

    g_array_append_val(reqs, any);
    g_array_append_val(reqs, none);
    for (guint i = 0; i < host->allows->len; i++) {
        GhGpuRequest r = { ((GhGpuAllow *)host->allows->pdata[i])->alias, 0 };
        g_array_append_val(reqs, r);
    }
    for (guint i = 0; i < host->inv.devices->len; i++) {
        GhGpuRequest r = { NULL, ((GhGpuDevice *)host->inv.devices->pdata[i])->vendor };
        g_array_append_val(reqs, r);
    }
    return reqs;
}

START_TEST(test_random_sequences_keep_invariants)
{
    const char *env = g_getenv("GH_TEST_SEED");
    g_autoptr(GPtrArray) universe = NULL;
    Run run = { 0 };

    use_host(fixtures[_i].make());
    universe = model_universe();
    run.requests = run_requests();
    ctx.base = env ? (guint32)g_ascii_strtoull(env, NULL, 10) : DEFAULT_SEED;
    ctx.fixture = fixtures[_i].name;
    for (guint seq = 0; seq < SEQUENCES_PER_FIXTURE; seq++) {
        ctx.seed = ctx.base + (guint32)(_i * 1000 + seq);
        run.rand = g_rand_new_with_seed(ctx.seed);
        run.live = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, assignment_destroy);
        claims = gh_gpu_claims_free(claims);
        claims = gh_gpu_claims_new(&host->inv);
        for (ctx.step = 0; ctx.step < STEPS_PER_SEQUENCE; ctx.step++) {
            run_step(&run);
            check_invariants(run.live, universe);
        }
        g_hash_table_unref(run.live);
        g_rand_free(run.rand);
    }
    g_array_unref(run.requests);
}
END_TEST

static Suite *
gpu_claim_suite(void)
{
    Suite *s = suite_create("gpu-claim");

    TCase *whole = tcase_create("whole");
    tcase_add_checked_fixture(whole, NULL, teardown);
    tcase_add_test(whole, test_claim_whole_gpu_takes_its_audio_function);
    tcase_add_test(whole, test_claim_takes_numa_placement_from_the_device);
    tcase_add_test(whole, test_claim_of_group_member_blocks_other_gpu_in_group);
    tcase_add_test(whole, test_claim_refusal_gives_verdict_of_unassignable_gpu);
    suite_add_tcase(s, whole);

    TCase *sriov = tcase_create("sriov");
    tcase_add_checked_fixture(sriov, NULL, teardown);
    tcase_add_test(sriov, test_vf_claim_blocks_its_pf);
    tcase_add_test(sriov, test_pf_claim_blocks_every_vf);
    tcase_add_test(sriov, test_vfs_of_one_pf_go_to_different_sessions);
    tcase_add_test(sriov, test_mdev_on_a_vf_blocks_its_pf);
    suite_add_tcase(s, sriov);

    TCase *mdev = tcase_create("mdev");
    tcase_add_checked_fixture(mdev, NULL, teardown);
    tcase_add_test(mdev, test_mdev_type_gives_out_its_available_instances_only);
    tcase_add_test(mdev, test_mdev_claim_keeps_parent_from_whole_claim);
    tcase_add_test(mdev, test_whole_claim_keeps_parent_from_mdev_claim);
    suite_add_tcase(s, mdev);

    TCase *choose = tcase_create("choose");
    tcase_add_checked_fixture(choose, NULL, teardown);
    tcase_add_test(choose, test_claim_filters_by_vendor);
    tcase_add_test(choose, test_claim_filters_by_alias);
    tcase_add_test(choose, test_claim_with_no_matching_gpu_says_so);
    tcase_add_test(choose, test_claim_prefers_vfs_and_mdevs_then_lowest_address);
    suite_add_tcase(s, choose);

    TCase *sessions = tcase_create("sessions");
    tcase_add_checked_fixture(sessions, NULL, teardown);
    tcase_add_test(sessions, test_release_frees_the_gpu_for_the_next_session);
    tcase_add_test(sessions, test_release_of_session_without_claim_is_a_no_op);
    tcase_add_test(sessions, test_session_holds_one_claim);
    tcase_add_test(sessions, test_set_state_marks_claim_allocated);
    tcase_add_test(sessions, test_holder_answers_for_every_relation);
    suite_add_tcase(s, sessions);

    TCase *restore = tcase_create("restore");
    tcase_add_checked_fixture(restore, NULL, teardown);
    tcase_add_test(restore, test_restore_conflict_names_the_holder);
    tcase_add_test(restore, test_restore_records_device_unknown_to_inventory);
    tcase_add_test(restore, test_restore_of_the_same_claim_twice_is_kept_once);
    tcase_add_test(restore, test_restore_keeps_mdevs_beyond_available_count);
    suite_add_tcase(s, restore);

    TCase *records = tcase_create("records");
    tcase_add_test(records, test_assignment_json_has_every_field);
    tcase_add_test(records, test_assignment_json_round_trips);
    tcase_add_loop_test(records, test_assignment_from_json_rejects_bad_field, 0, G_N_ELEMENTS(bad_records));
    suite_add_tcase(s, records);

    TCase *property = tcase_create("property");
    tcase_add_checked_fixture(property, NULL, teardown);
    tcase_set_timeout(property, 30);
    tcase_add_loop_test(property, test_random_sequences_keep_invariants, 0, N_FIXTURES);
    suite_add_tcase(s, property);

    return s;
}

int
main(void)
{
    return gh_test_run(gpu_claim_suite());
}
