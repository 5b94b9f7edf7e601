#!/usr/bin/env bash
# The API as an orchestrator sees it (auth, errors, drain) and gamehostctl
# against the real daemon.
. "$(dirname "$0")/lib.sh"
start_daemon
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/host")" = 401 ] || fail "no token accepted"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong-token-0000000' "$URL/v1/host")" = 401 ] ||
    fail "wrong token accepted"
api POST /v1/sessions '{"image": 5}' >/dev/null; expect_status 400 "$(cat "$T/status")" "wrong type"
api POST /v1/sessions '{"image": "nope"}' >/dev/null; expect_status 400 "$(cat "$T/status")" "unknown image"
api POST /v1/sessions '{bad json' >/dev/null; expect_status 400 "$(cat "$T/status")" "malformed json"
api GET /v1/sessions/00000000-0000-4000-8000-000000000000 >/dev/null; expect_status 404 "$(cat "$T/status")" "unknown session"
api GET /v1/images | jq -e '[.images[].id] == ["demo-arena","demo-arena-av","demo-arena-disk"]' >/dev/null || fail "image list"
export GAMEHOST_URL=$URL GAMEHOST_TOKEN=$TOKEN
"$GH_CTL" host | grep -q "capacity" || fail "gamehostctl host"
"$GH_CTL" images | grep -q "demo-arena-disk" || fail "gamehostctl images"
"$GH_CTL" drain >/dev/null
api POST /v1/sessions '{"image":"demo-arena"}' >/dev/null; expect_status 503 "$(cat "$T/status")" "create while draining"
"$GH_CTL" undrain >/dev/null
id=$("$GH_CTL" --json create demo-arena --wait | jq -r .id)
[ "$(session_field "$id" state)" = running ] || fail "gamehostctl create --wait did not wait for running"
"$GH_CTL" sessions | grep -q "$id" || fail "gamehostctl sessions"
"$GH_CTL" stop "$id" --wait >/dev/null
[ "$(session_field "$id" state)" = stopped ] || fail "gamehostctl stop --wait"
curl -fsS -H "Authorization: Bearer $TOKEN" "$URL/metrics" | grep -q '^gamehost_session_start_seconds_count 1$' ||
    fail "metrics lack the start histogram"
note "auth, bad input, drain, gamehostctl create/stop, metrics"
