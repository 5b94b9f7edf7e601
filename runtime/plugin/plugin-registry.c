/* plugin-registry: loading plugins and the registry of their backends.  Every plugin
 * is checked against the ABI before anything of it is kept; the descriptor,
 * factories and ops are copied into host-sized zeroed structs (SPA style) so
 * an older minor reads as "member absent", and nothing the host calls later
 * points at a plugin struct whose size the host does not know. */
#include "plugin-registry.h"
#include "util/json-util.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

/* Far beyond any layout this ABI will reach: a bigger struct_size means the
 * "descriptor" is garbage, not a newer build. */
#define GH_PLUGIN_MAX_STRUCT_SIZE (64u * 1024u)
#define GH_PLUGIN_MAX_FACTORIES   64u
#define GH_PLUGIN_NAME_MAX        32u

/* End of a member: the smallest struct_size that still holds it. */
#define END_OF(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

/* The smallest layouts ABI 1.0 accepts.  A factory may stop after the ops
 * pointer of its own kind (checked per kind); an ops table after its one
 * required op, the optional ones reading as absent. */
#define MIN_PLUGIN_SIZE  END_OF(gh_plugin, factories)
#define MIN_FACTORY_SIZE END_OF(gh_backend_factory, capture)
#define MIN_CAPTURE_OPS  END_OF(gh_capture_ops, grab)
#define MIN_STREAM_OPS   END_OF(gh_stream_ops, push_frame)
#define MIN_INPUT_OPS    END_OF(gh_input_ops, send)
#define MIN_AUDIO_OPS    END_OF(gh_audio_ops, start)

struct GhPluginRegistry {
    GPtrArray *plugins;      /* GhPlugin*, released (not always freed) with the registry */
    GPtrArray *refusals;     /* GhPluginRefusal*, owned */
    GHashTable *by_name;     /* backend name → GhBackend*, borrowed from plugins */
};

G_DEFINE_QUARK(gh-plugin-error-quark, gh_plugin_error)

/* ---- plugin lifetime --------------------------------------------------- */

/* Plugins the registry let go of while instances were alive: freed (and
 * dlclose'd) when the last instance goes.  Guarded by orphans_lock, which also
 * orders the instance count against the registry's release. */
static GMutex orphans_lock;
static GHashTable *orphans;

static void
registry_backend_free(gpointer data)
{
    GhBackend *b = data;

    g_free(b->name);
    g_free(b->description);
    g_free(b);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhBackend, registry_backend_free)

static void
plugin_free(GhPlugin *p)
{
    if (!p)
        return;
    g_clear_pointer(&p->backends, g_ptr_array_unref);
    if (p->handle)
        dlclose(p->handle);
    g_free(p->path);
    g_free(p->name);
    g_free(p->version);
    g_free(p->license);
    g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhPlugin, plugin_free)

/* The registry's release: a plugin with live instances stays loaded, and is
 * unloaded by gh_plugin_instance_removed() when its last instance goes. */
static void
plugin_release(gpointer data)
{
    GhPlugin *p = data;
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&orphans_lock);

    if (g_atomic_int_get(&p->instances) > 0) {
        if (!orphans)
            orphans = g_hash_table_new(NULL, NULL);
        g_hash_table_add(orphans, p);
        return;
    }
    g_clear_pointer(&locker, g_mutex_locker_free);
    plugin_free(p);
}

void
gh_plugin_instance_added(GhPlugin *plugin)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&orphans_lock);

    g_atomic_int_inc(&plugin->instances);
}

void
gh_plugin_instance_removed(GhPlugin *plugin)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&orphans_lock);

    g_return_if_fail(g_atomic_int_get(&plugin->instances) > 0);
    if (!g_atomic_int_dec_and_test(&plugin->instances))
        return;
    if (!orphans || !g_hash_table_remove(orphans, plugin))
        return;
    if (g_hash_table_size(orphans) == 0)
        g_clear_pointer(&orphans, g_hash_table_unref);
    g_clear_pointer(&locker, g_mutex_locker_free);
    plugin_free(plugin);
}

/* ---- registry ---------------------------------------------------------- */

static void
registry_refusal_free(gpointer data)
{
    GhPluginRefusal *r = data;

    g_free(r->file);
    g_free(r->reason);
    g_free(r);
}

