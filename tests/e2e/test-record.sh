#!/usr/bin/env bash
# A 5 s recording of demo-arena (capture.relay -> stream.record, H.264 in
# Matroska at 30 fps) passes ffprobe: 640x480, 150 frames within 10 %, and
# about 5 s long; the game has no sound card (profile arcade-640), so the
# file has no sound track (test-record-sound.sh records one).
. "$(dirname "$0")/lib.sh"
command -v ffprobe >/dev/null || fail "ffprobe missing (apt-get install ffmpeg)"
start_daemon
out=$(api POST /v1/sessions '{"image":"demo-arena","capture":"capture.relay","stream":{"backend":"stream.record","options":{"file":"qa.mkv","fps":"30"}}}')
expect_status 201 "$(cat "$T/status")" "create with stream.record"
id=$(jq -r .id <<<"$out")
wait_state "$id" running
dir=$(session_field "$id" dir)
sleep 5
api DELETE "/v1/sessions/$id" >/dev/null
wait_state "$id" stopped
[ -s "$dir/qa.mkv" ] || fail "no recording at $dir/qa.mkv"
probe=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=codec_name,width,height,nb_read_frames \
    -show_entries format=duration -of json "$dir/qa.mkv")
jq -e '.streams[0] | .codec_name == "h264" and .width == 640 and .height == 480' <<<"$probe" >/dev/null ||
    fail "recording stream: $probe"
streams=$(ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$dir/qa.mkv" | paste -sd, -)
[ "$streams" = video ] || fail "a recording without sound has streams $streams, want the picture alone"
frames=$(jq -r '.streams[0].nb_read_frames' <<<"$probe")
duration=$(jq -r '.format.duration' <<<"$probe")
# The session ran 5 s plus start-up and stop: expect 5..6.5 s of video at 30 fps.
awk -v f="$frames" -v d="$duration" 'BEGIN { exit !(d >= 4.5 && d <= 7.0 && f >= 0.9 * 30 * d && f <= 1.1 * 30 * d) }' ||
    fail "recording has $frames frames over $duration s"
note "recording: h264 640x480, $frames frames, $duration s (ffprobe)"
