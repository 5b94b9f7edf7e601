#!/usr/bin/env bash
# A session that asks for a GPU on a host whose sysfs is a fixture: the GPU
# is inventoried and claimed, the passthrough VM cannot start on this machine
# (the device does not exist), and the attempt fails cleanly: the session is
# failed with libvirt's reason, the claim is released (a second attempt gets
# the same GPU again), and no QEMU or overlay is left.
. "$(dirname "$0")/lib.sh"

# One NVIDIA L4 (3D controller) with its HDMI audio function in IOMMU group 7,
# bound to vfio-pci, NUMA node 0.
sys="$T/sysfs/sys"
for fn in 0 1; do
    dev="$sys/devices/pci0000:00/0000:00:01.0/0000:01:00.$fn"
    mkdir -p "$dev" "$sys/bus/pci/devices" "$sys/kernel/iommu_groups/7/devices" "$sys/bus/pci/drivers/vfio-pci"
    if [ $fn = 0 ]; then class=0x030200 device=0x27b8; else class=0x040300 device=0x22ba; fi
    printf '%s\n' "$class" >"$dev/class"; printf '0x10de\n' >"$dev/vendor"; printf '%s\n' "$device" >"$dev/device"
    printf '0x10de\n' >"$dev/subsystem_vendor"; printf '0x16ca\n' >"$dev/subsystem_device"
    printf '0\n' >"$dev/numa_node"; printf '0-1\n' >"$dev/local_cpulist"
    printf '16.0 GT/s PCIe\n' >"$dev/current_link_speed"; printf '16\n' >"$dev/current_link_width"
    printf '16.0 GT/s PCIe\n' >"$dev/max_link_speed"; printf '16\n' >"$dev/max_link_width"
    ln -s "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.$fn" "$sys/bus/pci/devices/0000:01:00.$fn"
    ln -s "../../../../devices/pci0000:00/0000:00:01.0/0000:01:00.$fn" "$sys/kernel/iommu_groups/7/devices/0000:01:00.$fn"
    ln -s "../../../../kernel/iommu_groups/7" "$dev/iommu_group"
    ln -s "../../../../bus/pci/drivers/vfio-pci" "$dev/driver"
done

write_config
cat >>"$T/gamehost.conf" <<CONF
[gpu]
sysfs_root = $T/sysfs
[gpu.l4]
vendor = 10de
product = 27b8
managed = no
CONF
start_daemon

gpus=$(api GET /v1/gpus)
expect_status 200 "$(cat "$T/status")" "GET /v1/gpus"
jq -e '.gpus | length == 1' <<<"$gpus" >/dev/null || fail "expected one GPU: $gpus"
jq -e '.gpus[0] | .address == "0000:01:00.0" and .verdict == "assignable" and .alias == "l4"
       and .companions == ["0000:01:00.1"] and .numa_node == 0 and .claimed_by == null' <<<"$gpus" >/dev/null ||
    fail "unexpected inventory: $gpus"

for attempt in 1 2; do
    out=$(api POST /v1/sessions '{"image":"demo-arena","gpu":{"alias":"l4"}}')
    expect_status 201 "$(cat "$T/status")" "create with a GPU (attempt $attempt)"
    id=$(jq -r .id <<<"$out")
    jq -e '.gpu.address == "0000:01:00.0" and .gpu.companions == ["0000:01:00.1"] and .gpu.kind == "pci"' \
        <<<"$out" >/dev/null || fail "session not given the GPU: $out"
    wait_state "$id" failed 60
    reason=$(session_field "$id" reason)
    case "$reason" in "start failed: "*) ;; *) fail "unexpected reason '$reason'";; esac
    [ "$(api GET /v1/gpus | jq -r '.gpus[0].claimed_by')" = null ] || fail "claim not released after the failed start"
    [ -z "$(qemu_pid "$id")" ] || fail "QEMU left for session $id"
done
out=$(api POST /v1/sessions '{"image":"demo-arena","gpu":{"alias":"a100"}}')
expect_status 409 "$(cat "$T/status")" "create with an unknown alias"
[ "$(jq -r .error.code <<<"$out")" = no_gpu ] || fail "wrong error: $out"
[ "$(api GET /v1/host | jq -r .active_sessions)" = 0 ] || fail "slot not released"
note "GPU inventoried from fixture sysfs, claimed, start failed cleanly ($reason), claim released twice"
