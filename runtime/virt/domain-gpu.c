/* domain-gpu: the parts of a session's domain that come from its GPU
 * assignment: the <hostdev> elements, the NUMA placement of vCPUs and memory
 * next to the GPU, and the checks that keep a bad assignment out of the XML. */
#include "domain-private.h"

#include <string.h>

#include <libxml/tree.h>

#define BAD_XML(s) ((const xmlChar *) (s))

/* Linux prints PCI domains with at least four hex digits (VMD domains have
 * five); libvirt types the domain as a uint32. */
#define PCI_DOMAIN_MIN_DIGITS 4
#define PCI_DOMAIN_MAX_DIGITS 8
#define PCI_SLOT_MAX          0x1f
#define PCI_FUNCTION_MAX      0x7

/* Linux CPU numbers stay far below this; the cap keeps parsing overflow-free. */
#define CPU_NUMBER_MAX 999999

typedef struct {
    guint32 domain;
    guint32 bus;
    guint32 slot;
    guint32 function;
} PciAddress;

static gboolean
domain_gpu_parse_hex(const char *s, size_t len, guint32 max, guint32 *out)
{
    guint64 v = 0;
    if (len == 0)
        return FALSE;
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isxdigit(s[i]))
            return FALSE;
        v = v * 16 + (guint64) g_ascii_xdigit_value(s[i]);
    }
    if (v > max)
        return FALSE;
    *out = (guint32) v;
    return TRUE;
}

/* "DDDD:BB:SS.F", as sysfs names the device (gpu.c has its own reader; the
 * domain module needs only the numbers). */
static gboolean
domain_gpu_pci_address_parse(const char *s, PciAddress *addr)
{
    if (s == NULL)
        return FALSE;
    const char *colon1 = strchr(s, ':');
    const char *colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL;
    const char *dot = colon2 ? strchr(colon2 + 1, '.') : NULL;
    if (dot == NULL)
        return FALSE;

    size_t domain_len = (size_t) (colon1 - s);
    return domain_len >= PCI_DOMAIN_MIN_DIGITS && domain_len <= PCI_DOMAIN_MAX_DIGITS &&
           colon2 - colon1 == 3 && dot - colon2 == 3 && strlen(dot + 1) == 1 &&
           domain_gpu_parse_hex(s, domain_len, G_MAXUINT32, &addr->domain) &&
           domain_gpu_parse_hex(colon1 + 1, 2, 0xff, &addr->bus) &&
           domain_gpu_parse_hex(colon2 + 1, 2, PCI_SLOT_MAX, &addr->slot) &&
           domain_gpu_parse_hex(dot + 1, 1, PCI_FUNCTION_MAX, &addr->function);
}

static gboolean
domain_gpu_parse_cpu_number(const char **p, guint *out)
{
    guint v = 0;
    const char *start = *p;
    while (g_ascii_isdigit(**p)) {
        v = v * 10 + (guint) (**p - '0');
        if (v > CPU_NUMBER_MAX)
            return FALSE;
        (*p)++;
    }
    *out = v;
    return *p != start;
}

/* A Linux cpulist ("0-15,32-47"), which is also what libvirt's cpuset
 * pattern accepts (less the '^' exclusions sysfs never writes). */
static gboolean
domain_gpu_cpulist_is_valid(const char *s)
{
    const char *p = s;
    for (;;) {
        guint first = 0, last = 0;
        if (!domain_gpu_parse_cpu_number(&p, &first))
            return FALSE;
        if (*p == '-') {
            p++;
            if (!domain_gpu_parse_cpu_number(&p, &last) || last < first)
                return FALSE;
        }
        if (*p == '\0')
            return TRUE;
        if (*p != ',')
            return FALSE;
        p++;
    }
}

