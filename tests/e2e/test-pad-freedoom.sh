#!/usr/bin/env bash
# Game pads in a real guest: input.qmp plays a wired Xbox 360 controller to
# the Freedoom image over usb-redir (docs/gamepads.md).  The guest's own
# xpad driver binds it; its pad log (evtest, images/guest/rootfs) shows on
# the serial console exactly the buttons and axes sent over the API, in
# order; Chocolate Doom fires with the pad's A button; the buzz the image
# plays on each new pad (fftest's strong rumble) comes back to the host;
# unplug and replug work; two pads are two devices.
. "$(dirname "$0")/lib.sh"
ref="$(cd "$(dirname "$0")/../data" && pwd)/freedoom-e1m1-statusbar.png"
freedoom_image
start_daemon

out=$(api POST /v1/sessions '{"image":"freedoom","capture":"capture.relay",
    "input":{"backend":"input.qmp","options":{"pads_at_start":"1"}}}')
expect_status 201 "$(cat "$T/status")" "create freedoom with a pad at start"
id=$(jq -r .id <<<"$out")
wait_state "$id" running
log=$(session_field "$id" serial_log)

# xpad binds at boot, and its log starts.
wait_serial "$id" 'gamehost-pad event[0-9]*: Input device name: "Microsoft X-Box 360 pad"' 180
ev0=$(grep -ao 'gamehost-pad event[0-9]*: Input device name: "Microsoft X-Box 360 pad"' "$log" | head -n 1 | cut -d' ' -f2)
ev0=${ev0%:}
wait_serial "$id" "gamehost-pad $ev0: Testing \.\.\." 60
grep -q "gamehost-pad $ev0: Input device ID: bus 0x3 vendor 0x45e product 0x28e version 0x114" "$log" ||
    fail "pad id line: $(grep "gamehost-pad $ev0: Input device ID" "$log")"

pads_json() { api GET "/v1/sessions/$id" >/dev/null; jq -c "[.pipeline.pads[]? | select(.pad == $1)][0]" "$T/body"; }
pad_json_wait() { # pad jq-condition seconds what
    local deadline=$(( SECONDS + $3 )) j
    while [ $SECONDS -lt $deadline ]; do
        j=$(pads_json "$1")
        jq -e "$2" <<<"$j" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "$4: pad $1 is $j"
}
# xpad's LED command (2..5 "N flashes, then on", 6..9 "N on": which N
# is xpad's own count of pads seen), and the plug-in buzz, then the motors
# off again.
pad_json_wait 0 '.attached == true and .led >= 2 and .led <= 9' 30 "LED of the first pad"
led0=$(pads_json 0 | jq .led)
wait_serial "$id" "gamehost-pad $ev0: buzzed" 60
pad_json_wait 0 '.rumble_reports >= 2 and .rumble.strong == 0 and .rumble.weak == 0' 10 "the plug-in buzz, then off"

# The game: wait for E1M1's status bar, then fire with A (BTN_SOUTH, the
# config's joyb_fire 0): AMMO changes, as it does for Ctrl in test-freedoom.
labels_l="0 458 279 476"
game=""
for _ in $(seq 1 120); do
    frame "$id" "$T/game.png"
    if [ "$(png_differs "$ref" "$T/game.png" $labels_l)" = 0 ] && [ "$(png_differs "$ref" "$T/game.png" $FREEDOOM_AMMO)" = 0 ]; then
        game=yes; break
    fi
    sleep 1
done
[ -n "$game" ] || fail "no frame showed E1M1's status bar"
pad() { # type code value [pad]
    api POST "/v1/sessions/$id/input" "{\"events\":[{\"type\":\"$1\",\"code\":\"$2\",\"value\":$3,\"pad\":${4:-0}}]}" >/dev/null
    expect_status 200 "$(cat "$T/status")" "pad $*"
    jq -e '.delivered == 1' "$T/body" >/dev/null || fail "pad $*: $(cat "$T/body")"
}
fired=""
for try in 1 2 3; do
    pad pad_button BTN_SOUTH 1; sleep 1; pad pad_button BTN_SOUTH 0
    freedoom_fired "$id" "$ref" && { fired=$try; break; }
done
[ -n "$fired" ] || fail "AMMO did not change after the pad's A, pressed 3 times: $(png_differs "$ref" "$T/fired.png" $FREEDOOM_AMMO) pixels"
note "the pad's A fired at press $fired"

