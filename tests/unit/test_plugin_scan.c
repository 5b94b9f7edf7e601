/* Specification of plugin-scan: plugins read by gamehost-plugin-scanner in
 * a process of its own give the registry the in-process loader gives, with
 * nothing dlopen'd here; answers are cached by path, size and mtime; a
 * plugin that crashes or hangs while loading, and a scanner that answers
 * nonsense, refuse that one file with the exact reason.  The scanner is the
 * build tree's (runtime/worker/), the plugins tests/plugins/'s, copied into
 * a temporary dir so that their size and mtime can change. */
#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/plugin-scan.h"
#include "plugin-fixture.h"
#include "testutil.h"

/* ---- fixtures ---------------------------------------------------------- */

/* Every test plugin that loads safely, good and refused. */
static const char *const safe_plugins[] = {
    "good", "old-minor", "stream-1-2", "stream-1-3", "no-entry", "null-entry", "create-fails", "probe-fails",
    "misuse", "wrong-major", "newer-minor", "bad-struct-size", "absurd-struct-size", "no-factories",
    "no-license", "missing-op", "ops-too-small", "bad-kind", "bad-name", "no-destroy", "duplicate",
    "pipeline-fake", "stream-peer-fake", NULL,
};

static char *
scanner_path(void)
{
    const char *builddir = g_getenv("GH_TEST_BUILDDIR");

    return g_strdup_printf("%s/runtime/worker/gamehost-plugin-scanner", builddir ? builddir : ".");
}

static GhPluginScanOptions
scan_options(const char *scanner, const char *cache)
{
    return (GhPluginScanOptions){ .scanner = scanner, .cache_path = cache };
}

/* Copies the test plugin `name` into dir as `as`.so. */
static char *
copy_plugin(const char *dir, const char *name, const char *as)
{
    g_autofree char *from = gh_test_plugin_path(name);
    g_autofree char *data = NULL;
    char *to = g_strdup_printf("%s/%s.so", dir, as);
    gsize len;

    ck_assert(g_file_get_contents(from, &data, &len, NULL));
    ck_assert(g_file_set_contents(to, data, (gssize)len, NULL));
    return to;
}

/* A fresh dir holding a copy of each named plugin under its own name. */
static char *
plugin_dir(const char *const *names)
{
    char *dir = gh_test_make_tmpdir("gh-plugin-scan");

    for (guint i = 0; names[i]; i++)
        g_free(copy_plugin(dir, names[i], names[i]));
    return dir;
}

static char *
registry_text(GhPluginRegistry *reg)
{
    g_autoptr(JsonNode) node = gh_plugin_registry_to_json(reg);

    return json_to_string(node, TRUE);
}

/* The one refusal of a registry that has nothing else. */
static const char *
only_refusal(GhPluginRegistry *reg)
{
    ck_assert_uint_eq(gh_plugin_registry_plugins(reg)->len, 0);
    ck_assert_uint_eq(gh_plugin_registry_refusals(reg)->len, 1);
    return ((const GhPluginRefusal *)gh_plugin_registry_refusals(reg)->pdata[0])->reason;
}

/* A stand-in scanner: a shell script with body, run as `fake FILE`. */
static char *
fake_scanner(const char *dir, const char *body)
{
    char *path = g_build_filename(dir, "fake-scanner", NULL);
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", body);

    ck_assert(g_file_set_contents(path, text, -1, NULL));
    ck_assert_int_eq(g_chmod(path, 0755), 0);
    return path;
}

/* An ASan build's scanner would catch the SEGV and exit 1: let the signal
 * kill it, as in a plain build.  And no core file from a deliberate crash. */
static void
let_crashes_crash(void)
{
    const char *asan = g_getenv("ASAN_OPTIONS");
    g_autofree char *opts = g_strdup_printf("%s%shandle_segv=0", asan ? asan : "", asan && *asan ? ":" : "");
    struct rlimit none = { 0, 0 };

    g_setenv("ASAN_OPTIONS", opts, TRUE);
    ck_assert_int_eq(setrlimit(RLIMIT_CORE, &none), 0);
}

