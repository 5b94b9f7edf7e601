/* ctl-image-plan: what `gamehostctl image build` computes without touching
 * the system (ctl-image-plan.h): lists, apt's answer read back, the cache
 * key, templates, the tools' argv and the manifest.  The builder
 * (ctl-image-build.c) does the I/O around these. */
#include "ctl-image-plan.h"
#include "ctl-util.h"
#include "util/xml-util.h"

#include <string.h>
#include <sys/stat.h>

#define PLAN_XML(s) ((const xmlChar *)(s))
#define PLAN_NS "https://gamehost.dev/xmlns/image/1"

/* The kiosk stack: a kernel (its initramfs comes with it), systemd as init,
 * udev for the devices, and a bare X server that xinit starts with the
 * libinput driver for the keyboard, mouse and pads; libdrm2 for the guest
 * agent's KMS scanout reads. */
const char *const gh_image_plan_base_packages[] = {
    "linux-image-amd64", "systemd-sysv", "udev", "xserver-xorg-core", "xserver-xorg-input-libinput",
    "xinit", "libdrm2", NULL,
};

GStrv
gh_image_plan_packages(const GhImageSpec *spec)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; gh_image_plan_base_packages[i]; i++)
        if (g_hash_table_add(seen, (gpointer)gh_image_plan_base_packages[i]))
            g_strv_builder_add(b, gh_image_plan_base_packages[i]);
    for (guint i = 0; spec->packages && spec->packages[i]; i++)
        if (g_hash_table_add(seen, spec->packages[i]))
            g_strv_builder_add(b, spec->packages[i]);
    return g_strv_builder_end(b);
}

GStrv
gh_image_plan_apt_argv(const char *const *packages)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();

    /* As mmdebstrap's minbase installs: '?priority(required)' as well as
     * '?essential' (tzdata and e2fsprogs must be in the key too), and no
     * Recommends (its apt config says so; with them, 76 of Freedoom's 314
     * resolved packages were never installed). */
    g_strv_builder_add_many(b, "apt-get", "-s", "-o", "Dir::State::status=/dev/null", "-o",
                            "APT::Install-Recommends=false", "install", "?essential", "?priority(required)", "apt",
                            NULL);
    g_strv_builder_addv(b, (const char **)packages);
    return g_strv_builder_end(b);
}

/* g_ptr_array_sort's comparison for an array of strings. */
static gint
plan_compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GStrv
gh_image_plan_parse_apt(const char *output, GError **error)
{
    g_autoptr(GRegex) re = g_regex_new("^Inst (\\S+) (?:\\[[^]\\n]*\\] )?\\((\\S+) ", G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();

    g_regex_match(re, output, 0, &m);
    while (g_match_info_matches(m)) {
        g_autofree char *name = g_match_info_fetch(m, 1);
        g_autofree char *version = g_match_info_fetch(m, 2);
        g_ptr_array_add(list, g_strdup_printf("%s=%s", name, version));
        g_match_info_next(m, NULL);
    }
    if (list->len == 0) {
        g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                            "apt-get resolved no package (no \"Inst\" line in its output)");
        return NULL;
    }
    g_ptr_array_sort(list, plan_compare_strings);
    for (guint i = 0; i < list->len; i++)
        if (i == 0 || strcmp(list->pdata[i], list->pdata[i - 1]) != 0)
            g_strv_builder_add(b, list->pdata[i]);
    return g_strv_builder_end(b);
}

/* The last n non-empty lines of text, joined by "; ". */
static char *
plan_last_lines(const char *text, guint n)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    g_autoptr(GPtrArray) kept = g_ptr_array_new();
    guint len = g_strv_length(lines);

    for (guint i = len; i > 0 && kept->len < n; i--)
        if (*g_strstrip(lines[i - 1]))
            g_ptr_array_insert(kept, 0, lines[i - 1]);
    if (kept->len == 0)
        return g_strdup("no message");
    g_ptr_array_add(kept, NULL);
    return g_strjoinv("; ", (char **)kept->pdata);
}

