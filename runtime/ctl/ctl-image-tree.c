/* ctl-image-tree: the builder's file system work (ctl-image-tree.h).  Writes
 * into the image's root go through openat2(RESOLVE_IN_ROOT), so that an
 * absolute symlink a package put in the tree (or a spec's destination) can
 * never lead a write, made as root, out onto the build host. */
#define _GNU_SOURCE 1 /* O_PATH */
#include "ctl-image-tree.h"
#include "ctl-util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static gboolean
tree_errno(GError **error, int e, const char *what, const char *path)
{
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s %s: %s", what, path, g_strerror(e));
    return FALSE;
}

static gint
tree_compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names in dir, sorted. */
static GPtrArray *
tree_list(const char *dir, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    GPtrArray *names;
    const char *name;

    if (d == NULL)
        return NULL;
    names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(d)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, tree_compare_names);
    return names;
}

GBytes *
gh_image_tree_read_file(const char *path, GError **error)
{
    g_autoptr(GMappedFile) file = g_mapped_file_new(path, FALSE, error);

    return file ? g_mapped_file_get_bytes(file) : NULL;
}

/* One entry (lstat'ed), then what a folder holds. */
static gboolean
tree_walk_entry(const char *base, const char *rel, GPtrArray *out, GError **error)
{
    g_autofree char *path = g_build_filename(base, rel, NULL);
    g_autoptr(GBytes) data = NULL;
    g_autoptr(GPtrArray) names = NULL;
    struct stat st;

    if (lstat(path, &st) < 0)
        return tree_errno(error, errno, "cannot read", path);
    if (S_ISREG(st.st_mode)) {
        if ((data = gh_image_tree_read_file(path, error)) == NULL)
            return FALSE;
    } else if (S_ISLNK(st.st_mode)) {
        g_autofree char *target = g_file_read_link(path, error);
        if (target == NULL)
            return FALSE;
        data = g_bytes_new(target, strlen(target));
    } else if (!S_ISDIR(st.st_mode)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%s is not a file, a folder or a symlink", path);
        return FALSE;
    }
    g_ptr_array_add(out, gh_image_plan_entry_new(rel, st.st_mode, data));
    if (!S_ISDIR(st.st_mode))
        return TRUE;
    if ((names = tree_list(path, error)) == NULL)
        return FALSE;
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *child = g_strconcat(rel, "/", (const char *)names->pdata[i], NULL);
        if (!tree_walk_entry(base, child, out, error))
            return FALSE;
    }
    return TRUE;
}

GPtrArray *
gh_image_tree_walk(const char *dir, GError **error)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(gh_image_plan_entry_free);
    g_autoptr(GPtrArray) names = tree_list(dir, error);

    if (names == NULL)
        return NULL;
    for (guint i = 0; i < names->len; i++)
        if (!tree_walk_entry(dir, names->pdata[i], out, error))
            return NULL;
    return g_steal_pointer(&out);
}

static gboolean
tree_add_source(GPtrArray *out, const char *path, GError **error)
{
    g_autoptr(GBytes) data = NULL;

    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return TRUE;
    if ((data = gh_image_tree_read_file(path, error)) == NULL)
        return FALSE;
    g_ptr_array_add(out, gh_image_plan_entry_new(path, 0, data));
    return TRUE;
}

GPtrArray *
gh_image_tree_apt_sources(const char *etc_apt, GError **error)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(gh_image_plan_entry_free);
    g_autofree char *list = g_build_filename(etc_apt, "sources.list", NULL);
    g_autofree char *parts = g_build_filename(etc_apt, "sources.list.d", NULL);
    g_autoptr(GPtrArray) names = NULL;

    if (!tree_add_source(out, list, error))
        return NULL;
    if (g_file_test(parts, G_FILE_TEST_IS_DIR) && (names = tree_list(parts, error)) == NULL)
        return NULL;
    for (guint i = 0; names && i < names->len; i++) {
        const char *name = names->pdata[i];
        g_autofree char *path = g_build_filename(parts, name, NULL);

        /* apt reads only these two suffixes (sources.list(5)). */
        if ((g_str_has_suffix(name, ".list") || g_str_has_suffix(name, ".sources")) &&
            !tree_add_source(out, path, error))
            return NULL;
    }
    return g_steal_pointer(&out);
}

/* ---- inside the image's root ------------------------------------------------------ */

/* openat2 with root_fd as "/" for rel: "..", absolute symlinks and
 * absolute paths all stay inside it; -1 with errno set on failure. */
