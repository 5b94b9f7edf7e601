# The REST API (runtime/api*.c) and /metrics, the JSON form of input events,
# and their unit tests.  Included from the top Makefile.am; only appends to
# its lists.
# Where the web player's files are installed (player/local.mk); [api] player_dir.
AM_CPPFLAGS += -DGH_PLAYER_DIR=\"$(pkgdatadir)/player\"

libghcore_la_SOURCES += \
	runtime/player-token.c runtime/player-token.h \
	runtime/api-signal.c \
	runtime/api-play.c \
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
tests_unit_test_api_SOURCES = tests/unit/test_api.c tests/plugins/stream-peer-fake.h
tests_unit_test_api_CFLAGS = $(AM_CFLAGS) $(GH_CORE_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_api_LDADD = $(GH_CORE_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_input_json
TESTS += tests/unit/test_input_json
tests_unit_test_input_json_SOURCES = tests/unit/test_input_json.c
tests_unit_test_input_json_CFLAGS = $(AM_CFLAGS) $(GH_CORE_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_input_json_LDADD = $(GH_CORE_LIBS) $(CHECK_LIBS)

EXTRA_DIST += docs/api.yaml

# Player tokens on their own (pure).
check_PROGRAMS += tests/unit/test_player_token
TESTS += tests/unit/test_player_token
tests_unit_test_player_token_SOURCES = tests/unit/test_player_token.c
tests_unit_test_player_token_CFLAGS = $(AM_CFLAGS) $(GH_CORE_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_player_token_LDADD = $(GH_CORE_LIBS) $(CHECK_LIBS)

# An interactive stream backend for the signal endpoint's tests (test_api,
# test_session, test_pipeline load it from tests/plugins/.libs/).
check_LTLIBRARIES += tests/plugins/stream-peer-fake.la
tests_plugins_stream_peer_fake_la_SOURCES = tests/plugins/stream-peer-fake.c tests/plugins/stream-peer-fake.h
tests_plugins_stream_peer_fake_la_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/include
tests_plugins_stream_peer_fake_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere

# A stand-in for the web player's files (the real ones: player/, installed
# by player/local.mk), for the /play tests.
EXTRA_DIST += tests/data/player/index.html tests/data/player/player.js tests/data/player/player.css
