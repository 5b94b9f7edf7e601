/* gpu-claim: the claim tracker, after Nova's PciDevTracker (nova/pci/manager.py)
 * and its pools (nova/pci/stats.py).  Every claim has a footprint: the
 * addresses it holds outright and the addresses it merely touches; two claims
 * exclude each other when one holds what the other touches. */
#include "gpu-claim.h"
#include "util/json-util.h"

#include <string.h>

/* What a claim takes from the host.  `occupy` is given to the VM (the device,
 * the functions that go along, its whole IOMMU group: VFIO hands a group to
 * one owner only); `touch` adds what must not go elsewhere meanwhile: the PF
 * of an occupied VF, the VFs of an occupied PF, an mdev parent and its
 * PF/VFs.  Both are tiny, so plain arrays beat hash sets. */
typedef struct {
    GPtrArray *occupy; /* char* */
    GPtrArray *touch;  /* char*, occupy included */
} Footprint;

typedef struct {
    GhGpuAssignment *a;
    Footprint fp;
} Held;

struct GhGpuClaims {
    const GhGpuInventory *inv;
    GMutex lock;
    GHashTable *held; /* session id → Held* */
};

/* Every public function takes the tracker's one lock until it returns. */
#define CLAIMS_LOCK(claims) g_autoptr(GMutexLocker) locker_ G_GNUC_UNUSED = g_mutex_locker_new(&(claims)->lock)

/* ---- footprints ------------------------------------------------------- */

static gboolean
claims_strv_has(const GPtrArray *list, const char *s)
{
    for (guint i = 0; list && i < list->len; i++)
        if (g_strcmp0(list->pdata[i], s) == 0)
            return TRUE;
    return FALSE;
}

static void
claims_add_unique(GPtrArray *list, const char *s)
{
    if (s && !claims_strv_has(list, s))
        g_ptr_array_add(list, g_strdup(s));
}

static void
claims_add_all(GPtrArray *list, const GPtrArray *from)
{
    for (guint i = 0; from && i < from->len; i++)
        claims_add_unique(list, from->pdata[i]);
}

/* The IOMMU group of address.  Also asked of the other group members, so that
 * an address the inventory no longer lists as a GPU still brings its group. */
static void
claims_add_group(const GhGpuInventory *inv, const char *address, GPtrArray *out)
{
    for (guint i = 0; i < inv->devices->len; i++) {
        const GhGpuDevice *d = inv->devices->pdata[i];
        if (g_strcmp0(d->address, address) == 0 || claims_strv_has(d->group, address))
            claims_add_all(out, d->group);
    }
}

/* The PF and VFs of address, seen from either side of the relation for the
 * same reason. */
static void
claims_add_sriov_relatives(const GhGpuInventory *inv, const char *address, GPtrArray *out)
{
    for (guint i = 0; i < inv->devices->len; i++) {
        const GhGpuDevice *d = inv->devices->pdata[i];
        if (g_strcmp0(d->address, address) == 0) {
            claims_add_unique(out, d->physfn);
            claims_add_all(out, d->vfs);
        }
        if (g_strcmp0(d->physfn, address) == 0 || claims_strv_has(d->vfs, address))
            claims_add_unique(out, d->address);
    }
}

static void
footprint_build(Footprint *fp, const GhGpuInventory *inv, GhGpuAssignKind kind, const char *address,
                const GPtrArray *companions)
{
    fp->occupy = g_ptr_array_new_with_free_func(g_free);
    fp->touch = g_ptr_array_new_with_free_func(g_free);
    if (kind != GH_GPU_ASSIGN_MDEV) {
        claims_add_unique(fp->occupy, address);
        claims_add_all(fp->occupy, companions);
        claims_add_group(inv, address, fp->occupy);
        claims_add_all(fp->touch, fp->occupy);
    } else {
        /* An mdev lives on its parent, which stays with the host driver. */
        claims_add_unique(fp->touch, address);
    }
    for (guint i = 0, n = fp->touch->len; i < n; i++)
        claims_add_sriov_relatives(inv, fp->touch->pdata[i], fp->touch);
}

static void
footprint_clear(Footprint *fp)
{
    g_clear_pointer(&fp->occupy, g_ptr_array_unref);
    g_clear_pointer(&fp->touch, g_ptr_array_unref);
}

