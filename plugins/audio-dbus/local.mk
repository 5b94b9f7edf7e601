# audio-dbus: the audio backend "audio.dbus" (the VM's sound through QEMU's
# D-Bus audio; the player's microphone back), and its unit suite (pcm.c:
# format, volume, the microphone ring).  Uses GH_PLUGIN_CFLAGS/LDFLAGS and
# the install hooks of plugins/local.mk, included before this fragment.
plugin_LTLIBRARIES += plugins/audio-dbus.la

plugins_audio_dbus_la_SOURCES = \
	plugins/audio-dbus/audio-dbus.c \
	plugins/audio-dbus/pcm.c plugins/audio-dbus/pcm.h
plugins_audio_dbus_la_CFLAGS = $(GH_PLUGIN_CFLAGS) $(GLIB_CFLAGS)
plugins_audio_dbus_la_LDFLAGS = $(GH_PLUGIN_LDFLAGS)
plugins_audio_dbus_la_LIBADD = $(GLIB_LIBS)

install-data-hook: gh-audio-dbus-install-data-hook
uninstall-hook: gh-audio-dbus-uninstall-hook
.PHONY: gh-audio-dbus-install-data-hook gh-audio-dbus-uninstall-hook
gh-audio-dbus-install-data-hook:
	rm -f $(DESTDIR)$(plugindir)/audio-dbus.la
gh-audio-dbus-uninstall-hook:
	rm -f $(DESTDIR)$(plugindir)/audio-dbus.so

check_PROGRAMS += plugins/tests/test_audio_dbus
TESTS += plugins/tests/test_audio_dbus
plugins_tests_test_audio_dbus_SOURCES = \
	plugins/tests/test_audio_dbus.c plugins/audio-dbus/pcm.c plugins/audio-dbus/pcm.h
plugins_tests_test_audio_dbus_CFLAGS = $(GH_PLUGIN_CFLAGS) -I$(srcdir)/plugins/audio-dbus \
	$(GLIB_CFLAGS) $(CHECK_CFLAGS)
plugins_tests_test_audio_dbus_LDADD = $(GLIB_LIBS) $(CHECK_LIBS)
