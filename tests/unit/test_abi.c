/* SPDX-License-Identifier: MIT */
/* Specification of the plugin SDK's binary interface on x86_64 (LP64): the
 * size and every member offset of each struct in plugin.h, input.h and
 * relay.h as literal numbers, where each ABI minor's members end, and the
 * values of the constants that cross it; then plugin-util.h's helpers.  A
 * member inserted in the middle, or a struct grown anywhere but at the end,
 * fails here rather than in every plugin built against an older header.
 * Needs only the SDK and Check: it is what an out-of-tree plugin sees. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gamehost/plugin-util.h>
#include <gamehost/relay.h>

#if !defined(__x86_64__) || !defined(__LP64__)
#error "these numbers are the x86_64 (LP64) layout"
#endif

#define OFF(type, member) offsetof(type, member)
#define END(type, member) GH_STRUCT_END(type, member)

/* ---- struct layouts -------------------------------------------------------------- */

START_TEST(test_gh_rect_layout)
{
    ck_assert_uint_eq(sizeof(gh_rect), 16U);
    ck_assert_uint_eq(OFF(gh_rect, x), 0U);
    ck_assert_uint_eq(OFF(gh_rect, y), 4U);
    ck_assert_uint_eq(OFF(gh_rect, width), 8U);
    ck_assert_uint_eq(OFF(gh_rect, height), 12U);
}
END_TEST

START_TEST(test_gh_frame_layout)
{
    ck_assert_uint_eq(sizeof(gh_frame), 64U);
    ck_assert_uint_eq(OFF(gh_frame, struct_size), 0U);
    ck_assert_uint_eq(OFF(gh_frame, format), 4U);
    ck_assert_uint_eq(OFF(gh_frame, width), 8U);
    ck_assert_uint_eq(OFF(gh_frame, height), 12U);
    ck_assert_uint_eq(OFF(gh_frame, stride), 16U);
    ck_assert_uint_eq(OFF(gh_frame, n_damage), 20U);
    ck_assert_uint_eq(OFF(gh_frame, timestamp_ns), 24U);
    ck_assert_uint_eq(OFF(gh_frame, frame_number), 32U);
    ck_assert_uint_eq(OFF(gh_frame, data), 40U);
    ck_assert_uint_eq(OFF(gh_frame, damage), 48U);
    ck_assert_uint_eq(OFF(gh_frame, input_events), 56U);
}
END_TEST

START_TEST(test_gh_input_event_layout)
{
    ck_assert_uint_eq(sizeof(gh_input_event), 32U);
    ck_assert_uint_eq(OFF(gh_input_event, type), 0U);
    ck_assert_uint_eq(OFF(gh_input_event, code), 4U);
    ck_assert_uint_eq(OFF(gh_input_event, value), 8U);
    ck_assert_uint_eq(OFF(gh_input_event, device), 12U);
    ck_assert_uint_eq(OFF(gh_input_event, x), 16U);
    ck_assert_uint_eq(OFF(gh_input_event, y), 20U);
    ck_assert_uint_eq(OFF(gh_input_event, timestamp_ns), 24U);
}
END_TEST

START_TEST(test_gh_host_services_layout)
{
    ck_assert_uint_eq(sizeof(gh_host_services), 216U);
    ck_assert_uint_eq(OFF(gh_host_services, struct_size), 0U);
    ck_assert_uint_eq(OFF(gh_host_services, version), 4U);
    ck_assert_uint_eq(OFF(gh_host_services, log), 8U);
    ck_assert_uint_eq(OFF(gh_host_services, now_ns), 16U);
    ck_assert_uint_eq(OFF(gh_host_services, set_error), 24U);
    ck_assert_uint_eq(OFF(gh_host_services, session_id), 32U);
    ck_assert_uint_eq(OFF(gh_host_services, image_id), 40U);
    ck_assert_uint_eq(OFF(gh_host_services, option), 48U);
    ck_assert_uint_eq(OFF(gh_host_services, display_size), 56U);
    ck_assert_uint_eq(OFF(gh_host_services, add_timer), 64U);
    ck_assert_uint_eq(OFF(gh_host_services, add_fd), 72U);
    ck_assert_uint_eq(OFF(gh_host_services, remove_source), 80U);
    ck_assert_uint_eq(OFF(gh_host_services, screenshot), 88U);
    ck_assert_uint_eq(OFF(gh_host_services, send_keys), 96U);
    ck_assert_uint_eq(OFF(gh_host_services, qmp_command), 104U);
    ck_assert_uint_eq(OFF(gh_host_services, vnc_socket), 112U);
    ck_assert_uint_eq(OFF(gh_host_services, relay_path), 120U);
    ck_assert_uint_eq(OFF(gh_host_services, submit_input), 128U);
    ck_assert_uint_eq(OFF(gh_host_services, session_dir), 136U);
    ck_assert_uint_eq(OFF(gh_host_services, signal_send), 144U);
    ck_assert_uint_eq(OFF(gh_host_services, peer_input), 152U);
    ck_assert_uint_eq(OFF(gh_host_services, peer_close), 160U);
    ck_assert_uint_eq(OFF(gh_host_services, dbus_socket), 168U);
    ck_assert_uint_eq(OFF(gh_host_services, audio_format), 176U);
    ck_assert_uint_eq(OFF(gh_host_services, audio_push), 184U);
    ck_assert_uint_eq(OFF(gh_host_services, mic_push), 192U);
    ck_assert_uint_eq(OFF(gh_host_services, pad_socket), 200U);
    ck_assert_uint_eq(OFF(gh_host_services, pad_feedback), 208U);
}
END_TEST

