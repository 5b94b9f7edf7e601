# plugin: the host side of the plugin ABI (registry, ABI checks, instances and
# the host-services table, plugins scanned in a subprocess), the per-session
# pipeline (capture -> stream thread, input, pads played as keys), PNG
# frames, and the plugin worker's side in the daemon (its IPC: the wire
# framing and the protocol; the sandbox; the client).  Uses util, gpu, conf.
noinst_LTLIBRARIES += libghplugin.la
libghplugin_la_CFLAGS = $(GH_RUNTIME_CFLAGS)
libghplugin_la_SOURCES = \
	runtime/plugin/plugin-registry.c runtime/plugin/plugin-registry.h \
	runtime/plugin/plugin-host.c \
	runtime/plugin/plugin-scan.c runtime/plugin/plugin-scan.h \
	runtime/plugin/pipeline.c runtime/plugin/pipeline.h \
	runtime/plugin/pipeline-input.c runtime/plugin/pipeline-input.h \
	runtime/plugin/pad-keys.c runtime/plugin/pad-keys.h \
	runtime/plugin/pipeline-audio.c runtime/plugin/pipeline-audio.h \
	runtime/plugin/pipeline-pads.c runtime/plugin/pipeline-pads.h \
	runtime/plugin/frame-png.c runtime/plugin/frame-png.h \
	runtime/plugin/plugin-watch.c runtime/plugin/plugin-watch.h \
	runtime/plugin/pipeline-view.c runtime/plugin/pipeline-view.h \
	runtime/plugin/worker-sandbox.c runtime/plugin/worker-sandbox.h \
	runtime/plugin/worker-start.c runtime/plugin/worker-start.h \
	runtime/plugin/worker-client.c runtime/plugin/worker-client.h \
	runtime/plugin/wire.c runtime/plugin/wire.h \
	runtime/plugin/worker-proto.c runtime/plugin/worker-proto.h
GH_PLUGIN_LIBS = libghplugin.la $(GH_CONF_LIBS) $(PNG_LIBS) -ldl

# The loader against good and deliberately bad plugins (tests/plugins/), the
# pipeline over pipeline-fake with fake VM access, pads played as keys, and
# the pads' path (ABI 1.4) through both.  plugin-fixture finds and loads the
# test plugins.
noinst_LTLIBRARIES += libghplugintest.la
libghplugintest_la_SOURCES = tests/unit/plugin-fixture.c tests/unit/plugin-fixture.h
libghplugintest_la_CFLAGS = $(GH_TEST_CFLAGS)

check_PROGRAMS += tests/unit/test_plugin tests/unit/test_pipeline tests/unit/test_plugin_pads tests/unit/test_pad_keys \
	tests/unit/test_plugin_scan
TESTS += tests/unit/test_plugin tests/unit/test_pipeline tests/unit/test_plugin_pads tests/unit/test_pad_keys \
	tests/unit/test_plugin_scan
tests_unit_test_plugin_SOURCES = tests/unit/test_plugin.c tests/plugins/record.h
tests_unit_test_plugin_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_plugin_LDADD = libghplugintest.la libghtest.la $(GH_PLUGIN_LIBS) $(CHECK_LIBS)
tests_unit_test_plugin_pads_SOURCES = tests/unit/test_plugin_pads.c tests/plugins/record.h \
	tests/plugins/pipeline-fake.h
tests_unit_test_plugin_pads_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_plugin_pads_LDADD = libghplugintest.la libghtest.la $(GH_PLUGIN_LIBS) $(CHECK_LIBS)
# The scan against the same plugins and the build tree's scanner
# (runtime/worker/), with plugins that crash or hang while loading and
# stand-in scanners that answer nonsense.
tests_unit_test_plugin_scan_SOURCES = tests/unit/test_plugin_scan.c
tests_unit_test_plugin_scan_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_plugin_scan_LDADD = libghplugintest.la libghtest.la $(GH_PLUGIN_LIBS) $(CHECK_LIBS)
tests_unit_test_pipeline_SOURCES = tests/unit/test_pipeline.c tests/plugins/pipeline-fake.h
tests_unit_test_pipeline_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_pipeline_LDADD = libghtest.la $(GH_PLUGIN_LIBS) $(CHECK_LIBS)
tests_unit_test_pad_keys_SOURCES = tests/unit/test_pad_keys.c
tests_unit_test_pad_keys_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_pad_keys_LDADD = libghtest.la $(GH_PLUGIN_LIBS) $(CHECK_LIBS)

# The worker IPC framing over real socketpairs, and the fuzzer's seed corpus
# (tests/fuzz/corpus/wire/), which it checks; rewrite the corpus with:
#     make check TESTS=tests/unit/test_wire GH_TEST_REGENERATE_OUTPUT=1
check_PROGRAMS += tests/unit/test_wire
TESTS += tests/unit/test_wire
tests_unit_test_wire_SOURCES = tests/unit/test_wire.c
tests_unit_test_wire_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_wire_LDADD = libghtest.la $(GH_PLUGIN_LIBS) $(CHECK_LIBS)

# The plugin worker for real (gamehost-worker, the misbehave test plugin):
# a healthy one serves, each kind of death is named.
check_PROGRAMS += tests/unit/test_worker
TESTS += tests/unit/test_worker
tests_unit_test_worker_SOURCES = tests/unit/test_worker.c
tests_unit_test_worker_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_worker_LDADD = libghtest.la $(GH_PLUGIN_LIBS) $(CHECK_LIBS)
