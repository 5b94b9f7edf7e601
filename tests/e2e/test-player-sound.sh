#!/usr/bin/env bash
# Sound end to end: demo-arena-av (the demo game on the console with a sound
# card, profile arcade-640-av: AC97 and QEMU's D-Bus audio), played in a
# real Chromium.
# The game's AC97 driver comes up; audio.dbus registers its listeners on the
# VM's bus; while a key is held in the page the game plays its 600 Hz tone,
# which must arrive in the browser's received track at 600 Hz within 2 %
# (a WebAudio analyser, ghPlayer.dominantFrequency); the session's live view
# counts the sound's frames, at 48 kHz stereo s16le, none refused.
. "$(dirname "$0")/player-lib.sh"
player_setup
PLAYER_IMAGE=demo-arena-av player_session wait
wait_serial "$SID" "demo-arena: audio ac97 io=0x"
# Through the daemon's relay in the session dir: the bus admits QEMU's uid alone.
grep -q "audio.dbus: listening to QEMU's D-Bus audio at .*/qemu-dbus.sock " "$T/daemon.log" ||
    fail "audio.dbus did not register through the D-Bus relay: $(grep -i 'audio' "$T/daemon.log" | tail -n 3)"
! grep -q "D-Bus relay" "$T/daemon.log" || fail "the D-Bus relay refused or lost a connection: $(grep "D-Bus relay" "$T/daemon.log")"
[ "$(api GET "/v1/sessions/$SID" | jq -r .pipeline.audio.backend)" = audio.dbus ] || fail "no audio backend in the live view"

# The microphone: an 880 Hz tone from a WAV file that sox writes, played by
# Chromium's fake capture device once the player turns the microphone on.
sox -n -r 48000 -c 2 -b 16 "$T/mic.wav" synth 30 sine 880 vol 0.5 || fail "sox could not write the microphone's WAV"
export GH_FAKE_MIC=$T/mic.wav GH_SECURE_ORIGIN=${PLAYER_URL%/}
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

# Bad input: a malformed microphone message is answered with an error that
# names it, and the session goes on.
bcmd a eval a "window.ghPlayer.sendSignal({type: 'mic', on: 'yes'})"
for _ in $(seq 1 20); do
    bcmd a eval a "window.ghPlayer.lastError"
    case "$(jq -r .value <<<"$R")" in *"on must be true or false"*) break ;; esac
    sleep 0.2
done
case "$(jq -r .value <<<"$R")" in *"on must be true or false"*) ;; *) fail "no error for a malformed mic message: $(jq -r .value <<<"$R")" ;; esac
bad_mic_error=$(jq -r .value <<<"$R")
[ "$(session_field "$SID" state)" = running ] || fail "the session did not survive a malformed mic message"

# Microphone into the guest: off until the player turns it on; then the
# game's meter hears the WAV's 880 Hz within 2 %.
# Every meter line so far is silence (and there is at least one).  The
# first is left out: the guest measures its first period from boot, before
# the session's plugin worker has its listener on QEMU's bus, and QEMU's
# capture then holds whatever it held.
before=$(grep -o "demo-arena: mic level=-*[0-9]* freq=[0-9]*" "$(session_field "$SID" serial_log)" | tail -n +2)
[ -n "$before" ] || fail "the guest's microphone meter never reported"
heard=$(grep -v "level=-99 freq=0" <<<"$before" | head -n 1 || true)
[ -z "$heard" ] || fail "the guest heard something before the microphone was on: $heard"
bcmd a eval a "window.ghPlayer.toggleMic()"
mic_seen=""
for _ in $(seq 1 40); do
    sleep 0.5
    mic_seen=$(grep -o "demo-arena: mic level=-[0-9]* freq=[0-9]*" "$(session_field "$SID" serial_log)" | tail -n 1)
    f=${mic_seen##*freq=}
    [ -n "$f" ] && [ "$f" -ge 862 ] && [ "$f" -le 898 ] && break
    mic_seen=""
done
[ -n "$mic_seen" ] || fail "the guest never heard 880 Hz: $(grep 'mic level' "$(session_field "$SID" serial_log)" | tail -n 3)"
[ "$(api GET "/v1/sessions/$SID" | jq -r .pipeline.audio.mic_frames)" -gt 0 ] || fail "no microphone frames counted"
note "sound: ac97 up, audio.dbus listening, 600 Hz tone received at $freq Hz; $(jq -r .frames <<<"$audio") frames at 48 kHz; microphone: $mic_seen; a malformed mic message: $bad_mic_error"
