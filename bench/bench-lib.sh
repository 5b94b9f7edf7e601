# Shared helpers of the benchmarks (bench/*.sh): a gamehostd from an installed
# tree in a throw-away state dir, driven over loopback HTTP with curl, with
# microsecond timestamps and percentile tables.  Sourced, never run.
# Same approach as tests/e2e/lib.sh (which stays the tests' own); needs only
# bash >= 5 ($EPOCHREALTIME), curl, jq, awk and procps (pgrep/pkill).

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=""
PORT=""
URL=""
TOKEN=""
DAEMON_PID=""
SSE_CURL_PID=""
SSE_READER_PID=""
SNOOZE_FD=""

bench_fail() {
    echo "bench: FAIL: $*" >&2
    if [ -n "$T" ] && [ -f "$T/daemon.log" ]; then
        echo "--- last lines of the daemon log ---" >&2
        tail -n 20 "$T/daemon.log" >&2
    fi
    exit 1
}

# Progress on stderr; the report (commands and tables) on stdout.
bench_note() { echo "  .. $*" >&2; }
# Prints a command as run, for the report.
bench_show() { printf '    $ %s\n' "$*"; }

# bench_init PREFIX NAME: checks the tools and the installed tree, makes the
# state dir ($T, mode 0755 so that QEMU as libvirt-qemu can traverse it) and
# installs the clean-up trap.
bench_init() {
    local prefix=$1 name=$2 tool
    [ "${BASH_VERSINFO[0]}" -ge 5 ] || bench_fail "bash 5 or later is needed (\$EPOCHREALTIME)"
    for tool in curl jq awk pgrep pkill; do
        command -v "$tool" >/dev/null || bench_fail "'$tool' is missing (apt-get install -y curl jq gawk procps)"
    done
    bench_use_prefix "$prefix"

    T=$(mktemp -d "/tmp/gh-bench-$name.XXXXXX")
    chmod 755 "$T"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    PORT=$(( 20000 + RANDOM % 20000 ))
    URL="http://127.0.0.1:$PORT"
    # read -t on a pipe nobody writes to: a sleep without forking sleep(1).
    exec {SNOOZE_FD}<> <(:)
}

# bench_use_prefix PREFIX: the installed tree the next daemon starts from
# (bench/worker.sh switches between two).
bench_use_prefix() {
    GH_PREFIX=$(cd "$1" 2>/dev/null && pwd) || bench_fail "no such directory: $1"
    GH_SHARE="$GH_PREFIX/share/gamehost"
    GH_DAEMON="$GH_PREFIX/sbin/gamehostd"
    [ -x "$GH_DAEMON" ] || bench_fail "$GH_DAEMON not found: PREFIX must be an installed tree (e.g. /tmp/gh-stage/usr/local)"
    # Installed under a DESTDIR: not where the build configured the scanner.
    export GH_PLUGIN_SCANNER="$GH_PREFIX/libexec/gamehost/gamehost-plugin-scanner"
    [ -d "$GH_SHARE/images" ] || bench_fail "$GH_SHARE/images not found"
}

snooze() { read -r -t "$1" -u "$SNOOZE_FD" _ || true; }

