/* ctl-image-build: `gamehostctl image build SPEC` (docs/images.md): a game
 * image built from a spec (conf/image-spec) out of Debian packages, and
 * cached under a key over everything it is built from.  This file runs the
 * steps and their tools (g_spawn, argv vectors, never a shell string) and
 * prints one line per step; ctl-image-plan computes, ctl-image-tree does the
 * file work.  Local and root only: it never talks to gamehostd. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/catalog.h"
#include "conf/image-spec.h"
#include "ctl-cmd.h"
#include "ctl-image-plan.h"
#include "ctl-image-tree.h"
#include "ctl-util.h"

#ifndef GH_PKGLIBEXECDIR
#define GH_PKGLIBEXECDIR "/usr/local/libexec/gamehost"
#endif

#define IMAGE_BUILD_CACHE "/var/cache/gamehost/images"
#define IMAGE_BUILD_ETC_APT "/etc/apt"
#define IMAGE_BUILD_STDERR_LINES 12

typedef struct {
    /* the options */
    char *spec_path, *output, *cache, *agent, *guest, *profiles, *suite;
    /* what the image is built from */
    GhImageSpec *spec;
    GhCatalog *profile_catalog;
    const GhProfile *profile;      /* owned by profile_catalog */
    char *profile_file;
    char *schema_dir;
    GStrv packages;                /* base + spec: what apt and mmdebstrap install */
    GStrv resolved;                /* NAME=VERSION, sorted */
    GPtrArray *spec_files;         /* GhImagePlanEntry: the spec's files */
    GBytes *profile_bytes;
    GBytes *agent_bytes;
    GPtrArray *guest_entries;      /* GhImagePlanEntry */
    GPtrArray *sources;            /* GhImagePlanEntry */
    /* where it goes */
    char *key;
    char *entry;                   /* <cache>/<id>-<key16> */
    char *tmp;                     /* <cache>/.build-<id>-XXXXXX while building */
    int lock_fd;
    gint64 start, step_start;
    gboolean in_step;
} ImageBuild;

static void
image_build_clear(ImageBuild *b)
{
    g_free(b->spec_path);
    g_free(b->output);
    g_free(b->cache);
    g_free(b->agent);
    g_free(b->guest);
    g_free(b->profiles);
    g_free(b->suite);
    gh_image_spec_free(b->spec);
    gh_catalog_free(b->profile_catalog);
    g_free(b->profile_file);
    g_free(b->schema_dir);
    g_strfreev(b->packages);
    g_strfreev(b->resolved);
    g_clear_pointer(&b->spec_files, g_ptr_array_unref);
    g_clear_pointer(&b->profile_bytes, g_bytes_unref);
    g_clear_pointer(&b->agent_bytes, g_bytes_unref);
    g_clear_pointer(&b->guest_entries, g_ptr_array_unref);
    g_clear_pointer(&b->sources, g_ptr_array_unref);
    g_free(b->key);
    g_free(b->entry);
    g_free(b->tmp);
    if (b->lock_fd >= 0)
        close(b->lock_fd);   /* releases the flock */
}

static gboolean
image_build_fail(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
image_build_fail(GError **error, const char *fmt, ...)
{
    g_autofree char *message = NULL;
    va_list args;

    va_start(args, fmt);
    message = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, message);
    return FALSE;
}

/* ---- progress ----------------------------------------------------------------------- */

static double
image_build_seconds(gint64 since)
{
    return (double)(g_get_monotonic_time() - since) / G_USEC_PER_SEC;
}

/* A step's line starts when it starts, so a long one shows what is running. */
static void
image_build_step(ImageBuild *b, const char *label)
{
    printf("%-11s ", label);
    fflush(stdout);
    b->step_start = g_get_monotonic_time();
    b->in_step = TRUE;
}

