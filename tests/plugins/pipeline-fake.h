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
} PipelineFakeState;

typedef PipelineFakeState *(*PipelineFakeStateFn)(void);
#define PIPELINE_FAKE_STATE_SYMBOL "pipeline_fake_state"
