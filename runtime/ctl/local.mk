# ctl: gamehostctl, the operator's CLI.  Most commands talk to gamehostd over
# HTTP only (libsoup, json-glib); `host check` inspects the host itself with
# the gpu and conf layers and libvirt; `plugin check` has the daemon's own
# scanner load a plugin (plugin layer, gamehost-plugin-scanner); `image
# build` builds a game image from a spec with apt, mmdebstrap, mke2fs and
# qemu-img (as root, no daemon).  ctl uses util, gpu, conf and plugin only,
# never the daemon's upper layers.
noinst_LTLIBRARIES += libghctl.la
libghctl_la_CPPFLAGS = $(AM_CPPFLAGS) -DGH_CTL_VERSION=\"$(PACKAGE_VERSION)\"
libghctl_la_CFLAGS = $(GH_RUNTIME_CFLAGS)
libghctl_la_SOURCES = \
	runtime/ctl/ctl-cmd.c runtime/ctl/ctl-cmd.h \
	runtime/ctl/ctl-cmd-host.c runtime/ctl/ctl-cmd-sessions.c \
	runtime/ctl/ctl-http.c runtime/ctl/ctl-http.h \
	runtime/ctl/ctl-util.c runtime/ctl/ctl-util.h \
	runtime/ctl/ctl-table.c runtime/ctl/ctl-table.h \
	runtime/ctl/ctl-sse.c runtime/ctl/ctl-sse.h \
	runtime/ctl/ctl-render.c runtime/ctl/ctl-render.h \
	runtime/ctl/ctl-input.c runtime/ctl/ctl-input.h \
	runtime/ctl/ctl-hostcheck.c runtime/ctl/ctl-hostcheck.h \
	runtime/ctl/ctl-kvm.c runtime/ctl/ctl-kvm.h \
	runtime/ctl/ctl-image-build.c \
	runtime/ctl/ctl-image-plan.c runtime/ctl/ctl-image-plan.h \
	runtime/ctl/ctl-image-tree.c runtime/ctl/ctl-image-tree.h
GH_CTL_LIBS = libghctl.la $(GH_PLUGIN_LIBS) $(LIBVIRT_LIBS) $(SOUP_LIBS)

bin_PROGRAMS += gamehostctl
gamehostctl_SOURCES = runtime/ctl/gamehostctl.c
gamehostctl_CPPFLAGS = $(libghctl_la_CPPFLAGS)
gamehostctl_CFLAGS = $(GH_RUNTIME_CFLAGS)
gamehostctl_LDADD = $(GH_CTL_LIBS)

check_PROGRAMS += tests/unit/test_ctl tests/unit/test_ctl_http tests/unit/test_hostcheck tests/unit/test_image_build \
	tests/unit/test_image_tree
TESTS += tests/unit/test_ctl tests/unit/test_ctl_http tests/unit/test_hostcheck tests/unit/test_image_build \
	tests/unit/test_image_tree
tests_unit_test_ctl_SOURCES = tests/unit/test_ctl.c
tests_unit_test_ctl_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_ctl_LDADD = libghtest.la $(GH_CTL_LIBS) $(CHECK_LIBS)
# The HTTP client against an in-process SoupServer.
tests_unit_test_ctl_http_SOURCES = tests/unit/test_ctl_http.c
tests_unit_test_ctl_http_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_ctl_http_LDADD = libghtest.la $(GH_CTL_LIBS) $(CHECK_LIBS)
# The host checks against fixture sysfs trees, and libvirt's test driver.
tests_unit_test_hostcheck_SOURCES = tests/unit/test_hostcheck.c tests/unit/gpu-fixture.c tests/unit/gpu-fixture.h
tests_unit_test_hostcheck_CFLAGS = $(GH_TEST_CFLAGS) -I$(srcdir)/tests/unit
tests_unit_test_hostcheck_LDADD = libghtest.la $(GH_CTL_LIBS) $(CHECK_LIBS)
# The image builder's pure parts, and its file work on fixture trees (never a real build).
tests_unit_test_image_build_SOURCES = tests/unit/test_image_build.c
tests_unit_test_image_build_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_image_build_LDADD = libghtest.la $(GH_CTL_LIBS) $(CHECK_LIBS)
tests_unit_test_image_tree_SOURCES = tests/unit/test_image_tree.c
tests_unit_test_image_tree_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_image_tree_LDADD = libghtest.la $(GH_CTL_LIBS) $(CHECK_LIBS)
EXTRA_DIST += docs/images.md
