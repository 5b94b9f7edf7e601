# The built-in plugins, built as loadable modules against the public SDK
# only (include/gamehost/), installed as bare .so files in $(plugindir), and
# their unit suites.  Per-target CFLAGS replace AM_CFLAGS, so it is named
# again to keep warnings and sanitizers.
plugindir = $(pkglibdir)/plugins
plugin_LTLIBRARIES = plugins/capture-screenshot.la plugins/input-qmp.la

GH_PLUGIN_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include -fvisibility=hidden \
	-DGH_PLUGIN_VERSION=\"$(PACKAGE_VERSION)\"
GH_PLUGIN_LDFLAGS = -module -avoid-version -shared -no-undefined

plugins_capture_screenshot_la_SOURCES = \
	plugins/capture-screenshot/capture-screenshot.c \
	plugins/capture-screenshot/decode.c plugins/capture-screenshot/decode.h
plugins_capture_screenshot_la_CFLAGS = $(GH_PLUGIN_CFLAGS) $(PNG_CFLAGS)
plugins_capture_screenshot_la_LDFLAGS = $(GH_PLUGIN_LDFLAGS)
plugins_capture_screenshot_la_LIBADD = $(PNG_LIBS)

plugins_input_qmp_la_SOURCES = \
	plugins/input-qmp/input-qmp.c \
	plugins/input-qmp/qmp-json.c plugins/input-qmp/qmp-json.h \
	plugins/input-qmp/usbpad.c plugins/input-qmp/usbpad.h \
	plugins/input-qmp/usbpad-dev.c plugins/input-qmp/usbpad-dev.h \
	plugins/input-qmp/usbpad-desc.c plugins/input-qmp/usbpad-desc.h \
	plugins/input-qmp/usbpad-report.c plugins/input-qmp/usbpad-report.h \
	plugins/common/plugin-options.c plugins/common/plugin-options.h \
	plugins/common/bench-log.c plugins/common/bench-log.h
plugins_input_qmp_la_CFLAGS = $(GH_PLUGIN_CFLAGS) -I$(srcdir)/plugins/common $(USBREDIR_CFLAGS) $(GLIB_CFLAGS)
plugins_input_qmp_la_LDFLAGS = $(GH_PLUGIN_LDFLAGS)
plugins_input_qmp_la_LIBADD = $(USBREDIR_LIBS) $(GLIB_LIBS)

# The host loads *.so; libtool's .la files are of no use in the plugin dir.
# Hooked through prerequisites so other fragments can hook too.
install-data-hook: gh-plugins-install-data-hook
uninstall-hook: gh-plugins-uninstall-hook
.PHONY: gh-plugins-install-data-hook gh-plugins-uninstall-hook
gh-plugins-install-data-hook:
	rm -f $(DESTDIR)$(plugindir)/capture-screenshot.la $(DESTDIR)$(plugindir)/input-qmp.la
# Without the .la, libtool's uninstall cannot find the .so to remove.
gh-plugins-uninstall-hook:
	rm -f $(DESTDIR)$(plugindir)/capture-screenshot.so $(DESTDIR)$(plugindir)/input-qmp.so

# Unit suites: each compiles its plugin's sources directly (pure part and
# ABI glue, the glue driven by a fake host-services table).
check_PROGRAMS += plugins/tests/test_capture_screenshot plugins/tests/test_input_qmp plugins/tests/test_usbpad \
	plugins/tests/test_input_qmp_log
TESTS += plugins/tests/test_capture_screenshot plugins/tests/test_input_qmp plugins/tests/test_usbpad \
	plugins/tests/test_input_qmp_log
plugins_tests_test_capture_screenshot_SOURCES = \
	plugins/tests/test_capture_screenshot.c $(plugins_capture_screenshot_la_SOURCES)
plugins_tests_test_capture_screenshot_CFLAGS = $(GH_PLUGIN_CFLAGS) \
	-I$(srcdir)/plugins/capture-screenshot $(PNG_CFLAGS) $(CHECK_CFLAGS)
plugins_tests_test_capture_screenshot_LDADD = $(PNG_LIBS) $(CHECK_LIBS)
plugins_tests_test_input_qmp_SOURCES = \
	plugins/tests/test_input_qmp.c $(plugins_input_qmp_la_SOURCES)
plugins_tests_test_input_qmp_CFLAGS = $(GH_PLUGIN_CFLAGS) \
	-I$(srcdir)/plugins/input-qmp -I$(srcdir)/plugins/common $(USBREDIR_CFLAGS) $(GLIB_CFLAGS) $(CHECK_CFLAGS)
plugins_tests_test_input_qmp_LDADD = $(USBREDIR_LIBS) $(GLIB_LIBS) $(CHECK_LIBS)
plugins_tests_test_usbpad_SOURCES = plugins/tests/test_usbpad.c \
	plugins/tests/usbredir-peer.c plugins/tests/usbredir-peer.h \
	plugins/input-qmp/usbpad.c plugins/input-qmp/usbpad.h \
	plugins/common/bench-log.c plugins/common/bench-log.h \
	plugins/common/plugin-options.c plugins/common/plugin-options.h \
	plugins/input-qmp/usbpad-dev.c plugins/input-qmp/usbpad-dev.h \
	plugins/input-qmp/usbpad-desc.c plugins/input-qmp/usbpad-desc.h \
	plugins/input-qmp/usbpad-report.c plugins/input-qmp/usbpad-report.h
plugins_tests_test_usbpad_CFLAGS = $(GH_PLUGIN_CFLAGS) -I$(srcdir)/plugins/input-qmp -I$(srcdir)/plugins/common \
	$(USBREDIR_CFLAGS) $(GLIB_CFLAGS) $(CHECK_CFLAGS)
plugins_tests_test_usbpad_LDADD = $(USBREDIR_LIBS) $(GLIB_LIBS) $(CHECK_LIBS)
# input.qmp's latency_log on the stream suites' fake host (its main-loop
# sources run by the test) with the usbredir peer of test_usbpad.
plugins_tests_test_input_qmp_log_SOURCES = plugins/tests/test_input_qmp_log.c \
	plugins/tests/fake-host.c plugins/tests/fake-host.h \
	plugins/tests/usbredir-peer.c plugins/tests/usbredir-peer.h \
	$(plugins_input_qmp_la_SOURCES)
plugins_tests_test_input_qmp_log_CFLAGS = $(GH_PLUGIN_CFLAGS) -I$(srcdir)/plugins/input-qmp \
	-I$(srcdir)/plugins/common -I$(srcdir)/tests/unit $(USBREDIR_CFLAGS) $(GLIB_CFLAGS) $(CHECK_CFLAGS)
plugins_tests_test_input_qmp_log_LDADD = libghtest.la $(USBREDIR_LIBS) $(GLIB_LIBS) $(CHECK_LIBS)
EXTRA_DIST += docs/gamepads.md

# The out-of-tree example (built with only the installed SDK: plugin.h and
# the helpers of plugin-util.h, both in gamehostinclude_HEADERS) and the
# plugin guide.
EXTRA_DIST += \
	docs/plugins.md \
	examples/plugin-hello/hello.c \
	examples/plugin-hello/Makefile \
	examples/plugin-hello/README.md \
	examples/plugin-hello/test.sh
