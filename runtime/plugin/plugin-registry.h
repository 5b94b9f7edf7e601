/* plugin-registry: the host side of the plugin ABI (include/gamehost/plugin.h).
 * Loads plugins with dlopen from the built-in dir and the configured dirs,
 * checks each against the ABI (refusing, with the file and the reason, and
 * going on), keeps the registry of backends, and creates backend instances
 * with their host-services table (plugin-host.c).  Plugins are never
 * unloaded while an instance exists.  A registry may also hold plugins
 * another process loaded (plugin-scan.c): descriptors without a handle. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <gamehost/plugin.h>

typedef struct GhPlugin GhPlugin;

/* One backend a loaded plugin offers; the factory and its ops are copies
 * made at the host's struct sizes (members the plugin lacks are zero). */
typedef struct {
    char *name;                  /* "capture.screenshot" */
    guint32 kind;                /* GH_BACKEND_* */
    char *description;
    gh_backend_factory factory;
    gh_capture_ops capture;
    gh_stream_ops stream;
    gh_input_ops input;
    gh_audio_ops audio;
    GhPlugin *plugin;            /* owner */
} GhBackend;

struct GhPlugin {
    char *path;
    char *name, *version, *license;
    guint32 abi_major, abi_minor;
    GPtrArray *backends;         /* GhBackend*, owned */
    gint instances;              /* live instances: never unloaded while > 0 */
    void *handle;                /* dlopen handle; NULL for a scanned plugin */
};

typedef struct {
    char *file;
    char *reason;
} GhPluginRefusal;

typedef struct GhPluginRegistry GhPluginRegistry;

#define GH_PLUGIN_ERROR (gh_plugin_error_quark())
GQuark gh_plugin_error_quark(void);
typedef enum {
    GH_PLUGIN_ERROR_LOAD,        /* dlopen failed */
    GH_PLUGIN_ERROR_NO_ENTRY,    /* gamehost_plugin_query missing or returned NULL */
    GH_PLUGIN_ERROR_ABI,         /* wrong major, newer minor, bad struct size */
    GH_PLUGIN_ERROR_INVALID,     /* missing required op, bad kind, bad name */
    GH_PLUGIN_ERROR_DUPLICATE,   /* a backend name already registered */
    GH_PLUGIN_ERROR_UNKNOWN,     /* no such backend */
    GH_PLUGIN_ERROR_CREATE,      /* probe or create failed */
    GH_PLUGIN_ERROR_WRONG_KIND,  /* a backend of another kind than asked for */
    GH_PLUGIN_ERROR_NOT_LOADED,  /* a scanned backend: its plugin is not in this process */
} GhPluginError;

GhPluginRegistry *gh_plugin_registry_new(void);
/* Frees the registry; plugins with live instances are kept loaded (leaked)
 * rather than unloaded under them. */
GhPluginRegistry *gh_plugin_registry_free(GhPluginRegistry *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhPluginRegistry, gh_plugin_registry_free)

/* Loads every *.so in dir, in name order; each refusal is logged (file and
 * reason) and recorded, never fatal.  A missing dir is recorded too. */
void gh_plugin_registry_load_dir(GhPluginRegistry *reg, const char *dir);
/* Loads one file; FALSE with the refusal reason in error (also recorded). */
gboolean gh_plugin_registry_load_file(GhPluginRegistry *reg, const char *path, GError **error);
/* The *.so files of dir in name order (NULL-terminated), as load_dir loads
 * them; NULL when dir cannot be read, which is recorded as load_dir does. */
char **gh_plugin_registry_list_dir(GhPluginRegistry *reg, const char *dir);
/* Records (and logs) file as refused for reason. */
void gh_plugin_registry_refuse(GhPluginRegistry *reg, const char *file, const char *reason);
/* Adds the plugin another process loaded from file, as one "plugins" entry
 * of gh_plugin_registry_to_json() describes it (plugin-scan.c).  The JSON is
 * untrusted: a missing or mistyped member, or a name or kind the loader
 * would refuse, refuses file with GH_PLUGIN_ERROR_INVALID ("scanner output:
 * ..."); a backend name already taken with GH_PLUGIN_ERROR_DUPLICATE and
 * the loader's message.  Its backends are descriptors only (no handle): they
 * answer lookups and the JSON view, and gh_plugin_instance_new refuses them
 * with GH_PLUGIN_ERROR_NOT_LOADED.  FALSE with the reason (also recorded). */
gboolean gh_plugin_registry_add_scanned(GhPluginRegistry *reg, const char *file, JsonObject *plugin,
                                        GError **error);
/* The accepted plugin files in load order, NULL-terminated (free with g_strfreev). */
char **gh_plugin_registry_files(GhPluginRegistry *reg);

const GPtrArray *gh_plugin_registry_plugins(GhPluginRegistry *reg);   /* GhPlugin* */
const GPtrArray *gh_plugin_registry_refusals(GhPluginRegistry *reg);  /* GhPluginRefusal* */

const GhBackend *gh_plugin_registry_lookup(GhPluginRegistry *reg, const char *name);
/* The backend a request names, which must be of kind; else NULL with
 * GH_PLUGIN_ERROR_UNKNOWN ("unknown capture backend 'x'") or
 * GH_PLUGIN_ERROR_WRONG_KIND ("backend 'x' is not a capture backend").  reg
 * may be NULL: a host without plugins knows no backend. */
