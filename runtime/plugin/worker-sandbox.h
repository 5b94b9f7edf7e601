/* worker-sandbox: what confines a session's plugin worker.  The daemon
 * starts it through gh_worker_sandbox_child_setup (another user, no new
 * privileges, resource limits, death with the daemon); the worker itself
 * then narrows its file system with Landlock, once it knows its session's
 * paths.  Nothing here needs the worker's cooperation except Landlock,
 * which only shrinks what a hostile plugin could reach further. */
#pragma once
#include <glib.h>
#include <sys/types.h>

typedef struct {
    gboolean switch_user;        /* the daemon is root: become uid/gid */
    uid_t uid;
    gid_t gid;
    guint64 memory_bytes;        /* RLIMIT_AS; 0 none */
    guint64 open_files;          /* RLIMIT_NOFILE; 0 leave */
} GhWorkerSandbox;

/* The worker user's ids; FALSE naming the user when it does not exist. */
gboolean gh_worker_sandbox_user(const char *name, uid_t *uid, gid_t *gid, GError **error);

/* In the child between fork and exec (async-signal-safe only): drops
 * supplementary groups, becomes the user, sets no_new_privs, the limits
 * and SIGKILL on the daemon's death.  Exits 126 when a step fails: a
 * worker that cannot be confined never runs plugins. */
void gh_worker_sandbox_child_setup(gpointer sandbox);

/* In the worker: from now on only these paths (and what is under them)
 * may be opened, read-only/executable or read-write, and no signal may
 * leave the process's Landlock domain.  Returns the Landlock ABI applied
 * (0: the kernel has none; then nothing changes) or -1 with error. */
int gh_worker_sandbox_landlock(const char *const *read_paths, const char *const *write_paths, GError **error);
