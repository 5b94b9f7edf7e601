# The REST API (runtime/api*.c) and /metrics, the JSON form of input events,
# and their unit tests.  Included from the top Makefile.am; only appends to
# its lists.
libghcore_la_SOURCES += \
	runtime/api.c runtime/api.h runtime/api-private.h \
	runtime/api-host.c \
	runtime/api-images.c \
	runtime/api-plugins.c \
	runtime/api-sessions.c \
	runtime/api-session-io.c \
	runtime/api-events.c \
	runtime/input-json.c runtime/input-json.h \
	runtime/metrics.c runtime/metrics.h

check_PROGRAMS += tests/unit/test_api
TESTS += tests/unit/test_api
tests_unit_test_api_SOURCES = tests/unit/test_api.c
tests_unit_test_api_CFLAGS = $(AM_CFLAGS) $(GH_CORE_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_api_LDADD = $(GH_CORE_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_input_json
TESTS += tests/unit/test_input_json
tests_unit_test_input_json_SOURCES = tests/unit/test_input_json.c
tests_unit_test_input_json_CFLAGS = $(AM_CFLAGS) $(GH_CORE_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_input_json_LDADD = $(GH_CORE_LIBS) $(CHECK_LIBS)

EXTRA_DIST += docs/api.yaml
