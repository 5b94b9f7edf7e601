#!/usr/bin/env bash
# The web player end to end, as a player would use it: gamehostd runs inside a
# network namespace with no way out (lib.sh netns_create), a demo-arena session
# streams through capture.relay and stream.webrtc, and Debian's headless
# Chromium (driven by tests/e2e/browser/play.mjs) opens the session's player
# link.  It must decode the arena (border, playfield and the yellow player
# where main.c draws them), move the player 24 px left on three ArrowLeft
# presses, and connect over the namespace's own addresses only.  Around it:
# the player-token refusals of /play and of the signal endpoint (bad, expired,
# another session's, refused elsewhere); after it, the game's own log of the
# keys, the session's player and input counters, control for the next peer,
# and a page that stays open while the session is deleted says it ended.
. "$(dirname "$0")/lib.sh"
browser_setup

netns_create
# The namespace has lo and the veth pair, both ends inside; its default route
# points at an address nothing holds.
links=$(ip -n "$GH_NETNS" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' ')
[ "$links" = "gh0 gh1 lo " ] || fail "namespace links: $links"
ip -n "$GH_NETNS" -o addr show | grep -q '198\.18\.0\.2/' && fail "198.18.0.2 is held in the namespace"
ip -n "$GH_NETNS" route show default | grep -q '^default via 198\.18\.0\.2 dev gh0 *$' ||
    fail "default route: $(ip -n "$GH_NETNS" route show default)"

write_config
# The page from the tree under test, not from wherever the daemon was built for.
printf '[api]\nplayer_dir = %s\n' "$GH_SHARE/player" >>"$T/gamehost.conf"
start_daemon
api GET /v1/plugins | jq -e '[.plugins[].backends[].name] | index("stream.webrtc") != null and index("capture.relay") != null' >/dev/null ||
    fail "stream.webrtc and capture.relay must be loaded: $(jq -c '[.plugins[].backends[].name]' "$T/body")"

out=$(api POST /v1/sessions '{"image":"demo-arena","capture":"capture.relay","stream":"stream.webrtc"}')
expect_status 201 "$(cat "$T/status")" "create the played session"
id=$(jq -r .id <<<"$out")
ptoken=$(jq -r .player.token <<<"$out")
purl=$(jq -r .player.url <<<"$out")
[ "${#ptoken}" = 43 ] || fail "player token '$ptoken' is not 43 characters"
[ "$purl" = "/play/$id?token=$ptoken" ] || fail "player url: $purl"
# A second session only for the token rules: its token lives one second.
out2=$(api POST /v1/sessions '{"image":"demo-arena","player":{"ttl_s":1}}')
expect_status 201 "$(cat "$T/status")" "create the second session"
id2=$(jq -r .id <<<"$out2")
expired=$(jq -r .player.token <<<"$out2")
wait_state "$id" running
wait_state "$id2" running
sleep 2   # the second session's token has expired

# page PATH → "STATUS CONTENT-TYPE" of a plain GET; body in $T/body.
page() {
    in_ns curl -sS -o "$T/body" -w '%{http_code} %{content_type}' "$URL$1"
}
# signal ID TOKEN → the HTTP status of a WebSocket upgrade request (a refused
# one answers before upgrading; an accepted one is cut after 3 s).
signal() {
    in_ns curl -sS -o "$T/body" -w '%{http_code}' --http1.1 --max-time 3 \
        -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
        -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
        "$URL/v1/sessions/$1/signal${2:+?token=$2}" 2>/dev/null || true
}
expect_page_refusal() { # path status what
    local got
    got=$(page "$1")
    case "$got" in
        "$2 text/html"*) ;;
        *) fail "$3: expected HTTP $2 text/html, got $got: $(head -c 300 "$T/body")" ;;
    esac
    grep -qi '<html' "$T/body" || fail "$3: not an HTML page: $(head -c 300 "$T/body")"
}
expect_signal_refusal() { # id token status code what
    local got
    got=$(signal "$1" "$2")
    [ "$got" = "$3" ] || fail "$5: signal answered $got, expected $3: $(head -c 300 "$T/body")"
    [ "$(jq -r .error.code "$T/body" 2>/dev/null)" = "$4" ] || fail "$5: signal error $(head -c 300 "$T/body"), expected $4"
}

bad=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
expect_page_refusal "/play/$id" 401 "/play without a token"
expect_page_refusal "/play/$id?token=$bad" 401 "/play with an unknown token"
expect_page_refusal "/play/$id?token=nonsense" 401 "/play with a malformed token"
expect_page_refusal "/play/$id2?token=$expired" 401 "/play with an expired token"
grep -q token_expired "$T/body" || grep -qi expired "$T/body" || fail "expired token page does not say so: $(head -c 300 "$T/body")"
expect_signal_refusal "$id" "" 401 unauthorized "no token"
expect_signal_refusal "$id" "$bad" 401 unauthorized "unknown token"
expect_signal_refusal "$id2" "$expired" 401 token_expired "expired token"
# A fresh token for the second session is good there and nowhere else.
other=$(api POST "/v1/sessions/$id2/player-token" | jq -r .token)
expect_status 200 "$(cat "$T/status")" "mint a player token"
[ "${#other}" = 43 ] || fail "minted token: $(cat "$T/body")"
expect_page_refusal "/play/$id?token=$other" 403 "/play with another session's token"
expect_signal_refusal "$id" "$other" 403 wrong_session "another session's token"
# A player token opens nothing else.
code=$(in_ns curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $ptoken" "$URL/v1/sessions/$id")
[ "$code" = 401 ] || fail "player token as a bearer token on /v1/sessions/$id: HTTP $code"
code=$(in_ns curl -sS -o "$T/body" -w '%{http_code}' "$URL/v1/sessions/$id?token=$ptoken")
[ "$code" = 401 ] || fail "player token as ?token= on /v1/sessions/$id: HTTP $code"
api DELETE "/v1/sessions/$id2" >/dev/null
expect_status 202 "$(cat "$T/status")" "delete the second session"

# The page and its assets.
got=$(page "$purl")
case "$got" in "200 text/html"*) ;; *) fail "GET $purl: $got $(head -c 300 "$T/body")" ;; esac
grep -q 'assets/player.js' "$T/body" || fail "the player page does not load assets/player.js"
got=$(page /play/assets/player.js)
case "$got" in "200 "*javascript*) ;; *) fail "GET /play/assets/player.js: $got" ;; esac
got=$(page /play/assets/player.css)
case "$got" in "200 text/css"*) ;; *) fail "GET /play/assets/player.css: $got" ;; esac

