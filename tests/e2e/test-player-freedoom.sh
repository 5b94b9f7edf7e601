#!/usr/bin/env bash
# The Freedoom image played in the browser: the same image as test-freedoom
# (cached build), streamed with capture.relay and stream.webrtc to a real
# Chromium in the player's own network namespace (player-lib.sh).  The page
# must play the game: the <video>'s frame is 640x480 and shows E1M1's status
# bar as tests/data/freedoom-e1m1-statusbar.png has it, within the video
# codec's loss; Ctrl held in the page fires the pistol (the AMMO digits
# change in the video) and the shots are heard in the page's received audio;
# the page says the session ended when it is deleted.
. "$(dirname "$0")/player-lib.sh"
ref="$(cd "$(dirname "$0")/../data" && pwd)/freedoom-e1m1-statusbar.png"
freedoom_image
player_setup
PLAYER_IMAGE=freedoom player_session
wait_state "$SID" running
wait_serial "$SID" "gamehost-game: starting freedoom at 640x480" 180

browser_start a
bcmd a open a "$PLAYER_URL$PLINK"
screen a playing 120 freedoom-1-playing
# Within the codec's loss: a pixel counts as off when a channel is more than
# 32 away.  A frame of the game has at most 2 % of the status bar's labels
# and 5 % of the AMMO box off (0.4 % and 1.9 % seen), a frame of anything
# else (a console, X's black screen) nearly all; a changed AMMO count puts
# 10 % or more of the box off (17 % seen for 50 -> 48).
labels="0 458 639 476"; ammo="0 405 90 450"
off() { png_probe --diff=32 "$1" "$2" ${@:3} | sed 's/.*differing=\([0-9]*\) of \([0-9]*\)/\1 \2/'; }
ok_frame=""
for _ in $(seq 1 90); do
    grab a "$T/video.png"
    read -r n total < <(off "$ref" "$T/video.png" $labels)
    read -r an atotal < <(off "$ref" "$T/video.png" $ammo)
    if [ $((n * 50)) -le "$total" ] && [ $((an * 20)) -le "$atotal" ]; then ok_frame=yes; break; fi
    sleep 1
done
[ "$(png_probe --colours "$T/video.png" | cut -d' ' -f1)" = 640x480 ] || fail "video size: $(png_probe --colours "$T/video.png")"
[ -n "$ok_frame" ] || fail "the video never showed E1M1's status bar: labels $n of $total off, ammo $an of $atotal off"
cp "$T/video.png" "$SHOTS/freedoom-2-video.png"

bcmd a eval a "document.getElementById('video').focus()"
bcmd a key a down ControlLeft
sleep 0.6
bcmd a key a up ControlLeft
fired=""
for _ in $(seq 1 20); do
    grab a "$T/fired.png"
    read -r an atotal < <(off "$ref" "$T/fired.png" $ammo)
    [ $((an * 10)) -gt "$atotal" ] && { fired=yes; break; }
    sleep 0.5
done
cp "$T/fired.png" "$SHOTS/freedoom-3-fired.png"
[ -n "$fired" ] || fail "AMMO did not change in the video after Ctrl: $an of $atotal off"

# The game's own sound effects reach the browser: the pistol fired (Ctrl
# over the API) while the page measures the received track's peak level;
# a shot is loud, silence is 0.  The guest played through the AC97 card
# (snd_intel8x0) of profile pc-640, QEMU's D-Bus audio and audio.dbus.
( for _ in 1 2 3 4; do
    api POST "/v1/sessions/$SID/input" '{"events":[{"type":"key","code":"KEY_LEFTCTRL","action":"press"}]}' >/dev/null
    sleep 0.4
    api POST "/v1/sessions/$SID/input" '{"events":[{"type":"key","code":"KEY_LEFTCTRL","action":"release"}]}' >/dev/null
    sleep 0.4
  done ) &
firing=$!
bcmd a eval a "(async () => { const t = window.ghPlayer.audioTrack(); if (!t) return -1; const ctx = new AudioContext(); await ctx.resume().catch(() => {}); const an = ctx.createAnalyser(); an.fftSize = 2048; ctx.createMediaStreamSource(new MediaStream([t])).connect(an); const buf = new Float32Array(2048); let peak = 0; const end = performance.now() + 4000; while (performance.now() < end) { an.getFloatTimeDomainData(buf); for (const v of buf) peak = Math.max(peak, Math.abs(v)); await new Promise((r) => setTimeout(r, 20)); } ctx.close(); return peak; })()"
peak=$(jq -r .value <<<"$R")
wait "$firing"
[ "$peak" != -1 ] || fail "the page received no audio track"
awk -v p="$peak" 'BEGIN { exit !(p > 0.05) }' || fail "the pistol was not heard in the browser: peak $peak"
frames=$(api GET "/v1/sessions/$SID" | jq -r .pipeline.audio.frames)

api DELETE "/v1/sessions/$SID" >/dev/null
expect_status 202 "$(cat "$T/status")" "delete"
wait_state "$SID" stopped
screen a ended 30 freedoom-4-ended
note "freedoom in Chromium: status bar within the codec's loss ($n of $total label pixels off), AMMO changed on Ctrl ($an of $atotal off); the pistol heard at peak $peak ($frames frames of sound)"
