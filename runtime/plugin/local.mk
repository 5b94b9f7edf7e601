# plugin: the host side of the plugin ABI (registry, ABI checks, instances and
# the host-services table, plugins scanned in a subprocess), the per-session
# pipeline (capture -> stream thread, input, pads played as keys), and PNG
# frames.  Uses util, gpu, conf.
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
	runtime/plugin/frame-png.c runtime/plugin/frame-png.h
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
