/* fake-host: see fake-host.h. */
#include "fake-host.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* For sanitizer builds.  GLib drops its first quark table, allocated by its
 * library constructor, when GStreamer's elements push the count of quarks
 * past 2048 (on purpose, for lock-free lookups); LeakSanitizer reports that
 * one block.  Only a full unwind (GLib has no frame pointers) shows that it
 * comes from _dl_init, and only that is suppressed.  Exported: the
 * sanitizer runtime looks the hooks up by name (the suites are built with
 * -fvisibility=hidden). */
GH_PLUGIN_EXPORT const char *__asan_default_options(void);
GH_PLUGIN_EXPORT const char *
__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

GH_PLUGIN_EXPORT const char *__lsan_default_suppressions(void);
GH_PLUGIN_EXPORT const char *
__lsan_default_suppressions(void)
{
    return "leak:_dl_init\n";
}

static void
fake_log(gh_host *host, uint32_t level, const char *msg)
{
    (void)host;
    if (g_getenv("GH_TEST_VERBOSE"))
        fprintf(stderr, "log %u: %s\n", level, msg);
}

static uint64_t
fake_now_ns(gh_host *host)
{
    return host->now_ns ? host->now_ns : (uint64_t)g_get_monotonic_time() * 1000u;
}

static void
fake_set_error(gh_host *host, const char *msg)
{
    snprintf(host->error, sizeof(host->error), "%s", msg ? msg : "");
}

static const char *
fake_option(gh_host *host, const char *key)
{
    return g_hash_table_lookup(host->options, key);
}

static void
fake_display_size(gh_host *host, uint32_t *width, uint32_t *height, uint32_t *refresh_hz)
{
    *width = 640;
    *height = 480;
    *refresh_hz = host->refresh_hz;
}

static const char *
fake_session_dir(gh_host *host)
{
    return host->dir;
}

static int
fake_signal_send(gh_host *host, uint32_t peer, const char *message)
{
    g_async_queue_push(host->sent, g_strdup_printf("%u:%s", peer, message));
    return 0;
}

static int
fake_peer_input(gh_host *host, uint32_t peer, const char *json, size_t len)
{
    (void)peer;
    (void)json;
    (void)len;
    g_atomic_int_inc(&host->inputs);
    return 1;
}

static void
fake_peer_close(gh_host *host, uint32_t peer, const char *reason)
{
    g_async_queue_push(host->closed, g_strdup_printf("%u:%s", peer, reason));
}

static int
fake_audio_format(gh_host *host, uint32_t *format, uint32_t *rate, uint32_t *channels)
{
    if (host->audio_rate == 0)
        return -ENODEV;
    *format = host->audio_format;
    *rate = host->audio_rate;
    *channels = host->audio_channels;
    return 0;
}

static int
fake_mic_push(gh_host *host, uint32_t peer, const gh_audio_chunk *chunk)
{
    (void)peer;
    g_atomic_int_inc(&host->mic_pushes);
    return host->mic_rc < 0 ? host->mic_rc : (int)chunk->n_frames;
}

static int
fake_qmp_command(gh_host *host, const char *command, char **reply)
{
    (void)command;
    if (!host->qmp_reply)
        return -ENOTSUP;
    host->qmp_commands++;
    *reply = strdup(host->qmp_reply);
    return 0;
}

static const char *
fake_pad_socket(gh_host *host, uint32_t pad)
{
    return pad < GH_INPUT_MAX_PADS ? host->pad_socket[pad] : NULL;
}

static uint32_t
fake_add_source(gh_host *host, FakeSource source)
{
    g_array_append_val(host->sources, source);
    return host->sources->len;
}

static uint32_t
fake_add_fd(gh_host *host, int fd, uint32_t events, gh_fd_fn fn, void *data)
{
    return fake_add_source(host, (FakeSource){ .fd = fd, .events = events, .fd_fn = fn, .data = data });
}

static uint32_t
fake_add_timer(gh_host *host, uint32_t interval_ms, gh_timer_fn fn, void *data)
{
    (void)interval_ms;
    return fake_add_source(host, (FakeSource){ .fd = -1, .timer_fn = fn, .data = data });
}

static void
fake_remove_source(gh_host *host, uint32_t id)
{
    ck_assert_uint_ge(id, 1);
    ck_assert_uint_le(id, host->sources->len);
    g_array_index(host->sources, FakeSource, id - 1) = (FakeSource){ .fd = -1 };
}