static int
tree_open_in_root(int root_fd, const char *rel, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (guint64)(flags | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };

    return (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
}

int
gh_image_tree_open_root(const char *root, GError **error)
{
    int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        tree_errno(error, errno, "cannot open", root);
    return fd;
}

/* Opens folder rel (O_PATH) inside root_fd, making what is missing. */
static int
tree_open_dir(int root_fd, const char *rel, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
    g_autoptr(GString) prefix = g_string_new(".");
    int fd = tree_open_in_root(root_fd, ".", O_PATH | O_DIRECTORY, 0);

    for (guint i = 0; fd >= 0 && parts[i]; i++) {
        int next;

        if (!*parts[i] || g_str_equal(parts[i], "."))
            continue;
        g_string_append_printf(prefix, "/%s", parts[i]);
        next = tree_open_in_root(root_fd, prefix->str, O_PATH | O_DIRECTORY, 0);
        if (next < 0 && errno == ENOENT && (mkdirat(fd, parts[i], 0755) == 0 || errno == EEXIST))
            next = tree_open_in_root(root_fd, prefix->str, O_PATH | O_DIRECTORY, 0);
        close(fd);
        fd = next;
    }
    if (fd < 0)
        tree_errno(error, errno, "cannot make the folder", rel);
    return fd;
}

gboolean
gh_image_tree_write(int root_fd, const char *rel, GBytes *data, guint mode, GError **error)
{
    g_autofree char *parent = g_path_get_dirname(rel);
    gsize len = 0, done = 0;
    const char *bytes = g_bytes_get_data(data, &len);
    int dir_fd = tree_open_dir(root_fd, parent, error);
    int fd;

    if (dir_fd < 0)
        return FALSE;
    close(dir_fd);
    fd = tree_open_in_root(root_fd, rel, O_WRONLY | O_CREAT | O_TRUNC, mode & 07777);
    if (fd < 0)
        return tree_errno(error, errno, "cannot write", rel);
    while (done < len) {
        ssize_t n = write(fd, bytes + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return tree_errno(error, e, "cannot write", rel);
        }
        done += n;
    }
    /* An existing file keeps its mode through O_CREAT, and umask trims a new one. */
    if (fchmod(fd, mode & 07777) < 0) {
        int e = errno;
        close(fd);
        return tree_errno(error, e, "cannot write", rel);
    }
    if (close(fd) < 0)
        return tree_errno(error, errno, "cannot write", rel);
    return TRUE;
}

GBytes *
gh_image_tree_read(int root_fd, const char *rel, GError **error)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    int fd = tree_open_in_root(root_fd, rel, O_RDONLY, 0);
    guint8 chunk[65536];
    ssize_t n;

    if (fd < 0) {
        tree_errno(error, errno, "cannot read", rel);
        return NULL;
    }
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            tree_errno(error, errno, "cannot read", rel);
            close(fd);
            return NULL;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    close(fd);
    return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

gboolean
gh_image_tree_remove(int root_fd, const char *rel, GError **error)
{
    g_autofree char *parent = g_path_get_dirname(rel);
    g_autofree char *name = g_path_get_basename(rel);
    int dir_fd = tree_open_in_root(root_fd, parent, O_PATH | O_DIRECTORY, 0);
    int e;

    if (dir_fd < 0)
        return tree_errno(error, errno, "cannot remove", rel);
    e = unlinkat(dir_fd, name, 0) < 0 ? errno : 0;
    close(dir_fd);
    return e == 0 ? TRUE : tree_errno(error, e, "cannot remove", rel);
}

gboolean
gh_image_tree_render(int root_fd, const GPtrArray *guest, const GhImagePlanVars *vars, guint *n,
                     GError **error)
{
    *n = 0;
    for (guint i = 0; i < guest->len; i++) {
        const GhImagePlanEntry *e = guest->pdata[i];
        g_autoptr(GBytes) in = NULL;
        g_autoptr(GBytes) out = NULL;
        g_autofree char *text = NULL, *rendered = NULL, *target = NULL;
        g_autoptr(GError) local = NULL;

        if (!S_ISREG(e->mode) || !g_str_has_suffix(e->path, ".in"))
            continue;
        if ((in = gh_image_tree_read(root_fd, e->path, error)) == NULL)
            return FALSE;
        text = g_strndup(g_bytes_get_data(in, NULL), g_bytes_get_size(in));
        if ((rendered = gh_image_plan_render(text, vars, &local)) == NULL) {
            g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%s: %s", e->path, local->message);
            return FALSE;
        }
        target = g_strndup(e->path, strlen(e->path) - strlen(".in"));
        out = g_bytes_new_take(rendered, strlen(rendered));
        rendered = NULL;
        if (!gh_image_tree_write(root_fd, target, out, e->mode, error) ||
            !gh_image_tree_remove(root_fd, e->path, error))
            return FALSE;
        (*n)++;
    }
    return TRUE;
}

/* ---- sizes, boot files, publishing ------------------------------------------------ */

static gboolean
tree_size_walk(const char *path, dev_t dev, guint64 *bytes, GError **error)
{
    g_autoptr(GPtrArray) names = NULL;
    struct stat st;

    if (lstat(path, &st) < 0)
        return tree_errno(error, errno, "cannot read", path);
    if (st.st_dev != dev)
        return TRUE;   /* a mount left in the tree is not part of it */
    *bytes += (guint64)st.st_size;
    if (!S_ISDIR(st.st_mode))
        return TRUE;
    if ((names = tree_list(path, error)) == NULL)
        return FALSE;
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *child = g_build_filename(path, (const char *)names->pdata[i], NULL);
        if (!tree_size_walk(child, dev, bytes, error))
            return FALSE;
    }
    return TRUE;
}

