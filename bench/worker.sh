#!/usr/bin/env bash
# Issue 15: plugins in a per-session worker process, before and after in one
# run.  Two gamehostd (BEFORE: plugins in the daemon; AFTER: plugins in
# gamehost-worker) stay up side by side, idle but for the side being measured.
#
# Usage: bench/worker.sh BEFORE_PREFIX AFTER_PREFIX [N]     (root)
#   BEFORE_PREFIX, AFTER_PREFIX   installed trees (e.g. /tmp/i15-base-stage/usr/local)
#   N   sessions for the CPU/RSS phase, default 3, at most 8
# Knobs (environment): ROUNDS start rounds per side (default 6), TAPS key taps
# per side (default 100, split over the phases), WINDOW CPU window in s
# (default 20), PHASES A/B phases per side (default 2), CRASHES (default 5).
#
# Every session is demo-arena with capture.relay + stream.record (the pump and
# an encoder run) and input.qmp.  Measured, each side in turn (A/B/A/B):
#   1. POST /v1/sessions → state running, and → the first GET .../frame that
#      answers 200 (both polled back to back, one curl each);
#   2. with N sessions up: VmRSS of gamehostd (+ every worker's, after) and
#      CPU time (utime+stime from /proc/PID/stat) over WINDOW seconds;
#   3. POST .../input of one key tap → its 200 response (the input backend
#      has sent the keys: after, daemon → worker → daemon → QMP and back), and
#      → the guest's serial line "demo-arena: input key ..." (serial log
#      polled every 5 ms);
#   4. (after only) kill -SEGV of session 1's worker → pipeline.worker.state
#      "running" with a new pid, and → frames_captured moving again; each
#      crash the first within crash_window, so each waits the same backoff.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"

BEFORE=${1:?usage: worker.sh BEFORE_PREFIX AFTER_PREFIX [N]}
AFTER=${2:?usage: worker.sh BEFORE_PREFIX AFTER_PREFIX [N]}
N=${3:-3}
ROUNDS=${ROUNDS:-6}
TAPS=${TAPS:-100}
WINDOW=${WINDOW:-20}
PHASES=${PHASES:-2}
CRASHES=${CRASHES:-5}
bench_count N 1 8
bench_count ROUNDS 1 50
bench_count TAPS 2 1000
bench_count WINDOW 1 120
bench_count PHASES 1 5
bench_count CRASHES 0 20
SESSION='{"image":"demo-arena","capture":"capture.relay","input":"input.qmp","stream":{"backend":"stream.record","options":{"file":"bench.mkv"}}}'
INPUT_LINE="demo-arena: input key "
HZ=$(getconf CLK_TCK)

bench_init "$AFTER" worker
ROOT=$T
R="$ROOT/results"
mkdir -p "$R"
id -u gamehost-worker >/dev/null 2>&1 || bench_fail "no gamehost-worker user (the after daemon's workers run as it)"

# The two sides: bench-lib's daemon globals are saved and loaded per side.
declare -A SIDE_T SIDE_PORT SIDE_TOKEN SIDE_PID SIDE_PREFIX
CUR=""
WORKER_BIN=""
worker_use() { # before|after
    if [ -n "$CUR" ]; then
        SIDE_PORT[$CUR]=$PORT; SIDE_TOKEN[$CUR]=$TOKEN; SIDE_PID[$CUR]=$DAEMON_PID
    fi
    CUR=$1
    T=${SIDE_T[$1]}; PORT=${SIDE_PORT[$1]}; TOKEN=${SIDE_TOKEN[$1]}; DAEMON_PID=${SIDE_PID[$1]}
    URL="http://127.0.0.1:$PORT"
    bench_use_prefix "${SIDE_PREFIX[$1]}"
}

