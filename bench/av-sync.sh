#!/bin/bash
# bench/av-sync.sh [options] PREFIX: sound against picture in the browser
# (issue 13, docs/performance.md).  gamehostd from the installed tree PREFIX
# runs in a network namespace of its own (scripts/netns.sh) with one session
# of demo-arena on the console with sound (manifest demo-arena-av, profile
# arcade-640-av, written into the run's own image dir) through
# capture.relay and stream.webrtc; Debian's headless Chromium
# (bench/av-sync.mjs) opens the player link and presses F8 every INTERVAL:
# the game shows one white frame and starts a full-scale click at the same
# moment.  Prints the commands and markdown tables: the offset (click heard
# minus white frame seen) p50/p99/min/max, the drift (first minute against
# last) for runs of two minutes and more, and the host's part of the
# sound's latency (stream.webrtc's audio_latency_log: chunk received from
# QEMU to its first RTP packet) p50/p99.
#
# Options:
#   --flashes N         F8 presses (default 100; 1..2000)
#   --minutes M         as many presses as fit in M minutes (drift; overrides --flashes)
#   --interval MS       between presses (default 1500; 1100..10000)
#   --max-seconds S     bound on the whole run (default: the presses' time + 300 s)
#   --playout-delay on|off   stream.webrtc's option (default off: its default for a session with sound)
#   --cpu SECONDS       no presses: play for SECONDS and print the CPU time
#                       of gamehostd and of QEMU over them
#   --silent            with --cpu: demo-arena itself (no sound card)
# Needs root (ip netns, QEMU as libvirt-qemu), node and /usr/bin/chromium
# (GH_CHROMIUM).  RAW=DIR keeps the page's JSON and the latency log there.
# Bounded: every wait has a timeout and the whole run --max-seconds; the
# namespace, the daemon and the VM go on every exit.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/bench-lib.sh"
. "$here/../scripts/netns.sh"

browser_dir=$here/../tests/e2e/browser
chromium=${GH_CHROMIUM:-/usr/bin/chromium}
flashes=100 minutes="" interval=1500 max_seconds="" delay=off cpu="" silent=0
usage() {
    echo "usage: $0 [--flashes N | --minutes M] [--interval MS] [--max-seconds S] [--playout-delay on|off]" \
        "[--cpu SECONDS [--silent]] PREFIX" >&2
    exit 2
}
while [ $# -gt 1 ]; do
    case $1 in
    --flashes) flashes=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --max-seconds) max_seconds=$2; shift 2 ;;
    --playout-delay) delay=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --silent) silent=1; shift ;;
    *) usage ;;
    esac
