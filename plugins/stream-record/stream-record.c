/* stream-record: the stream backend "stream.record".  Records the session
 * into an H.264 file (Matroska or MP4) in the session's own directory, at a
 * configured rate, for operators' QA and for tests.  This file is the ABI
 * glue: options, where the file goes, and which frames are kept; encoder.c
 * does the encoding.
 *
 * Options: file (a plain name, default recording.mkv), fps (1..120, default
 * 30), bitrate (kbit/s, 100..100000, default 4000).
 *
 * A session with sound (host services 4, audio_format) gets an Opus track
 * beside the picture, on the picture's clock (timeline.h): the first
 * frame's capture time is the file's 0 for both, sound from before it is
 * not kept, silence fills where the game sent none, and at the end the
 * shorter track is lengthened to the longer's end.  Without sound the file
 * is the picture alone, as before.
 *
 * Threads: create and destroy on the main thread, push_frame on the
 * pipeline thread, push_audio on the audio backend's; the host stops the
 * audio backend before destroy.  The encoder's sound, the timeline's track
 * and the sound's counters are under `sound_lock`, which push_frame takes
 * only to start the file and to fill silence, never while it waits for the
 * encoder. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <gamehost/plugin-util.h>

#include "encoder.h"
#include "gst-frame.h"
#include "plugin-options.h"
#include "timeline.h"

#ifndef GH_PLUGIN_VERSION
#error "build with -DGH_PLUGIN_VERSION=\"...\""
#endif

#define SR_NAME            "stream.record"
#define SR_FILE_MAX        64u
#define SR_FPS_DEFAULT     30u
#define SR_FPS_MAX         120u
#define SR_BITRATE_DEFAULT 4000u
#define SR_BITRATE_MIN     100u
#define SR_BITRATE_MAX     100000u
#define SR_SIDE_MAX        16384u
/* How long push_frame may wait for a behind encoder, and destroy for the
 * muxer to finish the file. */
#define SR_PUSH_WAIT_MS    1000u
#define SR_FINISH_MS       5000u
/* How long the sound of a moment may take to come before that moment is
 * recorded as silence: the audio backend hands chunks on within a few ms
 * of their capture (audio.dbus: as QEMU writes them), a loaded host may
 * take tens of ms more; the muxer holds the picture that long. */
#define SR_SOUND_LAG_MS    300u
/* At most this much of the last frame, repeated, lengthens the picture to
 * the sound's end (the audio backend stops after the pipeline thread). */
#define SR_TAIL_MAX_MS     1000u
#define SR_NS_PER_MS       G_GUINT64_CONSTANT(1000000)
#define SR_NS_PER_S        G_GUINT64_CONSTANT(1000000000)

/* What became of the sound the backend pushed, in frames. */
typedef struct {
    uint64_t kept;               /* in the file */
    uint64_t cut;                /* from before the first frame, or late */
    uint64_t dropped;            /* lost to a behind encoder */
    uint64_t silence;            /* filled in where none came */
} sr_sound_counts;

struct gh_instance {
    gh_host *host;
    gh_host_services svc;        /* the host's table, copied at our size */
    char *path;
    int fd;                      /* the file, open from create to destroy */
    sr_encoder_config config;    /* width, height, format: from the first frame */
    sr_encoder *enc;             /* NULL until the first frame; set under sound_lock */
    sr_timeline timeline;        /* from the first frame; its track under sound_lock */
    uint64_t next_slot;          /* the first output slot not yet filled */
    uint64_t kept, dropped;      /* frames encoded; frames a behind encoder lost */
    GMutex sound_lock;
    sr_sound_counts sound;       /* under sound_lock */
};

/* ---- options -------------------------------------------------------------- */

/* A plain name in the session dir (po_file_name), whose suffix says the
 * container. */
