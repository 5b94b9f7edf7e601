#!/usr/bin/env bash
# Daemon memory: gamehostd's VmRSS and VmHWM (from /proc/PID/status; QEMU
# excluded, it is a separate process) before any session, with N demo-arena
# sessions running on the embedded QEMU driver (real QEMU, TCG), and after
# they are stopped; the QEMU processes' total RSS is shown for context.
#
# Usage: bench/daemon-rss.sh PREFIX [N]     (root; N sessions, default 20, at most 32)
#
# Sessions are created one after another, each waited for until running; then
# all are checked to have printed "demo-arena: boot".  Everything is stopped
# at the end and no QEMU may be left under the state dir.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"

PREFIX=${1:?usage: daemon-rss.sh PREFIX [N]}
N=${2:-20}
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 32 ] || bench_fail "N must be 1 to 32"

bench_init "$PREFIX" rss

echo "# daemon-rss: gamehostd memory with $N demo-arena sessions, embedded QEMU driver, TCG ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs)"
echo
echo "Commands run:"
echo
bench_write_config "" "$N"
bench_start_daemon
bench_follow_events

# sample LABEL: one table row for the daemon and the QEMU processes now.
sample() {
    local pids qn=0 qrss=0 p r active
    pids=$(pgrep -f -- "guest=gh-.*$T/state/" || true)
    for p in $pids; do
        r=$(proc_status "$p" VmRSS 2>/dev/null || true)
        [ -n "$r" ] || continue
        qn=$(( qn + 1 )); qrss=$(( qrss + r ))
    done
    active=$(api GET /v1/sessions | jq '[.sessions[] | select(.state == "running")] | length')
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$active" \
        "$(kib_to_mib "$(proc_status "$DAEMON_PID" VmRSS)")" "$(kib_to_mib "$(proc_status "$DAEMON_PID" VmHWM)")" \
        "$(proc_status "$DAEMON_PID" Threads)" "$qn" "$(kib_to_mib "$qrss")"
    echo "$(proc_status "$DAEMON_PID" VmRSS)" > "$T/last-rss"
}

snooze 1
rows=$(sample "before any session")

# One session started and stopped first: the first start initialises the
# QEMU driver (capability probe, caches), a one-off cost not per session.
bench_note "warm-up session"
out=$(api POST /v1/sessions '{"image":"demo-arena"}')
[ "$(api_status)" = 201 ] || bench_fail "POST /v1/sessions: HTTP $(api_status): $out"
wid=$(jq -r .id <<<"$out")
wait_event "$wid" running 120 >/dev/null
api DELETE "/v1/sessions/$wid" >/dev/null
wait_event "$wid" stopped 60 >/dev/null
wait_gone "guest=gh-$wid"
snooze 1
rows+=$'\n'$(sample "after one warm-up session (driver initialised)")
rss0=$(cat "$T/last-rss")

bench_show "curl -sS -X POST -H 'Authorization: Bearer \$TOKEN' -H 'Content-Type: application/json' --data '{\"image\":\"demo-arena\"}' $URL/v1/sessions   (x$N, each waited for until running)"
ids=()
for i in $(seq 1 "$N"); do
    bench_note "session $i/$N"
    out=$(api POST /v1/sessions '{"image":"demo-arena"}')
    [ "$(api_status)" = 201 ] || bench_fail "POST /v1/sessions: HTTP $(api_status): $out"
    id=$(jq -r .id <<<"$out")
    ids+=("$id")
    wait_event "$id" running 120 >/dev/null
done
for id in "${ids[@]}"; do
    wait_serial "$T/state/sessions/$id/serial.log" "demo-arena: boot" 60 >/dev/null
done
snooze 2
rows+=$'\n'$(sample "$N sessions running")
rssN=$(cat "$T/last-rss")
# Some API traffic with all of them up (the list, each session, the host).
bench_show "curl GET $URL/v1/sessions, /v1/sessions/<id> (x$N), /v1/host, /metrics   (x10)"
for _ in $(seq 1 10); do
    api GET /v1/sessions >/dev/null
    for id in "${ids[@]}"; do api GET "/v1/sessions/$id" >/dev/null; done
    api GET /v1/host >/dev/null
    api GET /metrics >/dev/null
done
rows+=$'\n'$(sample "$N running, after 10 rounds of GETs")

bench_show "curl -sS -X DELETE -H 'Authorization: Bearer \$TOKEN' $URL/v1/sessions/<id>   (x$N)"
for id in "${ids[@]}"; do api DELETE "/v1/sessions/$id" >/dev/null; done
for id in "${ids[@]}"; do wait_event "$id" stopped 60 >/dev/null; done
wait_gone "guest=gh-.*$T/state/" 30
snooze 1
rows+=$'\n'$(sample "all $N stopped")

bench_stop_daemon
bench_show "pgrep -f -- $T/state/   (must find nothing)"
left=$(pgrep -f -- "$T/state/" || true)

echo
echo "| point | running | daemon VmRSS MiB | daemon VmHWM MiB | daemon threads | QEMU processes | QEMU RSS total MiB |"
echo "|---|---|---|---|---|---|---|"
echo "$rows"
echo
awk -v a="$rss0" -v b="$rssN" -v n="$N" 'BEGIN {
    printf "Daemon RSS added by %d running sessions (from the warm-up row): %.1f MiB (%.0f KiB per session).\n", n, (b - a) / 1024, (b - a) / n }'
if [ -n "$left" ]; then
    echo "QEMU/processes left under $T after stop: $left"
    bench_fail "processes left behind"
fi
echo "After stop: no process left under the state dir."
echo
bench_report_events
warnings=$(grep -ciE 'warning|error|critical' "$T/daemon.log" || true)
echo
echo "daemon log: $(wc -l < "$T/daemon.log") lines, $warnings with warning/error/critical"
if [ "$warnings" -gt 0 ]; then
    grep -iE 'warning|error|critical' "$T/daemon.log" | sed -E 's/[0-9a-f]{8}-[0-9a-f-]{27}/<uuid>/g; s/^[0-9-]+ [0-9:.+]+: [0-9]+: //' |
        sort | uniq -c | sort -rn | head -n 5 | sed 's/^/    /'
fi
