#!/usr/bin/env bash
# Session start latency: gamehostd against raw libvirt, on the same domain XML.
#
# Usage: bench/session-start.sh PREFIX [N]     (root; N sessions, default 20, at most 200)
#   PREFIX   an installed tree (e.g. /tmp/gh-stage/usr/local)
#   GH_DOMAIN_XML  path of bench/gh-domain-xml if not in build/ or the source
#                  tree (build it with: make -C build bench/gh-domain-xml)
#
# For each of N rounds, one after another (one VM alive at a time):
#   gamehost: POST /v1/sessions {"image":"demo-arena"}, then
#     - POST → state running: the session.state event on GET /v1/events (SSE,
#       followed by curl -N, each event timestamped on arrival);
#     - POST → first serial line "demo-arena: boot" in the session's serial log
#       (polled every 5 ms); then DELETE and wait for its QEMU to exit.
#   virsh: the XML gamehostd would build (bench/gh-domain-xml, same libghcore
#     code) started with `virsh -c qemu:///embed?root=<own root> create`:
#     - invocation → virsh exit (the domain is running);
#     - invocation → first serial line; then `virsh destroy`.
# A warm-up round of each comes first (the first open of an embed root probes
# QEMU's capabilities, ~4 s).  Everything runs on loopback, under TCG.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"

PREFIX=${1:?usage: session-start.sh PREFIX [N]}
N=${2:-20}
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 200 ] || bench_fail "N must be 1 to 200"
IMAGE=demo-arena
BOOT_LINE="demo-arena: boot"

bench_init "$PREFIX" start

GX=${GH_DOMAIN_XML:-}
if [ -z "$GX" ]; then
    for c in "$BENCH_DIR/../build/bench/gh-domain-xml" "$BENCH_DIR/gh-domain-xml"; do
        [ -x "$c" ] && { GX=$c; break; }
    done
fi
[ -n "$GX" ] && [ -x "$GX" ] ||
    bench_fail "bench/gh-domain-xml not found: run 'make -C build bench/gh-domain-xml' or set GH_DOMAIN_XML"
command -v virsh >/dev/null || bench_fail "virsh is missing (apt-get install -y libvirt-clients)"
id -u libvirt-qemu >/dev/null 2>&1 || bench_fail "no libvirt-qemu user (apt-get install -y libvirt-daemon-system)"

echo "# session-start: gamehostd vs raw libvirt ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, domain type qemu = TCG, N=$N)"
echo
echo "Commands run:"
echo
bench_write_config "" 4
bench_start_daemon
bench_follow_events

# The raw-libvirt baseline gets its own embed root: only one process may
# hold a root, and the daemon holds its own.  Same qemu.conf as runtime/virt/virt.c.
VROOT="$T/virsh-root"
VURI="qemu:///embed?root=$VROOT"
mkdir -p "$VROOT/etc" "$T/virsh-sessions"
chmod 755 "$VROOT" "$VROOT/etc" "$T/virsh-sessions"
printf 'stdio_handler = "file"\nsecurity_driver = "none"\n' > "$VROOT/etc/qemu.conf"
QEMU_USER=libvirt-qemu

R="$T/results"
mkdir -p "$R"
for f in gh_post gh_running gh_boot v_running v_boot v_open curl_rt; do : > "$R/$f"; done

# One gamehost round; with "record", appends the durations.
gh_round() {
    local record=${1:-} t0 t1 out id log t_run t_boot
    t0=$(now_us)
    out=$(api POST /v1/sessions "{\"image\":\"$IMAGE\"}")
    t1=$(now_us)
    [ "$(api_status)" = 201 ] || bench_fail "POST /v1/sessions: HTTP $(api_status): $out"
    id=$(jq -r .id <<<"$out")
    log=$(jq -r .serial_log <<<"$out")
    t_boot=$(wait_serial "$log" "$BOOT_LINE")
    t_run=$(wait_event "$id" running)
    if [ -n "$record" ]; then
        echo $(( t1 - t0 )) >> "$R/gh_post"
        [ "$t_run" = missed ] || echo $(( t_run - t0 )) >> "$R/gh_running"
        echo $(( t_boot - t0 )) >> "$R/gh_boot"
    fi
    api DELETE "/v1/sessions/$id" >/dev/null
    [ "$(api_status)" = 202 ] || bench_fail "DELETE /v1/sessions/$id: HTTP $(api_status)"
    wait_event "$id" stopped >/dev/null
    wait_gone "guest=gh-$id"
}

