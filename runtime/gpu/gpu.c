/* gpu: the GPU inventory read from sysfs, the operator's allowlist, and the
 * verdict on each device.  Sysfs is read as text and parsed strictly: one
 * device's malformed value is reported in that device's reason and never
 * stops the scan of the others. */
#include "gpu.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

G_DEFINE_QUARK(gh-gpu-error-quark, gh_gpu_error)

#define GPU_VFIO_DRIVER "vfio-pci"
#define GPU_CLASS_DISPLAY 0x03u     /* class >> 16 */
#define GPU_CLASS_PCI_BRIDGE 0x0604u /* class >> 8: VFIO ignores these in a group */

/* What one device's read left behind besides its GhGpuDevice: problems the
 * verdict and the reason must mention. */
typedef struct {
    char *ids_problem;          /* vendor/device unreadable: the allowlist cannot match */
    gboolean group_malformed;   /* an iommu_group link we could not read as a number */
    gint64 numvfs;              /* sriov_numvfs, -1 when absent or malformed */
    GPtrArray *malformed;       /* char*: "numa_node 'x'" for fields left unknown */
} GpuRead;

static void
gpu_read_clear(GpuRead *rd)
{
    g_free(rd->ids_problem);
    g_clear_pointer(&rd->malformed, g_ptr_array_unref);
}

/* ---- strict sysfs text ------------------------------------------------ */

/* An attribute's text without the kernel's trailing newline; NULL when the
 * file is absent.  NUL bytes become '?' so that parsing rejects them rather
 * than reading a prefix. */
static char *
gpu_sysfs_read(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *text = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &text, &len, NULL))
        return NULL;
    if (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    for (gsize i = 0; i < len; i++)
        if (text[i] == '\0')
            text[i] = '?';
    return text;
}

/* The last component of a symlink's target (driver, iommu_group, physfn
 * links carry their meaning there); NULL when there is no such link. */
static char *
gpu_sysfs_link_name(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *target = g_file_read_link(path, NULL);

    return target ? g_path_get_basename(target) : NULL;
}

/* Sysfs writes ids as "0x" and hex digits; anything else is not what the
 * kernel wrote and is refused rather than guessed at. */
