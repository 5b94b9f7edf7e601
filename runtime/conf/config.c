/* config: defaults, then the operator's INI file.  GKeyFile does the parsing;
 * this file adds what it lacks: the list of known keys, value checks, and line
 * numbers in every error. */
#include "config.h"
#include "gpu/gpu.h"
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(gh-config-error-quark, gh_config_error)

typedef enum { KEY_PATH, KEY_STRING, KEY_LISTEN, KEY_PATH_LIST, KEY_UINT, KEY_SIZE, KEY_ENUM } KeyType;

typedef struct {
    const char *group, *key;
    KeyType type;
    guint64 min, max;        /* KEY_UINT, KEY_SIZE */
    const char *choices;     /* KEY_ENUM: '|'-separated */
} KeySpec;

static const KeySpec keys[] = {
    { "daemon", "state_dir", KEY_PATH, 0, 0, NULL },
    { "daemon", "listen", KEY_LISTEN, 0, 0, NULL },
    { "daemon", "data_dir", KEY_PATH, 0, 0, NULL },
    { "daemon", "image_dirs", KEY_PATH_LIST, 0, 0, NULL },
    { "daemon", "profile_dirs", KEY_PATH_LIST, 0, 0, NULL },
    { "daemon", "plugin_dirs", KEY_PATH_LIST, 0, 0, NULL },
    { "daemon", "log_level", KEY_ENUM, 0, 0, "error|warning|info|debug" },
    { "libvirt", "uri", KEY_STRING, 0, 0, NULL },
    { "libvirt", "domain_type", KEY_ENUM, 0, 0, "auto|kvm|qemu" },
    { "api", "token_file", KEY_PATH, 0, 0, NULL },
    { "api", "max_body_bytes", KEY_SIZE, 256, 16 * 1024 * 1024, NULL },
    { "api", "player_token_ttl", KEY_UINT, 1, GH_CONFIG_MAX_PLAYER_TOKEN_TTL, NULL },
    { "api", "player_dir", KEY_PATH, 0, 0, NULL },
    { "sessions", "max_sessions", KEY_UINT, 1, 4096, NULL },
    { "sessions", "keep_stopped", KEY_UINT, 0, 100000, NULL },
    { "sessions", "max_viewers", KEY_UINT, 1, 64, NULL },
    { "gpu", "sysfs_root", KEY_PATH, 0, 0, NULL },
    { "gpu", "hugepages", KEY_ENUM, 0, 0, "yes|no" },
    { "plugins", "user", KEY_STRING, 0, 0, NULL },
    { "plugins", "worker", KEY_PATH, 0, 0, NULL },
    { "plugins", "watchdog_ms", KEY_UINT, 100, 600000, NULL },
    { "plugins", "crash_limit", KEY_UINT, 1, 1000, NULL },
    { "plugins", "crash_window", KEY_UINT, 1, 86400, NULL },
    { "plugins", "memory_limit", KEY_SIZE, 64 * 1024 * 1024, G_GUINT64_CONSTANT(1) << 40, NULL },
    { "plugins", "open_files", KEY_UINT, 64, 1048576, NULL },
};

static void
config_group_free(gpointer data)
{
    GhConfigGroup *group = data;

    g_free(group->name);
    g_free(group);
}

GhConfig *
gh_config_new_default(void)
{
    GhConfig *c = g_new0(GhConfig, 1);

    c->state_dir = g_build_filename(GH_LOCALSTATEDIR, "lib", "gamehost", NULL);
    c->listen_host = g_strdup("127.0.0.1");
    c->listen_port = GH_CONFIG_DEFAULT_PORT;
    c->data_dir = g_strdup(GH_PKGDATADIR);
    c->image_dirs = g_new0(char *, 2);
    c->image_dirs[0] = g_build_filename(GH_PKGDATADIR, "images", NULL);
    c->profile_dirs = g_new0(char *, 2);
    c->profile_dirs[0] = g_build_filename(GH_PKGDATADIR, "profiles", NULL);
    c->plugin_dirs = g_new0(char *, 2);
    c->plugin_dirs[0] = g_strdup(GH_PLUGINDIR);
    c->log_level = g_strdup("info");
    c->domain_type = g_strdup("auto");
    c->max_body_bytes = 64 * 1024;
    c->player_token_ttl = GH_CONFIG_DEFAULT_PLAYER_TOKEN_TTL;
    c->player_dir = g_strdup(GH_PLAYER_DIR);
    c->max_viewers = GH_CONFIG_DEFAULT_MAX_VIEWERS;
    c->max_sessions = 8;
    c->keep_stopped = 100;
    c->gpu_sysfs_root = g_strdup("/");
    c->plugin_user = g_strdup(GH_CONFIG_DEFAULT_PLUGIN_USER);
    c->worker_path = g_build_filename(GH_PKGLIBEXECDIR, "gamehost-worker", NULL);
    c->watchdog_ms = 5000;
    c->crash_limit = 3;
    c->crash_window = 60;
    c->worker_memory = G_GUINT64_CONSTANT(4) << 30;
    c->worker_open_files = 1024;
    c->gpu_allow = g_ptr_array_new_with_free_func(gh_gpu_allow_destroy);
    c->backend_defaults = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify)g_hash_table_unref);
    c->backend_groups = g_ptr_array_new_with_free_func(config_group_free);
    return c;
}

