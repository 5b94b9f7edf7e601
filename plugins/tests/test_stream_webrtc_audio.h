/* test_stream_webrtc_audio: the unit tests of stream-webrtc's audio.c (the
 * Opus branches, the offer's streams, the microphone's gate), a part of
 * the test_stream_webrtc suite. */
#pragma once

#include <check.h>

/* Adds this file's test cases to s. */
void stream_webrtc_audio_tcases(Suite *s);