static int
sr_check_file(gh_host *host, const gh_host_services *svc, const char *file, sr_container *container)
{
    if (po_file_name(host, svc, SR_NAME, "file", file, SR_FILE_MAX) < 0)
        return -EINVAL;
    if (g_str_has_suffix(file, ".mkv"))
        *container = SR_CONTAINER_MATROSKA;
    else if (g_str_has_suffix(file, ".mp4"))
        *container = SR_CONTAINER_MP4;
    else {
        gh_host_error(host, svc, SR_NAME, "option file '%s' must end in .mkv or .mp4", file);
        return -EINVAL;
    }
    return 0;
}

/* The session's sound, if it has any, into config.  A 1.2 host's table
 * ends before audio_format, and a session without an audio backend answers
 * -ENODEV: both record the picture alone. */
static int
sr_read_sound(gh_host *host, const gh_host_services *svc, sr_encoder_config *config)
{
    uint32_t format = 0, rate = 0, channels = 0;
    int rc;

    if (svc->version < 4 || !GH_STRUCT_HAS(svc, gh_host_services, audio_format) || !svc->audio_format)
        return 0;
    if ((rc = svc->audio_format(host, &format, &rate, &channels)) < 0) {
        if (rc != -ENODEV)
            gh_host_log(host, svc, GH_LOG_WARNING, "no sound: the host cannot say its format (%s)", g_strerror(-rc));
        return 0;
    }
    if (format != GH_AUDIO_S16LE || rate < GH_AUDIO_MIN_RATE || rate > GH_AUDIO_MAX_RATE || channels < 1 ||
        channels > GH_AUDIO_MAX_CHANNELS) {
        gh_host_error(host, svc, SR_NAME,
                      "cannot record sound of format %u at %u Hz with %u channels (S16LE, %u to %u Hz, 1 or 2 "
                      "channels)",
                      format, rate, channels, GH_AUDIO_MIN_RATE, GH_AUDIO_MAX_RATE);
        return -EINVAL;
    }
    config->audio_rate = rate;
    config->audio_channels = channels;
    return 0;
}

/* ---- the backend ------------------------------------------------------------ */

static gh_instance *
sr_create(gh_host *host, const gh_host_services *services)
{
    gh_host_services svc;
    sr_encoder_config config = { .fd = -1 };
    g_autofree char *why = NULL;
    const char *file, *dir;
    gh_instance *inst;
    int fd = -1;

    /* A 1.0 host's table ends before session_dir, which then reads as NULL. */
    gh_host_services_copy(&svc, services);
    if (svc.version < 2 || !svc.session_dir) {
        gh_host_error(host, &svc, SR_NAME, "the host offers no session directory (it needs plugin ABI 1.1)");
        return NULL;
    }
    file = svc.option ? svc.option(host, "file") : NULL;
    if (!file)
        file = "recording.mkv";
    if (sr_check_file(host, &svc, file, &config.container) < 0 ||
        po_uint(host, &svc, SR_NAME, "fps", 1, SR_FPS_MAX, SR_FPS_DEFAULT, &config.fps) < 0 ||
        po_uint(host, &svc, SR_NAME, "bitrate", SR_BITRATE_MIN, SR_BITRATE_MAX, SR_BITRATE_DEFAULT,
                &config.bitrate_kbps) < 0 ||
        sr_read_sound(host, &svc, &config) < 0)
        return NULL;
    dir = svc.session_dir(host);
    if (!dir || !g_path_is_absolute(dir) || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        gh_host_error(host, &svc, SR_NAME, "the session has no directory to record into%s%s", dir ? ": " : "",
                      dir ? dir : "");
        return NULL;
    }
    if (gf_init_gst(&why) < 0 || sr_encoder_check_elements(&config, &why) < 0) {
        gh_host_error(host, &svc, SR_NAME, "%s", why);
        return NULL;
    }

    inst = g_new0(gh_instance, 1);
    inst->host = host;
    inst->svc = svc;
    inst->path = g_build_filename(dir, file, NULL);
    /* A recording of the same name is replaced, and so is a link that
     * whoever else can write the session dir put there: never followed. */
    if ((fd = gh_session_file_open(host, &svc, SR_NAME, file, GH_FILE_REPLACE, 0640)) < 0) {
        g_free(inst->path);
        g_free(inst);
        return NULL;
    }
    inst->fd = fd;
    config.fd = fd;
    inst->config = config;
    g_mutex_init(&inst->sound_lock);
    return inst;
}

