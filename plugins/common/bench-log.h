/* bench-log: a benchmark's log file in the session's directory, named by a
 * backend option (stream.webrtc's latency_log and audio_latency_log,
 * input.qmp's latency_log), written a whole line at a time.  Off unless the
 * option is given.  No lock of its own: each user serialises its calls
 * (stream.webrtc's logs under their mutex, input.qmp on the main thread). */
#pragma once

#include <stdint.h>

#include <gamehost/plugin-util.h>

/* The longest file name these options take. */
#define BENCH_LOG_NAME_MAX 64u

typedef struct BenchLog BenchLog;

/* The file that option key names (a plain name, po_file_name) in the
 * session's directory, created anew (a file or link already there is
 * removed, never written through): *out is its log, or NULL when the
 * option is absent.  0, or a negative errno with the error set. */
int bench_log_open(gh_host *host, const gh_host_services *svc, const char *backend, const char *key,
                   BenchLog **out);
/* A log writing to fd, which it owns from now on (-1: one that writes
 * nothing, for tests). */
BenchLog *bench_log_new(int fd);
/* Closes the file; NULL-safe, returns NULL. */
BenchLog *bench_log_free(BenchLog *log);

/* Writes fmt's line and a newline in one write() (retried on EINTR, and
 * for the rest of a short write), counted once all of it went. */
void bench_log_line(BenchLog *log, const char *fmt, ...) GH_PLUGIN_PRINTF(2, 3);
/* Lines written. */
uint64_t bench_log_written(const BenchLog *log);
