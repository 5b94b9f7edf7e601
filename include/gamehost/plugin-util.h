/* SPDX-License-Identifier: MIT */
/* gamehost plugin SDK: the compatibility and safety helpers every plugin
 * needs, as static inline code over the ABI of <gamehost/plugin.h> (libc
 * only, nothing to link; it adds no symbol and changes no struct).  Copying
 * the host's services table, asking whether a versioned struct has a member,
 * errors and log lines through the host, and creating files in the
 * session's directory without following a link planted there. */
#ifndef GAMEHOST_PLUGIN_UTIL_H
#define GAMEHOST_PLUGIN_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gamehost/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define GH_PLUGIN_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define GH_PLUGIN_PRINTF(fmt, args)
#endif

/* ---- versioned structs ---------------------------------------------------- */

/* The smallest struct_size that holds member: its end offset. */
#define GH_STRUCT_END(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

/* True when ptr (a struct of type that starts with struct_size, as every
 * struct crossing the ABI does; evaluated twice) is non-NULL and the size
 * its other side declared covers member.  For "since 1.x" members:
 *   if (GH_STRUCT_HAS(frame, gh_frame, input_events)) use(frame->input_events); */
#define GH_STRUCT_HAS(ptr, type, member) \
    ((ptr) != NULL && (size_t)(ptr)->struct_size >= GH_STRUCT_END(type, member))

/* Copies what both sides know of the host's services table into dst: the
 * first min(src->struct_size, sizeof(*dst)) bytes, the rest zeroed.  A
 * member an older host lacks then reads as NULL (check it before calling),
 * and a member a newer host added is simply not seen.  dst->struct_size
 * becomes the size copied, so GH_STRUCT_HAS on the copy stays true to it.
 * Returns that size (0 and all zero for a NULL src). */
static inline size_t
gh_host_services_copy(gh_host_services *dst, const gh_host_services *src)
{
    size_t n = 0;

    memset(dst, 0, sizeof(*dst));
    if (!src)
        return 0;
    n = src->struct_size < sizeof(*dst) ? src->struct_size : sizeof(*dst);
    memcpy(dst, src, n);
    if (n >= GH_STRUCT_END(gh_host_services, struct_size))
        dst->struct_size = (uint32_t)n;
    return n;
}

/* ---- errors and log lines ------------------------------------------------- */

/* Formats into buf after the off bytes already there (a prefix), or, when
 * that does not fit, into malloc'd memory holding the prefix too (*heap,
 * for the caller to free()).  Returns the whole text: buf, *heap, buf
 * truncated when out of memory, or NULL for a bad format. */
static inline char *gh_host_vformat(char *buf, size_t size, size_t off, char **heap, const char *fmt, va_list ap)
    GH_PLUGIN_PRINTF(5, 0);

static inline char *
gh_host_vformat(char *buf, size_t size, size_t off, char **heap, const char *fmt, va_list ap)
{
    va_list again;
    int len;

    *heap = NULL;
    va_copy(again, ap);
    len = vsnprintf(buf + off, size - off, fmt, ap);
    if (len >= 0 && off + (size_t)len >= size && (*heap = (char *)malloc(off + (size_t)len + 1)) != NULL) {
        memcpy(*heap, buf, off);
        vsnprintf(*heap + off, (size_t)len + 1, fmt, again);
    }
    va_end(again);
    return *heap ? *heap : len < 0 ? NULL : buf;
}

/* "<backend>: <message>" through svc->set_error (nothing when the host has
 * none).  The message becomes the session's reason: name the thing that
 * was wrong and its value.  backend NULL: no prefix. */
static inline void gh_host_error(gh_host *host, const gh_host_services *svc, const char *backend, const char *fmt,
                                 ...) GH_PLUGIN_PRINTF(4, 5);

static inline void
gh_host_error(gh_host *host, const gh_host_services *svc, const char *backend, const char *fmt, ...)
{
    char buf[512], *heap, *msg;
    size_t off = 0;
    va_list ap;

    if (!svc || !svc->set_error)
        return;
    if (backend) {
        int n = snprintf(buf, sizeof(buf), "%s: ", backend);
        off = n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    }
    va_start(ap, fmt);
    msg = gh_host_vformat(buf, sizeof(buf), off, &heap, fmt, ap);
    va_end(ap);
    svc->set_error(host, msg ? msg : fmt);
    free(heap);
}

/* A formatted line through svc->log at level (GH_LOG_*; nothing when the
 * host has no log).  The host tags the line with the backend's name. */
static inline void gh_host_log(gh_host *host, const gh_host_services *svc, uint32_t level, const char *fmt, ...)
    GH_PLUGIN_PRINTF(4, 5);

static inline void
gh_host_log(gh_host *host, const gh_host_services *svc, uint32_t level, const char *fmt, ...)
{
    char buf[512], *heap, *msg;
    va_list ap;

    if (!svc || !svc->log)
        return;
    va_start(ap, fmt);
    msg = gh_host_vformat(buf, sizeof(buf), 0, &heap, fmt, ap);
    va_end(ap);
    svc->log(host, level, msg ? msg : fmt);
    free(heap);
}

/* ---- files in the session's directory ------------------------------------- */

/* The session's directory is the host's, but the VM's QEMU user may write
 * in it, while the daemon (and so the plugin) runs as root: a name there
 * may already be a symlink or a hard link to a file the QEMU user could not
 * write itself.  These open a plain name relative to the directory's fd,
 * never follow a link, and only ever hand out a regular file with one link. */

