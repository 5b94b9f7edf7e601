#!/usr/bin/env bash
# bench/capture-paths.sh PREFIX [N=30]
#
# The capture paths side by side, in one run on one machine:
#   - capture.relay at 640x480, 1920x1080 and 3840x2160, copying
#     (zero_copy=0) and zero-copy (zero_copy=1): bench/relay-producer
#     writes 60 frames/s into a region in /dev/shm (another process, like a
#     guest), bench/relay-bench loads PREFIX's capture-relay.so through the
#     plugin ABI and grabs for 3 s; ms per frame is the grab of a frame that
#     is ready plus its release (header/slot checks, the copy when copying),
#     the steady-state cost;
#   - plain memcpy of one frame at each size: the physical limit;
#   - CPU per session at 1080p60 and 4K60, copying and zero-copy, for
#     capture alone and with a consumer that reads each frame once (a byte
#     per cache line): relay-bench grabbing and releasing as the pipeline
#     does (16 ms timeout) for CPU_SECONDS (10) each, getrusage of its own
#     process (the producer is another one), % of one core;
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

CPU_SECONDS=${CPU_SECONDS:-10}

# relay_run W H SECONDS MODE [ARGS] → relay-bench's line, with a 60 fps producer.
relay_run() {
    local w=$1 h=$2 s=$3 mode=$4 region="/dev/shm/gh-bench-relay-$$" pid line
    shift 4
    "$RP" "$region" "$w" "$h" 60 $(( s + 2 )) 2>"$T/producer.err" &
    pid=$!
    for _ in $(seq 1 100); do [ -s "$region" ] && break; snooze 0.02; done
    snooze 0.3
    line=$("$RB" "$mode" "$RELAY_SO" "$region" "$s" "$@") || { kill "$pid" 2>/dev/null; bench_fail "relay-bench $mode ${w}x$h $*: $line"; }
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$line"
}

