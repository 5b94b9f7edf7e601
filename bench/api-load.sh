#!/usr/bin/env bash
# API throughput: requests/s and latency percentiles of GET /v1/sessions with
# 50 sessions listed, measured with wrk on loopback; GET /healthz (no auth,
# no JSON) alongside as the HTTP stack's floor; the daemon's RSS.
#
# Usage: bench/api-load.sh PREFIX     (PREFIX: an installed tree)
#   env: SESSIONS (50), DURATION (10s), THREADS (2), CONNECTIONS (16)
#
# 50 TCG VMs would swamp a small host, so this daemon runs on libvirt's
# in-process test driver (uri = test:///default): sessions reach "running"
# without any QEMU; the HTTP, auth, session-list and JSON path measured is the
# same code as with QEMU.  Installs wrk (apt-get install -y wrk) if missing.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"

PREFIX=${1:?usage: api-load.sh PREFIX}
SESSIONS=${SESSIONS:-50}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
[[ $SESSIONS =~ ^[0-9]+$ ]] && [ "$SESSIONS" -ge 1 ] && [ "$SESSIONS" -le 500 ] || bench_fail "SESSIONS must be 1 to 500"
[[ $DURATION =~ ^[0-9]+s$ ]] && [ "${DURATION%s}" -ge 1 ] && [ "${DURATION%s}" -le 60 ] || bench_fail "DURATION must be 1s to 60s"

bench_init "$PREFIX" api

echo "# api-load: GET /v1/sessions with $SESSIONS sessions, libvirt test driver (uri = test:///default, no QEMU) ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs)"
echo
echo "Commands run:"
echo
if ! command -v wrk >/dev/null; then
    bench_show "apt-get install -y wrk"
    apt-get install -y wrk >&2 || bench_fail "cannot install wrk"
fi
bench_write_config "test:///default" $(( SESSIONS + 8 ))
bench_start_daemon
bench_follow_events

bench_show "curl -sS -X POST -H 'Authorization: Bearer \$TOKEN' -H 'Content-Type: application/json' --data '{\"image\":\"demo-arena\"}' $URL/v1/sessions   (x$SESSIONS)"
ids=()
for _ in $(seq 1 "$SESSIONS"); do
    out=$(api POST /v1/sessions '{"image":"demo-arena"}')
    [ "$(api_status)" = 201 ] || bench_fail "POST /v1/sessions: HTTP $(api_status): $out"
    ids+=("$(jq -r .id <<<"$out")")
done
for id in "${ids[@]}"; do wait_event "$id" running 30 >/dev/null; done
running=$(api GET /v1/sessions | jq '[.sessions[] | select(.state == "running")] | length')
[ "$running" = "$SESSIONS" ] || bench_fail "$running of $SESSIONS sessions running"
body_bytes=$(api GET /v1/sessions | wc -c)
rss_before=$(proc_status "$DAEMON_PID" VmRSS)

# run_wrk LABEL PATH [auth]: one wrk run, one table row.
run_wrk() {
    local label=$1 path=$2 out
    local args=(-t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency)
    [ "${3:-}" = auth ] && args+=(-H "Authorization: Bearer $TOKEN")
    if [ "${3:-}" = auth ]; then
        bench_show "wrk -t $THREADS -c $CONNECTIONS -d $DURATION --latency -H 'Authorization: Bearer \$TOKEN' $URL$path" >&3
    else
        bench_show "wrk -t $THREADS -c $CONNECTIONS -d $DURATION --latency $URL$path" >&3
    fi
    bench_note "wrk $path for $DURATION"
    out=$(wrk "${args[@]}" "$URL$path")
    echo "$out" > "$T/wrk-$(basename "$path").txt"
    # wrk's report: "Requests/sec: N", "Latency Distribution" lines "50% 1.2ms",
    # "Non-2xx or 3xx responses: N", "Socket errors: ...".
    awk -v label="$label" '
        function ms(s) {
            if (s ~ /us$/) return substr(s, 1, length(s) - 2) / 1000
            if (s ~ /ms$/) return substr(s, 1, length(s) - 2) + 0
            if (s ~ /s$/)  return substr(s, 1, length(s) - 1) * 1000
            return s
        }
        /^Requests\/sec:/ { rps = $2 }
        /requests in/ { total = $1 }
        $1 == "Latency" && NF > 2 { avg = ms($2) }
        $1 == "50%" { p50 = ms($2) } $1 == "90%" { p90 = ms($2) } $1 == "99%" { p99 = ms($2) }
        /Non-2xx/ { bad = $NF }
        /Socket errors/ { err = $0; sub(/^ *Socket errors: */, "", err) }
        END {
            printf "| %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %s | %s |\n", label, total, rps,
                   avg, p50, p90, p99, bad == "" ? 0 : bad, err == "" ? "none" : err
        }' <<<"$out"
}

exec 3>&1
rows=$(
    run_wrk "GET /v1/sessions ($SESSIONS sessions, auth)" /v1/sessions auth
    run_wrk "GET /healthz (no auth, floor)" /healthz
)
rss_after=$(proc_status "$DAEMON_PID" VmRSS)
hwm_after=$(proc_status "$DAEMON_PID" VmHWM)
threads=$(proc_status "$DAEMON_PID" Threads)
echo
echo "wrk $THREADS threads, $CONNECTIONS connections, $DURATION each, loopback; wrk and gamehostd share the $(nproc) CPUs."
echo
echo "| request | requests | req/s | mean ms | p50 ms | p90 ms | p99 ms | non-2xx | socket errors |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "$rows"
echo
echo "| gamehostd ($SESSIONS sessions, test driver) | value |"
echo "|---|---|"
echo "| GET /v1/sessions body | $body_bytes bytes |"
echo "| VmRSS before wrk | $(kib_to_mib "$rss_before") MiB |"
echo "| VmRSS after wrk | $(kib_to_mib "$rss_after") MiB |"
echo "| VmHWM (peak RSS) | $(kib_to_mib "$hwm_after") MiB |"
echo "| threads | $threads |"

for id in "${ids[@]}"; do api DELETE "/v1/sessions/$id" >/dev/null; done
for id in "${ids[@]}"; do wait_event "$id" stopped 30 >/dev/null; done
echo
bench_report_events
warnings=$(grep -ciE 'warning|error|critical' "$T/daemon.log" || true)
echo
echo "daemon log: $(wc -l < "$T/daemon.log") lines, $warnings with warning/error/critical"
if [ "$warnings" -gt 0 ]; then
    grep -iE 'warning|error|critical' "$T/daemon.log" | sed -E 's/[0-9a-f]{8}-[0-9a-f-]{27}/<uuid>/g' |
        sort | uniq -c | sort -rn | head -n 5 | sed 's/^/    /'
fi
