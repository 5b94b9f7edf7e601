#!/bin/sh
# make check: the wire fuzz target (fuzz-wire.c) over its whole corpus,
# tests/fuzz/corpus/wire/, without libFuzzer.
exec "${GH_TEST_BUILDDIR:-.}/tests/fuzz/fuzz-replay" "${GH_TEST_SRCDIR:-.}/tests/fuzz/corpus/wire"
