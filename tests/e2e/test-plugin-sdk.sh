#!/usr/bin/env bash
# A third-party plugin: examples/plugin-hello is built out of tree with only
# the installed SDK (gamehost-plugin.pc + headers), `gamehostctl plugin check`
# accepts it, the installed gamehostd loads it from a configured plugin dir,
# and a session captured with it shows its solid colour in /frame.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
stage=${GH_PREFIX%/usr/local}
hello=$(sh "$top/examples/plugin-hello/test.sh" "$stage") || fail "out-of-tree build of plugin-hello failed"
trap 'cleanup; rm -rf "$(dirname "$hello")"' EXIT
check=$("$GH_CTL" plugin check "$hello") || fail "plugin check refused it: $check"
case "$check" in "OK $hello: plugin hello "*) ;; *) fail "plugin check said: $check";; esac

GH_EXTRA_PLUGIN_DIR=$(dirname "$hello")
# Sessions load it in a worker as the unprivileged plugin user: its dir (a
# private mktemp one) must be readable by that user, as installed ones are.
chmod 755 "$GH_EXTRA_PLUGIN_DIR"
start_daemon
api GET /v1/plugins | jq -e '[.plugins[].backends[].name] | index("capture.hello") != null' >/dev/null ||
    fail "capture.hello not loaded: $(cat "$T/body")"
out=$(api POST /v1/sessions '{"image":"demo-arena","capture":{"backend":"capture.hello","options":{"color":"ff0000"}}}')
expect_status 201 "$(cat "$T/status")" "create with capture.hello"
id=$(jq -r .id <<<"$out")
wait_state "$id" running
frame "$id" "$T/hello.png"
probe=$(png_probe "$T/hello.png" ff0000)
[ "$probe" = "640x480 count=307200 bbox=0,0-639,479" ] || fail "hello frame: $probe"
api DELETE "/v1/sessions/$id" >/dev/null
wait_state "$id" stopped
note "out-of-tree hello.so: plugin check OK, loaded by gamehostd, frame all ff0000"
