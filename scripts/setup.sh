#!/usr/bin/env bash
# Installs everything rxvision needs on a Debian 12 machine with Node 20 (run as root or with sudo),
# builds it and fetches the models and sample media. Re-running skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: OpenCV 4.6 (headers for the native addon, cascades), FFmpeg, a C++ toolchain for node-gyp.
APT_PACKAGES=(libopencv-dev opencv-data ffmpeg build-essential python3 ca-certificates)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# `pipeline assets fetch` downloads .deb files (opencv-doc); it needs apt's package lists.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  log 'apt-get update (package lists are empty)'
  as_root apt-get update -q
fi

# @u4/opencv4nodejs builds against Debian's OpenCV, never its own copy (also set in package.json).
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
export OPENCV4NODEJS_DISABLE_AUTOBUILD=1 OPENCV_INCLUDE_DIR=/usr/include/opencv4 \
  OPENCV_LIB_DIR="/usr/lib/$multiarch" OPENCV_BIN_DIR=/usr/bin
export JOBS=max # node-gyp compiles on every core
export ONNXRUNTIME_NODE_INSTALL=skip # its CUDA download cannot work offline (also in .npmrc)

# npm ci only when package-lock.json changed since the last successful install.
stamp=node_modules/.rxvision-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log 'npm ci (builds @u4/opencv4nodejs: a few minutes the first time)'
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi

log 'tsc build'
npm run -s build

log 'pipeline assets fetch'
node dist/src/cli/main.js assets fetch
