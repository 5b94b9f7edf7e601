/* pipeline-fake: what the fake backends of tests/plugins/pipeline-fake.c
 * record, read by the pipeline and session suites through the exported
 * pipeline_fake_state() (dlsym on the loaded plugin). */
#pragma once

#include <stdint.h>
#include <gamehost/plugin.h>

#define PIPELINE_FAKE_WIDTH      64u
#define PIPELINE_FAKE_HEIGHT     48u
#define PIPELINE_FAKE_MAX_EVENTS 256u
#define PIPELINE_FAKE_AGES       256u
#define PIPELINE_FAKE_MAX_FEEDBACK 16u

typedef struct {
    int capture_instances, stream_instances, input_instances;  /* live */
    int capture_started, capture_stopped;
    uint64_t frames_grabbed;
    uint64_t frames_released;       /* release calls (capture.fake; capture.fake2 has none) */
    uint64_t releases_stale;        /* of which answered -ESTALE */
    uint64_t release_mismatches;    /* releases not of the last frame grabbed, or not once per grab */
    uint64_t frames_pushed;
    uint64_t last_pushed_number;    /* the number encoded in the pushed frame's first pixel */
    unsigned long grab_thread;      /* pthread_self() of the last grab */
    unsigned long push_thread;
    uint32_t n_events;
    gh_input_event events[PIPELINE_FAKE_MAX_EVENTS];
    uint32_t input_calls;           /* input.fake's send calls */
    uint32_t screenshots;           /* grabs that went through host->screenshot */
    uint64_t ages_us[PIPELINE_FAKE_AGES]; /* producer_hz: each frame's age when handed out, a ring */
    uint64_t n_ages;
    char last_mime[64];
    /* Sound (ABI 1.3): audio.fake pushes three chunks at start, the middle
     * one at 44.1 kHz against its announced 48 kHz; stream.fake counts what
     * reaches push_audio and, with option mic=1, speaks each chunk back as
     * peer 1's microphone. */
    int audio_instances;
    int audio_push_rc[3];
    uint32_t audio_chunks, audio_frames;
    uint64_t audio_last_ts;
    int mic_rc;
    uint32_t mic_frames;            /* taken by audio.fake's mic_write (at most 100 a call) */
    /* Pads (ABI 1.4): the last input.fake instance's host and services, for
     * a test to call pad_socket and pad_feedback as the backend would (main
     * thread, while it lives); its pad_stats answers pad_stats[pad] for
     * the pads with a non-zero reports count, -ENOENT for the others.
     * stream.fake records each pad_feedback it gets. */
    gh_host *input_host;
    const gh_host_services *input_svc;
    gh_pad_stats pad_stats[GH_INPUT_MAX_PADS];
    uint32_t n_feedback;
    uint32_t feedback_peers[PIPELINE_FAKE_MAX_FEEDBACK];
    gh_pad_feedback feedback[PIPELINE_FAKE_MAX_FEEDBACK];
    /* input.fake reports these (pad_feedback) at its next send, for a
     * test whose backends run in a worker; and records what pad_socket
     * answered at create for pads 0..GH_INPUT_MAX_PADS. */
    uint32_t n_queued;
    gh_pad_feedback queued[PIPELINE_FAKE_MAX_FEEDBACK];
    int queued_rc[PIPELINE_FAKE_MAX_FEEDBACK];
    char pad_sockets[GH_INPUT_MAX_PADS + 1][256];
} PipelineFakeState;

/* A file of sizeof(PipelineFakeState) zero bytes: the state is kept there
 * (mapped shared) when this names it as the plugin loads. */
#define PIPELINE_FAKE_STATE_ENV "GH_TEST_FAKE_STATE"

typedef PipelineFakeState *(*PipelineFakeStateFn)(void);
#define PIPELINE_FAKE_STATE_SYMBOL "pipeline_fake_state"
