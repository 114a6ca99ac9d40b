#!/usr/bin/env bash
# Runs the side-by-side benchmarks (bench/README.md) and regenerates
# docs/bench/ from their results. Not part of npm test.
#
#   npm run bench                    everything (about 20–30 minutes)
#   npm run bench -- --quick         small workloads, a few minutes
#   npm run bench -- --only kv,size  some sections (the others keep their
#                                    earlier results in docs/bench/)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
only="sds,kv,size,start"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --only) only="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--only sds,kv,size,start]" >&2; exit 2 ;;
  esac
  shift
done

bash scripts/build.sh
mkdir -p build/bench

for section in ${only//,/ }; do
  rm -f "build/bench/$section.json"
  echo "== benchmark: $section"
  case "$section" in
    sds) node bench/sds-node/run.mjs "${quick[@]}" ;;
    kv) node bench/kv-browser/run.mjs "${quick[@]}" ;;
    size) node bench/size-start/size.mjs ;;
    start) node bench/size-start/start.mjs "${quick[@]}" ;;
    *) echo "unknown section: $section" >&2; exit 2 ;;
  esac
done

echo "== report"
node bench/report/make-report.mjs
