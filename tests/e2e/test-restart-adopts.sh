#!/usr/bin/env bash
# kill -9 of the daemon while sessions run: the restarted daemon lists every
# session, adopts each VM (same QEMU process, none started twice), and stops
# them.
. "$(dirname "$0")/lib.sh"
start_daemon
a=$(create_session demo-arena)
b=$(create_session demo-arena-disk)
wait_state "$a" running
wait_state "$b" running
pid_a=$(qemu_pid "$a"); pid_b=$(qemu_pid "$b")
[ -n "$pid_a" ] && [ -n "$pid_b" ] || fail "missing QEMU processes"
kill9_daemon
start_daemon
for id in "$a" "$b"; do
    [ "$(session_field "$id" state)" = running ] || fail "session $id not running after restart"
    [ "$(session_field "$id" adopted)" = true ] || fail "session $id not marked adopted"
done
[ "$(qemu_pid "$a")" = "$pid_a" ] && [ "$(qemu_pid "$b")" = "$pid_b" ] || fail "QEMU restarted or replaced"
[ "$(pgrep -fc -- "$T/state/")" -eq 2 ] || fail "expected exactly 2 QEMU processes"
wait_serial "$a" "demo-arena: frame 120"
api DELETE "/v1/sessions/$a" >/dev/null; api DELETE "/v1/sessions/$b" >/dev/null
wait_state "$a" stopped; wait_state "$b" stopped
for _ in $(seq 1 50); do pgrep -f -- "$T/state/" >/dev/null || break; sleep 0.1; done
! pgrep -f -- "$T/state/" >/dev/null || fail "QEMU left after stopping adopted sessions"
note "kill -9 + restart: 2 sessions adopted with the same QEMU pids, then stopped"
