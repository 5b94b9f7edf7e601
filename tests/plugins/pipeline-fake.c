/* pipeline-fake: a test plugin with one backend of each kind, steered by
 * the options given at session create:
 *
 *   capture.fake  produces 64x48 BGRX frames whose first pixel encodes the
 *                 frame number (B, G, R = bits 0-7, 8-15, 16-23), counting
 *                 from 1.  Options: fail_after=N (grab fails with -EIO and
 *                 "fake capture broke" after N frames), crash_after=N
 *                 (the grab after N frames writes through NULL: the
 *                 worker dies of SIGSEGV), refuse=1 (probe
 *                 refuses), screenshot=1 (each grab also takes a host
 *                 screenshot, and fails as it does), eagain=1 (never a
 *                 frame: grab answers -EAGAIN), slow_ms=N (each grab
 *                 first sleeps N ms: a wedged VM), stale_every=N (every
 *                 Nth release answers -ESTALE: the frame was overwritten
 *                 while in use, as a zero-copy capture reports it),
 *                 producer_hz=N (a producer draws a frame every 1/N s,
 *                 the first half a period before the first grab; grab
 *                 hands out the latest drawn frame not handed out yet,
 *                 waiting for the next one if there is none, as
 *                 capture.relay does, and records its age).
 *   capture.fake2 the same, a second capture backend to choose from, with
 *                 capture ops version 1 (ABI 1.1: no release).
 *   stream.fake   counts pushed frames and records pad feedback.  Option
 *                 fail=1: push fails.
 *   audio.fake    announces 48 kHz stereo s16le and pushes three chunks
 *                 from start (1024 frames, 512 at 44.1 kHz: refused, 512);
 *                 its mic_write takes at most 100 frames a call.
 *   input.fake    records events.  Options: fail=1 (send fails with -EIO),
 *                 no_pads=1 (a call with a pad event delivers nothing and
 *                 answers -EOPNOTSUPP; one with a key value over 1,
 *                 -EINVAL: as input.qmp does), fail_code=N (a call with an
 *                 event of code N answers -EIO).  Each call is counted.
 *                 Its host is left in the state for a test to send pad
 *                 feedback through; pad_stats answers from the state.
 *
 * The state is process-wide, for the test to read (pipeline-fake.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline-fake.h"

/* The first page is never mapped: a write there faults (not NULL, which a
 * sanitizer build would report and exit on before the fault). */
static volatile int *volatile fake_null = (volatile int *)16;
static PipelineFakeState own_state;
static PipelineFakeState *shared_state = &own_state;
#define state (*shared_state)

/* With PIPELINE_FAKE_STATE_ENV naming a file, the state lives in it, so
 * that a test reads what the backends did in a plugin worker process. */
