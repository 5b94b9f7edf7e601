/* catalog: the game image catalog.  Profiles and manifests are parsed with
 * libxml2 (no network, no DTDs, no entity expansion), validated against the
 * RelaxNG schemas, then checked for what a schema cannot say: identifiers,
 * artefact paths that stay inside the manifest's directory, checksums,
 * profile references and sane hardware numbers.  Every rejected file becomes
 * a GhImageProblem; only unloadable schemas make gh_catalog_load fail.
 * This file holds the catalog and its manifests; profiles are read by
 * image-profile.c, RelaxNG is driven by image-xml.c, and parsing is
 * util/xml-util's. */
#include "catalog-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#define GH_IMAGE_ID_MAX_LEN 64

/* The range of <machine memory-mib>: 16 MiB boots the smallest guest;
 * 1 TiB is beyond any game. */
#define GH_IMAGE_MEMORY_MIB_MIN 16
#define GH_IMAGE_MEMORY_MIB_MAX (1024 * 1024)

G_DEFINE_QUARK(gh-image-error-quark, gh_image_error)

/* ---- small helpers ---------------------------------------------------- */

gboolean
gh_image_id_is_valid(const char *id)
{
    if (id == NULL || id[0] == '\0' || strlen(id) > GH_IMAGE_ID_MAX_LEN)
        return FALSE;
    if (!g_ascii_islower(id[0]) && !g_ascii_isdigit(id[0]))
        return FALSE;
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) &&
            *p != '.' && *p != '_' && *p != '-')
            return FALSE;
    }
    /* Ids end up in file and domain names: never let one walk upwards. */
    return strstr(id, "..") == NULL;
}

GH_ENUM_IMPL(boot_kind, GhBootKind, GH_BOOT_KIND_LAST, "unknown", "kernel", "disk");
GH_ENUM_IMPL(firmware, GhFirmware, GH_FIRMWARE_LAST, "bios", "bios", "uefi");
GH_ENUM_IMPL(disk_bus, GhDiskBus, GH_DISK_BUS_LAST, "unknown", "ide", "virtio");
GH_ENUM_IMPL(gpu_need, GhGpuNeed, GH_GPU_NEED_LAST, "unknown", "none", "optional", "required");
GH_ENUM_IMPL(sound, GhSound, GH_SOUND_LAST, "unknown", "none", "ac97");

gboolean
gh_image_has_disk(const GhImage *image)
{
    return image->boot == GH_BOOT_DISK || image->disk_path != NULL;
}

/* The destroy function of GhCatalog.problems. */
void
gh_image_problem_free(gpointer data)
{
    GhImageProblem *problem = data;

    g_free(problem->file);
    g_free(problem->reason);
    g_free(problem);
}

static void
image_free(gpointer data)
{
    GhImage *image = data;

    g_free(image->id);
    g_free(image->title);
    g_free(image->version);
    g_free(image->manifest_path);
    g_free(image->kernel_path);
    g_free(image->initrd_path);
    g_free(image->cmdline);
    g_free(image->disk_path);
    g_free(image->disk_format);
    g_free(image->sha256);
    g_strfreev(image->capture);
    g_clear_pointer(&image->machine_profile, gh_image_profile_free);
    g_free(image);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhImage, image_free)

/* Appends a problem with file and line (0: unknown) to problems. */
void
gh_image_add_problem(GPtrArray *problems, const char *file, int line,
                     const char *fmt, ...)
{
    GhImageProblem *problem = g_new0(GhImageProblem, 1);
    va_list args;

    va_start(args, fmt);
    problem->reason = g_strdup_vprintf(fmt, args);
    va_end(args);
    problem->file = g_strdup(file);
    problem->line = line;
    g_ptr_array_add(problems, problem);
}

static gint
image_compare_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Entries of a directory, sorted so that load order (and so which of two
 * duplicates wins) does not depend on the file system. */
