#!/usr/bin/env bash
# bench/fuzz.sh TARGET EXECUTIONS
#
# Runs the libFuzzer target tests/fuzz/fuzz-TARGET.c for EXECUTIONS inputs
# over a copy of its seed corpus (tests/fuzz/corpus/TARGET/) and prints a
# table row: target, executions, exec/s (over the run's wall time, start-up
# included: libFuzzer's own figure is whole seconds), coverage (cov: and ft:
# of libFuzzer's final line) and crashes.  The fuzzing build (clang,
# --enable-fuzzing: libFuzzer, ASan, UBSan) lives in build-fuzz/ and is made
# the first time.  The grown corpus, libFuzzer's log and any crash input stay
# in the work dir it names.  Needs clang and libFuzzer (Debian: clang,
# libclang-rt-14-dev; scripts/deps.sh installs them).
set -euo pipefail
usage="usage: bench/fuzz.sh TARGET EXECUTIONS"
target=${1:?$usage}
runs=${2:?$usage}
src=$(cd "$(dirname "$0")/.." && pwd)
build="$src/build-fuzz"
corpus="$src/tests/fuzz/corpus/$target"
[ -d "$corpus" ] || { echo "fuzz: no corpus $corpus" >&2; exit 1; }

if [ ! -f "$build/Makefile" ]; then
    [ -x "$src/configure" ] || (cd "$src" && mkdir -p m4 && autoreconf -fi) >&2
    mkdir -p "$build"
    (cd "$build" && "$src/configure" -q CC=clang --enable-fuzzing CFLAGS="-O2 -g") >&2
fi
make -s -C "$build" -j2 "tests/fuzz/fuzz-$target" >&2

work=$(mktemp -d "/tmp/gh-fuzz-$target.XXXXXX")
mkdir "$work/corpus" "$work/crashes"
cp "$corpus"/* "$work/corpus/"
echo "fuzz: $target, $runs executions, work dir $work" >&2
# GLib 2.74's slice allocator would hide a use after free from ASan.
status=0
start=$EPOCHREALTIME
G_SLICE=always-malloc "$build/tests/fuzz/fuzz-$target" -runs="$runs" -artifact_prefix="$work/crashes/" \
    "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')

# libFuzzer's last status line: "#1000000 DONE cov: 412 ft: 1500 corp: ... exec/s: 52631 rss: 60Mb"
last=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -n 1 || true)
field() { printf '%s\n' "$last" | sed -n "s|.* $1: *\([0-9]*\).*|\1|p"; }
done_runs=$(printf '%s\n' "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
crashes=$(find "$work/crashes" -type f | wc -l)
echo "| target | executions | exec/s | cov | ft | crashes |"
echo "|---|---:|---:|---:|---:|---:|"
rate=$(awk -v n="${done_runs:-0}" -v t="$elapsed" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
echo "| $target | ${done_runs:-0} | $rate | $(field cov) | $(field ft) | $crashes |"
if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    echo "fuzz: libFuzzer exited $status; see $work/fuzz.log and $work/crashes/" >&2
    exit 1
fi