static void
image_build_done(ImageBuild *b, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
image_build_done(ImageBuild *b, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list args;

    va_start(args, fmt);
    what = g_strdup_vprintf(fmt, args);
    va_end(args);
    printf("%s (%.1f s)\n", what, image_build_seconds(b->step_start));
    fflush(stdout);
    b->in_step = FALSE;
}

/* ---- running tools ------------------------------------------------------------------ */

/* Runs argv with LC_ALL=C (messages parsed in English).  TRUE only when it
 * exits 0; *out and *err hold what it printed either way. */
static gboolean
image_build_spawn(const char *const *argv, char **out, char **err, char **why)
{
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "LC_ALL", "C", TRUE);
    g_autoptr(GError) local = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, out, err, &status, &local)) {
        *why = g_strdup_printf("cannot run %s: %s", argv[0], local->message);
        return FALSE;
    }
    if (!g_spawn_check_wait_status(status, &local)) {
        *why = g_strdup_printf("%s failed (%s)", argv[0], local->message);
        return FALSE;
    }
    return TRUE;
}

/* The last n lines of text, each indented, for an error message. */
static char *
image_build_tail(const char *text, guint n)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    guint len = g_strv_length(lines), first;

    while (len > 0 && !*g_strstrip(lines[len - 1]))
        len--;
    first = len > n ? len - n : 0;
    for (guint i = first; i < len; i++)
        g_string_append_printf(out, "\n  %s", lines[i]);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Runs a step's tool; a failure names the step, the tool and its last
 * lines on stderr. */
static gboolean
image_build_run(const char *step, const char *const *argv, char **out, GError **error)
{
    g_autofree char *err = NULL, *why = NULL, *tail = NULL;
    g_autofree char *ignored = NULL;

    if (image_build_spawn(argv, out ? out : &ignored, &err, &why))
        return TRUE;
    tail = image_build_tail(err, IMAGE_BUILD_STDERR_LINES);
    return image_build_fail(error, "%s: %s%s", step, why, tail);
}

/* ---- what the image is built from --------------------------------------------------- */

/* The schema that validates the result: beside the profiles (images/ in the
 * source tree, $(pkgdatadir) installed), else the installed one. */
