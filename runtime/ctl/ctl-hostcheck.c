/* ctl-hostcheck: the checks behind `gamehostctl host check`.  Each reads the
 * host below a root and says PASS, WARN or FAIL with the reason; the GPU
 * lines come from the gpu module's inventory and verdicts. */
#include "ctl-hostcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <unistd.h>

#include "ctl-kvm.h"
#include "ctl-util.h"
#include "gpu/gpu-claim.h"
#include "util/json-util.h"
#include "util/xml-util.h"

/* Wide enough for every fixed check name; a GPU's name overflows and still
 * gets two spaces before its detail. */
#define NAME_WIDTH 13

GhHostCheck *
gh_host_check_new(GhHostCheckStatus status, const char *name, const char *detail_format, ...)
{
    GhHostCheck *check = g_new0(GhHostCheck, 1);
    va_list ap;

    check->status = status;
    check->name = g_strdup(name);
    va_start(ap, detail_format);
    check->detail = g_strdup_vprintf(detail_format, ap);
    va_end(ap);
    return check;
}

GhHostCheck *
gh_host_check_free(GhHostCheck *check)
{
    if (check == NULL)
        return NULL;
    g_free(check->name);
    g_free(check->detail);
    g_free(check);
    return NULL;
}

static void
hostcheck_check_destroy(gpointer check)
{
    gh_host_check_free(check);
}

GH_ENUM_IMPL(host_check_status, GhHostCheckStatus, GH_HOST_CHECK_STATUS_LAST, "????",
             "PASS", "WARN", "FAIL");

static gboolean
hostcheck_is_real_root(const char *root)
{
    return root == NULL || g_str_equal(root, "/");
}

static char *
hostcheck_host_path(const char *root, const char *path)
{
    return g_build_filename(root ? root : "/", path, NULL);
}

/* ---- kvm ---------------------------------------------------------------------- */

GhHostCheck *
gh_host_check_kvm(const char *root)
{
    g_autoptr(GError) error = NULL;
    int api = -1;

    if (!hostcheck_is_real_root(root))
        return gh_host_check_new(GH_HOST_CHECK_WARN, "kvm", "skipped under a fixture root");
    if (!gh_ctl_kvm_probe("/dev/kvm", &api, &error))
        return gh_host_check_new(GH_HOST_CHECK_FAIL, "kvm", "/dev/kvm not usable: %s", error->message);
    return gh_host_check_new(GH_HOST_CHECK_PASS, "kvm", "/dev/kvm usable (API %d, a test VM ran)", api);
}

/* ---- iommu -------------------------------------------------------------------- */

static guint
hostcheck_count_entries(const char *dir_path, GError **error)
{
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, error);
    guint n = 0;

    if (dir == NULL)
        return 0;
    while (g_dir_read_name(dir) != NULL)
        n++;
    return n;
}

/* The IOMMU words of the kernel command line ("intel_iommu=on iommu=pt"),
 * NULL when there are none or the file cannot be read. */
static char *
hostcheck_cmdline_iommu_words(const char *root)
{
    g_autofree char *path = hostcheck_host_path(root, "proc/cmdline");
    g_autofree char *text = NULL;
    g_auto(GStrv) words = NULL;
    g_autoptr(GPtrArray) found = g_ptr_array_new();

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    words = g_strsplit_set(g_strstrip(text), " \t\n", -1);
    for (guint i = 0; words[i]; i++)
        if (g_str_has_prefix(words[i], "intel_iommu=") || g_str_has_prefix(words[i], "amd_iommu=") ||
            g_str_has_prefix(words[i], "iommu="))
            g_ptr_array_add(found, words[i]);
    if (found->len == 0)
        return NULL;
    g_ptr_array_add(found, NULL);
    return g_strjoinv(" ", (char **) found->pdata);
}

static gboolean
hostcheck_words_turn_iommu_on(const char *words)
{
    g_auto(GStrv) v = g_strsplit(words, " ", -1);

    for (guint i = 0; v[i]; i++)
        if (g_str_equal(v[i], "intel_iommu=on") || g_str_equal(v[i], "amd_iommu=on"))
            return TRUE;
    return FALSE;
}

