/* stream-record: the stream backend "stream.record".  Records the session
 * into an H.264 file (Matroska or MP4) in the session's own directory, at a
 * configured rate, for operators' QA and for tests.  This file is the ABI
 * glue: options, where the file goes, and which frames are kept; encoder.c
 * does the encoding.
 *
 * Options: file (a plain name, default recording.mkv), fps (1..120, default
 * 30), bitrate (kbit/s, 100..100000, default 4000). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <gamehost/plugin-util.h>

#include "encoder.h"
#include "gst-frame.h"
#include "plugin-options.h"

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

struct gh_instance {
    gh_host *host;
    gh_host_services svc;        /* the host's table, copied at our size */
    char *path;
    int fd;                      /* the file, open from create to destroy */
    sr_encoder_config config;    /* width, height, format: from the first frame */
    sr_encoder *enc;             /* NULL until the first frame */
    uint64_t first_ns;           /* timestamp of the first frame */
    uint64_t next_slot;          /* the first output slot not yet filled */
    uint64_t kept, dropped;      /* frames encoded; frames a behind encoder lost */
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
                &config.bitrate_kbps) < 0)
        return NULL;
    dir = svc.session_dir(host);
    if (!dir || !g_path_is_absolute(dir) || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        gh_host_error(host, &svc, SR_NAME, "the session has no directory to record into%s%s", dir ? ": " : "",
                      dir ? dir : "");
        return NULL;
    }
    if (gf_init_gst(&why) < 0 || sr_encoder_check_elements(config.container, &why) < 0) {
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
    return inst;
}

/* The first frame fixes size and format, and starts the encoder. */
static int
sr_start(gh_instance *inst, const gh_frame *frame)
{
    g_autofree char *why = NULL;

    inst->config.width = frame->width;
    inst->config.height = frame->height;
    inst->config.format = frame->format;
    inst->first_ns = frame->timestamp_ns;
    inst->enc = sr_encoder_new(&inst->config, &why);
    if (!inst->enc) {
        gh_host_error(inst->host, &inst->svc, SR_NAME, "cannot start the encoder: %s", why);
        return -EIO;
    }
    gh_host_log(inst->host, &inst->svc, GH_LOG_INFO, "recording %ux%u at %u frames/s, %u kbit/s into %s", frame->width,
                frame->height, inst->config.fps, inst->config.bitrate_kbps, inst->path);
    return 0;
}

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
    int rc;

    if ((rc = sr_check_frame(inst, frame)) < 0)
        return rc;
    if (!inst->enc && (rc = sr_start(inst, frame)) < 0)
        return rc;
    /* Frames come at the display's rate (60 Hz); the file gets fps of them. */
    if (frame->timestamp_ns < inst->first_ns ||
        (slot = gf_slot(inst->first_ns, frame->timestamp_ns, inst->config.fps)) < inst->next_slot)
        return 0;
    /* A slot's timestamp, not the count of frames kept: when frames come
     * slower than fps, the file still lasts as long as the session did. */
    rc = sr_encoder_push(inst->enc, frame->data, frame->stride, slot * G_GUINT64_CONSTANT(1000000000) / fps,
                         G_GUINT64_CONSTANT(1000000000) / fps, SR_PUSH_WAIT_MS, &why);
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

static void
sr_destroy(gh_instance *inst)
{
    g_autofree char *why = NULL;

    if (!inst)
        return;
    if (!inst->enc) {
        /* Nothing was recorded: leave no empty file behind. */
        unlink(inst->path);
    } else if (sr_encoder_finish(inst->enc, SR_FINISH_MS, &why) < 0) {
        gh_host_log(inst->host, &inst->svc, GH_LOG_ERROR, "%s may be incomplete: %s", inst->path, why);
    } else {
        gh_host_log(inst->host, &inst->svc, GH_LOG_INFO,
                    "recorded %" G_GUINT64_FORMAT " frames into %s (%" G_GUINT64_FORMAT " dropped by a behind encoder)",
                    inst->kept, inst->path, inst->dropped);
    }
    sr_encoder_free(inst->enc);
    close(inst->fd);
    g_free(inst->path);
    g_free(inst);
}

static const gh_stream_ops sr_stream_ops = {
    .struct_size = sizeof(gh_stream_ops),
    .version = GH_STREAM_OPS_VERSION,
    .push_frame = sr_push_frame,
};

static const gh_backend_factory sr_factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_STREAM,
    .name = SR_NAME,
    .description = "records the session into an H.264 file (Matroska or MP4) in its directory",
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
