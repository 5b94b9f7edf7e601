# The plugin SDK: public headers and a pkg-config file, for plugins built out
# of tree.  Included from the top Makefile.am; only appends to its lists.
gamehostincludedir = $(includedir)/gamehost
gamehostinclude_HEADERS = include/gamehost/plugin.h include/gamehost/input.h include/gamehost/relay.h
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = include/gamehost-plugin.pc