START_TEST(test_gh_capture_ops_layout)
{
    ck_assert_uint_eq(sizeof(gh_capture_ops), 40U);
    ck_assert_uint_eq(OFF(gh_capture_ops, struct_size), 0U);
    ck_assert_uint_eq(OFF(gh_capture_ops, version), 4U);
    ck_assert_uint_eq(OFF(gh_capture_ops, grab), 8U);
    ck_assert_uint_eq(OFF(gh_capture_ops, start), 16U);
    ck_assert_uint_eq(OFF(gh_capture_ops, stop), 24U);
    ck_assert_uint_eq(OFF(gh_capture_ops, release), 32U);
}
END_TEST

START_TEST(test_gh_stream_ops_layout)
{
    ck_assert_uint_eq(sizeof(gh_stream_ops), 64U);
    ck_assert_uint_eq(OFF(gh_stream_ops, struct_size), 0U);
    ck_assert_uint_eq(OFF(gh_stream_ops, version), 4U);
    ck_assert_uint_eq(OFF(gh_stream_ops, push_frame), 8U);
    ck_assert_uint_eq(OFF(gh_stream_ops, request_keyframe), 16U);
    ck_assert_uint_eq(OFF(gh_stream_ops, peer_open), 24U);
    ck_assert_uint_eq(OFF(gh_stream_ops, peer_message), 32U);
    ck_assert_uint_eq(OFF(gh_stream_ops, peer_close), 40U);
    ck_assert_uint_eq(OFF(gh_stream_ops, push_audio), 48U);
    ck_assert_uint_eq(OFF(gh_stream_ops, pad_feedback), 56U);
}
END_TEST

START_TEST(test_gh_audio_ops_layout)
{
    ck_assert_uint_eq(sizeof(gh_audio_ops), 48U);
    ck_assert_uint_eq(OFF(gh_audio_ops, format), 8U);
    ck_assert_uint_eq(OFF(gh_audio_ops, start), 16U);
    ck_assert_uint_eq(OFF(gh_audio_ops, stop), 24U);
    ck_assert_uint_eq(OFF(gh_audio_ops, mic_write), 32U);
    ck_assert_uint_eq(OFF(gh_audio_ops, stats), 40U);
}
END_TEST

START_TEST(test_gh_input_ops_layout)
{
    ck_assert_uint_eq(sizeof(gh_input_ops), 24U);
    ck_assert_uint_eq(OFF(gh_input_ops, struct_size), 0U);
    ck_assert_uint_eq(OFF(gh_input_ops, version), 4U);
    ck_assert_uint_eq(OFF(gh_input_ops, send), 8U);
    ck_assert_uint_eq(OFF(gh_input_ops, pad_stats), 16U);
}
END_TEST

START_TEST(test_gh_pad_feedback_layout)
{
    ck_assert_uint_eq(sizeof(gh_pad_feedback), 32U);
    ck_assert_uint_eq(OFF(gh_pad_feedback, struct_size), 0U);
    ck_assert_uint_eq(OFF(gh_pad_feedback, kind), 4U);
    ck_assert_uint_eq(OFF(gh_pad_feedback, pad), 8U);
    ck_assert_uint_eq(OFF(gh_pad_feedback, strong), 12U);
    ck_assert_uint_eq(OFF(gh_pad_feedback, weak), 16U);
    ck_assert_uint_eq(OFF(gh_pad_feedback, led), 20U);
    ck_assert_uint_eq(OFF(gh_pad_feedback, timestamp_ns), 24U);
}
END_TEST

START_TEST(test_gh_pad_stats_layout)
{
    ck_assert_uint_eq(sizeof(gh_pad_stats), 48U);
    ck_assert_uint_eq(OFF(gh_pad_stats, struct_size), 0U);
    ck_assert_uint_eq(OFF(gh_pad_stats, attached), 4U);
    ck_assert_uint_eq(OFF(gh_pad_stats, reports), 8U);
    ck_assert_uint_eq(OFF(gh_pad_stats, coalesced), 16U);
    ck_assert_uint_eq(OFF(gh_pad_stats, dropped), 24U);
    ck_assert_uint_eq(OFF(gh_pad_stats, out_reports), 32U);
    ck_assert_uint_eq(OFF(gh_pad_stats, out_malformed), 40U);
}
END_TEST

START_TEST(test_gh_backend_factory_layout)
{
    ck_assert_uint_eq(sizeof(gh_backend_factory), 80U);
    ck_assert_uint_eq(OFF(gh_backend_factory, struct_size), 0U);
    ck_assert_uint_eq(OFF(gh_backend_factory, kind), 4U);
    ck_assert_uint_eq(OFF(gh_backend_factory, name), 8U);
    ck_assert_uint_eq(OFF(gh_backend_factory, description), 16U);
    ck_assert_uint_eq(OFF(gh_backend_factory, probe), 24U);
    ck_assert_uint_eq(OFF(gh_backend_factory, create), 32U);
    ck_assert_uint_eq(OFF(gh_backend_factory, destroy), 40U);
    ck_assert_uint_eq(OFF(gh_backend_factory, capture), 48U);
    ck_assert_uint_eq(OFF(gh_backend_factory, stream), 56U);
    ck_assert_uint_eq(OFF(gh_backend_factory, input), 64U);
}
END_TEST