/* The address through which `other` excludes fp, or NULL. */
static const char *
footprint_clash(const Footprint *fp, const Footprint *other)
{
    for (guint i = 0; i < fp->occupy->len; i++)
        if (claims_strv_has(other->touch, fp->occupy->pdata[i]))
            return fp->occupy->pdata[i];
    for (guint i = 0; i < fp->touch->len; i++)
        if (claims_strv_has(other->occupy, fp->touch->pdata[i]))
            return fp->touch->pdata[i];
    return NULL;
}

static void
claims_held_free(gpointer data)
{
    Held *h = data;

    gh_gpu_assignment_free(h->a);
    footprint_clear(&h->fp);
    g_free(h);
}

/* ---- conflicts -------------------------------------------------------- */

/* The session excluding fp and the address it does so through; the smallest
 * session id when several do, so that messages are reproducible. */
static const char *
claims_find_clash(GhGpuClaims *claims, const Footprint *fp, const Held **holder, const char **via)
{
    GHashTableIter iter;
    gpointer key, value;
    const char *best = NULL;

    g_hash_table_iter_init(&iter, claims->held);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        const char *addr = footprint_clash(fp, &((Held *)value)->fp);
        if (addr && (!best || strcmp(key, best) < 0)) {
            best = key;
            *holder = value;
            *via = addr;
        }
    }
    return best;
}

/* Why a device at `address` cannot be had: session `sid` holds `h`, which
 * excludes it through `via`.  Named after the relation, so that an operator
 * sees which rule applied. */
static char *
claims_clash_text(const GhGpuInventory *inv, const char *address, const char *sid, const Held *h, const char *via)
{
    const GhGpuDevice *d = gh_gpu_inventory_lookup(inv, address);
    /* The other end of the relation: what h holds when it touches address
     * itself, else the address of ours that it holds. */
    const char *other = strcmp(via, address) == 0 ? h->a->address : via;

    if (strcmp(other, address) == 0)
        return h->a->kind == GH_GPU_ASSIGN_MDEV
                   ? g_strdup_printf("%s has mdev instances claimed by session %s", address, sid)
                   : g_strdup_printf("%s claimed by session %s", address, sid);
    if (d && g_strcmp0(d->physfn, other) == 0)
        return g_strdup_printf("%s is a VF of PF %s, claimed by session %s", address, other, sid);
    if (d && claims_strv_has(d->vfs, other))
        return g_strdup_printf("%s is the PF of VF %s, claimed by session %s", address, other, sid);
    if (d && d->iommu_group >= 0)
        return g_strdup_printf("%s shares IOMMU group %d with %s, claimed by session %s", address, d->iommu_group,
                               other, sid);
    return g_strdup_printf("%s goes along with %s, claimed by session %s", address, other, sid);
}

static guint
claims_count_mdev(GhGpuClaims *claims, const char *parent, const char *type)
{
    GHashTableIter iter;
    gpointer value;
    guint n = 0;

    g_hash_table_iter_init(&iter, claims->held);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const GhGpuAssignment *a = ((Held *)value)->a;
        if (a->kind == GH_GPU_ASSIGN_MDEV && strcmp(a->address, parent) == 0 && g_strcmp0(a->mdev_type, type) == 0)
            n++;
    }
    return n;
}

/* NULL when parent still has an instance of type to give, else why not. */
static char *
claims_mdev_refusal(GhGpuClaims *claims, const GhGpuDevice *parent, const char *type)
{
    for (guint i = 0; parent->mdev_types && i < parent->mdev_types->len; i++) {
        const GhGpuMdevType *t = parent->mdev_types->pdata[i];
        guint used;
        if (strcmp(t->id, type) != 0)
            continue;
        used = claims_count_mdev(claims, parent->address, type);
        if (used < t->available)
            return NULL;
        return g_strdup_printf("%s has no free %s instance (%u of %u claimed)", parent->address, type, used,
                               t->available);
    }
    return g_strdup_printf("%s does not offer mdev type %s", parent->address, type);
}

/* ---- claiming --------------------------------------------------------- */

typedef struct {
    const GhGpuDevice *dev;
    GhGpuAssignKind kind;
} Candidate;

static GhGpuAssignKind
claims_device_kind(const GhGpuDevice *d)
{
    if (d->allow && d->allow->mdev_type)
        return GH_GPU_ASSIGN_MDEV;
    return d->physfn ? GH_GPU_ASSIGN_VF : GH_GPU_ASSIGN_PCI;
}

static gboolean
claims_device_matches(const GhGpuDevice *d, const GhGpuRequest *req)
{
    if (req->alias && (!d->allow || g_strcmp0(d->allow->alias, req->alias) != 0))
        return FALSE;
    return req->vendor == 0 || d->vendor == req->vendor;
}

