#!/usr/bin/env bash
# bench/freedoom.sh PREFIX [SECONDS=30]
#
# The real-game image (images/freedoom) under TCG, in one run:
#   - image build: cold (an empty cache: every .deb downloaded, mmdebstrap,
#     mke2fs, qcow2; BENCH_COLD=0 skips it) and cached (the same build again);
#   - boot, per capture path: POST /v1/sessions to the agent's first relay
#     frame (its serial line; relay only) and to the game's first frame (the
#     first GET /frame showing E1M1's status bar exactly as
#     tests/data/freedoom-e1m1-statusbar.png has it, polled every 0.5 s);
#   - capture.relay against capture.vnc on this guest, one after the other in
#     the same run: once the game shows, GET /v1/sessions/{id}/frame one after
#     another for SECONDS (each waits for a frame newer than the last: what a
#     consumer gets), and the table has frames/s, ms per frame (p50) and the
#     CPU of gamehostd and of QEMU over that window.  (Not a recording: the
#     VNC path shows the firmware's 720x400 text mode at boot, and a
#     recording keeps its first size.)
#   - the agent's own numbers inside the guest (its "stats" serial line over
#     the last 10 s window): frames published per second, ticks, unchanged
#     ticks, its CPU, and frame age (publish minus the tick that saw the
#     change) p50 and p99.
# Needs the png-probe helper (GH_PNG_PROBE, default build/tests/e2e/png-probe).
. "$(dirname "$0")/bench-lib.sh"
bench_init "${1:?usage: bench/freedoom.sh PREFIX [SECONDS]}" freedoom
SECS=${2:-30}
PROBE=${GH_PNG_PROBE:-$BENCH_DIR/../build/tests/e2e/png-probe}
[ -x "$PROBE" ] || bench_fail "png-probe not found at $PROBE: make -C build check, or set GH_PNG_PROBE"
REF="$BENCH_DIR/../tests/data/freedoom-e1m1-statusbar.png"
BUILD="$BENCH_DIR/../tests/e2e/freedoom-image.sh"
CACHE=${GH_IMAGE_CACHE:-/var/cache/gamehost/images}

echo "Freedoom image under TCG, $(nproc) host CPUs, $(date -u +%F)"
echo
echo "## Image build"
echo
if [ "${BENCH_COLD:-1}" = 1 ]; then
    bench_note "cold build into an empty cache (minutes)"
    bench_show "GH_IMAGE_CACHE=\$empty tests/e2e/freedoom-image.sh $GH_PREFIX \$out"
    t0=$(now_us)
    GH_IMAGE_CACHE="$T/cold-cache" "$BUILD" "$GH_PREFIX" "$T/cold/freedoom" >"$T/cold.log" 2>&1 ||
        bench_fail "cold build: $(tail -n 5 "$T/cold.log")"
    cold_ms=$(( ($(now_us) - t0) / 1000 ))
    rm -rf "$T/cold-cache" "$T/cold"
fi
bench_note "build (primes $CACHE), then the cached build"
GH_IMAGE_CACHE="$CACHE" "$BUILD" "$GH_PREFIX" "$T/images/freedoom" >"$T/prime.log" 2>&1 ||
    bench_fail "build: $(tail -n 5 "$T/prime.log")"
rm -rf "$T/images/freedoom"
bench_show "tests/e2e/freedoom-image.sh $GH_PREFIX \$out   # cache: $CACHE"
t0=$(now_us)
GH_IMAGE_CACHE="$CACHE" "$BUILD" "$GH_PREFIX" "$T/images/freedoom" >"$T/cached.log" 2>&1 ||
    bench_fail "cached build: $(tail -n 5 "$T/cached.log")"
cached_ms=$(( ($(now_us) - t0) / 1000 ))
grep -qi "cache hit" "$T/cached.log" || bench_fail "the second build was not a cache hit: $(tail -n 3 "$T/cached.log")"
echo "| build | seconds |"
echo "|---|---|"
[ -n "${cold_ms:-}" ] && echo "| cold (empty cache, downloads included) | $(awk -v m="$cold_ms" 'BEGIN { printf "%.1f", m / 1000 }') |"
echo "| cached (same spec and package versions) | $(awk -v m="$cached_ms" 'BEGIN { printf "%.1f", m / 1000 }') |"
echo "artefacts: $(cd "$T/images/freedoom" && du -h --apparent-size vmlinuz initrd.img root.qcow2 | awk '{ printf "%s %s  ", $2, $1 }')"

