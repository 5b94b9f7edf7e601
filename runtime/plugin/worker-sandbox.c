/* worker-sandbox: see worker-sandbox.h. */
#define _GNU_SOURCE
#include "worker-sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <sys/stat.h>
#include <grp.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Newer than Debian 12's headers: defined by their kernel ABI numbers. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* The ruleset attribute as ABI 6 has it (scoped after handled_access_net). */
struct sandbox_ruleset_attr {
    guint64 handled_access_fs;
    guint64 handled_access_net;
    guint64 scoped;
};

gboolean
gh_worker_sandbox_user(const char *name, uid_t *uid, gid_t *gid, GError **error)
{
    struct passwd *pw = name && *name ? getpwnam(name) : NULL;

    if (!name || !*name) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            "[plugins] user is empty: name the unprivileged user the plugins run as");
        return FALSE;
    }
    if (!pw) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "[plugins] user '%s' does not exist: create it (useradd --system --no-create-home "
                    "--shell /usr/sbin/nologin %s) or name another unprivileged user",
                    name, name);
        return FALSE;
    }
    if (pw->pw_uid == 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "[plugins] user '%s' is root: plugins must run unprivileged", name);
        return FALSE;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return TRUE;
}

static void
sandbox_limit(int resource, guint64 value)
{
    struct rlimit rl = { .rlim_cur = value, .rlim_max = value };

    if (value && setrlimit(resource, &rl) < 0)
        _exit(126);
}

void
gh_worker_sandbox_child_setup(gpointer data)
{
    const GhWorkerSandbox *sb = data;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        _exit(126);
    if (sb->switch_user &&
        (setgroups(0, NULL) < 0 || setresgid(sb->gid, sb->gid, sb->gid) < 0 || setresuid(sb->uid, sb->uid, sb->uid) < 0))
        _exit(126);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit(126);
    sandbox_limit(RLIMIT_AS, sb->memory_bytes);
    sandbox_limit(RLIMIT_NOFILE, sb->open_files);
    /* A crashing plugin's core would hold a session's frames and peers. */
    sandbox_limit(RLIMIT_CORE, 0);
}

static guint64
sandbox_fs_rights(int abi)
{
    guint64 all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;

    if (abi >= 2)
        all |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        all |= LANDLOCK_ACCESS_FS_TRUNCATE;
    return all;
}

static gboolean
sandbox_allow(int ruleset, const char *path, guint64 rights, GError **error)
{
    struct landlock_path_beneath_attr rule = { .allowed_access = rights };
    struct stat st;
    int fd = open(path, O_PATH | O_CLOEXEC);

    if (fd < 0 && errno == ENOENT)
        return TRUE;   /* nothing there to reach */
    if (fd < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "landlock: cannot open %s: %s", path,
                    g_strerror(errno));
        return FALSE;
    }
    /* Rights that only make sense on directories are refused on files. */
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
        rule.allowed_access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                               LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
    rule.parent_fd = fd;
    if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "landlock: cannot allow %s: %s", path,
                    g_strerror(errno));
        close(fd);
        return FALSE;
    }
    close(fd);
    return TRUE;
}

int
gh_worker_sandbox_landlock(const char *const *read_paths, const char *const *write_paths, GError **error)
{
    int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    struct sandbox_ruleset_attr attr = { 0 };
    guint64 read = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    gsize size;
    int ruleset;

    if (abi <= 0)
        return 0;
    attr.handled_access_fs = sandbox_fs_rights(abi);
    if (abi >= 6)
        attr.scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
    size = abi >= 6 ? sizeof attr : abi >= 4 ? 2 * sizeof(guint64) : sizeof(guint64);
    ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "landlock: cannot create a ruleset: %s",
                    g_strerror(errno));
        return -1;
    }
    for (gsize i = 0; read_paths && read_paths[i]; i++)
        if (!sandbox_allow(ruleset, read_paths[i], read, error))
            goto fail;
    for (gsize i = 0; write_paths && write_paths[i]; i++)
        if (!sandbox_allow(ruleset, write_paths[i], attr.handled_access_fs, error))
            goto fail;
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "landlock: cannot restrict: %s",
                    g_strerror(errno));
        goto fail;
    }
    close(ruleset);
    return abi;
fail:
    close(ruleset);
    return -1;
}