/* The first frame fixes size and format, starts the encoder, and is the
 * file's 0 for picture and sound. */
static int
sr_start(gh_instance *inst, const gh_frame *frame)
{
    g_autofree char *why = NULL;
    sr_encoder *enc;

    inst->config.width = frame->width;
    inst->config.height = frame->height;
    inst->config.format = frame->format;
    enc = sr_encoder_new(&inst->config, &why);
    if (!enc) {
        gh_host_error(inst->host, &inst->svc, SR_NAME, "cannot start the encoder: %s", why);
        return -EIO;
    }
    g_mutex_lock(&inst->sound_lock);
    sr_timeline_start(&inst->timeline, frame->timestamp_ns, inst->config.audio_rate);
    inst->enc = enc;
    g_mutex_unlock(&inst->sound_lock);
    if (inst->config.audio_rate)
        gh_host_log(inst->host, &inst->svc, GH_LOG_INFO,
                    "recording %ux%u at %u frames/s, %u kbit/s, with sound (Opus, %u Hz, %u channels) into %s",
                    frame->width, frame->height, inst->config.fps, inst->config.bitrate_kbps, inst->config.audio_rate,
                    inst->config.audio_channels, inst->path);
    else
        gh_host_log(inst->host, &inst->svc, GH_LOG_INFO, "recording %ux%u at %u frames/s, %u kbit/s into %s",
                    frame->width, frame->height, inst->config.fps, inst->config.bitrate_kbps, inst->path);
    return 0;
}

/* ---- sound (under sound_lock) ------------------------------------------------- */

/* n frames of the chunk's data (NULL: silence) at track frame `at`; what a
 * behind encoder cannot take is dropped and counted, and said once. */
static void
sr_sound_put(gh_instance *inst, const uint8_t *data, uint64_t n, uint64_t at)
{
    g_autofree char *why = NULL;
    uint64_t per_buffer = inst->config.audio_rate; /* a second */

    for (uint64_t done = 0; done < n;) {
        uint32_t part = (uint32_t)MIN(n - done, per_buffer);
        const uint8_t *from = data ? data + done * inst->config.audio_channels * 2u : NULL;

        if (sr_encoder_push_sound(inst->enc, from, part, sr_timeline_frame_pts(&inst->timeline, at + done), &why) <
            0) {
            if (inst->sound.dropped == 0)
                gh_host_log(inst->host, &inst->svc, GH_LOG_WARNING, "dropping sound: %s", why);
            g_clear_pointer(&why, g_free);
            inst->sound.dropped += part;
        } else if (data) {
            inst->sound.kept += part;
        } else {
            inst->sound.silence += part;
        }
        done += part;
    }
}

/* Silence up to file time pts_ns where no chunk came. */
static void
sr_sound_fill(gh_instance *inst, int64_t pts_ns)
{
    uint64_t at, n = sr_timeline_fill(&inst->timeline, pts_ns, &at);

    if (n)
        sr_sound_put(inst, NULL, n, at);
}

static int
sr_check_chunk(gh_instance *inst, const gh_audio_chunk *chunk)
{
    if (!GH_STRUCT_HAS(chunk, gh_audio_chunk, data) || !inst->config.audio_rate) {
        gh_host_error(inst->host, &inst->svc, SR_NAME, "push_audio without a chunk, or for a session without sound");
        return -EINVAL;
    }
    if (chunk->n_frames > 0 && chunk->data &&
        (chunk->format != GH_AUDIO_S16LE || chunk->rate != inst->config.audio_rate ||
         chunk->channels != inst->config.audio_channels)) {
        gh_host_error(inst->host, &inst->svc, SR_NAME,
                      "push_audio: a chunk of format %u at %u Hz with %u channels, not the session's %u Hz with %u",
                      chunk->format, chunk->rate, chunk->channels, inst->config.audio_rate,
                      inst->config.audio_channels);
        return -EINVAL;
    }
    return 0;
}

