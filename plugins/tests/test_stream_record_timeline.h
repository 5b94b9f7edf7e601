/* test_stream_record_timeline: the unit tests of stream-record's
 * timeline.c (the one clock mapping and the sound track's placement), a
 * part of the test_stream_record suite. */
#pragma once

#include <check.h>

/* Adds this file's test case to s. */
void stream_record_timeline_tcases(Suite *s);
