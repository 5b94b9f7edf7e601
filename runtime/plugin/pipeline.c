/* pipeline: one per running session; see pipeline.h.
 *
 * Threads.  gh_pipeline_new, _free and _send_input run on the main thread,
 * as do the stream and input ops.  The pipeline thread alone calls the
 * capture ops (start, grab, stop) and stream push_frame.  Requesters of
 * on-demand frames (any other thread) queue a request and wait on a
 * condition; the pipeline thread answers with a copy of the frame, and the
 * requester encodes it, so neither the main loop nor the capture waits on
 * PNG compression.  A capture with release may hand frames out in place:
 * after the push and the copies the thread releases the frame, and a copy
 * the release calls stale is dropped and taken again from a new grab.
 * Everything shared is under `lock`. */
#include "pipeline.h"
#include "plugin-watch.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include "frame-png.h"
#include "pipeline-audio.h"

G_DEFINE_QUARK(gh-pipeline-error-quark, gh_pipeline_error)

#define PIPELINE_MAX_FAILURES   3u      /* a capture/stream op failing this often in a row ends the pipeline */
#define PIPELINE_FPS_WINDOW     1024u   /* capture times remembered for fps */
#define PIPELINE_RETRY_US       (5 * 1000)
#define PIPELINE_GRAB_MS        100u    /* how long an on-demand grab may wait for a frame */
#define PIPELINE_MAX_SIDE       16384u
#define PIPELINE_MAX_STALE      3u      /* on-demand frames overwritten while copied: grabs before giving up */


/* One on-demand frame, owned by the requester (on its stack) and queued
 * while it waits; the pipeline thread fills it. */
typedef struct {
    guint64 min_grab;            /* served by a grab that began after it was queued */
    gboolean done;
    GBytes *pixels;              /* a copy of the frame's data */
    gh_frame frame;              /* data points into pixels */
    GError *error;
    guint stale;                 /* copies dropped: the capture's release said -ESTALE */
} FrameRequest;

/* What a failure report needs after the pipeline may be gone: the main
 * thread clears `alive` in gh_pipeline_free, so a report still queued on
 * the main loop then does nothing. */
typedef struct {
    gint refs;
    gboolean alive;
    GhPipelineFailFunc fn;
    gpointer data;
} FailLink;

typedef struct {
    FailLink *link;
    char *reason;
} FailReport;

struct GhPipeline {
    GhPluginInstance *capture, *stream, *input;
    GhPadKeys *pad_keys;         /* NULL: pads are not played as keys */
    GhPipelineAudio *audio;      /* NULL: no sound */
    GhPluginSessionInfo info;    /* strings owned below; ops/ctx are ours */
    char *session_id, *image_id, *vnc_socket, *relay_path, *dbus_socket;
    char *pad_socket[GH_INPUT_MAX_PADS];
    GHashTable *options;         /* the choice's options, ref'd, may be NULL */
    const GhPluginSessionOps *vm_ops;
    gpointer vm_ctx;
    GhPluginSessionOps ops;      /* vm_ops, with submit_input routed to the input backend */
    GMainContext *context;
    FailLink *fail;
    guint refresh_hz;

    GThread *thread;
    GMutex lock;
    GCond wake;                  /* to the pipeline thread: a request, or quit */
    GCond answered;              /* to requesters, and to free waiting for them */
    gboolean quit;
    gboolean stopped;            /* the thread ended: no more frames */
    char *stop_reason;
    GQueue requests;             /* FrameRequest* */
    GQueue copied;               /* FrameRequest* holding a copy of a grab not yet released */
    guint waiters;
    guint64 grabs_started;

    guint64 frames;
    double capture_ms_total, capture_ms_last;
    guint64 frames_torn;
    gint64 times[PIPELINE_FPS_WINDOW];
    guint64 input_events, input_errors, pad_events;
    guint64 input_dropped[GH_INPUT_DROP_LAST];
    GhPipelinePads pads;         /* main thread only */
    /* Interactive streams: peers open with the stream backend (under lock;
     * the main thread changes it, the pipeline thread reads it). */
    guint peers_open;
};

/* ---- failure reports ---------------------------------------------------- */

static FailLink *
pipeline_fail_link_ref(FailLink *link)
{
    g_atomic_int_inc(&link->refs);
    return link;
}

static void
pipeline_fail_link_unref(FailLink *link)
{
    if (g_atomic_int_dec_and_test(&link->refs))
        g_free(link);
}

static gboolean
pipeline_fail_report_deliver(gpointer data)
{
    FailReport *r = data;

    if (r->link->alive && r->link->fn)
        r->link->fn(r->link->data, r->reason);
    return G_SOURCE_REMOVE;
}

static void
pipeline_fail_report_free(gpointer data)
{
    FailReport *r = data;

    pipeline_fail_link_unref(r->link);
    g_free(r->reason);
    g_free(r);
}

/* Pipeline thread: on_fail(reason) on the main loop. */
static void
pipeline_report_failure(GhPipeline *p, const char *reason)
{
    FailReport *r = g_new0(FailReport, 1);

    r->link = pipeline_fail_link_ref(p->fail);
    r->reason = g_strdup(reason);
    g_main_context_invoke_full(p->context, G_PRIORITY_DEFAULT, pipeline_fail_report_deliver, r, pipeline_fail_report_free);
}