GhConfig *
gh_config_free(GhConfig *c)
{
    if (!c)
        return NULL;
    g_free(c->file);
    g_free(c->state_dir);
    g_free(c->listen_host);
    g_free(c->data_dir);
    g_strfreev(c->image_dirs);
    g_strfreev(c->profile_dirs);
    g_strfreev(c->plugin_dirs);
    g_free(c->log_level);
    g_free(c->plugin_user);
    g_free(c->worker_path);
    g_free(c->libvirt_uri);
    g_free(c->domain_type);
    g_free(c->token_file);
    g_free(c->player_dir);
    g_free(c->gpu_sysfs_root);
    g_clear_pointer(&c->gpu_allow, g_ptr_array_unref);
    g_clear_pointer(&c->backend_defaults, g_hash_table_unref);
    g_clear_pointer(&c->backend_groups, g_ptr_array_unref);
    g_free(c);
    return NULL;
}

static const KeySpec *
config_key_spec(const char *group, const char *key)
{
    for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
        if (g_str_equal(keys[i].group, group) && g_str_equal(keys[i].key, key))
            return &keys[i];
    return NULL;
}

static gboolean
config_group_known(const char *group)
{
    for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
        if (g_str_equal(keys[i].group, group))
            return TRUE;
    return FALSE;
}