GhHostCheck *
gh_host_check_iommu(const char *root)
{
    g_autofree char *groups_dir = hostcheck_host_path(root, "sys/kernel/iommu_groups");
    g_autofree char *words = hostcheck_cmdline_iommu_words(root);
    guint groups = hostcheck_count_entries(groups_dir, NULL);

    const char *plural = groups == 1 ? "" : "s";

    if (groups > 0 && words != NULL)
        return gh_host_check_new(GH_HOST_CHECK_PASS, "iommu", "%u IOMMU group%s (kernel command line: %s)", groups,
                                 plural, words);
    if (groups > 0)
        return gh_host_check_new(GH_HOST_CHECK_PASS, "iommu", "%u IOMMU group%s", groups, plural);
    if (words != NULL && hostcheck_words_turn_iommu_on(words))
        return gh_host_check_new(GH_HOST_CHECK_FAIL, "iommu",
                                 "no IOMMU groups although the kernel command line has %s: "
                                 "enable VT-d or AMD-Vi in the firmware", words);
    if (words != NULL)
        return gh_host_check_new(GH_HOST_CHECK_FAIL, "iommu",
                                 "no IOMMU groups: the IOMMU is off (kernel command line: %s; "
                                 "boot with intel_iommu=on or amd_iommu=on)", words);
    return gh_host_check_new(GH_HOST_CHECK_FAIL, "iommu",
                             "no IOMMU groups: the IOMMU is off (boot with intel_iommu=on or amd_iommu=on)");
}

/* ---- vfio --------------------------------------------------------------------- */

GhHostCheck *
gh_host_check_vfio(const char *root)
{
    static const char *const modules[] = { "vfio", "vfio_pci", "vfio_iommu_type1" };
    g_autoptr(GPtrArray) missing = g_ptr_array_new();
    g_autofree char *list = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(modules); i++) {
        g_autofree char *rel = g_build_filename("sys/module", modules[i], NULL);
        g_autofree char *path = hostcheck_host_path(root, rel);
        if (!g_file_test(path, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(missing, (gpointer) modules[i]);
    }
    if (missing->len == 0)
        return gh_host_check_new(GH_HOST_CHECK_PASS, "vfio", "vfio, vfio_pci and vfio_iommu_type1 loaded");
    if (missing->len == 1)
        return gh_host_check_new(GH_HOST_CHECK_WARN, "vfio", "module %s not loaded (modprobe vfio-pci)",
                                 (const char *) missing->pdata[0]);
    g_ptr_array_add(missing, NULL);
    list = g_strjoinv(", ", (char **) missing->pdata);
    return gh_host_check_new(GH_HOST_CHECK_WARN, "vfio", "modules %s not loaded (modprobe vfio-pci)", list);
}

/* ---- hugepages ------------------------------------------------------------------- */

/* The file's text, or NULL with errno set: open(2) first, so a missing
 * file reads "No such file or directory" like every other line. */
static char *
hostcheck_read_text(const char *path)
{
    char *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    close(fd);
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        errno = EIO;
        return NULL;
    }
    return text;
}

/* "Key:   123 kB" → 123; FALSE when the key is absent. */
static gboolean
hostcheck_meminfo_value(const char *text, const char *key, guint64 *value)
{
    g_autofree char *needle = g_strconcat(key, ":", NULL);
    const char *p = text;

    while ((p = strstr(p, needle)) != NULL) {
        if (p == text || p[-1] == '\n') {
            *value = g_ascii_strtoull(p + strlen(needle), NULL, 10);
            return TRUE;
        }
        p += strlen(needle);
    }
    return FALSE;
}