static gboolean
gpu_parse_hex(const char *text, guint64 max, guint64 *out)
{
    guint64 v = 0;
    const char *p;

    if (!text || !g_str_has_prefix(text, "0x") || !text[2] || strlen(text) > 2 + 8)
        return FALSE;
    for (p = text + 2; *p; p++) {
        if (!g_ascii_isxdigit(*p))
            return FALSE;
        v = v * 16 + (guint64)g_ascii_xdigit_value(*p);
    }
    if (v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

static gboolean
gpu_parse_dec(const char *text, gint64 min, gint64 max, gint64 *out)
{
    const char *p = text;
    gint64 v = 0;

    if (!text)
        return FALSE;
    if (*p == '-')
        p++;
    if (!*p || strlen(p) > 9)
        return FALSE;
    for (; *p; p++) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
        v = v * 10 + (*p - '0');
    }
    if (text[0] == '-')
        v = -v;
    if (v < min || v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

static void
gpu_note_malformed(GpuRead *rd, const char *what, const char *text)
{
    g_autofree char *shown = g_strndup(text, 32);
    g_autofree char *escaped = g_strescape(shown, NULL);

    g_ptr_array_add(rd->malformed, g_strdup_printf("%s '%s'", what, escaped));
}

/* An optional hex attribute: FALSE and a note when present but malformed. */
static gboolean
gpu_read_hex(const char *dir, const char *name, guint64 max, guint64 *out, GpuRead *rd)
{
    g_autofree char *text = gpu_sysfs_read(dir, name);

    if (!text)
        return FALSE;
    if (gpu_parse_hex(text, max, out))
        return TRUE;
    gpu_note_malformed(rd, name, text);
    return FALSE;
}

static gboolean
gpu_read_dec(const char *dir, const char *name, gint64 min, gint64 max, gint64 *out, GpuRead *rd)
{
    g_autofree char *text = gpu_sysfs_read(dir, name);

    if (!text)
        return FALSE;
    if (gpu_parse_dec(text, min, max, out))
        return TRUE;
    gpu_note_malformed(rd, name, text);
    return FALSE;
}

/* A free-text attribute; the kernel writes "Unknown" (or "Unknown speed")
 * for a link it cannot train, which is no speed at all. */
static char *
gpu_read_text(const char *dir, const char *name)
{
    char *text = gpu_sysfs_read(dir, name);

    if (text && (!*text || g_str_has_prefix(text, "Unknown")))
        g_clear_pointer(&text, g_free);
    return text;
}

/* ---- one device ------------------------------------------------------- */

static void
gpu_mdev_type_free(gpointer data)
{
    GhGpuMdevType *t = data;

    g_free(t->id);
    g_free(t->name);
    g_free(t->device_api);
    g_free(t);
}

static void
gpu_device_free(gpointer data)
{
    GhGpuDevice *dev = data;

    g_free(dev->address);
    g_free(dev->driver);
    g_clear_pointer(&dev->group, g_ptr_array_unref);
    g_clear_pointer(&dev->companions, g_ptr_array_unref);
    g_free(dev->local_cpus);
    g_free(dev->link_speed);
    g_free(dev->max_link_speed);
    g_free(dev->physfn);
    g_clear_pointer(&dev->vfs, g_ptr_array_unref);
    g_clear_pointer(&dev->mdev_types, g_ptr_array_unref);
    g_free(dev->reason);
    g_free(dev);
}

static gint
gpu_compare_strings(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static gint
gpu_compare_mdev_types(gconstpointer a, gconstpointer b)
{
    return g_strcmp0((*(GhGpuMdevType *const *)a)->id, (*(GhGpuMdevType *const *)b)->id);
}

/* vendor and device are what the allowlist matches on: without them the
 * device can only be refused, with a reason that says why. */
static void
gpu_read_ids(GhGpuDevice *dev, const char *dir, GpuRead *rd)
{
    static const char *const names[] = { "vendor", "device" };
    guint16 *ids[] = { &dev->vendor, &dev->device };
    guint64 v;

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *text = gpu_sysfs_read(dir, names[i]);
        g_autofree char *escaped = text ? g_strescape(text, NULL) : NULL;

        if (gpu_parse_hex(text, G_MAXUINT16, &v)) {
            *ids[i] = (guint16)v;
        } else if (!rd->ids_problem) {
            rd->ids_problem = text ? g_strdup_printf("sysfs %s reads '%s'", names[i], escaped)
                                   : g_strdup_printf("sysfs %s is missing", names[i]);
        }
    }
    if (gpu_read_hex(dir, "subsystem_vendor", G_MAXUINT16, &v, rd))
        dev->subsystem_vendor = (guint16)v;
    if (gpu_read_hex(dir, "subsystem_device", G_MAXUINT16, &v, rd))
        dev->subsystem_device = (guint16)v;
}

static void
gpu_read_topology(GhGpuDevice *dev, const char *dir, GpuRead *rd)
{
    g_autofree char *group = gpu_sysfs_link_name(dir, "iommu_group");
    g_autofree char *boot_vga = gpu_sysfs_read(dir, "boot_vga");
    gint64 v;

    dev->driver = gpu_sysfs_link_name(dir, "driver");
    if (group && gpu_parse_dec(group, 0, G_MAXINT, &v))
        dev->iommu_group = (int)v;
    else if (group) {
        rd->group_malformed = TRUE;
        gpu_note_malformed(rd, "iommu_group", group);
    }
    if (gpu_read_dec(dir, "numa_node", -1, G_MAXINT, &v, rd))
        dev->numa_node = (int)v;
    dev->local_cpus = gpu_read_text(dir, "local_cpulist");
    dev->link_speed = gpu_read_text(dir, "current_link_speed");
    dev->max_link_speed = gpu_read_text(dir, "max_link_speed");
    if (gpu_read_dec(dir, "current_link_width", 0, 255, &v, rd))
        dev->link_width = (guint)v;
    if (gpu_read_dec(dir, "max_link_width", 0, 255, &v, rd))
        dev->max_link_width = (guint)v;
    if (boot_vga && (g_str_equal(boot_vga, "1") || g_str_equal(boot_vga, "0")))
        dev->boot_vga = g_str_equal(boot_vga, "1");
    else if (boot_vga)
        gpu_note_malformed(rd, "boot_vga", boot_vga);
}

/* A PF lists its VFs as virtfn0..virtfnN links; a VF links back by physfn. */
static void
gpu_read_sriov(GhGpuDevice *dev, const char *dir, GpuRead *rd)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    gint64 v;

    dev->physfn = gpu_sysfs_link_name(dir, "physfn");
    if (gpu_read_dec(dir, "sriov_totalvfs", 0, G_MAXUINT16, &v, rd))
        dev->sriov_total = (guint)v;
    if (gpu_read_dec(dir, "sriov_numvfs", 0, G_MAXUINT16, &v, rd))
        rd->numvfs = v;
    while (d && (name = g_dir_read_name(d))) {
        char *vf;

        if (!g_str_has_prefix(name, "virtfn") || !gpu_parse_dec(name + 6, 0, G_MAXUINT16, &v))
            continue;
        vf = gpu_sysfs_link_name(dir, name);
        if (vf && gh_gpu_address_is_valid(vf))
            g_ptr_array_add(dev->vfs, vf);
        else
            g_free(vf);
    }
    g_ptr_array_sort(dev->vfs, gpu_compare_strings);
}

static void
gpu_read_mdev_types(GhGpuDevice *dev, const char *dir, GpuRead *rd)
{
    g_autofree char *types_dir = g_build_filename(dir, "mdev_supported_types", NULL);
    g_autoptr(GDir) d = g_dir_open(types_dir, 0, NULL);
    const char *id;

    while (d && (id = g_dir_read_name(d))) {
        g_autofree char *type_dir = g_build_filename(types_dir, id, NULL);
        g_autofree char *what = g_strdup_printf("mdev_supported_types/%s/available_instances", id);
        g_autofree char *avail = gpu_sysfs_read(type_dir, "available_instances");
        GhGpuMdevType *t = g_new0(GhGpuMdevType, 1);
        gint64 v;

        t->id = g_strdup(id);
        t->name = gpu_read_text(type_dir, "name");
        t->device_api = gpu_read_text(type_dir, "device_api");
        if (gpu_parse_dec(avail, 0, G_MAXUINT32, &v))
            t->available = (guint)v;
        else if (avail)
            gpu_note_malformed(rd, what, avail);
        g_ptr_array_add(dev->mdev_types, t);
    }
    g_ptr_array_sort(dev->mdev_types, gpu_compare_mdev_types);
}

static GhGpuDevice *
gpu_device_read(const char *dir, const char *address, guint32 class_code, GpuRead *rd)
{
    GhGpuDevice *dev = g_new0(GhGpuDevice, 1);

    dev->address = g_strdup(address);
    dev->class_code = class_code;
    dev->iommu_group = -1;
    dev->numa_node = -1;
    dev->group = g_ptr_array_new_with_free_func(g_free);
    dev->companions = g_ptr_array_new_with_free_func(g_free);
    dev->vfs = g_ptr_array_new_with_free_func(g_free);
    dev->mdev_types = g_ptr_array_new_with_free_func(gpu_mdev_type_free);
    gpu_read_ids(dev, dir, rd);
    gpu_read_topology(dev, dir, rd);
    gpu_read_sriov(dev, dir, rd);
    gpu_read_mdev_types(dev, dir, rd);
    return dev;
}

/* ---- IOMMU groups ----------------------------------------------------- */

/* Class of any PCI device on the host (group members need not be GPUs);
 * -1 when it cannot be read. */
static gint64
gpu_member_class(const char *root, const char *address)
{
    g_autofree char *dir = g_build_filename(root, "sys", "bus", "pci", "devices", address, NULL);
    g_autofree char *text = gpu_sysfs_read(dir, "class");
    guint64 v;

    return gpu_parse_hex(text, 0xffffff, &v) ? (gint64)v : -1;
}

static gboolean
gpu_is_bridge(gint64 class_code)
{
    return class_code >= 0 && ((guint64)class_code >> 8) == GPU_CLASS_PCI_BRIDGE;
}

/* "0000:01:00" of "0000:01:00.1": functions of one card share it. */
static gboolean
gpu_same_slot(const char *a, const char *b)
{
    return strncmp(a, b, strlen("0000:00:00")) == 0;
}

/* Fills group (every member, sorted) and companions: the other functions
 * of the same card, which VFIO needs assigned along with it. */
static void
gpu_read_group(GhGpuDevice *dev, const char *root)
{
    g_autofree char *group = g_strdup_printf("%d", dev->iommu_group);
    g_autofree char *dir = g_build_filename(root, "sys", "kernel", "iommu_groups", group, "devices", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d)))
        if (gh_gpu_address_is_valid(name))
            g_ptr_array_add(dev->group, g_strdup(name));
    if (!g_ptr_array_find_with_equal_func(dev->group, dev->address, g_str_equal, NULL))
        g_ptr_array_add(dev->group, g_strdup(dev->address));
    g_ptr_array_sort(dev->group, gpu_compare_strings);
    for (guint i = 0; i < dev->group->len; i++) {
        const char *m = g_ptr_array_index(dev->group, i);

        if (!g_str_equal(m, dev->address) && gpu_same_slot(m, dev->address) &&
            !gpu_is_bridge(gpu_member_class(root, m)))
            g_ptr_array_add(dev->companions, g_strdup(m));
    }
}

