/* image-spec: the spec a game image is built from (`gamehostctl image build`,
 * docs/images.md): a GKeyFile naming the image, its console profile, the
 * Debian packages to install and the game's command.  Everything is checked
 * here, with "FILE:LINE: reason" errors; the builder (ctl) trusts the result. */
#pragma once

#include <glib.h>

#include "catalog.h"

#define GH_IMAGE_SPEC_ERROR (gh_image_spec_error_quark())
GQuark gh_image_spec_error_quark(void);
typedef enum {
    GH_IMAGE_SPEC_ERROR_READ,         /* the file cannot be read */
    GH_IMAGE_SPEC_ERROR_SYNTAX,       /* not a key file */
    GH_IMAGE_SPEC_ERROR_UNKNOWN_KEY,  /* a group or key the format does not have */
    GH_IMAGE_SPEC_ERROR_MISSING,      /* a required key is absent or empty */
    GH_IMAGE_SPEC_ERROR_VALUE,        /* a value that is not of its kind */
} GhImageSpecError;

#define GH_IMAGE_SPEC_MAX_VCPUS 64
#define GH_IMAGE_SPEC_MIN_MEMORY_MIB 16
#define GH_IMAGE_SPEC_MAX_MEMORY_MIB 1048576

/* [game] files: one file copied into the image. */
typedef struct {
    char *src;        /* as written: relative to the spec's folder */
    char *path;       /* its real path, inside the spec's real folder */
    char *dest;       /* absolute path in the image, no ".." */
} GhImageSpecFile;

typedef struct {
    char *file;          /* the spec's path, as given (for messages) */
    char *dir;           /* the spec's folder, real path */
    GBytes *bytes;       /* the file as it was parsed */
    char *id;            /* [image] id: gh_image_id_is_valid */
    char *title;         /* [image] title */
    char *version;       /* [image] version */
    char *profile;       /* [image] profile: a console profile id */
    int profile_line;
    GStrv packages;      /* [system] packages: NAME or NAME=VERSION, as written */
    guint vcpus;         /* [system] vcpus; 0 when not set */
    guint64 memory_mib;  /* [system] memory_mib; 0 when not set */
    guint width, height; /* [system] mode; 0 when not set */
    int mode_line;
    char *kernel_args;   /* [system] kernel_args; NULL when not set */
    char *command;       /* [game] command: one line */
    GPtrArray *files;    /* [game] files: GhImageSpecFile *, in the spec's order */
} GhImageSpec;

/* Reads and checks the spec at path.  Unknown groups and keys, missing
 * required keys and bad values are refused with GH_IMAGE_SPEC_ERROR and
 * "PATH:LINE: reason" (LINE: the key's, or its group's for a missing key;
 * "PATH: reason" when the file has no such group either). */
GhImageSpec *gh_image_spec_load(const char *path, GError **error);
GhImageSpec *gh_image_spec_free(GhImageSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhImageSpec, gh_image_spec_free)

/* Checks the spec against its console profile, which the caller looked up by
 * spec->profile: NULL is an unknown profile; a mode that differs from the
 * profile's display is refused naming both.  Errors as gh_image_spec_load's. */
gboolean gh_image_spec_check_profile(const GhImageSpec *spec, const GhProfile *profile, GError **error);

/* A Debian package name ([a-z0-9][a-z0-9+.-]+), optionally followed by
 * =VERSION (Debian version syntax: a digit first, then [A-Za-z0-9.+~:-]). */
gboolean gh_image_spec_package_is_valid(const char *package);
