#!/usr/bin/env bash
# Installs what gamehost needs to build, run and test on Debian 12 (as root).
set -euo pipefail
packages=(
    gcc make autoconf automake libtool pkg-config binutils
    libglib2.0-dev libxml2-dev libvirt-dev libsoup-3.0-dev libjson-glib-dev libpng-dev check
    libvncserver-dev libdrm-dev libusbredirparser-dev
    libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly ffmpeg
    gstreamer1.0-plugins-bad gstreamer1.0-nice
    libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils dbus-daemon
    syslinux syslinux-common mtools dosfstools
    mmdebstrap e2fsprogs mount debian-archive-keyring
    curl jq procps iproute2 iptables sox
    clang libclang-rt-14-dev
    chromium
)
# The web player's e2e test drives Chromium from node (tests/e2e/browser,
# node >= 18).  A node installed from elsewhere brings its own npm, and
# Debian's npm would not install beside it: only add both when node is missing.
command -v node >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "gamehost: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# gamehostctl image build resolves package versions from the host's apt
# lists (apt-get -s): a machine whose lists were cleaned has none.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    echo "gamehost: no apt lists; running apt-get update for the image builder"
    apt-get update -q
fi
# The embedded libvirt driver runs QEMU as this user (created by libvirt-daemon-system).
getent passwd libvirt-qemu >/dev/null || { echo "gamehost: user libvirt-qemu missing" >&2; exit 1; }
# Each session's plugins run in a worker process as this unprivileged user
# ([plugins] user in gamehost.conf); the daemon refuses to start without it.
if ! getent passwd gamehost-worker >/dev/null; then
    echo "gamehost: creating the system user gamehost-worker"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin gamehost-worker
fi