static char *
image_build_schema_dir(const char *profiles)
{
    g_autofree char *parent = g_path_get_dirname(profiles);
    g_autofree char *beside = g_build_filename(parent, "schema", NULL);
    g_autofree char *rng = g_build_filename(beside, "image.rng", NULL);

    if (g_file_test(rng, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer(&beside);
    return g_build_filename(GH_PKGDATADIR, "schema", NULL);
}

/* The spec, its profile (from --profiles, read as the catalog reads them)
 * and the defaults that depend on them. */
static gboolean
image_build_load(ImageBuild *b, GError **error)
{
    const char *dirs[] = { b->profiles, NULL };
    const GPtrArray *problems;

    if ((b->spec = gh_image_spec_load(b->spec_path, error)) == NULL)
        return FALSE;
    b->schema_dir = image_build_schema_dir(b->profiles);
    if ((b->profile_catalog = gh_catalog_load(b->schema_dir, dirs, NULL, error)) == NULL)
        return FALSE;
    /* The catalog takes a profile only from the file named after its id. */
    b->profile = gh_catalog_lookup_profile(b->profile_catalog, b->spec->profile);
    b->profile_file = g_strconcat(b->profiles, "/", b->spec->profile, ".xml", NULL);
    problems = gh_catalog_problems(b->profile_catalog);
    for (guint i = 0; b->profile == NULL && i < problems->len; i++) {
        const GhImageProblem *p = problems->pdata[i];
        if (g_str_equal(p->file, b->profile_file))
            return image_build_fail(error, "%s:%d: profile %s is refused: %s", p->file, p->line,
                                    b->spec->profile, p->reason);
    }
    if (b->profile == NULL)
        return image_build_fail(error, "%s:%d: unknown profile '%s' (there is no %s)", b->spec->file,
                                b->spec->profile_line, b->spec->profile, b->profile_file);
    if (!gh_image_spec_check_profile(b->spec, b->profile, error))
        return FALSE;
    if (b->output == NULL)
        b->output = g_canonicalize_filename(b->spec->id, NULL);
    b->packages = gh_image_plan_packages(b->spec);
    return TRUE;
}

static gboolean
image_build_default_suite(ImageBuild *b, GError **error)
{
    g_autofree char *text = NULL;

    if (b->suite != NULL && !g_regex_match_simple("^[a-z0-9][a-z0-9.-]*$", b->suite, 0, 0)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "image build: bad --suite '%s' (a Debian suite or "
                    "codename, like bookworm)", b->suite);
        return FALSE;
    }
    if (b->suite != NULL)
        return TRUE;
    if (g_file_get_contents("/etc/os-release", &text, NULL, NULL))
        b->suite = gh_image_plan_os_codename(text);
    if (b->suite == NULL)
        return image_build_fail(error, "cannot tell this host's suite (no VERSION_CODENAME in /etc/os-release): "
                                       "give --suite");
    return TRUE;
}

/* Step 1: every package's version, from the host's apt lists, without
 * downloading anything. */
static gboolean
image_build_resolve(ImageBuild *b, GError **error)
{
    g_auto(GStrv) argv = gh_image_plan_apt_argv((const char *const *)b->packages);
    g_autofree char *out = NULL, *err = NULL, *why = NULL;

    image_build_step(b, "resolve");
    if (!image_build_spawn((const char *const *)argv, &out, &err, &why)) {
        g_autofree char *reason = gh_image_plan_apt_error(err);
        return image_build_fail(error, "resolve: %s: %s", why, reason);
    }
    if ((b->resolved = gh_image_plan_parse_apt(out, error)) == NULL) {
        g_prefix_error(error, "resolve: ");
        return FALSE;
    }
    image_build_done(b, "%u packages (apt-get -s, suite %s)", g_strv_length(b->resolved), b->suite);
    return TRUE;
}

/* The spec's files, in the spec's order, as key entries: their bytes and
 * mode (they are copied with their permission bits). */
static GPtrArray *
image_build_spec_files(const GhImageSpec *spec, GError **error)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(gh_image_plan_entry_free);

    for (guint i = 0; i < spec->files->len; i++) {
        const GhImageSpecFile *f = spec->files->pdata[i];
        g_autoptr(GBytes) data = gh_image_tree_read_file(f->path, error);
        struct stat st;

        if (data == NULL)
            return NULL;
        if (stat(f->path, &st) < 0) {
            image_build_fail(error, "cannot read %s: %s", f->path, g_strerror(errno));
            return NULL;
        }
        g_ptr_array_add(out, gh_image_plan_entry_new(f->src, st.st_mode, data));
    }
    return g_steal_pointer(&out);
}

/* Everything the key reads but apt's answer, read before the slow steps so
 * that a missing agent or guest tree is said at once. */
static gboolean
image_build_read_inputs(ImageBuild *b, GError **error)
{
    if ((b->spec_files = image_build_spec_files(b->spec, error)) == NULL ||
        (b->profile_bytes = gh_image_tree_read_file(b->profile_file, error)) == NULL)
        return FALSE;
    if ((b->agent_bytes = gh_image_tree_read_file(b->agent, error)) == NULL) {
        g_prefix_error(error, "the guest agent (--agent): ");
        return FALSE;
    }
    if ((b->guest_entries = gh_image_tree_walk(b->guest, error)) == NULL) {
        g_prefix_error(error, "the guest tree (--guest): ");
        return FALSE;
    }
    if ((b->sources = gh_image_tree_apt_sources(IMAGE_BUILD_ETC_APT, error)) == NULL)
        return FALSE;
    if (b->sources->len == 0)
        return image_build_fail(error, "no apt sources in %s (sources.list, sources.list.d/*.list|*.sources)",
                                IMAGE_BUILD_ETC_APT);
    return TRUE;
}

/* Step 2: the key over everything the image is built from. */
static void
image_build_key(ImageBuild *b)
{
    g_autofree char *name = NULL;
    GhImagePlanKeyInput in = {
        .spec = b->spec->bytes,
        .files = b->spec_files,
        .profile = b->profile_bytes,
        .guest = b->guest_entries,
        .agent = b->agent_bytes,
        .suite = b->suite,
        .sources = b->sources,
        .packages = (const char *const *)b->resolved,
    };

    image_build_step(b, "key");
    b->key = gh_image_plan_key(&in);
    name = gh_image_plan_entry_name(b->spec->id, b->key);
    b->entry = g_build_filename(b->cache, name, NULL);
    image_build_done(b, "%s", name);
}