/* One "E:" line of apt-get, in the operator's terms. */
static char *
plan_apt_reason(const char *line)
{
    g_autoptr(GRegex) locate = g_regex_new("^Unable to locate package (.+)$", 0, 0, NULL);
    g_autoptr(GRegex) version = g_regex_new("^Version '(.*)' for '(.*)' was not found$", 0, 0, NULL);
    g_autoptr(GRegex) candidate = g_regex_new("^Package '(.*)' has no installation candidate$", 0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;

    if (g_regex_match(locate, line, 0, &m)) {
        g_autofree char *name = g_match_info_fetch(m, 1);
        return g_strdup_printf("package %s is not in the host's apt lists (run apt-get update?)", name);
    }
    g_clear_pointer(&m, g_match_info_free);
    if (g_regex_match(version, line, 0, &m)) {
        g_autofree char *v = g_match_info_fetch(m, 1);
        g_autofree char *name = g_match_info_fetch(m, 2);
        return g_strdup_printf("package %s has no version %s in the host's apt lists (run apt-get update?)", name,
                               v);
    }
    g_clear_pointer(&m, g_match_info_free);
    if (g_regex_match(candidate, line, 0, &m)) {
        g_autofree char *name = g_match_info_fetch(m, 1);
        return g_strdup_printf("package %s has no installation candidate (a virtual or obsolete package: name "
                               "one that provides it)", name);
    }
    return g_strdup(line);
}

char *
gh_image_plan_apt_error(const char *stderr_text)
{
    g_auto(GStrv) lines = g_strsplit(stderr_text ? stderr_text : "", "\n", -1);
    g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; lines[i]; i++) {
        const char *l = g_strstrip(lines[i]);
        if (g_str_has_prefix(l, "E: "))
            g_ptr_array_add(reasons, plan_apt_reason(l + 3));
    }
    if (reasons->len == 0)
        return plan_last_lines(stderr_text, 5);
    g_ptr_array_add(reasons, NULL);
    return g_strjoinv("; ", (char **)reasons->pdata);
}

char *
gh_image_plan_os_codename(const char *os_release)
{
    g_auto(GStrv) lines = g_strsplit(os_release ? os_release : "", "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        const char *l = g_strstrip(lines[i]);
        g_autofree char *value = NULL;

        if (!g_str_has_prefix(l, "VERSION_CODENAME="))
            continue;
        /* os-release values are shell-quoted when they need to be. */
        value = g_shell_unquote(l + strlen("VERSION_CODENAME="), NULL);
        return value && *value ? g_steal_pointer(&value) : NULL;
    }
    return NULL;
}

/* ---- the cache key ---------------------------------------------------------------- */

GhImagePlanEntry *
gh_image_plan_entry_new(const char *path, guint mode, GBytes *data)
{
    GhImagePlanEntry *e = g_new0(GhImagePlanEntry, 1);

    e->path = g_strdup(path);
    e->mode = mode;
    e->data = data ? g_bytes_ref(data) : g_bytes_new_static("", 0);
    return e;
}

void
gh_image_plan_entry_free(gpointer entry)
{
    GhImagePlanEntry *e = entry;

    if (e == NULL)
        return;
    g_free(e->path);
    g_bytes_unref(e->data);
    g_free(e);
}

/* "TAG NAMELEN:NAME MODE DATALEN\nDATA\n": every field's length is in the
 * text, so no two different inputs can make the same text. */
static void
plan_hash_record(GChecksum *sum, const char *tag, const char *name, guint mode, GBytes *data)
{
    g_autofree char *head = NULL;
    gsize len = 0;
    const guchar *bytes = data ? g_bytes_get_data(data, &len) : NULL;

    name = name ? name : "";
    head = g_strdup_printf("%s %zu:%s %o %zu\n", tag, strlen(name), name, mode, len);
    g_checksum_update(sum, (const guchar *)head, strlen(head));
    if (len > 0)
        g_checksum_update(sum, bytes, len);
    g_checksum_update(sum, (const guchar *)"\n", 1);
}

static gint
plan_compare_entries(gconstpointer a, gconstpointer b)
{
    const GhImagePlanEntry *ea = *(const GhImagePlanEntry *const *)a;
    const GhImagePlanEntry *eb = *(const GhImagePlanEntry *const *)b;

    return strcmp(ea->path, eb->path);
}

/* The entries sorted by path (a copy of the array: the caller's keeps its order). */
static void
plan_hash_sorted(GChecksum *sum, const char *tag, const GPtrArray *entries)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();

    for (guint i = 0; entries && i < entries->len; i++)
        g_ptr_array_add(sorted, entries->pdata[i]);
    g_ptr_array_sort(sorted, plan_compare_entries);
    for (guint i = 0; i < sorted->len; i++) {
        const GhImagePlanEntry *e = sorted->pdata[i];
        plan_hash_record(sum, tag, e->path, e->mode, e->data);
    }
}

