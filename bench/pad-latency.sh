#!/usr/bin/env bash
# bench/pad-latency.sh PREFIX: game pads (issue 14,
# docs/gamepads.md, docs/performance.md "Issue 14").  gamehostd from the
# installed tree PREFIX runs one session of the Freedoom image (built by
# tests/e2e/freedoom-image.sh, from its cache in seconds) with input.qmp,
# two pads plugged in at start and input.qmp's latency_log on; the guest's
# xpad drives them and its pad log (evtest) prints every event on the
# serial console.  bench/pad-latency.mjs (node) plays the pads over POST
# /v1/sessions/{id}/input on one keep-alive connection and reads the serial
# log; its clock (process.hrtime) is CLOCK_MONOTONIC, the latency log's.
#
# 1. Host: pad event received by gamehostd → its input report written to
#    QEMU's usb-redir socket (input.qmp's latency_log, "pad" lines), and in
#    the same run key events → QMP input-send-event answered ("key" lines),
#    p50/p99.
# 2. Guest, as a round trip: the host time when an ABS_X event of pad 0 is
#    POSTed, and the host time when the guest's evtest line with that value
#    is first seen in the serial log file (read every 1 ms from where it
#    ended).  EVENTS of them (default 200), GAP_MS apart (default 100), each
#    value different (alternating sign, inside Chocolate Doom's dead zone),
#    each followed by a KEY_RIGHTSHIFT press or release.  The round trip is
#    split with the host's log (POST → received → report written → line
#    seen) and with the evtest line's own time, the guest's evdev timestamp
#    on the guest's clock: its offset from the host's is unknown (no shared
#    clock under TCG), but causality bounds it (each report was written
#    before its evdev event, each evdev event came before its line was
#    seen), so "report written → evdev event" (QEMU, xHCI, xpad) and
#    "evdev event → line seen" (the serial path: evtest, the pad log's
#    shell loop, /dev/console, QEMU's UART, the file, the 1 ms poll) are
#    each given as a range whose width is that bound's.
# 3. CPU per pad at a 250 Hz stick sweep: one ABS_X event every 4 ms (a
#    1 Hz sine over the full range) for SWEEP_S seconds (default 30) to pad 0,
#    then in one POST to pads 0 and 1, between two idle periods of the same
#    length, each period once the serial log has been quiet for 2 s; utime +
#    stime of gamehostd and of the session's QEMU from /proc/PID/stat, and
#    of QEMU's main loop, vCPU and other threads (/proc/PID/task), over each
#    period, in % of one core; per pad = (sweep − mean of the idle periods)
#    / pads.  QEMU's vCPUs also run the game and the guest's logging of
#    every event to the serial console (its bytes/s are printed).
#
# Knobs (environment): EVENTS=200 (1..2000), GAP_MS=100 (20..2000),
# SWEEP_S=30 (5..300), MAX_SECONDS (default: the run's own time + 600 s),
# RAW=DIR keeps the JSON and the latency log there.  Needs root (QEMU as
# libvirt-qemu through the embedded driver) and node.  Bounded: every wait
# has a timeout and the whole run MAX_SECONDS; the daemon and the VM go on
# every exit.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/bench-lib.sh"

