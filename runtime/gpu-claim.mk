# The GPU claim tracker (runtime/gpu-claim.c) and its unit suite, with the
# property test of random claim/release/restart sequences.
# Included from the top Makefile.am; only appends to its lists.
libghcore_la_SOURCES += runtime/gpu-claim.c runtime/gpu-claim.h

check_PROGRAMS += tests/unit/test_gpu_claim
TESTS += tests/unit/test_gpu_claim
tests_unit_test_gpu_claim_SOURCES = tests/unit/test_gpu_claim.c
tests_unit_test_gpu_claim_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_gpu_claim_LDADD = $(GH_TEST_LIBS)