/* "capture.screenshot failed: <the plugin's message, or strerror>" */
static char *
pipeline_op_error(GhPluginInstance *inst, int rc)
{
    g_autofree char *msg = gh_plugin_instance_last_error(inst);

    return g_strdup_printf("%s failed: %s", gh_plugin_instance_backend(inst)->name,
                           msg && *msg ? msg : g_strerror(rc < 0 ? -rc : EIO));
}

/* ---- the pipeline thread ------------------------------------------------ */

static gboolean
pipeline_frame_valid(const gh_frame *f)
{
    return (f->format == GH_FORMAT_BGRX8888 || f->format == GH_FORMAT_RGBX8888) && f->width > 0 &&
           f->height > 0 && f->width <= PIPELINE_MAX_SIDE && f->height <= PIPELINE_MAX_SIDE &&
           f->stride >= f->width * 4 && f->data;
}

/* Under lock: the queued requests that grab (G_MAXUINT64: all) serves,
 * taken off the queue.  Requests queued while it ran wait for the next. */
static GPtrArray *
pipeline_take_requests(GhPipeline *p, guint64 grab)
{
    GPtrArray *out = g_ptr_array_new();
    GList *l = p->requests.head;

    while (l) {
        GList *next = l->next;
        FrameRequest *req = l->data;
        if (req->min_grab <= grab) {
            g_ptr_array_add(out, req);
            g_queue_delete_link(&p->requests, l);
        }
        l = next;
    }
    return out;
}

/* Under lock: the requests grab serves get the error. */
static void
pipeline_answer_error(GhPipeline *p, guint64 grab, const char *message)
{
    g_autoptr(GPtrArray) reqs = pipeline_take_requests(p, grab);

    for (guint i = 0; i < reqs->len; i++) {
        FrameRequest *req = reqs->pdata[i];
        req->error = g_error_new_literal(GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED, message);
        req->done = TRUE;
    }
    g_cond_broadcast(&p->answered);
}

/* Under lock: the requests grab serves get a copy of the frame.  With
 * hold (the capture has release, the frame may be in place), they wait in
 * `copied` until pipeline_settle knows whether the copy is whole. */
static void
pipeline_answer_frame(GhPipeline *p, guint64 grab, const gh_frame *frame, gboolean hold)
{
    g_autoptr(GPtrArray) reqs = pipeline_take_requests(p, grab);
    g_autoptr(GBytes) pixels = NULL;

    if (reqs->len == 0)
        return;
    pixels = g_bytes_new(frame->data, (gsize)frame->stride * frame->height);
    for (guint i = 0; i < reqs->len; i++) {
        FrameRequest *req = reqs->pdata[i];
        req->pixels = g_bytes_ref(pixels);
        req->frame = *frame;
        req->frame.data = g_bytes_get_data(pixels, NULL);
        req->frame.n_damage = 0;
        req->frame.damage = NULL;
        if (hold)
            g_queue_push_tail(&p->copied, req);
        else
            req->done = TRUE;
    }
    g_cond_broadcast(&p->answered);
}

/* Under lock, after the capture's release (rc): the copies in `copied` are
 * answered when rc is 0.  Otherwise the copy may be torn and is dropped;
 * the request goes back to the queue for the next grab, or after
 * PIPELINE_MAX_STALE tries gets `why`. */
static void
pipeline_settle(GhPipeline *p, int rc, const char *why)
{
    FrameRequest *req;

    while ((req = g_queue_pop_head(&p->copied))) {
        if (rc == 0) {
            req->done = TRUE;
            continue;
        }
        g_clear_pointer(&req->pixels, g_bytes_unref);
        memset(&req->frame, 0, sizeof(req->frame));
        if (++req->stale >= PIPELINE_MAX_STALE) {
            req->error = g_error_new(GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED, "%s (%u times in a row)", why,
                                     req->stale);
            req->done = TRUE;
        } else {
            req->min_grab = p->grabs_started + 1;
            g_queue_push_tail(&p->requests, req);
        }
    }
    g_cond_broadcast(&p->answered);
}

/* Pipeline thread, after a successful grab's frame went to the stream
 * (pushed) and to the requesters: the capture's release, when it has one.
 * Not 0: the producer may have overwritten the frame meanwhile; the stream
 * already has it (counted as torn: the next frame replaces it), the
 * requesters' copies are taken again. */
static void
pipeline_release(GhPipeline *p, const gh_frame *frame, gboolean pushed)
{
    const GhBackend *b = gh_plugin_instance_backend(p->capture);
    g_autofree char *why = NULL;
    int rc;

    if (!b->capture.release)
        return;
    gh_plugin_instance_clear_error(p->capture);
    GH_PLUGIN_CALL(b, "release", 0, rc = b->capture.release(gh_plugin_instance_handle(p->capture), frame));
    if (rc < 0)
        why = pipeline_op_error(p->capture, rc);
    g_mutex_lock(&p->lock);
    if (rc < 0 && pushed)
        p->frames_torn++;
    pipeline_settle(p, rc, why);
    g_mutex_unlock(&p->lock);
}

/* Under lock. */
static void
pipeline_count_frame(GhPipeline *p, gint64 at, double ms)
{
    p->times[p->frames % PIPELINE_FPS_WINDOW] = at;
    p->frames++;
    p->capture_ms_total += ms;
    p->capture_ms_last = ms;
}