START_TEST(test_gh_plugin_layout)
{
    ck_assert_uint_eq(sizeof(gh_plugin), 48U);
    ck_assert_uint_eq(OFF(gh_plugin, struct_size), 0U);
    ck_assert_uint_eq(OFF(gh_plugin, abi_major), 4U);
    ck_assert_uint_eq(OFF(gh_plugin, abi_minor), 8U);
    ck_assert_uint_eq(OFF(gh_plugin, n_factories), 12U);
    ck_assert_uint_eq(OFF(gh_plugin, name), 16U);
    ck_assert_uint_eq(OFF(gh_plugin, version), 24U);
    ck_assert_uint_eq(OFF(gh_plugin, license), 32U);
    ck_assert_uint_eq(OFF(gh_plugin, factories), 40U);
}
END_TEST

START_TEST(test_gh_relay_header_layout)
{
    ck_assert_uint_eq(sizeof(gh_relay_header), 128U);
    ck_assert_uint_eq(OFF(gh_relay_header, magic), 0U);
    ck_assert_uint_eq(OFF(gh_relay_header, version), 8U);
    ck_assert_uint_eq(OFF(gh_relay_header, header_size), 12U);
    ck_assert_uint_eq(OFF(gh_relay_header, region_size), 16U);
    ck_assert_uint_eq(OFF(gh_relay_header, slots_offset), 24U);
    ck_assert_uint_eq(OFF(gh_relay_header, slot_count), 32U);
    ck_assert_uint_eq(OFF(gh_relay_header, slot_size), 36U);
    ck_assert_uint_eq(OFF(gh_relay_header, max_width), 40U);
    ck_assert_uint_eq(OFF(gh_relay_header, max_height), 44U);
    ck_assert_uint_eq(OFF(gh_relay_header, reserved0), 48U);
    ck_assert_uint_eq(OFF(gh_relay_header, heartbeat_count), 64U);
    ck_assert_uint_eq(OFF(gh_relay_header, heartbeat_ns), 72U);
    ck_assert_uint_eq(OFF(gh_relay_header, frames_written), 80U);
    ck_assert_uint_eq(OFF(gh_relay_header, latest_slot), 88U);
    ck_assert_uint_eq(OFF(gh_relay_header, reserved1), 92U);
    ck_assert_uint_eq(OFF(gh_relay_header, reserved2), 96U);
}
END_TEST

START_TEST(test_gh_relay_slot_layout)
{
    ck_assert_uint_eq(sizeof(gh_relay_slot), 64U);
    ck_assert_uint_eq(OFF(gh_relay_slot, seq), 0U);
    ck_assert_uint_eq(OFF(gh_relay_slot, width), 8U);
    ck_assert_uint_eq(OFF(gh_relay_slot, height), 12U);
    ck_assert_uint_eq(OFF(gh_relay_slot, stride), 16U);
    ck_assert_uint_eq(OFF(gh_relay_slot, format), 20U);
    ck_assert_uint_eq(OFF(gh_relay_slot, frame_number), 24U);
    ck_assert_uint_eq(OFF(gh_relay_slot, timestamp_ns), 32U);
    ck_assert_uint_eq(OFF(gh_relay_slot, input_events), 40U);
    ck_assert_uint_eq(OFF(gh_relay_slot, reserved), 48U);
}
END_TEST

/* ---- where each minor ends ----------------------------------------------------------- */

/* A plugin or host of minor N declares struct_size up to the end of N's
 * last member; the other side reads no further.  So these ends never move. */
START_TEST(test_abi_1_0_members_end_where_they_did)
{
    ck_assert_uint_eq(END(gh_frame, damage), 56U);
    ck_assert_uint_eq(END(gh_host_services, submit_input), 136U);
    ck_assert_uint_eq(END(gh_capture_ops, stop), 32U);
    ck_assert_uint_eq(END(gh_stream_ops, request_keyframe), 24U);
    ck_assert_uint_eq(END(gh_input_ops, send), 16U);
    ck_assert_uint_eq(END(gh_backend_factory, input), 72U);
    ck_assert_uint_eq(END(gh_plugin, factories), 48U);
}
END_TEST

START_TEST(test_abi_1_1_members_end_where_they_did)
{
    ck_assert_uint_eq(END(gh_frame, input_events), 64U);
    ck_assert_uint_eq(END(gh_host_services, session_dir), 144U);
}
END_TEST

START_TEST(test_abi_1_2_members_end_where_they_did)
{
    ck_assert_uint_eq(END(gh_host_services, peer_close), 168U);
    ck_assert_uint_eq(END(gh_capture_ops, release), 40U);
    ck_assert_uint_eq(END(gh_stream_ops, peer_close), 48U);
    ck_assert_uint_eq(END(gh_backend_factory, input), 72U);
}
END_TEST

START_TEST(test_abi_1_3_members_end_where_they_did)
{
    ck_assert_uint_eq(END(gh_host_services, mic_push), 200U);
    ck_assert_uint_eq(END(gh_stream_ops, push_audio), 56U);
    ck_assert_uint_eq(END(gh_backend_factory, audio), 80U);
    ck_assert_uint_eq(END(gh_audio_ops, stats), 48U);
    ck_assert_uint_eq(END(gh_audio_chunk, data), 40U);
    ck_assert_uint_eq(END(gh_audio_stats, dropped), 48U);
}
END_TEST

