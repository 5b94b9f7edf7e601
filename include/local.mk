# The plugin SDK: public headers and a pkg-config file, for plugins built out
# of tree, and the suite that pins its ABI.  Included from the top
# Makefile.am; only appends to its lists.
gamehostincludedir = $(includedir)/gamehost
gamehostinclude_HEADERS = include/gamehost/plugin.h include/gamehost/plugin-util.h include/gamehost/input.h \
	include/gamehost/relay.h
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = include/gamehost-plugin.pc

# The SDK alone, as an out-of-tree plugin sees it: no runtime, no GLib.
check_PROGRAMS += tests/unit/test_abi
TESTS += tests/unit/test_abi
tests_unit_test_abi_SOURCES = tests/unit/test_abi.c
tests_unit_test_abi_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include $(CHECK_CFLAGS)
tests_unit_test_abi_LDADD = $(CHECK_LIBS)
