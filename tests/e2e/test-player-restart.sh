#!/usr/bin/env bash
# Screens that name who ended what.  gamehostd is killed (SIGKILL) under a
# playing page: the page says "The game server is restarting" and keeps
# trying; once the daemon is started again and adopts the session, it plays
# again by itself.  Then the orchestrator mints a new player link: the page
# says "This player link was replaced" (no retry, no button); the old link
# opened again, and a link whose token expired, get the host's refusal page
# in the player's dark look, saying so.
. "$(dirname "$0")/player-lib.sh"

player_setup
player_session wait
browser_start a
bcmd a open a "$PLAYER_URL$PLINK"
screen a playing 90 restart-1-playing

kill9_daemon
screen a restarting 20 restart-2-restarting
[ "$(field .screen.title)" = "The game server is restarting" ] || fail "restarting title: $(field .screen.title)"
sleep 3
start_daemon
wait_state "$SID" running
screen a playing 60 restart-3-playing-again
[ "$(field .screen.role)" = control ] || fail "after the restart the page is $(field .screen.role)"

api POST "/v1/sessions/$SID/player-token" >/dev/null
expect_status 200 "$(cat "$T/status")" "mint a new player link"
screen a expired 20 restart-4-replaced
[ "$(field .screen.title)" = "This player link was replaced" ] || fail "replaced title: $(field .screen.title)"
[ "$(field .screen.button)" = null ] || fail "the replaced screen offers $(field .screen.button)"
# The old link opened again: the host's own refusal page, in the player's look.
bcmd a open b "$PLAYER_URL$PLINK"
bcmd b screen b "$SHOTS/restart-5-old-link.png"
[ "$(field .screen.title)" = "Not allowed" ] || fail "old link page: $(field .screen.title)"
[ "$(field .screen.background)" = "rgb(0, 0, 0)" ] || fail "the refusal page is not dark: $(field .screen.background)"
[ "$(field .screen.rawCode)" = false ] || fail "raw code on the refusal page: $(field .screen.visible)"

# A link whose token lived 1 s.
short=$(api POST "/v1/sessions/$SID/player-token" '{"ttl_s":1}' | jq -r .token)
expect_status 200 "$(cat "$T/status")" "mint a 1 s player link"
sleep 2
bcmd a open c "$PLAYER_URL/play/$SID?token=$short"
bcmd c screen c "$SHOTS/restart-6-expired.png"
[ "$(field .screen.title)" = "Link expired" ] || fail "expired link page: $(field .screen.title)"
[ "$(field .screen.text)" = "This player link has expired: ask the game service for a new one." ] ||
    fail "expired link text: $(field .screen.text)"
[ "$(field .screen.background)" = "rgb(0, 0, 0)" ] || fail "the refusal page is not dark: $(field .screen.background)"