GPtrArray *
gh_image_list_dir(const char *dir, GPtrArray *problems)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) gdir = g_dir_open(dir, 0, &error);
    GPtrArray *names;
    const char *name;

    if (gdir == NULL) {
        gh_image_add_problem(problems, dir, 0, "cannot read directory: %s", error->message);
        return NULL;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(gdir)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, image_compare_name);
    return names;
}

/* ---- manifests -------------------------------------------------------- */

char *
gh_image_file_sha256(const char *path, GError **error)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autofree guchar *buf = g_malloc(64 * 1024);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int saved = 0;
    ssize_t n;

    if (fd < 0) {
        saved = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                    "cannot open '%s': %s", path, g_strerror(saved));
        return NULL;
    }
    while ((n = read(fd, buf, 64 * 1024)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            saved = errno;
            break;
        }
        g_checksum_update(sum, buf, n);
    }
    close(fd);
    if (saved) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                    "cannot read '%s': %s", path, g_strerror(saved));
        return NULL;
    }
    return g_strdup(g_checksum_get_string(sum));
}

static gboolean
image_path_is_tame(const char *rel)
{
    g_auto(GStrv) parts = NULL;

    if (rel[0] == '/' || g_path_is_absolute(rel))
        return FALSE;
    parts = g_strsplit(rel, "/", -1);
    for (guint i = 0; parts[i]; i++) {
        if (g_str_equal(parts[i], ".."))
            return FALSE;
    }
    return TRUE;
}

/* Returns the artefact's real path, or NULL with a problem: it must be a
 * regular file inside real_dir even after symlinks, and match its sha256. */
static char *
image_check_artefact(const char *file, xmlNodePtr node, const char *real_dir,
                     GPtrArray *problems)
{
    g_autofree char *rel = NULL, *want = NULL;
    g_autofree char *inside = g_strconcat(real_dir, "/", NULL);
    g_autofree char *joined = NULL, *real = NULL, *have = NULL;
    g_autoptr(GError) error = NULL;
    int line = gh_xml_line(node);
    struct stat st;

    if (!gh_xml_prop_string(node, "path", GH_XML_REQUIRED | GH_XML_NONEMPTY, &rel, &error) ||
        !gh_xml_prop_string(node, "sha256", GH_XML_REQUIRED, &want, &error)) {
        gh_image_add_problem(problems, file, line, "%s", error->message);
        return NULL;
    }

    if (rel[0] == '/' || g_path_is_absolute(rel)) {
        gh_image_add_problem(problems, file, line,
                             "artefact path '%s' is absolute; it must be relative to the manifest", rel);
        return NULL;
    }
    if (!image_path_is_tame(rel)) {
        gh_image_add_problem(problems, file, line,
                             "artefact path '%s' must not contain '..'", rel);
        return NULL;
    }
    joined = g_build_filename(real_dir, rel, NULL);
    real = realpath(joined, NULL);
    if (real == NULL) {
        int saved = errno;
        gh_image_add_problem(problems, file, line, "artefact '%s' %s: %s", rel,
                             saved == ENOENT ? "does not exist" : "cannot be resolved",
                             g_strerror(saved));
        return NULL;
    }
    if (!g_str_has_prefix(real, inside)) {
        gh_image_add_problem(problems, file, line,
                             "artefact '%s' resolves to '%s', outside the manifest's directory '%s'",
                             rel, real, real_dir);
        return NULL;
    }
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
        gh_image_add_problem(problems, file, line, "artefact '%s' is not a regular file", rel);
        return NULL;
    }
    have = gh_image_file_sha256(real, &error);
    if (have == NULL) {
        gh_image_add_problem(problems, file, line, "artefact '%s': %s", rel, error->message);
        return NULL;
    }
    if (!g_str_equal(have, want)) {
        gh_image_add_problem(problems, file, line,
                             "artefact '%s' sha256 mismatch: expected %s, actual %s",
                             rel, want, have);
        return NULL;
    }
    return g_steal_pointer(&real);
}