char *
gh_image_plan_key(const GhImagePlanKeyInput *in)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autoptr(GBytes) suite = g_bytes_new(in->suite, in->suite ? strlen(in->suite) : 0);

    plan_hash_record(sum, "format", GH_IMAGE_PLAN_FORMAT, 0, NULL);
    plan_hash_record(sum, "spec", NULL, 0, in->spec);
    for (guint i = 0; in->files && i < in->files->len; i++) {
        const GhImagePlanEntry *e = in->files->pdata[i];
        plan_hash_record(sum, "file", e->path, e->mode, e->data);
    }
    plan_hash_record(sum, "profile", NULL, 0, in->profile);
    plan_hash_sorted(sum, "guest", in->guest);
    plan_hash_record(sum, "agent", NULL, 0, in->agent);
    plan_hash_record(sum, "suite", NULL, 0, suite);
    plan_hash_sorted(sum, "source", in->sources);
    for (guint i = 0; in->packages && in->packages[i]; i++)
        plan_hash_record(sum, "package", in->packages[i], 0, NULL);
    return g_strdup(g_checksum_get_string(sum));
}

char *
gh_image_plan_entry_name(const char *id, const char *key)
{
    return g_strdup_printf("%s-%.16s", id, key);
}

/* ---- templates -------------------------------------------------------------------- */

typedef struct {
    const GhImagePlanVars *vars;
    char *unknown;           /* the first placeholder not known */
} PlanRender;

static gboolean
plan_render_one(const GMatchInfo *m, GString *out, gpointer data)
{
    PlanRender *r = data;
    g_autofree char *name = g_match_info_fetch(m, 1);
    const GhImagePlanVars *v = r->vars;

    if (g_str_equal(name, "WIDTH"))
        g_string_append_printf(out, "%u", v->width);
    else if (g_str_equal(name, "HEIGHT"))
        g_string_append_printf(out, "%u", v->height);
    else if (g_str_equal(name, "REFRESH"))
        g_string_append_printf(out, "%u", v->refresh);
    else if (g_str_equal(name, "GAME_COMMAND"))
        g_string_append(out, v->command);
    else if (g_str_equal(name, "IMAGE_ID"))
        g_string_append(out, v->image_id);
    else {
        r->unknown = g_steal_pointer(&name);
        return TRUE;   /* stops the replacement */
    }
    return FALSE;
}

char *
gh_image_plan_render(const char *text, const GhImagePlanVars *vars, GError **error)
{
    g_autoptr(GRegex) re = g_regex_new("@([A-Z][A-Z0-9_]*)@", 0, 0, NULL);
    PlanRender r = { vars, NULL };
    g_autofree char *out = g_regex_replace_eval(re, text, -1, 0, 0, plan_render_one, &r, NULL);

    if (r.unknown != NULL) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                    "unknown placeholder @%s@ (known: @WIDTH@ @HEIGHT@ @REFRESH@ @GAME_COMMAND@ @IMAGE_ID@)",
                    r.unknown);
        g_free(r.unknown);
        return NULL;
    }
    return g_steal_pointer(&out);
}

/* ---- the tools -------------------------------------------------------------------- */

GStrv
gh_image_plan_mmdebstrap_argv(const char *const *packages, const char *suite, const char *root, const char *debs,
                              const char *const *sources, const char *const *dpkg_opts)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_autofree char *list = g_strjoinv(",", (char **)packages);
    g_autofree char *quoted = g_shell_quote(debs);
    g_autofree char *include = g_strconcat("--include=", list, NULL);
    g_autofree char *sync_in = g_strdup_printf("--setup-hook=sync-in %s /var/cache/apt/archives/", quoted);
    g_autofree char *sync_out = g_strdup_printf("--customize-hook=sync-out /var/cache/apt/archives %s", quoted);

    g_strv_builder_add_many(b, "mmdebstrap", "--mode=root", "--variant=minbase", "--components=main", NULL);
    g_strv_builder_add(b, include);
    /* mmdebstrap's own recipe (man mmdebstrap, EXAMPLES): keep the packages
     * it downloaded, copy the cache in before and out after; its hooks split
     * their words like a shell, hence the quoting. */
    g_strv_builder_add(b, "--skip=essential/unlink");
    g_strv_builder_add(b, "--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives/");
    g_strv_builder_add(b, sync_in);
    g_strv_builder_add(b, sync_out);
    /* The guest's own dpkg settings (path-exclude) must hold while the
     * packages are unpacked, not only after: mmdebstrap pastes a file given
     * to --dpkgopt into the chroot's dpkg.cfg.d before it installs. */
    for (guint i = 0; dpkg_opts && dpkg_opts[i]; i++) {
        g_autofree char *opt = g_strconcat("--dpkgopt=", dpkg_opts[i], NULL);
        g_strv_builder_add(b, opt);
    }
    g_strv_builder_add_many(b, suite, root, NULL);
    g_strv_builder_addv(b, (const char **)sources);
    return g_strv_builder_end(b);
}

