#!/usr/bin/env bash
# Runs the benchmarks (see bench/README.md). Not part of npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh native
build/native/bench/kv_native_bench "$@"
