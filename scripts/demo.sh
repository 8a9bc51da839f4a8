#!/usr/bin/env bash
# Installs everything (scripts/setup.sh) and runs the demo: 4 camera channels on the sample videos,
# written to the embedded database (./data/db). Extra arguments go to `pipeline run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/src/cli/main.js run config/channels.json "$@"