START_TEST(test_abi_1_4_members_end_the_structs)
{
    ck_assert_uint_eq(END(gh_host_services, pad_feedback), sizeof(gh_host_services));
    ck_assert_uint_eq(END(gh_stream_ops, pad_feedback), sizeof(gh_stream_ops));
    ck_assert_uint_eq(END(gh_input_ops, pad_stats), sizeof(gh_input_ops));
    ck_assert_uint_eq(END(gh_pad_feedback, timestamp_ns), sizeof(gh_pad_feedback));
    ck_assert_uint_eq(END(gh_pad_stats, out_malformed), sizeof(gh_pad_stats));
    ck_assert_uint_eq(END(gh_host_services, pad_feedback), 216U);
    ck_assert_uint_eq(END(gh_stream_ops, pad_feedback), 64U);
    ck_assert_uint_eq(END(gh_input_ops, pad_stats), 24U);
    /* What did not grow in 1.4 still ends where 1.3 left it. */
    ck_assert_uint_eq(END(gh_capture_ops, release), sizeof(gh_capture_ops));
    ck_assert_uint_eq(END(gh_backend_factory, audio), sizeof(gh_backend_factory));
    ck_assert_uint_eq(END(gh_audio_ops, stats), sizeof(gh_audio_ops));
    ck_assert_uint_eq(END(gh_frame, input_events), sizeof(gh_frame));
    ck_assert_uint_eq(END(gh_input_event, timestamp_ns), sizeof(gh_input_event));
}
END_TEST

START_TEST(test_gh_audio_chunk_layout)
{
    ck_assert_uint_eq(sizeof(gh_audio_chunk), 40U);
    ck_assert_uint_eq(OFF(gh_audio_chunk, format), 4U);
    ck_assert_uint_eq(OFF(gh_audio_chunk, rate), 8U);
    ck_assert_uint_eq(OFF(gh_audio_chunk, channels), 12U);
    ck_assert_uint_eq(OFF(gh_audio_chunk, n_frames), 16U);
    ck_assert_uint_eq(OFF(gh_audio_chunk, timestamp_ns), 24U);
    ck_assert_uint_eq(OFF(gh_audio_chunk, data), 32U);
    ck_assert_uint_eq(sizeof(gh_audio_stats), 48U);
    ck_assert_uint_eq(OFF(gh_audio_stats, frames_out), 16U);
    ck_assert_uint_eq(OFF(gh_audio_stats, dropped), 40U);
}
END_TEST

START_TEST(test_abi_version_constants)
{
    ck_assert_uint_eq(GH_PLUGIN_ABI_MAJOR, 1U);
    ck_assert_uint_eq(GH_PLUGIN_ABI_MINOR, 4U);
    ck_assert_str_eq(GH_PLUGIN_ENTRY, "gamehost_plugin_query");
    ck_assert_uint_eq(GH_HOST_SERVICES_VERSION, 5U);
    ck_assert_uint_eq(GH_CAPTURE_OPS_VERSION, 2U);
    ck_assert_uint_eq(GH_STREAM_OPS_VERSION, 4U);
    ck_assert_uint_eq(GH_AUDIO_OPS_VERSION, 1U);
    ck_assert_uint_eq(GH_INPUT_OPS_VERSION, 2U);
    ck_assert_uint_eq(GH_RELAY_VERSION, 1U);
    ck_assert(GH_RELAY_MAGIC == 0x31594c4552484721ull);
}
END_TEST

/* Values that cross the ABI inside the structs: renumbering one breaks
 * every plugin built before. */
START_TEST(test_abi_value_constants)
{
    ck_assert_uint_eq(GH_BACKEND_CAPTURE, 1U);
    ck_assert_uint_eq(GH_BACKEND_STREAM, 2U);
    ck_assert_uint_eq(GH_BACKEND_INPUT, 3U);
    ck_assert_uint_eq(GH_BACKEND_AUDIO, 4U);
    ck_assert_uint_eq(GH_AUDIO_S16LE, 1U);
    ck_assert_uint_eq(GH_FORMAT_BGRX8888, 1U);
    ck_assert_uint_eq(GH_FORMAT_RGBX8888, 2U);
    ck_assert_uint_eq(GH_RELAY_FORMAT_BGRX8888, 1U);
    ck_assert_uint_eq(GH_RELAY_FORMAT_RGBX8888, 2U);
    ck_assert_uint_eq(GH_LOG_ERROR, 1U);
    ck_assert_uint_eq(GH_LOG_WARNING, 2U);
    ck_assert_uint_eq(GH_LOG_INFO, 3U);
    ck_assert_uint_eq(GH_LOG_DEBUG, 4U);
    ck_assert_uint_eq(GH_FD_IN, 1U);
    ck_assert_uint_eq(GH_FD_OUT, 4U);
    ck_assert_uint_eq(GH_FD_ERR, 8U);
    ck_assert_uint_eq(GH_FD_HUP, 16U);
    ck_assert_uint_eq(GH_PEER_CONTROL, 1U);
    ck_assert_uint_eq(GH_SIGNAL_MAX_MESSAGE, 65536U);
    ck_assert_uint_eq(GH_INPUT_KEY, 1U);
    ck_assert_uint_eq(GH_INPUT_BUTTON, 2U);
    ck_assert_uint_eq(GH_INPUT_REL, 3U);
    ck_assert_uint_eq(GH_INPUT_ABS, 4U);
    ck_assert_uint_eq(GH_INPUT_PAD_BUTTON, 5U);
    ck_assert_uint_eq(GH_INPUT_PAD_AXIS, 6U);
    ck_assert_uint_eq(GH_INPUT_TOUCH, 7U);
    ck_assert_uint_eq(GH_INPUT_PAD_CONNECT, 8U);
    ck_assert_int_eq(GH_INPUT_ABS_MAX, 32767);
    ck_assert_uint_eq(GH_INPUT_MAX_PADS, 4U);
    ck_assert_int_eq(GH_INPUT_TRIGGER_MAX, 255);
    ck_assert_uint_eq(GH_PAD_ATTACHED, 1U);
    ck_assert_uint_eq(GH_PAD_DETACHED, 2U);
    ck_assert_uint_eq(GH_PAD_RUMBLE, 3U);
    ck_assert_uint_eq(GH_PAD_LED, 4U);
    ck_assert_uint_eq(GH_PAD_RUMBLE_MAX, 65535U);
}
END_TEST