GhPluginRegistry *
gh_plugin_registry_new(void)
{
    GhPluginRegistry *reg = g_new0(GhPluginRegistry, 1);

    reg->plugins = g_ptr_array_new_with_free_func(plugin_release);
    reg->refusals = g_ptr_array_new_with_free_func(registry_refusal_free);
    reg->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    return reg;
}

GhPluginRegistry *
gh_plugin_registry_free(GhPluginRegistry *reg)
{
    if (!reg)
        return NULL;
    g_hash_table_unref(reg->by_name);
    g_ptr_array_unref(reg->plugins);
    g_ptr_array_unref(reg->refusals);
    g_free(reg);
    return NULL;
}

const GPtrArray *
gh_plugin_registry_plugins(GhPluginRegistry *reg)
{
    return reg->plugins;
}

const GPtrArray *
gh_plugin_registry_refusals(GhPluginRegistry *reg)
{
    return reg->refusals;
}

const GhBackend *
gh_plugin_registry_lookup(GhPluginRegistry *reg, const char *name)
{
    return name ? g_hash_table_lookup(reg->by_name, name) : NULL;
}

const GhBackend *
gh_plugin_registry_lookup_kind(GhPluginRegistry *reg, const char *name, guint32 kind, GError **error)
{
    static const char *const kinds[] = { "unknown", "capture", "stream", "input", "audio" };
    static const char *const articles[] = { "an unknown", "a capture", "a stream", "an input", "an audio" };
    const GhBackend *b = reg ? gh_plugin_registry_lookup(reg, name) : NULL;
    guint32 k = kind < G_N_ELEMENTS(kinds) ? kind : 0;

    if (!b) {
        g_set_error(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_UNKNOWN, "unknown %s backend '%s'", kinds[k], name);
        return NULL;
    }
    if (b->kind != kind) {
        g_set_error(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_WRONG_KIND, "backend '%s' is not %s backend", name,
                    articles[k]);
        return NULL;
    }
    return b;
}

GPtrArray *
gh_plugin_registry_backends(GhPluginRegistry *reg, guint32 kind)
{
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; i < reg->plugins->len; i++) {
        GhPlugin *p = reg->plugins->pdata[i];

        for (guint j = 0; j < p->backends->len; j++) {
            GhBackend *b = p->backends->pdata[j];

            if (b->kind == kind)
                g_ptr_array_add(out, b);
        }
    }
    return out;
}

void
gh_plugin_registry_refuse(GhPluginRegistry *reg, const char *file, const char *reason)
{
    GhPluginRefusal *r = g_new0(GhPluginRefusal, 1);

    r->file = g_strdup(file);
    r->reason = g_strdup(reason);
    g_ptr_array_add(reg->refusals, r);
    g_warning("plugin %s refused: %s", file, reason);
}

/* ---- checking a descriptor --------------------------------------------- */

const char *
gh_plugin_kind_name(guint32 kind)
{
    switch (kind) {
    case GH_BACKEND_CAPTURE: return "capture";
    case GH_BACKEND_STREAM: return "stream";
    case GH_BACKEND_INPUT: return "input";
    case GH_BACKEND_AUDIO: return "audio";
    default: return NULL;
    }
}

/* ^PREFIX\.[a-z0-9][a-z0-9_-]{0,31}$, by hand: the name is untrusted memory,
 * so it is read at most a little past the longest valid name. */
static gboolean
registry_backend_name_valid(const char *name, const char *prefix)
{
    gsize plen = strlen(prefix);
    const char *rest;
    gsize n;

    if (strncmp(name, prefix, plen) != 0 || name[plen] != '.')
        return FALSE;
    rest = name + plen + 1;
    n = strnlen(rest, GH_PLUGIN_NAME_MAX + 1);
    if (n == 0 || n > GH_PLUGIN_NAME_MAX || !(g_ascii_islower(rest[0]) || g_ascii_isdigit(rest[0])))
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_islower(rest[i]) && !g_ascii_isdigit(rest[i]) && rest[i] != '_' && rest[i] != '-')
            return FALSE;
    return TRUE;
}