/* The audio backend's thread: never waits for the encoder. */
static int
sr_push_audio(gh_instance *inst, const gh_audio_chunk *chunk)
{
    g_autoptr(GMutexLocker) locker = NULL;
    sr_place place;
    int rc;

    if ((rc = sr_check_chunk(inst, chunk)) < 0)
        return rc;
    /* Nothing to record is nothing to do. */
    if (chunk->n_frames == 0 || !chunk->data)
        return 0;
    locker = g_mutex_locker_new(&inst->sound_lock);
    if (!inst->enc) {
        /* Before the first frame: the file starts with its picture. */
        inst->sound.cut += chunk->n_frames;
        return 0;
    }
    sr_timeline_place(&inst->timeline, chunk->timestamp_ns, chunk->n_frames, &place);
    inst->sound.cut += place.skip;
    if (place.silence)
        sr_sound_put(inst, NULL, place.silence, place.at);
    if (place.keep)
        sr_sound_put(inst, chunk->data + (size_t)place.skip * chunk->channels * 2u, place.keep,
                     place.at + place.silence);
    return 0;
}

/* ---- frames ---------------------------------------------------------------------- */

static int
sr_check_frame(gh_instance *inst, const gh_frame *frame)
{
    if (!frame || !frame->data) {
        gh_host_error(inst->host, &inst->svc, SR_NAME, "push_frame without a frame");
        return -EINVAL;
    }
    if (!gf_frame_usable(frame, SR_SIDE_MAX)) {
        gh_host_error(inst->host, &inst->svc, SR_NAME,
                      "cannot encode a %ux%u frame of format %u with stride %u (BGRX or RGBX, up to %ux%u)",
                      frame->width, frame->height, frame->format, frame->stride, SR_SIDE_MAX, SR_SIDE_MAX);
        return -EINVAL;
    }
    if (inst->enc && (frame->width != inst->config.width || frame->height != inst->config.height ||
                      frame->format != inst->config.format)) {
        /* Renegotiating mid-file is for a later version. */
        gh_host_error(inst->host, &inst->svc, SR_NAME,
                      "frame size changed from %ux%u to %ux%u; a recording keeps its first size", inst->config.width,
                      inst->config.height, frame->width, frame->height);
        return -EINVAL;
    }
    return 0;
}

static int
sr_push_frame(gh_instance *inst, const gh_frame *frame)
{
    g_autofree char *why = NULL;
    uint64_t slot, fps = inst->config.fps;
    int64_t pts;
    int rc;

    if ((rc = sr_check_frame(inst, frame)) < 0)
        return rc;
    if (!inst->enc && (rc = sr_start(inst, frame)) < 0)
        return rc;
    /* Frames come at the display's rate (60 Hz); the file gets fps of them. */
    if ((pts = sr_timeline_pts(&inst->timeline, frame->timestamp_ns)) < 0 ||
        (slot = gf_slot(0, (uint64_t)pts, inst->config.fps)) < inst->next_slot)
        return 0;
    if (inst->config.audio_rate) {
        /* The muxer waits for sound as long as for the picture: where the
         * game sent none for a while, there was none. */
        g_mutex_lock(&inst->sound_lock);
        sr_sound_fill(inst, pts - (int64_t)(SR_SOUND_LAG_MS * SR_NS_PER_MS));
        g_mutex_unlock(&inst->sound_lock);
    }
    /* A slot's timestamp, not the count of frames kept: when frames come
     * slower than fps, the file still lasts as long as the session did. */
    rc = sr_encoder_push(inst->enc, frame->data, frame->stride, slot * SR_NS_PER_S / fps, SR_NS_PER_S / fps,
                         SR_PUSH_WAIT_MS, &why);
    if (rc == -EAGAIN) {
        if (inst->dropped++ == 0)
            gh_host_log(inst->host, &inst->svc, GH_LOG_WARNING, "dropping frames: %s", why);
        return 0;
    }
    if (rc < 0) {
        gh_host_error(inst->host, &inst->svc, SR_NAME, "recording into %s failed: %s", inst->path, why);
        return rc;
    }
    inst->next_slot = slot + 1;
    inst->kept++;
    return 0;
}

