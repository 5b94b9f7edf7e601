#!/usr/bin/env bash
# The frame relay end to end: demo-arena declares relay, so its domain gets an
# ivshmem-plain region backed by /dev/shm/gh-<session>; the game finds the
# device and writes every frame into it (the reference producer).  The region
# is read straight from the host file (header, frames_written moving, the
# latest slot's metadata); when the capture.relay plugin is loaded, /frame
# through it shows the yellow player where the game drew it.  After the stop
# the /dev/shm file is gone.
. "$(dirname "$0")/lib.sh"
start_daemon
has_relay_plugin=$(api GET /v1/plugins | jq '[.plugins[].backends[].name] | index("capture.relay") != null')
if [ "$has_relay_plugin" = true ]; then
    out=$(api POST /v1/sessions '{"image":"demo-arena","capture":"capture.relay"}')
else
    out=$(api POST /v1/sessions '{"image":"demo-arena"}')
fi
expect_status 201 "$(cat "$T/status")" "create demo-arena"
id=$(jq -r .id <<<"$out")
wait_state "$id" running
wait_serial "$id" "demo-arena: relay ivshmem bar2="
wait_serial "$id" "demo-arena: frame 60"
log=$(session_field "$id" serial_log)
grep -q "demo-arena: relay ivshmem bar2=0x[0-9a-f]* size=4194304" "$log" || fail "relay line: $(grep relay "$log")"
shm="/dev/shm/gh-$id"
[ -f "$shm" ] || fail "no relay memory at $shm: $(ls /dev/shm)"
[ "$(stat -c %s "$shm")" = 4194304 ] || fail "$shm is $(stat -c %s "$shm") bytes, expected 4 MiB"

u64() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }  # file offset
u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
[ "$(od -An -c -N 8 "$shm" | tr -d ' ')" = '!GHRELY1' ] || fail "bad magic: $(od -An -t x1 -N 8 "$shm")"
[ "$(u32 "$shm" 8)" = 1 ] || fail "version $(u32 "$shm" 8)"
[ "$(u64 "$shm" 16)" = 4194304 ] || fail "region_size $(u64 "$shm" 16)"
[ "$(u32 "$shm" 32)" = 3 ] || fail "slot_count $(u32 "$shm" 32)"
[ "$(u32 "$shm" 40)x$(u32 "$shm" 44)" = 640x480 ] || fail "max size $(u32 "$shm" 40)x$(u32 "$shm" 44)"
w1=$(u64 "$shm" 80); h1=$(u64 "$shm" 64)
sleep 0.5
w2=$(u64 "$shm" 80); h2=$(u64 "$shm" 64)
[ "$w2" -gt "$w1" ] || fail "frames_written did not move in 0.5 s: $w1 -> $w2"
[ "$h2" -gt "$h1" ] || fail "heartbeat did not move in 0.5 s: $h1 -> $h2"
slot=$(( 4096 + $(u32 "$shm" 88) * $(u32 "$shm" 36) ))
meta="$(u32 "$shm" $((slot + 8)))x$(u32 "$shm" $((slot + 12))) stride=$(u32 "$shm" $((slot + 16))) format=$(u32 "$shm" $((slot + 20)))"
[ "$meta" = "640x480 stride=2560 format=1" ] || fail "latest slot: $meta"
[ "$(u64 "$shm" $((slot + 24)))" -gt 0 ] || fail "latest slot has no frame number"

if [ "$has_relay_plugin" = true ]; then
    inside="20 20 619 459"   # the playfield, inside the animated border
    frame "$id" "$T/relay.png"
    probe=$(png_probe "$T/relay.png" ffff00 $inside)
    [ "$probe" = "640x480 count=576 bbox=308,228-331,251" ] || fail "player through capture.relay: $probe"
    api GET "/v1/sessions/$id" | jq -e '.pipeline.capture == "capture.relay"' >/dev/null ||
        fail "pipeline capture: $(cat "$T/body")"
    how="capture.relay /frame shows the player at 308,228-331,251"
else
    how="capture.relay not loaded: header read with od"
fi
api DELETE "/v1/sessions/$id" >/dev/null
expect_status 202 "$(cat "$T/status")" "delete"
wait_state "$id" stopped
for _ in $(seq 1 50); do [ -z "$(qemu_pid "$id")" ] && break; sleep 0.1; done
[ -z "$(qemu_pid "$id")" ] || fail "QEMU of session $id still running after stop"
[ ! -e "$shm" ] || fail "$shm left behind after stop"
note "relay: ivshmem at $(grep -o 'bar2=0x[0-9a-f]*' "$log" | head -1), frames_written $w1 -> $w2 in 0.5 s; $how; $shm removed"