/* One grab.  0 with *frame filled, -EAGAIN, or another negative errno with
 * *reason set. */
static int
pipeline_grab(GhPipeline *p, guint64 grab, gh_frame *frame, guint timeout_ms, char **reason)
{
    const GhBackend *b = gh_plugin_instance_backend(p->capture);
    gint64 t0, t1;
    int rc;

    memset(frame, 0, sizeof(*frame));
    frame->struct_size = sizeof(*frame);
    gh_plugin_instance_clear_error(p->capture);
    t0 = g_get_monotonic_time();
    GH_PLUGIN_CALL(b, "grab", timeout_ms, rc = b->capture.grab(gh_plugin_instance_handle(p->capture), frame, timeout_ms));
    t1 = g_get_monotonic_time();
    if (rc == -EAGAIN)
        return rc;
    if (rc < 0) {
        *reason = pipeline_op_error(p->capture, rc);
        return rc;
    }
    if (!pipeline_frame_valid(frame)) {
        if (b->capture.release)
            GH_PLUGIN_CALL(b, "release", 0, b->capture.release(gh_plugin_instance_handle(p->capture), frame)); /* nobody used it */
        *reason = g_strdup_printf("%s failed: invalid frame (%ux%u, stride %u, format %u)", b->name, frame->width,
                                  frame->height, frame->stride, frame->format);
        return -EPROTO;
    }
    g_mutex_lock(&p->lock);
    pipeline_count_frame(p, t1, (double)(t1 - t0) / 1000.0);
    if (frame->frame_number == 0)
        frame->frame_number = p->frames;
    if (frame->timestamp_ns == 0)
        frame->timestamp_ns = (guint64)t1 * 1000;
    pipeline_answer_frame(p, grab, frame, b->capture.release != NULL);
    g_mutex_unlock(&p->lock);
    return 0;
}

static int
pipeline_push(GhPipeline *p, const gh_frame *frame, char **reason)
{
    const GhBackend *b = gh_plugin_instance_backend(p->stream);
    int rc;

    gh_plugin_instance_clear_error(p->stream);
    GH_PLUGIN_CALL(b, "push_frame", 0, rc = b->stream.push_frame(gh_plugin_instance_handle(p->stream), frame));
    if (rc < 0 && rc != -EAGAIN)
        *reason = pipeline_op_error(p->stream, rc);
    return rc;
}

/* The pump's phase against its capture (pipeline thread only).  A capture
 * that waits for its producer's frames (capture.relay: grab returns as the
 * guest's next frame comes out) hands a pump at the guest's own rate a
 * frame found ready, drawn up to a period before the grab, and the same
 * age every time: half a frame of latency on average, for nothing.  So
 * after a frame found ready the next grab comes a sixteenth of a period
 * earlier, until grabs wait for their frame and so take it as it is drawn.
 * A grab that took an eighth of a period or more waited (or is slow: then
 * nothing moves).  At most a period of advance between two such grabs: a
 * capture that never waits costs one extra grab, then keeps the fixed
 * rate. */
typedef struct {
    gint64 advanced;             /* us moved earlier since the last grab that waited */
} PipelinePhase;

/* How much less than a period until the next grab, after a due grab that
 * took `took` us (< 0: it brought no frame). */
static gint64
pipeline_phase_advance(PipelinePhase *ph, gint64 took, gint64 period)
{
    gint64 step = period / 16;

    if (took < 0)
        return 0;
    if (took >= period / 8) {
        ph->advanced = 0;
        return 0;
    }
    if (ph->advanced + step > period)
        return 0;
    ph->advanced += step;
    return step;
}

/* Under lock: waits until a frame is due (streaming) or asked for, or quit.
 * TRUE when it is time to grab. */
static gboolean
pipeline_wait(GhPipeline *p, gint64 period, gint64 next, gint64 retry_at, gboolean *due)
{
    gint64 now = g_get_monotonic_time();
    gboolean asked = !g_queue_is_empty(&p->requests) && now >= retry_at;
    /* An interactive stream is fed only while someone watches. */
    gboolean streaming = period && (!gh_pipeline_is_interactive(p) || p->peers_open > 0);
    gint64 until = streaming ? next : G_MAXINT64;

    *due = streaming && now >= next;
    if (p->quit)
        return FALSE;
    if (*due || asked)
        return TRUE;
    if (!g_queue_is_empty(&p->requests))
        until = MIN(until, retry_at);
    if (until == G_MAXINT64)
        g_cond_wait(&p->wake, &p->lock);
    else
        g_cond_wait_until(&p->wake, &p->lock, until);
    return FALSE;
}

