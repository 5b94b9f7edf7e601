#!/usr/bin/env bash
# The whole test suite: unit suites (also under ASan+UBSan), distcheck, and
# the end-to-end tests with real QEMU.  Run as root on Debian 12.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh
mkdir -p m4
autoreconf -fi

mkdir -p build
(cd build && ../configure -q CFLAGS="-O2 -g -Werror" && make -j"$(nproc)" && make check)

mkdir -p build-asan
(cd build-asan && ../configure -q --enable-sanitizers CFLAGS="-O1 -g -Werror" &&
    make -j"$(nproc)" && ASAN_OPTIONS=detect_leaks=1 make check)

(cd build && make distcheck)

stage=$(mktemp -d /tmp/gh-stage.XXXXXX)
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT
(cd build && make install DESTDIR="$stage" >/dev/null)
# The real-game image, once before the tests (minutes the first time on a
# machine, seconds from the cache after): the tests' own timeouts are for
# playing it, not for building it.
start=$SECONDS
tests/e2e/freedoom-image.sh "$stage/usr/local" "$stage/images/freedoom" | tail -n 3
echo "freedoom image: $(( SECONDS - start )) s"
GH_PNG_PROBE="$top/build/tests/e2e/png-probe" tests/e2e/run.sh "$stage/usr/local"
