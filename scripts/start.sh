#!/usr/bin/env bash
# The main job: builds the wasm module and the TypeScript API, then builds and serves the chat
# demo (examples/chat) next to its WebSocket relay, prints the URL and stays in the foreground
# until Ctrl-C.
#   npm start                     # page on :5173, relay on :8787
#   npm start -- --port 8080 --relay-port 9000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh wasm
bash scripts/build.sh web
exec node examples/chat/serve.mjs "$@"
