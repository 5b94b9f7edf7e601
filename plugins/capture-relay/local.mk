# capture-relay: the capture backend "capture.relay" (frames from the
# session's shared-memory frame relay, include/gamehost/relay.h), its unit
# suite, and the synthetic producer the suite and bench/ share.  Uses
# GH_PLUGIN_CFLAGS/LDFLAGS and the install hooks of plugins/local.mk, which
# is included before this fragment.
plugin_LTLIBRARIES += plugins/capture-relay.la

plugins_capture_relay_la_SOURCES = \
	plugins/capture-relay/capture-relay.c plugins/capture-relay/capture-relay.h \
	plugins/capture-relay/relay-read.c plugins/capture-relay/relay-read.h
plugins_capture_relay_la_CFLAGS = $(GH_PLUGIN_CFLAGS)
plugins_capture_relay_la_LDFLAGS = $(GH_PLUGIN_LDFLAGS)

# The synthetic producer: not part of the plugin (a host process or a test
# writes frames with it, the plugin only reads).  It writes through the guest
# agent's relay writer, the one implementation of the protocol's steps.
GH_RELAY_PRODUCER_SOURCES = \
	plugins/capture-relay/relay-producer.c plugins/capture-relay/relay-producer.h \
	images/agent/relay-writer.c images/agent/relay-writer.h
GH_RELAY_PRODUCER_CFLAGS = -I$(srcdir)/plugins/capture-relay -I$(srcdir)/images/agent

install-data-hook: gh-capture-relay-install-data-hook
uninstall-hook: gh-capture-relay-uninstall-hook
.PHONY: gh-capture-relay-install-data-hook gh-capture-relay-uninstall-hook
gh-capture-relay-install-data-hook:
	rm -f $(DESTDIR)$(plugindir)/capture-relay.la
gh-capture-relay-uninstall-hook:
	rm -f $(DESTDIR)$(plugindir)/capture-relay.so

check_PROGRAMS += plugins/tests/test_capture_relay
TESTS += plugins/tests/test_capture_relay
plugins_tests_test_capture_relay_SOURCES = \
	plugins/tests/test_capture_relay.c $(plugins_capture_relay_la_SOURCES) $(GH_RELAY_PRODUCER_SOURCES)
plugins_tests_test_capture_relay_CFLAGS = $(GH_PLUGIN_CFLAGS) -pthread \
	$(GH_RELAY_PRODUCER_CFLAGS) $(CHECK_CFLAGS)
plugins_tests_test_capture_relay_LDADD = $(CHECK_LIBS) -lpthread

EXTRA_DIST += docs/frame-relay.md bench/capture-paths.sh
