/* config: the operator's config file (GKeyFile INI).  Defaults, then the file;
 * unknown groups/keys and bad values are rejected with file:line. */
#pragma once

#include <glib.h>

typedef struct {
    char *file;              /* path the config came from, NULL for defaults only */
    char *state_dir;         /* [daemon] state_dir */
    char *listen_host;       /* [daemon] listen = host:port */
    guint16 listen_port;
    char *data_dir;          /* [daemon] data_dir: holds schema/ and profiles/ */
    GStrv image_dirs;        /* [daemon] image_dirs (';'-separated list) */
    GStrv profile_dirs;      /* derived: <data_dir>/profiles + [daemon] profile_dirs */
    GStrv plugin_dirs;       /* the built-in plugin dir, then [daemon] plugin_dirs */
    char *log_level;         /* [daemon] log_level: error|warning|info|debug */
    char *libvirt_uri;       /* [libvirt] uri; NULL = embedded under <state_dir>/libvirt */
    char *domain_type;       /* [libvirt] domain_type: auto|kvm|qemu */
    char *token_file;        /* [api] token_file; NULL = <state_dir>/api-token, generated */
    gsize max_body_bytes;    /* [api] max_body_bytes */
    guint player_token_ttl;  /* [api] player_token_ttl: seconds a player token lives */
    char *player_dir;        /* [api] player_dir: the web player's files (GH_PLAYER_DIR) */
    guint max_sessions;      /* [sessions] max_sessions */
    guint keep_stopped;      /* [sessions] keep_stopped: stopped/failed records kept */
    guint max_viewers;       /* [sessions] max_viewers: players connected to one session */
    char *gpu_sysfs_root;    /* [gpu] sysfs_root: "/" except in tests */
    gboolean hugepages;      /* [gpu] hugepages: back passthrough VMs with hugepages */
    char *plugin_user;       /* [plugins] user: the workers' unprivileged user (see worker-sandbox.h) */
    char *worker_path;       /* [plugins] worker: the gamehost-worker binary */
    guint watchdog_ms;       /* [plugins] watchdog_ms: the longest one backend call may take */
    guint crash_limit;       /* [plugins] crash_limit: worker deaths within crash_window that fail the session */
    guint crash_window;      /* [plugins] crash_window, seconds */
    guint64 worker_memory;   /* [plugins] memory_limit: a worker's address space, bytes */
    guint worker_open_files; /* [plugins] open_files */
    gboolean worker_keep_user; /* not a key: tests whose build tree the plugin user cannot reach */
    GPtrArray *gpu_allow;    /* GhGpuAllow*, one per [gpu.ALIAS] group, in file order */
    GHashTable *backend_defaults; /* [BACKEND] groups ([stream.webrtc]): backend name →
                                   * GHashTable (option → value), defaults a session's
                                   * own options override */
    GPtrArray *backend_groups;    /* GhConfigGroup*, the [BACKEND] groups in file order */
} GhConfig;

/* A group of the file and the line of its header, for errors found after
 * loading (which backends exist is known only once plugins load). */
typedef struct {
    char *name;
    int line;
} GhConfigGroup;

#define GH_CONFIG_ERROR (gh_config_error_quark())
GQuark gh_config_error_quark(void);
typedef enum {
    GH_CONFIG_ERROR_READ,
    GH_CONFIG_ERROR_SYNTAX,
    GH_CONFIG_ERROR_UNKNOWN_KEY,
    GH_CONFIG_ERROR_VALUE,
} GhConfigError;

#define GH_CONFIG_DEFAULT_PORT 8470
#define GH_CONFIG_DEFAULT_PLAYER_TOKEN_TTL 3600
#define GH_CONFIG_MAX_PLAYER_TOKEN_TTL (7 * 24 * 3600)
#define GH_CONFIG_DEFAULT_MAX_VIEWERS 4
#define GH_CONFIG_DEFAULT_PLUGIN_USER "gamehost-worker"

/* Defaults only (state dir /var/lib/gamehost, data dir = installed pkgdatadir). */
GhConfig *gh_config_new_default(void);
/* Defaults overlaid with the file; errors read "FILE:LINE: reason". */
GhConfig *gh_config_load(const char *path, GError **error);
GhConfig *gh_config_free(GhConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhConfig, gh_config_free)

/* The default options of a backend from its [NAME] group, or NULL. */
GHashTable *gh_config_backend_defaults(const GhConfig *config, const char *backend);

/* Does a loaded plugin provide the backend called name? */
typedef gboolean (*GhConfigBackendKnownFunc)(const char *name, gpointer data);
/* Refuses the first [BACKEND] group that known says no backend has, with
 * GH_CONFIG_ERROR_UNKNOWN_KEY and "FILE:LINE: unknown group [NAME]: no
 * loaded plugin provides that backend". */
gboolean gh_config_check_backend_groups(const GhConfig *config, GhConfigBackendKnownFunc known, gpointer data,
                                        GError **error);

/* Reads the API tokens: one per line, '#' comments and blank lines ignored.
 * When the file does not exist and is the default one, a random token is
 * generated into it (mode 0600). */
GStrv gh_config_load_tokens(const GhConfig *config, GError **error);
char *gh_config_token_path(const GhConfig *config);
