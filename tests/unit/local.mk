# Unit suites of the runtime's core modules (Check), and what they share.  Per-target CFLAGS
# replace AM_CFLAGS, so it is named again to keep warnings and sanitizers.
GH_TEST_CFLAGS = $(AM_CFLAGS) $(GH_CORE_CFLAGS) $(CHECK_CFLAGS)
GH_TEST_LIBS = libghtest.la $(GH_CORE_LIBS) $(CHECK_LIBS)

noinst_LTLIBRARIES += libghtest.la
libghtest_la_SOURCES = tests/unit/testutil.c tests/unit/testutil.h
libghtest_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(CHECK_CFLAGS)

check_PROGRAMS += tests/unit/test_config tests/unit/test_store tests/unit/test_session
TESTS += tests/unit/test_config tests/unit/test_store tests/unit/test_session
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_config_LDADD = $(GH_TEST_LIBS)
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_store_LDADD = $(GH_TEST_LIBS)
tests_unit_test_session_SOURCES = tests/unit/test_session.c tests/unit/gpu-fixture.c tests/unit/gpu-fixture.h
tests_unit_test_session_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_session_LDADD = $(GH_TEST_LIBS)

# The image catalog, with fixtures of hostile manifests and bad profiles.
check_PROGRAMS += tests/unit/test_image
TESTS += tests/unit/test_image
tests_unit_test_image_SOURCES = tests/unit/test_image.c
tests_unit_test_image_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_image_LDADD = $(GH_TEST_LIBS)
EXTRA_DIST += \
	tests/data/manifests/billion-laughs.image.xml \
	tests/data/manifests/external-entity.image.xml \
	tests/data/manifests/malformed.image.xml \
	tests/data/profiles/display-too-narrow.xml \
	tests/data/profiles/display-too-tall.xml \
	tests/data/profiles/gpu-class-without-gpu.xml \
	tests/data/profiles/gpu-need-bad.xml \
	tests/data/profiles/id-mismatch.xml \
	tests/data/profiles/memory-negative.xml \
	tests/data/profiles/memory-too-large.xml \
	tests/data/profiles/memory-too-small.xml \
	tests/data/profiles/refresh-too-high.xml \
	tests/data/profiles/refresh-too-low.xml \
	tests/data/profiles/valid-large.xml \
	tests/data/profiles/valid-small.xml \
	tests/data/profiles/vcpus-huge.xml \
	tests/data/profiles/vcpus-too-many.xml \
	tests/data/profiles/vcpus-zero.xml

# The domain module: golden domain XML files.
check_PROGRAMS += tests/unit/test_domain
TESTS += tests/unit/test_domain
tests_unit_test_domain_SOURCES = tests/unit/test_domain.c
tests_unit_test_domain_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_domain_LDADD = $(GH_TEST_LIBS)

# Rewrite with: make check TESTS=tests/unit/test_domain GH_TEST_REGENERATE_OUTPUT=1
EXTRA_DIST += \
	tests/data/domain/disk-qemu.xml \
	tests/data/domain/disk-uefi.xml \
	tests/data/domain/gpu-hugepages.xml \
	tests/data/domain/gpu-mdev-display.xml \
	tests/data/domain/gpu-pci-audio.xml \
	tests/data/domain/gpu-pci-unmanaged.xml \
	tests/data/domain/gpu-vf.xml \
	tests/data/domain/kernel-cmdline.xml \
	tests/data/domain/kernel-kvm.xml \
	tests/data/domain/kernel-novnc.xml \
	tests/data/domain/kernel-qemu.xml \
	tests/data/domain/profile-living-room.xml \
	tests/data/domain/kernel-relay.xml \
	tests/data/domain/gpu-pci-relay.xml