/* ---- plugin-util.h: the services table -------------------------------------------------- */

/* A host that keeps what the helpers hand it. */
struct gh_host {
    char error[4096];
    char log[4096];
    uint32_t level;
    int n_errors, n_logs;
    const char *dir;
};

static void
fake_log(gh_host *host, uint32_t level, const char *msg)
{
    snprintf(host->log, sizeof(host->log), "%s", msg);
    host->level = level;
    host->n_logs++;
}

static void
fake_set_error(gh_host *host, const char *msg)
{
    snprintf(host->error, sizeof(host->error), "%s", msg);
    host->n_errors++;
}

static const char *
fake_session_dir(gh_host *host)
{
    return host->dir;
}

static const gh_host_services fake_services = {
    .struct_size = sizeof(gh_host_services),
    .version = GH_HOST_SERVICES_VERSION,
    .log = fake_log,
    .set_error = fake_set_error,
    .session_dir = fake_session_dir,
};

/* A host whose table is filled to the end, every byte past a member
 * pattern-filled, so a copy that reads too far shows it. */
typedef struct {
    gh_host_services svc;
    unsigned char beyond[32];    /* what a newer host's table would go on with */
} bigger_table;

static void
fill_table(bigger_table *t, uint32_t struct_size)
{
    memset(t, 0xab, sizeof(*t));
    t->svc.struct_size = struct_size;
    t->svc.version = 9;
    t->svc.log = fake_log;
    t->svc.set_error = fake_set_error;
    t->svc.session_dir = fake_session_dir;
}

START_TEST(test_copy_from_an_older_host_zeroes_what_it_lacks)
{
    bigger_table t;
    gh_host_services copy;

    fill_table(&t, (uint32_t)END(gh_host_services, submit_input)); /* a 1.0 host */
    ck_assert_uint_eq(gh_host_services_copy(&copy, &t.svc), 136U);
    ck_assert_uint_eq(copy.struct_size, 136U);
    ck_assert_uint_eq(copy.version, 9U);
    ck_assert_ptr_eq(copy.log, fake_log);
    ck_assert_ptr_null(copy.session_dir);
    ck_assert_ptr_null(copy.signal_send);
    ck_assert_ptr_null(copy.peer_close);
    ck_assert(!GH_STRUCT_HAS(&copy, gh_host_services, session_dir));
}
END_TEST

/* What a 1.4 plugin sees on a 1.3 host: sound, and no pad services. */
START_TEST(test_copy_from_a_1_3_host_has_no_pad_services)
{
    bigger_table t;
    gh_host_services copy;

    fill_table(&t, (uint32_t)END(gh_host_services, mic_push));
    ck_assert_uint_eq(gh_host_services_copy(&copy, &t.svc), 200U);
    ck_assert_ptr_nonnull(copy.mic_push);  /* 0xab..., as the table had it */
    ck_assert_ptr_null(copy.pad_socket);
    ck_assert_ptr_null(copy.pad_feedback);
    ck_assert(GH_STRUCT_HAS(&copy, gh_host_services, mic_push));
    ck_assert(!GH_STRUCT_HAS(&copy, gh_host_services, pad_socket));
}
END_TEST

START_TEST(test_copy_from_a_newer_host_takes_what_the_plugin_knows)
{
    bigger_table t;
    gh_host_services copy;

    fill_table(&t, (uint32_t)sizeof(t));
    ck_assert_uint_eq(gh_host_services_copy(&copy, &t.svc), sizeof(gh_host_services));
    ck_assert_uint_eq(copy.struct_size, 216U);
    ck_assert(memcmp((const char *)&copy + 8, (const char *)&t.svc + 8, sizeof(copy) - 8) == 0);
    ck_assert_ptr_eq(copy.session_dir, fake_session_dir);
}
END_TEST

START_TEST(test_copy_from_no_table_is_all_zero)
{
    static const gh_host_services zero;
    gh_host_services copy;

    memset(&copy, 0x5a, sizeof(copy));
    ck_assert_uint_eq(gh_host_services_copy(&copy, NULL), 0U);
    ck_assert(memcmp(&copy, &zero, sizeof(copy)) == 0);
}
END_TEST

