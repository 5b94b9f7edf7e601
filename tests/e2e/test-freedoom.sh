#!/usr/bin/env bash
# A real game in a real OS: the Freedoom image (images/freedoom), built from
# Debian packages by `gamehostctl image build` (cached), boots through the
# API under TCG with capture.relay: a Debian kernel and initrd, the root disk
# on virtio-blk through the session's overlay, systemd, Xorg on bochs-drm,
# Chocolate Doom, and the guest agent copying the KMS scanout into the frame
# relay.  GET /frame must show the game itself: the status bar of E1M1 pixel
# for pixel as tests/data/freedoom-e1m1-statusbar.png has it (labels and
# AMMO 50), over a 3D view of at least 32 colours.  The game must see the keys
# through input.qmp: Ctrl fires the pistol (the AMMO count is no longer the
# reference's 50: the game's own output), Escape opens its menu (the menu font's red, fc0000, fills the
# menu box).  The stop leaves no QEMU, relay memory or overlay behind.
. "$(dirname "$0")/lib.sh"
ref="$(cd "$(dirname "$0")/../data" && pwd)/freedoom-e1m1-statusbar.png"
freedoom_image
start_daemon

t0=$SECONDS
out=$(api POST /v1/sessions '{"image":"freedoom","capture":"capture.relay","input":"input.qmp"}')
expect_status 201 "$(cat "$T/status")" "create freedoom"
id=$(jq -r .id <<<"$out")
wait_state "$id" running
api GET "/v1/sessions/$id" | jq -e '.pipeline.capture == "capture.relay"' >/dev/null ||
    fail "pipeline capture: $(cat "$T/body")"
overlay=$(session_field "$id" overlay)
[ -f "$overlay" ] || fail "overlay '$overlay' missing while running"
backing=$(qemu-img info -U --output=json "$overlay" | jq -r '."backing-filename"')
[ "$backing" = "$GH_EXTRA_IMAGE_DIR/freedoom/root.qcow2" ] || fail "overlay backed by '$backing'"
wait_serial "$id" "gamehost-agent: relay ivshmem at " 120
wait_serial "$id" "gamehost-agent: first frame 640x480" 120
agent_first=$(( SECONDS - t0 ))
wait_serial "$id" "gamehost-game: starting freedoom at 640x480" 180
log=$(session_field "$id" serial_log)
grep -q "gamehost-agent: relay ivshmem at .* size=4194304" "$log" || fail "relay line: $(grep relay "$log")"

# The game's first frame: its status bar exactly as the reference has it.
labels_l="0 458 279 476"; labels_r="361 458 639 476"; ammo=$FREEDOOM_AMMO
game=""
for _ in $(seq 1 120); do
    frame "$id" "$T/game.png"
    if [ "$(png_differs "$ref" "$T/game.png" $labels_l)" = 0 ] && [ "$(png_differs "$ref" "$T/game.png" $labels_r)" = 0 ] &&
        [ "$(png_differs "$ref" "$T/game.png" $ammo)" = 0 ]; then
        game=yes; break
    fi
    sleep 1
done
[ -n "$game" ] || fail "no frame showed E1M1's status bar; last: labels $(png_differs "$ref" "$T/game.png" $labels_l)+$(png_differs "$ref" "$T/game.png" $labels_r) ammo $(png_differs "$ref" "$T/game.png" $ammo) pixels off"
game_first=$(( SECONDS - t0 ))
# A text console has at most 16 colours and a blank screen one; E1M1's view
# at the start has 55 (the pistol still rising) to 111.
view=$(png_probe --colours "$T/game.png" 0 0 639 399)
[ "${view#640x480 colours=}" -ge 32 ] || fail "the 3D view has too few colours for the game: $view"
menu_red() { png_probe "$1" fc0000 190 150 400 380 | sed 's/.* count=\([0-9]*\) .*/\1/'; }
[ "$(menu_red "$T/game.png")" -lt 50 ] || fail "the menu's red before Escape: $(menu_red "$T/game.png") pixels"

# Nobody pressed anything: AMMO still 50 a second later.
sleep 1
frame "$id" "$T/idle.png"
[ "$(png_differs "$ref" "$T/idle.png" $ammo)" = 0 ] || fail "AMMO changed without input"

# Ctrl fires.  Held 600 ms: the game samples keys once per frame, and under
# TCG a frame takes longer than a tap (images/freedoom/README.md).
input() { api POST "/v1/sessions/$id/input" "{\"events\":[{\"type\":\"key\",\"code\":\"$1\",\"action\":\"$2\"}]}" >/dev/null
    expect_status 200 "$(cat "$T/status")" "input $1 $2"; }
input KEY_LEFTCTRL press; sleep 0.6; input KEY_LEFTCTRL release
freedoom_wait_fired "$id" "$ref" Ctrl
[ "$(png_differs "$ref" "$T/fired.png" $labels_l)" = 0 ] || fail "the status bar's labels moved after Ctrl"

# Escape opens the game's menu.
input KEY_ESC press; sleep 0.6; input KEY_ESC release
menu=""
for _ in $(seq 1 20); do
    frame "$id" "$T/menu.png"
    [ "$(menu_red "$T/menu.png")" -gt 1000 ] && { menu=yes; break; }
    sleep 0.5
done
[ -n "$menu" ] || fail "no menu after Escape: $(menu_red "$T/menu.png") red pixels"

api DELETE "/v1/sessions/$id" >/dev/null
expect_status 202 "$(cat "$T/status")" "delete"
wait_state "$id" stopped
for _ in $(seq 1 50); do [ -z "$(qemu_pid "$id")" ] && break; sleep 0.1; done
[ -z "$(qemu_pid "$id")" ] || fail "QEMU of session $id still running after stop"
[ ! -e "/dev/shm/gh-$id" ] || fail "relay memory left behind"
[ ! -e "$overlay" ] || fail "overlay $overlay left behind"
[ -f "$GH_EXTRA_IMAGE_DIR/freedoom/root.qcow2" ] || fail "the image's base disk is gone"
note "freedoom: agent's first frame $agent_first s, game's $game_first s after POST; AMMO no longer 50 after Ctrl, menu ($(menu_red "$T/menu.png") red px) on Escape; overlay removed"
