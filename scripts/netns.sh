# shellcheck shell=bash
# The network namespace of the WebRTC tests and benchmarks (DESIGN.md,
# "WebRTC tests run in a network namespace"), in one place.  Sourced by
# tests/e2e/lib.sh and bench/webrtc-bench.sh; needs root.
#
# libnice ignores lo, so both ends of a veth pair live inside the namespace,
# 198.18.0.1/24 on gh0; Chromium gathers no candidate without a default
# route, so one points at 198.18.0.2, which nothing holds.  No way out.

# gh_netns_create NAME: creates the namespace NAME; on any failure it
# leaves none behind and returns 1 (callers say what failed, with context).
gh_netns_create() {
    local ns=$1
    ip netns add "$ns" || return 1
    if ! { ip -n "$ns" link add gh0 type veth peer name gh1 &&
        ip -n "$ns" addr add 198.18.0.1/24 dev gh0 &&
        ip -n "$ns" link set lo up &&
        ip -n "$ns" link set gh0 up &&
        ip -n "$ns" link set gh1 up &&
        ip -n "$ns" route add default via 198.18.0.2 dev gh0; }; then
        gh_netns_delete "$ns"
        return 1
    fi
}

# gh_netns_delete NAME: deletes the namespace NAME (and its veth pair with
# it) if there is one; never fails, for exit traps.
gh_netns_delete() {
    ip netns del "$1" 2>/dev/null || true
}
