# util: JSON helpers, the JSON form of input events, the one hardened XML
# reader, enum tables, held-input tracking and the log rate limiter.  The leftmost layer: uses nothing else of the
# runtime.  Included from the top Makefile.am; only appends to its lists.
noinst_LTLIBRARIES += libghutil.la
libghutil_la_CFLAGS = $(GH_RUNTIME_CFLAGS)
libghutil_la_SOURCES = \
	runtime/util/json-util.c runtime/util/json-util.h \
	runtime/util/input-json.c runtime/util/input-json.h \
	runtime/util/xml-util.c runtime/util/xml-util.h \
	runtime/util/enum.c runtime/util/enum.h \
	runtime/util/input-held.c runtime/util/input-held.h \
	runtime/util/log-limit.c runtime/util/log-limit.h \
	runtime/util/log-stderr.c runtime/util/log-stderr.h
GH_UTIL_LIBS = libghutil.la $(GLIB_LIBS) $(JSONGLIB_LIBS) $(LIBXML_LIBS)

check_PROGRAMS += tests/unit/test_input_json
TESTS += tests/unit/test_input_json
tests_unit_test_input_json_SOURCES = tests/unit/test_input_json.c
tests_unit_test_input_json_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_input_json_LDADD = libghtest.la $(GH_UTIL_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_json_util
TESTS += tests/unit/test_json_util
tests_unit_test_json_util_SOURCES = tests/unit/test_json_util.c
tests_unit_test_json_util_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_json_util_LDADD = libghtest.la $(GH_UTIL_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_xml_util tests/unit/test_enum
TESTS += tests/unit/test_xml_util tests/unit/test_enum
tests_unit_test_xml_util_SOURCES = tests/unit/test_xml_util.c
tests_unit_test_xml_util_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_xml_util_LDADD = libghtest.la $(GH_UTIL_LIBS) $(CHECK_LIBS)
tests_unit_test_enum_SOURCES = tests/unit/test_enum.c
tests_unit_test_enum_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_enum_LDADD = libghtest.la $(GH_UTIL_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_input_held tests/unit/test_log_limit
TESTS += tests/unit/test_input_held tests/unit/test_log_limit
tests_unit_test_input_held_SOURCES = tests/unit/test_input_held.c
tests_unit_test_input_held_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_input_held_LDADD = libghtest.la $(GH_UTIL_LIBS) $(CHECK_LIBS)
tests_unit_test_log_limit_SOURCES = tests/unit/test_log_limit.c
tests_unit_test_log_limit_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_log_limit_LDADD = libghtest.la $(GH_UTIL_LIBS) $(CHECK_LIBS)
