/* plugin-scan: each plugin file loaded by gamehost-plugin-scanner in a
 * process of its own, its answer (the one-file registry JSON) checked as
 * untrusted and added to a registry of descriptors; answers cached by path,
 * size and mtime.  Runs the scanner on a private main context, so it blocks
 * its caller and touches no other loop. */
#define _GNU_SOURCE 1 /* sigabbrev_np */
#include "plugin-scan.h"
#include "util/json-util.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#ifndef GH_PKGLIBEXECDIR
#define GH_PKGLIBEXECDIR "/usr/local/libexec/gamehost"
#endif

/* A one-file registry nests 4 deep, a cache entry holding one 7: anything
 * deeper is not ours, and json-glib must never recurse through it. */
#define SCAN_MAX_DEPTH     8u
#define SCAN_CACHE_VERSION 1
#define SCAN_READ_CHUNK    (64u * 1024u)

const char *
gh_plugin_scan_scanner(void)
{
    const char *env = g_getenv("GH_PLUGIN_SCANNER");

    return env && *env ? env : GH_PKGLIBEXECDIR "/gamehost-plugin-scanner";
}

/* ---- one run of the scanner -------------------------------------------- */

typedef struct {
    GSubprocess *proc;
    GInputStream *out;
    GCancellable *cancel;        /* the reads, when the run is cut short */
    GByteArray *buf;
    gboolean reading, running, timed_out, overflow;
} ScanRun;

static void scan_read_next(ScanRun *run);

static void
scan_on_read(GObject *src, GAsyncResult *res, gpointer data)
{
    ScanRun *run = data;
    g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish(G_INPUT_STREAM(src), res, NULL);
    gsize n = chunk ? g_bytes_get_size(chunk) : 0;

    if (n == 0) { /* end of output, or cut short */
        run->reading = FALSE;
        return;
    }
    if (run->buf->len + n > GH_PLUGIN_SCAN_MAX_OUTPUT) {
        run->overflow = TRUE;
        run->reading = FALSE;
        g_subprocess_force_exit(run->proc);
        return;
    }
    g_byte_array_append(run->buf, g_bytes_get_data(chunk, NULL), n);
    scan_read_next(run);
}

static void
scan_read_next(ScanRun *run)
{
    g_input_stream_read_bytes_async(run->out, SCAN_READ_CHUNK, G_PRIORITY_DEFAULT, run->cancel, scan_on_read,
                                    run);
}

static void
scan_on_exit(GObject *src, GAsyncResult *res, gpointer data)
{
    ScanRun *run = data;

    g_subprocess_wait_finish(G_SUBPROCESS(src), res, NULL);
    run->running = FALSE;
}

/* Also ends the reads: a grandchild may hold the pipe open after the kill. */
static gboolean
scan_on_timeout(gpointer data)
{
    ScanRun *run = data;

    run->timed_out = TRUE;
    g_cancellable_cancel(run->cancel);
    g_subprocess_force_exit(run->proc);
    return G_SOURCE_REMOVE;
}

/* Runs the scanner on path until it exits and its output ends, or the
 * timeout kills it. */
static void
scan_wait(ScanRun *run, guint timeout_ms)
{
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GSource) timer = g_timeout_source_new(timeout_ms);

    g_main_context_push_thread_default(context);
    run->reading = run->running = TRUE;
    scan_read_next(run);
    g_subprocess_wait_async(run->proc, NULL, scan_on_exit, run);
    g_source_set_callback(timer, scan_on_timeout, run, NULL);
    g_source_attach(timer, context);
    while (run->reading || run->running)
        g_main_context_iteration(context, TRUE);
    g_source_destroy(timer);
    g_main_context_pop_thread_default(context);
}

