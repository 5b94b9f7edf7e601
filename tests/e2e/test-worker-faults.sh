#!/usr/bin/env bash
# Plugins out of the daemon: a third-party plugin built out of tree
# (tests/plugins/misbehave.c) crashes, hangs and eats memory in sessions of
# its own while a healthy session streams beside them.  Each faulty
# session's worker is restarted, then the session fails after the third
# death with a reason naming the backend, the call and the signal; the SSE
# stream and /metrics count each death; an escape attempt (the API token,
# a file outside the session dir) is refused by the sandbox; the healthy
# session's frames never stop for more than 1 s, and /healthz answers
# throughout.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$T/plugins"
cc -shared -fPIC -O2 -I"$GH_PREFIX/include" "$top/tests/plugins/misbehave.c" -o "$T/plugins/misbehave.so" ||
    fail "cannot build the misbehave plugin against the installed SDK"
chmod 755 "$T" "$T/plugins"
GH_EXTRA_PLUGIN_DIR=$T/plugins
write_config 6
cat >>"$T/gamehost.conf" <<CONF
watchdog_ms = 2000
crash_limit = 3
crash_window = 60
memory_limit = 1073741824
CONF
start_daemon

# The events, from the start.
in_ns curl -sN -H "Authorization: Bearer $TOKEN" "$URL/v1/events" >"$T/events" 2>/dev/null &
EVENTS_PID=$!
trap 'kill $EVENTS_PID $WATCH_PID 2>/dev/null; cleanup' EXIT

# The healthy session: the demo game, captured from its relay and recorded.
out=$(api POST /v1/sessions '{"image":"demo-arena","capture":"capture.relay","stream":{"backend":"stream.record","options":{"file":"ok.mkv"}}}')
expect_status 201 "$(cat "$T/status")" "create the healthy session"
healthy=$(jq -r .id <<<"$out")
wait_state "$healthy" running
# Every 100 ms: the time, the healthy session's frame count, /healthz's status.
(
    while :; do
        f=$(in_ns curl -s -m 1 -H "Authorization: Bearer $TOKEN" "$URL/v1/sessions/$healthy" |
            jq -r '.pipeline.stats.frames_captured // -1' 2>/dev/null)
        h=$(in_ns curl -s -m 1 -o /dev/null -w '%{http_code}' "$URL/healthz")
        echo "$(date +%s.%N) ${f:--1} $h"
        sleep 0.1
    done
) >"$T/watch" &
WATCH_PID=$!

faulty() { # capture-fault stream-fault → id
    local out
    out=$(api POST /v1/sessions "{\"image\":\"demo-arena\",
        \"capture\":{\"backend\":\"capture.misbehave\",\"options\":{\"fault\":\"$1\"}},
        \"stream\":{\"backend\":\"stream.misbehave\",\"options\":{\"fault\":\"$2\",\"after\":\"20\"}}}")
    expect_status 201 "$(cat "$T/status")" "create with $1/$2"
    jq -r .id <<<"$out"
}

expect_failed() { # id last-words
    local id=$1 want=$2 reason n
    wait_state "$id" failed 120
    reason=$(session_field "$id" reason)
    [ "$reason" = "its plugin worker died 3 times within 60 s; the last: $want" ] ||
        fail "session $id: reason '$reason', want the last death '$want'"
    n=$(grep -a "\"type\":\"session.worker\"" "$T/events" | grep -ac "\"id\":\"$id\"" || true)
    [ "$n" = 3 ] || fail "session $id: $n session.worker events, want 3"
    note "$want: restarted twice, failed at the third death"
}

for fault in "none segv-push|killed by SIGSEGV in stream.misbehave push_frame" \
             "segv-create none|killed by SIGSEGV in capture.misbehave create" \
             "loop-grab none|hung in capture.misbehave grab past the watchdog, killed" \
             "malloc-grab none|killed by SIGABRT in capture.misbehave grab"; do
    set -- ${fault%%|*}
    id=$(faulty "$1" "$2")
    expect_failed "$id" "${fault#*|}"
done

# Each death counted by backend and signal.
metrics=$(in_ns curl -s -H "Authorization: Bearer $TOKEN" "$URL/metrics")
for line in 'gamehost_worker_crashes_total{backend="stream.misbehave",signal="SIGSEGV"} 3' \
            'gamehost_worker_crashes_total{backend="capture.misbehave",signal="hang"} 3' \
            'gamehost_worker_crashes_total{backend="capture.misbehave",signal="SIGABRT"} 3' \
            'gamehost_worker_restarts_total 8'; do
    grep -qxF "$line" <<<"$metrics" || fail "/metrics lacks '$line': $(grep gamehost_worker <<<"$metrics")"
done
grep -qxF 'gamehost_worker_crashes_total{backend="capture.misbehave",signal="SIGSEGV"} 3' <<<"$metrics" ||
    fail "/metrics lacks the create crashes"

# An escape: the token and a file outside the session's dir.
out=$(api POST /v1/sessions "{\"image\":\"demo-arena\",\"capture\":{\"backend\":\"capture.misbehave\",
    \"options\":{\"fault\":\"escape\",\"token\":\"$T/state/api-token\",\"outside\":\"$T/state/escaped\"}}}")
expect_status 201 "$(cat "$T/status")" "create the escape"
escape=$(jq -r .id <<<"$out")
wait_state "$escape" running
grep -aq "misbehave: read $T/state/api-token: Permission denied" "$T/daemon.log" ||
    fail "the worker read the API token, or did not say: $(grep -a misbehave "$T/daemon.log")"
grep -aq "misbehave: create $T/state/escaped: Permission denied" "$T/daemon.log" ||
    fail "the worker wrote outside its session dir, or did not say: $(grep -a misbehave "$T/daemon.log")"
[ ! -e "$T/state/escaped" ] || fail "$T/state/escaped exists"
[ "$(api GET "/v1/sessions/$escape" | jq -r .pipeline.worker.user)" = gamehost-worker ] ||
    fail "the worker is not gamehost-worker's: $(cat "$T/body")"
note "escape: reading the API token and writing outside the session dir were refused"

# The healthy session streamed on, and the API answered throughout.
kill "$WATCH_PID" 2>/dev/null
[ "$(session_field "$healthy" state)" = running ] || fail "the healthy session is $(session_field "$healthy" state)"
[ "$(session_field "$healthy" pipeline.worker.crashes)" = 0 ] || fail "the healthy session's worker died"
awk '$3 != 200 { bad++ } END { exit bad > 0 }' "$T/watch" ||
    fail "/healthz did not answer 200 every time: $(awk '$3 != 200' "$T/watch" | head -3)"
gap=$(awk '$2 > last { if (t && $1 - t > max) max = $1 - t; t = $1; last = $2 } END { printf "%.2f", max }' "$T/watch")
samples=$(wc -l <"$T/watch")
awk -v g="$gap" 'BEGIN { exit !(g < 1.0) }' || fail "the healthy session's frames stopped for $gap s"
note "healthy session: longest gap between new frames $gap s over $samples samples; /healthz 200 throughout"