guint64
gh_image_plan_disk_mib(guint64 tree_bytes)
{
    const guint64 mib = 1024 * 1024;
    guint64 bytes = tree_bytes + (tree_bytes * 3 + 9) / 10 + 256 * mib;

    return (bytes + mib - 1) / mib;
}

GStrv
gh_image_plan_dpkg_opts(const GPtrArray *guest, const char *guest_dir)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_autoptr(GPtrArray) found = g_ptr_array_new();

    for (guint i = 0; i < guest->len; i++) {
        const GhImagePlanEntry *e = guest->pdata[i];
        const char *name = e->path + strlen(GH_IMAGE_PLAN_DPKG_CFG_DIR);
        if (S_ISREG(e->mode) && g_str_has_prefix(e->path, GH_IMAGE_PLAN_DPKG_CFG_DIR) && name[0] != '\0' &&
            strchr(name, '/') == NULL)
            g_ptr_array_add(found, e->path);
    }
    /* dpkg reads dpkg.cfg.d in name order; so do we. */
    g_ptr_array_sort(found, plan_compare_strings);
    for (guint i = 0; i < found->len; i++) {
        g_autofree char *path = g_build_filename(guest_dir, found->pdata[i], NULL);
        g_strv_builder_add(b, path);
    }
    return g_strv_builder_end(b);
}

/* ---- the manifest ----------------------------------------------------------------- */

char *
gh_image_plan_cmdline(const GhImageSpec *spec)
{
    if (spec->kernel_args == NULL)
        return g_strdup(GH_IMAGE_PLAN_BASE_CMDLINE);
    return g_strconcat(GH_IMAGE_PLAN_BASE_CMDLINE, " ", spec->kernel_args, NULL);
}

char *
gh_image_plan_manifest_name(const char *id)
{
    return g_strconcat(id, ".image.xml", NULL);
}

/* <element path="path" ...>: the caller adds the other attributes in order. */
static xmlNodePtr
plan_artefact(xmlNodePtr boot, xmlNsPtr ns, const char *element, const char *path)
{
    xmlNodePtr node = xmlNewChild(boot, ns, PLAN_XML(element), NULL);

    xmlNewProp(node, PLAN_XML("path"), PLAN_XML(path));
    return node;
}

/* <machine>: only what the spec sets, the profile gives the rest. */
static void
plan_manifest_machine(xmlNodePtr image, xmlNsPtr ns, const GhImageSpec *spec)
{
    xmlNodePtr machine = xmlNewChild(image, ns, PLAN_XML("machine"), NULL);
    char buf[32];

    if (spec->vcpus != 0) {
        g_snprintf(buf, sizeof buf, "%u", spec->vcpus);
        xmlNewProp(machine, PLAN_XML("vcpus"), PLAN_XML(buf));
    }
    if (spec->memory_mib != 0) {
        g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, spec->memory_mib);
        xmlNewProp(machine, PLAN_XML("memory-mib"), PLAN_XML(buf));
    }
}

