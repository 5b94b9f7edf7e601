#!/usr/bin/env bash
# A manual check of stream.webrtc over a real connection, never part of
# make check (it needs root for a network namespace): the plugin, driven by
# the unit suite's fake host, streams to a second webrtcbin that decodes
# the frames and sends input back on the data channel.  libnice ignores lo,
# so the namespace gets a veth pair with a test address (DESIGN.md, "WebRTC
# tests run in a network namespace").
#   plugins/stream-webrtc/netns-check.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
ns=gh-sw-check-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link add gh0 type veth peer name gh1
ip -n "$ns" addr add 198.18.0.1/24 dev gh0
ip -n "$ns" link set lo up
ip -n "$ns" link set gh0 up
ip -n "$ns" link set gh1 up
ip -n "$ns" route add default via 198.18.0.2 dev gh0
ip netns exec "$ns" env GH_TEST_WEBRTC_CONNECT=1 CK_RUN_CASE=connect ${CK_RUN_TEST:+CK_RUN_TEST=$CK_RUN_TEST} CK_DEFAULT_TIMEOUT=120 \
    "$build/plugins/tests/test_stream_webrtc"