GhHostCheck *
gh_host_check_hugepages(const char *root)
{
    g_autofree char *path = hostcheck_host_path(root, "proc/meminfo");
    g_autofree char *text = hostcheck_read_text(path);
    guint64 total = 0, free_pages = 0, size_kb = 0;

    if (text == NULL)
        return gh_host_check_new(GH_HOST_CHECK_WARN, "hugepages", "cannot read %s: %s", path, g_strerror(errno));
    if (!hostcheck_meminfo_value(text, "HugePages_Total", &total))
        return gh_host_check_new(GH_HOST_CHECK_WARN, "hugepages", "%s has no HugePages_Total: no hugepage support",
                                 path);
    if (total == 0)
        return gh_host_check_new(GH_HOST_CHECK_WARN, "hugepages", "no hugepages reserved (HugePages_Total = 0)");
    hostcheck_meminfo_value(text, "HugePages_Free", &free_pages);
    if (!hostcheck_meminfo_value(text, "Hugepagesize", &size_kb))
        return gh_host_check_new(GH_HOST_CHECK_PASS, "hugepages", "%" G_GUINT64_FORMAT " hugepages reserved, %"
                                 G_GUINT64_FORMAT " free", total, free_pages);
    return gh_host_check_new(GH_HOST_CHECK_PASS, "hugepages",
                             "%" G_GUINT64_FORMAT " hugepages of %" G_GUINT64_FORMAT " kB reserved (%" G_GUINT64_FORMAT
                             " MiB), %" G_GUINT64_FORMAT " free",
                             total, size_kb, total * size_kb / 1024, free_pages);
}

/* ---- libvirt ------------------------------------------------------------------ */

static void
hostcheck_libvirt_quiet(G_GNUC_UNUSED void *data, G_GNUC_UNUSED virErrorPtr error)
{
    /* Errors are reported in the check's line, not on stderr. */
}

