# session: session records and the state machine, the store, adoption after
# a restart, GPU claims per session, pipelines and players per session, player
# tokens.  Uses every layer to its left.
noinst_LTLIBRARIES += libghsession.la
libghsession_la_CFLAGS = $(GH_RUNTIME_CFLAGS)
libghsession_la_SOURCES = \
	runtime/session/session.c runtime/session/session.h runtime/session/session-private.h \
	runtime/session/session-json.c \
	runtime/session/session-restore.c \
	runtime/session/session-gpu.c \
	runtime/session/session-pipeline.c \
	runtime/session/session-peers.c \
	runtime/session/session-workers.c \
	runtime/session/session-worker-start.c \
	runtime/session/store.c runtime/session/store.h \
	runtime/session/player-token.c runtime/session/player-token.h
GH_SESSION_LIBS = libghsession.la $(GH_VIRT_LIBS)

check_PROGRAMS += tests/unit/test_session tests/unit/test_store tests/unit/test_player_token
TESTS += tests/unit/test_session tests/unit/test_store tests/unit/test_player_token
tests_unit_test_session_SOURCES = tests/unit/test_session.c tests/unit/gpu-fixture.c tests/unit/gpu-fixture.h
tests_unit_test_session_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_session_LDADD = libghtest.la $(GH_SESSION_LIBS) $(CHECK_LIBS)
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_store_LDADD = libghtest.la $(GH_SESSION_LIBS) $(CHECK_LIBS)
tests_unit_test_player_token_SOURCES = tests/unit/test_player_token.c
tests_unit_test_player_token_CFLAGS = $(GH_TEST_CFLAGS)
tests_unit_test_player_token_LDADD = libghtest.la $(GH_SESSION_LIBS) $(CHECK_LIBS)
