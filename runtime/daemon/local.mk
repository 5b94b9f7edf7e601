# daemon: gamehostd's main.  Links every layer.
sbin_PROGRAMS += gamehostd
gamehostd_SOURCES = runtime/daemon/gamehostd.c
gamehostd_CFLAGS = $(GH_RUNTIME_CFLAGS)
gamehostd_LDADD = $(GH_API_LIBS)