static char *
hostcheck_version_text(unsigned long v)
{
    return g_strdup_printf("%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
}

GhHostCheck *
gh_host_check_libvirt_open_failed(const char *uri, const char *why)
{
    if (g_str_has_prefix(uri, "qemu:///embed"))
        return gh_host_check_new(GH_HOST_CHECK_FAIL, "libvirt",
                                 "cannot open %s: %s (if a running gamehostd holds this embedded root, no second "
                                 "process can open it: stop gamehostd to check it)", uri, why);
    return gh_host_check_new(GH_HOST_CHECK_FAIL, "libvirt", "cannot open %s: %s", uri, why);
}

GhHostCheck *
gh_host_check_libvirt(const char *uri)
{
    virConnectPtr conn;
    unsigned long lib = 0, hv = 0;
    const char *type;
    g_autofree char *lib_text = NULL;
    g_autofree char *hv_text = NULL;
    g_autofree char *caps_xml = NULL;
    g_autoptr(GError) error = NULL;
    gboolean kvm = FALSE;
    GhHostCheck *check;

    virSetErrorFunc(NULL, hostcheck_libvirt_quiet);
    if (virInitialize() < 0)
        return gh_host_check_new(GH_HOST_CHECK_FAIL, "libvirt", "cannot initialise libvirt: %s",
                                 virGetLastErrorMessage());
    /* The embedded driver needs an event loop to open at all. */
    if (g_str_has_prefix(uri, "qemu:///embed"))
        virEventRegisterDefaultImpl();
    conn = virConnectOpenReadOnly(uri);
    if (conn == NULL)
        return gh_host_check_libvirt_open_failed(uri, virGetLastErrorMessage());
    type = virConnectGetType(conn);
    if (virConnectGetLibVersion(conn, &lib) < 0 || virConnectGetVersion(conn, &hv) < 0 || type == NULL) {
        check = gh_host_check_new(GH_HOST_CHECK_FAIL, "libvirt", "%s: cannot read the versions: %s", uri,
                                  virGetLastErrorMessage());
        virConnectClose(conn);
        return check;
    }
    lib_text = hostcheck_version_text(lib);
    hv_text = hostcheck_version_text(hv);
    caps_xml = virConnectGetCapabilities(conn);
    if (caps_xml == NULL)
        check = gh_host_check_new(GH_HOST_CHECK_WARN, "libvirt", "%s: libvirt %s, %s %s, no capabilities: %s", uri,
                                  lib_text, type, hv_text, virGetLastErrorMessage());
    else if (!gh_xml_caps_have_kvm(caps_xml, &kvm, &error))
        check = gh_host_check_new(GH_HOST_CHECK_WARN, "libvirt", "%s: libvirt %s, %s %s, %s", uri, lib_text, type,
                                  hv_text, error->message);
    else if (!kvm)
        check = gh_host_check_new(GH_HOST_CHECK_WARN, "libvirt",
                                  "%s: libvirt %s, %s %s, no kvm domain for x86_64 (guests would run under TCG)", uri,
                                  lib_text, type, hv_text);
    else
        check = gh_host_check_new(GH_HOST_CHECK_PASS, "libvirt", "%s: libvirt %s, %s %s, kvm domains available", uri,
                                  lib_text, type, hv_text);
    virConnectClose(conn);
    return check;
}

/* ---- GPUs ----------------------------------------------------------------------- */

const char *
gh_host_check_class_name(guint32 class_code)
{
    switch (class_code >> 8) {
    case 0x0300: return (class_code & 0xff) == 0 ? "VGA compatible controller" : "VGA controller";
    case 0x0301: return "XGA compatible controller";
    case 0x0302: return "3D controller";
    case 0x0380: return "Display controller";
    default: return "display device";
    }
}

static char *
hostcheck_link_text(const GhGpuDevice *gpu)
{
    if (gpu->link_speed != NULL && gpu->link_width > 0)
        return g_strdup_printf("link %s x%u", gpu->link_speed, gpu->link_width);
    if (gpu->link_speed != NULL)
        return g_strdup_printf("link %s", gpu->link_speed);
    if (gpu->link_width > 0)
        return g_strdup_printf("link x%u", gpu->link_width);
    return g_strdup("link unknown");
}

GhHostCheck *
gh_host_check_gpu(const GhGpuDevice *gpu)
{
    g_autofree char *name = g_strconcat("gpu ", gpu->address, NULL);
    g_autofree char *numa = gpu->numa_node >= 0 ? g_strdup_printf("NUMA %d", gpu->numa_node) : g_strdup("NUMA unknown");
    g_autofree char *driver = gpu->driver ? g_strconcat("driver ", gpu->driver, NULL) : g_strdup("no driver");
    g_autofree char *link = hostcheck_link_text(gpu);
    g_autofree char *facts = g_strdup_printf("%04x:%04x %s, %s, %s, %s", gpu->vendor, gpu->device,
                                             gh_host_check_class_name(gpu->class_code), driver, numa, link);
    const char *alias = gpu->allow ? gpu->allow->alias : NULL;

    if (gpu->verdict == GH_GPU_ASSIGNABLE && alias != NULL)
        return gh_host_check_new(GH_HOST_CHECK_PASS, name, "%s: assignable as '%s'", facts, alias);
    if (gpu->verdict == GH_GPU_ASSIGNABLE)
        return gh_host_check_new(GH_HOST_CHECK_PASS, name, "%s: assignable", facts);
    return gh_host_check_new(gpu->verdict == GH_GPU_NOT_ALLOWLISTED ? GH_HOST_CHECK_WARN : GH_HOST_CHECK_FAIL, name,
                             "%s: not assignable: %s", facts,
                             gpu->reason ? gpu->reason : gh_gpu_verdict_to_string(gpu->verdict));
}

void
gh_host_check_add_gpus(GhHostCheckReport *report, const char *root, const GPtrArray *allow)
{
    g_autoptr(GError) error = NULL;

    report->inventory = gh_gpu_inventory_free(report->inventory);
    report->inventory = gh_gpu_inventory_scan(root ? root : "/", allow, &error);
    if (report->inventory == NULL) {
        g_ptr_array_add(report->checks, gh_host_check_new(GH_HOST_CHECK_FAIL, "gpu", "cannot list the GPUs: %s",
                                                          error->message));
        return;
    }
    if (report->inventory->devices->len == 0) {
        g_ptr_array_add(report->checks, gh_host_check_new(GH_HOST_CHECK_WARN, "gpu", "no GPU found"));
        return;
    }
    for (guint i = 0; i < report->inventory->devices->len; i++)
        g_ptr_array_add(report->checks, gh_host_check_gpu(report->inventory->devices->pdata[i]));
}

/* ---- the report ------------------------------------------------------------------ */

GhHostCheckReport *
gh_host_check_report_new(void)
{
    GhHostCheckReport *report = g_new0(GhHostCheckReport, 1);

    report->checks = g_ptr_array_new_with_free_func(hostcheck_check_destroy);
    return report;
}

GhHostCheckReport *
gh_host_check_report_free(GhHostCheckReport *report)
{
    if (report == NULL)
        return NULL;
    g_ptr_array_unref(report->checks);
    gh_gpu_inventory_free(report->inventory);
    g_free(report);
    return NULL;
}

GhHostCheckReport *
gh_host_check_run(const char *root, const char *uri, const GPtrArray *allow)
{
    GhHostCheckReport *report = gh_host_check_report_new();

    g_ptr_array_add(report->checks, gh_host_check_kvm(root));
    g_ptr_array_add(report->checks, gh_host_check_iommu(root));
    g_ptr_array_add(report->checks, gh_host_check_vfio(root));
    g_ptr_array_add(report->checks, gh_host_check_hugepages(root));
    g_ptr_array_add(report->checks, gh_host_check_libvirt(uri ? uri : GH_HOST_CHECK_DEFAULT_URI));
    gh_host_check_add_gpus(report, root, allow);
    return report;
}

guint
gh_host_check_report_count(const GhHostCheckReport *report, GhHostCheckStatus status)
{
    guint n = 0;

    for (guint i = 0; i < report->checks->len; i++)
        if (((const GhHostCheck *) report->checks->pdata[i])->status == status)
            n++;
    return n;
}

gboolean
gh_host_check_report_failed(const GhHostCheckReport *report)
{
    return gh_host_check_report_count(report, GH_HOST_CHECK_FAIL) > 0;
}

char *
gh_host_check_render(const GhHostCheckReport *report)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < report->checks->len; i++) {
        const GhHostCheck *c = report->checks->pdata[i];
        g_autofree char *name = gh_ctl_sanitize(c->name);
        g_autofree char *detail = gh_ctl_sanitize(c->detail);
        g_string_append_printf(out, "%s  %-*s  %s\n", gh_host_check_status_to_string(c->status), NAME_WIDTH, name,
                               detail);
    }
    return g_string_free(out, FALSE);
}