/* How the run ended, as a refusal's reason; NULL when it exited 0. */
static char *
scan_run_failure(ScanRun *run, guint timeout_ms)
{
    GSubprocess *proc = run->proc;

    if (run->timed_out)
        return timeout_ms % 1000 == 0 ? g_strdup_printf("scanning timed out after %u s", timeout_ms / 1000)
                                      : g_strdup_printf("scanning timed out after %u ms", timeout_ms);
    if (run->overflow)
        return g_strdup_printf("scanning failed: the scanner printed more than %u bytes",
                               GH_PLUGIN_SCAN_MAX_OUTPUT);
    if (g_subprocess_get_if_signaled(proc)) {
        int sig = g_subprocess_get_term_sig(proc);
        const char *abbrev = sigabbrev_np(sig);

        return abbrev ? g_strdup_printf("scanning crashed: killed by SIG%s", abbrev)
                      : g_strdup_printf("scanning crashed: killed by signal %d", sig);
    }
    if (g_subprocess_get_exit_status(proc) != 0)
        return g_strdup_printf("scanning failed: the scanner exited with status %d",
                               g_subprocess_get_exit_status(proc));
    return NULL;
}

/* The scanner's output for path, or NULL with the reason.  *cacheable is
 * FALSE when the reason is not the file's (the scanner could not start). */
static GBytes *
scan_spawn(const char *path, const GhPluginScanOptions *opts, gboolean *cacheable, char **reason)
{
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GCancellable) cancel = g_cancellable_new();
    g_autoptr(GByteArray) buf = g_byte_array_new();
    g_autoptr(GError) err = NULL;
    guint timeout_ms = opts->timeout_ms ? opts->timeout_ms : GH_PLUGIN_SCAN_TIMEOUT_MS;
    ScanRun run = { 0 };

    *cacheable = TRUE;
    if (opts->child_setup)
        g_subprocess_launcher_set_child_setup(launcher, opts->child_setup, opts->child_setup_data, NULL);
    proc = g_subprocess_launcher_spawn(launcher, &err, opts->scanner, path, NULL);
    if (!proc) {
        *cacheable = FALSE;
        *reason = g_strdup_printf("cannot run the plugin scanner: %s", err->message);
        return NULL;
    }
    run.proc = proc;
    run.out = g_subprocess_get_stdout_pipe(proc);
    run.cancel = cancel;
    run.buf = buf;
    scan_wait(&run, timeout_ms);
    if ((*reason = scan_run_failure(&run, timeout_ms)))
        return NULL;
    return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

/* ---- answers ------------------------------------------------------------ */

/* {"plugins":[],"refused":[{"file":path,"reason":reason}]}: what the scanner
 * answers for a refused file, standing in for a run that gave no answer. */
static JsonNode *
scan_refusal(const char *path, const char *reason)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    gh_json_begin_array(b, "plugins");
    json_builder_end_array(b);
    gh_json_begin_array(b, "refused");
    json_builder_begin_object(b);
    gh_json_add_string(b, "file", path);
    gh_json_add_string(b, "reason", reason);
    json_builder_end_object(b);
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* An answer is a one-file registry of path: one plugin (its members are
 * checked by gh_plugin_registry_add_scanned) or one refusal of path.
 * FALSE with what is wrong. */
static gboolean
scan_answer_valid(JsonNode *answer, const char *path, char **why)
{
    JsonObject *o = answer && JSON_NODE_HOLDS_OBJECT(answer) ? json_node_get_object(answer) : NULL;
    JsonArray *plugins = o ? gh_json_get_array(o, "plugins") : NULL;
    JsonArray *refused = o ? gh_json_get_array(o, "refused") : NULL;
    JsonNode *entry;
    JsonObject *r;

    if (!plugins || !refused) {
        *why = g_strdup(!o ? "is not an object" : !plugins ? "has no array 'plugins'" : "has no array 'refused'");
        return FALSE;
    }
    if (json_array_get_length(plugins) + json_array_get_length(refused) != 1) {
        *why = g_strdup_printf("has %u plugins and %u refusals (one file has one of either)",
                               json_array_get_length(plugins), json_array_get_length(refused));
        return FALSE;
    }
    entry = json_array_get_element(json_array_get_length(plugins) ? plugins : refused, 0);
    if (!JSON_NODE_HOLDS_OBJECT(entry)) {
        *why = g_strdup_printf("has a %s that is not an object", json_array_get_length(plugins) ? "plugin" : "refusal");
        return FALSE;
    }
    if (json_array_get_length(plugins))
        return TRUE;
    r = json_node_get_object(entry);
    if (!gh_json_get_string(r, "file") || !g_str_equal(gh_json_get_string(r, "file"), path) ||
        !gh_json_get_string(r, "reason")) {
        *why = g_strdup(gh_json_get_string(r, "reason") ? "refuses another file" : "has a refusal without 'reason'");
        return FALSE;
    }
    return TRUE;
}