__attribute__((constructor)) static void
fake_map_state(void)
{
    const char *path = getenv(PIPELINE_FAKE_STATE_ENV);
    void *map;
    int fd;

    if (!path || (fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
        return;
    map = mmap(NULL, sizeof(PipelineFakeState), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map != MAP_FAILED)
        shared_state = map;
}

GH_PLUGIN_EXPORT PipelineFakeState *pipeline_fake_state(void);
GH_PLUGIN_EXPORT PipelineFakeState *
pipeline_fake_state(void)
{
    return &state;
}

struct gh_instance {
    gh_host *host;
    const gh_host_services *svc;
    uint32_t kind;
    uint64_t frame;
    uint64_t fail_after;          /* 0: never */
    uint64_t crash_after;         /* 0: never */
    int screenshot;
    int eagain;
    int slow_ms;
    int fail;
    int no_pads;
    int fail_code;                /* 0: none */
    int stale_every;              /* 0: release always 0 */
    int producer_hz;              /* 0: a new frame on every grab */
    uint64_t epoch_ns, last_drawn; /* producer_hz: frame k drawn at epoch + k periods */
    int held;                     /* a grabbed frame not yet released */
    int no_release;               /* capture.fake2: ops version 1 */
    uint8_t pixels[PIPELINE_FAKE_WIDTH * PIPELINE_FAKE_HEIGHT * 4];
};

static int
option_int(gh_host *host, const gh_host_services *svc, const char *key)
{
    const char *v = svc->option(host, key);

    return v ? atoi(v) : 0;
}

/* Probe has no services table: options are read at create, and refuse is
 * answered by create too. */
static gh_instance *
fake_create(gh_host *host, const gh_host_services *svc, uint32_t kind)
{
    gh_instance *inst;

    if (option_int(host, svc, "refuse")) {
        svc->set_error(host, "refused by option");
        return NULL;
    }
    inst = calloc(1, sizeof(*inst));
    inst->host = host;
    inst->svc = svc;
    inst->kind = kind;
    inst->fail_after = (uint64_t)option_int(host, svc, "fail_after");
    inst->crash_after = (uint64_t)option_int(host, svc, "crash_after");
    inst->screenshot = option_int(host, svc, "screenshot");
    inst->eagain = option_int(host, svc, "eagain");
    inst->slow_ms = option_int(host, svc, "slow_ms");
    inst->fail = option_int(host, svc, "fail");
    inst->no_pads = option_int(host, svc, "no_pads");
    inst->fail_code = option_int(host, svc, "fail_code");
    inst->stale_every = option_int(host, svc, "stale_every");
    inst->producer_hz = option_int(host, svc, "producer_hz");
    if (kind == GH_BACKEND_CAPTURE)
        __atomic_add_fetch(&state.capture_instances, 1, __ATOMIC_SEQ_CST);
    else if (kind == GH_BACKEND_STREAM)
        __atomic_add_fetch(&state.stream_instances, 1, __ATOMIC_SEQ_CST);
    else if (kind == GH_BACKEND_AUDIO)
        __atomic_add_fetch(&state.audio_instances, 1, __ATOMIC_SEQ_CST);
    else
        __atomic_add_fetch(&state.input_instances, 1, __ATOMIC_SEQ_CST);
    return inst;
}

static gh_instance *
capture_create(gh_host *host, const gh_host_services *svc)
{
    return fake_create(host, svc, GH_BACKEND_CAPTURE);
}

static gh_instance *
capture_v1_create(gh_host *host, const gh_host_services *svc)
{
    gh_instance *inst = fake_create(host, svc, GH_BACKEND_CAPTURE);

    if (inst)
        inst->no_release = 1;
    return inst;
}

static gh_instance *
stream_create(gh_host *host, const gh_host_services *svc)
{
    return fake_create(host, svc, GH_BACKEND_STREAM);
}

static gh_instance *
input_create(gh_host *host, const gh_host_services *svc)
{
    gh_instance *inst = fake_create(host, svc, GH_BACKEND_INPUT);

    if (inst) {
        state.input_host = host;
        state.input_svc = svc;
        for (uint32_t pad = 0; pad <= GH_INPUT_MAX_PADS && svc->version >= 5; pad++) {
            const char *path = svc->pad_socket(host, pad);
            snprintf(state.pad_sockets[pad], sizeof state.pad_sockets[pad], "%s", path ? path : "(null)");
        }
    }
    return inst;
}

static void
fake_destroy(gh_instance *inst)
{
    if (inst->kind == GH_BACKEND_CAPTURE)
        __atomic_sub_fetch(&state.capture_instances, 1, __ATOMIC_SEQ_CST);
    else if (inst->kind == GH_BACKEND_STREAM)
        __atomic_sub_fetch(&state.stream_instances, 1, __ATOMIC_SEQ_CST);
    else if (inst->kind == GH_BACKEND_AUDIO)
        __atomic_sub_fetch(&state.audio_instances, 1, __ATOMIC_SEQ_CST);
    else
        __atomic_sub_fetch(&state.input_instances, 1, __ATOMIC_SEQ_CST);
    free(inst);
}

static int
capture_start(gh_instance *inst)
{
    __atomic_add_fetch(&state.capture_started, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static void
capture_stop(gh_instance *inst)
{
    __atomic_add_fetch(&state.capture_stopped, 1, __ATOMIC_SEQ_CST);
}

static int
capture_screenshot(gh_instance *inst)
{
    uint8_t *data = NULL;
    size_t len = 0;
    char *mime = NULL;
    int rc = inst->svc->screenshot(inst->host, &data, &len, &mime);

    if (rc < 0)
        return rc; /* the host's message stands */
    snprintf(state.last_mime, sizeof(state.last_mime), "%s", mime ? mime : "");
    __atomic_add_fetch(&state.screenshots, 1, __ATOMIC_SEQ_CST);
    free(data);
    free(mime);
    return 0;
}

/* producer_hz: waits for a drawn frame not handed out yet; 0, or -EAGAIN
 * when none comes within timeout_ms. */
static int
capture_wait_producer(gh_instance *inst, uint32_t timeout_ms)
{
    uint64_t period = 1000000000u / (uint64_t)inst->producer_hz, now = inst->svc->now_ns(inst->host);
    uint64_t k, due;

    if (!inst->epoch_ns) /* frame 1 drawn half a period ago */
        inst->epoch_ns = now - period - period / 2;
    k = (now - inst->epoch_ns) / period;
    if (k <= inst->last_drawn) {
        k = inst->last_drawn + 1;
        due = inst->epoch_ns + k * period;
        if (due - now > (uint64_t)timeout_ms * 1000000u) {
            usleep(timeout_ms * 1000u);
            return -EAGAIN;
        }
        usleep((useconds_t)((due - now) / 1000u));
        now = inst->svc->now_ns(inst->host);
    }
    inst->last_drawn = k;
    state.ages_us[state.n_ages++ % PIPELINE_FAKE_AGES] = (now - (inst->epoch_ns + k * period)) / 1000u;
    return 0;
}

static int
capture_grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    uint64_t n;
    int rc;

    state.grab_thread = (unsigned long)pthread_self();
    if (inst->slow_ms)
        usleep((useconds_t)inst->slow_ms * 1000);
    if (inst->eagain)
        return -EAGAIN;
    if (inst->producer_hz && (rc = capture_wait_producer(inst, timeout_ms)) < 0)
        return rc;
    if (inst->fail_after && inst->frame >= inst->fail_after) {
        inst->svc->set_error(inst->host, "fake capture broke");
        return -EIO;
    }
    if (inst->crash_after && inst->frame >= inst->crash_after)
        *fake_null = 1;
    if (inst->screenshot && (rc = capture_screenshot(inst)) < 0)
        return rc;
    n = ++inst->frame;
    for (uint32_t i = 0; i < PIPELINE_FAKE_WIDTH * PIPELINE_FAKE_HEIGHT; i++) {
        inst->pixels[i * 4 + 0] = (uint8_t)(i * 7);
        inst->pixels[i * 4 + 1] = (uint8_t)(i * 3);
        inst->pixels[i * 4 + 2] = (uint8_t)i;
        inst->pixels[i * 4 + 3] = 0xee; /* X: must not matter */
    }
    inst->pixels[0] = (uint8_t)n;
    inst->pixels[1] = (uint8_t)(n >> 8);
    inst->pixels[2] = (uint8_t)(n >> 16);
    frame->format = GH_FORMAT_BGRX8888;
    frame->width = PIPELINE_FAKE_WIDTH;
    frame->height = PIPELINE_FAKE_HEIGHT;
    frame->stride = PIPELINE_FAKE_WIDTH * 4;
    frame->frame_number = n;
    frame->timestamp_ns = inst->svc->now_ns(inst->host);
    frame->data = inst->pixels;
    if (inst->held)
        __atomic_add_fetch(&state.release_mismatches, 1, __ATOMIC_SEQ_CST); /* grabbed again, unreleased */
    inst->held = !inst->no_release;
    __atomic_add_fetch(&state.frames_grabbed, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int
capture_release(gh_instance *inst, const gh_frame *frame)
{
    uint64_t n = __atomic_add_fetch(&state.frames_released, 1, __ATOMIC_SEQ_CST);

    if (!inst->held || frame->data != inst->pixels)
        __atomic_add_fetch(&state.release_mismatches, 1, __ATOMIC_SEQ_CST);
    inst->held = 0;
    if (inst->stale_every && n % (uint64_t)inst->stale_every == 0) {
        __atomic_add_fetch(&state.releases_stale, 1, __ATOMIC_SEQ_CST);
        inst->svc->set_error(inst->host, "fake frame overwritten");
        return -ESTALE;
    }
    return 0;
}

static int
stream_push(gh_instance *inst, const gh_frame *frame)
{
    if (inst->fail) {
        inst->svc->set_error(inst->host, "fake stream broke");
        return -EPIPE;
    }
    state.push_thread = (unsigned long)pthread_self();
    state.last_pushed_number = frame->data[0] | (uint64_t)frame->data[1] << 8 | (uint64_t)frame->data[2] << 16;
    __atomic_add_fetch(&state.frames_pushed, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* What input.fake makes of one event: 0, or the error of the whole call. */
static int
input_refusal(gh_instance *inst, const gh_input_event *ev, char *why, size_t size)
{
    if (inst->no_pads && (ev->type == GH_INPUT_PAD_BUTTON || ev->type == GH_INPUT_PAD_AXIS)) {
        snprintf(why, size, "input.fake: pad code %u: no pads here", ev->code);
        return -EOPNOTSUPP;
    }
    if (inst->no_pads && ev->type == GH_INPUT_KEY && ev->value > 1) {
        snprintf(why, size, "input.fake: key value %d out of range", (int)ev->value);
        return -EINVAL;
    }
    if (inst->fail_code && ev->code == (uint32_t)inst->fail_code) {
        snprintf(why, size, "input.fake: code %u broke", ev->code);
        return -EIO;
    }
    return 0;
}

static int
input_send(gh_instance *inst, const gh_input_event *events, uint32_t n)
{
    char why[128];

    __atomic_add_fetch(&state.input_calls, 1, __ATOMIC_SEQ_CST);
    /* What a test queued for the guest to have done, reported now. */
    for (uint32_t i = 0; i < state.n_queued && i < PIPELINE_FAKE_MAX_FEEDBACK; i++) {
        state.queued[i].struct_size = sizeof state.queued[i];
        state.queued_rc[i] = inst->svc->pad_feedback(inst->host, &state.queued[i]);
    }
    state.n_queued = 0;
    if (inst->fail) {
        inst->svc->set_error(inst->host, "fake input broke");
        return -EIO;
    }
    for (uint32_t i = 0; i < n; i++) {
        int rc = input_refusal(inst, &events[i], why, sizeof why);
        if (rc < 0) {
            inst->svc->set_error(inst->host, why);
            return rc;
        }
    }
    for (uint32_t i = 0; i < n && state.n_events < PIPELINE_FAKE_MAX_EVENTS; i++)
        state.events[state.n_events++] = events[i];
    return 0;
}

static const gh_capture_ops capture_ops = {
    .struct_size = sizeof(gh_capture_ops),
    .version = GH_CAPTURE_OPS_VERSION,
    .grab = capture_grab,
    .start = capture_start,
    .stop = capture_stop,
    .release = capture_release,
};

/* As a plugin built against ABI 1.1 declares it: version 1, ending before
 * release.  Its grab's frames are its own copies. */
static const gh_capture_ops capture_ops_v1 = {
    .struct_size = offsetof(gh_capture_ops, release),
    .version = 1,
    .grab = capture_grab,
    .start = capture_start,
    .stop = capture_stop,
};

static int
stream_push_audio(gh_instance *inst, const gh_audio_chunk *chunk)
{
    state.audio_chunks++;
    state.audio_frames += chunk->n_frames;
    state.audio_last_ts = chunk->timestamp_ns;
    if (option_int(inst->host, inst->svc, "mic"))
        state.mic_rc = inst->svc->mic_push(inst->host, 1, chunk);
    return 0;
}

static void
stream_pad_feedback(gh_instance *inst, uint32_t peer, const gh_pad_feedback *fb)
{
    if (state.n_feedback >= PIPELINE_FAKE_MAX_FEEDBACK)
        return;
    state.feedback_peers[state.n_feedback] = peer;
    state.feedback[state.n_feedback++] = *fb;
}

static const gh_stream_ops stream_ops = {
    .struct_size = sizeof(gh_stream_ops),
    .version = GH_STREAM_OPS_VERSION,
    .push_frame = stream_push,
    .push_audio = stream_push_audio,
    .pad_feedback = stream_pad_feedback,
};

static gh_instance *
audio_create(gh_host *host, const gh_host_services *svc)
{
    return fake_create(host, svc, GH_BACKEND_AUDIO);
}

static int
audio_format(gh_instance *inst, uint32_t *format, uint32_t *rate, uint32_t *channels)
{
    *format = GH_AUDIO_S16LE;
    *rate = 48000;
    *channels = 2;
    return 0;
}

static int
audio_start(gh_instance *inst)
{
    static int16_t pcm[1024 * 2];
    static const uint32_t frames[3] = { 1024, 512, 512 }, rates[3] = { 48000, 44100, 48000 };

    for (int i = 0; i < 3; i++) {
        gh_audio_chunk c = { .struct_size = sizeof c, .format = GH_AUDIO_S16LE, .rate = rates[i], .channels = 2,
                             .n_frames = frames[i], .timestamp_ns = 1000u * (uint64_t)(i + 1), .data = (const uint8_t *)pcm };
        state.audio_push_rc[i] = inst->svc->audio_push(inst->host, &c);
    }
    return 0;
}

static int
audio_mic_write(gh_instance *inst, const gh_audio_chunk *chunk)
{
    uint32_t taken = chunk->n_frames < 100 ? chunk->n_frames : 100;

    state.mic_frames += taken;
    return (int)taken;
}

static const gh_audio_ops audio_ops = {
    .struct_size = sizeof(gh_audio_ops),
    .version = GH_AUDIO_OPS_VERSION,
    .format = audio_format,
    .start = audio_start,
    .mic_write = audio_mic_write,
};

static int
input_pad_stats(gh_instance *inst, uint32_t pad, gh_pad_stats *stats)
{
    if (pad >= GH_INPUT_MAX_PADS || state.pad_stats[pad].reports == 0)
        return -ENOENT;
    *stats = state.pad_stats[pad];
    return 0;
}

static const gh_input_ops input_ops = {
    .struct_size = sizeof(gh_input_ops),
    .version = GH_INPUT_OPS_VERSION,
    .send = input_send,
    .pad_stats = input_pad_stats,
};

static const gh_backend_factory capture_fake = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = "capture.fake",
    .description = "test frames",
    .create = capture_create,
    .destroy = fake_destroy,
    .capture = &capture_ops,
};

static const gh_backend_factory capture_fake2 = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = "capture.fake2",
    .description = "test frames, second choice",
    .create = capture_v1_create,
    .destroy = fake_destroy,
    .capture = &capture_ops_v1,
};

static const gh_backend_factory stream_fake = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_STREAM,
    .name = "stream.fake",
    .description = "counts frames",
    .create = stream_create,
    .destroy = fake_destroy,
    .stream = &stream_ops,
};

static const gh_backend_factory input_fake = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_INPUT,
    .name = "input.fake",
    .description = "records events",
    .create = input_create,
    .destroy = fake_destroy,
    .input = &input_ops,
};

static const gh_backend_factory audio_fake = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_AUDIO,
    .name = "audio.fake",
    .description = "three chunks of silence",
    .create = audio_create,
    .destroy = fake_destroy,
    .audio = &audio_ops,
};

static const gh_backend_factory *const factories[] = { &capture_fake, &capture_fake2, &stream_fake, &input_fake,
                                                       &audio_fake };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 5,
    .name = "pipeline-fake",
    .version = "1",
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