/* VFs and mdevs first: they leave whole GPUs for the sessions that need
 * one.  Then by address, which the inventory's order already is. */
static gint
claims_candidate_compare(gconstpointer pa, gconstpointer pb)
{
    const Candidate *a = pa, *b = pb;
    int wa = a->kind == GH_GPU_ASSIGN_PCI, wb = b->kind == GH_GPU_ASSIGN_PCI;

    if (wa != wb)
        return wa - wb;
    return strcmp(a->dev->address, b->dev->address);
}

static GArray *
claims_candidates(GhGpuClaims *claims, const GhGpuRequest *req)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(Candidate));

    for (guint i = 0; i < claims->inv->devices->len; i++) {
        const GhGpuDevice *d = claims->inv->devices->pdata[i];
        if (claims_device_matches(d, req)) {
            Candidate c = { d, claims_device_kind(d) };
            g_array_append_val(out, c);
        }
    }
    g_array_sort(out, claims_candidate_compare);
    return out;
}

static char *
claims_request_text(const GhGpuRequest *req)
{
    if (req->alias && req->vendor)
        return g_strdup_printf("alias '%s' and vendor %04x", req->alias, req->vendor);
    if (req->alias)
        return g_strdup_printf("alias '%s'", req->alias);
    if (req->vendor)
        return g_strdup_printf("vendor %04x", req->vendor);
    return g_strdup("any alias");
}

/* NULL when c can be claimed now, else why not. */
static char *
claims_refusal(GhGpuClaims *claims, const Candidate *c)
{
    const GhGpuDevice *d = c->dev;
    Footprint fp;
    const Held *h = NULL;
    const char *via = NULL, *sid;
    char *why = NULL;

    if (d->verdict != GH_GPU_ASSIGNABLE)
        return g_strdup_printf("%s not assignable (%s)", d->address, d->reason);
    footprint_build(&fp, claims->inv, c->kind, d->address, d->companions);
    sid = claims_find_clash(claims, &fp, &h, &via);
    if (sid)
        why = claims_clash_text(claims->inv, d->address, sid, h, via);
    else if (c->kind == GH_GPU_ASSIGN_MDEV)
        why = claims_mdev_refusal(claims, d, d->allow->mdev_type);
    footprint_clear(&fp);
    return why;
}

static GhGpuAssignment *
assignment_for(const Candidate *c)
{
    const GhGpuDevice *d = c->dev;
    GhGpuAssignment *a = g_new0(GhGpuAssignment, 1);

    a->kind = c->kind;
    a->address = g_strdup(d->address);
    a->companions = g_ptr_array_new_with_free_func(g_free);
    if (c->kind == GH_GPU_ASSIGN_PCI)
        claims_add_all(a->companions, d->companions);
    a->alias = g_strdup(d->allow ? d->allow->alias : NULL);
    a->managed = d->allow ? d->allow->managed : TRUE;
    if (c->kind == GH_GPU_ASSIGN_MDEV) {
        a->mdev_type = g_strdup(d->allow->mdev_type);
        a->mdev_uuid = g_uuid_string_random();
    }
    a->numa_node = d->numa_node;
    a->local_cpus = g_strdup(d->local_cpus);
    a->state = GH_GPU_CLAIMED;
    return a;
}

static const GhGpuAssignment *
claims_insert(GhGpuClaims *claims, const char *session_id, GhGpuAssignment *a)
{
    Held *h = g_new0(Held, 1);

    h->a = a;
    footprint_build(&h->fp, claims->inv, a->kind, a->address, a->companions);
    g_hash_table_insert(claims->held, g_strdup(session_id), h);
    return a;
}

static gboolean
claims_check_session_free(GhGpuClaims *claims, const char *session_id, GError **error)
{
    const Held *h = g_hash_table_lookup(claims->held, session_id);

    if (!h)
        return TRUE;
    g_set_error(error, GH_GPU_ERROR, GH_GPU_ERROR_NONE_FREE, "session %s already holds %s", session_id,
                h->a->address);
    return FALSE;
}