/* The scanner's answer for path, or a refusal standing for its failure:
 * always a valid answer.  *cacheable as scan_spawn() says. */
static JsonNode *
scan_answer(const char *path, const GhPluginScanOptions *opts, gboolean *cacheable)
{
    g_autofree char *reason = NULL;
    g_autofree char *why = NULL;
    g_autoptr(GBytes) out = scan_spawn(path, opts, cacheable, &reason);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) answer = NULL;
    gsize len = 0;
    const char *data = out ? g_bytes_get_data(out, &len) : NULL;

    if (!out)
        return scan_refusal(path, reason);
    if (len == 0)
        return scan_refusal(path, "scanning failed: the scanner printed nothing");
    answer = gh_json_parse(data, len, SCAN_MAX_DEPTH, &err);
    if (!answer) {
        reason = g_strdup_printf("scanning failed: the scanner's answer is not JSON (%s)", err->message);
        return scan_refusal(path, reason);
    }
    if (!scan_answer_valid(answer, path, &why)) {
        reason = g_strdup_printf("scanning failed: the scanner's answer %s", why);
        return scan_refusal(path, reason);
    }
    return g_steal_pointer(&answer);
}

/* Records the answer's plugin or refusal in reg, as loading path would. */
static gboolean
scan_add(GhPluginRegistry *reg, const char *path, JsonNode *answer, GError **error)
{
    JsonObject *o = json_node_get_object(answer);
    JsonArray *plugins = gh_json_get_array(o, "plugins");
    JsonObject *r;

    if (json_array_get_length(plugins) == 1)
        return gh_plugin_registry_add_scanned(reg, path, json_array_get_object_element(plugins, 0), error);
    r = json_array_get_object_element(gh_json_get_array(o, "refused"), 0);
    gh_plugin_registry_refuse(reg, path, gh_json_get_string(r, "reason"));
    g_set_error_literal(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_LOAD, gh_json_get_string(r, "reason"));
    return FALSE;
}

gboolean
gh_plugin_scan_file(GhPluginRegistry *reg, const char *path, const GhPluginScanOptions *opts, GError **error)
{
    gboolean cacheable;
    g_autoptr(JsonNode) answer = NULL;

    g_return_val_if_fail(reg && path && opts && opts->scanner, FALSE);
    answer = scan_answer(path, opts, &cacheable);
    return scan_add(reg, path, answer, error);
}

/* ---- the cache ----------------------------------------------------------- */

/* {"version":1,"abi":"1.4","scanner":{"path","size","mtime_ns"},
 *  "files":[{"path","size","mtime_ns","answer":{one-file registry}}]}
 * An answer holds for a file of that size and mtime read by that scanner of
 * that ABI: a new host may accept what an old one refused. */

typedef struct {
    char *path;
    gint64 size, mtime_ns;
    JsonNode *answer;
} ScanEntry;

static void
scan_entry_free(gpointer data)
{
    ScanEntry *e = data;

    g_free(e->path);
    json_node_unref(e->answer);
    g_free(e);
}

typedef struct {
    char *file;
    ScanEntry scanner;           /* its path, size and mtime; no answer */
    GHashTable *old;             /* path → ScanEntry*, as read */
    GPtrArray *fresh;            /* ScanEntry*, this scan's, in order */
    guint hits;
    gboolean dirty;              /* fresh differs from what the file holds */
} ScanCache;

static gboolean
scan_stat(const char *path, gint64 *size, gint64 *mtime_ns)
{
    GStatBuf st;

    if (g_stat(path, &st) != 0)
        return FALSE;
    *size = st.st_size;
    *mtime_ns = (gint64)st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st.st_mtim.tv_nsec;
    return TRUE;
}

/* path, size and mtime_ns of an entry, or the scanner's stamp. */
static gboolean
scan_cache_key(JsonObject *o, ScanEntry *e)
{
    const char *path = o ? gh_json_get_string(o, "path") : NULL;

    if (!path || !gh_json_get_int(o, "size", &e->size) || !gh_json_get_int(o, "mtime_ns", &e->mtime_ns))
        return FALSE;
    e->path = g_strdup(path);
    return TRUE;
}

/* The entries of a cache written by this scanner and ABI; FALSE with why
 * when the file is no cache of ours, TRUE with none from another scanner. */
