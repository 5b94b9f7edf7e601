#!/usr/bin/env bash
# Input posted over the API moves the player: the demo game is captured with
# capture.screenshot and driven with input.qmp (both loaded as plugins through
# the public ABI).  Three taps of KEY_LEFT move the 24x24 yellow player from
# x=320 to x=296: its pixels in /frame move exactly there, and the serial log
# shows each key applied.
. "$(dirname "$0")/lib.sh"
start_daemon
api GET /v1/plugins | jq -e '[.plugins[].backends[].name] | (index("capture.screenshot") != null) and (index("input.qmp") != null)' \
    >/dev/null || fail "built-in plugins not loaded: $(cat "$T/body")"
out=$(api POST /v1/sessions '{"image":"demo-arena","capture":"capture.screenshot","input":"input.qmp"}')
expect_status 201 "$(cat "$T/status")" "create with backends"
id=$(jq -r .id <<<"$out")
wait_state "$id" running
wait_serial "$id" "demo-arena: frame 60"
inside="20 20 619 459"   # the playfield, inside the animated border
frame "$id" "$T/before.png"
before=$(png_probe "$T/before.png" ffff00 $inside)
[ "$before" = "640x480 count=576 bbox=308,228-331,251" ] || fail "player before input: $before"
tap='{"type":"key","code":"KEY_LEFT","action":"tap"}'
out=$(api POST "/v1/sessions/$id/input" "{\"events\":[$tap,$tap,$tap]}")
expect_status 200 "$(cat "$T/status")" "POST input"
[ "$(jq -r .delivered <<<"$out")" = 6 ] || fail "delivered: $out"
wait_serial "$id" "demo-arena: input key LEFT player=296,240"
log=$(session_field "$id" serial_log)
[ "$(grep -c 'demo-arena: input key LEFT' "$log")" = 3 ] || fail "expected 3 LEFT keys in the serial log"
frame "$id" "$T/after.png"
after=$(png_probe "$T/after.png" ffff00 $inside)
[ "$after" = "640x480 count=576 bbox=284,228-307,251" ] || fail "player after input: $after"
api GET "/v1/sessions/$id" | jq -e '.pipeline.capture == "capture.screenshot" and .pipeline.input == "input.qmp"
    and .pipeline.stats.frames_captured >= 2 and .pipeline.stats.input_events == 6' >/dev/null ||
    fail "pipeline facts: $(cat "$T/body")"
api DELETE "/v1/sessions/$id" >/dev/null
wait_state "$id" stopped
note "3 x KEY_LEFT over the API: player pixels moved 308..331 -> 284..307, serial log shows 3 keys"