# Both daemons stopped, then bench_cleanup kills whatever is left under the
# run's root (QEMU of either side) and removes it.
worker_cleanup() {
    local rc=$? s
    set +e
    for s in before after; do
        [ -n "${SIDE_T[$s]:-}" ] || continue
        worker_use "$s"
        bench_stop_daemon
        SIDE_PID[$s]=""
    done
    # Workers run gamehost-worker --ipc-fd 3 (no state dir in their command
    # line): the ones seen are killed by pid if the daemon left them.
    for s in $(sort -u "$ROOT/worker-pids" 2>/dev/null); do
        [ -n "$WORKER_BIN" ] && grep -qF "$WORKER_BIN" "/proc/$s/cmdline" 2>/dev/null && kill -9 "$s"
    done
    T=$ROOT
    (exit "$rc")
    bench_cleanup
}
trap worker_cleanup EXIT

worker_start_side() { # before|after prefix port
    SIDE_T[$1]="$ROOT/$1"; SIDE_PREFIX[$1]=$2; SIDE_PORT[$1]=$3; SIDE_TOKEN[$1]=""; SIDE_PID[$1]=""
    mkdir -m 755 "${SIDE_T[$1]}"
    worker_use "$1"
    bench_write_config "" $(( N + 1 ))
    # The before tree does not know the [plugins] group.
    if [ "$1" = after ]; then
        WORKER_BIN="$GH_PREFIX/libexec/gamehost/gamehost-worker"
        [ -x "$WORKER_BIN" ] || bench_fail "$WORKER_BIN not found"
        # crash_window = 1 with crash rounds 2 s apart: each crash is the
        # first within the window, so every restart waits the same first
        # backoff (250 ms, session-pipeline.c) instead of a doubling one.
        printf '[plugins]\nworker = %s\ncrash_limit = 100\ncrash_window = 1\n' "$WORKER_BIN" >>"$T/gamehost.conf"
    fi
    bench_start_daemon
    SIDE_PID[$1]=$DAEMON_PID
}

# session_new → id on stdout; the POST's start time in $T/t0.
session_new() {
    local out
    now_us >"$T/t0"
    out=$(api POST /v1/sessions "$SESSION")
    [ "$(api_status)" = 201 ] || bench_fail "$CUR: POST /v1/sessions: HTTP $(api_status): $out"
    jq -r .id <<<"$out"
}

# session_wait_frame ID [record]: polls the state, then the frame, back to
# back; with "record", appends POST→running and POST→first frame.
session_wait_frame() {
    local id=$1 t0 t_run="" t_frame="" deadline=$(( SECONDS + 90 )) state code
    t0=$(cat "$T/t0")
    while [ $SECONDS -lt $deadline ]; do
        if [ -z "$t_run" ]; then
            state=$(api GET "/v1/sessions/$id" | jq -r .state)
            [ "$state" = running ] && t_run=$(now_us)
            [ "$state" = failed ] && bench_fail "$CUR: session $id failed: $(jq -r .reason "$T/body")"
        else
            code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/sessions/$id/frame")
            if [ "$code" = 200 ]; then t_frame=$(now_us); break; fi
            snooze 0.005
        fi
    done
    [ -n "$t_frame" ] || bench_fail "$CUR: session $id: no frame within 90 s (state ${state:-?})"
    if [ "${2:-}" = record ]; then
        echo $(( t_run - t0 )) >>"$R/$CUR.running"
        echo $(( t_frame - t0 )) >>"$R/$CUR.frame"
    fi
}

session_stop() { # ids...
    local id
    for id in "$@"; do
        api DELETE "/v1/sessions/$id" >/dev/null
        [ "$(api_status)" = 202 ] || bench_fail "$CUR: DELETE /v1/sessions/$id: HTTP $(api_status)"
    done
    for id in "$@"; do bench_wait_state "$id" stopped 60; wait_gone "guest=gh-$id" 30; done
}

start_round() { # record|""
    local id
    id=$(session_new)
    session_wait_frame "$id" "${1:-}"
    session_stop "$id"
}

# The pids whose RSS and CPU are the plugins' cost: the daemon, and after,
# every session's worker.
plugin_pids() {
    echo "$DAEMON_PID"
    [ "$CUR" = after ] || return 0
    api GET /v1/sessions | jq -r '.sessions[] | select(.state == "running") | .pipeline.worker.pid // empty' |
        tee -a "$ROOT/worker-pids"
}

