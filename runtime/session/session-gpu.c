/* session-gpu: a session's GPU, from claim to release.  The claim is made
 * before the domain exists and released on every path out (gh_session_end and
 * the create error paths), so a failed start never keeps a device. */
#include "session-private.h"
#include "util/xml-util.h"

#include <string.h>

gboolean
gh_session_gpu_claim(GhSessionManager *mgr, GhSession *s, const GhImage *image, const GhSessionRequest *req,
                     GError **error)
{
    gboolean profile_needs = image->profile->gpu == GH_GPU_REQUIRED;
    gboolean required = req->gpu_required || profile_needs;
    GhGpuRequest want = req->gpu;
    g_autoptr(GError) err = NULL;
    const GhGpuAssignment *a;

    if (!req->want_gpu && !profile_needs)
        return TRUE;
    if (!want.alias && !want.vendor)
        want.alias = image->profile->gpu_class;
    a = mgr->gpus ? gh_gpu_claims_claim(mgr->gpus, s->id, &want, &err) : NULL;
    if (a) {
        s->gpu = gh_gpu_assignment_copy(a);
        g_message("session %s: claimed GPU %s (%s)", s->id, a->address, gh_gpu_assign_kind_to_string(a->kind));
        return TRUE;
    }
    if (!required)
        return TRUE; /* the emulated display will do */
    if (profile_needs && !req->gpu_required)
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NO_GPU, "image '%s' needs a GPU (profile '%s'): %s",
                    image->id, image->profile->id, err ? err->message : "this host assigns none");
    else
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NO_GPU, "no GPU for this session: %s",
                    err ? err->message : "this host assigns none");
    return FALSE;
}

void
gh_session_gpu_release(GhSessionManager *mgr, GhSession *s)
{
    if (mgr->gpus && s->gpu) {
        gh_gpu_claims_release(mgr->gpus, s->id);
        g_message("session %s: released GPU %s", s->id, s->gpu->address);
    }
}

void
gh_session_gpu_allocated(GhSessionManager *mgr, GhSession *s)
{
    if (mgr->gpus && s->gpu) {
        gh_gpu_claims_set_state(mgr->gpus, s->id, GH_GPU_ALLOCATED);
        s->gpu->state = GH_GPU_ALLOCATED;
    }
}

/* PCI addresses of the domain's <hostdev type='pci'> sources. */
static GPtrArray *
session_gpu_domain_hostdevs(const char *domain_xml)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) nodes = NULL;
    g_autoptr(GError) error = NULL;

    if (!domain_xml)
        return out;
    doc = gh_xml_parse(domain_xml, strlen(domain_xml), "domain.xml", GH_XML_LIBVIRT_MAX_BYTES, NULL, &error);
    if (!doc) {
        g_warning("the domain's XML cannot be read (%s): its PCI devices are not known", error->message);
        return out;
    }
    nodes = gh_xml_xpath_nodes(doc, "/domain/devices/hostdev[@type='pci']/source/address");
    for (guint i = 0; i < nodes->len; i++) {
        xmlNode *n = g_ptr_array_index(nodes, i);
        const char *attrs[] = { "domain", "bus", "slot", "function" };
        guint64 v[4];
        gboolean ok = TRUE;
        for (int k = 0; k < 4; k++) {
            xmlChar *text = xmlGetProp(n, BAD_CAST attrs[k]);
            ok = ok && text && g_ascii_string_to_unsigned((const char *)text + 2 * g_str_has_prefix((char *)text, "0x"),
                                                          16, 0, 0xffff, &v[k], NULL);
            xmlFree(text);
        }
        if (ok)
            g_ptr_array_add(out, g_strdup_printf("%04x:%02x:%02x.%x", (guint)v[0], (guint)v[1], (guint)v[2],
                                                 (guint)v[3]));
    }
    return out;
}

static gboolean
session_gpu_holds(const GhGpuAssignment *a, const char *address)
{
    if (!a)
        return FALSE;
    if (g_str_equal(a->address, address))
        return TRUE;
    for (guint i = 0; a->companions && i < a->companions->len; i++)
        if (g_str_equal(a->companions->pdata[i], address))
            return TRUE;
    return FALSE;
}

void
gh_session_gpu_restore(GhSessionManager *mgr, GhSession *s, const char *domain_xml)
{
    g_autoptr(GPtrArray) hostdevs = session_gpu_domain_hostdevs(domain_xml);
    g_autoptr(GError) err = NULL;

    if (!mgr->gpus)
        return;
    if (s->gpu && !gh_gpu_claims_restore(mgr->gpus, s->id, s->gpu, &err))
        g_warning("session %s: cannot restore its GPU claim: %s", s->id, err->message);
    /* A device the domain holds that its record does not name (a record
     * written by an older daemon, or edited): claim it too, so it is never
     * handed to a second session while this VM runs. */
    for (guint i = 0; i < hostdevs->len; i++) {
        const char *addr = hostdevs->pdata[i];
        if (session_gpu_holds(s->gpu, addr))
            continue;
        g_warning("session %s: domain holds PCI device %s that its record does not name", s->id, addr);
        if (s->gpu)
            continue; /* the tracker keeps one claim per session; the record's stands */
        GhGpuAssignment extra = { .kind = GH_GPU_ASSIGN_PCI, .address = (char *)addr, .managed = TRUE,
                                  .numa_node = -1, .state = GH_GPU_ALLOCATED };
        g_clear_error(&err);
        if (gh_gpu_claims_restore(mgr->gpus, s->id, &extra, &err))
            s->gpu = gh_gpu_assignment_copy(&extra);
        else
            g_warning("session %s: %s", s->id, err->message);
    }
}
