# The fuzz targets (libFuzzer's LLVMFuzzerTestOneInput, tests/fuzz/fuzz.h)
# and their seed corpora.  Every `make check` replays each corpus through its
# target with fuzz-replay, with any compiler; --enable-fuzzing (CC=clang)
# builds the libFuzzer programs, which bench/fuzz.sh runs.  A target
# compiles the sources it fuzzes itself, so that only they carry libFuzzer's
# coverage instrumentation.
GH_FUZZ_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/runtime -I$(srcdir)/include $(GLIB_CFLAGS)
GH_FUZZ_WIRE_SOURCES = tests/fuzz/fuzz-wire.c tests/fuzz/fuzz.h \
	runtime/plugin/wire.c runtime/plugin/wire.h \
	runtime/plugin/worker-proto.c runtime/plugin/worker-proto.h

check_PROGRAMS += tests/fuzz/fuzz-replay
TESTS += tests/fuzz/replay-wire.sh
tests_fuzz_fuzz_replay_SOURCES = tests/fuzz/fuzz-replay.c $(GH_FUZZ_WIRE_SOURCES)
tests_fuzz_fuzz_replay_CFLAGS = $(GH_FUZZ_CFLAGS)
tests_fuzz_fuzz_replay_LDADD = $(GLIB_LIBS)

if GH_FUZZING
noinst_PROGRAMS = tests/fuzz/fuzz-wire
tests_fuzz_fuzz_wire_SOURCES = $(GH_FUZZ_WIRE_SOURCES)
tests_fuzz_fuzz_wire_CFLAGS = $(GH_FUZZ_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_wire_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_wire_LDADD = $(GLIB_LIBS)
endif

# The corpus dir as a whole: seeds come from test_wire
# (GH_TEST_REGENERATE_OUTPUT=1) and from what fuzzing finds.
EXTRA_DIST += tests/fuzz/replay-wire.sh tests/fuzz/corpus/wire