static gboolean
config_parse_uint(const char *value, const KeySpec *spec, guint64 *out, char **why)
{
    guint64 v;
    g_autoptr(GError) err = NULL;

    if (!g_ascii_string_to_unsigned(value, 10, spec->min, spec->max, &v, &err)) {
        *why = g_strdup_printf("expected an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                               spec->min, spec->max);
        return FALSE;
    }
    *out = v;
    return TRUE;
}

static gboolean
config_check_path(const char *value, char **why)
{
    if (!g_path_is_absolute(value)) {
        *why = g_strdup("expected an absolute path");
        return FALSE;
    }
    return TRUE;
}

/* Stores one validated value; *why is set when the value is bad. */
static gboolean
config_apply(GhConfig *c, const KeySpec *spec, const char *value, char **why)
{
    guint64 n = 0;

    switch (spec->type) {
    case KEY_PATH:
        if (!config_check_path(value, why))
            return FALSE;
        break;
    case KEY_PATH_LIST: {
        g_auto(GStrv) parts = g_strsplit(value, ";", -1);
        for (int i = 0; parts[i]; i++)
            if (*g_strstrip(parts[i]) && !config_check_path(parts[i], why))
                return FALSE;
        break;
    }
    case KEY_UINT:
    case KEY_SIZE:
        if (!config_parse_uint(value, spec, &n, why))
            return FALSE;
        break;
    case KEY_ENUM: {
        g_auto(GStrv) choices = g_strsplit(spec->choices, "|", -1);
        if (!g_strv_contains((const char *const *)choices, value)) {
            *why = g_strdup_printf("expected one of %s", spec->choices);
            return FALSE;
        }
        break;
    }
    case KEY_LISTEN: {
        g_autoptr(GError) err = NULL;
        g_autoptr(GSocketConnectable) addr = g_network_address_parse(value, 0, &err);
        if (!addr || g_network_address_get_port(G_NETWORK_ADDRESS(addr)) == 0) {
            *why = g_strdup("expected HOST:PORT with a port from 1 to 65535");
            return FALSE;
        }
        g_free(c->listen_host);
        c->listen_host = g_strdup(g_network_address_get_hostname(G_NETWORK_ADDRESS(addr)));
        c->listen_port = g_network_address_get_port(G_NETWORK_ADDRESS(addr));
        return TRUE;
    }
    case KEY_STRING:
        break;
    }

#define SET_STR(field) do { g_free(c->field); c->field = *value ? g_strdup(value) : NULL; } while (0)
    const char *k = spec->key;
    if (g_str_equal(k, "state_dir"))
        SET_STR(state_dir);
    else if (g_str_equal(k, "data_dir"))
        SET_STR(data_dir);
    else if (g_str_equal(k, "log_level"))
        SET_STR(log_level);
    else if (g_str_equal(k, "uri"))
        SET_STR(libvirt_uri);
    else if (g_str_equal(k, "domain_type"))
        SET_STR(domain_type);
    else if (g_str_equal(k, "token_file"))
        SET_STR(token_file);
    else if (g_str_equal(k, "player_dir"))
        SET_STR(player_dir);
    else if (g_str_equal(spec->group, "plugins") && g_str_equal(k, "user"))
        SET_STR(plugin_user);
    else if (g_str_equal(k, "worker"))
        SET_STR(worker_path);
    else if (g_str_equal(k, "watchdog_ms"))
        c->watchdog_ms = n;
    else if (g_str_equal(k, "crash_limit"))
        c->crash_limit = n;
    else if (g_str_equal(k, "crash_window"))
        c->crash_window = n;
    else if (g_str_equal(k, "memory_limit"))
        c->worker_memory = n;
    else if (g_str_equal(k, "open_files"))
        c->worker_open_files = n;
    else if (g_str_equal(k, "sysfs_root"))
        SET_STR(gpu_sysfs_root);
    else if (g_str_equal(k, "hugepages"))
        c->hugepages = g_str_equal(value, "yes");
    else if (g_str_equal(k, "image_dirs") || g_str_equal(k, "profile_dirs") || g_str_equal(k, "plugin_dirs")) {
        GStrv *list = g_str_equal(k, "image_dirs") ? &c->image_dirs
                      : g_str_equal(k, "profile_dirs") ? &c->profile_dirs : &c->plugin_dirs;
        g_auto(GStrv) parts = g_strsplit(value, ";", -1);
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();
        if (list == &c->plugin_dirs)
            g_strv_builder_add(b, GH_PLUGINDIR); /* the built-in dir always comes first */
        for (int i = 0; parts[i]; i++)
            if (*g_strstrip(parts[i]))
                g_strv_builder_add(b, parts[i]);
        g_strfreev(*list);
        *list = g_strv_builder_end(b);
    } else if (g_str_equal(k, "max_body_bytes"))
        c->max_body_bytes = n;
    else if (g_str_equal(k, "max_sessions"))
        c->max_sessions = n;
    else if (g_str_equal(k, "keep_stopped"))
        c->keep_stopped = n;
    else if (g_str_equal(k, "player_token_ttl"))
        c->player_token_ttl = n;
    else if (g_str_equal(k, "max_viewers"))
        c->max_viewers = n;
#undef SET_STR
    return TRUE;
}

/* [gpu.ALIAS]: one allowlist entry per group, like Nova's device_spec. */
static gboolean
config_load_gpu_group(GhConfig *c, GKeyFile *kf, const char *group, const char *path, const char *text,
                      GError **error)
{
    static const char *const known[] = { "vendor", "product", "address", "managed", "mdev_type", NULL };
    const char *alias = group + strlen("gpu.");
    g_auto(GStrv) names = g_key_file_get_keys(kf, group, NULL, NULL);
    g_autoptr(GError) err = NULL;
    char *v[G_N_ELEMENTS(known)] = { NULL };
    GhGpuAllow *allow;

    if (!g_regex_match_simple("^[a-z0-9][a-z0-9._-]{0,31}$", alias, 0, 0)) {
        g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_VALUE,
                    "%s:%d: bad GPU alias '%s' in [%s]: expected [a-z0-9][a-z0-9._-]{0,31}", path,
                    gh_keyfile_line(text, group, NULL), alias, group);
        return FALSE;
    }
    for (int k = 0; names && names[k]; k++)
        if (!g_strv_contains(known, names[k])) {
            g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY, "%s:%d: unknown key '%s' in [%s]",
                        path, gh_keyfile_line(text, group, names[k]), names[k], group);
            return FALSE;
        }
    for (guint i = 0; known[i]; i++) {
        v[i] = g_key_file_get_string(kf, group, known[i], NULL);
        if (v[i])
            g_strstrip(v[i]);
    }
    allow = gh_gpu_allow_new(alias, v[0], v[1], v[2], v[3], v[4], &err);
    for (guint i = 0; known[i]; i++)
        g_free(v[i]);
    if (!allow) {
        g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_VALUE, "%s:%d: [%s]: %s", path,
                    gh_keyfile_line(text, group, NULL), group, err->message);
        return FALSE;
    }
    g_ptr_array_add(c->gpu_allow, allow);
    return TRUE;
}