const GhBackend *gh_plugin_registry_lookup_kind(GhPluginRegistry *reg, const char *name, guint32 kind,
                                                GError **error);
/* "capture", "stream", "input" or "audio" (the prefix of the kind's backend names);
 * NULL for any other value. */
const char *gh_plugin_kind_name(guint32 kind);
/* Backends of one kind, in load order (for "first that probes"). */
GPtrArray *gh_plugin_registry_backends(GhPluginRegistry *reg, guint32 kind);

/* ---- instances (plugin-host.c) ---------------------------------------- */

/* What the host side needs to serve a backend instance for a session. */
typedef struct GhPluginSessionOps GhPluginSessionOps;
struct GhPluginSessionOps {
    /* VM access, called from any thread; return 0 or -errno with *error_msg. */
    int (*screenshot)(gpointer ctx, guint8 **data, gsize *len, char **mime, char **error_msg);
    int (*send_keys)(gpointer ctx, const guint32 *codes, guint n, guint hold_ms, char **error_msg);
    int (*qmp_command)(gpointer ctx, const char *command, char **reply, char **error_msg);
    /* Main thread: input from a stream backend for the session's input backend. */
    int (*submit_input)(gpointer ctx, const gh_input_event *events, guint n);
    /* Any thread (services version 3): the players of the signal endpoint.
     * Arguments are checked by plugin-host.c first. */
    int (*signal_send)(gpointer ctx, guint32 peer, const char *message);
    int (*peer_input)(gpointer ctx, guint32 peer, const char *json, gsize len);
    void (*peer_close)(gpointer ctx, guint32 peer, const char *reason);
    /* Services version 4, sound.  valid: the chunk passed plugin-host.c's
     * checks (an invalid one is only counted, and refused). */
    int (*audio_format)(gpointer ctx, guint32 *format, guint32 *rate, guint32 *channels);
    int (*audio_push)(gpointer ctx, const gh_audio_chunk *chunk, gboolean valid);
    int (*mic_push)(gpointer ctx, guint32 peer, const gh_audio_chunk *chunk, gboolean valid);
    /* Whether the peer's input (and microphone) is taken. */
    gboolean (*peer_controls)(gpointer ctx, guint32 peer);
    /* Services version 5, pads.  Main thread: feedback from the input
     * backend for one of the session's pads, already checked by
     * plugin-host.c (a copy at the host's size, timestamp_ns set). */
    int (*pad_feedback)(gpointer ctx, const gh_pad_feedback *fb);
    /* Main thread: the peer in control, 0 when nobody is. */
    guint32 (*peer_in_control)(gpointer ctx);
};

typedef struct {
    const char *session_id;
    const char *image_id;
    guint width, height, refresh_hz;
    const char *vnc_socket;      /* may be NULL */
    const char *relay_path;      /* may be NULL */
    const char *session_dir;     /* may be NULL; services since 1.1 */
    const char *dbus_socket;     /* the VM's private D-Bus bus, may be NULL; services since 1.3 */
    const char *pad_socket[GH_INPUT_MAX_PADS]; /* the VM's USB channel of each pad, NULL each when none; since 1.4 */
    GHashTable *options;         /* string → string for this backend, may be NULL */
    GMainContext *context;       /* the main loop's context (timers, fds) */
    const GhPluginSessionOps *ops;
    gpointer ops_ctx;
} GhPluginSessionInfo;

typedef struct GhPluginInstance GhPluginInstance;

/* probe (when present) then create; NULL with GH_PLUGIN_ERROR_CREATE and the
 * plugin's message when either refuses, or GH_PLUGIN_ERROR_NOT_LOADED for a
 * scanned backend (gh_plugin_registry_add_scanned). */
GhPluginInstance *gh_plugin_instance_new(const GhBackend *backend, const GhPluginSessionInfo *info,
                                         GError **error);
/* Only probes. */
gboolean gh_plugin_backend_probe(const GhBackend *backend, const GhPluginSessionInfo *info, GError **error);
GhPluginInstance *gh_plugin_instance_free(GhPluginInstance *inst);
const GhBackend *gh_plugin_instance_backend(GhPluginInstance *inst);
gh_instance *gh_plugin_instance_handle(GhPluginInstance *inst);
/* A copy of the message the plugin last gave through set_error, or NULL. */
char *gh_plugin_instance_last_error(GhPluginInstance *inst);
void gh_plugin_instance_clear_error(GhPluginInstance *inst);

/* ---- added by the plugin loader (exception to "headers are final"; move as
 * the owner sees fit) ------------------------------------------------------ */

/* {"plugins":[{"name","version","license","path","abi":"1.0","backends":
 *   [{"name","kind":"capture|stream|input","description"}]}],
 *  "refused":[{"file","reason"}]}: GET /v1/plugins, gamehostctl plugin check. */
JsonNode *gh_plugin_registry_to_json(GhPluginRegistry *reg);

/* Between plugin-registry.c and plugin-host.c only: count an instance of plugin in
 * and out.  The last one out of a plugin the registry already let go of
 * unloads it. */
void gh_plugin_instance_added(GhPlugin *plugin);
void gh_plugin_instance_removed(GhPlugin *plugin);
