#!/usr/bin/env bash
# tests/e2e/freedoom-image.sh PREFIX OUTPUT
# Builds the Freedoom image (images/freedoom) from an installed tree's spec
# with `gamehostctl image build`, into OUTPUT: from Debian packages the first
# time (minutes), from the cache by content hash after that (seconds).  The
# cache is GH_IMAGE_CACHE, default /var/cache/gamehost/images.  Used by
# lib.sh (freedoom_image) and, ahead of the e2e tests, by scripts/test.sh.
set -euo pipefail
prefix=${1:?usage: freedoom-image.sh PREFIX OUTPUT}
output=${2:?usage: freedoom-image.sh PREFIX OUTPUT}
share=$prefix/share/gamehost
exec "$prefix/bin/gamehostctl" image build "$share/image-specs/freedoom/freedoom.spec" \
    --output "$output" --cache "${GH_IMAGE_CACHE:-/var/cache/gamehost/images}" \
    --agent "$prefix/libexec/gamehost/gamehost-agent" \
    --guest "$share/image-build/rootfs" --profiles "$share/profiles"