/* The first group member that can go neither along nor be ignored, as a
 * sentence for the reason; NULL when the group is clean. */
static char *
gpu_group_blocker(const GhGpuDevice *dev, const char *root)
{
    const char *first = NULL;
    guint more = 0;

    for (guint i = 0; i < dev->group->len; i++) {
        const char *m = g_ptr_array_index(dev->group, i);

        if (g_str_equal(m, dev->address) || gpu_is_bridge(gpu_member_class(root, m)) ||
            g_ptr_array_find_with_equal_func(dev->companions, m, g_str_equal, NULL))
            continue;
        if (!first)
            first = m;
        else
            more++;
    }
    if (!first)
        return NULL;

    g_autofree char *dir = g_build_filename(root, "sys", "bus", "pci", "devices", first, NULL);
    g_autofree char *driver = gpu_sysfs_link_name(dir, "driver");
    g_autofree char *class_text = NULL;
    g_autofree char *driver_text = driver ? g_strdup_printf("driver %s", driver) : g_strdup("no driver");
    g_autofree char *more_text = more ? g_strdup_printf(" (and %u more)", more) : g_strdup("");
    gint64 class_code = gpu_member_class(root, first);

    class_text = class_code >= 0 ? g_strdup_printf("class 0x%06" G_GINT64_MODIFIER "x", class_code)
                                 : g_strdup("class unknown");
    return g_strdup_printf("IOMMU group %d also holds %s (%s, %s)%s, which cannot be assigned along",
                           dev->iommu_group, first, class_text, driver_text, more_text);
}

