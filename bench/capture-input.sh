#!/usr/bin/env bash
# bench/capture-input.sh PREFIX [N=100]
#
# The baselines the later capture paths are measured against, on one demo
# session (640x480, TCG) with capture.screenshot and input.qmp:
#   - capture: N frames one after another through GET /v1/sessions/{id}/frame
#     (libvirt screenshot -> plugin decode -> PNG), frames/s and ms per frame
#     as the client sees them, and the plugin's grab time from the session's
#     pipeline stats (the capture alone, without PNG and HTTP);
#   - input: N POST /v1/sessions/{id}/input calls of one key tap each; the
#     handler answers after QMP input-send-event returned, so each call is
#     "API call -> QMP returned" plus curl's own start-up.
. "$(dirname "$0")/bench-lib.sh"
bench_init "${1:?usage: bench/capture-input.sh PREFIX [N]}" capture
N=${2:-100}
bench_write_config "" 2
bench_start_daemon

body='{"image":"demo-arena","capture":"capture.screenshot","input":"input.qmp"}'
bench_show "curl -X POST $URL/v1/sessions -d '$body'"
id=$(api POST /v1/sessions "$body" | jq -r .id)
[ "$(api_status)" = 201 ] || bench_fail "create: $(cat "$T/body")"
for _ in $(seq 1 300); do
    [ "$(api GET "/v1/sessions/$id" | jq -r .state)" = running ] && break
    snooze 0.1
done
log=$(api GET "/v1/sessions/$id" | jq -r .serial_log)
for _ in $(seq 1 300); do grep -q "demo-arena: frame 60" "$log" 2>/dev/null && break; snooze 0.1; done

bench_show "for i in 1..$N: curl -o /dev/null $URL/v1/sessions/\$id/frame"
: >"$T/frame.us"
start=$(now_us)
for _ in $(seq 1 "$N"); do
    t0=$(now_us)
    code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/sessions/$id/frame")
    t1=$(now_us)
    [ "$code" = 200 ] || bench_fail "frame: HTTP $code"
    echo $(( t1 - t0 )) >>"$T/frame.us"
done
elapsed=$(( $(now_us) - start ))
stats=$(api GET "/v1/sessions/$id" | jq -c .pipeline.stats)

bench_show "for i in 1..$N: curl -X POST $URL/v1/sessions/\$id/input -d '{\"events\":[{\"type\":\"key\",\"code\":\"KEY_RIGHT|KEY_LEFT\",\"action\":\"tap\"}]}'"
: >"$T/input.us"
for i in $(seq 1 "$N"); do
    key=KEY_RIGHT; [ $((i % 2)) = 0 ] && key=KEY_LEFT
    t0=$(now_us)
    code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        --data "{\"events\":[{\"type\":\"key\",\"code\":\"$key\",\"action\":\"tap\"}]}" "$URL/v1/sessions/$id/input")
    t1=$(now_us)
    [ "$code" = 200 ] || bench_fail "input: HTTP $code"
    echo $(( t1 - t0 )) >>"$T/input.us"
done
: >"$T/curl.us"
for _ in $(seq 1 20); do
    t0=$(now_us); curl -fsS -o /dev/null "$URL/healthz"; t1=$(now_us); echo $(( t1 - t0 )) >>"$T/curl.us"
done

echo
echo "capture-screenshot and input-qmp baselines, demo-arena 640x480 under TCG, $N requests each, $(date -u +%F)"
echo
echo "| measure (ms) | n | p50 | p90 | max | mean |"
echo "|---|---|---|---|---|---|"
stats_row "GET /frame (screenshot + decode + PNG + HTTP)" "$T/frame.us"
stats_row "POST /input, one key tap (API -> QMP returned)" "$T/input.us"
stats_row "curl GET /healthz (client start-up + round trip)" "$T/curl.us"
awk -v n="$N" -v us="$elapsed" -v s="$stats" 'BEGIN {
    printf "\n| capture | value |\n|---|---|\n"
    printf "| frames/s through GET /frame | %.1f |\n", n / (us / 1e6)
    printf "| pipeline stats after the run | %s |\n", s }'
sort -n "$T/input.us" | awk '{ v[NR] = $1 } END { printf "| input p99 (ms) | %.1f |\n", v[int((99 * NR + 99) / 100)] / 1000 }'
