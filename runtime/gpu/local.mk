# gpu: the GPU inventory from sysfs, the allowlist and its verdicts, the claim
# tracker, and their JSON.  Uses util.
noinst_LTLIBRARIES += libghgpu.la
libghgpu_la_CFLAGS = $(GH_RUNTIME_CFLAGS)
libghgpu_la_SOURCES = \
	runtime/gpu/gpu.c runtime/gpu/gpu.h \
	runtime/gpu/gpu-claim.c runtime/gpu/gpu-claim.h \
	runtime/gpu/gpu-json.c
GH_GPU_LIBS = libghgpu.la $(GH_UTIL_LIBS)

# Its suites, on fake sysfs trees (tests/unit/gpu-fixture), with the property
# test of random claim/release/restart sequences.
check_PROGRAMS += tests/unit/test_gpu tests/unit/test_gpu_claim
TESTS += tests/unit/test_gpu tests/unit/test_gpu_claim
tests_unit_test_gpu_SOURCES = tests/unit/test_gpu.c tests/unit/gpu-fixture.c tests/unit/gpu-fixture.h
tests_unit_test_gpu_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_gpu_LDADD = libghtest.la $(GH_GPU_LIBS) $(CHECK_LIBS)
tests_unit_test_gpu_claim_SOURCES = tests/unit/test_gpu_claim.c
tests_unit_test_gpu_claim_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_gpu_claim_LDADD = libghtest.la $(GH_GPU_LIBS) $(CHECK_LIBS)