static guint cache_warnings;

static void
count_cache_warnings(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
    cache_warnings += g_str_has_prefix(message, "plugin cache ");
}

/* ---- the same registry as loading ---------------------------------------- */

START_TEST(test_scan_gives_the_json_the_loader_gives)
{
    g_autofree char *dir = plugin_dir(safe_plugins);
    g_autofree char *scanner = scanner_path();
    g_autofree char *garbage = g_build_filename(dir, "garbage.so", NULL);
    const char *dirs[] = { dir, "/nonexistent/gamehost-plugins", NULL };
    GhPluginScanOptions opts = scan_options(scanner, NULL);
    g_autoptr(GhPluginRegistry) scanned = NULL;
    g_autoptr(GhPluginRegistry) loaded = gh_plugin_registry_new();
    g_autofree char *scanned_text = NULL;
    g_autofree char *loaded_text = NULL;

    ck_assert(g_file_set_contents(garbage, "not an ELF file", -1, NULL));
    scanned = gh_plugin_scan_dirs(dirs, &opts, NULL);
    for (guint i = 0; safe_plugins[i]; i++) {
        g_autofree char *path = g_strdup_printf("%s/%s.so", dir, safe_plugins[i]);

        ck_assert_msg(!gh_test_plugin_is_loaded(path), "%s was dlopen'd by the scan", path);
    }
    for (guint i = 0; dirs[i]; i++)
        gh_plugin_registry_load_dir(loaded, dirs[i]);
    scanned_text = registry_text(scanned);
    loaded_text = registry_text(loaded);
    ck_assert_str_eq(scanned_text, loaded_text);
    ck_assert_uint_ge(gh_plugin_registry_plugins(scanned)->len, 7);
    ck_assert_uint_ge(gh_plugin_registry_refusals(scanned)->len, 15);
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_answers_lookups_as_the_loader_does)
{
    const char *names[] = { "good", "pipeline-fake", "stream-1-3", NULL };
    static const guint32 kinds[] = { GH_BACKEND_CAPTURE, GH_BACKEND_STREAM, GH_BACKEND_INPUT, GH_BACKEND_AUDIO };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *scanner = scanner_path();
    const char *dirs[] = { dir, NULL };
    g_autoptr(GhPluginRegistry) scanned = gh_plugin_scan(dirs, scanner, NULL, NULL);
    g_autoptr(GhPluginRegistry) loaded = gh_plugin_registry_new();
    g_autoptr(GError) scanned_error = NULL;
    g_autoptr(GError) loaded_error = NULL;

    gh_plugin_registry_load_dir(loaded, dir);
    for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
        g_autoptr(GPtrArray) want = gh_plugin_registry_backends(loaded, kinds[k]);
        g_autoptr(GPtrArray) got = gh_plugin_registry_backends(scanned, kinds[k]);

        ck_assert_uint_gt(want->len, 0);
        ck_assert_uint_eq(got->len, want->len);
        for (guint i = 0; i < want->len; i++) {
            const GhBackend *w = want->pdata[i], *g = got->pdata[i];

            ck_assert_str_eq(g->name, w->name);
            ck_assert_uint_eq(g->kind, w->kind);
            ck_assert_str_eq(g->description, w->description);
            ck_assert_str_eq(g->plugin->name, w->plugin->name);
            ck_assert_str_eq(g->plugin->version, w->plugin->version);
            ck_assert_str_eq(g->plugin->license, w->plugin->license);
            ck_assert_str_eq(g->plugin->path, w->plugin->path);
            ck_assert_uint_eq(g->plugin->abi_minor, w->plugin->abi_minor);
            ck_assert_ptr_eq(gh_plugin_registry_lookup(scanned, w->name), g);
            ck_assert_ptr_eq(gh_plugin_registry_lookup_kind(scanned, w->name, w->kind, NULL), g);
        }
    }
    ck_assert_ptr_null(gh_plugin_registry_lookup_kind(scanned, "input.good", GH_BACKEND_STREAM, &scanned_error));
    ck_assert_ptr_null(gh_plugin_registry_lookup_kind(loaded, "input.good", GH_BACKEND_STREAM, &loaded_error));
    ck_assert_str_eq(scanned_error->message, loaded_error->message);
    ck_assert_ptr_null(gh_plugin_registry_lookup(scanned, "capture.none"));
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_refuses_a_taken_backend_name_as_the_loader_does)
{
    g_autofree char *dir = gh_test_make_tmpdir("gh-plugin-scan");
    g_autofree char *good = copy_plugin(dir, "good", "a-good");
    g_autofree char *dup = copy_plugin(dir, "duplicate", "b-duplicate");
    g_autofree char *scanner = scanner_path();
    g_autofree char *want = g_strdup_printf("backend capture.good is already provided by plugin good (%s)", good);
    const char *dirs[] = { dir, NULL };
    g_autoptr(GhPluginRegistry) reg = gh_plugin_scan(dirs, scanner, NULL, NULL);
    const GhPluginRefusal *r;

    ck_assert_uint_eq(gh_plugin_registry_plugins(reg)->len, 1);
    ck_assert_uint_eq(gh_plugin_registry_refusals(reg)->len, 1);
    r = gh_plugin_registry_refusals(reg)->pdata[0];
    ck_assert_str_eq(r->file, dup);
    ck_assert_str_eq(r->reason, want);
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_backend_has_no_instance_in_this_process)
{
    const char *names[] = { "good", NULL };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *scanner = scanner_path();
    g_autofree char *want = g_strdup_printf("backend capture.good is not loaded in this process (its plugin "
                                            "%s/good.so was only scanned)", dir);
    const char *dirs[] = { dir, NULL };
    g_autoptr(GhPluginRegistry) reg = gh_plugin_scan(dirs, scanner, NULL, NULL);
    const GhBackend *b = gh_plugin_registry_lookup(reg, "capture.good");
    GhPluginSessionInfo info = { .session_id = "s1" };
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) probe_error = NULL;

    ck_assert_ptr_null(gh_plugin_instance_new(b, &info, &error));
    ck_assert(g_error_matches(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_NOT_LOADED));
    ck_assert_str_eq(error->message, want);
    ck_assert(!gh_plugin_backend_probe(b, &info, &probe_error));
    ck_assert(g_error_matches(probe_error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_NOT_LOADED));
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_files_are_the_accepted_ones_in_load_order)
{
    const char *names[] = { "stream-1-3", "good", "no-entry", "old-minor", NULL };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *scanner = scanner_path();
    const char *dirs[] = { dir, NULL };
    g_autoptr(GhPluginRegistry) reg = gh_plugin_scan(dirs, scanner, NULL, NULL);
    g_auto(GStrv) files = gh_plugin_registry_files(reg);
    g_autofree char *joined = g_strjoinv(" ", files);
    g_autofree char *want = g_strdup_printf("%s/good.so %s/old-minor.so %s/stream-1-3.so", dir, dir, dir);

    ck_assert_str_eq(joined, want);
    gh_test_rm_rf(dir);
}
END_TEST

