/* Unit tests of stream-webrtc's game pad feedback (ABI 1.4): the signaling
 * messages signal-msg.c builds for a rumble and for a pad's state, and the
 * backend's pad_feedback op, which sends them to the peer the host names
 * (fake-host.c records what signal_send got). */
#include "test_stream_webrtc_pads.h"

#include <string.h>

#include <glib.h>
#include <gamehost/plugin-util.h>

#include "fake-host.h"
#include "signal-msg.h"

/* ---- the messages ----------------------------------------------------------------- */

START_TEST(test_rumble_message_names_the_pad_and_both_motors)
{
    g_autofree char *on = sw_msg_rumble(0, 32896, 0);
    g_autofree char *off = sw_msg_rumble(3, 0, 0);
    g_autofree char *full = sw_msg_rumble(1, 65535, 65535);

    ck_assert_str_eq(on, "{\"type\":\"rumble\",\"pad\":0,\"strong\":32896,\"weak\":0}");
    ck_assert_str_eq(off, "{\"type\":\"rumble\",\"pad\":3,\"strong\":0,\"weak\":0}");
    ck_assert_str_eq(full, "{\"type\":\"rumble\",\"pad\":1,\"strong\":65535,\"weak\":65535}");
}
END_TEST

START_TEST(test_pad_message_says_attached_and_the_led_or_null)
{
    g_autofree char *lit = sw_msg_pad(0, TRUE, 6);
    g_autofree char *unlit = sw_msg_pad(2, TRUE, -1);
    g_autofree char *gone = sw_msg_pad(1, FALSE, 0);

    ck_assert_str_eq(lit, "{\"type\":\"pad\",\"pad\":0,\"attached\":true,\"led\":6}");
    ck_assert_str_eq(unlit, "{\"type\":\"pad\",\"pad\":2,\"attached\":true,\"led\":null}");
    ck_assert_str_eq(gone, "{\"type\":\"pad\",\"pad\":1,\"attached\":false,\"led\":0}");
}
END_TEST

/* ---- the backend ------------------------------------------------------------------- */

static gh_host *host;
static gh_instance *inst;

static void
backend_setup(void)
{
    host = fake_host_new();
    inst = fake_host_create(host, NULL, NULL);
    ck_assert_msg(inst, "%s", host->error);
    ck_assert_int_eq(fake_host_factory()->stream->peer_open(inst, 7, GH_PEER_CONTROL), 0);
}

static void
backend_teardown(void)
{
    fake_host_factory()->stream->peer_close(inst, 7);
    fake_host_factory()->destroy(inst);
    fake_host_free(host);
}

/* The backend's pad_feedback for peer 7, and what it sent (NULL: nothing). */
static char *
feedback_sent(uint32_t kind, uint32_t pad, uint32_t strong, uint32_t weak, uint32_t led)
{
    gh_pad_feedback fb = { .struct_size = sizeof fb, .kind = kind, .pad = pad, .strong = strong, .weak = weak,
                           .led = led, .timestamp_ns = 1 };

    fake_host_factory()->stream->pad_feedback(inst, 7, &fb);
    /* signal_send is called before pad_feedback returns: nothing to wait for. */
    return g_async_queue_try_pop(host->sent);
}

START_TEST(test_backend_serves_pad_feedback_as_stream_ops_version_4)
{
    const gh_stream_ops *ops = fake_host_factory()->stream;

    ck_assert_uint_ge(ops->version, 4);
    ck_assert_uint_ge(ops->struct_size, GH_STRUCT_END(gh_stream_ops, pad_feedback));
    ck_assert_ptr_nonnull(ops->pad_feedback);
}
END_TEST

START_TEST(test_rumble_goes_to_the_peer_as_a_rumble_message)
{
    g_autofree char *on = feedback_sent(GH_PAD_RUMBLE, 0, 32896, 0, 0);
    g_autofree char *off = feedback_sent(GH_PAD_RUMBLE, 0, 0, 0, 0);

    ck_assert_str_eq(on, "7:{\"type\":\"rumble\",\"pad\":0,\"strong\":32896,\"weak\":0}");
    ck_assert_str_eq(off, "7:{\"type\":\"rumble\",\"pad\":0,\"strong\":0,\"weak\":0}");
}
END_TEST

START_TEST(test_pad_messages_carry_the_attached_state_and_the_last_led)
{
    g_autofree char *attached = feedback_sent(GH_PAD_ATTACHED, 1, 0, 0, 0);
    g_autofree char *led = feedback_sent(GH_PAD_LED, 1, 0, 0, 6);
    g_autofree char *other = feedback_sent(GH_PAD_ATTACHED, 2, 0, 0, 0);
    g_autofree char *detached = feedback_sent(GH_PAD_DETACHED, 1, 0, 0, 0);

    ck_assert_str_eq(attached, "7:{\"type\":\"pad\",\"pad\":1,\"attached\":true,\"led\":null}");
    ck_assert_str_eq(led, "7:{\"type\":\"pad\",\"pad\":1,\"attached\":true,\"led\":6}");
    ck_assert_str_eq(other, "7:{\"type\":\"pad\",\"pad\":2,\"attached\":true,\"led\":null}");
    ck_assert_str_eq(detached, "7:{\"type\":\"pad\",\"pad\":1,\"attached\":false,\"led\":6}");
}
END_TEST

/* The host checks feedback before it comes; the backend still sends
 * nothing for what it cannot read. */
START_TEST(test_feedback_of_an_unknown_pad_or_kind_sends_nothing)
{
    gh_pad_feedback small = { .struct_size = 8, .kind = GH_PAD_RUMBLE };

    ck_assert_ptr_null(feedback_sent(GH_PAD_RUMBLE, GH_INPUT_MAX_PADS, 1, 1, 0));
    ck_assert_ptr_null(feedback_sent(GH_PAD_LED + 1, 0, 0, 0, 0));
    fake_host_factory()->stream->pad_feedback(inst, 7, &small);
    fake_host_factory()->stream->pad_feedback(inst, 7, NULL);
    ck_assert_ptr_null(g_async_queue_try_pop(host->sent));
}
END_TEST

void
stream_webrtc_pads_tcases(Suite *s)
{
    TCase *tc = tcase_create("pads-messages");

    tcase_add_test(tc, test_rumble_message_names_the_pad_and_both_motors);
    tcase_add_test(tc, test_pad_message_says_attached_and_the_led_or_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("pads-backend");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, backend_setup, backend_teardown);
    tcase_add_test(tc, test_backend_serves_pad_feedback_as_stream_ops_version_4);
    tcase_add_test(tc, test_rumble_goes_to_the_peer_as_a_rumble_message);
    tcase_add_test(tc, test_pad_messages_carry_the_attached_state_and_the_last_led);
    tcase_add_test(tc, test_feedback_of_an_unknown_pad_or_kind_sends_nothing);
    suite_add_tcase(s, tc);
}