# bench_count NAME MIN MAX: the variable NAME (a knob) must hold a whole
# number from MIN to MAX.
bench_count() {
    local v=${!1}
    [[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge "$2" ] && [ "$v" -le "$3" ] || bench_fail "$1=$v: a whole number from $2 to $3"
}

# Microseconds since the epoch, without a fork.
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# bench_write_config [uri] [max_sessions] [image_dir]: empty uri = the
# embedded QEMU driver; image_dir (images built by the bench, e.g. Freedoom)
# joins the installed images.
bench_write_config() {
    local uri=${1:-} max=${2:-4} images=${3:-}
    {
        echo "[daemon]"
        echo "state_dir = $T/state"
        echo "listen = 127.0.0.1:$PORT"
        echo "data_dir = $GH_SHARE"
        [ -n "$images" ] && echo "image_dirs = $GH_SHARE/images;$images"
        echo "plugin_dirs = $GH_PREFIX/lib/gamehost/plugins"
        echo "log_level = info"
        echo "[libvirt]"
        [ -n "$uri" ] && echo "uri = $uri"
        echo "domain_type = qemu"
        echo "[sessions]"
        echo "max_sessions = $max"
    } > "$T/gamehost.conf"
}

bench_start_daemon() {
    bench_show "$GH_DAEMON --config $T/gamehost.conf"
    "$GH_DAEMON" --config "$T/gamehost.conf" >>"$T/daemon.log" 2>&1 &
    DAEMON_PID=$!
    disown "$DAEMON_PID"
    for _ in $(seq 1 300); do
        if curl -fsS "$URL/healthz" >/dev/null 2>&1; then
            TOKEN=$(head -n 1 "$T/state/api-token")
            return 0
        fi
        kill -0 "$DAEMON_PID" 2>/dev/null || bench_fail "gamehostd exited at start"
        snooze 0.1
    done
    bench_fail "gamehostd did not answer /healthz within 30 s"
}

# api METHOD PATH [BODY] → the body on stdout, the HTTP status in $T/status.
api() {
    local method=$1 path=$2 body=${3:-}
    local args=(-sS -o "$T/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $TOKEN")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
    curl "${args[@]}" "$URL$path" >"$T/status"
    cat "$T/body"
}

api_status() { cat "$T/status"; }

# bench_wait_state ID STATE [seconds]: polls GET /v1/sessions/ID every
# 0.1 s; a session that fails instead ends the bench with its reason.
bench_wait_state() {
    local deadline=$(( SECONDS + ${3:-60} )) state=""
    while [ $SECONDS -lt "$deadline" ]; do
        state=$(api GET "/v1/sessions/$1" | jq -r .state)
        [ "$state" = "$2" ] && return 0
        if [ "$state" = failed ] && [ "$2" != failed ]; then
            bench_fail "session $1 failed: $(jq -r .reason "$T/body")"
        fi
        snooze 0.1
    done
    bench_fail "session $1 did not reach $2 within ${3:-60} s (is $state)"
}

# Follows GET /v1/events into $T/events.log, one line per event:
# "<microseconds when read> <event JSON>".
bench_follow_events() {
    bench_show "curl -sN -H 'Authorization: Bearer \$TOKEN' $URL/v1/events   (each event timestamped on arrival)"
    # The raw stream is kept (events.raw) to tell events the daemon never sent
    # from events this reader missed.
    : > "$T/events.log"
    : > "$T/events.raw"
    curl -sN -H "Authorization: Bearer $TOKEN" "$URL/v1/events" > "$T/events.raw" &
    SSE_CURL_PID=$!
    (
        tail -n +1 -f --pid="$SSE_CURL_PID" "$T/events.raw" | while IFS= read -r line; do
            [[ $line == data:* ]] || continue
            t=$EPOCHREALTIME
            printf '%s %s\n' "${t/./}" "${line#data: }"
        done >> "$T/events.log"
    ) &
    SSE_READER_PID=$!
}

# event_time ID STATE → microsecond timestamp of the first event that put
# session ID in STATE, empty if none yet.
event_time() {
    grep -F "\"id\":\"$1\"" "$T/events.log" 2>/dev/null | grep -F "\"state\":\"$2\"" |
        awk 'NR == 1 { print $1 }' || true
}

# wait_event ID STATE [seconds] → prints the event's timestamp.  If the
# event has not come after 5 s but GET /v1/sessions/ID already shows STATE,
# the event was lost: it is noted in $T/missed-events and "missed" printed.
wait_event() {
    local start=$SECONDS deadline=$(( SECONDS + ${3:-60} )) ts polls=0 state
    while [ $SECONDS -lt "$deadline" ]; do
        ts=$(event_time "$1" "$2")
        [ -n "$ts" ] && { echo "$ts"; return 0; }
        if [ $(( SECONDS - start )) -ge 5 ] && [ $(( polls++ % 50 )) -eq 0 ]; then
            state=$(api GET "/v1/sessions/$1" | jq -r .state)
            if [ "$state" = "$2" ]; then
                echo "$1 $2" >> "$T/missed-events"
                echo missed
                return 0
            fi
        fi
        if [ "$2" != failed ] && [ -n "$(event_time "$1" failed)" ]; then
            bench_fail "session $1 failed: $(api GET "/v1/sessions/$1" | jq -r .reason)"
        fi
        snooze 0.005
    done
    bench_fail "session $1 did not reach $2 within ${3:-60} s"
}

# wait_serial FILE PATTERN [seconds]: polls FILE every 5 ms, prints the
# microsecond time at which PATTERN was first seen.  No fork until the file
# has content (QEMU creates it empty).
wait_serial() {
    local file=$1 pattern=$2 deadline=$(( SECONDS + ${3:-60} ))
    while [ $SECONDS -lt "$deadline" ]; do
        if [ -s "$file" ] && grep -qF -- "$pattern" "$file" 2>/dev/null; then
            now_us
            return 0
        fi
        snooze 0.005
    done
    bench_fail "$file never showed '$pattern' within ${3:-60} s"
}

# wait_gone PATTERN [seconds]: until no process matches pgrep -f PATTERN.
wait_gone() {
    local deadline=$(( SECONDS + ${2:-20} ))
    while pgrep -f -- "$1" >/dev/null; do
        [ $SECONDS -lt "$deadline" ] || bench_fail "processes matching '$1' still running after ${2:-20} s"
        snooze 0.05
    done
}

# proc_status_kib PID FIELD → value of FIELD (VmRSS, VmHWM, Threads) in /proc/PID/status.
proc_status() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# cpu_ticks PID → utime + stime of the process (all its threads), in
# clock ticks (getconf CLK_TCK); fields counted after the ")" that ends comm.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# stats_row LABEL FILE [p99]: one markdown row "| LABEL | n | p50 | p90 | max |
# mean |" from FILE (one duration in microseconds a line), in ms; with "p99",
# a p99 column after p90.  Percentiles are nearest-rank.
stats_row() {
    sort -n "$2" | awk -v label="$1" -v p99="${3:-}" '
        function at(q) { return v[int((q * n + 99) / 100)] / 1000 }
        { v[NR] = $1; sum += $1 }
        END {
            n = NR
            if (n == 0) { printf "| %s | 0 | - | - |%s - | - |\n", label, p99 ? " - |" : ""; exit }
            printf "| %s | %d | %.1f | %.1f |", label, n, at(50), at(90)
            if (p99) printf " %.1f |", at(99)
            printf " %.1f | %.1f |\n", v[n] / 1000, sum / n / 1000
        }'
}

# stat_of FILE p50|p99|mean → the value in microseconds.
stat_of() {
    sort -n "$1" | awk -v what="$2" '
        { v[NR] = $1; sum += $1 }
        END {
            n = NR; q = (what == "p99") ? 99 : 50
            if (what == "mean") print sum / n; else print v[int((q * n + 99) / 100)]
        }'
}

bench_stop_daemon() {
    [ -n "$DAEMON_PID" ] || return 0
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; snooze 0.05; done
    kill -9 "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=""
}

bench_cleanup() {
    local rc=$?
    set +e
    [ -n "$SSE_CURL_PID" ] && kill "$SSE_CURL_PID" 2>/dev/null
    [ -n "$SSE_READER_PID" ] && kill "$SSE_READER_PID" 2>/dev/null
    bench_stop_daemon
    if [ -n "$T" ]; then
        # Whatever is left under the state dir (QEMU of the daemon or of a
        # virsh baseline, a virsh client) goes too.
        pkill -9 -f -- "$T/" 2>/dev/null
        for _ in $(seq 1 100); do pgrep -f -- "$T/" >/dev/null || break; sleep 0.1; done
        if pgrep -f -- "$T/" >/dev/null; then
            echo "bench: WARNING: processes still running under $T:" >&2
            pgrep -af -- "$T/" >&2
            rc=1
        fi
        if [ "${BENCH_KEEP:-0}" = 1 ]; then
            echo "bench: state kept in $T (BENCH_KEEP=1)" >&2
        else
            rm -rf "$T"
        fi
    fi
    exit "$rc"
}

# One report line on the event stream: events that never arrived while the
# API already showed the state (see wait_event), and whether the daemon sent
# them at all (events.raw is curl's raw stream).
bench_report_events() {
    local n id state sent=0 line
    n=$(grep -c '^data:' "$T/events.raw" 2>/dev/null || true)
    if [ ! -s "$T/missed-events" ]; then
        echo "event stream: $n events received, none missing."
        return 0
    fi
    while read -r id state; do
        grep -F "\"id\":\"$id\"" "$T/events.raw" | grep -qF "\"state\":\"$state\"" && sent=$(( sent + 1 ))
    done < "$T/missed-events"
    echo "event stream: $n events received; $(wc -l < "$T/missed-events") state changes never arrived on GET /v1/events" \
         "although GET /v1/sessions/{id} showed them ($sent of them were in curl's raw stream later)." \
         "Examples:"
    head -n 3 "$T/missed-events" | while read -r line; do echo "    $line"; done
}