const gh_host_services fake_host_services = {
    .struct_size = sizeof(gh_host_services),
    .version = GH_HOST_SERVICES_VERSION,
    .log = fake_log,
    .now_ns = fake_now_ns,
    .set_error = fake_set_error,
    .option = fake_option,
    .display_size = fake_display_size,
    .session_dir = fake_session_dir,
    .signal_send = fake_signal_send,
    .peer_input = fake_peer_input,
    .peer_close = fake_peer_close,
    .audio_format = fake_audio_format,
    .mic_push = fake_mic_push,
    .qmp_command = fake_qmp_command,
    .pad_socket = fake_pad_socket,
    .add_fd = fake_add_fd,
    .add_timer = fake_add_timer,
    .remove_source = fake_remove_source,
};

gh_host *
fake_host_new(void)
{
    gh_host *host = g_new0(gh_host, 1);

    host->dir = gh_test_make_tmpdir("gamehost-plugin-test");
    host->options = g_hash_table_new(g_str_hash, g_str_equal);
    host->refresh_hz = 60;
    host->sent = g_async_queue_new_full(g_free);
    host->closed = g_async_queue_new_full(g_free);
    host->sources = g_array_new(FALSE, TRUE, sizeof(FakeSource));
    return host;
}

gh_host *
fake_host_new_with_sound(uint32_t rate, uint32_t channels)
{
    gh_host *host = fake_host_new();

    host->audio_format = GH_AUDIO_S16LE;
    host->audio_rate = rate;
    host->audio_channels = channels;
    return host;
}

void
fake_host_free(gh_host *host)
{
    gh_test_rm_rf(host->dir);
    g_free(host->dir);
    g_hash_table_unref(host->options);
    g_async_queue_unref(host->sent);
    g_async_queue_unref(host->closed);
    g_array_unref(host->sources);
    g_free(host);
}

const gh_backend_factory *
fake_host_factory(void)
{
    const gh_plugin *plugin = gamehost_plugin_query();

    ck_assert_uint_eq(plugin->n_factories, 1);
    return plugin->factories[0];
}

gh_instance *
fake_host_create(gh_host *host, const char *key, const char *value)
{
    if (key)
        g_hash_table_insert(host->options, (gpointer)key, (gpointer)value);
    return fake_host_factory()->create(host, &fake_host_services);
}

void
fake_host_assert_refused(const char *key, const char *value, const char *message)
{
    gh_host *host = fake_host_new();

    ck_assert_ptr_null(fake_host_create(host, key, value));
    ck_assert_msg(strcmp(host->error, message) == 0, "%s=%s: got '%s', want '%s'", key, value, host->error, message);
    fake_host_free(host);
}

int
fake_host_dispatch(gh_host *host, int timers)
{
    int ran = 0;

    /* By index: a callback may add sources (the array may move). */
    for (guint i = 0; i < host->sources->len; i++) {
        FakeSource src = g_array_index(host->sources, FakeSource, i);
        int keep;

        if (src.fd_fn) {
            struct pollfd pfd = { src.fd, (short)((src.events & GH_FD_IN ? POLLIN : 0) |
                                                  (src.events & GH_FD_OUT ? POLLOUT : 0)), 0 };
            if (poll(&pfd, 1, 0) != 1)
                continue;
            keep = src.fd_fn(src.fd, src.events, src.data);
        } else if (src.timer_fn && timers) {
            keep = src.timer_fn(src.data);
        } else {
            continue;
        }
        ran++;
        /* The callback may have removed it itself (then it is cleared). */
        if (!keep)
            g_array_index(host->sources, FakeSource, i) = (FakeSource){ .fd = -1 };
    }
    return ran;
}

void
fake_host_assert_old_host_refused(size_t struct_size, uint32_t version, const char *message)
{
    gh_host_services old = fake_host_services;
    gh_host *host = fake_host_new();

    old.struct_size = (uint32_t)struct_size;
    old.version = version;
    ck_assert_ptr_null(fake_host_factory()->create(host, &old));
    ck_assert_msg(strcmp(host->error, message) == 0, "host version %u: got '%s', want '%s'", version, host->error,
                  message);
    fake_host_free(host);
}
