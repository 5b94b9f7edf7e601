/* plugin-scan: plugins read in a subprocess, one file per run of
 * gamehost-plugin-scanner (runtime/worker/), as gst-plugin-scanner does, so a
 * plugin that crashes or hangs while loading costs only its own refusal;
 * results are cached by path, size and mtime.  Blocking: called before a
 * main loop runs.  The registry it gives holds descriptors, no dlopen. */
#pragma once

#include <glib.h>

#include "plugin-registry.h"

#define GH_PLUGIN_SCAN_TIMEOUT_MS 10000u
/* More than any one-file registry JSON needs, by far. */
#define GH_PLUGIN_SCAN_MAX_OUTPUT (1024u * 1024u)

typedef struct {
    const char *scanner;                /* the gamehost-plugin-scanner to run */
    const char *cache_path;             /* NULL: no cache */
    GSpawnChildSetupFunc child_setup;   /* may be NULL: run in the child before exec */
    gpointer child_setup_data;
    guint timeout_ms;                   /* per file; 0: GH_PLUGIN_SCAN_TIMEOUT_MS */
} GhPluginScanOptions;

typedef struct {
    guint files;        /* *.so files seen */
    guint cache_hits;   /* taken from the cache */
    guint scans;        /* scanner runs */
    guint refused;      /* refusals recorded, unreadable dirs included */
} GhPluginScanStats;

/* The scanner to run: $GH_PLUGIN_SCANNER when set (tests run the build
 * tree's), else the installed one in $(pkglibexecdir). */
const char *gh_plugin_scan_scanner(void);

/* Every *.so of each dir in order, in name order (as
 * gh_plugin_registry_load_dir, unreadable dirs refused alike): from the
 * cache when path, size and mtime match, else by the scanner.  A scanner
 * that cannot run, crashes, is killed, times out, fails or answers nonsense
 * refuses that file with the reason ("scanning crashed: killed by SIGSEGV").
 * The cache is rewritten (atomically, 0600) to hold exactly this scan's
 * files; an unusable one is ignored with one warning.  stats may be NULL. */
GhPluginRegistry *gh_plugin_scan_dirs(const char *const *dirs, const GhPluginScanOptions *opts,
                                      GhPluginScanStats *stats);
/* gh_plugin_scan_dirs() with the default timeout and no child setup. */
GhPluginRegistry *gh_plugin_scan(const char *const *dirs, const char *scanner, const char *cache_path,
                                 GhPluginScanStats *stats);
/* One file, never cached (gamehostctl plugin check): FALSE with the
 * refusal's reason in error (also recorded in reg). */
gboolean gh_plugin_scan_file(GhPluginRegistry *reg, const char *path, const GhPluginScanOptions *opts,
                             GError **error);
