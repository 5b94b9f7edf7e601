#!/usr/bin/env bash
# The player's link goes down for 20 s (player-lib.sh: Chromium in its own
# namespace, the link cut at the daemon's end).  Before it, 14 s of play
# leave the viewer connected (its RTCP keeps the host's liveness check
# quiet).  During it the page says "Connection lost — reconnecting…", the
# host drops the silent viewer within its 12 s (control null, nobody
# connected), and a second browser that can still reach the host becomes
# the controller.  After it the first page plays again by itself within 40 s
# (designed for about 15 s; margin for a busy 2-core machine), now watching,
# and is told when control comes back to it.
. "$(dirname "$0")/player-lib.sh"

player_setup
player_session wait
browser_start a
bcmd a open a "$PLAYER_URL$PLINK"
screen a playing 90 outage-1-playing
[ "$(field .screen.badge)" = "You are in control" ] || fail "role badge: $(field .screen.badge)"
peer_a=$(field .screen.peer)
[ "$(players)" = "1 $peer_a" ] || fail "players before the outage: $(players)"

# A healthy viewer is never taken for a dead one.
sleep 14
bcmd a wait a playing 5
[ "$(players)" = "1 $peer_a" ] || fail "a healthy viewer was dropped: players $(players)"
grep -q "stopped answering" "$T/daemon.log" && fail "the host took a healthy viewer for a dead one"

link_down
cut=$SECONDS
screen a reconnecting 25 outage-2-reconnecting
[ "$(field .screen.title)" = "Connection lost — reconnecting…" ] || fail "reconnecting title: $(field .screen.title)"
wait_players "0 null" 25
note "the host dropped the silent viewer $((SECONDS - cut)) s after the cut"
grep -q "viewer $peer_a: the viewer stopped answering (no RTCP for 12 s)" "$T/daemon.log" ||
    fail "the daemon's log does not say why the viewer went: $(grep -i viewer "$T/daemon.log" | tail -n 3)"

# Someone who can still reach the host takes over.
browser_start b "$GH_NETNS"
bcmd b open b "http://198.18.0.1:$PORT$PLINK"
screen b playing 90 outage-3-second-tab-in-control
[ "$(field .screen.role)" = control ] || fail "the second tab is $(field .screen.role), expected control"
peer_b=$(field .screen.peer)
[ "$(players)" = "1 $peer_b" ] || fail "players with the second tab: $(players)"

rest=$(( 20 - (SECONDS - cut) ))
[ "$rest" -gt 0 ] && sleep "$rest"
link_up
up=$SECONDS
screen a playing 40 outage-4-playing-again
note "the first page played again $((SECONDS - up)) s after the link came back"
[ "$(field .screen.role)" = watch ] || fail "the first page is $(field .screen.role) after the outage, expected watch"
[ "$(field .screen.badge)" = "Watching" ] || fail "role badge: $(field .screen.badge)"
peer_a2=$(field .screen.peer)
[ "$(players)" = "2 $peer_b" ] || fail "players after the outage: $(players)"

# Control comes back when the second tab leaves, and the page says so.
bcmd b close b
bcmd a eval a "new Promise((ok) => { const t0 = Date.now(); (function w() { if (window.ghPlayer.role === 'control' || Date.now() - t0 > 15000) ok(window.ghPlayer.role); else setTimeout(w, 100); })(); })"
[ "$(field .value)" = control ] || fail "control did not come back to the first page: $(field .value)"
bcmd a screen a "$SHOTS/outage-5-control-back.png"
[ "$(field .screen.notice)" = "You are now in control" ] || fail "notice: $(field .screen.notice)"
[ "$(players)" = "1 $peer_a2" ] || fail "players at the end: $(players)"