# cpu_rss_window ids...: one row per phase in $R/$CUR.cpu:
# "<daemon KiB> <workers KiB> <daemon ticks> <workers ticks> <seconds>".
cpu_rss_window() {
    local pids p d0 d1 w0=0 w1=0 t0 t1 drss wrss=0
    mapfile -t pids < <(plugin_pids)
    [ "$CUR" = before ] || [ "${#pids[@]}" -eq $(( N + 1 )) ] || bench_fail "after: $(( ${#pids[@]} - 1 )) worker pids for $N sessions"
    d0=$(cpu_ticks "$DAEMON_PID")
    for p in "${pids[@]:1}"; do w0=$(( w0 + $(cpu_ticks "$p") )); done
    t0=$(now_us)
    snooze "$WINDOW"
    d1=$(cpu_ticks "$DAEMON_PID")
    for p in "${pids[@]:1}"; do w1=$(( w1 + $(cpu_ticks "$p") )); done
    t1=$(now_us)
    drss=$(proc_status "$DAEMON_PID" VmRSS)
    for p in "${pids[@]:1}"; do wrss=$(( wrss + $(proc_status "$p" VmRSS) )); done
    echo "$drss $wrss $(( d1 - d0 )) $(( w1 - w0 )) $(( (t1 - t0) / 1000 ))" >>"$R/$CUR.cpu"
    echo "$(( ${#pids[@]} - 1 ))" >"$R/$CUR.nworkers"
}

# input_taps ID COUNT: one tap a POST, alternately LEFT and RIGHT (the
# player stays in the arena); each timed to its serial line.
input_taps() {
    local id=$1 log n t0 key i want
    log=$(api GET "/v1/sessions/$id" | jq -r .serial_log)
    for i in $(seq 1 "$2"); do
        key=KEY_LEFT; (( i % 2 )) || key=KEY_RIGHT
        n=$(grep -cF -- "$INPUT_LINE" "$log" || true)
        want=$(( n + 1 ))
        t0=$(now_us)
        api POST "/v1/sessions/$id/input" "{\"events\":[{\"type\":\"key\",\"code\":\"$key\",\"action\":\"tap\"}]}" >/dev/null
        echo $(( $(now_us) - t0 )) >>"$R/$CUR.post"
        [ "$(api_status)" = 200 ] || bench_fail "$CUR: POST input: HTTP $(api_status): $(cat "$T/body")"
        local deadline=$(( SECONDS + 10 ))
        while [ "$(grep -cF -- "$INPUT_LINE" "$log" || true)" -lt "$want" ]; do
            [ $SECONDS -lt $deadline ] || bench_fail "$CUR: tap $i never reached the serial log"
            snooze 0.005
        done
        echo $(( $(now_us) - t0 )) >>"$R/$CUR.input"
        snooze 0.05
    done
}

# crash_rounds ID COUNT (after only): SIGSEGV to the worker, then polled.
crash_rounds() {
    local id=$1 i pid f0 t0 t_up t_frames pid2 st f
    for i in $(seq 1 "$2"); do
        api GET "/v1/sessions/$id" >/dev/null
        pid=$(jq -r .pipeline.worker.pid "$T/body"); f0=$(jq -r .pipeline.stats.frames_captured "$T/body")
        [[ $pid =~ ^[0-9]+$ ]] || bench_fail "no worker pid in $(cat "$T/body")"
        t0=$(now_us)
        kill -SEGV "$pid"
        echo "$pid" >>"$ROOT/worker-pids"
        t_up=""; t_frames=""
        for _ in $(seq 1 3000); do
            api GET "/v1/sessions/$id" >/dev/null
            read -r pid2 st f < <(jq -r '"\(.pipeline.worker.pid) \(.pipeline.worker.state) \(.pipeline.stats.frames_captured)"' "$T/body")
            [ "$(jq -r .state "$T/body")" = running ] || bench_fail "session failed after crash $i: $(cat "$T/body")"
            if [ "$pid2" != "$pid" ] && [ "$st" = running ]; then
                [ -n "$t_up" ] || t_up=$(now_us)
                # Counted again from zero by the new worker, or on from f0.
                if [[ $f =~ ^[0-9]+$ ]] && [ "$f" != "$f0" ] && [ "$f" != 0 ]; then t_frames=$(now_us); break; fi
            fi
            snooze 0.005
        done
        echo "$pid2" >>"$ROOT/worker-pids"
        [ -n "$t_frames" ] || bench_fail "crash $i: the worker did not stream again"
        echo $(( t_up - t0 )) >>"$R/crash.running"
        echo $(( t_frames - t0 )) >>"$R/crash.frames"
        snooze 2
    done
}

