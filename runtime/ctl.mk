# gamehostctl, the operator's CLI.  It talks to gamehostd over HTTP only, so
# it links GLib, libsoup and json-glib and never libvirt or libghcore.

# The pure logic, shared by the CLI and its unit test.
gh_ctl_logic_sources = \
	runtime/ctl-util.c runtime/ctl-util.h \
	runtime/ctl-table.c runtime/ctl-table.h \
	runtime/ctl-sse.c runtime/ctl-sse.h \
	runtime/ctl-render.c runtime/ctl-render.h

bin_PROGRAMS += gamehostctl
gamehostctl_SOURCES = \
	runtime/gamehostctl.c \
	runtime/ctl-http.c runtime/ctl-http.h \
	$(gh_ctl_logic_sources)
gamehostctl_CPPFLAGS = $(AM_CPPFLAGS) -DGH_CTL_VERSION=\"$(PACKAGE_VERSION)\"
gamehostctl_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SOUP_CFLAGS) $(JSONGLIB_CFLAGS)
gamehostctl_LDADD = $(GLIB_LIBS) $(SOUP_LIBS) $(JSONGLIB_LIBS)

check_PROGRAMS += tests/unit/test_ctl
TESTS += tests/unit/test_ctl
tests_unit_test_ctl_SOURCES = tests/unit/test_ctl.c $(gh_ctl_logic_sources)
tests_unit_test_ctl_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JSONGLIB_CFLAGS) $(CHECK_CFLAGS) -I$(srcdir)/runtime
tests_unit_test_ctl_LDADD = $(GLIB_LIBS) $(JSONGLIB_LIBS) $(CHECK_LIBS)