/* Copies a plugin struct of claimed size `size` into the host's `dst`. */
static gboolean
registry_copy_sized(void *dst, gsize dst_size, const void *src, guint32 size, gsize min, const char *what,
                    char **reason)
{
    if (size < min) {
        *reason = g_strdup_printf("%s struct_size %u is too small (at least %zu)", what, size, min);
        return FALSE;
    }
    if (size > GH_PLUGIN_MAX_STRUCT_SIZE) {
        *reason = g_strdup_printf("%s struct_size %u is absurd (more than %u)", what, size,
                                  GH_PLUGIN_MAX_STRUCT_SIZE);
        return FALSE;
    }
    memset(dst, 0, dst_size);
    memcpy(dst, src, MIN((gsize)size, dst_size));
    return TRUE;
}

/* The ops table of the backend's own kind: present, big enough, its
 * required op set; the other kinds' tables absent. */
static gboolean
registry_check_ops(GhBackend *b, const gh_backend_factory *f, char **reason)
{
    const char *kind = gh_plugin_kind_name(b->kind);
    g_autofree char *what = g_strdup_printf("backend %s: %s ops", b->name, kind);
    const void *mine = b->kind == GH_BACKEND_CAPTURE ? (const void *)f->capture
                     : b->kind == GH_BACKEND_STREAM  ? (const void *)f->stream
                     : b->kind == GH_BACKEND_INPUT   ? (const void *)f->input
                                                     : (const void *)f->audio;
    gboolean ok;

    if ((f->capture && f->capture != mine) || (f->stream && f->stream != mine) ||
        (f->input && f->input != mine) || (f->audio && f->audio != mine)) {
        *reason = g_strdup_printf("backend %s has ops of another kind (a %s backend has only %s ops)",
                                  b->name, kind, kind);
        return FALSE;
    }
    if (!mine) {
        *reason = g_strdup_printf("backend %s has no %s ops", b->name, kind);
        return FALSE;
    }
    /* Only the struct_size member is read before its size is known. */
    if (b->kind == GH_BACKEND_CAPTURE) {
        ok = registry_copy_sized(&b->capture, sizeof b->capture, f->capture, f->capture->struct_size,
                                 MIN_CAPTURE_OPS, what, reason);
        if (ok && !b->capture.grab)
            *reason = g_strdup_printf("backend %s: capture ops have no grab", b->name);
        ok = ok && b->capture.grab;
    } else if (b->kind == GH_BACKEND_STREAM) {
        ok = registry_copy_sized(&b->stream, sizeof b->stream, f->stream, f->stream->struct_size,
                                 MIN_STREAM_OPS, what, reason);
        if (ok && !b->stream.push_frame)
            *reason = g_strdup_printf("backend %s: stream ops have no push_frame", b->name);
        ok = ok && b->stream.push_frame;
    } else if (b->kind == GH_BACKEND_INPUT) {
        ok = registry_copy_sized(&b->input, sizeof b->input, f->input, f->input->struct_size,
                                 MIN_INPUT_OPS, what, reason);
        if (ok && !b->input.send)
            *reason = g_strdup_printf("backend %s: input ops have no send", b->name);
        ok = ok && b->input.send;
    } else {
        ok = registry_copy_sized(&b->audio, sizeof b->audio, f->audio, f->audio->struct_size,
                                 MIN_AUDIO_OPS, what, reason);
        if (ok && (!b->audio.format || !b->audio.start))
            *reason = g_strdup_printf("backend %s: audio ops have no %s", b->name,
                                      b->audio.format ? "start" : "format");
        ok = ok && b->audio.format && b->audio.start;
    }
    return ok;
}

