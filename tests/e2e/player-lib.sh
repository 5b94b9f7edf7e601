# shellcheck shell=bash
# Shared steps of the web player's recovery tests (test-player-*.sh).
# gamehostd runs in the test's namespace (lib.sh netns_create); Chromium runs
# in a second namespace joined to it by its own veth pair, so that a test can
# cut the player's network (link down, or every packet dropped with the link
# up) without cutting the daemon's.  Browsers are driven line by line
# (browser/player.mjs); every screen a test meets is saved as a PNG under
# $SHOTS and checked for raw close codes.  Sourced after nothing else.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
browser_setup

# The player's side: 198.19.0.2 on ghb in GH_BNS; the daemon's side of that
# link is 198.19.0.1 on ghd (in the test's first namespace, GH_NETNS).
GH_BNS=""
PLAYER_URL=""            # http://198.19.0.1:PORT, the daemon as players see it
BROWSERS=()              # names of the running drivers
# Screenshots: kept in GH_PLAYER_SHOTS when given (the state dir goes with a pass).
SHOTS=${GH_PLAYER_SHOTS:-$T/shots}
mkdir -p "$SHOTS"

# kill_tree PID: PID and every process below it.
kill_tree() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$child"; done
    kill -9 "$1" 2>/dev/null || true
}