# Play it.
wait_serial "$id" "demo-arena: ready"
if ! GH_PLAY_SHOT="$T/play.png" in_ns node "$browser_dir/play.mjs" "$URL$purl" 198.18.0.1 127.0.0.1 \
        >"$T/play.json" 2>"$T/play.err"; then
    jq -c 'del(.before, .after)' "$T/play.json" >&2 2>/dev/null || cat "$T/play.json" >&2
    # (a dead daemon stays a zombie of this shell: kill -0 would still succeed)
    grep -qs '^State:[[:space:]]*[RSD]' "/proc/$DAEMON_PID/status" ||
        echo "gamehostd (pid $DAEMON_PID) died during the play" >&2
    fail "browser: $(tail -n 20 "$T/play.err")"
fi
jq -e .ok "$T/play.json" >/dev/null || fail "browser: $(cat "$T/play.json")"

# The game saw exactly the three presses.
log=$(session_field "$id" serial_log)
presses=$(grep -c "demo-arena: input key LEFT" "$log" || true)
[ "$presses" = 3 ] || fail "the game logged $presses LEFT presses, expected 3: $(grep 'input' "$log" | tail -n 5)"
grep "demo-arena: input key LEFT" "$log" | tail -n 1 | grep -q "player=296,240" ||
    fail "game's last move: $(grep 'input key' "$log" | tail -n 1)"

# The host's view once the page closed: no player left, the six key events
# (three presses, three releases) went to the game, none dropped.
for _ in $(seq 1 50); do
    [ "$(session_field "$id" pipeline.players.connected)" = 0 ] && break
    sleep 0.1
done
pipe=$(api GET "/v1/sessions/$id" | jq -c '{players: .pipeline.players, input_events: .pipeline.stats.input_events, input_errors: .pipeline.stats.input_errors}')
[ "$(jq -c . <<<"$pipe")" = '{"players":{"connected":0,"control":null,"input_dropped":{"malformed":0,"not_controller":0}},"input_events":6,"input_errors":0}' ] ||
    fail "session counters after the page closed: $pipe"
in_ns curl -sS -H "Authorization: Bearer $TOKEN" "$URL/metrics" >"$T/metrics"
grep -qx 'gamehost_players 0' "$T/metrics" || fail "metrics: $(grep players "$T/metrics")"

# With the browser gone, a new peer gets control (the welcome is the first frame).
got=$(signal "$id" "$ptoken")
[ "$got" = 101 ] || fail "signal with the player token: HTTP $got $(head -c 200 "$T/body")"
grep -aq '"type" *: *"welcome"' "$T/body" || fail "no welcome after the upgrade: $(head -c 200 "$T/body" | tr -cd '[:print:]')"
grep -aq '"role" *: *"control"' "$T/body" || fail "the only peer is not in control: $(head -c 200 "$T/body" | tr -cd '[:print:]')"

# A player still watching when the session ends is told so (bye, then 1001).
ip netns exec "$GH_NETNS" node "$browser_dir/play.mjs" --wait-end "$URL$purl" >"$T/end.out" 2>"$T/end.err" &
end_pid=$!
for _ in $(seq 1 900); do
    grep -qx READY "$T/end.out" && break
    kill -0 "$end_pid" 2>/dev/null || break
    sleep 0.1
done
grep -qx READY "$T/end.out" || { kill "$end_pid" 2>/dev/null; fail "second page did not play: $(cat "$T/end.out" "$T/end.err")"; }
api DELETE "/v1/sessions/$id" >/dev/null
expect_status 202 "$(cat "$T/status")" "delete"
wait "$end_pid" || fail "the page did not show the end of the session: $(tail -n 1 "$T/end.out") $(cat "$T/end.err")"
ended=$(tail -n 1 "$T/end.out" | jq -r .ended.title)
wait_state "$id" stopped
note "$(jq -r '"played \(.net.codec) over \(.net.local) <-> \(.net.remote) (rtt \(.net.rttMs) ms): player \(.before.yellow.cx),\(.before.yellow.cy) -> \(.after.yellow.cx),\(.after.yellow.cy) in \(.moveMs) ms after 3 x ArrowLeft; \(.player.framesDecoded) frames decoded"' "$T/play.json")"
note "tokens: missing/unknown/malformed/expired -> 401, another session's -> 403, player token refused on /v1; signal refuses before the upgrade"
note "after the page closed: no player, 6 input events, none dropped; a page open at delete said '$ended'"
