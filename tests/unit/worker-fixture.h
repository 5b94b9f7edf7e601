/* worker-fixture: what a unit test needs for its sessions' plugin workers:
 * the build tree's gamehost-worker, run as "nobody" when the test is root
 * (a user every system has), and pipeline-fake's state in a shared file
 * the worker's backends write and the test reads. */
#pragma once
#include <check.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"
#include "../plugins/pipeline-fake.h"
#include "../plugins/stream-peer-fake.h"

/* Whether "other" users may walk to path and read it (a build tree in a
 * private home is not: there the worker keeps the test's user). */
static inline gboolean
gh_test_others_reach(const char *path)
{
    g_autofree char *at = g_canonicalize_filename(path, NULL);
    struct stat st;

    if (stat(at, &st) < 0 || !(st.st_mode & S_IROTH))
        return FALSE;
    while (strcmp(at, "/") != 0) {
        char *parent = g_path_get_dirname(at);
        g_free(at);
        at = parent;
        if (stat(at, &st) < 0 || !(st.st_mode & S_IXOTH))
            return FALSE;
    }
    return TRUE;
}

/* The worker's user when the test is root: "nobody", if it can reach the
 * build tree's worker; else the test's own. */
static inline gboolean
gh_test_worker_switches(const char *worker)
{
    return geteuid() == 0 && gh_test_others_reach(worker);
}

/* tmp: the test's own dir, which the worker's user must walk through. */
static inline void
gh_test_config_workers(GhConfig *config, const char *tmp)
{
    g_free(config->worker_path);
    config->worker_path = g_build_filename(g_getenv("GH_TEST_BUILDDIR"), "runtime", "worker", "gamehost-worker", NULL);
    g_free(config->plugin_user);
    config->plugin_user = g_strdup("nobody");
    config->worker_keep_user = !gh_test_worker_switches(config->worker_path);
    config->watchdog_ms = 3000;
    ck_assert_int_eq(chmod(tmp, 0755), 0);
}

/* Before pipeline-fake loads: its state goes to a file in the workers'
 * home (<state_dir>/worker, which Landlock lets them write). */
static inline void
gh_test_state_file(const GhConfig *config, const char *name, gsize size, const char *env)
{
    g_autofree char *dir = g_build_filename(config->state_dir, "worker", NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    int fd;

    ck_assert_int_eq(g_mkdir_with_parents(dir, 0755), 0);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fchmod(fd, 0666), 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
    close(fd);
    g_setenv(env, path, TRUE);
}

static inline void
gh_test_fake_state_file(const GhConfig *config)
{
    gh_test_state_file(config, "fake-state", sizeof(PipelineFakeState), PIPELINE_FAKE_STATE_ENV);
    gh_test_state_file(config, "peer-fake-state", sizeof(StreamPeerFakeState), STREAM_PEER_FAKE_STATE_ENV);
}

/* gh_session_manager_send_input, waited for on ctx: FALSE with *error. */
typedef struct {
    gboolean done;
    GArray *drops;
    GError *error;
} GhTestInput;

static inline void
gh_test_input_done(gpointer data, GArray *drops, const GError *error)
{
    GhTestInput *t = data;

    t->done = TRUE;
    t->drops = g_array_ref(drops);
    t->error = error ? g_error_copy(error) : NULL;
}
