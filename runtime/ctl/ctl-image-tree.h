/* ctl-image-tree: the file system work of `gamehostctl image build`
 * (ctl-image-build.c): reading the guest tree and the host's apt sources for
 * the cache key, writing into the image's root as if it were / (symlinks in
 * it resolve inside it: openat2 RESOLVE_IN_ROOT), templates, sizes,
 * checksums, and putting a cache entry's files into the output folder. */
#pragma once

#include <glib.h>

#include "ctl-image-plan.h"

/* Every entry under dir, not following symlinks, as GhImagePlanEntry
 * (relative path, st_mode, contents or link target), folders before what
 * they hold.  Anything but files, folders and symlinks is an error. */
GPtrArray *gh_image_tree_walk(const char *dir, GError **error);

/* The host's apt sources under etc_apt ("/etc/apt"): sources.list, then
 * sources.list.d's *.list and *.sources, sorted by path, as GhImagePlanEntry
 * (absolute path, mode 0, contents).  Absent files are skipped. */
GPtrArray *gh_image_tree_apt_sources(const char *etc_apt, GError **error);

/* A file's bytes (mapped, not copied), for the key. */
GBytes *gh_image_tree_read_file(const char *path, GError **error);

/* A file descriptor for the folder root, for the calls below; -1 on error. */
int gh_image_tree_open_root(const char *root, GError **error);
/* Inside root_fd, as if it were /: writes data to rel with mode (missing
 * folders made 0755), reads rel, removes rel. */
gboolean gh_image_tree_write(int root_fd, const char *rel, GBytes *data, guint mode, GError **error);
GBytes *gh_image_tree_read(int root_fd, const char *rel, GError **error);
gboolean gh_image_tree_remove(int root_fd, const char *rel, GError **error);

/* Each regular file of guest (gh_image_tree_walk's entries, already copied
 * into root_fd) named NAME.in is rendered into NAME with the same mode, and
 * NAME.in removed; *n counts them. */
gboolean gh_image_tree_render(int root_fd, const GPtrArray *guest, const GhImagePlanVars *vars, guint *n,
                              GError **error);

/* Apparent size of everything under dir (as du --apparent-size), on dir's
 * file system only. */
gboolean gh_image_tree_size(const char *dir, guint64 *bytes, GError **error);

/* Moves the one entry of root/boot named prefix* (vmlinuz-, initrd.img-) to
 * dest; none or several is an error naming them. */
gboolean gh_image_tree_take_boot(const char *root, const char *prefix, const char *dest, GError **error);

/* Puts every regular file of entry into output (made when missing): hard
 * links when both are on one file system, else copies (*copied set). */
gboolean gh_image_tree_publish(const char *entry, const char *output, gboolean *copied, GError **error);
