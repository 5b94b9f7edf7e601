# Shared helpers of the end-to-end tests: a real gamehostd on the embedded
# libvirt driver with real QEMU (TCG), driven over HTTP with curl.
# Sourced by each test; needs GH_PREFIX (an installed tree, see run.sh).

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/netns.sh"

: "${GH_PREFIX:?GH_PREFIX must point at an installed gamehost tree}"
GH_SHARE="$GH_PREFIX/share/gamehost"
GH_DAEMON="$GH_PREFIX/sbin/gamehostd"
GH_CTL="$GH_PREFIX/bin/gamehostctl"
# The tree is installed under a DESTDIR: the daemon and gamehostctl would
# look for the scanner where the build configured it.
export GH_PLUGIN_SCANNER="$GH_PREFIX/libexec/gamehost/gamehost-plugin-scanner"

# A fresh state dir per test; QEMU runs as libvirt-qemu and must traverse it.
T=$(mktemp -d /tmp/gh-e2e.XXXXXX)
chmod 755 "$T"
PORT=$(( 20000 + RANDOM % 20000 ))
# TCG unless told otherwise: the tests must pass on hosts without a usable
# KVM (and some sandboxes expose a /dev/kvm that cannot run QEMU guests).
GH_DOMAIN_TYPE=${GH_DOMAIN_TYPE:-qemu}
URL="http://127.0.0.1:$PORT"
TOKEN=""
DAEMON_PID=""
GH_NETNS=""   # set by netns_create: the daemon and curl then run inside it

fail() { echo "FAIL: $*" >&2; [ -f "$T/daemon.log" ] && tail -n 30 "$T/daemon.log" >&2; exit 1; }
note() { echo "  $*"; }

# in_ns CMD...: runs CMD inside the test's network namespace, if it has one.
in_ns() {
    if [ -n "$GH_NETNS" ]; then ip netns exec "$GH_NETNS" "$@"; else "$@"; fi
}

# browser_setup: Chromium, node and playwright-core (npm ci, once) for the
# browser tests; sets browser_dir (tests/e2e/browser: play.mjs, player.mjs).
browser_setup() {
    browser_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/browser" && pwd)
    local chromium=${GH_CHROMIUM:-/usr/bin/chromium}
    [ -x "$chromium" ] || fail "no Chromium at $chromium (scripts/deps.sh installs it)"
    command -v node >/dev/null || fail "node missing (scripts/deps.sh installs it)"
    if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ]; then
        (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
            fail "npm ci in $browser_dir"
    fi
}

# A network namespace with no way out, for WebRTC (scripts/netns.sh).
# Everything start_daemon and api run goes inside; cleanup deletes it.
netns_create() {
    GH_NETNS="gh-e2e-${T##*.}"
    gh_netns_create "$GH_NETNS" || fail "cannot create network namespace $GH_NETNS"
}

write_config() { # [max_sessions]
    cat > "$T/gamehost.conf" <<CONF
[daemon]
state_dir = $T/state
listen = 127.0.0.1:$PORT
data_dir = $GH_SHARE
${GH_EXTRA_IMAGE_DIR:+image_dirs = $GH_SHARE/images;$GH_EXTRA_IMAGE_DIR}
plugin_dirs = $GH_PREFIX/lib/gamehost/plugins${GH_EXTRA_PLUGIN_DIR:+;$GH_EXTRA_PLUGIN_DIR}
log_level = debug
[libvirt]
domain_type = $GH_DOMAIN_TYPE
[sessions]
max_sessions = ${1:-4}
[plugins]
worker = $GH_PREFIX/libexec/gamehost/gamehost-worker
CONF
}

# freedoom_image: the Freedoom image (freedoom-image.sh: built once, then
# taken from the cache in seconds); its folder joins the daemon's
# image_dirs.  Call before start_daemon.
freedoom_image() {
    local t0=$SECONDS
    GH_EXTRA_IMAGE_DIR=$T/images
    "$(dirname "${BASH_SOURCE[0]}")/freedoom-image.sh" "$GH_PREFIX" "$GH_EXTRA_IMAGE_DIR/freedoom" \
        >"$T/image-build.log" 2>&1 || fail "image build: $(tail -n 8 "$T/image-build.log")"
    [ -f "$GH_EXTRA_IMAGE_DIR/freedoom/freedoom.image.xml" ] ||
        fail "no manifest in $GH_EXTRA_IMAGE_DIR/freedoom: $(ls "$GH_EXTRA_IMAGE_DIR/freedoom")"
    note "freedoom image ready in $(( SECONDS - t0 )) s"
}