player_cleanup() {
    local b pid
    for b in "${BROWSERS[@]}"; do
        pid=$(cat "$T/$b.pid" 2>/dev/null) && kill_tree "$pid"
    done
    if [ -n "$GH_BNS" ]; then
        # Whatever still runs in the player's namespace is ours.
        for pid in $(ip netns pids "$GH_BNS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        gh_netns_delete "$GH_BNS"
    fi
}
# lib.sh's cleanup reads the exit status first: hand it on (set +e, or the
# trap itself would stop at the status it hands on).
trap 'rc=$?; set +e; player_cleanup; (exit $rc); cleanup' EXIT

# Both namespaces, the daemon listening on every address of its own.
player_setup() { # [max_viewers]
    netns_create
    GH_BNS="gh-e2e-b-${T##*.}"
    ip netns add "$GH_BNS" || fail "cannot create network namespace $GH_BNS"
    ip -n "$GH_NETNS" link add ghd type veth peer name ghb netns "$GH_BNS" &&
        ip -n "$GH_NETNS" addr add 198.19.0.1/24 dev ghd &&
        ip -n "$GH_NETNS" link set ghd up &&
        ip -n "$GH_BNS" addr add 198.19.0.2/24 dev ghb &&
        ip -n "$GH_BNS" link set lo up &&
        ip -n "$GH_BNS" link set ghb up &&
        ip -n "$GH_BNS" route add default via 198.19.0.1 dev ghb ||
        fail "cannot join $GH_BNS to $GH_NETNS"
    write_config
    sed -i "s/^listen = .*/listen = 0.0.0.0:$PORT/" "$T/gamehost.conf"
    printf '[api]\nplayer_dir = %s\n' "$GH_SHARE/player" >>"$T/gamehost.conf"
    [ -n "${1:-}" ] && sed -i "s/^\[sessions\]$/[sessions]\nmax_viewers = $1/" "$T/gamehost.conf"
    PLAYER_URL="http://198.19.0.1:$PORT"
    start_daemon
}

# A played session (capture.relay, stream.webrtc) of PLAYER_IMAGE
# (demo-arena unless set); sets SID and PLINK (the player link's path).
# [wait]: "wait" waits until demo-arena is up.
player_session() { # [wait] [player json]
    local out
    out=$(api POST /v1/sessions "{\"image\":\"${PLAYER_IMAGE:-demo-arena}\",\"capture\":\"capture.relay\",\"stream\":\"stream.webrtc\"${2:+,\"player\":$2}}")
    expect_status 201 "$(cat "$T/status")" "create the played session"
    SID=$(jq -r .id <<<"$out")
    PLINK=$(jq -r .player.url <<<"$out")
    if [ "${1:-}" = wait ]; then
        wait_state "$SID" running
        wait_serial "$SID" "demo-arena: ready"
    fi
}

# browser_start NAME [NETNS]: a Chromium driver in the player's namespace
# (or NETNS); its commands go through fifos held open on fds.
browser_start() {
    local name=$1 ns=${2:-$GH_BNS} fdin fdout
    mkfifo "$T/$name.in" "$T/$name.out"
    ip netns exec "$ns" node "$browser_dir/player.mjs" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
    echo $! >"$T/$name.pid"
    disown $!
    exec {fdin}>"$T/$name.in"
    exec {fdout}<"$T/$name.out"
    eval "BR_IN_$name=$fdin BR_OUT_$name=$fdout"
    BROWSERS+=("$name")
    read -r -t 60 R <&"$fdout" || fail "browser $name did not start: $(tail -n 5 "$T/$name.err")"
}

# bcmd NAME COMMAND...: one command to the driver NAME, or to the driver
# that opened the page NAME; its reply in R; fails unless ok.
bcmd() {
    local name fdin fdout
    eval "name=\${BR_OF_$1:-$1}"
    shift
    [ "$1" = open ] && eval "BR_OF_$2=$name"
    eval "fdin=\$BR_IN_$name fdout=\$BR_OUT_$name"
    echo "$*" >&"$fdin"
    read -r -t 280 R <&"$fdout" || fail "browser $name: no reply to '$*': $(tail -n 5 "$T/$name.err")"
    [ "$(jq -r .ok <<<"$R")" = true ] || fail "browser $name: $* → $(jq -c 'del(.screen.visible)' <<<"$R")"
}

# screen NAME STATE SECONDS SHOT: waits for STATE, saves the screen as
# $SHOTS/SHOT.png, checks it shows no raw code; its reply in R, the time
# it took in ms in WAITED.
screen() {
    local name=$1 state=$2 seconds=$3 shot=$4 waited
    bcmd "$name" wait "$name" "$state" "$seconds"
    waited=$(jq -r .ms <<<"$R")
    bcmd "$name" screen "$name" "$SHOTS/$shot.png"
    WAITED=$waited
    [ "$(jq -r .screen.rawCode <<<"$R")" = false ] ||
        fail "$shot: the page shows a raw code: $(jq -r .screen.visible <<<"$R")"
    note "$shot: $(jq -r '.screen | "\(.state) \(.title // "") \(.badge // "")"' <<<"$R") (after $((waited / 1000)) s)"
}

# grab NAME FILE: the frame the page's <video> shows now, as a PNG (decoded
# by Chromium, so after the video codec).
grab() {
    bcmd "$1" eval "$1" "(() => { const v = document.getElementById('video'); const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight; c.getContext('2d').drawImage(v, 0, 0); return c.toDataURL('image/png'); })()"
    field .value | sed 's|^data:image/png;base64,||' | base64 -d >"$2" || fail "grab $1: not a data URL"
}

# field JQ: a field of the last reply.
field() { jq -r "$1" <<<"$R"; }

# The player's link, from the daemon's side (ghd): down and up, or silent
# (every packet dropped, the link up: netem where the kernel has it, else
# iptables on both ends).
link_down() { ip -n "$GH_NETNS" link set ghd down; }
link_up() { ip -n "$GH_NETNS" link set ghd up; }
LOSS_WITH=""
loss_on() {
    if tc -n "$GH_NETNS" qdisc add dev ghd root netem loss 100% 2>/dev/null; then
        tc -n "$GH_BNS" qdisc add dev ghb root netem loss 100% || fail "netem on ghb"
        LOSS_WITH=netem
    else
        ip netns exec "$GH_NETNS" iptables -A INPUT -i ghd -j DROP &&
            ip netns exec "$GH_BNS" iptables -A INPUT -i ghb -j DROP || fail "iptables DROP on the player's link"
        LOSS_WITH=iptables
    fi
}
loss_off() {
    if [ "$LOSS_WITH" = netem ]; then
        tc -n "$GH_NETNS" qdisc del dev ghd root
        tc -n "$GH_BNS" qdisc del dev ghb root
    else
        ip netns exec "$GH_NETNS" iptables -D INPUT -i ghd -j DROP
        ip netns exec "$GH_BNS" iptables -D INPUT -i ghb -j DROP
    fi
}

# players → "CONNECTED CONTROL" of the session (control "null" when nobody).
players() {
    api GET "/v1/sessions/$SID" | jq -r '"\(.pipeline.players.connected) \(.pipeline.players.control)"'
}

# wait_players WANT SECONDS: until players says WANT.
wait_players() {
    local deadline=$(( SECONDS + $2 )) got
    while [ $SECONDS -lt "$deadline" ]; do
        got=$(players)
        [ "$got" = "$1" ] && return 0
        sleep 0.5
    done
    fail "players: expected '$1', got '$got'"
}