# One raw-libvirt round, same XML as the daemon would build.
virsh_round() {
    local record=${1:-} id d t0 t1 t_boot o0 o1
    id=$(cat /proc/sys/kernel/random/uuid)
    d="$T/virsh-sessions/$id"
    mkdir -m 0750 "$d"
    chown "$QEMU_USER:" "$d"   # as the daemon does (session_dir_grant_qemu)
    "$GX" "$GH_SHARE" "$IMAGE" "$id" "$d/serial.log" "$d/vnc.sock" qemu > "$d/domain.xml"
    t0=$(now_us)
    virsh -q -c "$VURI" create "$d/domain.xml" >/dev/null 2>>"$T/virsh.log" || bench_fail "virsh create failed: $(tail -n 3 "$T/virsh.log")"
    t1=$(now_us)
    t_boot=$(wait_serial "$d/serial.log" "$BOOT_LINE")
    # The cost of one virsh connection alone (open the root, list, close).
    o0=$(now_us)
    virsh -q -c "$VURI" list >/dev/null 2>>"$T/virsh.log"
    o1=$(now_us)
    # A destroy from a process that reopened the root kills QEMU and may then
    # report "Domain not found" (DESIGN.md): judge by the process instead.
    virsh -q -c "$VURI" destroy "gh-$id" >/dev/null 2>>"$T/virsh.log" || true
    wait_gone "guest=gh-$id"
    if [ -n "$record" ]; then
        echo $(( t1 - t0 )) >> "$R/v_running"
        echo $(( t_boot - t0 )) >> "$R/v_boot"
        echo $(( o1 - o0 )) >> "$R/v_open"
    fi
}

curl_round() {
    local t0 t1
    t0=$(now_us)
    curl -fsS -o /dev/null "$URL/healthz"
    t1=$(now_us)
    echo $(( t1 - t0 )) >> "$R/curl_rt"
}

bench_show "curl -sS -X POST -H 'Authorization: Bearer \$TOKEN' -H 'Content-Type: application/json' --data '{\"image\":\"$IMAGE\"}' $URL/v1/sessions   (then poll <serial_log> every 5 ms; DELETE /v1/sessions/<id>)"
bench_show "$GX $GH_SHARE $IMAGE <uuid> <dir>/serial.log <dir>/vnc.sock qemu > <dir>/domain.xml"
bench_show "virsh -q -c '$VURI' create <dir>/domain.xml   (then poll <dir>/serial.log every 5 ms)"
bench_show "virsh -q -c '$VURI' list"
bench_show "virsh -q -c '$VURI' destroy gh-<uuid>"
bench_show "curl -fsS -o /dev/null $URL/healthz"
echo

bench_note "warm-up: one gamehost session and one virsh domain (capability probes)"
gh_round
virsh_round
for i in $(seq 1 "$N"); do
    bench_note "round $i/$N"
    # Alternate who goes first, so that drift in background load is shared.
    if (( i % 2 )); then gh_round record; virsh_round record; else virsh_round record; gh_round record; fi
    curl_round
done

echo "| measure (ms) | n | p50 | p90 | max | mean |"
echo "|---|---|---|---|---|---|"
stats_row "gamehost: POST → 201 response" "$R/gh_post"
stats_row "gamehost: POST → state running (SSE event)" "$R/gh_running"
stats_row "gamehost: POST → first serial line" "$R/gh_boot"
stats_row "virsh create → exit (running)" "$R/v_running"
stats_row "virsh create → first serial line" "$R/v_boot"
stats_row "virsh open+list+close (connection cost inside the above)" "$R/v_open"
stats_row "curl GET /healthz (client process + round trip)" "$R/curl_rt"
echo

overhead_row() { # label gh-file virsh-file
    local what gh v
    for what in p50 mean; do
        gh=$(stat_of "$2" "$what")
        v=$(stat_of "$3" "$what")
        awk -v l="$1" -v w="$what" -v g="$gh" -v v="$v" 'BEGIN {
            d = (g - v) / 1000; p = 100 * (g - v) / v
            ok = (d < 50 || p < 10) ? "yes" : "NO"
            printf "| %s (%s) | %.1f | %.1f | %+.1f | %+.1f%% | %s |\n", l, w, g / 1000, v / 1000, d, p, ok
        }'
    done
}
echo "| overhead of gamehost over raw libvirt | gamehost ms | virsh ms | added ms | added % | target met (< 10 % or < 50 ms) |"
echo "|---|---|---|---|---|---|"
overhead_row "to running" "$R/gh_running" "$R/v_running"
overhead_row "to first serial line" "$R/gh_boot" "$R/v_boot"
echo
echo "Notes: one VM alive at a time; rounds alternate which side goes first; each"
echo "virsh invocation also opens the embed root (see the connection-cost row),"
echo "while gamehostd keeps its connection open; gamehost timings include one curl"
echo "process start (see the /healthz row)."

echo
bench_report_events
warnings=$(grep -ciE 'warning|error|critical' "$T/daemon.log" || true)
echo
echo "daemon log: $(wc -l < "$T/daemon.log") lines, $warnings with warning/error/critical"
if [ "$warnings" -gt 0 ]; then
    grep -iE 'warning|error|critical' "$T/daemon.log" | sed -E 's/[0-9a-f]{8}-[0-9a-f-]{27}/<uuid>/g; s/^[0-9-]+ [0-9:.+]+: [0-9]+: //' |
        sort | uniq -c | sort -rn | head -n 5 | sed 's/^/    /'
fi