static gboolean
domain_gpu_check_pci_address(const char *field, const char *value, GError **error)
{
    PciAddress addr;
    if (domain_gpu_pci_address_parse(value, &addr))
        return TRUE;
    g_autofree char *shown = value ? g_strescape(value, NULL) : g_strdup("(null)");
    g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                "%s '%s' is not a PCI address (DDDD:BB:SS.F)", field, shown);
    return FALSE;
}

gboolean
gh_domain_gpu_check(const GhGpuAssignment *gpu, const char *vnc_socket, GError **error)
{
    guint n_companions = gpu->companions ? gpu->companions->len : 0;

    switch (gpu->kind) {
    case GH_GPU_ASSIGN_PCI:
    case GH_GPU_ASSIGN_VF:
        if (!domain_gpu_check_pci_address("gpu address", gpu->address, error))
            return FALSE;
        for (guint i = 0; i < n_companions; i++) {
            if (!domain_gpu_check_pci_address("gpu companion", g_ptr_array_index(gpu->companions, i),
                                              error))
                return FALSE;
        }
        break;
    case GH_GPU_ASSIGN_MDEV:
        if (gpu->mdev_uuid == NULL || !g_uuid_string_is_valid(gpu->mdev_uuid)) {
            g_autofree char *shown = gpu->mdev_uuid
                ? g_strescape(gpu->mdev_uuid, NULL) : g_strdup("(null)");
            g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                        "gpu mdev_uuid '%s' is not a UUID", shown);
            return FALSE;
        }
        /* The claim would hold functions the domain never receives, and the
         * reconciliation at daemon start would find them missing. */
        if (n_companions > 0) {
            g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                        "gpu companions: an mdev assignment has none, %u given",
                        n_companions);
            return FALSE;
        }
        /* libvirt refuses display='on' without a graphics device to show it. */
        if (vnc_socket == NULL) {
            g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                        "vnc_socket is missing: an mdev GPU's display is shown "
                        "through the VNC graphics");
            return FALSE;
        }
        break;
    default:
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "gpu kind %d is unknown", (int) gpu->kind);
        return FALSE;
    }

    if (gh_domain_gpu_cpuset(gpu) && !domain_gpu_cpulist_is_valid(gpu->local_cpus)) {
        g_autofree char *shown = g_strescape(gpu->local_cpus, NULL);
        g_set_error(error, GH_DOMAIN_ERROR, GH_DOMAIN_ERROR_INVALID,
                    "gpu local_cpus '%s' is not a CPU list (digits, ',' and '-')", shown);
        return FALSE;
    }
    return TRUE;
}

/* vCPUs next to the GPU: DMA and interrupts cross no interconnect.  Without
 * a known node the local cpulist covers every CPU and pinning buys nothing. */
const char *
gh_domain_gpu_cpuset(const GhGpuAssignment *gpu)
{
    if (gpu == NULL || gpu->numa_node < 0)
        return NULL;
    return gpu->local_cpus;
}

gboolean
gh_domain_gpu_replaces_graphics(const GhGpuAssignment *gpu)
{
    return gpu != NULL && (gpu->kind == GH_GPU_ASSIGN_PCI || gpu->kind == GH_GPU_ASSIGN_VF);
}

/* strict: memory that silently falls back to a far node would make frame
 * times depend on which node had room, which is worse than failing to start. */
void
gh_domain_gpu_add_numatune(xmlNodePtr domain, const GhGpuAssignment *gpu)
{
    if (gpu == NULL || gpu->numa_node < 0)
        return;
    char node[16];
    g_snprintf(node, sizeof node, "%d", gpu->numa_node);
    xmlNodePtr memory = xmlNewChild(xmlNewChild(domain, NULL, BAD_XML("numatune"), NULL),
                                    NULL, BAD_XML("memory"), NULL);
    xmlNewProp(memory, BAD_XML("mode"), BAD_XML("strict"));
    xmlNewProp(memory, BAD_XML("nodeset"), BAD_XML(node));
}

