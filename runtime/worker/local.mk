# worker: the programs gamehostd runs plugin code in, out of its own process
# (runtime/plugin/plugin-scan.c): gamehost-plugin-scanner loads one plugin
# file and prints its verdict; the per-session gamehost-worker joins it.
# Installed in $(pkglibexecdir).  Uses util and plugin only: no config,
# libvirt or session of the daemon is within a worker's reach.
pkglibexec_PROGRAMS += runtime/worker/gamehost-plugin-scanner
runtime_worker_gamehost_plugin_scanner_SOURCES = runtime/worker/gamehost-plugin-scanner.c
runtime_worker_gamehost_plugin_scanner_CFLAGS = $(GH_RUNTIME_CFLAGS)
runtime_worker_gamehost_plugin_scanner_LDADD = libghplugin.la $(GH_UTIL_LIBS) -ldl
