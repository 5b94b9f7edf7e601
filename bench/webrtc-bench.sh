#!/bin/bash
# bench/webrtc-bench.sh PREFIX_OR_BUILD_DIR: the stream.webrtc benchmark
# (issue 5, docs/performance.md).  Runs bench/webrtc-bench (host side through
# the plugin ABI + a webrtcbin receiver in another process) inside a network
# namespace of its own (libnice ignores the loopback interface), once per
# size and codec, and prints the commands and two markdown tables.
#
# PREFIX_OR_BUILD_DIR: a build dir (bench/webrtc-bench and
# plugins/.libs/stream-webrtc.so in it) or an installed prefix
# (lib/gamehost/plugins/stream-webrtc.so; the program from $WEBRTC_BENCH or
# the source tree's build/bench/); PLUGIN=/path/stream-webrtc.so overrides
# the plugin.
# Knobs (environment): INPUTS=300 (per run), INPUTS_SMALL=300 (640x480 and
# 1080p), INTERVAL_MS=100, BITRATE=4000, WARMUP_MS=2000, PIN=1 (sender on
# CPU 0, receiver on CPU 1: "a session on one core"; PIN=0 lets both float),
# RUNS="h264:640x480 h264:1280x720 h264:1920x1080 vp8:1280x720".
# Needs root (ip netns) and GStreamer with webrtcbin, nice, x264enc, vp8enc.
# Bounded: each run has its own timeout; the namespace is always deleted.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../scripts/netns.sh"
[ $# -ge 1 ] || { echo "usage: $0 PREFIX_OR_BUILD_DIR" >&2; exit 2; }
base=$(cd "$1" && pwd) || { echo "bench: no such directory: $1" >&2; exit 2; }

if [ -f "$base/plugins/.libs/stream-webrtc.so" ]; then
    plugin=$base/plugins/.libs/stream-webrtc.so
    prog=${WEBRTC_BENCH:-$base/bench/webrtc-bench}
else
    plugin=$base/lib/gamehost/plugins/stream-webrtc.so
    prog=${WEBRTC_BENCH:-$here/../build/bench/webrtc-bench}
fi
plugin=${PLUGIN:-$plugin}
[ -f "$plugin" ] || { echo "bench: $plugin not found" >&2; exit 1; }
[ -x "$prog" ] || { echo "bench: $prog not found (make -C BUILD bench/webrtc-bench)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root (ip netns)" >&2; exit 1; }

INPUTS=${INPUTS:-300}
INPUTS_SMALL=${INPUTS_SMALL:-300}
INTERVAL_MS=${INTERVAL_MS:-100}
BITRATE=${BITRATE:-4000}
WARMUP_MS=${WARMUP_MS:-2000}
PIN=${PIN:-1}
RUNS=${RUNS:-"h264:640x480 h264:1280x720 h264:1920x1080 vp8:1280x720"}

ns=ghbench-$$
out=$(mktemp -d /tmp/gh-webrtc-bench.XXXXXX)
cleanup() {
    gh_netns_delete "$ns"
    rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gh_netns_create "$ns" || { echo "bench: cannot create network namespace $ns" >&2; exit 1; }

pin=()
[ "$PIN" = 1 ] && pin=(--sender-cpu 0 --receiver-cpu 1)

echo "webrtc-bench on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(date -u +%Y-%m-%d)"
echo "plugin: $plugin"
echo
"$prog" --header > "$out/header"
n=0
for run in $RUNS; do
    codec=${run%%:*}
    size=${run#*:}
    inputs=$INPUTS
    [ "$size" != 1280x720 ] && inputs=$INPUTS_SMALL
    label="${codec^^} $size"
    [ "$PIN" = 1 ] && label="$label, 1 core"
    # inputs * interval, plus connection, warm-up and tail; then some slack.
    timeout_s=$(( inputs * INTERVAL_MS * 13 / 10000 + WARMUP_MS / 1000 + 20 ))
    cmd=("$prog" --plugin "$plugin" --size "$size" --codec "${codec^^}" --bitrate "$BITRATE" --fps 60
         --warmup-ms "$WARMUP_MS" --inputs "$inputs" --interval-ms "$INTERVAL_MS" --timeout-s "$timeout_s"
         --label "$label" "${pin[@]}")
    printf '    $ ip netns exec %s %s\n' "$ns" "${cmd[*]}"
    echo "    # load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    n=$((n + 1))
    if ! ip netns exec "$ns" timeout $((timeout_s + 15)) "${cmd[@]}" > "$out/run$n" 2> "$out/err$n"; then
        echo "bench: run '$label' failed; its stderr:" >&2
        tail -n 30 "$out/err$n" >&2
        continue
    fi
    grep '^webrtc-bench: ' "$out/err$n" | grep -v 'plugin debug' | sed 's/^/    # /' || true
done
echo
for table in latency load; do
    grep "^$table: " "$out/header" | sed "s/^$table: //"
    cat "$out"/run* 2>/dev/null | grep "^$table: " | sed "s/^$table: //" || true
    echo
done