/* What to do when the name exists (gh_session_file_openat's how). */
#define GH_FILE_NEW      1u  /* refuse it (-EEXIST), whatever it is */
#define GH_FILE_REPLACE  2u  /* remove it (a link itself, never its target), then create anew */
#define GH_FILE_TRUNCATE 3u  /* empty a regular file with one link and reuse it; refuse anything else */

/* The mode bits a session file may get: never executable, nothing for others. */
#define GH_FILE_MODE_MASK 0640u

/* 0 when name is a plain file name: not empty, no '/', not "." or "..";
 * else -EINVAL.  (Which names a plugin accepts from an option is its own
 * policy, and should be stricter: see docs/plugins.md.) */
static inline int
gh_session_file_name_check(const char *name)
{
    if (!name || !name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return -EINVAL;
    return 0;
}

/* Opens name in the directory dirfd, read-write and close-on-exec, as how
 * says (GH_FILE_*), creating it with mode & GH_FILE_MODE_MASK (0600 or
 * 0640).  Returns the fd, or -EINVAL (not a plain name, an unknown how),
 * -EEXIST (GH_FILE_NEW, or a name that came back during GH_FILE_REPLACE),
 * -ELOOP (GH_FILE_TRUNCATE on a symlink), -EMLINK (a file with other hard
 * links), -EPERM (GH_FILE_TRUNCATE on a file another user owns: the QEMU
 * user may write in the session directory and plant one), -ENODEV (not a
 * regular file: a FIFO; a socket or a directory answer -ENXIO or -EISDIR)
 * or the errno of the call that failed.  A file reused by GH_FILE_TRUNCATE
 * gets mode & GH_FILE_MODE_MASK too. */
static inline int
gh_session_file_openat(int dirfd, const char *name, uint32_t how, uint32_t mode)
{
    /* O_NONBLOCK until checked: a FIFO under the name never hangs the open
     * (Linux does not block O_RDWR on one; POSIX leaves that undefined).
     * O_TRUNC never: a hard link's target must not be emptied before the
     * link count is seen. */
    int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CREAT |
                (how == GH_FILE_TRUNCATE ? 0 : O_EXCL);
    struct stat st;
    int fd, err;

    if (gh_session_file_name_check(name) < 0 || how < GH_FILE_NEW || how > GH_FILE_TRUNCATE)
        return -EINVAL;
    if (how == GH_FILE_REPLACE && unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
        return -errno;
    fd = openat(dirfd, name, flags, (mode_t)(mode & GH_FILE_MODE_MASK));
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0)
        err = -errno;
    else if (!S_ISREG(st.st_mode))
        err = -ENODEV;
    else if (st.st_nlink != 1)
        err = -EMLINK;
    else if (how == GH_FILE_TRUNCATE && st.st_uid != geteuid())
        err = -EPERM;
    else if ((how == GH_FILE_TRUNCATE &&
              (fchmod(fd, (mode_t)(mode & GH_FILE_MODE_MASK)) < 0 || ftruncate(fd, 0) < 0)) ||
             fcntl(fd, F_SETFL, 0) < 0) /* blocking again */
        err = -errno;
    else
        return fd;
    close(fd);
    return err;
}

/* gh_session_file_openat in the session's own directory (the session_dir
 * service, since ABI 1.1), with the reason set through the host
 * ("<backend>: ...", naming the file) when it fails.  Returns the fd, for
 * the plugin to close, or a negative errno: -ENOTSUP when the host or the
 * session has no directory. */
static inline int
gh_session_file_open(gh_host *host, const gh_host_services *svc, const char *backend, const char *name,
                     uint32_t how, uint32_t mode)
{
    const char *dir = NULL;
    int dirfd, fd;

    if (gh_session_file_name_check(name) < 0) {
        gh_host_error(host, svc, backend, "'%s' is not a plain file name (empty, with a '/', '.' or '..')",
                      name ? name : "(null)");
        return -EINVAL;
    }
    if (how < GH_FILE_NEW || how > GH_FILE_TRUNCATE) {
        gh_host_error(host, svc, backend, "%s: %u is not a GH_FILE_* way to open it", name, how);
        return -EINVAL;
    }
    if (GH_STRUCT_HAS(svc, gh_host_services, session_dir) && svc->session_dir)
        dir = svc->session_dir(host);
    if (!dir) {
        gh_host_error(host, svc, backend, "cannot create %s: the session has no directory", name);
        return -ENOTSUP;
    }
    dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        fd = -errno;
        gh_host_error(host, svc, backend, "cannot create %s: session directory %s: %s", name, dir, strerror(-fd));
        return fd;
    }
    fd = gh_session_file_openat(dirfd, name, how, mode);
    close(dirfd);
    if (fd == -ENODEV || fd == -ENXIO || fd == -EISDIR)
        gh_host_error(host, svc, backend, "cannot create %s/%s: something other than a regular file is there", dir,
                      name);
    else if (fd == -EMLINK)
        gh_host_error(host, svc, backend, "cannot create %s/%s: it has other hard links", dir, name);
    else if (fd < 0)
        gh_host_error(host, svc, backend, "cannot create %s/%s: %s", dir, name, strerror(-fd));
    return fd;
}

#ifdef __cplusplus
}
#endif
#endif /* GAMEHOST_PLUGIN_UTIL_H */
