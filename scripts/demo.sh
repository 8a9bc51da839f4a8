#!/usr/bin/env bash
# Installs everything (scripts/setup.sh) and runs the demo (config/demo.json): the 4 sample channels with
# Re-ID and gender/age on (BlazeFace back model), written to the embedded database (./data/db), with the
# live view on http://127.0.0.1:8080/ (its URL is printed as the run starts). Ctrl-C or --duration <s>
# (counted from the first live frame) ends it with a summary: identities seen across channels, tracks per
# channel, gender/age per identity. Extra arguments go to `pipeline run` (e.g. --duration 20, --web-port 0).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/src/cli/main.js run config/demo.json "$@"