static gpointer
pipeline_thread(gpointer data)
{
    GhPipeline *p = data;
    const GhBackend *cap = gh_plugin_instance_backend(p->capture);
    gh_instance *ci = gh_plugin_instance_handle(p->capture);
    gint64 period = p->stream ? G_USEC_PER_SEC / p->refresh_hz : 0;
    guint grab_ms = period ? (guint)MAX(1, period / 1000) : PIPELINE_GRAB_MS;
    gint64 next = g_get_monotonic_time(), retry_at = 0, took;
    PipelinePhase phase = { 0 };
    guint capture_failures = 0, stream_failures = 0;
    g_autofree char *reason = NULL;
    gboolean started = FALSE, due;
    int rc;

    if (cap->capture.start) {
        gh_plugin_instance_clear_error(p->capture);
        GH_PLUGIN_CALL(cap, "start", 0, rc = cap->capture.start(ci));
        if (rc < 0)
            reason = pipeline_op_error(p->capture, rc);
    }
    started = reason == NULL;
    g_mutex_lock(&p->lock);
    while (started && !p->quit) {
        gh_frame frame;
        g_autofree char *why = NULL;
        guint64 grab;

        if (!pipeline_wait(p, period, next, retry_at, &due))
            continue;
        grab = ++p->grabs_started;
        g_mutex_unlock(&p->lock);
        took = g_get_monotonic_time();
        rc = pipeline_grab(p, grab, &frame, grab_ms, &why);
        took = rc == 0 ? g_get_monotonic_time() - took : -1;
        if (rc == 0) {
            capture_failures = 0;
            if (due) {
                rc = pipeline_push(p, &frame, &why);
                stream_failures = rc < 0 && rc != -EAGAIN ? stream_failures + 1 : 0;
            }
            pipeline_release(p, &frame, due);
        } else if (rc == -EAGAIN) {
            retry_at = g_get_monotonic_time() + PIPELINE_RETRY_US;
        } else {
            capture_failures++;
        }
        if (due) {
            gint64 now = g_get_monotonic_time();
            next += period - pipeline_phase_advance(&phase, took, period);
            if (next < now)
                next = now; /* slower than the refresh: as fast as capture goes, no burst */
        }
        g_mutex_lock(&p->lock);
        if (why && capture_failures > 0)
            pipeline_answer_error(p, grab, why);
        if (capture_failures >= PIPELINE_MAX_FAILURES || stream_failures >= PIPELINE_MAX_FAILURES) {
            reason = g_steal_pointer(&why);
            break;
        }
    }
    p->stopped = TRUE;
    p->stop_reason = g_strdup(reason);
    pipeline_answer_error(p, G_MAXUINT64, reason ? reason : "the session's pipeline has stopped");
    g_mutex_unlock(&p->lock);
    if (started && cap->capture.stop)
        GH_PLUGIN_CALL(cap, "stop", 0, cap->capture.stop(ci));
    if (reason) {
        g_warning("session %s: pipeline stopped: %s", p->session_id, reason);
        pipeline_report_failure(p, reason);
    }
    return NULL;
}

/* ---- host ops seen by the instances ------------------------------------- */

static int
pipeline_no_op(char **error_msg, const char *what)
{
    if (error_msg)
        *error_msg = strdup(what);
    return -ENOTSUP;
}

static int
pipeline_op_screenshot(gpointer ctx, guint8 **data, gsize *len, char **mime, char **error_msg)
{
    GhPipeline *p = ctx;

    if (!p->vm_ops || !p->vm_ops->screenshot)
        return pipeline_no_op(error_msg, "no screenshot for this session");
    return p->vm_ops->screenshot(p->vm_ctx, data, len, mime, error_msg);
}

static int
pipeline_op_send_keys(gpointer ctx, const guint32 *codes, guint n, guint hold_ms, char **error_msg)
{
    GhPipeline *p = ctx;

    if (!p->vm_ops || !p->vm_ops->send_keys)
        return pipeline_no_op(error_msg, "no send-key for this session");
    return p->vm_ops->send_keys(p->vm_ctx, codes, n, hold_ms, error_msg);
}

static int
pipeline_op_qmp_command(gpointer ctx, const char *command, char **reply, char **error_msg)
{
    GhPipeline *p = ctx;

    if (!p->vm_ops || !p->vm_ops->qmp_command)
        return pipeline_no_op(error_msg, "no QMP for this session");
    return p->vm_ops->qmp_command(p->vm_ctx, command, reply, error_msg);
}

/* Main thread: what one delivery of events did, in the stats. */
static void
pipeline_input_count(GhPipeline *p, const gh_input_event *events, guint n, guint delivered, GArray *drops,
                     guint first)
{
    guint pad_events = gh_pipeline_pads_delivered(events, n, drops, first);

    g_mutex_lock(&p->lock);
    p->input_events += delivered;
    p->pad_events += pad_events;
    for (guint i = first; i < drops->len; i++) {
        GhInputDrop reason = g_array_index(drops, GhPipelineInputDrop, i).reason;
        p->input_dropped[reason]++;
        p->input_errors += reason != GH_INPUT_DROP_NO_BACKEND;
    }
    g_mutex_unlock(&p->lock);
}

/* Main thread: events to the input backend (pipeline-input.c), counted. */
static int
pipeline_deliver(GhPipeline *p, const gh_input_event *events, guint n, GArray *drops, char **message)
{
    guint first = drops->len, delivered = 0;
    int rc = gh_pipeline_input_deliver(p->input, p->pad_keys, events, n, drops, &delivered, message);

    /* -E2BIG, -EINVAL: refused before anything was tried. */
    if (rc != -E2BIG && rc != -EINVAL)
        pipeline_input_count(p, events, n, delivered, drops, first);
    return rc;
}

/* A stream backend's player input, for the input backend: an error only
 * when nothing could be delivered; dropped events are counted. */