/* One factory into a new GhBackend, or NULL with the reason. */
static GhBackend *
registry_check_factory(const gh_backend_factory *src, guint idx, char **reason)
{
    g_autoptr(GhBackend) b = g_new0(GhBackend, 1);
    g_autofree char *what = g_strdup_printf("factory %u:", idx);
    gh_backend_factory *f = &b->factory;
    const char *prefix;

    if (!src) {
        *reason = g_strdup_printf("factory %u is NULL", idx);
        return NULL;
    }
    if (!registry_copy_sized(f, sizeof *f, src, src->struct_size, MIN_FACTORY_SIZE, what, reason))
        return NULL;
    prefix = gh_plugin_kind_name(f->kind);
    if (!prefix) {
        *reason = g_strdup_printf("factory %u: unknown kind %u", idx, f->kind);
        return NULL;
    }
    if (!f->name) {
        *reason = g_strdup_printf("factory %u has no name", idx);
        return NULL;
    }
    if (!registry_backend_name_valid(f->name, prefix)) {
        g_autofree char *shown = g_strndup(f->name, GH_PLUGIN_NAME_MAX + 16);

        *reason = g_strdup_printf("factory %u: backend name '%s' does not match %s.NAME "
                                  "(NAME: 1-%u of a-z 0-9 _ -, starting with a letter or digit)",
                                  idx, shown, prefix, GH_PLUGIN_NAME_MAX);
        return NULL;
    }
    b->name = g_strdup(f->name);
    b->kind = f->kind;
    b->description = g_strdup(f->description ? f->description : "");
    if (!f->create || !f->destroy) {
        *reason = g_strdup_printf("backend %s has no %s", b->name, f->create ? "destroy" : "create");
        return NULL;
    }
    if (!registry_check_ops(b, f, reason))
        return NULL;
    /* Whoever holds the factory copy reaches the host-sized ops copies. */
    f->capture = b->kind == GH_BACKEND_CAPTURE ? &b->capture : NULL;
    f->stream = b->kind == GH_BACKEND_STREAM ? &b->stream : NULL;
    f->input = b->kind == GH_BACKEND_INPUT ? &b->input : NULL;
    f->audio = b->kind == GH_BACKEND_AUDIO ? &b->audio : NULL;
    return g_steal_pointer(&b);
}

/* The descriptor's own header: ABI version, size, facts. */
static gboolean
registry_check_descriptor(const gh_plugin *src, gh_plugin *d, GhPluginError *code, char **reason)
{
    *code = GH_PLUGIN_ERROR_ABI;
    if (src->abi_major != GH_PLUGIN_ABI_MAJOR) {
        *reason = g_strdup_printf("ABI major %u, this host speaks %u", src->abi_major, GH_PLUGIN_ABI_MAJOR);
        return FALSE;
    }
    if (src->abi_minor > GH_PLUGIN_ABI_MINOR) {
        *reason = g_strdup_printf("built for ABI %u.%u, this host speaks %u.%u", src->abi_major,
                                  src->abi_minor, GH_PLUGIN_ABI_MAJOR, GH_PLUGIN_ABI_MINOR);
        return FALSE;
    }
    if (!registry_copy_sized(d, sizeof *d, src, src->struct_size, MIN_PLUGIN_SIZE, "descriptor", reason))
        return FALSE;
    *code = GH_PLUGIN_ERROR_INVALID;
    if (d->n_factories == 0 || d->n_factories > GH_PLUGIN_MAX_FACTORIES || !d->factories) {
        *reason = d->n_factories > GH_PLUGIN_MAX_FACTORIES
                      ? g_strdup_printf("%u backend factories (at most %u)", d->n_factories,
                                        GH_PLUGIN_MAX_FACTORIES)
                      : g_strdup("no backend factories");
        return FALSE;
    }
    if (!d->name || !d->version || !d->license) {
        *reason = g_strdup_printf("descriptor has no %s", !d->name ? "name" : !d->version ? "version" : "license");
        return FALSE;
    }
    return TRUE;
}

/* The backend p added last takes no name already taken, by an earlier plugin
 * or by p itself.  Serves plugins loaded here and scanned ones alike. */
static gboolean
registry_check_unique(GhPluginRegistry *reg, GhPlugin *p, char **reason)
{
    const GhBackend *b = p->backends->pdata[p->backends->len - 1];
    const GhBackend *other = g_hash_table_lookup(reg->by_name, b->name);

    if (other) {
        *reason = g_strdup_printf("backend %s is already provided by plugin %s (%s)", b->name,
                                  other->plugin->name, other->plugin->path);
        return FALSE;
    }
    for (guint j = 0; j + 1 < p->backends->len; j++)
        if (g_str_equal(((GhBackend *)p->backends->pdata[j])->name, b->name)) {
            *reason = g_strdup_printf("backend %s is listed twice", b->name);
            return FALSE;
        }
    return TRUE;
}