/* ---- JSON ------------------------------------------------------------------------ */

JsonNode *
gh_host_check_to_json(const GhHostCheckReport *report)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    gh_json_begin_array(b, "checks");
    for (guint i = 0; i < report->checks->len; i++) {
        const GhHostCheck *c = report->checks->pdata[i];
        json_builder_begin_object(b);
        gh_json_add_string(b, "name", c->name);
        gh_json_add_string(b, "status", gh_host_check_status_to_string(c->status));
        gh_json_add_string(b, "detail", c->detail);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "gpus");
    if (report->inventory != NULL) {
        /* The daemon's shape (GET /v1/gpus), so scripts read one format;
         * nothing is claimed outside the daemon. */
        g_autoptr(JsonNode) inv = gh_gpu_inventory_to_json(report->inventory, NULL);
        json_builder_add_value(b, json_node_ref(json_object_get_member(json_node_get_object(inv), "gpus")));
    } else {
        json_builder_begin_array(b);
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* ---- config ------------------------------------------------------------------------ */

const char *
gh_host_check_pick_uri(const char *opt_uri, const GhConfig *config)
{
    if (opt_uri != NULL && *opt_uri != '\0')
        return opt_uri;
    if (config != NULL && config->libvirt_uri != NULL)
        return config->libvirt_uri;
    return GH_HOST_CHECK_DEFAULT_URI;
}

const char *
gh_host_check_pick_root(const char *opt_root, const GhConfig *config)
{
    if (opt_root != NULL && *opt_root != '\0')
        return opt_root;
    if (config != NULL && config->gpu_sysfs_root != NULL)
        return config->gpu_sysfs_root;
    return "/";
}

const GPtrArray *
gh_host_check_config_allowlist(const GhConfig *config)
{
    if (config == NULL || config->gpu_allow == NULL || config->gpu_allow->len == 0)
        return NULL;
    return config->gpu_allow;
}
