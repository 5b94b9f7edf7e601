/* plugin-watch: which backend call each thread of a worker is in, and by
 * when it must return, kept in a page of memory the daemon maps too.  The
 * worker marks every call into a backend; the daemon reads the page to
 * kill a call that overran its deadline (a hang) and to name the backend
 * and op a dead worker was in.  The page is the worker's to write: the
 * daemon reads it as untrusted (bounded, printable).  Without a page (the
 * daemon's own tests, tools) marking costs one branch. */
#pragma once
#include <glib.h>
#include "plugin-registry.h"

#define GH_PLUGIN_WATCH_SLOTS 16u
/* What probe and create may take beyond the watchdog: they load libraries
 * (GStreamer scans its registry on a worker's first start). */
#define GH_PLUGIN_WATCH_LOAD_MS 30000u
#define GH_PLUGIN_WATCH_NAME  48u

typedef struct {
    guint64 deadline_ns;         /* CLOCK_MONOTONIC; 0: not in a backend call */
    guint64 since_ns;            /* when the call began */
    char backend[GH_PLUGIN_WATCH_NAME];
    char op[GH_PLUGIN_WATCH_NAME];
} GhPluginWatchSlot;

typedef struct {
    guint32 magic;               /* GH_PLUGIN_WATCH_MAGIC */
    guint32 n_slots;
    GhPluginWatchSlot slot[GH_PLUGIN_WATCH_SLOTS];
} GhPluginWatchPage;

#define GH_PLUGIN_WATCH_MAGIC 0x48435457u   /* "WTCH" */

/* The worker: marks go to page from now on; a call may take budget_ms
 * (plus what the caller adds, e.g. a grab's own timeout). */
void gh_plugin_watch_attach(GhPluginWatchPage *page, guint budget_ms);
void gh_plugin_watch_page_init(GhPluginWatchPage *page);

/* Around every call into a backend, on the calling thread.  Nested calls
 * (a service that reaches another backend) stack; end restores the outer
 * one.  extra_ms adds to the budget (a grab's timeout). */
void gh_plugin_watch_begin(const GhBackend *backend, const char *op, guint extra_ms);
void gh_plugin_watch_end(void);

/* The daemon.  A copy of the call that overran its deadline at now_ns (the
 * oldest), or of the call most recently begun; FALSE when there is none. */
typedef struct {
    char backend[GH_PLUGIN_WATCH_NAME];
    char op[GH_PLUGIN_WATCH_NAME];
    guint64 since_ns, deadline_ns;
} GhPluginWatchCall;
gboolean gh_plugin_watch_overdue(const GhPluginWatchPage *page, guint64 now_ns, GhPluginWatchCall *out);
gboolean gh_plugin_watch_latest(const GhPluginWatchPage *page, GhPluginWatchCall *out);
guint64 gh_plugin_watch_now_ns(void);

/* stmt (a call into backend's op, or an assignment of one) marked. */
#define GH_PLUGIN_CALL(backend, op, extra_ms, stmt)                                                    \
    do {                                                                                               \
        gh_plugin_watch_begin((backend), (op), (extra_ms));                                            \
        stmt;                                                                                          \
        gh_plugin_watch_end();                                                                         \
    } while (0)
