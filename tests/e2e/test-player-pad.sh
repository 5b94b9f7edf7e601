#!/usr/bin/env bash
# Game pads from the page, in a real Chromium, to the Freedoom image's USB
# pad and back (docs/gamepads.md).  Headless Chromium cannot fake a physical
# pad, so the test drives the page's own poll-and-send path with a pad the
# test hook ghPlayer.setTestGamepads hands it in place of
# navigator.getGamepads(): the page sends pad_connect and the pad's changes
# as it would for a real one.  The guest's xpad binds the pad the page
# plugged in; its pad log shows the page's button, stick and trigger; the
# buzz the image plays on a new pad reaches the page's rumble handler with
# its strengths; the page shows the pad as plugged in; a pad the browser
# loses is unplugged from the guest.
. "$(dirname "$0")/player-lib.sh"
freedoom_image
player_setup
PLAYER_IMAGE=freedoom player_session
wait_state "$SID" running
wait_serial "$SID" "gamehost-game: starting freedoom at 640x480" 180
log=$(session_field "$SID" serial_log)

browser_start a
bcmd a open a "$PLAYER_URL$PLINK"
screen a playing 120 pad-1-playing
# One standard-mapping pad, all at rest; window.testPad is what the test moves.
bcmd a eval a "(() => { window.testPad = { connected: true, index: 0, id: 'gamehost test pad', mapping: 'standard', buttons: Array.from({ length: 17 }, () => ({ pressed: false, value: 0 })), axes: [0, 0, 0, 0] }; window.ghPlayer.setTestGamepads(() => [window.testPad]); return true; })()"

wait_serial "$SID" 'gamehost-pad event[0-9]*: Input device name: "Microsoft X-Box 360 pad"' 60
ev=$(grep -ao 'gamehost-pad event[0-9]*: Input device name: "Microsoft X-Box 360 pad"' "$log" | tail -n 1 | cut -d' ' -f2)
ev=${ev%:}
wait_serial "$SID" "gamehost-pad $ev: Testing \.\.\." 60

mark=$(wc -l < "$log")
page_pad() { bcmd a eval a "(() => { $1; return true; })()"; sleep 0.3; }
page_pad "window.testPad.buttons[0] = { pressed: true, value: 1 }"
page_pad "window.testPad.buttons[0] = { pressed: false, value: 0 }"
page_pad "window.testPad.axes[0] = -1"
page_pad "window.testPad.axes[1] = 0.5"
page_pad "window.testPad.buttons[7] = { pressed: true, value: 0.5 }"
page_pad "window.testPad.axes[0] = 0; window.testPad.axes[1] = 0; window.testPad.buttons[7] = { pressed: false, value: 0 }"
want="1 304 1
1 304 0
3 0 -32767
3 1 16384
3 5 128
3 0 0
3 1 0
3 5 0"
got=""
for _ in $(seq 1 100); do
    got=$(tail -n +"$(( mark + 1 ))" "$log" | grep -a "^gamehost-pad $ev: Event: .*type [13] " |
        sed 's/.*type \([0-9]*\) ([A-Z_]*), code \([0-9]*\) ([A-Z_0-9]*), value \(-\?[0-9]*\).*/\1 \2 \3/' || true)
    [ "$(wc -l <<<"$got")" -ge 8 ] && break
    sleep 0.2
done
[ "$got" = "$want" ] || fail "the guest's events differ from the page's pad:
--- page
$want
--- guest
$got"

# The buzz on plug-in: fftest's strong rumble (xpad's byte 0x60, 24672 of
# 65535) and then the motors off, as rumble messages to the page.
rumbles=""
for _ in $(seq 1 100); do
    bcmd a eval a "JSON.stringify(window.ghPlayer.rumbles.filter((r) => r.pad === 0).map((r) => [r.strong, r.weak]))"
    rumbles=$(field .value)
    jq -e 'index([[24672, 0]]) != null and (.[-1] == [0, 0])' <<<"$rumbles" >/dev/null 2>&1 && break
    sleep 0.3
done
jq -e 'index([[24672, 0]]) != null and (.[-1] == [0, 0])' <<<"$rumbles" >/dev/null ||
    fail "the page's rumble messages for pad 0: $rumbles"
bcmd a eval a "JSON.stringify(window.ghPlayer.pads[0])"
jq -e '.browser == true and .attached == true' <<<"$(field .value)" >/dev/null || fail "the page's pad 0: $(field .value)"
bcmd a screen a "$SHOTS/pad-2-plugged.png"

# The browser loses the pad: the guest's pad goes too.
page_pad "window.ghPlayer.setTestGamepads(() => [])"
wait_serial "$SID" "gamehost-pad $ev: gone" 30
for _ in $(seq 1 50); do
    bcmd a eval a "window.ghPlayer.pads[0].attached"
    [ "$(field .value)" = false ] && break
    sleep 0.2
done
[ "$(field .value)" = false ] || fail "the page still shows pad 0 plugged in"
note "page pad: 8 events in the guest as sent, rumble messages $rumbles, unplugged when the browser lost it"