# Every control, one API call each, and the guest's events in that order:
# "type code value" as evtest prints them (xpad: the d-pad is ABS_HAT0X/Y,
# the left face button BTN_WEST is xpad's BTN_X, code 307).
events_after() { # node line-number → "type code value" lines after that line
    tail -n +"$(( $2 + 1 ))" "$log" | grep -a "^gamehost-pad $1: Event: .*type [13] " |
        sed 's/.*type \([0-9]*\) ([A-Z_]*), code \([0-9]*\) ([A-Z_0-9]*), value \(-\?[0-9]*\).*/\1 \2 \3/' || true
}
mark=$(wc -l < "$log")
sends=(
    "pad_button BTN_SOUTH 1:1 304 1"   "pad_button BTN_EAST 1:1 305 1"   "pad_button BTN_WEST 1:1 307 1"
    "pad_button BTN_NORTH 1:1 308 1"   "pad_button BTN_TL 1:1 310 1"     "pad_button BTN_TR 1:1 311 1"
    "pad_button BTN_SELECT 1:1 314 1"  "pad_button BTN_START 1:1 315 1"  "pad_button BTN_MODE 1:1 316 1"
    "pad_button BTN_THUMBL 1:1 317 1"  "pad_button BTN_THUMBR 1:1 318 1"
    "pad_button BTN_DPAD_RIGHT 1:3 16 1" "pad_button BTN_DPAD_RIGHT 0:3 16 0"
    "pad_button BTN_DPAD_LEFT 1:3 16 -1" "pad_button BTN_DPAD_LEFT 0:3 16 0"
    "pad_button BTN_DPAD_UP 1:3 17 -1"   "pad_button BTN_DPAD_UP 0:3 17 0"
    "pad_button BTN_DPAD_DOWN 1:3 17 1"  "pad_button BTN_DPAD_DOWN 0:3 17 0"
    "pad_axis ABS_X -32768:3 0 -32768"  "pad_axis ABS_Y -32768:3 1 -32768"  "pad_axis ABS_RX 32767:3 3 32767"
    "pad_axis ABS_RY 32767:3 4 32767"   "pad_axis ABS_Z 255:3 2 255"        "pad_axis ABS_RZ 128:3 5 128"
    "pad_axis ABS_X 12345:3 0 12345"    "pad_axis ABS_Y 0:3 1 0"
    "pad_button BTN_SOUTH 0:1 304 0"    "pad_button BTN_WEST 0:1 307 0"     "pad_axis ABS_Z 0:3 2 0"
)
want=""
for s in "${sends[@]}"; do
    pad ${s%%:*}
    want+="${s#*:}"$'\n'
done
got=""
for _ in $(seq 1 100); do
    got=$(events_after "$ev0" "$mark")
    [ "$(wc -l <<<"$got")" -ge "${#sends[@]}" ] && break
    sleep 0.2
done
[ "$got"$'\n' = "$want" ] || fail "the guest's events differ from those sent:
--- sent
$want--- guest
$got"
note "xpad: ${#sends[@]} events through the API, the same ${#sends[@]} in the guest's evtest, in order"

# Bad input: a pad out of range, a trigger out of range.
api POST "/v1/sessions/$id/input" '{"events":[{"type":"pad_button","code":"BTN_SOUTH","value":1,"pad":4}]}' >/dev/null
expect_status 400 "$(cat "$T/status")" "pad 4"
grep -q "pad" "$T/body" || fail "pad 4 error: $(cat "$T/body")"
api POST "/v1/sessions/$id/input" '{"events":[{"type":"pad_axis","code":"ABS_Z","value":256}]}' >/dev/null
expect_status 400 "$(cat "$T/status")" "ABS_Z 256"

# A second pad is a second device.  Plugged in by pad_connect: a press
# that plugs a pad in arrives before anything in the guest reads the pad.
api POST "/v1/sessions/$id/input" '{"events":[{"type":"pad_connect","value":1,"pad":1}]}' >/dev/null
expect_status 200 "$(cat "$T/status")" "pad_connect 1"
ev1=""
for _ in $(seq 1 150); do
    ev1=$(grep -ao 'gamehost-pad event[0-9]*: Input device name: "Microsoft X-Box 360 pad"' "$log" | cut -d' ' -f2 |
        tr -d : | grep -v "^$ev0\$" | tail -n 1 || true)
    [ -n "$ev1" ] && break
    sleep 0.2
done
[ -n "$ev1" ] || fail "no second pad device in the guest"
pad_json_wait 1 '.attached == true and .led >= 2 and .led <= 9' 30 "LED of the second pad"
led1=$(pads_json 1 | jq .led)
wait_serial "$id" "gamehost-pad $ev1: Testing \.\.\." 60
pad pad_button BTN_EAST 1 1
wait_serial "$id" "gamehost-pad $ev1: .*code 305 (BTN_EAST), value 1" 30
pad pad_button BTN_EAST 0 1

# Unplug pad 1 (its player's browser lost it), then replug it.
api POST "/v1/sessions/$id/input" '{"events":[{"type":"pad_connect","value":0,"pad":1}]}' >/dev/null
expect_status 200 "$(cat "$T/status")" "pad_connect 0"
wait_serial "$id" "gamehost-pad $ev1: gone" 30
pad_json_wait 1 '.attached == false' 10 "pad 1 unplugged"
before=$(grep -ac 'Input device name: "Microsoft X-Box 360 pad"' "$log")
pad pad_button BTN_NORTH 1 1   # the first use plugs it in again
for _ in $(seq 1 150); do
    [ "$(grep -ac 'Input device name: "Microsoft X-Box 360 pad"' "$log")" -gt "$before" ] && break
    sleep 0.2
done
[ "$(grep -ac 'Input device name: "Microsoft X-Box 360 pad"' "$log")" -gt "$before" ] || fail "pad 1 never came back"
pad_json_wait 1 '.attached == true' 10 "pad 1 replugged"
pad pad_button BTN_NORTH 0 1
# The replugged pad buzzes again: fftest's strong rumble, 0x8000 at fftest's
# gain of 75 %, which xpad sends as the byte 0x60 (96 * 257 = 24672 here).
pad_json_wait 1 '.rumble.strong == 24672 and .rumble.weak == 0' 60 "the replugged pad's buzz"
pad_json_wait 1 '.rumble.strong == 0' 10 "the buzz's end"

metrics=$(in_ns curl -sS -H "Authorization: Bearer $TOKEN" "$URL/metrics")
grep -q '^gamehost_pads_attached 2$' <<<"$metrics" || fail "metrics pads: $(grep gamehost_pad <<<"$metrics")"

api DELETE "/v1/sessions/$id" >/dev/null
expect_status 202 "$(cat "$T/status")" "delete"
wait_state "$id" stopped
note "pads: xpad bound (LEDs $led0 and $led1), buzz came back as rumble, A fired the pistol, unplug and replug, two devices"
