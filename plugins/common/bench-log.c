/* bench-log: see bench-log.h.  A line goes in one write() so that a reader
 * polling the file (the benches) never sees half of one, short writes
 * aside. */
#include "bench-log.h"

#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include <glib.h>

#include "plugin-options.h"

struct BenchLog {
    int fd;
    uint64_t written;
};

int
bench_log_open(gh_host *host, const gh_host_services *svc, const char *backend, const char *key, BenchLog **out)
{
    const char *file = svc->option ? svc->option(host, key) : NULL;
    const char *dir = NULL;
    int fd;

    *out = NULL;
    if (!file)
        return 0;
    if (po_file_name(host, svc, backend, key, file, BENCH_LOG_NAME_MAX) < 0)
        return -EINVAL;
    if (GH_STRUCT_HAS(svc, gh_host_services, session_dir) && svc->session_dir)
        dir = svc->session_dir(host);
    if (!dir || !g_path_is_absolute(dir) || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        gh_host_error(host, svc, backend, "option %s needs the session's directory, and the session has none", key);
        return -EINVAL;
    }
    /* Replaced, never written through: the QEMU user may write in the
     * session dir and plant a link there. */
    if ((fd = gh_session_file_open(host, svc, backend, file, GH_FILE_REPLACE, 0640)) < 0)
        return fd;
    *out = bench_log_new(fd);
    return 0;
}

BenchLog *
bench_log_new(int fd)
{
    BenchLog *log = g_new0(BenchLog, 1);

    log->fd = fd;
    return log;
}

BenchLog *
bench_log_free(BenchLog *log)
{
    if (!log)
        return NULL;
    if (log->fd >= 0)
        close(log->fd);
    g_free(log);
    return NULL;
}

void
bench_log_line(BenchLog *log, const char *fmt, ...)
{
    g_autoptr(GString) line = g_string_new(NULL);
    size_t done = 0;
    va_list ap;

    if (log->fd < 0)
        return;
    va_start(ap, fmt);
    g_string_append_vprintf(line, fmt, ap);
    va_end(ap);
    g_string_append_c(line, '\n');
    while (done < line->len) {
        ssize_t n = write(log->fd, line->str + done, line->len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        done += (size_t)n;
    }
    log->written++;
}

uint64_t
bench_log_written(const BenchLog *log)
{
    return log->written;
}