START_TEST(test_struct_has_is_true_from_the_members_end)
{
    gh_host_services svc = { 0 };

    svc.struct_size = 143; /* one byte short of session_dir's end */
    ck_assert(!GH_STRUCT_HAS(&svc, gh_host_services, session_dir));
    svc.struct_size = 144;
    ck_assert(GH_STRUCT_HAS(&svc, gh_host_services, session_dir));
    ck_assert(!GH_STRUCT_HAS(&svc, gh_host_services, signal_send));
    ck_assert(GH_STRUCT_HAS(&svc, gh_host_services, submit_input));
}
END_TEST

START_TEST(test_struct_has_reads_a_frames_size)
{
    gh_frame frame = { .struct_size = (uint32_t)END(gh_frame, damage) }; /* a 1.0 plugin's frame */
    const gh_frame *none = NULL;

    ck_assert(GH_STRUCT_HAS(&frame, gh_frame, damage));
    ck_assert(!GH_STRUCT_HAS(&frame, gh_frame, input_events));
    ck_assert(!GH_STRUCT_HAS(none, gh_frame, struct_size));
}
END_TEST

/* ---- plugin-util.h: errors and log lines --------------------------------------------------- */

START_TEST(test_error_is_prefixed_with_the_backend)
{
    gh_host host = { 0 };

    gh_host_error(&host, &fake_services, "capture.x", "option %s '%d' is out of range", "n", -3);
    ck_assert_str_eq(host.error, "capture.x: option n '-3' is out of range");
    gh_host_error(&host, &fake_services, NULL, "no %s", "prefix");
    ck_assert_str_eq(host.error, "no prefix");
}
END_TEST

START_TEST(test_an_error_longer_than_the_stack_buffer_arrives_whole)
{
    gh_host host = { 0 };
    char detail[2001], want[2100];

    memset(detail, 'x', sizeof(detail) - 1);
    detail[sizeof(detail) - 1] = '\0';
    snprintf(want, sizeof(want), "stream.y: %s!", detail);
    gh_host_error(&host, &fake_services, "stream.y", "%s!", detail);
    ck_assert_uint_eq(strlen(host.error), strlen(want));
    ck_assert_str_eq(host.error, want);
}
END_TEST

START_TEST(test_error_without_a_set_error_service_does_nothing)
{
    gh_host host = { 0 };
    gh_host_services svc = fake_services;

    svc.set_error = NULL;
    gh_host_error(&host, &svc, "capture.x", "lost");
    gh_host_error(&host, NULL, "capture.x", "lost");
    ck_assert_int_eq(host.n_errors, 0);
}
END_TEST

START_TEST(test_log_formats_at_the_level)
{
    gh_host host = { 0 };

    gh_host_log(&host, &fake_services, GH_LOG_WARNING, "%u frames dropped", 7u);
    ck_assert_str_eq(host.log, "7 frames dropped");
    ck_assert_uint_eq(host.level, GH_LOG_WARNING);
    ck_assert_int_eq(host.n_logs, 1);
}
END_TEST

/* ---- plugin-util.h: files in the session directory ----------------------------------------- */

static char session_dir[64];
static int session_dirfd = -1;

static void
session_dir_setup(void)
{
    snprintf(session_dir, sizeof(session_dir), "%s", "/tmp/gh-test-abi.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(session_dir));
    session_dirfd = open(session_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(session_dirfd, 0);
}

static void
session_dir_teardown(void)
{
    static const char *const names[] = { "out.log", "link", "victim", "hard", "fifo", NULL };

    for (size_t i = 0; names[i]; i++)
        unlinkat(session_dirfd, names[i], 0);
    close(session_dirfd);
    rmdir(session_dir);
}

static void
write_file(const char *name, const char *text)
{
    int fd = openat(session_dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static off_t
file_size(const char *name)
{
    struct stat st;

    ck_assert_int_eq(fstatat(session_dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
    return st.st_size;
}

START_TEST(test_creates_a_regular_file_with_the_mode_masked)
{
    struct stat st;
    int fd;

    umask(0);
    fd = gh_session_file_openat(session_dirfd, "out.log", GH_FILE_NEW, 0777);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0640U);
    ck_assert_int_eq(write(fd, "ok", 2), 2);
    ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    close(fd);
}
END_TEST

START_TEST(test_refuses_a_name_with_a_slash)
{
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "a/b", GH_FILE_NEW, 0600), -EINVAL);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "/etc/passwd", GH_FILE_REPLACE, 0600), -EINVAL);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "../escape", GH_FILE_TRUNCATE, 0600), -EINVAL);
}
END_TEST

START_TEST(test_refuses_dot_dot_dot_and_empty_names)
{
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "..", GH_FILE_TRUNCATE, 0600), -EINVAL);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, ".", GH_FILE_TRUNCATE, 0600), -EINVAL);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "", GH_FILE_NEW, 0600), -EINVAL);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, NULL, GH_FILE_NEW, 0600), -EINVAL);
}
END_TEST

START_TEST(test_refuses_an_unknown_way_to_open)
{
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "out.log", 0, 0600), -EINVAL);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "out.log", 4, 0600), -EINVAL);
    ck_assert_int_eq(faccessat(session_dirfd, "out.log", F_OK, 0), -1);
}
END_TEST

