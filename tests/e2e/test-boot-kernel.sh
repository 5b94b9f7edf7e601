#!/usr/bin/env bash
# demo-arena boots from its kernel: created, listed, played (serial log shows
# boot and frames), stopped over HTTP; its QEMU is gone afterwards.
. "$(dirname "$0")/lib.sh"
start_daemon
id=$(create_session demo-arena)
wait_state "$id" running
wait_serial "$id" "demo-arena: boot"
wait_serial "$id" "demo-arena: frame 60"
[ -n "$(qemu_pid "$id")" ] || fail "no QEMU process for session $id"
api GET /v1/sessions | jq -e --arg id "$id" '.sessions | map(select(.id == $id and .state == "running")) | length == 1' >/dev/null ||
    fail "session $id not listed as running"
api DELETE "/v1/sessions/$id" >/dev/null
expect_status 202 "$(cat "$T/status")" "delete"
wait_state "$id" stopped
[ "$(session_field "$id" reason)" = "stopped by request" ] || fail "wrong stop reason"
for _ in $(seq 1 50); do [ -z "$(qemu_pid "$id")" ] && break; sleep 0.1; done
[ -z "$(qemu_pid "$id")" ] || fail "QEMU of session $id still running after stop"
note "kernel boot: running, frames drawn, stopped, QEMU gone"
