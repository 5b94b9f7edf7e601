#!/usr/bin/env bash
# A pad plays demo-arena, whose guest has no USB: its profile (arcade-640)
# maps the d-pad and left stick to the arrow keys, and the host turns pad
# events into keys for input.qmp.  A d-pad right press and release over the
# API moves the player right exactly as a KEY_RIGHT tap does (the same serial
# lines: one step, then the key's release); a left stick held in its dead
# half moves nothing, pushed fully left moves the player one step left, and
# back at the centre releases the key.  A pad button the profile leaves
# unmapped is dropped as unsupported.  The player's pixels in /frame end
# where the serial log says.
. "$(dirname "$0")/lib.sh"
start_daemon
api GET /v1/images/demo-arena | jq -e '.profile.pad_keys | any(.[]; .type == "pad_button" and
    .code == "BTN_DPAD_RIGHT" and .key == "KEY_RIGHT")' >/dev/null || fail "demo-arena's profile maps no d-pad right: $(cat "$T/body")"

out=$(api POST /v1/sessions '{"image":"demo-arena","input":"input.qmp"}')
expect_status 201 "$(cat "$T/status")" "create demo-arena"
id=$(jq -r .id <<<"$out")
wait_state "$id" running
wait_serial "$id" "demo-arena: frame 60"
log=$(session_field "$id" serial_log)

# send BODY DELIVERED: POST input, which delivers that many events, none dropped.
send() {
    local reply
    reply=$(api POST "/v1/sessions/$id/input" "$1")
    expect_status 200 "$(cat "$T/status")" "POST input $1"
    [ "$(jq -c . <<<"$reply")" = "{\"delivered\":$2,\"dropped\":[]}" ] || fail "input $1: $reply"
}
# The game's key lines since line $1 of its serial log, one per line.
key_lines() {
    tail -n +"$(( $1 + 1 ))" "$log" | tr -d '\r' | grep -o 'demo-arena: input key.*' || true
}
lines() { wc -l <"$log"; }

# The keyboard, for reference.
n=$(lines)
send '{"events":[{"type":"key","code":"KEY_RIGHT","action":"tap"}]}' 2
wait_serial "$id" "demo-arena: input key-up RIGHT"
keyboard=$(key_lines "$n")
[ "$keyboard" = $'demo-arena: input key RIGHT player=328,240\ndemo-arena: input key-up RIGHT' ] ||
    fail "KEY_RIGHT tap: $keyboard"

# The d-pad: press, then release, as two requests.
n=$(lines)
send '{"events":[{"type":"pad_button","code":"BTN_DPAD_RIGHT","value":1}]}' 1
wait_serial "$id" "demo-arena: input key RIGHT player=336,240"
send '{"events":[{"type":"pad_button","code":"BTN_DPAD_RIGHT","value":0}]}' 1
for _ in $(seq 1 50); do [ "$(key_lines "$n" | wc -l)" -ge 2 ] && break; sleep 0.1; done
dpad=$(key_lines "$n")
[ "$dpad" = $'demo-arena: input key RIGHT player=336,240\ndemo-arena: input key-up RIGHT' ] ||
    fail "d-pad right press and release: $dpad"

# The left stick: in its dead half (under half the range) nothing; fully
# left one step; back at the centre the key's release.
n=$(lines)
send '{"events":[{"type":"pad_axis","code":"ABS_X","value":-12000}]}' 1
send '{"events":[{"type":"pad_axis","code":"ABS_X","value":-32768}]}' 1
wait_serial "$id" "demo-arena: input key LEFT player=328,240"
send '{"events":[{"type":"pad_axis","code":"ABS_X","value":0}]}' 1
for _ in $(seq 1 50); do [ "$(key_lines "$n" | wc -l)" -ge 2 ] && break; sleep 0.1; done
stick=$(key_lines "$n")
[ "$stick" = $'demo-arena: input key LEFT player=328,240\ndemo-arena: input key-up LEFT' ] ||
    fail "left stick pushed left and back: $stick"

# A control the profile does not map reaches input.qmp, which has no pad.
reply=$(api POST "/v1/sessions/$id/input" '{"events":[{"type":"pad_button","code":"BTN_EAST","value":1}]}')
expect_status 200 "$(cat "$T/status")" "POST BTN_EAST"
jq -e '.delivered == 0 and (.dropped | length) == 1 and .dropped[0].reason == "unsupported"' <<<"$reply" >/dev/null ||
    fail "unmapped BTN_EAST: $reply"

api GET "/v1/sessions/$id" | jq -e '.pipeline.input == "input.qmp" and .pipeline.stats.input_events == 7
    and .pipeline.stats.input_dropped.unsupported == 1' >/dev/null || fail "pipeline counters: $(cat "$T/body")"

# The player's pixels: one step right of the centre (320 + 8), inside the
# playfield.  The display path may lag a frame: allow a retry.
for _ in 1 2 3 4 5; do
    frame "$id" "$T/after.png"
    after=$(png_probe "$T/after.png" ffff00 20 20 619 459)
    [ "$after" = "640x480 count=576 bbox=316,228-339,251" ] && break
    sleep 0.2
done
[ "$after" = "640x480 count=576 bbox=316,228-339,251" ] || fail "player after the pad: $after"

api DELETE "/v1/sessions/$id" >/dev/null
wait_state "$id" stopped
note "d-pad right press/release: the same lines as KEY_RIGHT (one step, key-up); stick left: one step, key-up at centre; BTN_EAST unsupported"