START_TEST(test_new_refuses_a_symlink_and_leaves_its_target)
{
    write_file("victim", "keep");
    ck_assert_int_eq(symlinkat("victim", session_dirfd, "link"), 0);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "link", GH_FILE_NEW, 0600), -EEXIST);
    ck_assert_int_eq(file_size("victim"), 4);
}
END_TEST

START_TEST(test_new_refuses_a_dangling_symlink)
{
    ck_assert_int_eq(symlinkat("victim", session_dirfd, "link"), 0);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "link", GH_FILE_NEW, 0600), -EEXIST);
    ck_assert_int_eq(faccessat(session_dirfd, "victim", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}
END_TEST

START_TEST(test_truncate_refuses_a_symlink_and_leaves_its_target)
{
    write_file("victim", "keep");
    ck_assert_int_eq(symlinkat("victim", session_dirfd, "link"), 0);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "link", GH_FILE_TRUNCATE, 0600), -ELOOP);
    ck_assert_int_eq(file_size("victim"), 4);
}
END_TEST

START_TEST(test_truncate_refuses_a_hard_link_and_leaves_its_target)
{
    write_file("victim", "keep");
    ck_assert_int_eq(linkat(session_dirfd, "victim", session_dirfd, "hard", 0), 0);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "hard", GH_FILE_TRUNCATE, 0600), -EMLINK);
    ck_assert_int_eq(file_size("victim"), 4);
}
END_TEST

START_TEST(test_truncate_refuses_a_fifo)
{
    ck_assert_int_eq(mkfifoat(session_dirfd, "fifo", 0600), 0);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "fifo", GH_FILE_TRUNCATE, 0600), -ENODEV);
}
END_TEST

START_TEST(test_truncate_empties_an_existing_file)
{
    int fd;

    write_file("out.log", "old contents");
    fd = gh_session_file_openat(session_dirfd, "out.log", GH_FILE_TRUNCATE, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(file_size("out.log"), 0);
    close(fd);
}
END_TEST

START_TEST(test_truncate_refuses_a_file_another_user_planted)
{
    /* Only root can plant another user's file; the suite runs as root in CI
     * (scripts/test.sh), as the daemon does. */
    if (geteuid() != 0)
        return;
    write_file("out.log", "planted");
    ck_assert_int_eq(fchownat(session_dirfd, "out.log", 65534, 65534, 0), 0);
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "out.log", GH_FILE_TRUNCATE, 0600), -EPERM);
    ck_assert_int_eq(file_size("out.log"), 7);
}
END_TEST

