/* pipeline-audio: a session's sound (ABI 1.3).  Owns the audio backend's
 * instance; passes the VM's PCM, on the backend's own thread, to the
 * stream backend's push_audio, and a player's microphone to the backend's
 * mic_write; counts both ways.  The pipeline (pipeline.c) decides who may
 * feed the microphone. */
#pragma once

#include <glib.h>
#include "plugin-registry.h"

typedef struct {
    guint32 format, rate, channels;  /* what the backend delivers */
    guint64 chunks;                  /* passed to the stream backend (or to nobody) */
    guint64 frames;
    guint64 refused;                 /* chunks refused: malformed, or not in the announced format */
    guint64 mic_frames;              /* microphone frames the backend took */
    guint64 mic_dropped;             /* microphone frames it had no room for, or refused */
    gh_audio_stats backend;          /* the backend's own counters (zero without a stats op) */
} GhPipelineAudioStats;

typedef struct GhPipelineAudio GhPipelineAudio;

/* Takes inst (an audio backend's) and asks its format, which must be within
 * the SDK's limits; NULL (inst freed) with the reason otherwise.  Main thread. */
GhPipelineAudio *gh_pipeline_audio_new(GhPluginInstance *inst, GError **error);
/* Main thread, before start: the stream backend that gets the PCM (may be
 * NULL, or have no push_audio: the PCM is counted and dropped). */
void gh_pipeline_audio_set_stream(GhPipelineAudio *a, GhPluginInstance *stream);
/* Main thread: the backend's start; FALSE with its reason. */
gboolean gh_pipeline_audio_start(GhPipelineAudio *a, GError **error);
/* Main thread: stops the backend (no PCM after it), frees the instance. */
GhPipelineAudio *gh_pipeline_audio_free(GhPipelineAudio *a);

void gh_pipeline_audio_format(GhPipelineAudio *a, guint32 *format, guint32 *rate, guint32 *channels);
/* The audio backend's thread: a chunk for the stream backend.  valid: it
 * passed plugin-host.c's checks; it must also be in the announced format. */
int gh_pipeline_audio_push(GhPipelineAudio *a, const gh_audio_chunk *chunk, gboolean valid);
/* Any thread: microphone PCM for the backend; frames taken, or -errno. */
int gh_pipeline_audio_mic(GhPipelineAudio *a, const gh_audio_chunk *chunk, gboolean valid);
void gh_pipeline_audio_get_stats(GhPipelineAudio *a, GhPipelineAudioStats *stats);
const char *gh_pipeline_audio_backend_name(GhPipelineAudio *a);