# One CPU/RSS + input phase of the current side.
load_phase() { # taps crashes
    local ids=() i
    for i in $(seq 1 "$N"); do
        ids+=("$(session_new)")
        session_wait_frame "${ids[-1]}"
    done
    snooze 3    # past the boots: the window sees steady streaming
    cpu_rss_window
    input_taps "${ids[0]}" "$1"
    [ "$2" -gt 0 ] && crash_rounds "${ids[0]}" "$2"
    session_stop "${ids[@]}"
}

echo "# worker: plugins in gamehostd (before) against plugins in gamehost-worker (after)"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); N=$N, ROUNDS=$ROUNDS, TAPS=$TAPS, WINDOW=${WINDOW}s, PHASES=$PHASES, CRASHES=$CRASHES; domain type qemu (TCG)"
echo
echo "Commands run:"
echo
port=$(( 20000 + RANDOM % 20000 ))
worker_start_side before "$BEFORE" "$port"
worker_start_side after "$AFTER" $(( port + 1 ))
bench_show "curl -sS -X POST -H 'Authorization: Bearer \$TOKEN' --data '$SESSION' \$URL/v1/sessions   (then GET /v1/sessions/<id> until running, GET /v1/sessions/<id>/frame until 200)"
bench_show "awk utime+stime /proc/<gamehostd and each pipeline.worker.pid>/stat, VmRSS /proc/<pid>/status   (over ${WINDOW} s, $N sessions)"
bench_show "curl -X POST --data '{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"action\":\"tap\"}]}' \$URL/v1/sessions/<id>/input   (then poll <serial_log> every 5 ms for '$INPUT_LINE')"
bench_show "kill -SEGV <pipeline.worker.pid>   (after only; then poll GET /v1/sessions/<id>)"
echo

for s in before after; do
    bench_note "$s: warm-up session (capability probe)"
    worker_use "$s"
    start_round
done
for i in $(seq 1 "$ROUNDS"); do
    bench_note "start round $i/$ROUNDS"
    if (( i % 2 )); then order="before after"; else order="after before"; fi
    for s in $order; do worker_use "$s"; start_round record; done
done
taps=$(( TAPS / PHASES ))
crashes_left=$CRASHES
for i in $(seq 1 "$PHASES"); do
    if (( i % 2 )); then order="before after"; else order="after before"; fi
    for s in $order; do
        bench_note "$s: load phase $i/$PHASES ($N sessions, ${WINDOW} s window, $taps taps)"
        worker_use "$s"
        c=0
        # The crash rounds go to the last after phase: they would restart a
        # worker inside the next CPU window otherwise.
        if [ "$s" = after ] && [ "$i" = "$PHASES" ]; then c=$crashes_left; fi
        load_phase "$taps" "$c"
    done
done

echo "| measure (ms) | side | n | p50 | p90 | p99 | max | mean |"
echo "|---|---|---|---|---|---|---|---|"
for m in "running|POST → state running" "frame|POST → first GET /frame 200" "post|POST /input → 200 (keys sent)" "input|POST /input → serial line"; do
    for s in before after; do
        stats_row "${m#*|} | $s" "$R/$s.${m%%|*}" p99
    done
