# api: the REST API (libsoup 3 + json-glib): routing and auth, responders,
# one handler file per resource, server-sent events, player signalling, the
# player page, /metrics.  Uses every layer to its left.
# Where the web player's files are installed (player/local.mk); [api] player_dir.
AM_CPPFLAGS += -DGH_PLAYER_DIR=\"$(pkgdatadir)/player\"

noinst_LTLIBRARIES += libghapi.la
libghapi_la_CFLAGS = $(GH_RUNTIME_CFLAGS)
libghapi_la_SOURCES = \
	runtime/api/api.c runtime/api/api.h runtime/api/api-private.h \
	runtime/api/api-respond.c runtime/api/api-respond.h \
	runtime/api/api-events.c \
	runtime/api/api-host.c \
	runtime/api/api-images.c \
	runtime/api/api-play.c \
	runtime/api/api-plugins.c \
	runtime/api/api-session-io.c \
	runtime/api/api-sessions.c \
	runtime/api/api-signal.c \
	runtime/api/metrics.c runtime/api/metrics.h
GH_API_LIBS = libghapi.la $(GH_SESSION_LIBS) $(SOUP_LIBS)

# Its suites, one per file they specify (test_api.c: api.c and
# api-respond.c).  They share one fixture, the daemon in process and an HTTP
# client (tests/unit/api-fixture), compiled once.
check_LTLIBRARIES += libghapitest.la
libghapitest_la_SOURCES = tests/unit/api-fixture.c tests/unit/api-fixture.h tests/unit/worker-fixture.h \
	tests/plugins/pipeline-fake.h tests/plugins/stream-peer-fake.h
libghapitest_la_CFLAGS = $(GH_TEST_CFLAGS)
GH_API_TEST_LIBS = libghapitest.la libghtest.la $(GH_API_LIBS) $(CHECK_LIBS)

GH_API_SUITES = \
	tests/unit/test_api \
	tests/unit/test_api_host \
	tests/unit/test_api_sessions \
	tests/unit/test_api_session_io \
	tests/unit/test_api_signal \
	tests/unit/test_api_play \
	tests/unit/test_api_events
check_PROGRAMS += $(GH_API_SUITES)
TESTS += $(GH_API_SUITES)
tests_unit_test_api_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_api_LDADD = $(GH_API_TEST_LIBS)
tests_unit_test_api_host_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_api_host_LDADD = $(GH_API_TEST_LIBS)
tests_unit_test_api_sessions_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_api_sessions_LDADD = $(GH_API_TEST_LIBS)
tests_unit_test_api_session_io_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_api_session_io_LDADD = $(GH_API_TEST_LIBS)
tests_unit_test_api_signal_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_api_signal_LDADD = $(GH_API_TEST_LIBS)
tests_unit_test_api_play_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_api_play_LDADD = $(GH_API_TEST_LIBS)
tests_unit_test_api_events_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_api_events_LDADD = $(GH_API_TEST_LIBS)

EXTRA_DIST += docs/api.yaml
# A stand-in for the web player's files (the real ones: player/, installed
# by player/local.mk), for the /play tests.
EXTRA_DIST += tests/data/player/index.html tests/data/player/player.js tests/data/player/player.css