static int
pipeline_op_submit_input(gpointer ctx, const gh_input_event *events, guint n)
{
    g_autoptr(GArray) drops = gh_pipeline_input_drops_new();
    g_autofree char *message = NULL;

    return pipeline_deliver(ctx, events, n, drops, &message);
}

/* The players' signaling, for the session's side (VM access's ctx). */
static int
pipeline_op_signal_send(gpointer ctx, guint32 peer, const char *message)
{
    GhPipeline *p = ctx;

    return p->vm_ops && p->vm_ops->signal_send ? p->vm_ops->signal_send(p->vm_ctx, peer, message) : -ENOENT;
}

static int
pipeline_op_peer_input(gpointer ctx, guint32 peer, const char *json, gsize len)
{
    GhPipeline *p = ctx;

    return p->vm_ops && p->vm_ops->peer_input ? p->vm_ops->peer_input(p->vm_ctx, peer, json, len) : -EPERM;
}

static void
pipeline_op_peer_close(gpointer ctx, guint32 peer, const char *reason)
{
    GhPipeline *p = ctx;

    if (p->vm_ops && p->vm_ops->peer_close)
        p->vm_ops->peer_close(p->vm_ctx, peer, reason);
}

/* Sound (pipeline-audio.c).  The PCM and the microphone arrive on plugin
 * threads; p->audio is set before any instance that could call these
 * exists and cleared only after they are all gone. */
static int
pipeline_op_audio_format(gpointer ctx, guint32 *format, guint32 *rate, guint32 *channels)
{
    GhPipeline *p = ctx;

    if (!p->audio)
        return -ENODEV;
    gh_pipeline_audio_format(p->audio, format, rate, channels);
    return 0;
}

static int
pipeline_op_audio_push(gpointer ctx, const gh_audio_chunk *chunk, gboolean valid)
{
    GhPipeline *p = ctx;

    return p->audio ? gh_pipeline_audio_push(p->audio, chunk, valid) : -ENODEV;
}

/* Only the player in control speaks into the VM. */
static int
pipeline_op_mic_push(gpointer ctx, guint32 peer, const gh_audio_chunk *chunk, gboolean valid)
{
    GhPipeline *p = ctx;

    if (!p->audio)
        return -ENODEV;
    if (!p->vm_ops || !p->vm_ops->peer_controls || !p->vm_ops->peer_controls(p->vm_ctx, peer))
        return -EPERM;
    return gh_pipeline_audio_mic(p->audio, chunk, valid);
}

/* Pads (pipeline-pads.c): feedback from the input backend, for the stream
 * backend's player in control. */
static int
pipeline_op_pad_feedback(gpointer ctx, const gh_pad_feedback *fb)
{
    GhPipeline *p = ctx;
    guint32 peer = p->vm_ops && p->vm_ops->peer_in_control ? p->vm_ops->peer_in_control(p->vm_ctx) : 0;

    gh_pipeline_pads_feedback(&p->pads, fb, p->stream, peer);
    return 0;
}

/* ---- choosing backends -------------------------------------------------- */

/* The registry's refusal, as this layer's error. */
static const GhBackend *
pipeline_lookup(GhPluginRegistry *reg, const char *name, guint32 kind, GError **error)
{
    g_autoptr(GError) err = NULL;
    const GhBackend *b = gh_plugin_registry_lookup_kind(reg, name, kind, &err);

    if (!b)
        g_set_error_literal(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_BACKEND, err->message);
    return b;
}

static GhPluginInstance *
pipeline_instance_new(GhPipeline *p, const GhBackend *b, GError **error)
{
    GhPluginSessionInfo info = p->info;

    info.options = p->options ? g_hash_table_lookup(p->options, b->name) : NULL;
    return gh_plugin_instance_new(b, &info, error);
}

/* The named backend, which must serve the session. */
static GhPluginInstance *
pipeline_use(GhPipeline *p, const GhBackend *b, GError **error)
{
    g_autoptr(GError) err = NULL;
    GhPluginInstance *inst = pipeline_instance_new(p, b, &err);

    if (!inst)
        g_set_error(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_BACKEND,
                    "%s backend '%s' cannot serve this session: %s", gh_plugin_kind_name(b->kind), b->name, err->message);
    return inst;
}

/* The first of names (may be NULL) then of every backend of kind that
 * serves the session, or NULL. */
static GhPluginInstance *
pipeline_first(GhPipeline *p, GhPluginRegistry *reg, guint32 kind, GPtrArray *names)
{
    g_autoptr(GPtrArray) all = reg ? gh_plugin_registry_backends(reg, kind) : NULL;
    g_autoptr(GHashTable) tried = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) order = g_ptr_array_new();

    for (guint i = 0; names && i < names->len; i++) {
        const GhBackend *b = gh_plugin_registry_lookup_kind(reg, names->pdata[i], kind, NULL);
        if (b)
            g_ptr_array_add(order, (gpointer)b);
    }
    for (guint i = 0; all && i < all->len; i++)
        g_ptr_array_add(order, all->pdata[i]);
    for (guint i = 0; i < order->len; i++) {
        const GhBackend *b = order->pdata[i];
        g_autoptr(GError) err = NULL;
        GhPluginInstance *inst;

        if (!g_hash_table_add(tried, b->name))
            continue;
        if ((inst = pipeline_instance_new(p, b, &err)))
            return inst;
        g_message("session %s: %s backend %s not used: %s", p->session_id, gh_plugin_kind_name(kind), b->name,
                  err->message);
    }
    return NULL;
}

