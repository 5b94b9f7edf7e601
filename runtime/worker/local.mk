# worker: the programs gamehostd runs plugin code in, out of its own process:
# gamehost-plugin-scanner loads one plugin file and prints its verdict
# (runtime/plugin/plugin-scan.c); gamehost-worker, one per running session,
# runs that session's plugins as an unprivileged user
# (runtime/plugin/worker-client.c).  Installed in $(pkglibexecdir).  Uses
# util and plugin only: no config, libvirt or session of the daemon is
# within a worker's reach.
pkglibexec_PROGRAMS += runtime/worker/gamehost-plugin-scanner runtime/worker/gamehost-worker
runtime_worker_gamehost_plugin_scanner_SOURCES = runtime/worker/gamehost-plugin-scanner.c
runtime_worker_gamehost_plugin_scanner_CFLAGS = $(GH_RUNTIME_CFLAGS)
runtime_worker_gamehost_plugin_scanner_LDADD = libghplugin.la $(GH_UTIL_LIBS) -ldl
runtime_worker_gamehost_worker_SOURCES = runtime/worker/worker-main.c runtime/worker/worker-link.c \
	runtime/worker/worker.h
runtime_worker_gamehost_worker_CFLAGS = $(GH_RUNTIME_CFLAGS)
runtime_worker_gamehost_worker_LDADD = $(GH_PLUGIN_LIBS)