done
[ $# -eq 1 ] || usage
[[ $interval =~ ^[0-9]+$ && $interval -ge 1100 && $interval -le 10000 ]] ||
    bench_fail "--interval $interval: milliseconds from 1100 to 10000"
if [ -n "$minutes" ]; then
    [[ $minutes =~ ^[0-9]+$ && $minutes -ge 1 && $minutes -le 60 ]] || bench_fail "--minutes $minutes: 1 to 60"
    flashes=$(( minutes * 60000 / interval ))
fi
[[ $flashes =~ ^[0-9]+$ && $flashes -ge 1 && $flashes -le 2000 ]] || bench_fail "--flashes $flashes: 1 to 2000"
[[ $delay == on || $delay == off ]] || bench_fail "--playout-delay $delay: on or off"
if [ -n "$cpu" ]; then
    [[ $cpu =~ ^[0-9]+$ && $cpu -ge 5 && $cpu -le 600 ]] || bench_fail "--cpu $cpu: seconds from 5 to 600"
    flashes=0
elif [ "$silent" = 1 ]; then
    bench_fail "--silent goes with --cpu (a silent game has no click to time)"
fi
busy=$(( flashes * interval / 1000 + ${cpu:-0} ))
max_seconds=${max_seconds:-$(( busy + 300 ))}
[[ $max_seconds =~ ^[0-9]+$ && $max_seconds -ge 60 ]] || bench_fail "--max-seconds $max_seconds: 60 or more"
[ $(( busy + 60 )) -le "$max_seconds" ] ||
    bench_fail "--max-seconds $max_seconds leaves under 60 s beside the $busy s of presses: fewer --flashes or more time"
[ "$(id -u)" = 0 ] || bench_fail "needs root (ip netns, the embedded libvirt driver)"
[ -x "$chromium" ] || bench_fail "no Chromium at $chromium (scripts/deps.sh installs it)"
command -v node >/dev/null || bench_fail "node missing (scripts/deps.sh installs it)"
if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ]; then
    (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        bench_fail "npm ci in $browser_dir (playwright-core)"
fi

bench_init "$1" av-sync
deadline=$(( SECONDS + max_seconds ))
NS=ghavsync-${T##*.}
avsync_cleanup() {
    local rc=$?
    # Without set +e, the (exit "$rc") that hands a failure on to
    # bench_cleanup would end the shell first (errexit), leaving the daemon
    # and the VM running.
    set +e
    gh_netns_delete "$NS"
    (exit "$rc")
    bench_cleanup
}
trap avsync_cleanup EXIT
gh_netns_create "$NS" || bench_fail "cannot create network namespace $NS"
in_ns() { ip netns exec "$NS" "$@"; }
api() {
    local method=$1 path=$2 body=${3:-}
    local args=(-sS -o "$T/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $TOKEN")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
    in_ns curl "${args[@]}" "$URL$path" >"$T/status"
    cat "$T/body"
}
left() { echo $(( deadline - SECONDS )); }

# The demo game on the console with sound (demo-arena-av, shipped beside
# demo-arena), or the same game on the silent console.
image=demo-arena
if [ "$silent" = 0 ]; then image=demo-arena-av; fi
bench_write_config "" 2
printf '[api]\nplayer_dir = %s\n' "$GH_SHARE/player" >>"$T/gamehost.conf"
echo "av-sync on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(date -u +%Y-%m-%d)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_show "ip netns exec $NS $GH_DAEMON --config $T/gamehost.conf"
ip netns exec "$NS" "$GH_DAEMON" --config "$T/gamehost.conf" >>"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
disown "$DAEMON_PID"
for _ in $(seq 1 300); do
    in_ns curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
    kill -0 "$DAEMON_PID" 2>/dev/null || bench_fail "gamehostd exited at start"
    snooze 0.1
done
[ -s "$T/state/api-token" ] || bench_fail "gamehostd did not answer /healthz within 30 s"
TOKEN=$(head -n 1 "$T/state/api-token")

opts='"playout_delay":"'$delay'"'
[ "$silent" = 0 ] && opts+=',"audio_latency_log":"audio-latency.csv"'
body='{"image":"'$image'","capture":"capture.relay","stream":{"backend":"stream.webrtc","options":{'$opts'}}}'
bench_show "curl -X POST $URL/v1/sessions -d '$body'"
out=$(api POST /v1/sessions "$body")
[ "$(api_status)" = 201 ] || bench_fail "create the session: HTTP $(api_status) $out"
id=$(jq -r .id <<<"$out")
purl=$(jq -r .player.url <<<"$out")
for _ in $(seq 1 600); do
    state=$(api GET "/v1/sessions/$id" | jq -r .state)
    [ "$state" = running ] && break
    [ "$state" = failed ] && bench_fail "session failed: $(jq -r .reason "$T/body")"
    snooze 0.1
done
[ "$state" = running ] || bench_fail "session $id not running within 60 s (is $state)"
serial=$(api GET "/v1/sessions/$id" | jq -r .serial_log)
wait_serial "$serial" "demo-arena: ready" 90 >/dev/null
[ "$silent" = 1 ] || grep -q "demo-arena: audio ac97" "$serial" || bench_fail "the game found no AC97: $(grep audio "$serial")"

pids=()
if [ -n "$cpu" ]; then
    qemu=$(pgrep -f -- "guest=gh-.*$T/state/" | head -n 1)
    [ -n "$qemu" ] || bench_fail "no QEMU process under $T/state"
    pids=("$DAEMON_PID" "$qemu")
fi
bench_show "ip netns exec $NS node bench/av-sync.mjs $URL/play/$id?token=… $flashes $interval ${cpu:-0} ${pids[*]}"
[ -n "$cpu" ] && bench_note "playing $cpu s, taking the CPU time of gamehostd and QEMU" ||
    bench_note "pressing F8 $flashes times, $interval ms apart (about $(( flashes * interval / 60000 + 1 )) min)"
[ "$(left)" -gt 30 ] || bench_fail "--max-seconds spent before the browser started"
if ! in_ns timeout "$(left)" node "$here/av-sync.mjs" "$URL$purl" "$flashes" "$interval" "${cpu:-0}" "${pids[@]}" \
        >"$T/av-sync.json" 2>"$T/av-sync.err"; then
    tail -n 20 "$T/av-sync.err" >&2
    bench_fail "the browser run failed (or ran past --max-seconds)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${RAW:-}" ]; then
    mkdir -p "$RAW" && cp "$T/av-sync.json" "$RAW/" || bench_fail "cannot copy the page's results to $RAW"
fi
echo
if [ -n "$cpu" ]; then
    hz=$(getconf CLK_TCK)
    echo "| $image, one Chromium player, ${cpu} s | gamehostd % of a core | QEMU % of a core |"
    echo "|---|---|---|"
    jq -r --argjson hz "$hz" --arg img "$image" \
        '"| \($img) | " + ([.cpu[] | (.ticks / $hz / .seconds * 100 * 10 | round / 10 | tostring)] | join(" | ")) + " |"' \
        "$T/av-sync.json"
else
    grep -c "demo-arena: flash" "$serial" | sed 's/^/flashes the game logged: /'
    node "$here/av-sync.mjs" --report "$T/av-sync.json" "playout_delay $delay" || bench_fail "report"
    log=$(find "$T/state" -name audio-latency.csv -print -quit)
    [ -n "$log" ] || bench_fail "no audio latency log (audio-latency.csv) under $T/state"
    awk -F, '{ print ($2 - $1) / 1000 }' "$log" >"$T/audio-latency.us"
    echo
    echo "| host: QEMU's Write received → first RTP packet into webrtcbin | n | p50 | p90 | max | mean |"
    echo "|---|---|---|---|---|---|"
    stats_row "ms" "$T/audio-latency.us"
    sort -n "$T/audio-latency.us" | awk '{ v[NR] = $1 } END { if (NR) printf "p99: %.1f ms\n", v[int((99 * NR + 99) / 100)] / 1000 }'
fi
if [ -n "${RAW:-}" ] && [ -n "${log:-}" ]; then
    cp "$log" "$RAW/" || bench_fail "cannot copy the audio latency log to $RAW"
fi
api DELETE "/v1/sessions/$id" >/dev/null
