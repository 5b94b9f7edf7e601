#!/bin/bash
# bench/photon.sh PREFIX: input-to-photon in the browser (issue 11,
# docs/performance.md).  gamehostd from the installed tree PREFIX runs in a
# network namespace of its own (scripts/netns.sh) with one demo-arena
# session (capture.relay, stream.webrtc with its latency_log); Debian's
# headless Chromium (bench/photon.mjs, playwright-core from
# tests/e2e/browser) opens the player link, sends N arrow keydowns and times
# each to the first presented frame in which the square moved.  Prints the
# commands and a markdown table: input-to-photon p50/p95/max, split into
# network, host (the plugin's latency log) and browser parts.
#
# Knobs (environment): N=100 keydowns, MIN_MS=300 / MAX_MS=500 between
# them (uniform, so keys land at random phases of the frame clock),
# RAW=DIR copies the page's JSON and the host's latency log there (for
# node bench/photon.mjs --report DIR/photon.json DIR/latency.csv),
# BENCH_KEEP=1 keeps the state dir, PLAYER_DIR=DIR serves the web player
# from DIR instead of PREFIX's (to compare two versions of the page),
# STREAM_OPTIONS='"key":"value",...' adds stream.webrtc options to the
# session (e.g. '"playout_delay":"off"', to compare them).  Needs root (ip netns, QEMU as
# libvirt-qemu), node and /usr/bin/chromium (GH_CHROMIUM).  Bounded: the
# browser has a timeout, every wait has one; the namespace, the daemon and
# the VM go on every exit.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/bench-lib.sh"
. "$here/../scripts/netns.sh"

N=${N:-100}
MIN_MS=${MIN_MS:-300}
MAX_MS=${MAX_MS:-500}
browser_dir=$here/../tests/e2e/browser
chromium=${GH_CHROMIUM:-/usr/bin/chromium}

[ $# -ge 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
[ "$(id -u)" = 0 ] || bench_fail "needs root (ip netns, the embedded libvirt driver)"
[ -x "$chromium" ] || bench_fail "no Chromium at $chromium (scripts/deps.sh installs it)"
command -v node >/dev/null || bench_fail "node missing (scripts/deps.sh installs it)"
if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ]; then
    (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        bench_fail "npm ci in $browser_dir (playwright-core)"
fi
[[ $N =~ ^[0-9]+$ && $N -ge 1 && $N -le 1000 ]] || bench_fail "N=$N: a count from 1 to 1000"
[[ $MIN_MS =~ ^[0-9]+$ && $MAX_MS =~ ^[0-9]+$ && $MIN_MS -ge 100 && $MAX_MS -ge $MIN_MS && $MAX_MS -le 5000 ]] ||
    bench_fail "MIN_MS=$MIN_MS MAX_MS=$MAX_MS: 100 <= MIN_MS <= MAX_MS <= 5000"

bench_init "$1" photon
NS=ghphoton-${T##*.}
photon_cleanup() {
    local rc=$?
    gh_netns_delete "$NS"
    # bench_cleanup ends the daemon, QEMU and anything else under $T, and exits.
    (exit "$rc")
    bench_cleanup
}
trap photon_cleanup EXIT
gh_netns_create "$NS" || bench_fail "cannot create network namespace $NS"

in_ns() { ip netns exec "$NS" "$@"; }
# api and the daemon inside the namespace (bench-lib's run outside).
api() {
    local method=$1 path=$2 body=${3:-}
    local args=(-sS -o "$T/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $TOKEN")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
    in_ns curl "${args[@]}" "$URL$path" >"$T/status"
    cat "$T/body"
}

bench_write_config "" 2
printf '[api]\nplayer_dir = %s\n' "${PLAYER_DIR:-$GH_SHARE/player}" >>"$T/gamehost.conf"
echo "photon on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(date -u +%Y-%m-%d)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
bench_show "ip netns exec $NS $GH_DAEMON --config $T/gamehost.conf"
# Not through in_ns: $! must be the daemon (ip netns exec execs it).
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

body='{"image":"demo-arena","capture":"capture.relay","stream":{"backend":"stream.webrtc","options":{"latency_log":"photon-latency.csv"'"${STREAM_OPTIONS:+,$STREAM_OPTIONS}"'}}}'
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

bench_show "ip netns exec $NS node bench/photon.mjs $URL/play/$id?token=… $N $MIN_MS $MAX_MS"
bench_note "sending $N keydowns, $MIN_MS..$MAX_MS ms apart"
if ! in_ns timeout $(( N * MAX_MS / 1000 + 180 )) node "$here/photon.mjs" "$URL$purl" "$N" "$MIN_MS" "$MAX_MS" \
        >"$T/photon.json" 2>"$T/photon.err"; then
    tail -n 20 "$T/photon.err" >&2
    bench_fail "the browser run failed"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
log=$(find "$T/state" -name photon-latency.csv -print -quit)
[ -n "$log" ] || bench_fail "no latency log (photon-latency.csv) under $T/state"
cp "$log" "$T/latency.csv"
if [ -n "${RAW:-}" ]; then
    mkdir -p "$RAW" && cp "$T/photon.json" "$T/latency.csv" "$RAW/" || bench_fail "cannot copy the raw results to $RAW"
fi
echo
node "$here/photon.mjs" --report "$T/photon.json" "$T/latency.csv" || bench_fail "report"
api DELETE "/v1/sessions/$id" >/dev/null
