/* plugin-watch: see plugin-watch.h.  Each thread takes a slot on its first
 * mark and keeps it; a thread with no slot left goes unwatched (the
 * daemon's liveness check still sees a wedged worker). */
#include "plugin-watch.h"

#include <string.h>
#include <time.h>

#define WATCH_DEPTH 4u

typedef struct {
    const char *backend, *op;
    guint64 since, deadline;
} WatchFrame;

static GhPluginWatchPage *watch_page;
static guint64 watch_budget_ns;
static gint watch_next_slot;

static __thread gint watch_slot = -1;
static __thread guint watch_depth;
static __thread WatchFrame watch_stack[WATCH_DEPTH];

guint64
gh_plugin_watch_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (guint64)ts.tv_sec * G_GUINT64_CONSTANT(1000000000) + (guint64)ts.tv_nsec;
}

void
gh_plugin_watch_page_init(GhPluginWatchPage *page)
{
    memset(page, 0, sizeof *page);
    page->magic = GH_PLUGIN_WATCH_MAGIC;
    page->n_slots = GH_PLUGIN_WATCH_SLOTS;
}

void
gh_plugin_watch_attach(GhPluginWatchPage *page, guint budget_ms)
{
    watch_budget_ns = (guint64)budget_ms * 1000000u;
    watch_page = page;
}

/* The deadline goes to 0 first and back last, so a reader that sees one
 * set sees the names that go with it (or a call that just ended). */
static void
watch_publish(const WatchFrame *f)
{
    GhPluginWatchSlot *s = &watch_page->slot[watch_slot];

    __atomic_store_n(&s->deadline_ns, 0, __ATOMIC_RELEASE);
    if (!f)
        return;
    g_strlcpy(s->backend, f->backend, sizeof s->backend);
    g_strlcpy(s->op, f->op, sizeof s->op);
    s->since_ns = f->since;
    __atomic_store_n(&s->deadline_ns, f->deadline, __ATOMIC_RELEASE);
}

void
gh_plugin_watch_begin(const GhBackend *backend, const char *op, guint extra_ms)
{
    WatchFrame *f;

    if (!watch_page)
        return;
    if (watch_slot < 0) {
        gint slot = g_atomic_int_add(&watch_next_slot, 1);
        watch_slot = slot < (gint)GH_PLUGIN_WATCH_SLOTS ? slot : G_MAXINT;
    }
    if (watch_slot == G_MAXINT || watch_depth++ >= WATCH_DEPTH)
        return;
    f = &watch_stack[watch_depth - 1];
    f->backend = backend ? backend->name : "?";
    f->op = op;
    f->since = gh_plugin_watch_now_ns();
    f->deadline = f->since + watch_budget_ns + (guint64)extra_ms * 1000000u;
    watch_publish(f);
}

void
gh_plugin_watch_end(void)
{
    if (!watch_page || watch_slot == G_MAXINT || watch_depth == 0)
        return;
    watch_depth--;
    if (watch_depth >= WATCH_DEPTH)
        return;
    watch_publish(watch_depth ? &watch_stack[watch_depth - 1] : NULL);
}

/* A name the worker wrote, made safe to log: bounded, printable. */
static void
watch_copy_name(char *dst, const char *src)
{
    gsize i;

    for (i = 0; i + 1 < GH_PLUGIN_WATCH_NAME && src[i]; i++)
        dst[i] = g_ascii_isgraph(src[i]) ? src[i] : '?';
    dst[i] = '\0';
}

static gboolean
watch_read(const GhPluginWatchPage *page, guint i, GhPluginWatchCall *out)
{
    const GhPluginWatchSlot *s = &page->slot[i];
    guint64 deadline = __atomic_load_n(&s->deadline_ns, __ATOMIC_ACQUIRE);

    if (!deadline)
        return FALSE;
    watch_copy_name(out->backend, s->backend);
    watch_copy_name(out->op, s->op);
    out->since_ns = s->since_ns;
    out->deadline_ns = deadline;
    return TRUE;
}

gboolean
gh_plugin_watch_overdue(const GhPluginWatchPage *page, guint64 now_ns, GhPluginWatchCall *out)
{
    gboolean found = FALSE;
    GhPluginWatchCall c;

    for (guint i = 0; page && i < GH_PLUGIN_WATCH_SLOTS; i++)
        if (watch_read(page, i, &c) && c.deadline_ns < now_ns && (!found || c.deadline_ns < out->deadline_ns)) {
            *out = c;
            found = TRUE;
        }
    return found;
}

gboolean
gh_plugin_watch_latest(const GhPluginWatchPage *page, GhPluginWatchCall *out)
{
    gboolean found = FALSE;
    GhPluginWatchCall c;

    for (guint i = 0; page && i < GH_PLUGIN_WATCH_SLOTS; i++)
        if (watch_read(page, i, &c) && (!found || c.since_ns > out->since_ns)) {
            *out = c;
            found = TRUE;
        }
    return found;
}
