#!/usr/bin/env bash
# bench/capture-paths.sh PREFIX [N=30]
#
# The capture paths side by side, in one run on one machine:
#   - capture.relay at 640x480, 1920x1080 and 3840x2160: bench/relay-producer
#     writes 60 frames/s into a region in /dev/shm (another process, like a
#     guest), bench/relay-bench loads PREFIX's capture-relay.so through the
#     plugin ABI and grabs for 3 s; ms per frame is the grab of a frame that
#     is ready (header/slot checks + one copy), the steady-state cost;
#   - plain memcpy of one frame at each size: the physical limit;
#   - CPU of capture alone for one 1080p60 session: relay-bench grabbing as
#     the pipeline does (16 ms timeout) for 5 s, getrusage, % of one core;
#   - capture.screenshot and capture.vnc (when installed) at 640x480 on a
#     demo-arena session through gamehostd: N GET /v1/sessions/{id}/frame,
#     and the pipeline stats' capture_ms (the grab alone).
# relay-bench and relay-producer are built on demand:
#     make -C build bench/relay-bench bench/relay-producer
# (or set RELAY_BENCH / RELAY_PRODUCER to their paths).
. "$(dirname "$0")/bench-lib.sh"
bench_init "${1:?usage: bench/capture-paths.sh PREFIX [N]}" capture-paths
N=${2:-30}
PLUGINS="$GH_PREFIX/lib/gamehost/plugins"
RELAY_SO="$PLUGINS/capture-relay.so"
[ -f "$RELAY_SO" ] || bench_fail "$RELAY_SO not installed"

find_tool() {
    local var=$1 name=$2 c
    if [ -n "${!var:-}" ]; then echo "${!var}"; return 0; fi
    for c in "$BENCH_DIR/../build/bench/$name" "$BENCH_DIR/$name"; do
        [ -x "$c" ] && { echo "$c"; return 0; }
    done
    bench_fail "bench/$name not found: run 'make -C build bench/$name' or set $var"
}
RB=$(find_tool RELAY_BENCH relay-bench)
RP=$(find_tool RELAY_PRODUCER relay-producer)

# kv LINE KEY → the value of KEY=value in LINE.
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# relay_run W H SECONDS MODE → relay-bench's line, with a 60 fps producer.
relay_run() {
    local w=$1 h=$2 s=$3 mode=$4 region="/dev/shm/gh-bench-relay-$$" pid line
    "$RP" "$region" "$w" "$h" 60 $(( s + 2 )) 2>"$T/producer.err" &
    pid=$!
    for _ in $(seq 1 100); do [ -s "$region" ] && break; snooze 0.02; done
    snooze 0.3
    line=$("$RB" "$mode" "$RELAY_SO" "$region" "$s") || { kill "$pid" 2>/dev/null; bench_fail "relay-bench $mode ${w}x$h: $line"; }
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$line"
}

