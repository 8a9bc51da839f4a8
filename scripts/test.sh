#!/usr/bin/env bash
# Installs everything (scripts/setup.sh), makes sure PostgreSQL runs, then lint + the full jest suite.
# This is the README's test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

log() { printf '[test] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Test-only Debian packages (never a downloaded browser or tool):
TEST_PACKAGES=(
  chromium # the live-view browser test
  time     # /usr/bin/time -v: peak RSS in the fault tests
  # GStreamer's RTSP server (python3-gi + gst-rtsp-server + plugins) for the live-stream tests
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
)
test_missing=()
for p in "${TEST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || test_missing+=("$p")
done
if ((${#test_missing[@]})); then
  log "apt-get install ${test_missing[*]}"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${test_missing[@]}"
fi

# PostgreSQL on 127.0.0.1:5432: the integration tests use it (under CI=true they fail if it is down).
if ! command -v pg_ctlcluster >/dev/null; then
  log 'apt-get install postgresql'
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q postgresql
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  log 'starting PostgreSQL'
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

log 'lint'
npm run -s lint

log 'jest'
NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}" npx jest --coverage "$@"