/* Every factory, and no backend name already taken (here or earlier). */
static gboolean
registry_check_backends(GhPluginRegistry *reg, GhPlugin *p, const gh_plugin *d, GhPluginError *code, char **reason)
{
    for (guint i = 0; i < d->n_factories; i++) {
        GhBackend *b = registry_check_factory(d->factories[i], i, reason);

        *code = GH_PLUGIN_ERROR_INVALID;
        if (!b)
            return FALSE;
        b->plugin = p;
        g_ptr_array_add(p->backends, b);
        *code = GH_PLUGIN_ERROR_DUPLICATE;
        if (!registry_check_unique(reg, p, reason))
            return FALSE;
    }
    return TRUE;
}

/* ---- loading ----------------------------------------------------------- */

/* dlopen, entry, checks: the checked plugin, or NULL with code and reason. */
static GhPlugin *
plugin_open(GhPluginRegistry *reg, const char *path, GhPluginError *code, char **reason)
{
    g_autoptr(GhPlugin) p = g_new0(GhPlugin, 1);
    gh_plugin_query_fn entry;
    const gh_plugin *src;
    gh_plugin d;

    p->path = g_strdup(path);
    p->backends = g_ptr_array_new_with_free_func(registry_backend_free);
    dlerror();
    p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        const char *why = dlerror();

        *code = GH_PLUGIN_ERROR_LOAD;
        *reason = g_strdup_printf("cannot load: %s", why ? why : "unknown dlopen error");
        return NULL;
    }
    *code = GH_PLUGIN_ERROR_NO_ENTRY;
    /* Object-to-function pointer conversion: POSIX guarantees it for dlsym. */
    *(void **)&entry = dlsym(p->handle, GH_PLUGIN_ENTRY);
    if (!entry) {
        *reason = g_strdup("no entry symbol " GH_PLUGIN_ENTRY);
        return NULL;
    }
    src = entry();
    if (!src) {
        *reason = g_strdup(GH_PLUGIN_ENTRY " returned NULL");
        return NULL;
    }
    if (!registry_check_descriptor(src, &d, code, reason))
        return NULL;
    p->name = g_strdup(d.name);
    p->version = g_strdup(d.version);
    p->license = g_strdup(d.license);
    p->abi_major = d.abi_major;
    p->abi_minor = d.abi_minor;
    if (!registry_check_backends(reg, p, &d, code, reason))
        return NULL;
    return g_steal_pointer(&p);
}

/* A checked plugin joins the registry, its backends the name index. */
static void
registry_add(GhPluginRegistry *reg, GhPlugin *p)
{
    g_ptr_array_add(reg->plugins, p);
    for (guint i = 0; i < p->backends->len; i++) {
        GhBackend *b = p->backends->pdata[i];

        g_hash_table_insert(reg->by_name, b->name, b);
    }
}

gboolean
gh_plugin_registry_load_file(GhPluginRegistry *reg, const char *path, GError **error)
{
    g_autofree char *reason = NULL;
    GhPluginError code = GH_PLUGIN_ERROR_LOAD;
    GhPlugin *p;

    g_return_val_if_fail(reg && path, FALSE);
    p = plugin_open(reg, path, &code, &reason);
    if (!p) {
        gh_plugin_registry_refuse(reg, path, reason);
        g_set_error_literal(error, GH_PLUGIN_ERROR, code, reason);
        return FALSE;
    }
    registry_add(reg, p);
    g_debug("plugin %s loaded: %s %s, %u backends", path, p->name, p->version, p->backends->len);
    return TRUE;
}

/* g_ptr_array_sort hands pointers to the elements. */
static gint
registry_compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char **
gh_plugin_registry_list_dir(GhPluginRegistry *reg, const char *dir)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (!d) {
        g_autofree char *reason = g_strdup_printf("cannot read plugin dir: %s", err->message);

        gh_plugin_registry_refuse(reg, dir, reason);
        return NULL;
    }
    while ((name = g_dir_read_name(d)))
        if (g_str_has_suffix(name, ".so"))
            g_ptr_array_add(paths, g_build_filename(dir, name, NULL));
    /* One dir: the paths sort as their names do. */
    g_ptr_array_sort(paths, registry_compare_names);
    g_ptr_array_add(paths, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&paths), FALSE);
}

