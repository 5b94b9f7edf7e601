/* catalog: the game image catalog.  Manifests (XML, validated against
 * images/schema/image.rng) and console profiles (images/profiles/, validated
 * against images/schema/profile.rng) are loaded once; invalid ones are
 * reported with file:line and a reason, and skipped. */
#pragma once

#include <glib.h>

#include "util/enum.h"

typedef enum {
    GH_BOOT_KERNEL,          /* direct kernel boot (<os><kernel>) */
    GH_BOOT_DISK,            /* boot from a disk image through the firmware */
    GH_BOOT_KIND_LAST
} GhBootKind;

typedef enum {
    GH_FIRMWARE_BIOS,
    GH_FIRMWARE_UEFI,
    GH_FIRMWARE_LAST
} GhFirmware;

/* The bus of an image's disk (<disk bus="...">). */
typedef enum {
    GH_DISK_BUS_IDE,         /* the default: what any BIOS boots from */
    GH_DISK_BUS_VIRTIO,      /* virtio-blk: a Linux guest's root disk, cheaper under TCG */
    GH_DISK_BUS_LAST
} GhDiskBus;

typedef enum {
    GH_GPU_NONE,             /* emulated display only */
    GH_GPU_OPTIONAL,         /* uses a GPU when one is assigned */
    GH_GPU_REQUIRED,         /* refuses to start without one */
    GH_GPU_NEED_LAST
} GhGpuNeed;

typedef enum {
    GH_SOUND_NONE,           /* a silent console */
    GH_SOUND_AC97,           /* Intel 82801AA AC97 (8086:2415): playback and recording */
    GH_SOUND_LAST
} GhSound;

/* One pad control played as keys (a profile's <pad-keys>), for a guest
 * with no USB to see a pad on.  Codes are evdev's (include/gamehost/input.h);
 * a key code 0 (KEY_RESERVED) is no key. */
typedef struct {
    guint32 type;            /* GH_INPUT_PAD_BUTTON or GH_INPUT_PAD_AXIS */
    guint32 code;            /* BTN_* or ABS_* */
    guint32 key;             /* KEY_*: the button's, or the axis's past half its positive range */
    guint32 negative_key;    /* KEY_*: a stick's past half its negative range; 0 for buttons and triggers */
} GhPadKey;

/* A console profile: a fixed hardware shape, as consoles have. */
typedef struct {
    char *id;
    char *title;
    guint vcpus;
    guint64 memory_mib;
    guint width, height, refresh_hz;
    gboolean keyboard, mouse, gamepad;
    gboolean tablet;         /* an absolute pointer: the guest follows the player's cursor */
    GArray *pad_keys;        /* GhPadKey, one per mapped control in document order; NULL
                              * without <pad-keys> (pads reach the input backend as they are) */
    GhSound sound;
    GhGpuNeed gpu;
    char *gpu_class;         /* alias wanted when gpu != NONE, may be NULL */
} GhProfile;

typedef struct {
    char *id;                /* [a-z0-9][a-z0-9._-]{0,63}, unique in the catalog */
    char *title;
    char *version;
    char *manifest_path;     /* absolute */
    GhBootKind boot;
    GhFirmware firmware;
    char *kernel_path;       /* absolute; GH_BOOT_KERNEL only */
    char *initrd_path;       /* absolute, may be NULL; GH_BOOT_KERNEL only */
    char *cmdline;           /* may be NULL; GH_BOOT_KERNEL only */
    char *disk_path;         /* absolute; GH_BOOT_DISK always, GH_BOOT_KERNEL may
                              * have one too (an OS's root disk); see gh_image_has_disk */
    char *disk_format;       /* "qcow2" or "raw"; with disk_path */
    GhDiskBus disk_bus;      /* with disk_path */
    char *sha256;            /* of the boot artefact (the kernel when there is one), lowercase hex */
    /* The effective profile, what sessions of this image get: the catalog's
     * own, or machine_profile when the manifest has a <machine>. */
    const GhProfile *profile;
    GhProfile *machine_profile; /* the named profile with <machine>'s overrides, owned by
                                 * the image and freed with it; NULL without <machine> */
    GStrv capture;           /* capture paths the image supports ("screenshot", "vnc", "relay") */
} GhImage;

/* One rejected manifest or profile. */
typedef struct {
    char *file;              /* path of the file */
    int line;                /* 0 when unknown */
    char *reason;
} GhImageProblem;

typedef struct GhCatalog GhCatalog;

#define GH_IMAGE_ERROR (gh_image_error_quark())
GQuark gh_image_error_quark(void);
typedef enum {
    GH_IMAGE_ERROR_INVALID,  /* manifest or profile invalid */
    GH_IMAGE_ERROR_NOT_FOUND,
} GhImageError;

/* Loads profiles from profile_dirs (files *.xml) and manifests from image_dirs
 * (files *.image.xml directly inside each dir and inside its immediate
 * subdirectories), validating against <schema_dir>/image.rng and
 * <schema_dir>/profile.rng.  Never fails for a bad manifest: each problem is
 * appended to the catalog's problem list and the manifest skipped.  Fails only
 * when the schemas themselves cannot be loaded. */
GhCatalog *gh_catalog_load(const char *schema_dir,
                           const char *const *profile_dirs,
                           const char *const *image_dirs,
                           GError **error);
GhCatalog *gh_catalog_free(GhCatalog *catalog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhCatalog, gh_catalog_free)

/* NULL when the id is unknown or not a valid image id (no path is ever built
 * from the id). */
const GhImage *gh_catalog_lookup(const GhCatalog *catalog, const char *id);
/* The profile called id, owned by the catalog; NULL when none loaded (the
 * catalog's problems say why a file was refused). */
const GhProfile *gh_catalog_lookup_profile(const GhCatalog *catalog, const char *id);
/* Images sorted by id; the array and its elements are owned by the catalog. */
const GPtrArray *gh_catalog_images(const GhCatalog *catalog);
/* GhImageProblem elements, in load order. */
const GPtrArray *gh_catalog_problems(const GhCatalog *catalog);

gboolean gh_image_id_is_valid(const char *id);
/* sha256 of a file's contents, lowercase hex (read in 64 KiB blocks: an
 * artefact may be a root disk of hundreds of MiB). */
char *gh_image_file_sha256(const char *path, GError **error);
/* Whether sessions of the image get a disk (a copy-on-write overlay on
 * disk_path): every disk boot, and a kernel boot with a root disk. */
gboolean gh_image_has_disk(const GhImage *image);
/* The manifest's and the API's words: "kernel"/"disk" ("unknown" otherwise),
 * "bios"/"uefi" (what is not UEFI is BIOS), "ide"/"virtio" ("unknown"
 * otherwise), "none"/"optional"/"required" ("unknown" otherwise). */
GH_ENUM_DECL(boot_kind, GhBootKind);
GH_ENUM_DECL(firmware, GhFirmware);
GH_ENUM_DECL(disk_bus, GhDiskBus);
GH_ENUM_DECL(gpu_need, GhGpuNeed);
GH_ENUM_DECL(sound, GhSound);
