#!/usr/bin/env bash
# A manual check of stream.webrtc over a real connection, never part of
# make check (it needs root for a network namespace): the plugin, driven by
# the unit suite's fake host, streams to a second webrtcbin that decodes
# the frames and sends input back on the data channel.  libnice ignores lo,
# so the namespace gets a veth pair with a test address (scripts/netns.sh).
#   plugins/stream-webrtc/netns-check.sh BUILD_DIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/netns.sh"
build=${1:?usage: $0 BUILD_DIR}
ns=gh-sw-check-$$
cleanup() { gh_netns_delete "$ns"; }
trap cleanup EXIT
gh_netns_create "$ns" || { echo "netns-check: cannot create network namespace $ns" >&2; exit 1; }
ip netns exec "$ns" env GH_TEST_WEBRTC_CONNECT=1 CK_RUN_CASE=connect ${CK_RUN_TEST:+CK_RUN_TEST=$CK_RUN_TEST} CK_DEFAULT_TIMEOUT=120 \
    "$build/plugins/tests/test_stream_webrtc"