/* The named audio backend, else for an image with sound the first that
 * serves the session; created before the stream backend, which asks for its
 * format. */
static gboolean
pipeline_choose_audio(GhPipeline *p, GhPluginRegistry *reg, const GhPipelineChoice *choice, GError **error)
{
    GhPluginInstance *inst = NULL;
    const GhBackend *b;

    if (choice->audio) {
        if (!(b = pipeline_lookup(reg, choice->audio, GH_BACKEND_AUDIO, error)) || !(inst = pipeline_use(p, b, error)))
            return FALSE;
    } else if (choice->sound) {
        inst = pipeline_first(p, reg, GH_BACKEND_AUDIO, NULL);
    }
    if (!inst)
        return TRUE;
    p->audio = gh_pipeline_audio_new(inst, error);
    if (!p->audio && !choice->audio) {
        /* Chosen by the host, not asked for: the picture goes on without it. */
        g_warning("session %s: no sound: %s", p->session_id, (*error)->message);
        g_clear_error(error);
        return TRUE;
    }
    return p->audio != NULL;
}

static gboolean
pipeline_choose(GhPipeline *p, GhPluginRegistry *reg, const GhPipelineChoice *choice,
                const char *const *capture_paths, GError **error)
{
    const GhBackend *cap = NULL, *stream = NULL, *input = NULL;

    /* Names first: a bad request creates nothing. */
    if ((choice->capture && !(cap = pipeline_lookup(reg, choice->capture, GH_BACKEND_CAPTURE, error))) ||
        (choice->stream && !(stream = pipeline_lookup(reg, choice->stream, GH_BACKEND_STREAM, error))) ||
        (choice->input && !(input = pipeline_lookup(reg, choice->input, GH_BACKEND_INPUT, error))))
        return FALSE;

    if (cap) {
        if (!(p->capture = pipeline_use(p, cap, error)))
            return FALSE;
    } else {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; capture_paths && capture_paths[i]; i++)
            g_ptr_array_add(names, g_strconcat("capture.", capture_paths[i], NULL));
        p->capture = pipeline_first(p, reg, GH_BACKEND_CAPTURE, names);
    }
    if (!pipeline_choose_audio(p, reg, choice, error))
        return FALSE;
    if (stream && !(p->stream = pipeline_use(p, stream, error)))
        return FALSE;
    if (input)
        p->input = pipeline_use(p, input, error);
    else
        p->input = pipeline_first(p, reg, GH_BACKEND_INPUT, NULL);
    return !input || p->input;
}

/* ---- public API ----------------------------------------------------------- */

GhPipeline *
gh_pipeline_new(GhPluginRegistry *reg, const GhPipelineChoice *choice, const char *const *image_capture_paths,
                const GhPluginSessionInfo *info, GhPipelineFailFunc on_fail, gpointer fail_data, GError **error)
{
    static const GhPipelineChoice none = { 0 };
    GhPipeline *p = g_new0(GhPipeline, 1);

    if (!choice)
        choice = &none;
    g_mutex_init(&p->lock);
    g_cond_init(&p->wake);
    g_cond_init(&p->answered);
    g_queue_init(&p->requests);
    p->session_id = g_strdup(info->session_id);
    p->image_id = g_strdup(info->image_id);
    p->vnc_socket = g_strdup(info->vnc_socket);
    p->relay_path = g_strdup(info->relay_path);
    p->dbus_socket = g_strdup(info->dbus_socket);
    for (guint i = 0; i < GH_INPUT_MAX_PADS; i++)
        p->pad_socket[i] = g_strdup(info->pad_socket[i]);
    p->options = choice->options ? g_hash_table_ref(choice->options) : NULL;
    p->pad_keys = gh_pad_keys_new(choice->pad_keys);
    p->vm_ops = info->ops;
    p->vm_ctx = info->ops_ctx;
    p->ops.screenshot = pipeline_op_screenshot;
    p->ops.send_keys = pipeline_op_send_keys;
    p->ops.qmp_command = pipeline_op_qmp_command;
    p->ops.submit_input = pipeline_op_submit_input;
    p->ops.signal_send = pipeline_op_signal_send;
    p->ops.peer_input = pipeline_op_peer_input;
    p->ops.peer_close = pipeline_op_peer_close;
    p->ops.audio_format = pipeline_op_audio_format;
    p->ops.audio_push = pipeline_op_audio_push;
    p->ops.mic_push = pipeline_op_mic_push;
    p->ops.pad_feedback = pipeline_op_pad_feedback;
    p->context = info->context ? g_main_context_ref(info->context) : g_main_context_ref_thread_default();
    p->refresh_hz = CLAMP(info->refresh_hz ? info->refresh_hz : 60, 1, 1000);
    p->fail = g_new0(FailLink, 1);
    p->fail->refs = 1;
    p->fail->alive = TRUE;
    p->fail->fn = on_fail;
    p->fail->data = fail_data;

    p->info = *info;
    p->info.session_id = p->session_id;
    p->info.image_id = p->image_id;
    p->info.vnc_socket = p->vnc_socket;
    p->info.relay_path = p->relay_path;
    p->info.dbus_socket = p->dbus_socket;
    for (guint i = 0; i < GH_INPUT_MAX_PADS; i++)
        p->info.pad_socket[i] = p->pad_socket[i];
    p->info.refresh_hz = p->refresh_hz;
    p->info.options = NULL;
    p->info.context = p->context;
    p->info.ops = &p->ops;
    p->info.ops_ctx = p;

    if (!pipeline_choose(p, reg, choice, image_capture_paths, error))
        return gh_pipeline_free(p);
    g_message("session %s: pipeline: capture %s, stream %s, input %s, audio %s", p->session_id,
              p->capture ? gh_plugin_instance_backend(p->capture)->name : "none",
              p->stream ? gh_plugin_instance_backend(p->stream)->name : "none",
              p->input ? gh_plugin_instance_backend(p->input)->name : "none",
              p->audio ? gh_pipeline_audio_backend_name(p->audio) : "none");
    if (p->audio) {
        g_autoptr(GError) err = NULL;

        gh_pipeline_audio_set_stream(p->audio, p->stream);
        if (!gh_pipeline_audio_start(p->audio, &err)) {
            /* Sound is not worth the session: say so, and stream the picture. */
            g_warning("session %s: no sound: %s", p->session_id, err->message);
            p->audio = gh_pipeline_audio_free(p->audio);
        }
    }
    if (p->capture)
        p->thread = g_thread_new("gh-pipeline", pipeline_thread, p);
    return p;
}