bench_write_config "" 2 "$T/images"
bench_start_daemon

is_game() { # png: E1M1's status bar labels and AMMO 50, exactly
    local r
    for r in "0 458 279 476" "361 458 639 476" "0 405 90 450"; do
        [ "$("$PROBE" --diff "$REF" "$1" $r 2>/dev/null | sed 's/.*differing=\([0-9]*\) .*/\1/')" = 0 ] || return 1
    done
}

declare -A ROW
for capture in capture.relay capture.vnc; do
    bench_note "$capture: boot, then GET /frame for $SECS s"
    body="{\"image\":\"freedoom\",\"capture\":\"$capture\"}"
    t0=$(now_us)
    id=$(api POST /v1/sessions "$body" | jq -r .id)
    [ "$(api_status)" = 201 ] || bench_fail "create ($capture): $(cat "$T/body")"
    for _ in $(seq 1 600); do [ "$(api GET "/v1/sessions/$id" | jq -r .state)" = running ] && break; snooze 0.1; done
    log=$(api GET "/v1/sessions/$id" | jq -r .serial_log)
    agent_ms=-
    if [ "$capture" = capture.relay ]; then
        agent_ms=$(( ($(wait_serial "$log" "gamehost-agent: first frame" 300) - t0) / 1000 ))
    fi
    game_ms=""
    for _ in $(seq 1 600); do
        curl -sS -o "$T/f.png" -H "Authorization: Bearer $TOKEN" "$URL/v1/sessions/$id/frame" &&
            is_game "$T/f.png" && { game_ms=$(( ($(now_us) - t0) / 1000 )); break; }
        snooze 0.5
    done
    [ -n "$game_ms" ] || bench_fail "$capture: the game never showed"
    qemu=$(pgrep -f -- "guest=gh-$id" | head -n 1)
    : >"$T/frame-$capture.us"
    d0=$(cpu_ticks "$DAEMON_PID"); q0=$(cpu_ticks "$qemu"); w0=$(now_us)
    while [ $(( $(now_us) - w0 )) -lt $(( SECS * 1000000 )) ]; do
        t1=$(now_us)
        code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/sessions/$id/frame")
        [ "$code" = 200 ] && echo $(( $(now_us) - t1 )) >>"$T/frame-$capture.us"
    done
    d1=$(cpu_ticks "$DAEMON_PID"); q1=$(cpu_ticks "$qemu"); w1=$(now_us)
    hz=$(getconf CLK_TCK)
    f=$(wc -l <"$T/frame-$capture.us")
    p50=$(stat_of "$T/frame-$capture.us" p50)
    ROW[$capture]=$(awk -v f="$f" -v p50="$p50" -v d=$((d1 - d0)) -v q=$((q1 - q0)) -v w=$((w1 - w0)) -v hz="$hz" \
        -v a="$agent_ms" -v g="$game_ms" 'BEGIN {
            s = w / 1e6
            printf "| %s | %.1f | %.1f | %.1f | %.0f %% | %.0f %% |", \
                (a == "-" ? "-" : sprintf("%.1f", a / 1000)), g / 1000, f / s, p50 / 1000, 100 * d / hz / s, 100 * q / hz / s }')
    if [ "$capture" = capture.relay ]; then
        agent_stats=$(grep "gamehost-agent: stats" "$log" | tail -n 1 | sed 's/.*stats //')
    fi
    api DELETE "/v1/sessions/$id" >/dev/null
    for _ in $(seq 1 300); do [ "$(api GET "/v1/sessions/$id" | jq -r .state)" = stopped ] && break; snooze 0.1; done
    wait_gone "guest=gh-$id" 30
done

echo
echo "## Boot and capture, freedoom (640x480, 2 vCPUs, TCG), GET /frame for $SECS s per path"
echo
echo "| capture | POST → agent's first relay frame (s) | POST → game's first frame (s) | frames/s | ms per frame (p50) | gamehostd CPU | QEMU CPU |"
echo "|---|---|---|---|---|---|---|"
for capture in capture.relay capture.vnc; do
    echo "| $capture ${ROW[$capture]}"
done
echo
echo "## The agent inside the guest (capture.relay session, its last 10 s stats line)"
echo
echo "    ${agent_stats:-no stats line}"
