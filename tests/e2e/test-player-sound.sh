#!/usr/bin/env bash
# Sound end to end: demo-arena on a console with a sound card (profile
# arcade-640-av: AC97 and QEMU's D-Bus audio), played in a real Chromium.
# The game's AC97 driver comes up; audio.dbus registers its listeners on the
# VM's bus; while a key is held in the page the game plays its 600 Hz tone,
# which must arrive in the browser's received track at 600 Hz within 2 %
# (a WebAudio analyser, ghPlayer.dominantFrequency); the session's live view
# counts the sound's frames, at 48 kHz stereo s16le, none refused.
. "$(dirname "$0")/player-lib.sh"
# The demo game's manifest on the console with sound, as an operator would
# write one: same kernel, profile arcade-640-av.
GH_EXTRA_IMAGE_DIR=$T/images
mkdir -p "$GH_EXTRA_IMAGE_DIR/demo-arena-av"
cp "$GH_SHARE/images/demo-arena/demo-arena.elf" "$GH_EXTRA_IMAGE_DIR/demo-arena-av/"
sed -e 's/id="demo-arena"/id="demo-arena-av"/' -e 's#<profile>arcade-640</profile>#<profile>arcade-640-av</profile>#' \
    -e 's#<title>Demo Arena</title>#<title>Demo Arena with sound</title>#' \
    "$GH_SHARE/images/demo-arena/demo-arena.image.xml" >"$GH_EXTRA_IMAGE_DIR/demo-arena-av/demo-arena-av.image.xml"
player_setup
PLAYER_IMAGE=demo-arena-av player_session wait
wait_serial "$SID" "demo-arena: audio ac97 io=0x"
grep -q "audio.dbus: listening to QEMU's D-Bus audio" "$T/daemon.log" ||
    fail "audio.dbus did not register: $(grep -i 'audio' "$T/daemon.log" | tail -n 3)"
[ "$(api GET "/v1/sessions/$SID" | jq -r .pipeline.audio.backend)" = audio.dbus ] || fail "no audio backend in the live view"

browser_start a
bcmd a open a "$PLAYER_URL$PLINK"
screen a playing 60 sound-1-playing
bcmd a key a down KeyA
sleep 1
bcmd a eval a "window.ghPlayer.dominantFrequency(1000)"
freq=$(jq -r .value <<<"$R")
bcmd a key a up KeyA
[ "$freq" != null ] || fail "no sound in the received track"
awk -v f="$freq" 'BEGIN { exit !(f >= 588 && f <= 612) }' || fail "the tone arrived at $freq Hz, not 600 Hz within 2 %"

live=$(api GET "/v1/sessions/$SID")
audio=$(jq -c .pipeline.audio <<<"$live")
[ "$(jq -r '.format + " " + (.rate|tostring) + " " + (.channels|tostring)' <<<"$audio")" = "s16le 48000 2" ] ||
    fail "audio format: $audio"
[ "$(jq -r .frames <<<"$audio")" -gt 48000 ] || fail "under a second of sound counted: $audio"
[ "$(jq -r .refused <<<"$audio")" = 0 ] || fail "chunks refused: $audio"
note "sound: ac97 up, audio.dbus listening, 600 Hz tone received at $freq Hz; $(jq -r .frames <<<"$audio") frames at 48 kHz"
