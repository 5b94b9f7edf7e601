# End-to-end tests (tests/e2e/run.sh, run by scripts/test.sh as root against
# an installed tree) and the small helper they read frames with.
check_PROGRAMS += tests/e2e/png-probe
tests_e2e_png_probe_SOURCES = tests/e2e/png-probe.c
tests_e2e_png_probe_CFLAGS = $(AM_CFLAGS) $(PNG_CFLAGS)
tests_e2e_png_probe_LDADD = $(PNG_LIBS)

EXTRA_DIST += tests/e2e/run.sh tests/e2e/lib.sh \
	tests/e2e/test-api-cli.sh tests/e2e/test-boot-disk.sh tests/e2e/test-boot-kernel.sh \
	tests/e2e/test-boot-kernel-disk.sh \
	tests/e2e/test-capacity.sh tests/e2e/test-killed-outside.sh tests/e2e/test-restart-adopts.sh \
	tests/e2e/test-gpu-passthrough.sh tests/e2e/test-input-frame.sh tests/e2e/test-pad-keys.sh \
	tests/e2e/test-plugin-sdk.sh \
	tests/e2e/test-relay.sh tests/e2e/test-record.sh tests/e2e/test-record-sound.sh \
	tests/e2e/test-webrtc-play.sh \
	tests/e2e/test-worker-faults.sh \
	tests/e2e/player-lib.sh tests/e2e/test-player-outage.sh tests/e2e/test-player-loss.sh \
	tests/e2e/test-player-screens.sh tests/e2e/test-player-restart.sh tests/e2e/test-player-input.sh \
	tests/e2e/browser/package.json tests/e2e/browser/package-lock.json tests/e2e/browser/play.mjs \
	tests/e2e/browser/player.mjs tests/e2e/browser/chromium.mjs \
	tests/e2e/freedoom-image.sh tests/e2e/test-freedoom.sh tests/e2e/test-player-freedoom.sh tests/e2e/test-player-sound.sh \
	tests/e2e/test-pad-freedoom.sh tests/e2e/test-player-pad.sh \
	tests/data/freedoom-e1m1-statusbar.png
# The network namespace of WebRTC, sourced by lib.sh (as ../../scripts/netns.sh,
# so at the same place in the tarball) and bench/webrtc-bench.sh.
EXTRA_DIST += scripts/netns.sh