void
gh_plugin_registry_load_dir(GhPluginRegistry *reg, const char *dir)
{
    g_auto(GStrv) paths = gh_plugin_registry_list_dir(reg, dir);

    /* Refusals are recorded and logged by load_file; the next one goes on. */
    for (guint i = 0; paths && paths[i]; i++)
        gh_plugin_registry_load_file(reg, paths[i], NULL);
}

char **
gh_plugin_registry_files(GhPluginRegistry *reg)
{
    char **files = g_new0(char *, reg->plugins->len + 1);

    for (guint i = 0; i < reg->plugins->len; i++)
        files[i] = g_strdup(((GhPlugin *)reg->plugins->pdata[i])->path);
    return files;
}

/* ---- scanned plugins (plugin-scan.c) ------------------------------------ */

/* "M.m" of this host's major and a minor it speaks. */
static gboolean
registry_scanned_abi(const char *abi, guint32 *major, guint32 *minor)
{
    g_auto(GStrv) parts = g_strsplit(abi, ".", 3);
    guint64 m[2];

    if (g_strv_length(parts) != 2)
        return FALSE;
    for (guint i = 0; i < 2; i++)
        if (!g_ascii_string_to_unsigned(parts[i], 10, 0, G_MAXUINT32, &m[i], NULL))
            return FALSE;
    *major = (guint32)m[0];
    *minor = (guint32)m[1];
    return *major == GH_PLUGIN_ABI_MAJOR && *minor <= GH_PLUGIN_ABI_MINOR;
}

/* One entry of "backends" into a GhBackend without a factory to call, or
 * NULL with the reason.  kind and name are held to the loader's rules. */
static GhBackend *
registry_scanned_backend(JsonNode *node, guint idx, char **reason)
{
    static const guint32 kinds[] = { GH_BACKEND_CAPTURE, GH_BACKEND_STREAM, GH_BACKEND_INPUT, GH_BACKEND_AUDIO };
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
    const char *name = o ? gh_json_get_string(o, "name") : NULL;
    const char *kind = o ? gh_json_get_string(o, "kind") : NULL;
    const char *description = o ? gh_json_get_string(o, "description") : NULL;
    g_autoptr(GhBackend) b = NULL;

    if (!o || !name || !kind || !description) {
        *reason = g_strdup_printf("backend %u %s", idx,
                                  !o      ? "is not an object"
                                  : !name ? "has no string 'name'"
                                  : !kind ? "has no string 'kind'"
                                          : "has no string 'description'");
        return NULL;
    }
    b = g_new0(GhBackend, 1);
    for (guint i = 0; i < G_N_ELEMENTS(kinds); i++)
        if (g_str_equal(kind, gh_plugin_kind_name(kinds[i])))
            b->kind = kinds[i];
    if (!b->kind) {
        *reason = g_strdup_printf("backend %u: unknown kind '%s'", idx, kind);
        return NULL;
    }
    if (!registry_backend_name_valid(name, kind)) {
        *reason = g_strdup_printf("backend %u: name '%s' does not match %s.NAME", idx, name, kind);
        return NULL;
    }
    b->name = g_strdup(name);
    b->description = g_strdup(description);
    /* No create or ops: gh_plugin_instance_new refuses a plugin without handle. */
    b->factory.kind = b->kind;
    b->factory.name = b->name;
    return g_steal_pointer(&b);
}

/* The descriptor's facts, each a string; the backends come after. */
static GhPlugin *
registry_scanned_plugin(const char *file, JsonObject *o, char **reason)
{
    static const char *const members[] = { "name", "version", "license", "path", "abi" };
    const char *v[G_N_ELEMENTS(members)];
    g_autoptr(GhPlugin) p = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(members); i++)
        if (!(v[i] = gh_json_get_string(o, members[i]))) {
            *reason = g_strdup_printf("plugin has no string '%s'", members[i]);
            return NULL;
        }
    if (!g_str_equal(v[3], file)) {
        *reason = g_strdup_printf("plugin 'path' is %s, not the file scanned", v[3]);
        return NULL;
    }
    p = g_new0(GhPlugin, 1);
    if (!registry_scanned_abi(v[4], &p->abi_major, &p->abi_minor)) {
        *reason = g_strdup_printf("plugin 'abi' %s is not one this host speaks (%u.0 to %u.%u)", v[4],
                                  GH_PLUGIN_ABI_MAJOR, GH_PLUGIN_ABI_MAJOR, GH_PLUGIN_ABI_MINOR);
        return NULL;
    }
    p->name = g_strdup(v[0]);
    p->version = g_strdup(v[1]);
    p->license = g_strdup(v[2]);
    p->path = g_strdup(file);
    p->backends = g_ptr_array_new_with_free_func(registry_backend_free);
    return g_steal_pointer(&p);
}