/* ---- the cache ---------------------------------------------------------------------- */

static gboolean
image_build_cached(const ImageBuild *b)
{
    g_autofree char *name = gh_image_plan_manifest_name(b->spec->id);
    g_autofree char *manifest = g_build_filename(b->entry, name, NULL);

    /* The entry appears by rename, whole: its manifest means it is complete. */
    return g_file_test(manifest, G_FILE_TEST_IS_REGULAR);
}

/* One build per key at a time: a second waits, then finds the first's entry. */
static gboolean
image_build_lock(ImageBuild *b, GError **error)
{
    g_autofree char *path = g_strconcat(b->entry, ".lock", NULL);

    b->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (b->lock_fd < 0)
        return image_build_fail(error, "cannot open the lock %s: %s", path, g_strerror(errno));
    if (flock(b->lock_fd, LOCK_EX | LOCK_NB) == 0)
        return TRUE;
    printf("waiting for another build of the same key (%s)\n", path);
    fflush(stdout);
    while (flock(b->lock_fd, LOCK_EX) < 0)
        if (errno != EINTR)
            return image_build_fail(error, "cannot lock %s: %s", path, g_strerror(errno));
    return TRUE;
}

static gboolean
image_build_publish(ImageBuild *b, gboolean *copied, GError **error)
{
    image_build_step(b, "output");
    if (!gh_image_tree_publish(b->entry, b->output, copied, error)) {
        g_prefix_error(error, "output: ");
        return FALSE;
    }
    image_build_done(b, "%s %s", *copied ? "copied into" : "hard links in", b->output);
    return TRUE;
}

static void
image_build_summary(const ImageBuild *b, gboolean built)
{
    const char *const names[] = { GH_IMAGE_PLAN_KERNEL, GH_IMAGE_PLAN_INITRD, GH_IMAGE_PLAN_DISK };

    printf("image %s %s %s in %.1f s\n  key     %s\n", b->spec->id, b->spec->version,
           built ? "built" : "from the cache", image_build_seconds(b->start), b->key);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(b->entry, names[i], NULL);
        struct stat st;
        if (stat(path, &st) == 0)
            printf("  %-10s %.1f MiB\n", names[i], (double)st.st_size / (1024 * 1024));
    }
    printf("  entry   %s\n  output  %s\n", b->entry, b->output);
}

/* ---- a build ------------------------------------------------------------------------ */

/* Step 3a: the root tree from Debian packages, .debs kept in <cache>/debs. */
static gboolean
image_build_bootstrap(ImageBuild *b, const char *root, GError **error)
{
    g_autofree char *debs = g_build_filename(b->cache, "debs", NULL);
    g_autofree char *admin = g_build_filename(root, "var", "lib", "dpkg", NULL);
    g_autofree char *admin_opt = g_strconcat("--admindir=", admin, NULL);
    g_autoptr(GPtrArray) sources = g_ptr_array_new();
    g_auto(GStrv) argv = NULL, installed = NULL, dpkg_opts = NULL;
    g_autofree char *out = NULL, *diff = NULL;
    const char *query[] = { "dpkg-query", admin_opt, "-W", "-f=${Package}=${Version}\\n", NULL };

    for (guint i = 0; i < b->sources->len; i++)
        g_ptr_array_add(sources, ((GhImagePlanEntry *)b->sources->pdata[i])->path);
    g_ptr_array_add(sources, NULL);
    image_build_step(b, "bootstrap");
    if (g_mkdir_with_parents(debs, 0755) < 0)
        return image_build_fail(error, "bootstrap: cannot make %s: %s", debs, g_strerror(errno));
    dpkg_opts = gh_image_plan_dpkg_opts(b->guest_entries, b->guest);
    argv = gh_image_plan_mmdebstrap_argv((const char *const *)b->packages, b->suite, root, debs,
                                         (const char *const *)sources->pdata, (const char *const *)dpkg_opts);
    if (!image_build_run("bootstrap", (const char *const *)argv, NULL, error) ||
        !image_build_run("bootstrap", query, &out, error))
        return FALSE;
    installed = g_strsplit(g_strstrip(out), "\n", -1);
    diff = gh_image_plan_diff_packages((const char *const *)b->resolved, (const char *const *)installed);
    if (diff != NULL)
        image_build_done(b, "mmdebstrap %s; WARNING: the installed packages are not the resolved ones (%s): "
                            "run apt-get update before building, or the key does not describe the image",
                         b->suite, diff);
    else
        image_build_done(b, "mmdebstrap %s, %u packages as resolved", b->suite, g_strv_length(installed));
    return TRUE;
}

