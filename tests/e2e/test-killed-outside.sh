#!/usr/bin/env bash
# A VM killed outside the runtime becomes failed with a reason, and its
# resources (overlay, slot) are released.
. "$(dirname "$0")/lib.sh"
start_daemon
id=$(create_session demo-arena-disk)
wait_state "$id" running
overlay=$(session_field "$id" overlay)
kill -9 "$(qemu_pid "$id")"
wait_state "$id" failed 30
reason=$(session_field "$id" reason)
case "$reason" in "vm stopped: "*) ;; *) fail "unexpected reason '$reason'";; esac
[ ! -e "$overlay" ] || fail "overlay left after the VM died"
[ "$(api GET /v1/host | jq -r .active_sessions)" = 0 ] || fail "slot not released"
note "QEMU killed with SIGKILL → failed: $reason"