[ $# -eq 1 ] || { echo "usage: [EVENTS=N] [GAP_MS=MS] [SWEEP_S=S] [MAX_SECONDS=S] $0 PREFIX" >&2; exit 2; }
EVENTS=${EVENTS:-200} GAP_MS=${GAP_MS:-100} SWEEP_S=${SWEEP_S:-30}
bench_count EVENTS 1 2000
bench_count GAP_MS 20 2000
bench_count SWEEP_S 5 300
# Round trips take the gap and at most 3 s each; four sweep periods.
busy=$(( EVENTS * (GAP_MS + 3000) / 1000 + 4 * SWEEP_S ))
MAX_SECONDS=${MAX_SECONDS:-$(( busy + 600 ))}
bench_count MAX_SECONDS $(( 4 * SWEEP_S + 300 )) 86400
[ "$(id -u)" = 0 ] || bench_fail "needs root (the embedded libvirt driver runs QEMU as libvirt-qemu)"
command -v node >/dev/null || bench_fail "node missing (scripts/deps.sh installs it)"

bench_init "$1" pad-latency
deadline=$(( SECONDS + MAX_SECONDS ))
left() { echo $(( deadline - SECONDS )); }

echo "pad-latency on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(date -u +%F)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_note "the Freedoom image (from the cache; waits while another build holds it)"
bench_show "tests/e2e/freedoom-image.sh $GH_PREFIX $T/images/freedoom"
timeout "$(left)" "$here/../tests/e2e/freedoom-image.sh" "$GH_PREFIX" "$T/images/freedoom" >"$T/image.log" 2>&1 ||
    bench_fail "the Freedoom image: $(tail -n 5 "$T/image.log")"
bench_write_config "" 1 "$T/images"
bench_start_daemon

body='{"image":"freedoom","input":{"backend":"input.qmp","options":{"pads_at_start":"2","latency_log":"pad-latency.log"}}}'
bench_show "curl -X POST $URL/v1/sessions -d '$body'"
out=$(api POST /v1/sessions "$body")
[ "$(api_status)" = 201 ] || bench_fail "create the session: HTTP $(api_status) $out"
id=$(jq -r .id <<<"$out")
bench_wait_state "$id" running 120
serial=$(api GET "/v1/sessions/$id" | jq -r .serial_log)

# Both pads bound by xpad, their plug-in buzz over, and the game started.
bench_note "boot: both pads in the guest's evtest, their buzz, the game (minutes under TCG)"
pads_ready() {
    [ "$(grep -ac 'gamehost-pad event[0-9]*: Testing \.\.\.' "$serial")" -ge 2 ] &&
        [ "$(grep -ac 'gamehost-pad event[0-9]*: buzzed' "$serial")" -ge 2 ] &&
        grep -aq 'gamehost-game: starting' "$serial"
}
boot_by=$(( SECONDS + 300 ))
until pads_ready; do
    [ $SECONDS -lt $boot_by ] && [ "$(left)" -gt "$busy" ] ||
        bench_fail "the guest did not show both pads, their buzz and the game within 300 s"
    snooze 0.5
done
qemu=$(pgrep -f -- "guest=gh-$id" | head -n 1)
[ -n "$qemu" ] || bench_fail "no QEMU process for session $id"
log=$(find "$T/state" -name pad-latency.log -print -quit)
[ -n "$log" ] || bench_fail "no latency log (pad-latency.log) under $T/state"

bench_show "GH_TOKEN=… node bench/pad-latency.mjs $URL $id $serial $EVENTS $GAP_MS $SWEEP_S $DAEMON_PID $qemu"
if ! GH_TOKEN=$TOKEN GH_CLK_TCK=$(getconf CLK_TCK) timeout "$(left)" \
        node "$here/pad-latency.mjs" "$URL" "$id" "$serial" "$EVENTS" "$GAP_MS" "$SWEEP_S" "$DAEMON_PID" "$qemu" \
        >"$T/pad-latency.json" 2>"$T/pad-latency.err"; then
    tail -n 20 "$T/pad-latency.err" >&2
    bench_fail "the client failed (or ran past MAX_SECONDS)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${RAW:-}" ]; then
    mkdir -p "$RAW" && cp "$T/pad-latency.json" "$log" "$RAW/" || bench_fail "cannot copy the results to $RAW"
fi
echo
bench_show "node bench/pad-latency.mjs --report pad-latency.json pad-latency.log"
node "$here/pad-latency.mjs" --report "$T/pad-latency.json" "$log" || bench_fail "report"
api DELETE "/v1/sessions/$id" >/dev/null