static void
plan_manifest_boot(xmlNodePtr image, xmlNsPtr ns, const GhImageSpec *spec, const GhImagePlanSums *sums)
{
    xmlNodePtr boot = xmlNewChild(image, ns, PLAN_XML("boot"), NULL);
    g_autofree char *cmdline = gh_image_plan_cmdline(spec);
    xmlNodePtr disk;

    xmlNewProp(boot, PLAN_XML("firmware"), PLAN_XML("bios"));
    xmlNewProp(plan_artefact(boot, ns, "kernel", GH_IMAGE_PLAN_KERNEL), PLAN_XML("sha256"), PLAN_XML(sums->kernel));
    xmlNewProp(plan_artefact(boot, ns, "initrd", GH_IMAGE_PLAN_INITRD), PLAN_XML("sha256"), PLAN_XML(sums->initrd));
    xmlNewTextChild(boot, ns, PLAN_XML("cmdline"), PLAN_XML(cmdline));
    disk = plan_artefact(boot, ns, "disk", GH_IMAGE_PLAN_DISK);
    xmlNewProp(disk, PLAN_XML("format"), PLAN_XML("qcow2"));
    xmlNewProp(disk, PLAN_XML("bus"), PLAN_XML("virtio"));
    xmlNewProp(disk, PLAN_XML("sha256"), PLAN_XML(sums->disk));
}

char *
gh_image_plan_manifest(const GhImageSpec *spec, const GhImagePlanSums *sums)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(PLAN_XML("1.0"));
    xmlNodePtr image = xmlNewNode(NULL, PLAN_XML("image"));
    xmlNsPtr ns = xmlNewNs(image, PLAN_XML(PLAN_NS), NULL);
    xmlNodePtr capture;
    xmlChar *out = NULL;
    int len = 0;
    char *text;

    xmlSetNs(image, ns);
    xmlDocSetRootElement(doc, image);
    xmlNewProp(image, PLAN_XML("id"), PLAN_XML(spec->id));
    xmlNewProp(image, PLAN_XML("version"), PLAN_XML(spec->version));
    xmlNewTextChild(image, ns, PLAN_XML("title"), PLAN_XML(spec->title));
    xmlNewTextChild(image, ns, PLAN_XML("profile"), PLAN_XML(spec->profile));
    if (spec->vcpus != 0 || spec->memory_mib != 0)
        plan_manifest_machine(image, ns, spec);
    plan_manifest_boot(image, ns, spec, sums);
    capture = xmlNewChild(image, ns, PLAN_XML("capture"), NULL);
    xmlNewTextChild(capture, ns, PLAN_XML("path"), PLAN_XML("relay"));
    xmlNewTextChild(capture, ns, PLAN_XML("path"), PLAN_XML("vnc"));
    xmlNewTextChild(capture, ns, PLAN_XML("path"), PLAN_XML("screenshot"));
    xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
    text = g_strndup((const char *)out, len);
    xmlFree(out);
    return text;
}

/* ---- what was installed ----------------------------------------------------------- */

/* NAME=VERSION split at the first '=' (names have none). */
static GHashTable *
plan_package_table(const char *const *list)
{
    GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    for (guint i = 0; list && list[i]; i++) {
        const char *eq = strchr(list[i], '=');
        if (eq != NULL)
            g_hash_table_replace(t, g_strndup(list[i], eq - list[i]), g_strdup(eq + 1));
    }
    return t;
}

char *
gh_image_plan_diff_packages(const char *const *resolved, const char *const *installed)
{
    g_autoptr(GHashTable) want = plan_package_table(resolved);
    g_autoptr(GHashTable) have = plan_package_table(installed);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    g_autoptr(GString) out = g_string_new(NULL);
    GHashTableIter it;
    gpointer name;
    guint n = 0;

    g_hash_table_iter_init(&it, want);
    while (g_hash_table_iter_next(&it, &name, NULL))
        g_ptr_array_add(names, name);
    g_hash_table_iter_init(&it, have);
    while (g_hash_table_iter_next(&it, &name, NULL))
        if (!g_hash_table_contains(want, name))
            g_ptr_array_add(names, name);
    g_ptr_array_sort(names, plan_compare_strings);
    for (guint i = 0; i < names->len; i++) {
        const char *w = g_hash_table_lookup(want, names->pdata[i]);
        const char *h = g_hash_table_lookup(have, names->pdata[i]);

        if (g_strcmp0(w, h) == 0)
            continue;
        if (++n > 3)
            continue;
        g_string_append(out, n > 1 ? "; " : "");
        if (w && h)
            g_string_append_printf(out, "%s %s resolved, %s installed", (char *)names->pdata[i], w, h);
        else
            g_string_append_printf(out, "%s %s only", (char *)names->pdata[i], w ? "resolved" : "installed");
    }
    if (n == 0)
        return NULL;
    return g_strdup_printf("%u differ: %s%s", n, out->str, n > 3 ? "; ..." : "");
}