done
echo
echo "| after / before | p50 | p99 | mean |"
echo "|---|---|---|---|"
for m in "running|POST → state running" "frame|POST → first frame" "post|POST /input → 200" "input|POST /input → serial line"; do
    printf '| %s |' "${m#*|}"
    for w in p50 p99 mean; do
        awk -v a="$(stat_of "$R/after.${m%%|*}" "$w")" -v b="$(stat_of "$R/before.${m%%|*}" "$w")" \
            'BEGIN { printf " %.2f (%+.1f ms) |", a / b, (a - b) / 1000 }'
    done
    echo
done
echo
echo "| $N sessions, per phase (window s) | side | daemon RSS MiB | workers RSS MiB (n) | total RSS per session MiB | daemon CPU % | workers CPU % | total CPU % per session |"
echo "|---|---|---|---|---|---|---|---|"
for s in before after; do
    nw=$(cat "$R/$s.nworkers")
    awk -v s="$s" -v n="$N" -v hz="$HZ" -v nw="$nw" '{
        t = $5 / 1000
        printf "| phase %d (%.1f) | %s | %.1f | %.1f (%d) | %.1f | %.1f | %.1f | %.1f |\n", NR, t, s, $1 / 1024, $2 / 1024, nw,
               ($1 + $2) / 1024 / n, 100 * $3 / hz / t, 100 * $4 / hz / t, 100 * ($3 + $4) / hz / t / n
    }' "$R/$s.cpu"
done
echo
awk -v n="$N" -v hz="$HZ" 'FNR == 1 { f++ } {
        rss[f] += $1 + $2; cpu[f] += ($3 + $4) / hz; sec[f] += $5 / 1000; k[f]++ }
    END {
        rb = rss[1] / k[1] / n; ra = rss[2] / k[2] / n; cb = 100 * cpu[1] / sec[1] / n; ca = 100 * cpu[2] / sec[2] / n
        printf "Per session, mean over the phases: RSS %.1f → %.1f MiB (after / before %.2f, %+.1f MiB); CPU %.2f → %.2f %% of a core (%.2f, %+.2f points).\n",
               rb / 1024, ra / 1024, ra / rb, (ra - rb) / 1024, cb, ca, ca / cb, ca - cb }' "$R/before.cpu" "$R/after.cpu"
echo
if [ "$CRASHES" -gt 0 ]; then
    echo "| after: kill -SEGV worker → (ms) | n | p50 | p90 | p99 | max | mean |"
    echo "|---|---|---|---|---|---|---|"
    stats_row "pipeline.worker.state running (new pid)" "$R/crash.running" p99
    stats_row "frames_captured moving again" "$R/crash.frames" p99
    echo
    echo "Both include the daemon's first restart backoff, 250 ms (crash_window = 1, crashes 2 s apart)."
    echo
fi
echo "Not measured here: capture→packet and input→packet of stream.webrtc at 720p60."
echo "bench/webrtc-bench.sh drives the plugin in-process (no daemon, no worker), so it"
echo "cannot show the worker's effect; the player's input path (data channel → worker →"
echo "daemon → worker → QEMU) has no bench of its own yet."
echo "Each timing includes one curl process start per poll (~10-15 ms here): polls are"
echo "back to back, so a measure is late by up to one poll."
echo
for s in before after; do
    worker_use "$s"
    warnings=$(grep -ciE 'warning|error|critical' "$T/daemon.log" || true)
    echo "$s daemon log: $(wc -l <"$T/daemon.log") lines, $warnings with warning/error/critical"
    if [ "$warnings" -gt 0 ]; then
        grep -iE 'warning|error|critical' "$T/daemon.log" | sed -E 's/^[0-9-]+ [0-9:.+]+: [0-9]+: //; s/[0-9a-f]{8}-[0-9a-f-]{27}/<uuid>/g; s/(id=|:)[0-9]+/\1<n>/g' |
            sort | uniq -c | sort -rn | head -n 5 | sed 's/^/    /'
    fi
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