/* ---- the allowlist ---------------------------------------------------- */

/* Config ids are written by people: "10de", "0x10DE", up to 4 hex digits. */
static gboolean
gpu_parse_config_id(const char *text, guint16 *out)
{
    const char *p = text;
    guint v = 0;

    if (g_str_has_prefix(p, "0x") || g_str_has_prefix(p, "0X"))
        p += 2;
    if (!*p || strlen(p) > 4)
        return FALSE;
    for (; *p; p++) {
        if (!g_ascii_isxdigit(*p))
            return FALSE;
        v = v * 16 + (guint)g_ascii_xdigit_value(*p);
    }
    *out = (guint16)v;
    return TRUE;
}

static gboolean
gpu_allow_parse_products(GhGpuAllow *a, const char *products, GError **error)
{
    g_auto(GStrv) items = g_strsplit(products, ",", -1);

    for (guint i = 0; items[i]; i++) {
        guint16 id;

        g_strstrip(items[i]);
        if (!gpu_parse_config_id(items[i], &id)) {
            g_set_error(error, GH_GPU_ERROR, GH_GPU_ERROR_CONFIG,
                        "product '%s': '%s' is not a PCI id (1 to 4 hex digits)", products, items[i]);
            return FALSE;
        }
        g_array_append_val(a->products, id);
    }
    return TRUE;
}

static gboolean
gpu_allow_check_not_empty(const char *key, const char *value, GError **error)
{
    if (value && !*value) {
        g_set_error(error, GH_GPU_ERROR, GH_GPU_ERROR_CONFIG, "%s is empty", key);
        return FALSE;
    }
    return TRUE;
}