/* A regular file at rel under root (not a symlink). */
static gboolean
image_build_is_file(const char *root, const char *rel)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    struct stat st;

    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Step 3b: the guest tree and its templates, the spec's files, the agent.
 * mmdebstrap copied the build host's /etc/hostname and /etc/resolv.conf in:
 * the image's hostname is its id, and a copied resolv.conf goes (as man
 * mmdebstrap advises; a package's symlink stays). */
static gboolean
image_build_guest(ImageBuild *b, const char *root, GError **error)
{
    g_autofree char *guest_dot = g_build_filename(b->guest, ".", NULL);
    g_autofree char *root_slash = g_strconcat(root, "/", NULL);
    /* --remove-destination: a file where the tree (a package) has a
     * symlink replaces the link instead of writing, as root, wherever it
     * points. */
    const char *cp[] = { "cp", "-a", "--remove-destination", "--", guest_dot, root_slash, NULL };
    GhImagePlanVars vars = { b->profile->width, b->profile->height, b->profile->refresh_hz, b->spec->command,
                             b->spec->id };
    g_autofree char *hostname = g_strconcat(b->spec->id, "\n", NULL);
    g_autoptr(GBytes) host = g_bytes_new(hostname, strlen(hostname));
    int root_fd;
    guint rendered = 0;
    gboolean ok;

    image_build_step(b, "guest");
    if (!image_build_run("guest", cp, NULL, error))
        return FALSE;
    if ((root_fd = gh_image_tree_open_root(root, error)) < 0) {
        g_prefix_error(error, "guest: ");
        return FALSE;
    }
    ok = gh_image_tree_write(root_fd, "etc/hostname", host, 0644, error) &&
         (!image_build_is_file(root, "etc/resolv.conf") ||
          gh_image_tree_remove(root_fd, "etc/resolv.conf", error)) &&
         gh_image_tree_render(root_fd, b->guest_entries, &vars, &rendered, error);
    for (guint i = 0; ok && i < b->spec->files->len; i++) {
        const GhImageSpecFile *f = b->spec->files->pdata[i];
        const GhImagePlanEntry *read = b->spec_files->pdata[i];
        ok = gh_image_tree_write(root_fd, f->dest + 1, read->data, read->mode & 0777, error);
    }
    ok = ok && gh_image_tree_write(root_fd, GH_IMAGE_PLAN_AGENT_PATH, b->agent_bytes, 0755, error);
    close(root_fd);
    if (!ok) {
        g_prefix_error(error, "guest: ");
        return FALSE;
    }
    image_build_done(b, "%u entries from %s (%u rendered), %u spec files, the agent", b->guest_entries->len,
                     b->guest, rendered, b->spec->files->len);
    return TRUE;
}

/* Steps 3c and 3d: the kernel and initrd out of /boot, then the tree into
 * an ext4 file system (mke2fs -d keeps owners and modes) and that into qcow2. */