/* The plugin of o, or NULL with code and reason; backends in order, each
 * checked for a name taken as plugin_open checks a loaded one. */
static GhPlugin *
registry_scanned_open(GhPluginRegistry *reg, const char *file, JsonObject *o, GhPluginError *code, char **reason)
{
    g_autoptr(GhPlugin) p = NULL;
    g_autofree char *why = NULL;
    JsonArray *backends = gh_json_get_array(o, "backends");
    guint n = backends ? json_array_get_length(backends) : 0;

    *code = GH_PLUGIN_ERROR_INVALID;
    if (!(p = registry_scanned_plugin(file, o, &why)))
        goto invalid;
    if (!backends || n == 0 || n > GH_PLUGIN_MAX_FACTORIES) {
        why = backends ? g_strdup_printf("plugin has %u backends (1 to %u)", n, GH_PLUGIN_MAX_FACTORIES)
                       : g_strdup("plugin has no array 'backends'");
        goto invalid;
    }
    for (guint i = 0; i < n; i++) {
        GhBackend *b = registry_scanned_backend(json_array_get_element(backends, i), i, &why);

        if (!b)
            goto invalid;
        b->plugin = p;
        g_ptr_array_add(p->backends, b);
        if (!registry_check_unique(reg, p, reason)) {
            *code = GH_PLUGIN_ERROR_DUPLICATE;
            return NULL;
        }
    }
    return g_steal_pointer(&p);

invalid:
    *reason = g_strdup_printf("scanner output: %s", why);
    return NULL;
}

gboolean
gh_plugin_registry_add_scanned(GhPluginRegistry *reg, const char *file, JsonObject *plugin, GError **error)
{
    g_autofree char *reason = NULL;
    GhPluginError code;
    GhPlugin *p;

    g_return_val_if_fail(reg && file && plugin, FALSE);
    p = registry_scanned_open(reg, file, plugin, &code, &reason);
    if (!p) {
        gh_plugin_registry_refuse(reg, file, reason);
        g_set_error_literal(error, GH_PLUGIN_ERROR, code, reason);
        return FALSE;
    }
    registry_add(reg, p);
    g_debug("plugin %s scanned: %s %s, %u backends", file, p->name, p->version, p->backends->len);
    return TRUE;
}

/* ---- JSON view (GET /v1/plugins, gamehostctl plugin check) -------------- */

static void
registry_backend_to_json(JsonBuilder *b, const GhBackend *be)
{
    json_builder_begin_object(b);
    gh_json_add_string(b, "name", be->name);
    gh_json_add_string(b, "kind", gh_plugin_kind_name(be->kind));
    gh_json_add_string(b, "description", be->description);
    json_builder_end_object(b);
}

static void
plugin_to_json(JsonBuilder *b, const GhPlugin *p)
{
    g_autofree char *abi = g_strdup_printf("%u.%u", p->abi_major, p->abi_minor);
    const char *keys[] = { "name", "version", "license", "path", "abi" };
    const char *values[] = { p->name, p->version, p->license, p->path, abi };

    json_builder_begin_object(b);
    for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
        gh_json_add_string(b, keys[i], values[i]);
    }
    gh_json_begin_array(b, "backends");
    for (guint i = 0; i < p->backends->len; i++)
        registry_backend_to_json(b, p->backends->pdata[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
}

JsonNode *
gh_plugin_registry_to_json(GhPluginRegistry *reg)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    gh_json_begin_array(b, "plugins");
    for (guint i = 0; i < reg->plugins->len; i++)
        plugin_to_json(b, reg->plugins->pdata[i]);
    json_builder_end_array(b);
    gh_json_begin_array(b, "refused");
    for (guint i = 0; i < reg->refusals->len; i++) {
        const GhPluginRefusal *r = reg->refusals->pdata[i];

        json_builder_begin_object(b);
        gh_json_add_string(b, "file", r->file);
        gh_json_add_string(b, "reason", r->reason);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