void
gh_pipeline_stop(GhPipeline *p)
{
    GThread *thread;

    g_mutex_lock(&p->lock);
    p->quit = TRUE;
    g_cond_broadcast(&p->wake);
    thread = g_steal_pointer(&p->thread);
    g_mutex_unlock(&p->lock);
    if (thread)
        g_thread_join(thread);
    /* Requesters woken by the thread's last answer leave; wait for them. */
    g_mutex_lock(&p->lock);
    p->stopped = TRUE;
    pipeline_answer_error(p, G_MAXUINT64, "the session's pipeline has stopped");
    while (p->waiters > 0)
        g_cond_wait(&p->answered, &p->lock);
    g_mutex_unlock(&p->lock);
}

GhPipeline *
gh_pipeline_free(GhPipeline *p)
{
    if (!p)
        return NULL;
    gh_pipeline_stop(p);

    p->fail->alive = FALSE;
    pipeline_fail_link_unref(p->fail);
    /* The audio backend stops first: no PCM reaches a stream being freed. */
    p->audio = gh_pipeline_audio_free(p->audio);
    /* Cleared as they go: an input backend's destroy may still report its
     * pads unplugged, which then reaches no stream backend. */
    p->stream = gh_plugin_instance_free(p->stream);
    p->input = gh_plugin_instance_free(p->input);
    p->capture = gh_plugin_instance_free(p->capture);
    p->pad_keys = gh_pad_keys_free(p->pad_keys);
    g_clear_pointer(&p->options, g_hash_table_unref);
    g_main_context_unref(p->context);
    g_free(p->session_id);
    g_free(p->image_id);
    g_free(p->vnc_socket);
    g_free(p->relay_path);
    g_free(p->dbus_socket);
    for (guint i = 0; i < GH_INPUT_MAX_PADS; i++)
        g_free(p->pad_socket[i]);
    g_free(p->stop_reason);
    g_mutex_clear(&p->lock);
    g_cond_clear(&p->wake);
    g_cond_clear(&p->answered);
    g_free(p);
    return NULL;
}

gboolean
gh_pipeline_send_input(GhPipeline *p, const gh_input_event *events, guint n, GArray **drops, GError **error)
{
    g_autoptr(GArray) dropped = gh_pipeline_input_drops_new();
    g_autofree char *message = NULL;
    int rc = pipeline_deliver(p, events, n, dropped, &message);

    if (drops)
        *drops = g_steal_pointer(&dropped);
    if (rc < 0)
        g_set_error_literal(error, GH_PIPELINE_ERROR,
                            rc == -ENODEV ? GH_PIPELINE_ERROR_NO_INPUT : GH_PIPELINE_ERROR_FAILED, message);
    return rc == 0;
}

GBytes *
gh_pipeline_frame_png(GhPipeline *p, guint timeout_ms, GError **error)
{
    FrameRequest req = { 0 };
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    GBytes *png;

    if (!p->capture) {
        g_set_error(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_NO_CAPTURE, "no capture backend for this session");
        return NULL;
    }
    g_mutex_lock(&p->lock);
    if (p->stopped || p->quit) {
        g_set_error(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED, "%s",
                    p->stop_reason ? p->stop_reason : "the session's pipeline has stopped");
        g_mutex_unlock(&p->lock);
        return NULL;
    }
    req.min_grab = p->grabs_started + 1;
    g_queue_push_tail(&p->requests, &req);
    p->waiters++;
    g_cond_signal(&p->wake);
    while (!req.done && g_cond_wait_until(&p->answered, &p->lock, deadline))
        ;
    if (!req.done) {
        /* Queued, or holding a copy that waits for the capture's release. */
        if (!g_queue_remove(&p->requests, &req))
            g_queue_remove(&p->copied, &req);
        g_clear_pointer(&req.pixels, g_bytes_unref);
        req.error = g_error_new(G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no frame from %s within %u ms",
                                gh_plugin_instance_backend(p->capture)->name, timeout_ms);
    }
    if (--p->waiters == 0)
        g_cond_broadcast(&p->answered);
    g_mutex_unlock(&p->lock);

    if (req.error) {
        g_propagate_error(error, req.error);
        return NULL;
    }
    png = gh_frame_png_encode(&req.frame, error);
    g_bytes_unref(req.pixels);
    return png;
}