const GhGpuAssignment *
gh_gpu_claims_claim(GhGpuClaims *claims, const char *session_id, const GhGpuRequest *req, GError **error)
{
    static const GhGpuRequest any = { NULL, 0 };
    CLAIMS_LOCK(claims);
    g_autoptr(GArray) cands = NULL;
    g_autoptr(GString) why = NULL;
    g_autofree char *wanted = NULL;

    req = req ? req : &any;
    wanted = claims_request_text(req);

    if (!claims_check_session_free(claims, session_id, error))
        return NULL;
    cands = claims_candidates(claims, req);
    if (cands->len == 0) {
        g_set_error(error, GH_GPU_ERROR, GH_GPU_ERROR_NONE_FREE, "no GPU matches %s (0 of %u devices)", wanted,
                    claims->inv->devices->len);
        return NULL;
    }
    why = g_string_new(NULL);
    for (guint i = 0; i < cands->len; i++) {
        const Candidate *c = &g_array_index(cands, Candidate, i);
        g_autofree char *refusal = claims_refusal(claims, c);
        if (!refusal)
            return claims_insert(claims, session_id, assignment_for(c));
        g_string_append_printf(why, "%s%s", why->len ? "; " : "", refusal);
    }
    g_set_error(error, GH_GPU_ERROR, GH_GPU_ERROR_NONE_FREE, "no free GPU for %s: %s", wanted, why->str);
    return NULL;
}

/* An identical claim restored twice is not a conflict: reconciliation sees a
 * claim both in the session record and in the running domain. */
static gboolean
claims_same_claim(const GhGpuAssignment *x, const GhGpuAssignment *y)
{
    return x->kind == y->kind && strcmp(x->address, y->address) == 0 && g_strcmp0(x->mdev_uuid, y->mdev_uuid) == 0;
}

/* The instance limit of mdev types is not applied here: after a restart,
 * available_instances no longer counts the instances that running domains
 * already use, so the restored claims would be refused their own mdevs.
 * Nor does the device have to be in the inventory or assignable now: a GPU
 * that vanished or changed verdict is still recorded, so that its address is
 * not handed out again while a domain may still hold it. */
gboolean
gh_gpu_claims_restore(GhGpuClaims *claims, const char *session_id, const GhGpuAssignment *a, GError **error)
{
    CLAIMS_LOCK(claims);
    Held *mine = g_hash_table_lookup(claims->held, session_id);
    Footprint fp;
    const Held *h = NULL;
    const char *via = NULL, *sid;

    g_return_val_if_fail(a && a->address, FALSE);
    if (mine && claims_same_claim(mine->a, a)) {
        if (a->state == GH_GPU_ALLOCATED)
            mine->a->state = GH_GPU_ALLOCATED;
        return TRUE;
    }
    if (!claims_check_session_free(claims, session_id, error))
        return FALSE;
    footprint_build(&fp, claims->inv, a->kind, a->address, a->companions);
    sid = claims_find_clash(claims, &fp, &h, &via);
    if (sid) {
        g_autofree char *text = claims_clash_text(claims->inv, a->address, sid, h, via);
        g_set_error(error, GH_GPU_ERROR, GH_GPU_ERROR_NONE_FREE, "cannot restore %s %s for session %s: %s",
                    gh_gpu_assign_kind_to_string(a->kind), a->address, session_id, text);
    }
    footprint_clear(&fp);
    if (sid)
        return FALSE;
    claims_insert(claims, session_id, gh_gpu_assignment_copy(a));
    return TRUE;
}

/* ---- the rest of the tracker ------------------------------------------ */

GhGpuClaims *
gh_gpu_claims_new(const GhGpuInventory *inv)
{
    GhGpuClaims *claims = g_new0(GhGpuClaims, 1);

    claims->inv = inv;
    g_mutex_init(&claims->lock);
    claims->held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, claims_held_free);
    return claims;
}

GhGpuClaims *
gh_gpu_claims_free(GhGpuClaims *claims)
{
    if (!claims)
        return NULL;
    g_hash_table_unref(claims->held);
    g_mutex_clear(&claims->lock);
    g_free(claims);
    return NULL;
}

void
gh_gpu_claims_set_state(GhGpuClaims *claims, const char *session_id, GhGpuClaimState state)
{
    CLAIMS_LOCK(claims);
    Held *h = g_hash_table_lookup(claims->held, session_id);

    if (h)
        h->a->state = state;
}

void
gh_gpu_claims_release(GhGpuClaims *claims, const char *session_id)
{
    CLAIMS_LOCK(claims);

    g_hash_table_remove(claims->held, session_id);
}

