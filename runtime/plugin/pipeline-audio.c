/* pipeline-audio: a session's sound; see pipeline-audio.h.
 *
 * Threads.  new, set_stream, start and free run on the main thread; push on
 * the audio backend's thread, between start and the end of its stop; mic
 * on a stream backend's thread.  The stream instance is fixed before start
 * and outlives stop, so push reads it without a lock; the counters are
 * under `lock`. */
#include "pipeline-audio.h"
#include "plugin-watch.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "pipeline.h"

struct GhPipelineAudio {
    GhPluginInstance *inst;
    GhPluginInstance *stream;    /* borrowed; NULL: nobody takes the PCM */
    guint32 format, rate, channels;
    gboolean started;
    gboolean warned_format;      /* a chunk in another format was logged once */
    GMutex lock;
    guint64 chunks, frames, refused, mic_frames, mic_dropped;
};

static gboolean
audio_format_valid(guint32 format, guint32 rate, guint32 channels)
{
    return format == GH_AUDIO_S16LE && rate >= GH_AUDIO_MIN_RATE && rate <= GH_AUDIO_MAX_RATE && channels >= 1 &&
           channels <= GH_AUDIO_MAX_CHANNELS;
}

/* "audio.dbus failed: <the plugin's message, or strerror>" */
static void
audio_set_op_error(GhPipelineAudio *a, int rc, const char *op, GError **error)
{
    g_autofree char *msg = gh_plugin_instance_last_error(a->inst);

    g_set_error(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED, "%s %s failed: %s",
                gh_plugin_instance_backend(a->inst)->name, op, msg && *msg ? msg : g_strerror(-rc));
}

GhPipelineAudio *
gh_pipeline_audio_new(GhPluginInstance *inst, GError **error)
{
    GhPipelineAudio *a = g_new0(GhPipelineAudio, 1);
    const GhBackend *b = gh_plugin_instance_backend(inst);
    int rc;

    a->inst = inst;
    g_mutex_init(&a->lock);
    gh_plugin_instance_clear_error(inst);
    GH_PLUGIN_CALL(b, "format", 0, rc = b->audio.format(gh_plugin_instance_handle(inst), &a->format, &a->rate, &a->channels));
    if (rc < 0) {
        audio_set_op_error(a, rc, "format", error);
        return gh_pipeline_audio_free(a);
    }
    if (!audio_format_valid(a->format, a->rate, a->channels)) {
        g_set_error(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED,
                    "%s announced format %u at %u Hz with %u channels: the host takes S16LE, %u..%u Hz, 1 or 2 "
                    "channels",
                    b->name, a->format, a->rate, a->channels, GH_AUDIO_MIN_RATE, GH_AUDIO_MAX_RATE);
        return gh_pipeline_audio_free(a);
    }
    return a;
}

void
gh_pipeline_audio_set_stream(GhPipelineAudio *a, GhPluginInstance *stream)
{
    g_return_if_fail(!a->started);
    a->stream = stream;
}

gboolean
gh_pipeline_audio_start(GhPipelineAudio *a, GError **error)
{
    const GhBackend *b = gh_plugin_instance_backend(a->inst);
    int rc;

    gh_plugin_instance_clear_error(a->inst);
    GH_PLUGIN_CALL(b, "start", 0, rc = b->audio.start(gh_plugin_instance_handle(a->inst)));
    if (rc < 0) {
        audio_set_op_error(a, rc, "start", error);
        return FALSE;
    }
    a->started = TRUE;
    return TRUE;
}

GhPipelineAudio *
gh_pipeline_audio_free(GhPipelineAudio *a)
{
    if (!a)
        return NULL;
    if (a->started && gh_plugin_instance_backend(a->inst)->audio.stop)
        GH_PLUGIN_CALL(gh_plugin_instance_backend(a->inst), "stop", 0,
                       gh_plugin_instance_backend(a->inst)->audio.stop(gh_plugin_instance_handle(a->inst)));
    gh_plugin_instance_free(a->inst);
    g_mutex_clear(&a->lock);
    g_free(a);
    return NULL;
}

