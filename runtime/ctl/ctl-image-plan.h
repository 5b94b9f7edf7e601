/* ctl-image-plan: the pure parts of `gamehostctl image build`
 * (ctl-image-build.c): the package list, apt's answer, the cache key, the
 * files rendered from templates, the tools' command lines and the manifest.
 * No I/O here, so every rule is unit-tested exactly (test_image_build.c). */
#pragma once

#include <glib.h>

#include "conf/image-spec.h"

/* Part of every cache key: bump it whenever the builder would build
 * something else from the same inputs. */
#define GH_IMAGE_PLAN_FORMAT "gamehost-image-build 1"
#define GH_IMAGE_PLAN_BASE_CMDLINE "root=/dev/vda rw console=ttyS0"
/* The artefacts, beside the manifest <id>.image.xml. */
#define GH_IMAGE_PLAN_KERNEL "vmlinuz"
#define GH_IMAGE_PLAN_INITRD "initrd.img"
#define GH_IMAGE_PLAN_DISK "root.qcow2"
/* The resolved NAME=VERSION list, one a line: what the image was built from. */
#define GH_IMAGE_PLAN_PACKAGES "packages.list"
/* Where the guest agent goes in the image (images/ installs it there). */
#define GH_IMAGE_PLAN_AGENT_PATH "usr/libexec/gamehost/gamehost-agent"

/* The packages every image gets before the spec's own (the kiosk stack; see
 * docs/images.md), NULL-terminated. */
extern const char *const gh_image_plan_base_packages[];

/* The base packages, then the spec's, each once, in that order. */
GStrv gh_image_plan_packages(const GhImageSpec *spec);

/* apt-get's simulated install of what mmdebstrap's minbase variant installs
 * (Essential and Priority: required packages, apt, no Recommends) plus
 * packages, against an empty dpkg status: it resolves every version and
 * downloads nothing. */
GStrv gh_image_plan_apt_argv(const char *const *packages);
/* The "Inst NAME [OLD] (VERSION ...)" lines of its output as "NAME=VERSION",
 * sorted, each once; an error when there is none. */
GStrv gh_image_plan_parse_apt(const char *output, GError **error);
/* Why apt-get failed, from its standard error ("E: Unable to locate package
 * foo" reads "package foo is not in the host's apt lists (run apt-get
 * update?)"); its last lines when no "E:" line says. */
char *gh_image_plan_apt_error(const char *stderr_text);

/* VERSION_CODENAME of an os-release file's text, NULL when absent. */
char *gh_image_plan_os_codename(const char *os_release);

/* A file that goes into the cache key. */
typedef struct {
    char *path;      /* guest files: relative, '/'-separated; apt sources: absolute */
    guint mode;      /* st_mode (type and permission bits); 0 for apt sources (it does not count) */
    GBytes *data;    /* the contents; a symlink's target; empty for a folder */
} GhImagePlanEntry;

GhImagePlanEntry *gh_image_plan_entry_new(const char *path, guint mode, GBytes *data);
void gh_image_plan_entry_free(gpointer entry);

/* Everything an image is built from (docs/images.md, "The cache"). */
typedef struct {
    GBytes *spec;                  /* the spec file's bytes */
    const GPtrArray *files;        /* GhImagePlanEntry: the spec's files (path: SRC, mode), in the spec's order */
    GBytes *profile;               /* the console profile's file */
    const GPtrArray *guest;        /* GhImagePlanEntry: every entry under --guest, any order */
    GBytes *agent;                 /* the guest agent binary */
    const char *suite;
    const GPtrArray *sources;      /* GhImagePlanEntry: the host's apt sources files, any order */
    const char *const *packages;   /* the resolved NAME=VERSION list, sorted */
} GhImagePlanKeyInput;

/* sha256 (64 hex digits) over a canonical, length-prefixed text of in,
 * GH_IMAGE_PLAN_FORMAT first: the same inputs give the same key, whatever
 * order guest and sources come in; any change in any input changes it. */
char *gh_image_plan_key(const GhImagePlanKeyInput *in);
/* "<id>-<first 16 hex digits of key>": the cache entry's folder. */
char *gh_image_plan_entry_name(const char *id, const char *key);

/* What templates (files named *.in) may say. */
typedef struct {
    guint width, height, refresh;  /* the profile's display */
    const char *command;           /* the spec's [game] command */
    const char *image_id;
} GhImagePlanVars;

/* text with @WIDTH@ @HEIGHT@ @REFRESH@ @GAME_COMMAND@ @IMAGE_ID@ replaced;
 * any other @NAME@ (capitals, digits, '_') is an error naming it (a typo
 * would otherwise reach the image). */
char *gh_image_plan_render(const char *text, const GhImagePlanVars *vars, GError **error);

/* The guest tree's dpkg settings, etc/dpkg/dpkg.cfg.d/<name> (regular files,
 * in name order), as absolute paths under guest_dir: mmdebstrap applies them
 * while it unpacks (--dpkgopt). */
#define GH_IMAGE_PLAN_DPKG_CFG_DIR "etc/dpkg/dpkg.cfg.d/"
GStrv gh_image_plan_dpkg_opts(const GPtrArray *guest, const char *guest_dir);

/* mmdebstrap in root mode, variant minbase, with packages included, the
 * host's sources files pasted in as MIRRORs, the guest's dpkg settings
 * (dpkg_opts, may be NULL), and debs (a folder outside the chroot) kept in
 * sync with apt's archive cache through its hooks, so that a rebuild
 * downloads only what changed. */
GStrv gh_image_plan_mmdebstrap_argv(const char *const *packages, const char *suite, const char *root,
                                    const char *debs, const char *const *sources, const char *const *dpkg_opts);
/* The root file system's size for a tree of tree_bytes (apparent): 1.3 times
 * that plus 256 MiB, in MiB rounded up. */
guint64 gh_image_plan_disk_mib(guint64 tree_bytes);

/* GH_IMAGE_PLAN_BASE_CMDLINE, then the spec's kernel_args. */
char *gh_image_plan_cmdline(const GhImageSpec *spec);
/* "<id>.image.xml". */
char *gh_image_plan_manifest_name(const char *id);

/* sha256 of each artefact, lowercase hex. */
typedef struct {
    const char *kernel, *initrd, *disk;
} GhImagePlanSums;

/* The manifest (docs/images.md, "The manifest"), written with libxml2. */
char *gh_image_plan_manifest(const GhImageSpec *spec, const GhImagePlanSums *sums);

/* How two sorted NAME=VERSION lists differ (what was resolved, what dpkg
 * installed): NULL when they are equal, else the count and the first few
 * differences ("2 differ: tzdata 2024a-0+deb12u1 resolved, 2025b-0+deb12u1
 * installed; e2fsprogs installed only"). */
char *gh_image_plan_diff_packages(const char *const *resolved, const char *const *installed);
