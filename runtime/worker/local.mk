# worker: gamehost-worker, one per running session: that session's plugins,
# out of the daemon, as an unprivileged user.  Uses util, conf, plugin.
gamehostlibexecdir = $(libexecdir)/gamehost
gamehostlibexec_PROGRAMS = gamehost-worker
gamehost_worker_SOURCES = runtime/worker/worker-main.c runtime/worker/worker-link.c runtime/worker/worker.h
gamehost_worker_CFLAGS = $(GH_RUNTIME_CFLAGS)
gamehost_worker_LDADD = $(GH_PLUGIN_LIBS)