void
gh_pipeline_audio_format(GhPipelineAudio *a, guint32 *format, guint32 *rate, guint32 *channels)
{
    *format = a->format;
    *rate = a->rate;
    *channels = a->channels;
}

static gboolean
audio_chunk_matches(GhPipelineAudio *a, const gh_audio_chunk *chunk)
{
    return chunk->format == a->format && chunk->rate == a->rate && chunk->channels == a->channels;
}

int
gh_pipeline_audio_push(GhPipelineAudio *a, const gh_audio_chunk *chunk, gboolean valid)
{
    const GhBackend *sb = a->stream ? gh_plugin_instance_backend(a->stream) : NULL;
    gboolean matches = valid && audio_chunk_matches(a, chunk);
    gboolean warn;
    int rc = 0;

    g_mutex_lock(&a->lock);
    warn = valid && !matches && !a->warned_format;
    a->warned_format |= warn;
    if (!matches)
        a->refused++;
    g_mutex_unlock(&a->lock);
    if (warn)
        g_warning("%s: a chunk at %u Hz with %u channels (format %u) refused: it announced %u Hz with %u channels",
                  gh_plugin_instance_backend(a->inst)->name, chunk->rate, chunk->channels, chunk->format, a->rate,
                  a->channels);
    if (!matches)
        return -EINVAL;
    if (sb && sb->stream.push_audio)
        GH_PLUGIN_CALL(sb, "push_audio", 0, rc = sb->stream.push_audio(gh_plugin_instance_handle(a->stream), chunk));
    g_mutex_lock(&a->lock);
    a->chunks++;
    a->frames += chunk->n_frames;
    g_mutex_unlock(&a->lock);
    return rc < 0 ? rc : 0;
}

int
gh_pipeline_audio_mic(GhPipelineAudio *a, const gh_audio_chunk *chunk, gboolean valid)
{
    const GhBackend *b = gh_plugin_instance_backend(a->inst);
    int rc;

    if (!b->audio.mic_write)
        return -ENODEV;
    if (!valid || !audio_chunk_matches(a, chunk)) {
        g_mutex_lock(&a->lock);
        a->mic_dropped += valid ? chunk->n_frames : 0;
        g_mutex_unlock(&a->lock);
        return -EINVAL;
    }
    GH_PLUGIN_CALL(b, "mic_write", 0, rc = b->audio.mic_write(gh_plugin_instance_handle(a->inst), chunk));
    g_mutex_lock(&a->lock);
    if (rc >= 0) {
        guint taken = MIN((guint)rc, chunk->n_frames);
        a->mic_frames += taken;
        a->mic_dropped += chunk->n_frames - taken;
        rc = (int)taken;
    } else {
        a->mic_dropped += chunk->n_frames;
    }
    g_mutex_unlock(&a->lock);
    return rc;
}

void
gh_pipeline_audio_get_stats(GhPipelineAudio *a, GhPipelineAudioStats *stats)
{
    const GhBackend *b = gh_plugin_instance_backend(a->inst);

    memset(stats, 0, sizeof *stats);
    stats->backend.struct_size = sizeof stats->backend;
    if (b->audio.stats) {
        GH_PLUGIN_CALL(b, "stats", 0, b->audio.stats(gh_plugin_instance_handle(a->inst), &stats->backend));
        stats->backend.struct_size = sizeof stats->backend;
    }
    stats->format = a->format;
    stats->rate = a->rate;
    stats->channels = a->channels;
    g_mutex_lock(&a->lock);
    stats->chunks = a->chunks;
    stats->frames = a->frames;
    stats->refused = a->refused;
    stats->mic_frames = a->mic_frames;
    stats->mic_dropped = a->mic_dropped;
    g_mutex_unlock(&a->lock);
}

const char *
gh_pipeline_audio_backend_name(GhPipelineAudio *a)
{
    return gh_plugin_instance_backend(a->inst)->name;
}