/* The checked path of boot's child element name into *path; TRUE with *path
 * untouched when there is no such child. */
static gboolean
image_read_artefact(const char *file, xmlNodePtr boot, const char *name,
                    const char *real_dir, GPtrArray *problems, char **path)
{
    xmlNodePtr node = gh_xml_child(boot, name);

    if (node == NULL)
        return TRUE;
    *path = image_check_artefact(file, node, real_dir, problems);
    return *path != NULL;
}

/* Fills the boot fields from <boot>; FALSE (with a problem) when an
 * artefact is refused.  The schema has vouched for which elements may
 * appear together. */
static gboolean
image_read_boot(GhImage *image, const char *file, xmlNodePtr boot,
                const char *real_dir, GPtrArray *problems)
{
    g_autoptr(GError) error = NULL;
    int firmware = GH_FIRMWARE_BIOS, bus = GH_DISK_BUS_IDE;
    xmlNodePtr kernel = gh_xml_child(boot, "kernel");
    xmlNodePtr disk = gh_xml_child(boot, "disk");

    if (!gh_xml_prop_enum(boot, "firmware", &gh_firmware_table, GH_XML_OPTIONAL, &firmware,
                          &error)) {
        gh_image_add_problem(problems, file, gh_xml_line(boot), "%s", error->message);
        return FALSE;
    }
    if (disk && !gh_xml_prop_enum(disk, "bus", &gh_disk_bus_table, GH_XML_OPTIONAL, &bus,
                                  &error)) {
        gh_image_add_problem(problems, file, gh_xml_line(disk), "%s", error->message);
        return FALSE;
    }
    image->firmware = firmware;
    image->boot = kernel ? GH_BOOT_KERNEL : GH_BOOT_DISK;
    image->disk_bus = bus;
    /* In order, stopping at the first refusal: a root disk is hundreds of
     * MB to hash, for nothing when the kernel is already refused. */
    if (!image_read_artefact(file, boot, "kernel", real_dir, problems, &image->kernel_path) ||
        !image_read_artefact(file, boot, "initrd", real_dir, problems, &image->initrd_path) ||
        !image_read_artefact(file, boot, "disk", real_dir, problems, &image->disk_path))
        return FALSE;
    gh_xml_prop_string(kernel ? kernel : disk, "sha256", GH_XML_OPTIONAL, &image->sha256, NULL);
    gh_xml_child_string(boot, "cmdline", GH_XML_OPTIONAL, &image->cmdline, NULL);
    if (disk)
        gh_xml_prop_string(disk, "format", GH_XML_OPTIONAL, &image->disk_format, NULL);
    return TRUE;
}

/* Applies <machine> (when the manifest has one) to a copy of the image's
 * profile, which becomes the image's own: other images of that profile keep
 * its values.  FALSE (with a problem) for a value out of range. */
static gboolean
image_apply_machine(GhImage *image, const char *file, xmlNodePtr machine,
                    GPtrArray *problems)
{
    g_autoptr(GError) error = NULL;
    guint64 vcpus = image->profile->vcpus;
    guint64 memory_mib = image->profile->memory_mib;

    if (machine == NULL)
        return TRUE;
    if (!gh_xml_prop_uint64(machine, "vcpus", GH_XML_OPTIONAL, GH_IMAGE_VCPUS_MIN,
                            GH_IMAGE_VCPUS_MAX, &vcpus, &error) ||
        !gh_xml_prop_uint64(machine, "memory-mib", GH_XML_OPTIONAL, GH_IMAGE_MEMORY_MIB_MIN,
                            GH_IMAGE_MEMORY_MIB_MAX, &memory_mib, &error)) {
        gh_image_add_problem(problems, file, gh_xml_line(machine), "%s", error->message);
        return FALSE;
    }
    image->machine_profile = gh_image_profile_copy(image->profile);
    image->machine_profile->vcpus = (guint) vcpus;
    image->machine_profile->memory_mib = memory_mib;
    image->profile = image->machine_profile;
    return TRUE;
}

