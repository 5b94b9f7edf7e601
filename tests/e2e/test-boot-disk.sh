#!/usr/bin/env bash
# demo-arena-disk boots through the firmware from a qcow2 overlay of its
# image; the overlay exists while it runs and is removed after stop.
. "$(dirname "$0")/lib.sh"
start_daemon
id=$(create_session demo-arena-disk)
wait_state "$id" running
overlay=$(session_field "$id" overlay)
[ -f "$overlay" ] || fail "overlay $overlay missing while running"
backing=$(qemu-img info -U --output=json "$overlay" | jq -r '."backing-filename"')
[ "$backing" = "$GH_SHARE/images/demo-arena/demo-arena.qcow2" ] || fail "overlay backed by '$backing'"
wait_serial "$id" "demo-arena: boot" 90
wait_serial "$id" "demo-arena: frame 60" 90
api DELETE "/v1/sessions/$id" >/dev/null
wait_state "$id" stopped
[ ! -e "$overlay" ] || fail "overlay $overlay left after stop"
note "disk boot: booted via firmware from overlay; overlay removed after stop"
