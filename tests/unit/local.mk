# What the unit suites (Check) share: testutil, and the flags every suite
# compiles with.  Each suite is declared by the local.mk of the layer it
# tests (runtime/<layer>/local.mk) and links only that layer and those to
# its left.  Per-target CFLAGS replace AM_CFLAGS, so it is named again to
# keep warnings and sanitizers.
GH_TEST_CFLAGS = $(GH_RUNTIME_CFLAGS) $(CHECK_CFLAGS)

noinst_LTLIBRARIES += libghtest.la
libghtest_la_SOURCES = tests/unit/testutil.c tests/unit/testutil.h
libghtest_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(CHECK_CFLAGS)

# The image catalog's fixtures (test_image): hostile manifests, bad profiles.
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

# The image builder's fixtures (test_image_build): a spec and its file, the
# golden manifest, and apt-get's real answers (stdout of a simulated install,
# stderr of a failed one).
EXTRA_DIST += \
	tests/data/image-build/freedoom.spec \
	tests/data/image-build/default.cfg \
	tests/data/image-build/freedoom.image.xml \
	tests/data/image-build/apt-simulate.txt \
	tests/data/image-build/apt-unknown-package.txt

# Golden domain XML (test_domain, runtime/virt/local.mk).
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
	tests/data/domain/linux-virtio.xml \
	tests/data/domain/kernel-sound.xml \
	tests/data/domain/gpu-pci-relay.xml