static GStrv
image_read_capture(const char *file, xmlNodePtr capture, GPtrArray *problems)
{
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (xmlNodePtr n = capture->children; n; n = n->next) {
        g_autofree char *path = NULL;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        path = g_strstrip(gh_xml_text(n));
        if (!g_hash_table_add(seen, g_strdup(path))) {
            gh_image_add_problem(problems, file, gh_xml_line(n),
                                 "capture path '%s' listed twice", path);
            return NULL;
        }
        g_strv_builder_add(builder, path);
    }
    return g_strv_builder_end(builder);
}

static GhImage *
image_from_doc(GhCatalog *catalog, xmlDocPtr doc, const char *file)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr profile_node = gh_xml_child(root, "profile");
    g_autoptr(GhImage) image = g_new0(GhImage, 1);
    g_autofree char *profile_id = g_strstrip(gh_xml_text(profile_node));
    g_autofree char *real_dir = NULL;
    GPtrArray *problems = catalog->problems;
    const GhImage *first;
    gboolean ok = TRUE;

    gh_xml_prop_string(root, "id", GH_XML_OPTIONAL, &image->id, NULL);
    gh_xml_prop_string(root, "version", GH_XML_OPTIONAL, &image->version, NULL);
    image->title = gh_xml_text(gh_xml_child(root, "title"));
    image->manifest_path = realpath(file, NULL);
    if (image->manifest_path == NULL) {
        gh_image_add_problem(problems, file, 0, "cannot resolve the manifest's path: %s",
                             g_strerror(errno));
        return NULL;
    }
    if (!gh_image_id_is_valid(image->id)) {
        gh_image_add_problem(problems, file, gh_xml_line(root),
                             "invalid image id '%s'", image->id);
        return NULL;
    }
    first = g_hash_table_lookup(catalog->by_id, image->id);
    if (first) {
        gh_image_add_problem(problems, file, gh_xml_line(root),
                             "duplicate image id '%s' (first defined in %s)",
                             image->id, first->manifest_path);
        return NULL;
    }
    image->profile = g_hash_table_lookup(catalog->profiles, profile_id);
    if (image->profile == NULL) {
        gh_image_add_problem(problems, file, gh_xml_line(profile_node),
                             "unknown profile '%s'", profile_id);
        ok = FALSE;
    } else {
        ok &= image_apply_machine(image, file, gh_xml_child(root, "machine"), problems);
    }
    image->capture = image_read_capture(file, gh_xml_child(root, "capture"), problems);
    ok &= image->capture != NULL;
    real_dir = g_path_get_dirname(image->manifest_path);
    ok &= image_read_boot(image, file, gh_xml_child(root, "boot"), real_dir, problems);
    return ok ? g_steal_pointer(&image) : NULL;
}

static void
catalog_load_manifest(GhCatalog *catalog, xmlRelaxNGPtr schema, const char *path)
{
    g_autoptr(xmlDoc) doc = gh_image_xml_read(path, catalog->problems);
    GhImage *image;

    if (doc == NULL || !gh_image_xml_validate(schema, doc, path, catalog->problems))
        return;
    image = image_from_doc(catalog, doc, path);
    if (image == NULL)
        return;
    g_ptr_array_add(catalog->images, image);
    g_hash_table_insert(catalog->by_id, image->id, image);
}

/* Manifests live directly in an image dir or one level down (one folder per
 * game, next to its artefacts). */