/* ---- the end ------------------------------------------------------------------- */

/* Both tracks end together: the last frame, repeated, lengthens the picture
 * to the sound's end (up to SR_TAIL_MAX_MS), then silence lengthens the
 * sound to the picture's. */
static void
sr_finish_tracks(gh_instance *inst)
{
    uint64_t fps = inst->config.fps, sound_end, max_slot = inst->next_slot + SR_TAIL_MAX_MS * fps / 1000u;
    g_autofree char *why = NULL;

    if (inst->kept == 0)
        return;
    sound_end = sr_timeline_frame_pts(&inst->timeline, inst->timeline.written);
    while (inst->next_slot * SR_NS_PER_S / fps < sound_end && inst->next_slot < max_slot &&
           sr_encoder_push_again(inst->enc, inst->next_slot * SR_NS_PER_S / fps, SR_NS_PER_S / fps, SR_PUSH_WAIT_MS,
                                 &why) == 0)
        inst->next_slot++;
    sr_sound_fill(inst, (int64_t)(inst->next_slot * SR_NS_PER_S / fps));
}

static void
sr_log_sound(gh_instance *inst)
{
    const sr_sound_counts *c = &inst->sound;
    double rate = inst->config.audio_rate;

    gh_host_log(inst->host, &inst->svc, GH_LOG_INFO,
                "sound: %.3f s from the game, %.3f s of silence where none came; %" G_GUINT64_FORMAT
                " frames dropped by a behind encoder, %" G_GUINT64_FORMAT " cut (before the first frame, or late)",
                (double)c->kept / rate, (double)c->silence / rate, c->dropped, c->cut);
}

/* Both tracks ended and the muxer's last words written, so the file plays. */
static void
sr_finish_file(gh_instance *inst)
{
    g_autofree char *why = NULL;

    /* No lock: the host stopped the audio backend before destroy. */
    if (inst->config.audio_rate)
        sr_finish_tracks(inst);
    if (sr_encoder_finish(inst->enc, SR_FINISH_MS, &why) < 0)
        gh_host_log(inst->host, &inst->svc, GH_LOG_ERROR, "%s may be incomplete: %s", inst->path, why);
    else
        gh_host_log(inst->host, &inst->svc, GH_LOG_INFO,
                    "recorded %" G_GUINT64_FORMAT " frames into %s (%" G_GUINT64_FORMAT " dropped by a behind encoder)",
                    inst->kept, inst->path, inst->dropped);
    if (inst->config.audio_rate)
        sr_log_sound(inst);
}

static void
sr_destroy(gh_instance *inst)
{
    if (!inst)
        return;
    if (inst->enc)
        sr_finish_file(inst);
    else
        /* Nothing was recorded: leave no empty file behind. */
        unlink(inst->path);
    sr_encoder_free(inst->enc);
    g_mutex_clear(&inst->sound_lock);
    close(inst->fd);
    g_free(inst->path);
    g_free(inst);
}

static const gh_stream_ops sr_stream_ops = {
    .struct_size = sizeof(gh_stream_ops),
    .version = GH_STREAM_OPS_VERSION,
    .push_frame = sr_push_frame,
    .push_audio = sr_push_audio,
};

static const gh_backend_factory sr_factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_STREAM,
    .name = SR_NAME,
    .description = "records the session into an H.264 file (Matroska or MP4, with Opus sound) in its directory",
    .create = sr_create,
    .destroy = sr_destroy,
    .stream = &sr_stream_ops,
};

static const gh_backend_factory *const sr_factories[] = { &sr_factory };

static const gh_plugin sr_plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 1,
    .name = "stream-record",
    .version = GH_PLUGIN_VERSION,
    .license = "MIT",
    .factories = sr_factories,
};

GH_PLUGIN_DEFINE(sr_plugin)
