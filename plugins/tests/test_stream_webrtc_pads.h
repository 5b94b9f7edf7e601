/* test_stream_webrtc_pads: the unit tests of stream-webrtc's game pad
 * feedback (ABI 1.4): the messages' text and what the backend sends the
 * player in control, a part of the test_stream_webrtc suite. */
#pragma once

#include <check.h>

/* Adds this file's test cases to s. */
void stream_webrtc_pads_tcases(Suite *s);