static gboolean
image_build_disk(ImageBuild *b, const char *root, GError **error)
{
    g_autofree char *kernel = g_build_filename(b->tmp, GH_IMAGE_PLAN_KERNEL, NULL);
    g_autofree char *initrd = g_build_filename(b->tmp, GH_IMAGE_PLAN_INITRD, NULL);
    g_autofree char *raw = g_build_filename(b->tmp, "root.raw", NULL);
    g_autofree char *qcow2 = g_build_filename(b->tmp, GH_IMAGE_PLAN_DISK, NULL);
    g_autofree char *size = NULL;
    const char *mke2fs[] = { "mke2fs", "-q", "-t", "ext4", "-d", root, "-L", "gh-root", raw, NULL, NULL };
    /* Compressed: a read-only base is read, never written, and zlib costs
     * far less than TCG does (boot time unchanged, measured); the disk is a
     * third of the size to store, copy and hash at every catalog load. */
    const char *convert[] = { GH_QEMU_IMG, "convert", "-c", "-m", "4", "-W", "-f", "raw", "-O", "qcow2", raw, qcow2,
                              NULL };
    const char *rm[] = { "rm", "-rf", "--one-file-system", "--", root, NULL };
    guint64 bytes = 0;

    image_build_step(b, "boot");
    if (!gh_image_tree_take_boot(root, "vmlinuz-", kernel, error) ||
        !gh_image_tree_take_boot(root, "initrd.img-", initrd, error)) {
        g_prefix_error(error, "boot: ");
        return FALSE;
    }
    image_build_done(b, "%s, %s", GH_IMAGE_PLAN_KERNEL, GH_IMAGE_PLAN_INITRD);
    image_build_step(b, "filesystem");
    if (!gh_image_tree_size(root, &bytes, error)) {
        g_prefix_error(error, "filesystem: ");
        return FALSE;
    }
    size = g_strdup_printf("%" G_GUINT64_FORMAT "M", gh_image_plan_disk_mib(bytes));
    mke2fs[9] = size;
    if (!image_build_run("filesystem", mke2fs, NULL, error))
        return FALSE;
    image_build_done(b, "ext4 of %s for a %.0f MiB tree", size, (double)bytes / (1024 * 1024));
    image_build_step(b, "qcow2");
    if (!image_build_run("qcow2", convert, NULL, error) || !image_build_run("qcow2", rm, NULL, error))
        return FALSE;
    if (g_unlink(raw) < 0)
        return image_build_fail(error, "qcow2: cannot remove %s: %s", raw, g_strerror(errno));
    image_build_done(b, "%s", GH_IMAGE_PLAN_DISK);
    return TRUE;
}

/* The catalog's problems with the files just built; the profiles' own
 * problems are not this build's. */
static gboolean
image_build_validate(ImageBuild *b, GError **error)
{
    const char *profiles[] = { b->profiles, NULL };
    const char *images[] = { b->tmp, NULL };
    g_autoptr(GhCatalog) catalog = gh_catalog_load(b->schema_dir, profiles, images, error);
    g_autofree char *inside = g_strconcat(b->tmp, "/", NULL);
    g_autoptr(GString) problems = g_string_new(NULL);
    const GPtrArray *all;

    if (catalog == NULL)
        return FALSE;
    all = gh_catalog_problems(catalog);
    for (guint i = 0; i < all->len; i++) {
        const GhImageProblem *p = all->pdata[i];
        if (g_str_has_prefix(p->file, inside))
            g_string_append_printf(problems, "\n  %s:%d: %s", p->file, p->line, p->reason);
    }
    if (problems->len > 0)
        return image_build_fail(error, "the catalog refuses the manifest (schema %s):%s", b->schema_dir,
                                problems->str);
    if (gh_catalog_lookup(catalog, b->spec->id) == NULL)
        return image_build_fail(error, "the catalog did not load image %s from %s", b->spec->id, b->tmp);
    return TRUE;
}