declare -A RELAY MEMCPY
for size in 640x480 1920x1080 3840x2160; do
    w=${size%x*}; h=${size#*x}
    bench_show "$RP /dev/shm/gh-bench-relay 60 fps &  $RB grab $RELAY_SO /dev/shm/gh-bench-relay 3   # $size"
    RELAY[$size]=$(relay_run "$w" "$h" 3 grab)
    bench_show "$RB memcpy $w $h"
    MEMCPY[$size]=$("$RB" memcpy "$w" "$h")
done
bench_show "$RP ... 1920 1080 60 &  $RB cpu $RELAY_SO /dev/shm/gh-bench-relay 5"
CPU=$(relay_run 1920 1080 5 cpu)

# The daemon paths: one demo-arena session at a time (640x480, TCG).
bench_write_config "" 2
bench_start_daemon
# daemon_path BACKEND → "fps ms_mean capture_ms" or "not available" / "failed: ...".
daemon_path() {
    local backend=$1 id state log start elapsed stats
    local body="{\"image\":\"demo-arena\",\"capture\":\"$backend\",\"input\":\"input.qmp\"}"
    bench_show "curl -X POST $URL/v1/sessions -d '$body'; $N x GET /v1/sessions/\$id/frame" >&2
    id=$(api POST /v1/sessions "$body" | jq -r .id)
    [ "$(api_status)" = 201 ] || { echo "failed: create: $(jq -r '.message // .error // .' "$T/body" | head -c 200)"; return 0; }
    for _ in $(seq 1 300); do
        state=$(api GET "/v1/sessions/$id" | jq -r .state)
        [ "$state" = running ] || [ "$state" = failed ] && break
        snooze 0.1
    done
    if [ "$state" != running ]; then
        echo "failed: session $state: $(api GET "/v1/sessions/$id" | jq -r .reason)"; api DELETE "/v1/sessions/$id" >/dev/null; return 0
    fi
    log=$(api GET "/v1/sessions/$id" | jq -r .serial_log)
    for _ in $(seq 1 300); do grep -q "demo-arena: frame 60" "$log" 2>/dev/null && break; snooze 0.1; done
    : >"$T/$backend.us"
    start=$(now_us)
    for _ in $(seq 1 "$N"); do
        t0=$(now_us)
        code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/sessions/$id/frame")
        t1=$(now_us)
        [ "$code" = 200 ] || { echo "failed: GET /frame: HTTP $code"; api DELETE "/v1/sessions/$id" >/dev/null; return 0; }
        echo $(( t1 - t0 )) >>"$T/$backend.us"
    done
    elapsed=$(( $(now_us) - start ))
    stats=$(api GET "/v1/sessions/$id" | jq -r '.pipeline.stats.capture_ms_avg // .pipeline.stats.capture_ms // "?"')
    api DELETE "/v1/sessions/$id" >/dev/null
    for _ in $(seq 1 200); do [ "$(api GET "/v1/sessions/$id" >/dev/null; api_status)" = 404 ] && break; snooze 0.1; done
    awk -v n="$N" -v us="$elapsed" -v c="$stats" -v mean="$(stat_of "$T/$backend.us" mean)" \
        'BEGIN { printf "%.1f %.1f %s\n", n / (us / 1e6), mean / 1000, c }'
}
SHOT=$(daemon_path capture.screenshot)
if [ -f "$PLUGINS/capture-vnc.so" ]; then VNC=$(daemon_path capture.vnc); else VNC="not available"; fi

echo
echo "Capture paths, $(date -u +%F), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
echo "relay: synthetic producer at 60 fps in another process, 3 s per size; ms per frame = grab of a ready frame"
echo
echo "| path | size | frames/s delivered | ms per frame (mean / p50) | frames/s at that cost | memcpy of one frame, ms (mean / best) | relay vs memcpy speed |"
echo "|---|---|---|---|---|---|---|"
for size in 640x480 1920x1080 3840x2160; do
    r=${RELAY[$size]} m=${MEMCPY[$size]}
    awk -v s="$size" -v fps="$(kv "$r" fps)" -v gm="$(kv "$r" grab_ms_mean)" -v gp="$(kv "$r" grab_ms_p50)" \
        -v mm="$(kv "$m" memcpy_ms_mean)" -v mb="$(kv "$m" memcpy_ms_best)" -v sk="$(kv "$r" skipped)" \
        'BEGIN { printf "| capture.relay | %s | %.1f (skipped %d) | %.3f / %.3f | %.0f | %.3f / %.3f | %.2fx |\n",
                 s, fps, sk, gm, gp, 1000 / gm, mm, mb, mm / gm }'
done
for pair in "capture.screenshot:$SHOT" "capture.vnc:$VNC"; do
    name=${pair%%:*} v=${pair#*:}
    case $v in
        "not available"|failed*) echo "| $name | 640x480 | $v | | | | |" ;;
        *) read -r fps ms cap <<<"$v"
           awk -v n="$name" -v fps="$fps" -v ms="$ms" -v cap="$cap" \
               'BEGIN { printf "| %s (GET /frame) | 640x480 | %.1f | %.1f (HTTP+PNG); grab alone %.1f | %.1f | | |\n",
                        n, fps, ms, cap, (cap + 0 > 0) ? 1000 / cap : 0 }' ;;
    esac
done
echo
awk -v cpu="$(kv "$CPU" cpu_pct)" -v fps="$(kv "$CPU" fps)" -v w="$(kv "$CPU" nvcsw)" -v s="$(kv "$CPU" seconds)" \
    'BEGIN { printf "CPU for capture alone, one 1080p60 session: %.2f%% of one core (%.1f frames/s delivered, %.0f sleeps/s)\n", cpu, fps, w / s }'
gm=$(kv "${RELAY[1920x1080]}" grab_ms_mean); mm=$(kv "${MEMCPY[1920x1080]}" memcpy_ms_mean)
gs=$(kv "${RELAY[640x480]}" grab_ms_mean)
shot_cap=$(awk '{ print $3 }' <<<"$SHOT")
awk -v gm="$gm" -v gs="$gs" -v mm="$mm" -v sc="$shot_cap" -v cpu="$(kv "$CPU" cpu_pct)" 'BEGIN {
    printf "targets: relay 1080p >= 0.5x memcpy speed: %.2fx %s\n", mm / gm, (mm / gm >= 0.5) ? "met" : "MISSED"
    if (sc + 0 > 0) {
        printf "         relay 1080p >= 50x screenshot (its grab alone, 640x480): %.0fx %s", sc / gm, (sc / gm >= 50) ? "met" : "MISSED"
        printf " (same size, 640x480: %.0fx)\n", sc / gs
    }
    printf "         CPU < 3%% of one core for 1080p60: %.2f%% %s\n", cpu, (cpu < 3) ? "met" : "MISSED" }'