void
gh_pipeline_get_stats(GhPipeline *p, GhPipelineStats *stats)
{
    gint64 since = g_get_monotonic_time() - G_USEC_PER_SEC;
    guint recent = 0;

    memset(stats, 0, sizeof(*stats));
    g_mutex_lock(&p->lock);
    for (guint64 i = 0; i < MIN(p->frames, (guint64)PIPELINE_FPS_WINDOW); i++)
        recent += p->times[i] > since;
    stats->frames_captured = p->frames;
    stats->fps = recent;
    stats->capture_ms_avg = p->frames ? p->capture_ms_total / (double)p->frames : 0.0;
    stats->capture_ms_last = p->capture_ms_last;
    stats->frames_torn = p->frames_torn;
    stats->input_events = p->input_events;
    stats->pad_events = p->pad_events;
    stats->input_errors = p->input_errors;
    memcpy(stats->input_dropped, p->input_dropped, sizeof stats->input_dropped);
    g_mutex_unlock(&p->lock);
}

gboolean
gh_pipeline_get_audio_stats(GhPipeline *p, GhPipelineAudioStats *stats)
{
    if (!p->audio)
        return FALSE;
    gh_pipeline_audio_get_stats(p->audio, stats);
    return TRUE;
}

guint
gh_pipeline_get_pad_stats(GhPipeline *p, GhPipelinePadStats out[GH_INPUT_MAX_PADS])
{
    return gh_pipeline_pads_get(&p->pads, p->input, out);
}

const char *
gh_pipeline_backend_name(GhPipeline *p, guint32 kind)
{
    if (kind == GH_BACKEND_AUDIO)
        return p->audio ? gh_pipeline_audio_backend_name(p->audio) : NULL;
    GhPluginInstance *inst = kind == GH_BACKEND_CAPTURE ? p->capture
                             : kind == GH_BACKEND_STREAM ? p->stream
                             : kind == GH_BACKEND_INPUT  ? p->input
                                                         : NULL;

    return inst ? gh_plugin_instance_backend(inst)->name : NULL;
}

/* ---- interactive streams (players) ----------------------------------------- */

gboolean
gh_pipeline_is_interactive(GhPipeline *p)
{
    return p->stream && gh_plugin_instance_backend(p->stream)->stream.peer_open;
}

gboolean
gh_pipeline_peer_open(GhPipeline *p, guint32 peer, guint32 flags, GError **error)
{
    const GhBackend *b;
    int rc;

    if (!gh_pipeline_is_interactive(p)) {
        g_set_error(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_BACKEND, "the stream backend serves no players");
        return FALSE;
    }
    b = gh_plugin_instance_backend(p->stream);
    gh_plugin_instance_clear_error(p->stream);
    GH_PLUGIN_CALL(b, "peer_open", 0, rc = b->stream.peer_open(gh_plugin_instance_handle(p->stream), peer, flags));
    if (rc < 0) {
        g_autofree char *why = pipeline_op_error(p->stream, rc);
        g_set_error_literal(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED, why);
        return FALSE;
    }
    g_mutex_lock(&p->lock);
    p->peers_open++;
    g_cond_signal(&p->wake);
    g_mutex_unlock(&p->lock);
    /* A player that joins needs a picture it can decode from. */
    if (b->stream.request_keyframe)
        GH_PLUGIN_CALL(b, "request_keyframe", 0, b->stream.request_keyframe(gh_plugin_instance_handle(p->stream)));
    return TRUE;
}

int
gh_pipeline_peer_message(GhPipeline *p, guint32 peer, const char *message, char **why)
{
    const GhBackend *b;
    int rc;

    *why = NULL;
    if (!gh_pipeline_is_interactive(p)) {
        *why = g_strdup("the stream backend serves no players");
        return -ENOTSUP;
    }
    b = gh_plugin_instance_backend(p->stream);
    if (!b->stream.peer_message) {
        *why = g_strdup_printf("%s takes no messages", b->name);
        return -ENOTSUP;
    }
    gh_plugin_instance_clear_error(p->stream);
    GH_PLUGIN_CALL(b, "peer_message", 0, rc = b->stream.peer_message(gh_plugin_instance_handle(p->stream), peer, message));
    if (rc < 0)
        *why = pipeline_op_error(p->stream, rc);
    return rc < 0 ? rc : 0;
}

void
gh_pipeline_peer_close(GhPipeline *p, guint32 peer)
{
    const GhBackend *b;

    if (!gh_pipeline_is_interactive(p))
        return;
    b = gh_plugin_instance_backend(p->stream);
    if (b->stream.peer_close)
        GH_PLUGIN_CALL(b, "peer_close", 0, b->stream.peer_close(gh_plugin_instance_handle(p->stream), peer));
    g_mutex_lock(&p->lock);
    if (p->peers_open > 0)
        p->peers_open--;
    g_mutex_unlock(&p->lock);
}