/* ---- the cache ------------------------------------------------------------ */

START_TEST(test_scan_second_scan_takes_every_file_from_the_cache)
{
    const char *names[] = { "good", "no-entry", "old-minor", NULL };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *scanner = scanner_path();
    g_autofree char *cache = g_build_filename(dir, "state", "plugin-cache.json", NULL);
    const char *dirs[] = { dir, NULL };
    GhPluginScanStats first, second;
    g_autoptr(GhPluginRegistry) a = gh_plugin_scan(dirs, scanner, cache, &first);
    g_autoptr(GhPluginRegistry) b = gh_plugin_scan(dirs, scanner, cache, &second);
    g_autofree char *a_text = registry_text(a);
    g_autofree char *b_text = registry_text(b);
    GStatBuf st;

    ck_assert_uint_eq(first.files, 3);
    ck_assert_uint_eq(first.scans, 3);
    ck_assert_uint_eq(first.cache_hits, 0);
    ck_assert_uint_eq(first.refused, 1);
    ck_assert_uint_eq(second.files, 3);
    ck_assert_uint_eq(second.scans, 0);
    ck_assert_uint_eq(second.cache_hits, 3);
    ck_assert_uint_eq(second.refused, 1);
    ck_assert_str_eq(b_text, a_text);
    ck_assert_int_eq(g_stat(cache, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_touched_file_is_scanned_again)
{
    const char *names[] = { "good", "old-minor", NULL };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *scanner = scanner_path();
    g_autofree char *cache = g_build_filename(dir, "plugin-cache.json", NULL);
    g_autofree char *good = g_build_filename(dir, "good.so", NULL);
    const struct timespec times[2] = { { 0, UTIME_OMIT }, { 1700000000, 123456789 } };
    const char *dirs[] = { dir, NULL };
    GhPluginScanStats stats;

    gh_plugin_registry_free(gh_plugin_scan(dirs, scanner, cache, NULL));
    ck_assert_int_eq(utimensat(AT_FDCWD, good, times, 0), 0);
    gh_plugin_registry_free(gh_plugin_scan(dirs, scanner, cache, &stats));
    ck_assert_uint_eq(stats.scans, 1);
    ck_assert_uint_eq(stats.cache_hits, 1);
    gh_plugin_registry_free(gh_plugin_scan(dirs, scanner, cache, &stats));
    ck_assert_uint_eq(stats.scans, 0); /* the new mtime is cached */
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_file_of_another_size_is_scanned_again)
{
    const char *names[] = { "good", "old-minor", NULL };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *scanner = scanner_path();
    g_autofree char *cache = g_build_filename(dir, "plugin-cache.json", NULL);
    g_autofree char *good = g_build_filename(dir, "good.so", NULL);
    const char *dirs[] = { dir, NULL };
    struct timespec times[2] = { { 0, UTIME_OMIT }, { 0, 0 } };
    GhPluginScanStats stats;
    GStatBuf st;
    FILE *f;

    gh_plugin_registry_free(gh_plugin_scan(dirs, scanner, cache, NULL));
    /* Same mtime, one byte more: only the size tells. */
    ck_assert_int_eq(g_stat(good, &st), 0);
    times[1] = st.st_mtim;
    ck_assert_ptr_nonnull(f = fopen(good, "ab"));
    fputc(0, f);
    fclose(f);
    ck_assert_int_eq(utimensat(AT_FDCWD, good, times, 0), 0);
    gh_plugin_registry_free(gh_plugin_scan(dirs, scanner, cache, &stats));
    ck_assert_uint_eq(stats.scans, 1);
    ck_assert_uint_eq(stats.cache_hits, 1);
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_corrupt_cache_is_ignored_with_one_warning_and_rewritten)
{
    const char *names[] = { "good", "no-entry", NULL };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *scanner = scanner_path();
    g_autofree char *cache = g_build_filename(dir, "plugin-cache.json", NULL);
    const char *dirs[] = { dir, NULL };
    g_autoptr(GhPluginRegistry) first = gh_plugin_scan(dirs, scanner, cache, NULL);
    g_autoptr(GhPluginRegistry) second = NULL;
    g_autofree char *first_text = registry_text(first);
    g_autofree char *second_text = NULL;
    GhPluginScanStats stats;
    guint handler;

    ck_assert(g_file_set_contents(cache, "{\"version\":1,\"files\":[{\"path\":", -1, NULL));
    handler = g_log_set_handler(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, count_cache_warnings, NULL);
    second = gh_plugin_scan(dirs, scanner, cache, &stats);
    g_log_remove_handler(G_LOG_DOMAIN, handler);
    second_text = registry_text(second);
    ck_assert_uint_eq(cache_warnings, 1);
    ck_assert_uint_eq(stats.scans, 2);
    ck_assert_str_eq(second_text, first_text);
    gh_plugin_registry_free(gh_plugin_scan(dirs, scanner, cache, &stats));
    ck_assert_uint_eq(stats.cache_hits, 2);
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_drops_the_entry_of_a_removed_file)
{
    const char *names[] = { "good", "old-minor", NULL };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *scanner = scanner_path();
    g_autofree char *cache = g_build_filename(dir, "plugin-cache.json", NULL);
    g_autofree char *good = g_build_filename(dir, "good.so", NULL);
    g_autofree char *text = NULL;
    const char *dirs[] = { dir, NULL };
    GhPluginScanStats stats;

    gh_plugin_registry_free(gh_plugin_scan(dirs, scanner, cache, NULL));
    ck_assert(g_file_get_contents(cache, &text, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(text, good));
    g_clear_pointer(&text, g_free);
    ck_assert_int_eq(g_unlink(good), 0);
    gh_plugin_registry_free(gh_plugin_scan(dirs, scanner, cache, &stats));
    ck_assert_uint_eq(stats.files, 1);
    ck_assert_uint_eq(stats.cache_hits, 1);
    ck_assert(g_file_get_contents(cache, &text, NULL, NULL));
    ck_assert_ptr_null(strstr(text, good));
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_without_a_scanner_refuses_each_file_and_caches_none)
{
    const char *names[] = { "good", NULL };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *cache = g_build_filename(dir, "plugin-cache.json", NULL);
    const char *dirs[] = { dir, NULL };
    g_autoptr(GhPluginRegistry) reg = gh_plugin_scan(dirs, "/nonexistent/gamehost-plugin-scanner", cache, NULL);
    g_autofree char *text = NULL;

    ck_assert(g_str_has_prefix(only_refusal(reg), "cannot run the plugin scanner: "));
    /* Not the file's fault: nothing of it is kept for the next start. */
    ck_assert(g_file_get_contents(cache, &text, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(text, "\"files\":[]"));
    gh_test_rm_rf(dir);
}
END_TEST

/* ---- plugins that crash or hang while loading ---------------------------- */

START_TEST(test_scan_refuses_a_plugin_that_crashes_in_its_constructor)
{
    const char *names[] = { "crash-on-load", "good", NULL };
    g_autofree char *dir = plugin_dir(names);
    g_autofree char *scanner = scanner_path();
    g_autofree char *crash = g_build_filename(dir, "crash-on-load.so", NULL);
    const char *dirs[] = { dir, NULL };
    g_autoptr(GhPluginRegistry) reg = NULL;
    const GhPluginRefusal *r;

    let_crashes_crash();
    reg = gh_plugin_scan(dirs, scanner, NULL, NULL);
    ck_assert_uint_eq(gh_plugin_registry_refusals(reg)->len, 1);
    r = gh_plugin_registry_refusals(reg)->pdata[0];
    ck_assert_str_eq(r->file, crash);
    ck_assert_str_eq(r->reason, "scanning crashed: killed by SIGSEGV");
    /* This process lives on, and so does the scan: the next file loads. */
    ck_assert_ptr_nonnull(gh_plugin_registry_lookup(reg, "capture.good"));
    gh_test_rm_rf(dir);
}
END_TEST

START_TEST(test_scan_refuses_a_plugin_that_crashes_in_its_entry)
{
    g_autofree char *path = gh_test_plugin_path("crash-in-query");
    g_autofree char *scanner = scanner_path();
    GhPluginScanOptions opts = scan_options(scanner, NULL);
    g_autoptr(GhPluginRegistry) reg = gh_plugin_registry_new();
    g_autoptr(GError) error = NULL;

    let_crashes_crash();
    ck_assert(!gh_plugin_scan_file(reg, path, &opts, &error));
    ck_assert_str_eq(error->message, "scanning crashed: killed by SIGSEGV");
    ck_assert_str_eq(only_refusal(reg), "scanning crashed: killed by SIGSEGV");
}
END_TEST

START_TEST(test_scan_refuses_a_plugin_that_hangs_after_the_timeout)
{
    g_autofree char *path = gh_test_plugin_path("hang-on-load");
    g_autofree char *scanner = scanner_path();
    GhPluginScanOptions opts = scan_options(scanner, NULL);
    g_autoptr(GhPluginRegistry) reg = gh_plugin_registry_new();
    gint64 start = g_get_monotonic_time();

    opts.timeout_ms = 300;
    ck_assert(!gh_plugin_scan_file(reg, path, &opts, NULL));
    ck_assert_str_eq(only_refusal(reg), "scanning timed out after 300 ms");
    ck_assert_int_lt(g_get_monotonic_time() - start, 5 * G_USEC_PER_SEC);
}
END_TEST

/* ---- a scanner that answers nonsense ---------------------------------------- */

/* What a stand-in scanner prints or does, and the refusal it earns; $1 is
 * the file scanned. */
static const struct {
    const char *body;
    const char *reason;
} bad_answers[] = {
    { "echo 'hello'", "scanning failed: the scanner's answer is not JSON" },
    { "exit 3", "scanning failed: the scanner exited with status 3" },
    { "kill -KILL $$", "scanning crashed: killed by SIGKILL" },
    { "true", "scanning failed: the scanner printed nothing" },
    { "head -c 2000000 /dev/zero", "scanning failed: the scanner printed more than 1048576 bytes" },
    { "printf '%500s' '' | tr ' ' '['", "scanning failed: the scanner's answer is not JSON (JSON nests deeper than 8)" },
    { "echo '[]'", "scanning failed: the scanner's answer is not an object" },
    { "echo '{\"plugins\":[],\"refused\":[]}'",
      "scanning failed: the scanner's answer has 0 plugins and 0 refusals (one file has one of either)" },
    { "echo '{\"plugins\":[],\"refused\":[{\"file\":\"/other.so\",\"reason\":\"no\"}]}'",
      "scanning failed: the scanner's answer refuses another file" },
    { "echo '{\"plugins\":[{\"name\":\"x\",\"version\":\"1\",\"path\":\"'$1'\",\"abi\":\"1.0\"}],\"refused\":[]}'",
      "scanner output: plugin has no string 'license'" },
    { "echo '{\"plugins\":[{\"name\":\"x\",\"version\":1,\"license\":\"MIT\",\"path\":\"'$1'\",\"abi\":\"1.0\"}],"
      "\"refused\":[]}'",
      "scanner output: plugin has no string 'version'" },
    { "echo '{\"plugins\":[{\"name\":\"x\",\"version\":\"1\",\"license\":\"MIT\",\"path\":\"/other.so\","
      "\"abi\":\"1.0\",\"backends\":[]}],\"refused\":[]}'",
      "scanner output: plugin 'path' is /other.so, not the file scanned" },
    { "echo '{\"plugins\":[{\"name\":\"x\",\"version\":\"1\",\"license\":\"MIT\",\"path\":\"'$1'\","
      "\"abi\":\"2.0\",\"backends\":[]}],\"refused\":[]}'",
      "scanner output: plugin 'abi' 2.0 is not one this host speaks" },
    { "echo '{\"plugins\":[{\"name\":\"x\",\"version\":\"1\",\"license\":\"MIT\",\"path\":\"'$1'\","
      "\"abi\":\"1.0\",\"backends\":[]}],\"refused\":[]}'",
      "scanner output: plugin has 0 backends (1 to 64)" },
    { "echo '{\"plugins\":[{\"name\":\"x\",\"version\":\"1\",\"license\":\"MIT\",\"path\":\"'$1'\","
      "\"abi\":\"1.0\",\"backends\":[{\"name\":\"capture.x\",\"kind\":\"video\",\"description\":\"\"}]}],"
      "\"refused\":[]}'",
      "scanner output: backend 0: unknown kind 'video'" },
    { "echo '{\"plugins\":[{\"name\":\"x\",\"version\":\"1\",\"license\":\"MIT\",\"path\":\"'$1'\","
      "\"abi\":\"1.0\",\"backends\":[{\"name\":\"stream.x\",\"kind\":\"capture\",\"description\":\"\"}]}],"
      "\"refused\":[]}'",
      "scanner output: backend 0: name 'stream.x' does not match capture.NAME" },
    { "echo '{\"plugins\":[{\"name\":\"x\",\"version\":\"1\",\"license\":\"MIT\",\"path\":\"'$1'\","
      "\"abi\":\"1.0\",\"backends\":[{\"name\":\"capture.x\",\"kind\":\"capture\"}]}],\"refused\":[]}'",
      "scanner output: backend 0 has no string 'description'" },
};

START_TEST(test_scan_refuses_a_file_whose_scanner_answers_nonsense)
{
    g_autofree char *dir = gh_test_make_tmpdir("gh-plugin-scan");
    g_autofree char *scanner = fake_scanner(dir, bad_answers[_i].body);
    g_autofree char *path = g_build_filename(dir, "plugin.so", NULL);
    GhPluginScanOptions opts = scan_options(scanner, NULL);
    g_autoptr(GhPluginRegistry) reg = gh_plugin_registry_new();
    const char *reason;

    ck_assert(!gh_plugin_scan_file(reg, path, &opts, NULL));
    reason = only_refusal(reg);
    ck_assert_msg(g_str_has_prefix(reason, bad_answers[_i].reason), "answer %d: '%s', expected '%s'", _i, reason,
                  bad_answers[_i].reason);
    gh_test_rm_rf(dir);
}
END_TEST

/* ---- the child ---------------------------------------------------------------- */

static void
touch_marker(gpointer path)
{
    close(open(path, O_WRONLY | O_CREAT, 0600));
}

START_TEST(test_scan_runs_the_child_setup_in_the_scanner)
{
    g_autofree char *dir = gh_test_make_tmpdir("gh-plugin-scan");
    g_autofree char *marker = g_build_filename(dir, "child-was-here", NULL);
    g_autofree char *scanner = scanner_path();
    g_autofree char *path = gh_test_plugin_path("good");
    GhPluginScanOptions opts = scan_options(scanner, NULL);
    g_autoptr(GhPluginRegistry) reg = gh_plugin_registry_new();

    opts.child_setup = touch_marker;
    opts.child_setup_data = marker;
    ck_assert(gh_plugin_scan_file(reg, path, &opts, NULL));
    ck_assert(g_file_test(marker, G_FILE_TEST_EXISTS));
    gh_test_rm_rf(dir);
}
END_TEST

static Suite *
plugin_scan_suite(void)
{
    Suite *s = suite_create("plugin-scan");
    TCase *same = tcase_create("same-as-loading");
    TCase *cache = tcase_create("cache");
    TCase *bad = tcase_create("bad-plugins");

    tcase_add_test(same, test_scan_gives_the_json_the_loader_gives);
    tcase_add_test(same, test_scan_answers_lookups_as_the_loader_does);
    tcase_add_test(same, test_scan_refuses_a_taken_backend_name_as_the_loader_does);
    tcase_add_test(same, test_scan_backend_has_no_instance_in_this_process);
    tcase_add_test(same, test_scan_files_are_the_accepted_ones_in_load_order);
    tcase_add_test(same, test_scan_runs_the_child_setup_in_the_scanner);
    suite_add_tcase(s, same);
    tcase_add_test(cache, test_scan_second_scan_takes_every_file_from_the_cache);
    tcase_add_test(cache, test_scan_touched_file_is_scanned_again);
    tcase_add_test(cache, test_scan_file_of_another_size_is_scanned_again);
    tcase_add_test(cache, test_scan_corrupt_cache_is_ignored_with_one_warning_and_rewritten);
    tcase_add_test(cache, test_scan_drops_the_entry_of_a_removed_file);
    tcase_add_test(cache, test_scan_without_a_scanner_refuses_each_file_and_caches_none);
    suite_add_tcase(s, cache);
    tcase_add_test(bad, test_scan_refuses_a_plugin_that_crashes_in_its_constructor);
    tcase_add_test(bad, test_scan_refuses_a_plugin_that_crashes_in_its_entry);
    tcase_add_test(bad, test_scan_refuses_a_plugin_that_hangs_after_the_timeout);
    tcase_add_loop_test(bad, test_scan_refuses_a_file_whose_scanner_answers_nonsense, 0, G_N_ELEMENTS(bad_answers));
    suite_add_tcase(s, bad);
    return s;
}

int
main(void)
{
    return gh_test_run(plugin_scan_suite());
}