char *
gh_gpu_claims_holder(GhGpuClaims *claims, const char *address)
{
    CLAIMS_LOCK(claims);
    GHashTableIter iter;
    gpointer key, value;
    const char *best = NULL;

    /* Several sessions share an mdev parent; the smallest id keeps the
     * answer stable. */
    g_hash_table_iter_init(&iter, claims->held);
    while (g_hash_table_iter_next(&iter, &key, &value))
        if (claims_strv_has(((Held *)value)->fp.touch, address) && (!best || strcmp(key, best) < 0))
            best = key;
    return g_strdup(best);
}

GhGpuAssignment *
gh_gpu_claims_lookup(GhGpuClaims *claims, const char *session_id)
{
    CLAIMS_LOCK(claims);
    const Held *h = g_hash_table_lookup(claims->held, session_id);

    return h ? gh_gpu_assignment_copy(h->a) : NULL;
}

guint
gh_gpu_claims_count(GhGpuClaims *claims)
{
    CLAIMS_LOCK(claims);

    return g_hash_table_size(claims->held);
}

/* ---- assignments ------------------------------------------------------ */

GhGpuAssignment *
gh_gpu_assignment_copy(const GhGpuAssignment *a)
{
    GhGpuAssignment *c = g_new0(GhGpuAssignment, 1);

    *c = *a;
    c->address = g_strdup(a->address);
    c->companions = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; a->companions && i < a->companions->len; i++)
        g_ptr_array_add(c->companions, g_strdup(a->companions->pdata[i]));
    c->alias = g_strdup(a->alias);
    c->mdev_type = g_strdup(a->mdev_type);
    c->mdev_uuid = g_strdup(a->mdev_uuid);
    c->local_cpus = g_strdup(a->local_cpus);
    return c;
}

GhGpuAssignment *
gh_gpu_assignment_free(GhGpuAssignment *a)
{
    if (!a)
        return NULL;
    g_free(a->address);
    g_clear_pointer(&a->companions, g_ptr_array_unref);
    g_free(a->alias);
    g_free(a->mdev_type);
    g_free(a->mdev_uuid);
    g_free(a->local_cpus);
    g_free(a);
    return NULL;
}

GH_ENUM_IMPL(gpu_assign_kind, GhGpuAssignKind, GH_GPU_ASSIGN_KIND_LAST, "unknown",
             "pci", "vf", "mdev");
GH_ENUM_IMPL(gpu_claim_state, GhGpuClaimState, GH_GPU_CLAIM_STATE_LAST, "claimed",
             "claimed", "allocated");

JsonNode *
gh_gpu_assignment_to_json(const GhGpuAssignment *a)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    gh_json_add_string(b, "kind", gh_gpu_assign_kind_to_string(a->kind));
    gh_json_add_string(b, "address", a->address);
    gh_json_begin_array(b, "companions");
    for (guint i = 0; a->companions && i < a->companions->len; i++)
        json_builder_add_string_value(b, a->companions->pdata[i]);
    json_builder_end_array(b);
    gh_json_add_string(b, "alias", a->alias);
    gh_json_add_bool(b, "managed", a->managed);
    gh_json_add_string(b, "mdev_type", a->mdev_type);
    gh_json_add_string(b, "mdev_uuid", a->mdev_uuid);
    gh_json_add_int(b, "numa_node", a->numa_node);
    gh_json_add_string(b, "local_cpus", a->local_cpus);
    gh_json_add_string(b, "state", gh_gpu_claim_state_to_string(a->state));
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* ---- reading an assignment back --------------------------------------- */

static gboolean
claims_bad_field(GError **error, const char *name, const char *what)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "GPU assignment: field '%s' %s", name, what);
    return FALSE;
}

static gboolean
claims_holds_type(JsonNode *n, GType type)
{
    return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == type;
}

/* A string member; NULL for null or absent where nullable. */
static gboolean
claims_get_string(JsonObject *o, const char *name, gboolean nullable, char **out, GError **error)
{
    JsonNode *n = json_object_get_member(o, name);

    if (nullable && (!n || JSON_NODE_HOLDS_NULL(n)))
        return TRUE;
    if (!claims_holds_type(n, G_TYPE_STRING))
        return claims_bad_field(error, name, nullable ? "must be a string or null" : "must be a string");
    *out = g_strdup(json_node_get_string(n));
    return TRUE;
}

static gboolean
claims_get_address(JsonObject *o, char **out, GError **error)
{
    if (!claims_get_string(o, "address", FALSE, out, error))
        return FALSE;
    if (!gh_gpu_address_is_valid(*out)) {
        g_autofree char *what = g_strdup_printf("is not a PCI address: '%s'", *out);
        return claims_bad_field(error, "address", what);
    }
    return TRUE;
}

