# The domain module's unit tests and their golden domain XML files.
# Per-target CFLAGS replace AM_CFLAGS, so it is named again to keep the
# project's warnings and sanitizers on this test too.
check_PROGRAMS += tests/unit/test_domain
TESTS += tests/unit/test_domain
tests_unit_test_domain_SOURCES = tests/unit/test_domain.c
tests_unit_test_domain_CFLAGS = $(AM_CFLAGS) $(GH_CORE_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_domain_LDADD = $(GH_CORE_LIBS) $(CHECK_LIBS)

# Rewrite with: make check TESTS=tests/unit/test_domain GH_TEST_REGENERATE_OUTPUT=1
EXTRA_DIST += \
	tests/data/domain/disk-qemu.xml \
	tests/data/domain/disk-uefi.xml \
	tests/data/domain/kernel-cmdline.xml \
	tests/data/domain/kernel-kvm.xml \
	tests/data/domain/kernel-novnc.xml \
	tests/data/domain/kernel-qemu.xml \
	tests/data/domain/profile-living-room.xml
