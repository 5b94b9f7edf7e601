# stream-webrtc: the WebRTC stream backend (GStreamer webrtcbin), built like
# the other built-in plugins (plugins/local.mk), and its unit suite.  It
# shares plugins/common with stream-record.
plugin_LTLIBRARIES += plugins/stream-webrtc.la

plugins_stream_webrtc_la_SOURCES = \
	plugins/stream-webrtc/stream-webrtc.c \
	plugins/stream-webrtc/peer.c plugins/stream-webrtc/peer.h \
	plugins/stream-webrtc/peer-audio.c plugins/stream-webrtc/peer-internal.h \
	plugins/stream-webrtc/audio.c plugins/stream-webrtc/audio.h \
	plugins/stream-webrtc/signal-msg.c plugins/stream-webrtc/signal-msg.h \
	plugins/stream-webrtc/latency.c plugins/stream-webrtc/latency.h \
	plugins/stream-webrtc/audio-latency.c plugins/stream-webrtc/audio-latency.h \
	plugins/stream-webrtc/liveness.c plugins/stream-webrtc/liveness.h \
	plugins/stream-webrtc/playout-delay.c plugins/stream-webrtc/playout-delay.h \
	plugins/common/gst-frame.c plugins/common/gst-frame.h \
	plugins/common/plugin-options.c plugins/common/plugin-options.h \
	plugins/common/bench-log.c plugins/common/bench-log.h
plugins_stream_webrtc_la_CFLAGS = $(GH_PLUGIN_CFLAGS) -I$(srcdir)/plugins/common \
	$(GST_CFLAGS) $(GST_WEBRTC_CFLAGS) $(JSONGLIB_CFLAGS)
# nodelete: GStreamer registers types and threads that cannot be unloaded.
plugins_stream_webrtc_la_LDFLAGS = $(GH_PLUGIN_LDFLAGS) -Wl,-z,nodelete
plugins_stream_webrtc_la_LIBADD = $(GST_LIBS) $(GST_WEBRTC_LIBS) $(JSONGLIB_LIBS)

install-data-hook: gh-stream-webrtc-install-data-hook
uninstall-hook: gh-stream-webrtc-uninstall-hook
.PHONY: gh-stream-webrtc-install-data-hook gh-stream-webrtc-uninstall-hook
gh-stream-webrtc-install-data-hook:
	rm -f $(DESTDIR)$(plugindir)/stream-webrtc.la
gh-stream-webrtc-uninstall-hook:
	rm -f $(DESTDIR)$(plugindir)/stream-webrtc.so

check_PROGRAMS += plugins/tests/test_stream_webrtc
TESTS += plugins/tests/test_stream_webrtc
plugins_tests_test_stream_webrtc_SOURCES = \
	plugins/tests/test_stream_webrtc.c \
	plugins/tests/test_stream_webrtc_audio.c plugins/tests/test_stream_webrtc_audio.h \
	plugins/tests/test_stream_webrtc_pads.c plugins/tests/test_stream_webrtc_pads.h \
	plugins/tests/fake-host.c plugins/tests/fake-host.h \
	$(plugins_stream_webrtc_la_SOURCES)
plugins_tests_test_stream_webrtc_CFLAGS = $(GH_PLUGIN_CFLAGS) -I$(srcdir)/plugins/stream-webrtc \
	-I$(srcdir)/plugins/common -I$(srcdir)/tests/unit $(GST_CFLAGS) $(GST_WEBRTC_CFLAGS) $(JSONGLIB_CFLAGS) $(CHECK_CFLAGS)
plugins_tests_test_stream_webrtc_LDADD = libghtest.la $(GST_LIBS) $(GST_WEBRTC_LIBS) $(JSONGLIB_LIBS) $(CHECK_LIBS)