GhGpuAllow *
gh_gpu_allow_new(const char *alias, const char *vendor, const char *products, const char *address_glob,
                 const char *managed, const char *mdev_type, GError **error)
{
    g_autoptr(GhGpuAllow) a = g_new0(GhGpuAllow, 1);

    a->alias = g_strdup(alias);
    a->products = g_array_new(FALSE, FALSE, sizeof(guint16));
    a->managed = TRUE;
    if (!gpu_allow_check_not_empty("address", address_glob, error) ||
        !gpu_allow_check_not_empty("mdev_type", mdev_type, error))
        return NULL;
    if (vendor && !gpu_parse_config_id(vendor, &a->vendor)) {
        g_set_error(error, GH_GPU_ERROR, GH_GPU_ERROR_CONFIG,
                    "vendor '%s' is not a PCI id (1 to 4 hex digits)", vendor);
        return NULL;
    }
    if (products && !gpu_allow_parse_products(a, products, error))
        return NULL;
    if (managed && !g_str_equal(managed, "yes") && !g_str_equal(managed, "no")) {
        g_set_error(error, GH_GPU_ERROR, GH_GPU_ERROR_CONFIG, "managed '%s' is not yes or no", managed);
        return NULL;
    }
    a->managed = !managed || g_str_equal(managed, "yes");
    a->address_glob = g_strdup(address_glob);
    a->mdev_type = g_strdup(mdev_type);
    return g_steal_pointer(&a);
}

GhGpuAllow *
gh_gpu_allow_free(GhGpuAllow *allow)
{
    if (allow) {
        g_free(allow->alias);
        if (allow->products)
            g_array_unref(allow->products);
        g_free(allow->address_glob);
        g_free(allow->mdev_type);
        g_free(allow);
    }
    return NULL;
}

void
gh_gpu_allow_destroy(gpointer allow)
{
    gh_gpu_allow_free(allow);
}

static gboolean
gpu_allow_matches(const GhGpuAllow *a, const GhGpuDevice *dev)
{
    gboolean product_ok = a->products->len == 0;

    for (guint i = 0; i < a->products->len && !product_ok; i++)
        product_ok = g_array_index(a->products, guint16, i) == dev->device;
    return product_ok && (a->vendor == 0 || a->vendor == dev->vendor) &&
           (!a->address_glob || fnmatch(a->address_glob, dev->address, 0) == 0);
}

/* Like Nova's device_spec, the first entry that matches decides. */
static const GhGpuAllow *
gpu_allow_find(const GPtrArray *allow, const GhGpuDevice *dev)
{
    for (guint i = 0; allow && i < allow->len; i++) {
        const GhGpuAllow *a = g_ptr_array_index((GPtrArray *)allow, i);

        if (gpu_allow_matches(a, dev))
            return a;
    }
    return NULL;
}

/* ---- verdicts --------------------------------------------------------- */

static const GhGpuMdevType *
gpu_device_mdev_type(const GhGpuDevice *dev, const char *id)
{
    for (guint i = 0; i < dev->mdev_types->len; i++) {
        const GhGpuMdevType *t = g_ptr_array_index(dev->mdev_types, i);

        if (g_str_equal(t->id, id))
            return t;
    }
    return NULL;
}

