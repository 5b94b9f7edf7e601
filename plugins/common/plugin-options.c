/* plugin-util: see plugin-util.h. */
#include "plugin-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
pu_error(gh_host *host, const gh_host_services *svc, const char *backend, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    g_autofree char *full = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    full = g_strconcat(backend, ": ", msg, NULL);
    if (svc->set_error)
        svc->set_error(host, full);
}

void
pu_log(gh_host *host, const gh_host_services *svc, uint32_t level, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    if (!svc->log)
        return;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    svc->log(host, level, msg);
}

int
pu_option_uint(gh_host *host, const gh_host_services *svc, const char *backend, const char *key, uint32_t min,
               uint32_t max, uint32_t fallback, uint32_t *out)
{
    const char *value = svc->option ? svc->option(host, key) : NULL;
    guint64 n = fallback;

    /* Digits only: no sign, no spaces, no hex. */
    if (value && (strspn(value, "0123456789") != strlen(value) ||
                  !g_ascii_string_to_unsigned(value, 10, min, max, &n, NULL))) {
        pu_error(host, svc, backend, "option %s must be a whole number from %u to %u", key, min, max);
        return -EINVAL;
    }
    *out = (uint32_t)n;
    return 0;
}

int
pu_check_file_name(gh_host *host, const gh_host_services *svc, const char *backend, const char *key,
                   const char *name, size_t max_len)
{
    size_t len = strlen(name);

    if (len == 0 || len > max_len || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                  "0123456789._-") != len) {
        pu_error(host, svc, backend,
                 "option %s must be a plain file name of 1 to %zu characters from A-Z a-z 0-9 . _ -", key, max_len);
        return -EINVAL;
    }
    if (name[0] == '.') {
        pu_error(host, svc, backend, "option %s '%s' must not start with '.'", key, name);
        return -EINVAL;
    }
    return 0;
}

int
pu_create_file(gh_host *host, const gh_host_services *svc, const char *backend, const char *path)
{
    struct stat st;
    int fd;

    if (unlink(path) < 0 && errno != ENOENT) {
        int rc = -errno;

        pu_error(host, svc, backend, "cannot replace %s: %s", path, g_strerror(errno));
        return rc;
    }
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0) {
        int rc = -errno;

        pu_error(host, svc, backend, "cannot create %s: %s", path, g_strerror(errno));
        return rc;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        pu_error(host, svc, backend, "%s is not a regular file", path);
        close(fd);
        return -EINVAL;
    }
    return fd;
}