static gboolean
claims_get_companions(JsonObject *o, GPtrArray *out, GError **error)
{
    JsonNode *n = json_object_get_member(o, "companions");
    JsonArray *arr;

    if (!n || !JSON_NODE_HOLDS_ARRAY(n))
        return claims_bad_field(error, "companions", "must be an array of PCI addresses");
    arr = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(arr); i++) {
        JsonNode *e = json_array_get_element(arr, i);
        if (!claims_holds_type(e, G_TYPE_STRING) || !gh_gpu_address_is_valid(json_node_get_string(e))) {
            g_autofree char *name = g_strdup_printf("companions[%u]", i);
            return claims_bad_field(error, name, "is not a PCI address");
        }
        g_ptr_array_add(out, g_strdup(json_node_get_string(e)));
    }
    return TRUE;
}

static gboolean
claims_get_kind(JsonObject *o, GhGpuAssignKind *out, GError **error)
{
    g_autofree char *text = NULL;

    if (!claims_get_string(o, "kind", FALSE, &text, error))
        return FALSE;
    if (gh_gpu_assign_kind_from_string(text, out))
        return TRUE;
    return claims_bad_field(error, "kind", "must be one of pci, vf, mdev");
}

static gboolean
claims_get_state(JsonObject *o, GhGpuClaimState *out, GError **error)
{
    g_autofree char *text = NULL;

    if (!claims_get_string(o, "state", FALSE, &text, error))
        return FALSE;
    if (gh_gpu_claim_state_from_string(text, out))
        return TRUE;
    return claims_bad_field(error, "state", "must be claimed or allocated");
}

static gboolean
claims_get_scalars(JsonObject *o, GhGpuAssignment *a, GError **error)
{
    JsonNode *managed = json_object_get_member(o, "managed");
    JsonNode *numa = json_object_get_member(o, "numa_node");

    if (!claims_holds_type(managed, G_TYPE_BOOLEAN))
        return claims_bad_field(error, "managed", "must be a boolean");
    a->managed = json_node_get_boolean(managed);
    if (!claims_holds_type(numa, G_TYPE_INT64) || json_node_get_int(numa) < -1 || json_node_get_int(numa) > G_MAXINT)
        return claims_bad_field(error, "numa_node", "must be an integer, -1 when unknown");
    a->numa_node = (int)json_node_get_int(numa);
    return TRUE;
}

/* The mdev fields are there exactly when the kind is mdev, so that a record
 * cannot say two things at once. */
static gboolean
claims_get_mdev(JsonObject *o, GhGpuAssignment *a, GError **error)
{
    if (!claims_get_string(o, "mdev_type", TRUE, &a->mdev_type, error) ||
        !claims_get_string(o, "mdev_uuid", TRUE, &a->mdev_uuid, error))
        return FALSE;
    if (a->kind != GH_GPU_ASSIGN_MDEV) {
        if (a->mdev_type)
            return claims_bad_field(error, "mdev_type", "must be null unless kind is mdev");
        if (a->mdev_uuid)
            return claims_bad_field(error, "mdev_uuid", "must be null unless kind is mdev");
        return TRUE;
    }
    if (!a->mdev_type || !*a->mdev_type)
        return claims_bad_field(error, "mdev_type", "must name the mdev type for kind mdev");
    if (!a->mdev_uuid || !g_uuid_string_is_valid(a->mdev_uuid))
        return claims_bad_field(error, "mdev_uuid", "must be a UUID for kind mdev");
    return TRUE;
}

GhGpuAssignment *
gh_gpu_assignment_from_json(JsonNode *node, GError **error)
{
    g_autoptr(GhGpuAssignment) a = g_new0(GhGpuAssignment, 1);
    JsonObject *o;

    a->companions = g_ptr_array_new_with_free_func(g_free);
    if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "GPU assignment is not a JSON object");
        return NULL;
    }
    o = json_node_get_object(node);
    if (!claims_get_kind(o, &a->kind, error) || !claims_get_address(o, &a->address, error) ||
        !claims_get_companions(o, a->companions, error) || !claims_get_string(o, "alias", TRUE, &a->alias, error) ||
        !claims_get_scalars(o, a, error) || !claims_get_mdev(o, a, error) ||
        !claims_get_string(o, "local_cpus", TRUE, &a->local_cpus, error) || !claims_get_state(o, &a->state, error))
        return NULL;
    return g_steal_pointer(&a);
}