static gboolean
image_build_write(const char *dir, const char *name, const char *text, GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* Step 3e: checksums, the manifest, and the catalog's verdict on them. */
static gboolean
image_build_manifest(ImageBuild *b, GError **error)
{
    g_autofree char *kernel = g_build_filename(b->tmp, GH_IMAGE_PLAN_KERNEL, NULL);
    g_autofree char *initrd = g_build_filename(b->tmp, GH_IMAGE_PLAN_INITRD, NULL);
    g_autofree char *disk = g_build_filename(b->tmp, GH_IMAGE_PLAN_DISK, NULL);
    g_autofree char *name = gh_image_plan_manifest_name(b->spec->id);
    g_autofree char *sum_kernel = NULL, *sum_initrd = NULL, *sum_disk = NULL, *xml = NULL;
    g_autofree char *lines = g_strjoinv("\n", b->resolved);
    g_autofree char *list = g_strconcat(lines, "\n", NULL);
    GhImagePlanSums sums;

    image_build_step(b, "manifest");
    if ((sum_kernel = gh_image_file_sha256(kernel, error)) == NULL ||
        (sum_initrd = gh_image_file_sha256(initrd, error)) == NULL ||
        (sum_disk = gh_image_file_sha256(disk, error)) == NULL) {
        g_prefix_error(error, "manifest: ");
        return FALSE;
    }
    sums = (GhImagePlanSums){ sum_kernel, sum_initrd, sum_disk };
    xml = gh_image_plan_manifest(b->spec, &sums);
    if (!image_build_write(b->tmp, name, xml, error) ||
        !image_build_write(b->tmp, GH_IMAGE_PLAN_PACKAGES, list, error) || !image_build_validate(b, error)) {
        g_prefix_error(error, "manifest: ");
        return FALSE;
    }
    image_build_done(b, "%s, checked by the catalog", name);
    return TRUE;
}

/* Step 3f: QEMU's user (libvirt-qemu) reads the artefacts through the
 * cache's folders, then the entry appears whole, by rename. */
static gboolean
image_build_finish(ImageBuild *b, GError **error)
{
    const char *const names[] = { GH_IMAGE_PLAN_KERNEL, GH_IMAGE_PLAN_INITRD, GH_IMAGE_PLAN_DISK,
                                  GH_IMAGE_PLAN_PACKAGES };

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(b->tmp, names[i], NULL);
        if (g_chmod(path, 0644) < 0)
            return image_build_fail(error, "cannot chmod %s: %s", path, g_strerror(errno));
    }
    /* The entry only: --cache may name a folder the operator shares (a
     * sticky /tmp), whose mode is not ours to change.  QEMU reads the
     * image through --output's links, never through the cache's path. */
    if (g_chmod(b->tmp, 0755) < 0)
        return image_build_fail(error, "cannot chmod the cache entry %s: %s", b->tmp, g_strerror(errno));
    if (g_rename(b->tmp, b->entry) < 0)
        return image_build_fail(error, "cannot rename %s to %s: %s", b->tmp, b->entry, g_strerror(errno));
    return TRUE;
}

/* Step 3: the whole build in a temp folder inside the cache, removed when
 * any step fails. */
static gboolean
image_build_make(ImageBuild *b, GError **error)
{
    g_autofree char *template = g_strdup_printf("%s/.build-%s-XXXXXX", b->cache, b->spec->id);
    g_autofree char *root = NULL;
    const char *rm[] = { "rm", "-rf", "--one-file-system", "--", NULL, NULL };
    g_autoptr(GError) cleanup = NULL;

    if (g_mkdtemp_full(template, 0700) == NULL)
        return image_build_fail(error, "cannot make a build folder in %s: %s", b->cache, g_strerror(errno));
    b->tmp = g_steal_pointer(&template);
    root = g_build_filename(b->tmp, "root", NULL);
    if (image_build_bootstrap(b, root, error) && image_build_guest(b, root, error) &&
        image_build_disk(b, root, error) && image_build_manifest(b, error) && image_build_finish(b, error))
        return TRUE;
    if (b->in_step) {
        printf("failed\n");
        b->in_step = FALSE;
    }
    rm[4] = b->tmp;
    if (!image_build_run("cleanup", rm, NULL, &cleanup))
        fprintf(stderr, "gamehostctl: the build folder %s is left behind: %s\n", b->tmp, cleanup->message);
    return FALSE;
}

/* ---- the command -------------------------------------------------------------------- */