static gboolean
scan_cache_parse(ScanCache *cache, JsonNode *root, char **why)
{
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    JsonArray *files = o ? gh_json_get_array(o, "files") : NULL;
    g_autofree char *abi = g_strdup_printf("%u.%u", GH_PLUGIN_ABI_MAJOR, GH_PLUGIN_ABI_MINOR);
    ScanEntry stamp = { 0 };
    gint64 version = 0;
    gboolean same;

    if (!files || !gh_json_get_int(o, "version", &version) || version != SCAN_CACHE_VERSION ||
        !gh_json_get_string(o, "abi") || !scan_cache_key(gh_json_get_object(o, "scanner"), &stamp)) {
        *why = g_strdup_printf("not a version %d plugin cache", SCAN_CACHE_VERSION);
        return FALSE;
    }
    same = g_str_equal(gh_json_get_string(o, "abi"), abi) && g_str_equal(stamp.path, cache->scanner.path) &&
           stamp.size == cache->scanner.size && stamp.mtime_ns == cache->scanner.mtime_ns;
    g_free(stamp.path);
    for (guint i = 0; i < json_array_get_length(files); i++) {
        JsonNode *n = json_array_get_element(files, i);
        JsonObject *f = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
        g_autofree char *bad = NULL;
        ScanEntry *e = g_new0(ScanEntry, 1);

        if (!scan_cache_key(f, e) || !scan_answer_valid(json_object_get_member(f, "answer"), e->path, &bad)) {
            *why = g_strdup_printf("entry %u %s", i, bad ? bad : "has no path, size or mtime_ns");
            g_free(e->path);
            g_free(e);
            return FALSE;
        }
        e->answer = json_node_ref(json_object_get_member(f, "answer"));
        g_hash_table_replace(cache->old, e->path, e);
    }
    if (!same) {
        g_message("plugin cache %s was written by another scanner or ABI: scanning every plugin", cache->file);
        g_hash_table_remove_all(cache->old);
    }
    return TRUE;
}

/* The cache of opts, read; NULL without one.  An unusable file costs one
 * warning, and every file a scan. */
static ScanCache *
scan_cache_open(const GhPluginScanOptions *opts)
{
    ScanCache *cache;
    g_autofree char *data = NULL;
    g_autofree char *why = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) root = NULL;
    gsize len;

    if (!opts->cache_path)
        return NULL;
    cache = g_new0(ScanCache, 1);
    cache->file = g_strdup(opts->cache_path);
    cache->scanner.path = g_strdup(opts->scanner);
    scan_stat(opts->scanner, &cache->scanner.size, &cache->scanner.mtime_ns);
    cache->old = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, scan_entry_free);
    cache->fresh = g_ptr_array_new_with_free_func(scan_entry_free);
    cache->dirty = TRUE;
    if (!g_file_get_contents(cache->file, &data, &len, &err)) {
        if (!g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            g_warning("plugin cache %s is unusable (%s): scanning every plugin", cache->file, err->message);
        return cache;
    }
    root = gh_json_parse(data, len, SCAN_MAX_DEPTH, &err);
    if (!root || !scan_cache_parse(cache, root, &why)) {
        g_hash_table_remove_all(cache->old);
        g_warning("plugin cache %s is unusable (%s): scanning every plugin", cache->file,
                  root ? why : err->message);
        return cache;
    }
    cache->dirty = FALSE;
    return cache;
}

/* The cached answer for path at that size and mtime, or NULL. */
static JsonNode *
scan_cache_lookup(ScanCache *cache, const char *path, gint64 size, gint64 mtime_ns)
{
    ScanEntry *e = cache ? g_hash_table_lookup(cache->old, path) : NULL;

    if (!e || e->size != size || e->mtime_ns != mtime_ns)
        return NULL;
    cache->hits++;
    return e->answer;
}

static void
scan_cache_keep(ScanCache *cache, const char *path, gint64 size, gint64 mtime_ns, JsonNode *answer, gboolean hit)
{
    ScanEntry *e;

    if (!cache)
        return;
    e = g_new0(ScanEntry, 1);
    e->path = g_strdup(path);
    e->size = size;
    e->mtime_ns = mtime_ns;
    e->answer = json_node_ref(answer);
    g_ptr_array_add(cache->fresh, e);
    cache->dirty |= !hit;
}

