#!/usr/bin/env bash
# Builds and installs gamehost, runs gamehostd on the embedded libvirt driver
# with the demo image, starts one session streamed over WebRTC and prints the
# link that plays it in a browser.  Run as root on Debian 12.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh
mkdir -p m4
autoreconf -fi
mkdir -p build-quickstart
cd build-quickstart
../configure -q --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var
make -j"$(nproc)"
make install >/dev/null

# The quick start runs the demo under TCG so it works on any host; on a host
# with KVM set domain_type = auto in /etc/gamehost/gamehost.conf.
conf=/etc/gamehost/gamehost.conf
if [ ! -f "$conf" ]; then
    mkdir -p /etc/gamehost
    printf '[libvirt]\ndomain_type = qemu\n' >"$conf"
fi
state=/var/lib/gamehost
log=/var/log/gamehostd.log
url=http://127.0.0.1:8470
if ! curl -fsS "$url/healthz" >/dev/null 2>&1; then
    nohup /usr/local/sbin/gamehostd --config "$conf" >>"$log" 2>&1 &
    for _ in $(seq 1 300); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
fi
curl -fsS "$url/healthz" >/dev/null || { echo "gamehostd did not start; see $log" >&2; exit 1; }
export GAMEHOST_URL=$url GAMEHOST_TOKEN
GAMEHOST_TOKEN=$(head -n 1 "$state/api-token")
ctl=/usr/local/bin/gamehostctl
# The demo streamed to a browser: frames from the game's relay, WebRTC out.
# The player link carries the session's player token, which only the create
# answer holds: taken from it here, before waiting for the session to run.
created=$("$ctl" --json create demo-arena --capture capture.relay --stream stream.webrtc) ||
    { echo "cannot create the demo session" >&2; exit 1; }
id=$(jq -r .id <<<"$created")
play=$url$(jq -r .player.url <<<"$created")
session=""
for _ in $(seq 1 600); do
    session=$("$ctl" --json show "$id")
    case $(jq -r .state <<<"$session") in
        running) break ;;
        failed|stopped) echo "the demo session did not start: $(jq -r .reason <<<"$session")" >&2; exit 1 ;;
    esac
    sleep 0.2
done
[ "$(jq -r .state <<<"$session")" = running ] || { echo "the demo session is not running after 120 s" >&2; exit 1; }
serial=$(jq -r .serial_log <<<"$session")
cat <<MSG

gamehostd is running (config: $conf, log: $log).
  API:         $url   (docs: docs/api.yaml)
  Token:       in $state/api-token   (export GAMEHOST_TOKEN=\$(cat $state/api-token))
  Session:     $id (demo-arena, running)
  Serial log:  $serial   (tail -f it to watch the game)
  Try:         gamehostctl sessions ; gamehostctl stop $id

Play it: open this link in a browser on this machine (arrow keys move the
yellow square; F2 shows stream statistics):

  $play

(gamehostd listens on 127.0.0.1 only; for a browser on another machine see
README.md, "Playing in a browser".)
MSG