/* [BACKEND]: default options for every instance of a backend (docs/player.md,
 * "ICE").  Which backends exist is known only once plugins load, so any
 * well-formed name is taken here and its line kept for
 * gh_config_check_backend_groups; names and values follow the API's rules
 * for a session's own options. */
#define CONFIG_MAX_OPTION_VALUE 1024

static gboolean
config_load_backend_group(GhConfig *c, GKeyFile *kf, const char *group, const char *path, const char *text,
                          GError **error)
{
    g_auto(GStrv) names = g_key_file_get_keys(kf, group, NULL, NULL);
    g_autoptr(GHashTable) options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GhConfigGroup *entry;

    if (!g_regex_match_simple("^[a-z0-9][a-z0-9_-]*\\.[a-z0-9._-]+$", group, 0, 0) || strlen(group) > 64) {
        g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY,
                    "%s:%d: unknown group [%s] (a backend's group is its name, like [stream.webrtc])", path,
                    gh_keyfile_line(text, group, NULL), group);
        return FALSE;
    }
    for (int k = 0; names && names[k]; k++) {
        g_autofree char *value = g_key_file_get_string(kf, group, names[k], NULL);
        int line = gh_keyfile_line(text, group, names[k]);

        if (!g_regex_match_simple("^[a-z0-9_.-]{1,63}$", names[k], 0, 0)) {
            g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY,
                        "%s:%d: bad option name '%s' in [%s]: expected [a-z0-9_.-]{1,63}", path, line, names[k],
                        group);
            return FALSE;
        }
        if (!value || strlen(g_strstrip(value)) > CONFIG_MAX_OPTION_VALUE) {
            g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_VALUE,
                        "%s:%d: bad value for %s in [%s]: expected a string of at most %d bytes", path, line,
                        names[k], group, CONFIG_MAX_OPTION_VALUE);
            return FALSE;
        }
        g_hash_table_replace(options, g_strdup(names[k]), g_steal_pointer(&value));
    }
    g_hash_table_replace(c->backend_defaults, g_strdup(group), g_steal_pointer(&options));
    entry = g_new0(GhConfigGroup, 1);
    entry->name = g_strdup(group);
    entry->line = gh_keyfile_line(text, group, NULL);
    g_ptr_array_add(c->backend_groups, entry);
    return TRUE;
}

gboolean
gh_config_check_backend_groups(const GhConfig *config, GhConfigBackendKnownFunc known, gpointer data,
                               GError **error)
{
    for (guint i = 0; config->backend_groups && i < config->backend_groups->len; i++) {
        const GhConfigGroup *g = config->backend_groups->pdata[i];

        if (!known(g->name, data)) {
            g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY,
                        "%s:%d: unknown group [%s]: no loaded plugin provides that backend",
                        config->file ? config->file : "(defaults)", g->line, g->name);
            return FALSE;
        }
    }
    return TRUE;
}

GHashTable *
gh_config_backend_defaults(const GhConfig *config, const char *backend)
{
    return backend && config->backend_defaults ? g_hash_table_lookup(config->backend_defaults, backend) : NULL;
}