static gboolean
image_build_run_all(ImageBuild *b, GError **error)
{
    gboolean copied = FALSE, built = FALSE;

    b->start = g_get_monotonic_time();
    if (!image_build_load(b, error) || !image_build_default_suite(b, error))
        return FALSE;
    if (geteuid() != 0)
        return image_build_fail(error, "image build must run as root: mmdebstrap builds the tree in root mode "
                                       "and mke2fs -d keeps its owners (run it with sudo)");
    if (g_mkdir_with_parents(b->cache, 0755) < 0)
        return image_build_fail(error, "cannot make the cache %s: %s", b->cache, g_strerror(errno));
    if (!image_build_read_inputs(b, error) || !image_build_resolve(b, error))
        return FALSE;
    image_build_key(b);
    if (image_build_cached(b)) {
        printf("cache hit   %s\n", b->entry);
    } else {
        if (!image_build_lock(b, error))
            return FALSE;
        if (image_build_cached(b))
            printf("cache hit   %s (built meanwhile by another run)\n", b->entry);
        else if (!(built = image_build_make(b, error)))
            return FALSE;
    }
    if (!image_build_publish(b, &copied, error))
        return FALSE;
    image_build_summary(b, built);
    return TRUE;
}

/* An option's path made absolute, or its default when not given. */
static void
image_build_absolute(char **path, const char *fallback)
{
    char *given = *path;

    *path = given ? g_canonicalize_filename(given, NULL) : g_strdup(fallback);
    g_free(given);
}

gboolean
gh_ctl_cmd_image_build(GhCtl *ctl, int argc, char **argv, GError **error)
{
    ImageBuild b = { .lock_fd = -1 };
    gboolean ok;
    const GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &b.output, "put the image here (default: ./ID)", "DIR" },
        { "cache", 0, 0, G_OPTION_ARG_FILENAME, &b.cache, "the image cache (default: " IMAGE_BUILD_CACHE ")",
          "DIR" },
        { "agent", 0, 0, G_OPTION_ARG_FILENAME, &b.agent,
          "the guest agent to install (default: " GH_PKGLIBEXECDIR "/gamehost-agent)", "FILE" },
        { "guest", 0, 0, G_OPTION_ARG_FILENAME, &b.guest,
          "files copied into every image, *.in rendered (default: " GH_PKGDATADIR "/image-build/rootfs)", "DIR" },
        { "profiles", 0, 0, G_OPTION_ARG_FILENAME, &b.profiles,
          "console profiles (default: " GH_PKGDATADIR "/profiles)", "DIR" },
        { "suite", 0, 0, G_OPTION_ARG_STRING, &b.suite,
          "the Debian suite (default: this host's, VERSION_CODENAME in /etc/os-release)", "NAME" },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command_full(ctl, "SPEC",
                                   "Build a game image from SPEC and Debian packages: resolve the versions with "
                                   "apt, then\nreuse the cached image with the same key, or bootstrap a root "
                                   "file system (mmdebstrap),\nadd the guest files and the agent, and make a "
                                   "kernel, an initrd, a qcow2 disk and the\nmanifest.  Local; runs as root.  "
                                   "See docs/images.md.",
                                   "Exit status: 0 built (or found in the cache), 1 the spec or a step failed, 64 "
                                   "usage error.",
                                   entries, &argc, &argv, 1, error)) {
        image_build_clear(&b);
        return FALSE;
    }
    /* Absolute from here on: mmdebstrap's hooks do not run where we do. */
    b.spec_path = g_strdup(argv[1]);
    image_build_absolute(&b.output, NULL);
    image_build_absolute(&b.cache, IMAGE_BUILD_CACHE);
    image_build_absolute(&b.agent, GH_PKGLIBEXECDIR "/gamehost-agent");
    image_build_absolute(&b.guest, GH_PKGDATADIR "/image-build/rootfs");
    image_build_absolute(&b.profiles, GH_PKGDATADIR "/profiles");
    ok = image_build_run_all(&b, error);
    if (!ok && b.in_step)
        printf("failed\n");
    image_build_clear(&b);
    return ok;
}
