# virt: the libvirt connection and its event thread, domain XML, the
# libvirt side of the plugins' VM access, and the relay to QEMU's D-Bus
# bus.  Uses util, gpu, conf, plugin.
noinst_LTLIBRARIES += libghvirt.la
libghvirt_la_CFLAGS = $(GH_RUNTIME_CFLAGS)
libghvirt_la_SOURCES = \
	runtime/virt/virt.c runtime/virt/virt.h \
	runtime/virt/domain.c runtime/virt/domain.h runtime/virt/domain-private.h \
	runtime/virt/domain-gpu.c \
	runtime/virt/vm-access.c runtime/virt/vm-access.h \
	runtime/virt/dbus-relay.c runtime/virt/dbus-relay.h
GH_VIRT_LIBS = libghvirt.la $(GH_PLUGIN_LIBS) $(LIBVIRT_LIBS)

# Golden domain XML; rewrite with:
#     make check TESTS=tests/unit/test_domain GH_TEST_REGENERATE_OUTPUT=1
check_PROGRAMS += tests/unit/test_domain
TESTS += tests/unit/test_domain
tests_unit_test_domain_SOURCES = tests/unit/test_domain.c
tests_unit_test_domain_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_domain_LDADD = libghtest.la $(GH_VIRT_LIBS) $(CHECK_LIBS)

# The reach check (whether QEMU's user can traverse to a dir).
check_PROGRAMS += tests/unit/test_virt
TESTS += tests/unit/test_virt
tests_unit_test_virt_SOURCES = tests/unit/test_virt.c
tests_unit_test_virt_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_virt_LDADD = libghtest.la $(GH_VIRT_LIBS) $(CHECK_LIBS)

# The relay to QEMU's D-Bus bus, against a real dbus-daemon (no root needed;
# the cases with other uids run only as root).
check_PROGRAMS += tests/unit/test_dbus_relay
TESTS += tests/unit/test_dbus_relay
tests_unit_test_dbus_relay_SOURCES = tests/unit/test_dbus_relay.c
tests_unit_test_dbus_relay_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_dbus_relay_LDADD = libghtest.la $(GH_VIRT_LIBS) $(CHECK_LIBS)