START_TEST(test_truncate_gives_a_reused_file_the_mode_asked_for)
{
    struct stat st;
    int fd;

    write_file("out.log", "old contents");
    ck_assert_int_eq(fchmodat(session_dirfd, "out.log", 0666, 0), 0);
    fd = gh_session_file_openat(session_dirfd, "out.log", GH_FILE_TRUNCATE, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    close(fd);
}
END_TEST

START_TEST(test_new_refuses_an_existing_file)
{
    write_file("out.log", "old contents");
    ck_assert_int_eq(gh_session_file_openat(session_dirfd, "out.log", GH_FILE_NEW, 0600), -EEXIST);
    ck_assert_int_eq(file_size("out.log"), 12);
}
END_TEST

START_TEST(test_replace_removes_a_symlink_not_its_target)
{
    struct stat st;
    int fd;

    write_file("victim", "keep");
    ck_assert_int_eq(symlinkat("victim", session_dirfd, "link"), 0);
    fd = gh_session_file_openat(session_dirfd, "link", GH_FILE_REPLACE, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstatat(session_dirfd, "link", &st, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(file_size("victim"), 4);
    close(fd);
}
END_TEST

START_TEST(test_session_file_open_creates_in_the_session_dir)
{
    gh_host host = { .dir = session_dir };
    int fd = gh_session_file_open(&host, &fake_services, "stream.z", "out.log", GH_FILE_NEW, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(file_size("out.log"), 0);
    ck_assert_int_eq(host.n_errors, 0);
    close(fd);
}
END_TEST

START_TEST(test_session_file_open_names_a_bad_name)
{
    gh_host host = { .dir = session_dir };

    ck_assert_int_eq(gh_session_file_open(&host, &fake_services, "stream.z", "../x", GH_FILE_NEW, 0600), -EINVAL);
    ck_assert_str_eq(host.error, "stream.z: '../x' is not a plain file name (empty, with a '/', '.' or '..')");
}
END_TEST

START_TEST(test_session_file_open_names_the_link_it_refused)
{
    gh_host host = { .dir = session_dir };
    char want[256];

    ck_assert_int_eq(symlinkat("victim", session_dirfd, "link"), 0);
    ck_assert_int_eq(gh_session_file_open(&host, &fake_services, "stream.z", "link", GH_FILE_NEW, 0600), -EEXIST);
    snprintf(want, sizeof(want), "stream.z: cannot create %s/link: %s", session_dir, strerror(EEXIST));
    ck_assert_str_eq(host.error, want);
}
END_TEST

START_TEST(test_session_file_open_names_what_is_not_a_regular_file)
{
    gh_host host = { .dir = session_dir };
    char want[256];

    ck_assert_int_eq(mkfifoat(session_dirfd, "fifo", 0600), 0);
    ck_assert_int_eq(gh_session_file_open(&host, &fake_services, "stream.z", "fifo", GH_FILE_TRUNCATE, 0600),
                     -ENODEV);
    snprintf(want, sizeof(want), "stream.z: cannot create %s/fifo: something other than a regular file is there",
             session_dir);
    ck_assert_str_eq(host.error, want);
}
END_TEST

START_TEST(test_session_file_open_on_a_1_0_host_is_not_supported)
{
    gh_host host = { .dir = session_dir };
    gh_host_services svc = fake_services;

    svc.struct_size = (uint32_t)END(gh_host_services, submit_input);
    ck_assert_int_eq(gh_session_file_open(&host, &svc, "stream.z", "out.log", GH_FILE_NEW, 0600), -ENOTSUP);
    ck_assert_str_eq(host.error, "stream.z: cannot create out.log: the session has no directory");
    ck_assert_int_eq(faccessat(session_dirfd, "out.log", F_OK, 0), -1);
}
END_TEST

static Suite *
abi_suite(void)
{
    Suite *s = suite_create("abi");
    TCase *tc = tcase_create("layout");

    tcase_add_test(tc, test_gh_rect_layout);
    tcase_add_test(tc, test_gh_frame_layout);
    tcase_add_test(tc, test_gh_input_event_layout);
    tcase_add_test(tc, test_gh_host_services_layout);
    tcase_add_test(tc, test_gh_capture_ops_layout);
    tcase_add_test(tc, test_gh_stream_ops_layout);
    tcase_add_test(tc, test_gh_input_ops_layout);
    tcase_add_test(tc, test_gh_backend_factory_layout);
    tcase_add_test(tc, test_gh_plugin_layout);
    tcase_add_test(tc, test_gh_relay_header_layout);
    tcase_add_test(tc, test_gh_relay_slot_layout);
    tcase_add_test(tc, test_abi_1_0_members_end_where_they_did);
    tcase_add_test(tc, test_abi_1_1_members_end_where_they_did);
    tcase_add_test(tc, test_abi_1_2_members_end_where_they_did);
    tcase_add_test(tc, test_abi_1_3_members_end_where_they_did);
    tcase_add_test(tc, test_abi_1_4_members_end_the_structs);
    tcase_add_test(tc, test_gh_audio_chunk_layout);
    tcase_add_test(tc, test_gh_audio_ops_layout);
    tcase_add_test(tc, test_gh_pad_feedback_layout);
    tcase_add_test(tc, test_gh_pad_stats_layout);
    tcase_add_test(tc, test_abi_version_constants);
    tcase_add_test(tc, test_abi_value_constants);
    suite_add_tcase(s, tc);

    tc = tcase_create("plugin-util");
    tcase_add_test(tc, test_copy_from_an_older_host_zeroes_what_it_lacks);
    tcase_add_test(tc, test_copy_from_a_1_3_host_has_no_pad_services);
    tcase_add_test(tc, test_copy_from_a_newer_host_takes_what_the_plugin_knows);
    tcase_add_test(tc, test_copy_from_no_table_is_all_zero);
    tcase_add_test(tc, test_struct_has_is_true_from_the_members_end);
    tcase_add_test(tc, test_struct_has_reads_a_frames_size);
    tcase_add_test(tc, test_error_is_prefixed_with_the_backend);
    tcase_add_test(tc, test_an_error_longer_than_the_stack_buffer_arrives_whole);
    tcase_add_test(tc, test_error_without_a_set_error_service_does_nothing);
    tcase_add_test(tc, test_log_formats_at_the_level);
    suite_add_tcase(s, tc);

    tc = tcase_create("session-file");
    tcase_add_checked_fixture(tc, session_dir_setup, session_dir_teardown);
    tcase_add_test(tc, test_creates_a_regular_file_with_the_mode_masked);
    tcase_add_test(tc, test_refuses_a_name_with_a_slash);
    tcase_add_test(tc, test_refuses_dot_dot_dot_and_empty_names);
    tcase_add_test(tc, test_refuses_an_unknown_way_to_open);
    tcase_add_test(tc, test_new_refuses_a_symlink_and_leaves_its_target);
    tcase_add_test(tc, test_new_refuses_a_dangling_symlink);
    tcase_add_test(tc, test_truncate_refuses_a_symlink_and_leaves_its_target);
    tcase_add_test(tc, test_truncate_refuses_a_hard_link_and_leaves_its_target);
    tcase_add_test(tc, test_truncate_refuses_a_fifo);
    tcase_add_test(tc, test_truncate_empties_an_existing_file);
    tcase_add_test(tc, test_truncate_refuses_a_file_another_user_planted);
    tcase_add_test(tc, test_truncate_gives_a_reused_file_the_mode_asked_for);
    tcase_add_test(tc, test_new_refuses_an_existing_file);
    tcase_add_test(tc, test_replace_removes_a_symlink_not_its_target);
    tcase_add_test(tc, test_session_file_open_creates_in_the_session_dir);
    tcase_add_test(tc, test_session_file_open_names_a_bad_name);
    tcase_add_test(tc, test_session_file_open_names_the_link_it_refused);
    tcase_add_test(tc, test_session_file_open_names_what_is_not_a_regular_file);
    tcase_add_test(tc, test_session_file_open_on_a_1_0_host_is_not_supported);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *runner = srunner_create(abi_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
