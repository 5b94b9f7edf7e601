#!/usr/bin/env bash
# Beyond max_sessions a create fails with 409 and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
write_config 2
start_daemon
a=$(create_session demo-arena); b=$(create_session demo-arena)
before=$(ls "$T/state/sessions" | wc -l)
api POST /v1/sessions '{"image":"demo-arena"}' >/dev/null
expect_status 409 "$(cat "$T/status")" "create beyond capacity"
[ "$(jq -r .error.code "$T/body")" = capacity_exhausted ] || fail "wrong error code: $(cat "$T/body")"
[ "$(ls "$T/state/sessions" | wc -l)" = "$before" ] || fail "refused create left files"
[ "$(api GET /v1/sessions | jq '.sessions | length')" = 2 ] || fail "refused create left a session"
wait_state "$a" running; wait_state "$b" running
[ "$(pgrep -fc -- "$T/state/")" -eq 2 ] || fail "expected exactly 2 QEMU processes"
api DELETE "/v1/sessions/$a" >/dev/null
wait_state "$a" stopped
c=$(create_session demo-arena)
wait_state "$c" running
note "capacity 2: third create → 409 capacity_exhausted, nothing leaked; slot reused after stop"