gboolean
gh_image_tree_size(const char *dir, guint64 *bytes, GError **error)
{
    struct stat st;

    *bytes = 0;
    if (lstat(dir, &st) < 0)
        return tree_errno(error, errno, "cannot read", dir);
    return tree_size_walk(dir, st.st_dev, bytes, error);
}

gboolean
gh_image_tree_take_boot(const char *root, const char *prefix, const char *dest, GError **error)
{
    g_autofree char *boot = g_build_filename(root, "boot", NULL);
    g_autoptr(GPtrArray) names = tree_list(boot, error);
    g_autoptr(GPtrArray) found = g_ptr_array_new();
    g_autofree char *src = NULL;

    if (names == NULL)
        return FALSE;
    for (guint i = 0; i < names->len; i++)
        if (g_str_has_prefix(names->pdata[i], prefix))
            g_ptr_array_add(found, names->pdata[i]);
    if (found->len != 1) {
        g_autofree char *list = NULL;
        g_ptr_array_add(found, NULL);
        list = g_strjoinv(", ", (char **)found->pdata);
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "expected exactly one %s/%s*, found %u%s%s", boot,
                    prefix, found->len - 1, found->len > 1 ? ": " : "", list);
        return FALSE;
    }
    src = g_build_filename(boot, (const char *)found->pdata[0], NULL);
    if (rename(src, dest) < 0)
        return tree_errno(error, errno, "cannot move", src);
    return TRUE;
}

/* dest becomes a hard link to src, or a copy when they are on two file systems. */
static gboolean
tree_link_or_copy(const char *src, const char *dest, gboolean *copied, GError **error)
{
    g_autoptr(GFile) from = NULL;
    g_autoptr(GFile) to = NULL;

    if (g_unlink(dest) < 0 && errno != ENOENT)
        return tree_errno(error, errno, "cannot replace", dest);
    if (link(src, dest) == 0)
        return TRUE;
    if (errno != EXDEV && errno != EPERM)
        return tree_errno(error, errno, "cannot link", dest);
    *copied = TRUE;
    from = g_file_new_for_path(src);
    to = g_file_new_for_path(dest);
    return g_file_copy(from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
}

gboolean
gh_image_tree_publish(const char *entry, const char *output, gboolean *copied, GError **error)
{
    g_autoptr(GPtrArray) names = NULL;
    g_autofree char *real_entry = NULL, *real_output = NULL;

    *copied = FALSE;
    if (g_mkdir_with_parents(output, 0755) < 0)
        return tree_errno(error, errno, "cannot make", output);
    real_entry = realpath(entry, NULL);
    real_output = realpath(output, NULL);
    if (real_entry && real_output && g_str_equal(real_entry, real_output))
        return TRUE;   /* linking a file onto itself would first remove it */
    if ((names = tree_list(entry, error)) == NULL)
        return FALSE;
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *src = g_build_filename(entry, (const char *)names->pdata[i], NULL);
        g_autofree char *dest = g_build_filename(output, (const char *)names->pdata[i], NULL);

        if (g_file_test(src, G_FILE_TEST_IS_REGULAR) && !g_file_test(src, G_FILE_TEST_IS_SYMLINK) &&
            !tree_link_or_copy(src, dest, copied, error))
            return FALSE;
    }
    return TRUE;
}