start_daemon() {
    [ -f "$T/gamehost.conf" ] || write_config
    # Not through in_ns: $! must be the daemon (ip netns exec execs it), not a subshell.
    if [ -n "$GH_NETNS" ]; then
        ip netns exec "$GH_NETNS" "$GH_DAEMON" --config "$T/gamehost.conf" >>"$T/daemon.log" 2>&1 &
    else
        "$GH_DAEMON" --config "$T/gamehost.conf" >>"$T/daemon.log" 2>&1 &
    fi
    DAEMON_PID=$!
    disown "$DAEMON_PID"   # no job-control noise when a test kills it
    for _ in $(seq 1 300); do
        if in_ns curl -fsS "$URL/healthz" >/dev/null 2>&1; then
            TOKEN=$(head -n 1 "$T/state/api-token")
            return 0
        fi
        kill -0 "$DAEMON_PID" 2>/dev/null || fail "gamehostd exited at start"
        sleep 0.1
    done
    fail "gamehostd did not answer /healthz within 30 s"
}

kill9_daemon() {
    kill -9 "$DAEMON_PID"
    while kill -0 "$DAEMON_PID" 2>/dev/null; do sleep 0.05; done
    DAEMON_PID=""
}

# api METHOD PATH [BODY] → prints the body; the HTTP status goes to $T/status
# (a file, since callers run api in a command substitution).
api() {
    local method=$1 path=$2 body=${3:-}
    local args=(-sS -o "$T/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $TOKEN")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
    in_ns curl "${args[@]}" "$URL$path" >"$T/status"
    cat "$T/body"
}

expect_status() { # expected actual what
    [ "$1" = "$2" ] || fail "$3: expected HTTP $1, got $2: $(cat "$T/body")"
}

create_session() { # image → session id
    local out
    out=$(api POST /v1/sessions "{\"image\":\"$1\"}")
    expect_status 201 "$(cat "$T/status")" "create $1"
    jq -r .id <<<"$out"
}

session_field() { # id field
    api GET "/v1/sessions/$1" | jq -r ".$2"
}

wait_state() { # id state [seconds]
    local deadline=$(( SECONDS + ${3:-60} )) state
    while [ $SECONDS -lt "$deadline" ]; do
        state=$(session_field "$1" state)
        [ "$state" = "$2" ] && return 0
        if [ "$state" = failed ] && [ "$2" != failed ]; then
            fail "session $1 failed: $(session_field "$1" reason)"
        fi
        sleep 0.2
    done
    fail "session $1 did not reach $2 (is $state)"
}

wait_serial() { # id pattern [seconds]
    local log deadline=$(( SECONDS + ${3:-60} ))
    log=$(session_field "$1" serial_log)
    while [ $SECONDS -lt "$deadline" ]; do
        grep -q -- "$2" "$log" 2>/dev/null && return 0
        sleep 0.2
    done
    fail "serial log $log never showed '$2': $(tail -n 5 "$log" 2>/dev/null)"
}

frame() { # session id, output file → the session's current frame as PNG
    local code
    code=$(in_ns curl -sS -o "$2" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $TOKEN" "$URL/v1/sessions/$1/frame")
    [ "$code" = "200 image/png" ] || fail "GET frame of $1: $code $(head -c 300 "$2")"
}

png_probe() { # png colour [x0 y0 x1 y1] → "WxH count=N bbox=..."
    "${GH_PNG_PROBE:?GH_PNG_PROBE must name the png-probe helper (build/tests/e2e/png-probe)}" "$@"
}

# Freedoom's E1M1 status bar (tests/data/freedoom-e1m1-statusbar.png): the
# AMMO figure's box, and how many pixels in a box differ from the reference.
FREEDOOM_AMMO="0 405 90 450"
png_differs() { # reference png x0 y0 x1 y1 → differing pixel count
    png_probe --diff "$1" "$2" "${@:3}" | sed 's/.*differing=\([0-9]*\) .*/\1/'
}
freedoom_fired() { # id reference: AMMO left 50 within 10 s (a shot was fired)
    for _ in $(seq 1 20); do
        frame "$1" "$T/fired.png"
        [ "$(png_differs "$2" "$T/fired.png" $FREEDOOM_AMMO)" -gt 200 ] && return 0
        sleep 0.5
    done
    return 1
}
freedoom_wait_fired() { # id reference what
    freedoom_fired "$1" "$2" || fail "AMMO did not change after $3: $(png_differs "$2" "$T/fired.png" $FREEDOOM_AMMO) pixels"
}

qemu_pid() { # session id → pid of its QEMU, empty if none
    pgrep -f -- "guest=gh-$1" || true
}

cleanup() {
    local rc=$?
    if [ -n "$DAEMON_PID" ]; then kill -9 "$DAEMON_PID" 2>/dev/null || true; fi
    # Whatever the test left running under this state dir goes too.
    pkill -9 -f -- "$T/state/" 2>/dev/null || true
    for _ in $(seq 1 50); do pgrep -f -- "$T/state/" >/dev/null || break; sleep 0.1; done
    if [ -n "$GH_NETNS" ]; then gh_netns_delete "$GH_NETNS"; fi
    if [ $rc -ne 0 ]; then echo "  (state kept in $T)"; else rm -rf "$T"; fi
}
trap cleanup EXIT
