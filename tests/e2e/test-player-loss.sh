#!/usr/bin/env bash
# Silent loss: every packet on the player's link is dropped for 20 s while
# the link stays up (netem 100% where the kernel has sch_netem, else iptables
# DROP at both ends: player-lib.sh).  Nothing closes, nothing errors: the
# page must notice by itself (ICE disconnected, or no new frame) and say
# "Connection lost — reconnecting…"; the host must notice the silent viewer
# (no RTCP for 12 s), stop its encoder and free control.  Once the loss ends,
# the page plays again by itself within 40 s (designed for about 15 s) and,
# with nobody else there, is in control again.
. "$(dirname "$0")/player-lib.sh"

player_setup
player_session wait
browser_start a
bcmd a open a "$PLAYER_URL$PLINK"
screen a playing 90 loss-1-playing
peer_a=$(field .screen.peer)
[ "$(players)" = "1 $peer_a" ] || fail "players before the loss: $(players)"

loss_on
cut=$SECONDS
note "every packet dropped with $LOSS_WITH, the link up"
screen a reconnecting 25 loss-2-reconnecting
[ "$(field .screen.title)" = "Connection lost — reconnecting…" ] || fail "reconnecting title: $(field .screen.title)"
[ "$(field .screen.button)" = "Reconnect now" ] || fail "reconnecting button: $(field .screen.button)"
wait_players "0 null" 25
note "the host dropped the silent viewer $((SECONDS - cut)) s into the loss"
grep -q "viewer $peer_a: the viewer stopped answering (no RTCP for 12 s)" "$T/daemon.log" ||
    fail "the daemon's log does not say why the viewer went"
grep -q "viewer $peer_a left: " "$T/daemon.log" || fail "the silent viewer's pipeline was not stopped"
# Still lost, still saying so, no code on screen.
bcmd a screen a "$SHOTS/loss-3-still-lost.png"
[ "$(field .screen.state)" = reconnecting ] || fail "during the loss the page is $(field .screen.state)"
[ "$(field .screen.rawCode)" = false ] || fail "raw code on screen: $(field .screen.visible)"

rest=$(( 20 - (SECONDS - cut) ))
[ "$rest" -gt 0 ] && sleep "$rest"
loss_off
back=$SECONDS
screen a playing 40 loss-4-playing-again
note "played again $((SECONDS - back)) s after the loss ended"
[ "$(field .screen.role)" = control ] || fail "after the loss the page is $(field .screen.role), expected control"
peer_a2=$(field .screen.peer)
[ "$(players)" = "1 $peer_a2" ] || fail "players after the loss: $(players)"
