# The gpu module: the GPU inventory from sysfs, the allowlist and verdicts.
libghcore_la_SOURCES += runtime/gpu.c runtime/gpu.h

# Its suite, on fake sysfs trees (gpu-fixture) that the claim and domain
# suites may link as well.
check_PROGRAMS += tests/unit/test_gpu
TESTS += tests/unit/test_gpu
tests_unit_test_gpu_SOURCES = tests/unit/test_gpu.c tests/unit/gpu-fixture.c tests/unit/gpu-fixture.h
tests_unit_test_gpu_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_gpu_LDADD = $(GH_TEST_LIBS)
