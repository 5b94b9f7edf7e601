# gamehostctl, the operator's CLI.  Most commands talk to gamehostd over HTTP
# only (GLib, libsoup, json-glib); `host check` inspects the host itself, so
# gamehostctl also links libvirt and libxml2 and compiles the GPU inventory
# and the config reader in; `plugin check` loads a plugin with the daemon's
# own loader, so plugin.c and plugin-host.c are compiled in too.  It never
# links libghcore.

# The pure logic, shared by the CLI and its unit test.
gh_ctl_logic_sources = \
	runtime/ctl-util.c runtime/ctl-util.h \
	runtime/ctl-table.c runtime/ctl-table.h \
	runtime/ctl-sse.c runtime/ctl-sse.h \
	runtime/ctl-render.c runtime/ctl-render.h \
	runtime/ctl-input.c runtime/ctl-input.h \
	runtime/input-json.c runtime/input-json.h
gh_ctl_logic_cflags = -I$(srcdir)/runtime -I$(srcdir)/include

# `plugin check`: the daemon's plugin loader.
gh_ctl_plugin_sources = runtime/plugin.c runtime/plugin.h runtime/plugin-host.c

# `host check` and what it reads the host with.
gh_ctl_hostcheck_sources = \
	runtime/ctl-hostcheck.c runtime/ctl-hostcheck.h \
	runtime/ctl-kvm.c runtime/ctl-kvm.h \
	runtime/config.c runtime/config.h \
	runtime/gpu.c runtime/gpu.h \
	runtime/gpu-claim.c runtime/gpu-claim.h runtime/gpu-json.c runtime/json-util.c runtime/json-util.h
gh_ctl_hostcheck_cflags = $(GLIB_CFLAGS) $(JSONGLIB_CFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS)
gh_ctl_hostcheck_libs = $(GLIB_LIBS) $(JSONGLIB_LIBS) $(LIBVIRT_LIBS) $(LIBXML_LIBS)

bin_PROGRAMS += gamehostctl
gamehostctl_SOURCES = \
	runtime/gamehostctl.c runtime/ctl-cmd.h \
	runtime/ctl-cmd-host.c runtime/ctl-cmd-sessions.c \
	runtime/ctl-http.c runtime/ctl-http.h \
	$(gh_ctl_logic_sources) \
	$(gh_ctl_hostcheck_sources) \
	$(gh_ctl_plugin_sources)
gamehostctl_CPPFLAGS = $(AM_CPPFLAGS) -DGH_CTL_VERSION=\"$(PACKAGE_VERSION)\"
gamehostctl_CFLAGS = $(AM_CFLAGS) $(SOUP_CFLAGS) $(gh_ctl_hostcheck_cflags) $(gh_ctl_logic_cflags)
gamehostctl_LDADD = $(SOUP_LIBS) $(gh_ctl_hostcheck_libs) -ldl

check_PROGRAMS += tests/unit/test_ctl
TESTS += tests/unit/test_ctl
tests_unit_test_ctl_SOURCES = tests/unit/test_ctl.c $(gh_ctl_logic_sources)
tests_unit_test_ctl_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JSONGLIB_CFLAGS) $(CHECK_CFLAGS) $(gh_ctl_logic_cflags)
tests_unit_test_ctl_LDADD = $(GLIB_LIBS) $(JSONGLIB_LIBS) $(CHECK_LIBS)

# The host checks against fixture sysfs trees, and libvirt's test driver.
check_PROGRAMS += tests/unit/test_hostcheck
TESTS += tests/unit/test_hostcheck
tests_unit_test_hostcheck_SOURCES = tests/unit/test_hostcheck.c tests/unit/gpu-fixture.c tests/unit/gpu-fixture.h $(gh_ctl_logic_sources) $(gh_ctl_hostcheck_sources)
tests_unit_test_hostcheck_CFLAGS = $(AM_CFLAGS) $(gh_ctl_hostcheck_cflags) $(CHECK_CFLAGS) $(gh_ctl_logic_cflags) \
	-I$(srcdir)/tests/unit
tests_unit_test_hostcheck_LDADD = libghtest.la $(gh_ctl_hostcheck_libs) $(CHECK_LIBS)
