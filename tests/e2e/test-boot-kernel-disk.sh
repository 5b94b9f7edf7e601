#!/usr/bin/env bash
# A Linux guest's shape on real QEMU: the demo kernel booted directly with an
# initrd and a root disk on virtio (the session's qcow2 overlay), on the pc-640
# profile (virtio tablet) with <machine> overrides.  The overlay exists while
# the session runs and is removed after stop.
. "$(dirname "$0")/lib.sh"
img="$T/images/kernel-disk"
mkdir -p "$img"
cp "$GH_SHARE/images/demo-arena/demo-arena.elf" "$img/kernel.elf"
cp "$GH_SHARE/images/demo-arena/demo-arena.qcow2" "$img/root.qcow2"
printf 'initrd of test-boot-kernel-disk\n' > "$img/initrd.img"
sum() { sha256sum "$1" | cut -d ' ' -f 1; }
cat > "$img/kernel-disk.image.xml" <<XML
<image xmlns="https://gamehost.dev/xmlns/image/1" id="kernel-disk" version="1">
  <title>Kernel, initrd and root disk</title>
  <profile>pc-640</profile>
  <machine vcpus="1" memory-mib="128"/>
  <boot>
    <kernel path="kernel.elf" sha256="$(sum "$img/kernel.elf")"/>
    <initrd path="initrd.img" sha256="$(sum "$img/initrd.img")"/>
    <cmdline>console=ttyS0</cmdline>
    <disk path="root.qcow2" format="qcow2" bus="virtio" sha256="$(sum "$img/root.qcow2")"/>
  </boot>
  <capture><path>screenshot</path></capture>
</image>
XML
chmod -R a+rX "$T/images"
write_config
sed -i "/^\[daemon\]/a image_dirs = $T/images" "$T/gamehost.conf"
start_daemon
api GET /v1/images/kernel-disk |
    jq -e '.boot == "kernel" and .profile.id == "pc-640" and .profile.vcpus == 1 and
           .profile.memory_mib == 128 and (.profile.controllers | index("tablet") != null)' >/dev/null ||
    fail "image kernel-disk shown as $(cat "$T/body")"
id=$(create_session kernel-disk)
wait_state "$id" running
overlay=$(session_field "$id" overlay)
[ -f "$overlay" ] || fail "overlay '$overlay' missing while running"
backing=$(qemu-img info -U --output=json "$overlay" | jq -r '."backing-filename"')
[ "$backing" = "$(realpath "$img/root.qcow2")" ] || fail "overlay backed by '$backing'"
wait_serial "$id" "demo-arena: boot"
wait_serial "$id" "demo-arena: frame 60"
args=$(ps -o args= -p "$(qemu_pid "$id")")
for want in "-initrd $img/initrd.img" "virtio-blk-pci" "virtio-tablet-pci" "-m 128 " "-smp 1,"; do
    grep -q -- "$want" <<<"$args" || fail "QEMU's command line lacks '$want': $args"
done
api DELETE "/v1/sessions/$id" >/dev/null
wait_state "$id" stopped
[ ! -e "$overlay" ] || fail "overlay $overlay left after stop"
note "kernel + initrd + virtio root disk: booted, frames drawn, virtio-blk and virtio-tablet in QEMU; overlay removed after stop"