static char *
scan_cache_to_string(ScanCache *cache)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *abi = g_strdup_printf("%u.%u", GH_PLUGIN_ABI_MAJOR, GH_PLUGIN_ABI_MINOR);

    json_builder_begin_object(b);
    gh_json_add_int(b, "version", SCAN_CACHE_VERSION);
    gh_json_add_string(b, "abi", abi);
    gh_json_begin_object(b, "scanner");
    gh_json_add_string(b, "path", cache->scanner.path);
    gh_json_add_int(b, "size", cache->scanner.size);
    gh_json_add_int(b, "mtime_ns", cache->scanner.mtime_ns);
    json_builder_end_object(b);
    gh_json_begin_array(b, "files");
    for (guint i = 0; i < cache->fresh->len; i++) {
        const ScanEntry *e = cache->fresh->pdata[i];

        json_builder_begin_object(b);
        gh_json_add_string(b, "path", e->path);
        gh_json_add_int(b, "size", e->size);
        gh_json_add_int(b, "mtime_ns", e->mtime_ns);
        gh_json_add_node(b, "answer", json_node_copy(e->answer));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    return json_to_string(root, FALSE);
}

/* Writes this scan's entries when they differ from the file's (files gone
 * since are dropped), then frees the cache. */
static void
scan_cache_close(ScanCache *cache)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *text = NULL;

    if (!cache)
        return;
    if (cache->dirty || cache->hits != g_hash_table_size(cache->old)) {
        dir = g_path_get_dirname(cache->file);
        text = scan_cache_to_string(cache);
        /* The state dir may not exist yet at the daemon's first start. */
        if (g_mkdir_with_parents(dir, 0755) != 0 ||
            !g_file_set_contents_full(cache->file, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err))
            g_warning("cannot write the plugin cache %s: %s", cache->file,
                      err ? err->message : g_strerror(errno));
    }
    g_hash_table_unref(cache->old);
    g_ptr_array_unref(cache->fresh);
    g_free(cache->scanner.path);
    g_free(cache->file);
    g_free(cache);
}

/* ---- scanning dirs ------------------------------------------------------- */

static void
scan_one(GhPluginRegistry *reg, ScanCache *cache, const char *path, const GhPluginScanOptions *opts,
         GhPluginScanStats *stats)
{
    gint64 size = 0, mtime_ns = 0;
    gboolean known = scan_stat(path, &size, &mtime_ns);
    JsonNode *answer = known ? scan_cache_lookup(cache, path, size, mtime_ns) : NULL;
    g_autoptr(JsonNode) fresh = NULL;
    gboolean hit = answer != NULL;
    gboolean cacheable = TRUE;

    stats->files++;
    if (hit) {
        stats->cache_hits++;
    } else {
        answer = fresh = scan_answer(path, opts, &cacheable);
        stats->scans++;
    }
    if (known && cacheable)
        scan_cache_keep(cache, path, size, mtime_ns, answer, hit);
    scan_add(reg, path, answer, NULL);
}

GhPluginRegistry *
gh_plugin_scan_dirs(const char *const *dirs, const GhPluginScanOptions *opts, GhPluginScanStats *stats)
{
    GhPluginRegistry *reg;
    ScanCache *cache;
    GhPluginScanStats counted = { 0 };

    g_return_val_if_fail(opts && opts->scanner, NULL);
    reg = gh_plugin_registry_new();
    cache = scan_cache_open(opts);
    for (guint i = 0; dirs && dirs[i]; i++) {
        g_auto(GStrv) paths = gh_plugin_registry_list_dir(reg, dirs[i]);

        for (guint j = 0; paths && paths[j]; j++)
            scan_one(reg, cache, paths[j], opts, &counted);
    }
    scan_cache_close(cache);
    counted.refused = gh_plugin_registry_refusals(reg)->len;
    if (stats)
        *stats = counted;
    return reg;
}

GhPluginRegistry *
gh_plugin_scan(const char *const *dirs, const char *scanner, const char *cache_path, GhPluginScanStats *stats)
{
    const GhPluginScanOptions opts = { .scanner = scanner, .cache_path = cache_path };

    return gh_plugin_scan_dirs(dirs, &opts, stats);
}
