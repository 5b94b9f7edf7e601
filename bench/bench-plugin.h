/* bench-plugin: loads a gamehost plugin through its ABI, as the host does,
 * for the benchmarks that drive a backend without the daemon. */
#pragma once

#include <gamehost/plugin.h>

/* The factory called `backend` in the plugin file `so`, or NULL after a
 * message on stderr prefixed with `prog`.  The plugin stays loaded. */
const gh_backend_factory *bench_load_factory(const char *prog, const char *so, const char *backend);