static gboolean
config_load_keyfile(GhConfig *c, GKeyFile *kf, const char *path, const char *text, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    gboolean data_dir_set = FALSE, profile_dirs_set = FALSE;

    for (int g = 0; groups[g]; g++) {
        if (g_str_has_prefix(groups[g], "gpu.")) {
            if (!config_load_gpu_group(c, kf, groups[g], path, text, error))
                return FALSE;
            continue;
        }
        if (!config_group_known(groups[g]) && strchr(groups[g], '.')) {
            if (!config_load_backend_group(c, kf, groups[g], path, text, error))
                return FALSE;
            continue;
        }
        if (!config_group_known(groups[g])) {
            g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY, "%s:%d: unknown group [%s]",
                        path, gh_keyfile_line(text, groups[g], NULL), groups[g]);
            return FALSE;
        }
        g_auto(GStrv) names = g_key_file_get_keys(kf, groups[g], NULL, NULL);
        for (int k = 0; names && names[k]; k++) {
            const KeySpec *spec = config_key_spec(groups[g], names[k]);
            int line = gh_keyfile_line(text, groups[g], names[k]);
            if (!spec) {
                g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_UNKNOWN_KEY, "%s:%d: unknown key '%s' in [%s]",
                            path, line, names[k], groups[g]);
                return FALSE;
            }
            g_autofree char *value = g_key_file_get_string(kf, groups[g], names[k], NULL);
            g_autofree char *why = NULL;
            if (!value || !config_apply(c, spec, g_strstrip(value), &why)) {
                g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_VALUE, "%s:%d: bad value for %s: %s",
                            path, line, names[k], why ? why : "not a valid string");
                return FALSE;
            }
            data_dir_set |= g_str_equal(names[k], "data_dir");
            profile_dirs_set |= g_str_equal(names[k], "profile_dirs");
        }
    }

    /* Profiles ship with the data dir; extra profile dirs come after it. */
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_autofree char *builtin = g_build_filename(c->data_dir, "profiles", NULL);
    g_strv_builder_add(b, builtin);
    if (profile_dirs_set)
        g_strv_builder_addv(b, (const char **)c->profile_dirs);
    g_strfreev(c->profile_dirs);
    c->profile_dirs = g_strv_builder_end(b);
    if (data_dir_set && !g_key_file_has_key(kf, "daemon", "image_dirs", NULL)) {
        g_strfreev(c->image_dirs);
        c->image_dirs = g_new0(char *, 2);
        c->image_dirs[0] = g_build_filename(c->data_dir, "images", NULL);
    }
    return TRUE;
}

GhConfig *
gh_config_load(const char *path, GError **error)
{
    g_autoptr(GhConfig) c = gh_config_new_default();
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_READ, "cannot read config %s: %s", path, err->message);
        return NULL;
    }
    if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &err)) {
        g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_SYNTAX, "%s:%d: %s", path,
                    gh_keyfile_bad_line(text), err->message);
        return NULL;
    }
    if (!config_load_keyfile(c, kf, path, text, error))
        return NULL;
    c->file = g_strdup(path);
    return g_steal_pointer(&c);
}

char *
gh_config_token_path(const GhConfig *c)
{
    return c->token_file ? g_strdup(c->token_file) : g_build_filename(c->state_dir, "api-token", NULL);
}

/* 32 random bytes from the kernel's CSPRNG (g_random_* is a Mersenne
 * Twister: its output can be predicted) as hex, written with O_EXCL so two
 * daemons never race. */
static gboolean
config_generate_token(const char *path, GError **error)
{
    g_autoptr(GString) token = g_string_new(NULL);
    guint8 raw[32];
    int fd;

    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot generate token for %s: %s", path,
                    g_strerror(e));
        return FALSE;
    }
    for (gsize i = 0; i < sizeof raw; i++)
        g_string_append_printf(token, "%02x", raw[i]);
    g_string_append_c(token, '\n');
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, token->str, token->len) != (ssize_t)token->len || fsync(fd) < 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot write token file %s: %s", path,
                    g_strerror(e));
        if (fd >= 0)
            close(fd);
        return FALSE;
    }
    close(fd);
    return TRUE;
}

GStrv
gh_config_load_tokens(const GhConfig *c, GError **error)
{
    g_autofree char *path = gh_config_token_path(c);
    g_autofree char *text = NULL;
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_auto(GStrv) lines = NULL;
    guint n = 0;

    if (!c->token_file && !g_file_test(path, G_FILE_TEST_EXISTS)) {
        if (g_mkdir_with_parents(c->state_dir, 0755) < 0 || !config_generate_token(path, error))
            return NULL;
    }
    if (!g_file_get_contents(path, &text, NULL, error))
        return NULL;
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        char *t = g_strstrip(lines[i]);
        if (!*t || *t == '#')
            continue;
        if (strlen(t) < 16) {
            g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_VALUE,
                        "%s:%d: token too short (at least 16 characters)", path, i + 1);
            return NULL;
        }
        g_strv_builder_add(b, t);
        n++;
    }
    if (n == 0) {
        g_set_error(error, GH_CONFIG_ERROR, GH_CONFIG_ERROR_VALUE, "%s: no API token in file", path);
        return NULL;
    }
    return g_strv_builder_end(b);
}
