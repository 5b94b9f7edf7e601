# Unit suites of the runtime's core modules (Check).  Per-target CFLAGS
# replace AM_CFLAGS, so it is named again to keep warnings and sanitizers.
GH_TEST_CFLAGS = $(AM_CFLAGS) $(GH_CORE_CFLAGS) $(CHECK_CFLAGS)
GH_TEST_LIBS = $(GH_CORE_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_config tests/unit/test_store tests/unit/test_session
TESTS += tests/unit/test_config tests/unit/test_store tests/unit/test_session
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_config_LDADD = $(GH_TEST_LIBS)
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_store_LDADD = $(GH_TEST_LIBS)
tests_unit_test_session_SOURCES = tests/unit/test_session.c
tests_unit_test_session_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_session_LDADD = $(GH_TEST_LIBS)
