# stream-record: the recording stream backend (GStreamer, x264), built like
# the other built-in plugins (plugins/local.mk), and its unit suite.  It
# shares plugins/common with stream-webrtc.  Only the stream plugins link
# GStreamer; libghcore and the daemon do not.
plugin_LTLIBRARIES += plugins/stream-record.la

plugins_stream_record_la_SOURCES = \
	plugins/stream-record/stream-record.c \
	plugins/stream-record/encoder.c plugins/stream-record/encoder.h \
	plugins/stream-record/timeline.c plugins/stream-record/timeline.h \
	plugins/common/gst-frame.c plugins/common/gst-frame.h \
	plugins/common/plugin-options.c plugins/common/plugin-options.h
plugins_stream_record_la_CFLAGS = $(GH_PLUGIN_CFLAGS) -I$(srcdir)/plugins/common $(GST_CFLAGS)
# nodelete: GStreamer registers types and threads that cannot be unloaded,
# so neither can a plugin that brought it in.
plugins_stream_record_la_LDFLAGS = $(GH_PLUGIN_LDFLAGS) -Wl,-z,nodelete
plugins_stream_record_la_LIBADD = $(GST_LIBS)

install-data-hook: gh-stream-record-install-data-hook
uninstall-hook: gh-stream-record-uninstall-hook
.PHONY: gh-stream-record-install-data-hook gh-stream-record-uninstall-hook
gh-stream-record-install-data-hook:
	rm -f $(DESTDIR)$(plugindir)/stream-record.la
gh-stream-record-uninstall-hook:
	rm -f $(DESTDIR)$(plugindir)/stream-record.so

check_PROGRAMS += plugins/tests/test_stream_record
TESTS += plugins/tests/test_stream_record
plugins_tests_test_stream_record_SOURCES = \
	plugins/tests/test_stream_record.c \
	plugins/tests/test_stream_record_timeline.c plugins/tests/test_stream_record_timeline.h \
	plugins/tests/fake-host.c plugins/tests/fake-host.h \
	$(plugins_stream_record_la_SOURCES)
plugins_tests_test_stream_record_CFLAGS = $(GH_PLUGIN_CFLAGS) -I$(srcdir)/plugins/stream-record \
	-I$(srcdir)/plugins/common -I$(srcdir)/tests/unit $(GST_CFLAGS) $(JSONGLIB_CFLAGS) $(CHECK_CFLAGS)
plugins_tests_test_stream_record_LDADD = libghtest.la $(GST_LIBS) $(JSONGLIB_LIBS) $(CHECK_LIBS) -lm
