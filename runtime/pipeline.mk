# The per-session pipeline (capture → stream thread, input, on-demand PNG
# frames), the libvirt side of the plugins' VM access, and their wiring into
# sessions.  Included from the top Makefile.am right after plugin.mk; only
# appends to its lists.
libghcore_la_SOURCES += \
	runtime/pipeline.c runtime/pipeline.h \
	runtime/frame-png.c runtime/frame-png.h \
	runtime/vm-access.c runtime/vm-access.h \
	runtime/session-pipeline.c \
	runtime/session-peers.c
# libpng (frame-png.c), for libghcore and everything linking it.
GH_DEPS_CFLAGS += $(PNG_CFLAGS)
GH_DEPS_LIBS += $(PNG_LIBS)

# The pipeline over tests/plugins/pipeline-fake (one fake backend of each
# kind), with fake VM access; test_session uses the same plugin (both
# include tests/plugins/pipeline-fake.h by relative path).
check_PROGRAMS += tests/unit/test_pipeline
TESTS += tests/unit/test_pipeline
tests_unit_test_pipeline_SOURCES = tests/unit/test_pipeline.c tests/plugins/pipeline-fake.h
tests_unit_test_pipeline_CFLAGS = $(GH_TEST_CFLAGS) -I$(srcdir)/include
tests_unit_test_pipeline_LDADD = $(GH_TEST_LIBS)

check_LTLIBRARIES += tests/plugins/pipeline-fake.la
tests_plugins_pipeline_fake_la_SOURCES = tests/plugins/pipeline-fake.c tests/plugins/pipeline-fake.h
tests_plugins_pipeline_fake_la_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include
tests_plugins_pipeline_fake_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere
