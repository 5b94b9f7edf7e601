#!/usr/bin/env bash
# The player's own screens, each in plain words with no raw code (every one
# saved under $SHOTS): a link opened while its session is still starting
# waits ("The game is starting") and plays once the session runs; with
# [sessions] max_viewers = 2 a third page says "Too many viewers", tries
# again by itself and plays once a seat is free; a watcher sees "Watching";
# when the session is deleted every page says "The session has ended" once,
# with no Reconnect button and no role badge, and a page opened afterwards
# says the same.
. "$(dirname "$0")/player-lib.sh"

player_setup 2
browser_start a
# The browser is up before the session exists: the page comes in while it starts.
player_session
bcmd a open a "$PLAYER_URL$PLINK"
screen a starting 30 screens-1-starting
[ "$(field .screen.title)" = "The game is starting" ] || fail "starting title: $(field .screen.title)"
[ "$(field .screen.button)" = null ] || fail "the starting screen offers $(field .screen.button)"
screen a playing 120 screens-2-playing
[ "$(field .screen.badge)" = "You are in control" ] || fail "controller badge: $(field .screen.badge)"
bcmd a eval a "window.ghPlayer.history.join(' ')"
case " $(field .value) " in
    *" starting "*"negotiating playing "*) ;;
    *) fail "the page went through $(field .value), expected starting … negotiating playing" ;;
esac
note "states: $(field .value)"

bcmd a open b "$PLAYER_URL$PLINK"
screen b playing 90 screens-3-watching
[ "$(field .screen.badge)" = "Watching" ] || fail "watcher badge: $(field .screen.badge)"
bcmd a open c "$PLAYER_URL$PLINK"
screen c full 30 screens-4-full
[ "$(field .screen.title)" = "Too many viewers" ] || fail "full title: $(field .screen.title)"
[ "$(field .screen.button)" = "Try now" ] || fail "full button: $(field .screen.button)"
bcmd a close b
screen c playing 60 screens-5-full-then-playing
[ "$(field .screen.role)" = watch ] || fail "the third page is $(field .screen.role) once in, expected watch"

api DELETE "/v1/sessions/$SID" >/dev/null
expect_status 202 "$(cat "$T/status")" "delete the session"
for tab in a c; do
    screen "$tab" ended 60 "screens-6-ended-$tab"
    [ "$(field .screen.title)" = "The session has ended" ] || fail "ended title on $tab: $(field .screen.title)"
    [ "$(field .screen.button)" = null ] || fail "the ended screen on $tab offers $(field .screen.button)"
    [ "$(field .screen.badge)" = null ] || fail "the role badge stays on $tab: $(field .screen.badge)"
    n=$(field .screen.visible | grep -oi "session has ended" | wc -l)
    [ "$n" = 1 ] || fail "'The session has ended' shows $n times on $tab: $(field .screen.visible)"
done
wait_state "$SID" stopped
bcmd a open d "$PLAYER_URL$PLINK"
screen d ended 30 screens-7-ended-reopened
[ "$(field .screen.button)" = null ] || fail "a page opened after the end offers $(field .screen.button)"