static void
catalog_load_image_dir(GhCatalog *catalog, xmlRelaxNGPtr schema, const char *dir,
                       gboolean descend)
{
    g_autoptr(GPtrArray) names = gh_image_list_dir(dir, catalog->problems);

    for (guint i = 0; names && i < names->len; i++) {
        const char *name = names->pdata[i];
        g_autofree char *path = g_build_filename(dir, name, NULL);

        if (g_str_has_suffix(name, ".image.xml") && g_file_test(path, G_FILE_TEST_IS_REGULAR))
            catalog_load_manifest(catalog, schema, path);
        else if (descend && name[0] != '.' && g_file_test(path, G_FILE_TEST_IS_DIR))
            catalog_load_image_dir(catalog, schema, path, FALSE);
    }
}

/* ---- the catalog ------------------------------------------------------ */

static gint
image_compare_id(gconstpointer a, gconstpointer b)
{
    const GhImage *ia = *(const GhImage *const *) a;
    const GhImage *ib = *(const GhImage *const *) b;

    return strcmp(ia->id, ib->id);
}

static GhCatalog *
catalog_new(void)
{
    GhCatalog *catalog = g_new0(GhCatalog, 1);

    catalog->images = g_ptr_array_new_with_free_func(image_free);
    catalog->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    catalog->profiles = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, gh_image_profile_free);
    catalog->profile_files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    catalog->problems = g_ptr_array_new_with_free_func(gh_image_problem_free);
    return catalog;
}

GhCatalog *
gh_catalog_free(GhCatalog *catalog)
{
    if (catalog == NULL)
        return NULL;
    g_hash_table_unref(catalog->by_id);
    g_ptr_array_unref(catalog->images);
    g_hash_table_unref(catalog->profile_files);
    g_hash_table_unref(catalog->profiles);
    g_ptr_array_unref(catalog->problems);
    g_free(catalog);
    return NULL;
}

static GhCatalog *
catalog_load_with(xmlRelaxNGPtr image_rng, xmlRelaxNGPtr profile_rng,
                  const char *const *profile_dirs, const char *const *image_dirs)
{
    GhCatalog *catalog = catalog_new();

    for (guint i = 0; profile_dirs && profile_dirs[i]; i++)
        gh_catalog_load_profile_dir(catalog, profile_rng, profile_dirs[i]);
    for (guint i = 0; image_dirs && image_dirs[i]; i++)
        catalog_load_image_dir(catalog, image_rng, image_dirs[i], TRUE);
    g_ptr_array_sort(catalog->images, image_compare_id);
    return catalog;
}

GhCatalog *
gh_catalog_load(const char *schema_dir, const char *const *profile_dirs,
                const char *const *image_dirs, GError **error)
{
    g_autoptr(xmlRelaxNG) image_rng = NULL;
    g_autoptr(xmlRelaxNG) profile_rng = NULL;
    GhCatalog *catalog = NULL;
    GhXmlQuiet saved;

    g_return_val_if_fail(schema_dir != NULL, NULL);
    xmlInitParser();
    /* A schema's own file is read outside any context we can hook. */
    gh_xml_quiet_begin(&saved);
    image_rng = gh_image_load_schema(schema_dir, "image.rng", error);
    if (image_rng)
        profile_rng = gh_image_load_schema(schema_dir, "profile.rng", error);
    if (profile_rng)
        catalog = catalog_load_with(image_rng, profile_rng, profile_dirs, image_dirs);
    gh_xml_quiet_end(&saved);
    return catalog;
}

const GhImage *
gh_catalog_lookup(const GhCatalog *catalog, const char *id)
{
    g_return_val_if_fail(catalog != NULL, NULL);
    if (!gh_image_id_is_valid(id))
        return NULL;
    return g_hash_table_lookup(catalog->by_id, id);
}

const GPtrArray *
gh_catalog_images(const GhCatalog *catalog)
{
    g_return_val_if_fail(catalog != NULL, NULL);
    return catalog->images;
}

const GPtrArray *
gh_catalog_problems(const GhCatalog *catalog)
{
    g_return_val_if_fail(catalog != NULL, NULL);
    return catalog->problems;
}
