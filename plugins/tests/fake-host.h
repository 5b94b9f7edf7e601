/* fake-host: the host side of the plugin ABI for the backends' unit suites
 * that link their plugin in (stream-record, stream-webrtc, input-qmp's
 * latency log): a services table that reads options and a fresh session
 * dir from a gh_host, and leaves there what the plugin said and sent for
 * the test to assert.  The main loop's sources are recorded, and run when
 * the test says.  Temporary dirs and the runner are tests/unit/testutil.h's. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <gamehost/plugin.h>

/* Defined by GH_PLUGIN_DEFINE in the plugin linked into the suite. */
const gh_plugin *gamehost_plugin_query(void);

/* Opaque to the plugin; the suites read and set it directly. */
struct gh_host {
    char *dir;                   /* the session dir, a fresh temporary one */
    GHashTable *options;         /* key -> value, neither owned */
    uint32_t refresh_hz;         /* display_size's refresh rate: 60 */
    char error[512];             /* the last set_error */
    GAsyncQueue *sent;           /* "peer:message" strings from signal_send, any thread */
    GAsyncQueue *closed;         /* "peer:reason" from peer_close */
    gint inputs;                 /* peer_input calls, any thread */
    /* Sound: audio_format answers these, or -ENODEV (no sound) while
     * audio_rate is 0, the default; mic_push answers mic_rc (0: every
     * frame taken) and counts its calls. */
    uint32_t audio_format, audio_rate, audio_channels;
    int mic_rc;
    gint mic_pushes;
    /* now_ns answers this while it is not 0, else the monotonic clock. */
    uint64_t now_ns;
    /* qmp_command answers a copy of qmp_reply (-ENOTSUP while NULL) and
     * counts its calls. */
    const char *qmp_reply;
    int qmp_commands;
    /* pad_socket's answers, NULL by default; not owned. */
    const char *pad_socket[GH_INPUT_MAX_PADS];
    /* add_fd and add_timer: of FakeSource, id = index + 1. */
    GArray *sources;
};

/* A main-loop source a plugin added; fd < 0 for a timer.  Removed: fn NULL. */
typedef struct {
    int fd;
    uint32_t events;
    gh_fd_fn fd_fn;
    gh_timer_fn timer_fn;
    void *data;
} FakeSource;

/* Every service of GH_HOST_SERVICES_VERSION that a stream backend uses, on
 * the gh_host it is handed; log is silent unless GH_TEST_VERBOSE is set. */
extern const gh_host_services fake_host_services;

/* A host with an empty session dir under the temporary directory, and no
 * sound. */
gh_host *fake_host_new(void);
/* The same, with sound: S16LE at rate with channels. */
gh_host *fake_host_new_with_sound(uint32_t rate, uint32_t channels);
/* Removes the session dir and what the plugin left in it; frees host. */
void fake_host_free(gh_host *host);

/* The one factory of the plugin linked into the suite. */
const gh_backend_factory *fake_host_factory(void);
/* An instance of that factory on host, with option key=value set first
 * (none when key is NULL); NULL with host->error when it refused. */
gh_instance *fake_host_create(gh_host *host, const char *key, const char *value);
/* Asserts that option key=value makes create fail with exactly message. */
void fake_host_assert_refused(const char *key, const char *value, const char *message);
/* Calls, once, each fd source whose fd is ready for what it waits for
 * (without waiting) and, when timers is set, each timer; a callback that
 * answers 0 is removed.  Returns the number of callbacks run. */
int fake_host_dispatch(gh_host *host, int timers);

/* Asserts that an older host, whose services table of that version ends at
 * struct_size, makes create fail with exactly message. */
void fake_host_assert_old_host_refused(size_t struct_size, uint32_t version, const char *message);