static char *
gpu_assignable_reason(const GhGpuDevice *dev, const GhGpuAllow *a)
{
    g_autoptr(GString) s = g_string_new("assignable (");

    if (a->alias)
        g_string_append_printf(s, "alias %s, ", a->alias);
    if (a->mdev_type) {
        g_string_append_printf(s, "mdev %s, %u available)", a->mdev_type,
                               gpu_device_mdev_type(dev, a->mdev_type)->available);
        return g_string_free(g_steal_pointer(&s), FALSE);
    }
    g_string_append(s, a->managed ? "managed" : "unmanaged");
    if (dev->physfn)
        g_string_append_printf(s, ", VF of %s", dev->physfn);
    for (guint i = 0; i < dev->companions->len; i++)
        g_string_append_printf(s, "%s%s", i == 0 ? ", with " : " and ",
                               (const char *)g_ptr_array_index(dev->companions, i));
    g_string_append_c(s, ')');
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* A host driver keeps the device: the firmware's console is on it, or
 * libvirt was told not to detach it and nobody bound it to vfio-pci. */
static char *
gpu_driver_in_use(const GhGpuDevice *dev, const GhGpuAllow *a)
{
    gboolean on_vfio = g_strcmp0(dev->driver, GPU_VFIO_DRIVER) == 0;

    if (dev->boot_vga && dev->driver && !on_vfio)
        return g_strdup_printf("primary display of the host, bound to %s", dev->driver);
    if (!a->managed && !on_vfio)
        return dev->driver ? g_strdup_printf("bound to %s; unmanaged devices must be bound to vfio-pci", dev->driver)
                           : g_strdup("unbound; unmanaged devices must be bound to vfio-pci");
    return NULL;
}

/* The checks for handing the whole device (or VF) to VFIO, in the order an
 * operator fixes them; NULL when none applies. */
static char *
gpu_judge_vfio(const GhGpuDevice *dev, const GhGpuInventory *inv, const GhGpuAllow *a, const GpuRead *rd,
               GhGpuVerdict *verdict)
{
    char *why;

    if ((why = gpu_group_blocker(dev, inv->sysfs_root))) {
        *verdict = GH_GPU_GROUP_SHARED;
        return why;
    }
    if (rd->numvfs > 0) {
        *verdict = GH_GPU_SRIOV_PF_BUSY;
        return g_strdup_printf("SR-IOV PF with %" G_GINT64_FORMAT " VFs enabled: its VFs are assigned instead",
                               rd->numvfs);
    }
    if (!inv->vfio_available) {
        *verdict = GH_GPU_NO_VFIO;
        return g_strdup("vfio-pci is not available (modprobe vfio-pci)");
    }
    *verdict = GH_GPU_DRIVER_IN_USE;
    return gpu_driver_in_use(dev, a);
}

/* The first reason that applies.  An mdev parent stays on its vendor
 * driver and is never handed to VFIO itself, so the checks about detaching
 * it (group, PF, vfio-pci, driver) do not apply to mdev entries. */
static char *
gpu_judge(const GhGpuDevice *dev, const GhGpuInventory *inv, const GhGpuAllow *a, const GpuRead *rd,
          GhGpuVerdict *verdict)
{
    char *why;

    *verdict = GH_GPU_NOT_ALLOWLISTED;
    if (rd->ids_problem)
        return g_strdup_printf("cannot be matched against the allowlist: %s", rd->ids_problem);
    if (!a)
        return g_strdup("not in the allowlist");
    if (a->mdev_type && !gpu_device_mdev_type(dev, a->mdev_type))
        return g_strdup_printf("offers no mdev type %s", a->mdev_type);
    *verdict = GH_GPU_NO_IOMMU;
    if (dev->iommu_group < 0 && !inv->iommu_enabled)
        return g_strdup("no IOMMU group: the IOMMU is off (boot with intel_iommu=on or amd_iommu=on)");
    if (dev->iommu_group < 0)
        return g_strdup(rd->group_malformed ? "no IOMMU group: its iommu_group link is malformed"
                                            : "no IOMMU group although the IOMMU is on");
    if (!a->mdev_type && (why = gpu_judge_vfio(dev, inv, a, rd, verdict)))
        return why;
    *verdict = GH_GPU_ASSIGNABLE;
    return gpu_assignable_reason(dev, a);
}

static void
gpu_device_judge(GhGpuDevice *dev, const GhGpuInventory *inv, const GPtrArray *allow, const GpuRead *rd)
{
    g_autofree char *why = NULL;
    g_autoptr(GString) reason = NULL;

    dev->allow = rd->ids_problem ? NULL : gpu_allow_find(allow, dev);
    why = gpu_judge(dev, inv, dev->allow, rd, &dev->verdict);
    reason = g_string_new(why);
    for (guint i = 0; i < rd->malformed->len; i++)
        g_string_append_printf(reason, "%s%s", i == 0 ? "; ignored malformed sysfs " : ", ",
                               (const char *)g_ptr_array_index(rd->malformed, i));
    dev->reason = g_string_free(g_steal_pointer(&reason), FALSE);
}

/* ---- the inventory ---------------------------------------------------- */

static gboolean
gpu_dir_has_entries(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);

    return d && g_dir_read_name(d) != NULL;
}

static gint
gpu_compare_devices(gconstpointer a, gconstpointer b)
{
    return g_strcmp0((*(GhGpuDevice *const *)a)->address, (*(GhGpuDevice *const *)b)->address);
}

/* Reads one bus/pci/devices entry; NULL for anything that is not a
 * display-class device (or whose class cannot be read: nothing says it is
 * a GPU). */
static GhGpuDevice *
gpu_scan_one(const GhGpuInventory *inv, const char *devices_dir, const char *address, const GPtrArray *allow)
{
    g_autofree char *dir = g_build_filename(devices_dir, address, NULL);
    g_autofree char *class_text = gpu_sysfs_read(dir, "class");
    GpuRead rd = { .numvfs = -1, .malformed = g_ptr_array_new_with_free_func(g_free) };
    GhGpuDevice *dev;
    guint64 class_code = 0;

    if (!gpu_parse_hex(class_text, 0xffffff, &class_code) || (class_code >> 16) != GPU_CLASS_DISPLAY) {
        gpu_read_clear(&rd);
        return NULL;
    }
    dev = gpu_device_read(dir, address, (guint32)class_code, &rd);
    if (dev->iommu_group >= 0)
        gpu_read_group(dev, inv->sysfs_root);
    gpu_device_judge(dev, inv, allow, &rd);
    gpu_read_clear(&rd);
    return dev;
}

