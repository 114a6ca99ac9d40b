#!/usr/bin/env bash
# The main job: builds the wasm module if needed and runs the example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh wasm
node examples/kv-node/main.mjs "${1:-$(mktemp -d)/kv-data}"
