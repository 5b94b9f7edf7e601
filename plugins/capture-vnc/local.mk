# capture-vnc: the capture backend "capture.vnc" (QEMU's VNC server on the
# session's UNIX socket, read with libvncclient), and its suite, which runs
# the demo game in a real QEMU.  Included after plugins/local.mk.
plugin_LTLIBRARIES += plugins/capture-vnc.la

plugins_capture_vnc_la_SOURCES = \
	plugins/capture-vnc/capture-vnc.c \
	plugins/capture-vnc/damage.c plugins/capture-vnc/damage.h
plugins_capture_vnc_la_CFLAGS = $(GH_PLUGIN_CFLAGS) $(VNCCLIENT_CFLAGS)
plugins_capture_vnc_la_LDFLAGS = $(GH_PLUGIN_LDFLAGS)
plugins_capture_vnc_la_LIBADD = $(VNCCLIENT_LIBS)

install-data-hook: gh-capture-vnc-install-data-hook
uninstall-hook: gh-capture-vnc-uninstall-hook
.PHONY: gh-capture-vnc-install-data-hook gh-capture-vnc-uninstall-hook
gh-capture-vnc-install-data-hook:
	rm -f $(DESTDIR)$(plugindir)/capture-vnc.la
gh-capture-vnc-uninstall-hook:
	rm -f $(DESTDIR)$(plugindir)/capture-vnc.so

check_PROGRAMS += plugins/tests/test_capture_vnc
TESTS += plugins/tests/test_capture_vnc
plugins_tests_test_capture_vnc_SOURCES = \
	plugins/tests/test_capture_vnc.c $(plugins_capture_vnc_la_SOURCES)
plugins_tests_test_capture_vnc_CFLAGS = $(GH_PLUGIN_CFLAGS) \
	-I$(srcdir)/plugins/capture-vnc $(VNCCLIENT_CFLAGS) $(CHECK_CFLAGS)
plugins_tests_test_capture_vnc_LDADD = $(VNCCLIENT_LIBS) $(CHECK_LIBS)