declare -A RELAY ZC MEMCPY CPU
for size in 640x480 1920x1080 3840x2160; do
    w=${size%x*}; h=${size#*x}
    bench_show "$RP /dev/shm/gh-bench-relay $w $h 60 &  $RB grab $RELAY_SO /dev/shm/gh-bench-relay 3 zero_copy=0   # and zero_copy=1"
    RELAY[$size]=$(relay_run "$w" "$h" 3 grab zero_copy=0)
    ZC[$size]=$(relay_run "$w" "$h" 3 grab zero_copy=1)
    bench_show "$RB memcpy $w $h"
    MEMCPY[$size]=$("$RB" memcpy "$w" "$h")
done
for size in 1920x1080 3840x2160; do
    w=${size%x*}; h=${size#*x}
    for zc in 0 1; do
        for touch in 0 1; do
            bench_show "$RP /dev/shm/gh-bench-relay $w $h 60 &  $RB cpu $RELAY_SO /dev/shm/gh-bench-relay $CPU_SECONDS zero_copy=$zc touch=$touch"
            CPU[$size.$zc.$touch]=$(relay_run "$w" "$h" "$CPU_SECONDS" cpu zero_copy=$zc touch=$touch)
        done
    done
done

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
echo "relay: synthetic producer at 60 fps in another process, 3 s per size and mode; ms per frame = grab + release of a ready frame"
echo
echo "| path | size | frames/s delivered | ms per frame (mean / p50) | frames/s at that cost | memcpy of one frame, ms (mean / best) | relay vs memcpy speed |"
echo "|---|---|---|---|---|---|---|"
for size in 640x480 1920x1080 3840x2160; do
    m=${MEMCPY[$size]}
    for mode in copy zero-copy; do
        if [ "$mode" = copy ]; then r=${RELAY[$size]}; else r=${ZC[$size]}; fi
        awk -v s="$size" -v mode="$mode" -v fps="$(kv "$r" fps)" -v gm="$(kv "$r" grab_ms_mean)" -v gp="$(kv "$r" grab_ms_p50)" \
            -v mm="$(kv "$m" memcpy_ms_mean)" -v mb="$(kv "$m" memcpy_ms_best)" -v sk="$(kv "$r" skipped)" -v st="$(kv "$r" stale)" \
            'BEGIN { if (gm <= 0) gm = 0.00005  # below the 0.1 us print resolution
                     printf "| capture.relay, %s | %s | %.1f (skipped %d, stale %d) | %.4f / %.4f | %.0f | %.3f / %.3f | %.2fx |\n",
                     mode, s, fps, sk, st, gm, gp, 1000 / gm, mm, mb, mm / gm }'
    done
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
echo "CPU per session, capture at 60 fps for $CPU_SECONDS s each (getrusage of the consumer process; the producer is another process)"
echo
echo "| size | capture | consumer | % of one core | CPU ms per frame | frames/s delivered | stale releases | sleeps/s |"
echo "|---|---|---|---|---|---|---|---|"
for size in 1920x1080 3840x2160; do
    for zc in 0 1; do
        for touch in 0 1; do
            c=${CPU[$size.$zc.$touch]}
            awk -v s="$size" -v cap="$([ $zc = 1 ] && echo zero-copy || echo copy)" \
                -v con="$([ $touch = 1 ] && echo 'reads each frame once' || echo 'none (capture alone)')" \
                -v cpu="$(kv "$c" cpu_pct)" -v cs="$(kv "$c" cpu_s)" -v n="$(kv "$c" frames)" -v fps="$(kv "$c" fps)" \
                -v st="$(kv "$c" stale)" -v w="$(kv "$c" nvcsw)" -v secs="$(kv "$c" seconds)" \
                'BEGIN { printf "| %s | %s | %s | %.2f %% | %.3f | %.1f | %d | %.0f |\n", s, cap, con, cpu, 1000 * cs / n, fps, st, w / secs }'
        done
    done
done
echo
gm=$(kv "${RELAY[1920x1080]}" grab_ms_mean); mm=$(kv "${MEMCPY[1920x1080]}" memcpy_ms_mean)
gs=$(kv "${RELAY[640x480]}" grab_ms_mean)
zm=$(kv "${ZC[1920x1080]}" grab_ms_mean); zs=$(kv "${ZC[640x480]}" grab_ms_mean)
shot_cap=$(awk '{ print $3 }' <<<"$SHOT")
awk -v gm="$gm" -v gs="$gs" -v zm="$zm" -v zs="$zs" -v mm="$mm" -v sc="$shot_cap" \
    -v cpu="$(kv "${CPU[1920x1080.1.0]}" cpu_pct)" -v cpu0="$(kv "${CPU[1920x1080.0.0]}" cpu_pct)" 'BEGIN {
    if (zm <= 0) zm = 0.00005; if (zs <= 0) zs = 0.00005  # below the 0.1 us print resolution
    printf "targets: relay 1080p >= 0.5x memcpy speed: copy %.2fx %s, zero-copy %.0fx\n", mm / gm, (mm / gm >= 0.5) ? "met" : "MISSED", mm / zm
    if (sc + 0 > 0) {
        printf "         relay >= 50x screenshot, same size (640x480, the only size the screenshot path has): copy %.0fx, zero-copy %.0fx %s\n",
               sc / gs, sc / zs, (sc / zs >= 50) ? "met" : "MISSED"
        printf "         per pixel at 1080p (screenshot grab scaled by 1920x1080 / 640x480 = 6.75): copy %.0fx, zero-copy %.0fx\n",
               sc * 6.75 / gm, sc * 6.75 / zm
        printf "         (unscaled: relay 1080p vs screenshot 640x480: copy %.0fx, zero-copy %.0fx)\n", sc / gm, sc / zm
    }
    printf "         CPU < 3%% of one core for 1080p60 capture alone: zero-copy %.2f%% %s (copy %.2f%%)\n", cpu, (cpu < 3) ? "met" : "MISSED", cpu0 }'
