# images/agent: gamehost-agent, the guest agent installed into every built
# Linux game image (the reference frame-relay producer for real operating
# systems), its systemd unit, and its unit suite.  Included from the top
# Makefile.am; paths are relative to the top directory.

# The program is copied into guest images from $(pkglibexecdir): it links
# only libc and libdrm, both in the Debian 12 guest, and never the
# sanitizers (a guest has no libasan), so its flags name AM_CFLAGS' parts
# without $(SANITIZER_CFLAGS) and replace AM_LDFLAGS.
agent_sources = \
	images/agent/agent.c images/agent/agent.h \
	images/agent/frame.c images/agent/frame.h \
	images/agent/kms.c images/agent/kms.h \
	images/agent/pci.c images/agent/pci.h \
	images/agent/relay-writer.c images/agent/relay-writer.h \
	images/agent/stats.c images/agent/stats.h

pkglibexec_PROGRAMS += images/agent/gamehost-agent
images_agent_gamehost_agent_SOURCES = images/agent/main.c $(agent_sources)
images_agent_gamehost_agent_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -I$(srcdir)/include $(LIBDRM_CFLAGS)
images_agent_gamehost_agent_LDFLAGS =
images_agent_gamehost_agent_LDADD = $(LIBDRM_LIBS)

# Its systemd unit lives with the other guest files, in
# images/guest/rootfs/etc/systemd/system/gamehost-agent.service.

# The suites, with the sanitizers when configured.  test_relay_writer reads
# what the writer wrote with capture-relay's reader, as the host reads it.
agent_test_cflags = $(AM_CFLAGS) -I$(srcdir)/include $(LIBDRM_CFLAGS) $(CHECK_CFLAGS)
check_PROGRAMS += images/agent/test_agent images/agent/test_relay_writer
TESTS += images/agent/test_agent images/agent/test_relay_writer
images_agent_test_agent_SOURCES = images/agent/test_agent.c $(agent_sources)
images_agent_test_agent_CFLAGS = $(agent_test_cflags)
images_agent_test_agent_LDADD = $(LIBDRM_LIBS) $(CHECK_LIBS)
images_agent_test_relay_writer_SOURCES = images/agent/test_relay_writer.c \
	images/agent/frame.c images/agent/frame.h \
	images/agent/relay-writer.c images/agent/relay-writer.h \
	plugins/capture-relay/relay-read.c plugins/capture-relay/relay-read.h
images_agent_test_relay_writer_CFLAGS = $(agent_test_cflags) -I$(srcdir)/plugins/capture-relay
images_agent_test_relay_writer_LDADD = $(CHECK_LIBS)

EXTRA_DIST += images/agent/README.md images/agent/local.mk
