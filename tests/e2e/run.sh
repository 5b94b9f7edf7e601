#!/usr/bin/env bash
# Runs every end-to-end test against an installed tree and prints a summary
# line.  Usage: tests/e2e/run.sh PREFIX [TEST...]   (needs root: the embedded
# libvirt driver runs QEMU as the libvirt-qemu user)
set -uo pipefail
export GH_PREFIX=${1:?usage: run.sh PREFIX [TEST...]}
shift
dir=$(cd "$(dirname "$0")" && pwd)
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("$dir"/test-*.sh)
passed=0 failed=0
for t in "${tests[@]}"; do
    name=$(basename "$t" .sh)
    start=$SECONDS
    if timeout 300 bash "$t"; then
        echo "PASS: $name ($(( SECONDS - start )) s)"; passed=$((passed + 1))
    else
        echo "FAIL: $name ($(( SECONDS - start )) s)"; failed=$((failed + 1))
    fi
done
# Nothing of ours may outlive the suite.
if pgrep -f -- "/tmp/gh-e2e\." >/dev/null; then
    echo "FAIL: QEMU processes left behind:"; pgrep -af -- "/tmp/gh-e2e\."; failed=$((failed + 1))
fi
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
