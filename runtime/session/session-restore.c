/* session-restore: at daemon start, reconcile the records in the state dir
 * with the domains libvirt runs.  A VM outlives the daemon; the restarted
 * daemon adopts it (never restarts or duplicates it), matching domain to
 * record by the session id in the domain's gamehost metadata. */
#include "session-private.h"

#include <libvirt/virterror.h>
#include <stdlib.h>
#include <unistd.h>

#include "virt/domain.h"

static void
restore_load_records(GhSessionManager *mgr)
{
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GPtrArray) records = gh_store_load_all(mgr->store, &problems);

    for (guint i = 0; i < problems->len; i++)
        g_warning("%s", (const char *)problems->pdata[i]);
    g_ptr_array_set_free_func(records, NULL);
    for (guint i = 0; i < records->len; i++)
        gh_session_index(mgr, records->pdata[i]);
}

/* The session id in the domain's metadata, or NULL when it is not ours. */
static char *
restore_domain_session_id(virDomainPtr dom)
{
    g_autofree char *xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, GH_DOMAIN_METADATA_NS, 0);
    g_autoptr(GhDomainMetadata) md = NULL;
    g_autoptr(GError) err = NULL;

    if (!xml)
        return NULL;
    md = gh_domain_metadata_parse(xml, &err);
    if (!md) {
        g_warning("domain %s: unreadable gamehost metadata: %s", virDomainGetName(dom), err->message);
        return NULL;
    }
    return g_steal_pointer(&md->session_id);
}

static void
restore_destroy(virDomainPtr dom, const char *why)
{
    g_warning("domain %s: %s; destroying it", virDomainGetName(dom), why);
    virDomainDestroy(dom);
}

static void
restore_adopt(GhSessionManager *mgr, GhSession *s, virDomainPtr dom)
{
    if (gh_session_state_is_active(s->state)) {
        g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
        gh_session_gpu_restore(mgr, s, xml);
    }
    switch (s->state) {
    case GH_SESSION_STARTING:
    case GH_SESSION_RUNNING:
        s->adopted = TRUE;
        g_message("session %s: adopted running domain %s", s->id, s->domain_name);
        /* A record already running keeps its started_at (set_state sets it
         * only once); one still starting becomes running now. */
        gh_session_enter_running(mgr, s);
        break;
    case GH_SESSION_STOPPING:
        s->adopted = TRUE;
        gh_session_stop_begin(mgr, s, NULL); /* a failing stop keeps its reason */
        break;
    case GH_SESSION_STOPPED:
    case GH_SESSION_FAILED:
        restore_destroy(dom, "its session already ended");
        break;
    }
}

/* Records still active whose domain is gone ended while we were away. */
static void
restore_end_missing(GhSessionManager *mgr, GHashTable *seen)
{
    g_autoptr(GPtrArray) all = gh_session_manager_list(mgr);
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < all->len; i++)
        g_ptr_array_add(ids, g_strdup(((GhSession *)all->pdata[i])->id));
    /* gh_session_end prunes old records: look each session up again. */
    for (guint i = 0; i < ids->len; i++) {
        GhSession *s = g_hash_table_lookup(mgr->sessions, ids->pdata[i]);
        if (!s || !gh_session_state_is_active(s->state) || g_hash_table_contains(seen, s->id))
            continue;
        if (s->state == GH_SESSION_STOPPING && s->reason) {
            g_autofree char *failure = g_strdup(s->reason);
            gh_session_end(mgr, s, GH_SESSION_FAILED, failure);
        } else if (s->state == GH_SESSION_STOPPING)
            gh_session_end(mgr, s, GH_SESSION_STOPPED, "stopped by request");
        else
            gh_session_end(mgr, s, GH_SESSION_FAILED, "vm gone while the daemon was down");
    }
}

gboolean
gh_session_manager_restore(GhSessionManager *mgr, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    virDomainPtr *doms = NULL;
    int n;

    restore_load_records(mgr);
    n = virConnectListAllDomains(gh_virt_conn(mgr->virt), &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (n < 0) {
        gh_virt_set_error(error, "cannot list domains");
        return FALSE;
    }
    for (int i = 0; i < n; i++) {
        g_autofree char *id = restore_domain_session_id(doms[i]);
        GhSession *s = id ? g_hash_table_lookup(mgr->sessions, id) : NULL;

        if (id && !s) {
            g_autofree char *shm = gh_domain_relay_path(id);
            restore_destroy(doms[i], "carries gamehost metadata but has no session record");
            unlink(shm); /* libvirt leaves the relay region behind */
        } else if (s) {
            g_hash_table_add(seen, g_strdup(s->id));
            restore_adopt(mgr, s, doms[i]);
        }
        virDomainFree(doms[i]);
    }
    free(doms);
    restore_end_missing(mgr, seen);
    return TRUE;
}