GhGpuInventory *
gh_gpu_inventory_scan(const char *sysfs_root, const GPtrArray *allow, GError **error)
{
    g_autofree char *devices_dir = NULL;
    g_autofree char *groups_dir = NULL;
    g_autofree char *vfio_driver = NULL;
    g_autofree char *vfio_module = NULL;
    g_autoptr(GhGpuInventory) inv = NULL;
    g_autoptr(GDir) d = NULL;
    const char *name;

    g_return_val_if_fail(sysfs_root != NULL, NULL);
    devices_dir = g_build_filename(sysfs_root, "sys", "bus", "pci", "devices", NULL);
    d = g_dir_open(devices_dir, 0, NULL);
    if (!d) {
        int e = errno;
        g_set_error(error, GH_GPU_ERROR, GH_GPU_ERROR_SYSFS, "cannot read PCI devices: %s: %s", devices_dir,
                    g_strerror(e));
        return NULL;
    }
    groups_dir = g_build_filename(sysfs_root, "sys", "kernel", "iommu_groups", NULL);
    vfio_driver = g_build_filename(sysfs_root, "sys", "bus", "pci", "drivers", GPU_VFIO_DRIVER, NULL);
    vfio_module = g_build_filename(sysfs_root, "sys", "module", "vfio_pci", NULL);
    inv = g_new0(GhGpuInventory, 1);
    inv->sysfs_root = g_strdup(sysfs_root);
    inv->iommu_enabled = gpu_dir_has_entries(groups_dir);
    inv->vfio_available = g_file_test(vfio_driver, G_FILE_TEST_IS_DIR) || g_file_test(vfio_module, G_FILE_TEST_IS_DIR);
    inv->devices = g_ptr_array_new_with_free_func(gpu_device_free);
    while ((name = g_dir_read_name(d))) {
        GhGpuDevice *dev;

        if (!gh_gpu_address_is_valid(name)) {
            g_debug("gpu: skipping %s/%s: not a PCI address", devices_dir, name);
            continue;
        }
        if ((dev = gpu_scan_one(inv, devices_dir, name, allow)))
            g_ptr_array_add(inv->devices, dev);
    }
    g_ptr_array_sort(inv->devices, gpu_compare_devices);
    return g_steal_pointer(&inv);
}

GhGpuInventory *
gh_gpu_inventory_free(GhGpuInventory *inv)
{
    if (inv) {
        g_free(inv->sysfs_root);
        g_clear_pointer(&inv->devices, g_ptr_array_unref);
        g_free(inv);
    }
    return NULL;
}

const GhGpuDevice *
gh_gpu_inventory_lookup(const GhGpuInventory *inv, const char *address)
{
    for (guint i = 0; inv && address && i < inv->devices->len; i++) {
        const GhGpuDevice *dev = g_ptr_array_index(inv->devices, i);

        if (g_str_equal(dev->address, address))
            return dev;
    }
    return NULL;
}

/* ---- names ------------------------------------------------------------ */

/* The kernel's spelling, DDDD:BB:SS.F in lowercase hex: addresses are
 * compared as strings, so another spelling of the same device would not
 * match. */
gboolean
gh_gpu_address_is_valid(const char *address)
{
    static const char shape[] = "xxxx:xx:xx.x";

    if (!address || strlen(address) != sizeof(shape) - 1)
        return FALSE;
    for (gsize i = 0; shape[i]; i++) {
        char c = address[i];

        if (shape[i] != 'x' ? c != shape[i] : !(g_ascii_isdigit(c) || (c >= 'a' && c <= 'f')))
            return FALSE;
    }
    /* 32 slots of 8 functions */
    return g_ascii_xdigit_value(address[8]) <= 1 && address[11] <= '7';
}

GH_ENUM_IMPL(gpu_verdict, GhGpuVerdict, GH_GPU_VERDICT_LAST, "unknown",
             "assignable", "not_allowlisted", "no_iommu", "group_shared", "driver_in_use",
             "no_vfio", "sriov_pf_busy");