/* A VF is a PCI function like any other to the guest (libvirt's
 * <interface type='hostdev'> is for NICs only), so both kinds use this. */
static void
domain_gpu_add_pci_hostdev(xmlNodePtr devices, const char *address, gboolean managed)
{
    PciAddress addr;
    /* Checked by gh_domain_gpu_check before the XML is built; parsed outside
     * g_return_if_fail, which G_DISABLE_CHECKS compiles away. */
    gboolean parsed = domain_gpu_pci_address_parse(address, &addr);

    g_return_if_fail(parsed);

    xmlNodePtr hostdev = xmlNewChild(devices, NULL, BAD_XML("hostdev"), NULL);
    xmlNewProp(hostdev, BAD_XML("mode"), BAD_XML("subsystem"));
    xmlNewProp(hostdev, BAD_XML("type"), BAD_XML("pci"));
    xmlNewProp(hostdev, BAD_XML("managed"), BAD_XML(managed ? "yes" : "no"));

    xmlNodePtr source = xmlNewChild(hostdev, NULL, BAD_XML("source"), NULL);
    xmlNodePtr xaddr = xmlNewChild(source, NULL, BAD_XML("address"), NULL);
    char buf[16];
    g_snprintf(buf, sizeof buf, "0x%04x", addr.domain);
    xmlNewProp(xaddr, BAD_XML("domain"), BAD_XML(buf));
    g_snprintf(buf, sizeof buf, "0x%02x", addr.bus);
    xmlNewProp(xaddr, BAD_XML("bus"), BAD_XML(buf));
    g_snprintf(buf, sizeof buf, "0x%02x", addr.slot);
    xmlNewProp(xaddr, BAD_XML("slot"), BAD_XML(buf));
    g_snprintf(buf, sizeof buf, "0x%x", addr.function);
    xmlNewProp(xaddr, BAD_XML("function"), BAD_XML(buf));
}

/* Every mdev here is a vGPU the session plays on, so its display is always
 * wanted: display='on' has QEMU export the vGPU's framebuffer through the
 * VNC graphics (screenshot and VNC capture keep working), and ramfb='on'
 * gives the guest a boot display for firmware and boot loader output before
 * its vGPU driver loads. */
static void
domain_gpu_add_mdev_hostdev(xmlNodePtr devices, const char *uuid)
{
    xmlNodePtr hostdev = xmlNewChild(devices, NULL, BAD_XML("hostdev"), NULL);
    xmlNewProp(hostdev, BAD_XML("mode"), BAD_XML("subsystem"));
    xmlNewProp(hostdev, BAD_XML("type"), BAD_XML("mdev"));
    xmlNewProp(hostdev, BAD_XML("model"), BAD_XML("vfio-pci"));
    xmlNewProp(hostdev, BAD_XML("display"), BAD_XML("on"));
    xmlNewProp(hostdev, BAD_XML("ramfb"), BAD_XML("on"));

    xmlNodePtr source = xmlNewChild(hostdev, NULL, BAD_XML("source"), NULL);
    xmlNewProp(xmlNewChild(source, NULL, BAD_XML("address"), NULL),
               BAD_XML("uuid"), BAD_XML(uuid));
}

void
gh_domain_gpu_add_hostdevs(xmlNodePtr devices, const GhGpuAssignment *gpu)
{
    if (gpu->kind == GH_GPU_ASSIGN_MDEV) {
        domain_gpu_add_mdev_hostdev(devices, gpu->mdev_uuid);
        return;
    }
    /* The GPU first, so that it gets the lowest guest PCI address libvirt
     * hands out and the guest enumerates it before its audio function. */
    domain_gpu_add_pci_hostdev(devices, gpu->address, gpu->managed);
    for (guint i = 0; gpu->companions && i < gpu->companions->len; i++)
        domain_gpu_add_pci_hostdev(devices, g_ptr_array_index(gpu->companions, i), gpu->managed);
}
