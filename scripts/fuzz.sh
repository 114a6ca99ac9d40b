#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-19 (ASan + UBSan) into
# build/fuzz, generates their seed corpora from the golden vectors, and runs
# every target for S seconds (docs/fuzzing.md).
#   scripts/fuzz.sh [--seconds S] [--jobs J] [--only TARGET]
# --seconds 8 is the short run of the test suite; 600 the long run. --jobs
# runs that many targets at once (default 1; the machine is shared).
# Corpora grow in build/fuzz/corpus/<target>, findings land in
# build/fuzz/findings/<target>, libFuzzer's output in build/fuzz/logs.
# Exits non-zero when a target finds a crash, a leak or a broken invariant.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=8
jobs=1
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--jobs J] [--only TARGET]" >&2; exit 2 ;;
  esac
done

# clang-19 and libFuzzer's runtime (libclang-rt-19-dev) come with the toolchain.
bash scripts/setup-toolchain.sh --quiet

out=build/fuzz
mkdir -p "$out"
CC=clang-19 CXX=clang++-19 cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSDS_FUZZ=ON >/dev/null
if ! cmake --build "$out" --target fuzz_all >"$out/build.log" 2>&1; then
  cat "$out/build.log" >&2
  exit 1
fi

targets=$(sed -n '/^set(SDS_FUZZ_TARGETS/,/^)/p' tests/fuzz/CMakeLists.txt | grep -o 'fuzz_[a-z_]*')
if [ -n "$only" ]; then targets="$only"; fi

mkdir -p "$out/seeds" "$out/corpus" "$out/findings" "$out/logs"
"$out/tests/fuzz/fuzz_seed_corpus" . "$out/seeds" >/dev/null

run_target() {
  local target=$1
  mkdir -p "$out/corpus/$target" "$out/findings/$target" "$out/seeds/$target"
  # -rss_limit_mb bounds a hostile allocation; -max_len covers the default
  # bloom envelope (18,768 bytes) plus a message around it.
  if "$out/tests/fuzz/$target" "$out/corpus/$target" "$out/seeds/$target" \
      -max_total_time="$seconds" -max_len=24576 -rss_limit_mb=2048 -timeout=25 \
      -print_final_stats=1 -artifact_prefix="$out/findings/$target/" \
      >"$out/logs/$target.log" 2>&1; then
    summarize "$target" ok
  else
    summarize "$target" FAILED
    return 1
  fi
}

# One line per target from libFuzzer's final statistics and last status line.
summarize() {
  local target=$1 verdict=$2 log="$out/logs/$1.log"
  local runs rate cov ft corpus
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  corpus=$(find "$out/corpus/$target" -type f | wc -l)
  printf '%-18s %-6s runs=%s exec/s=%s cov=%s ft=%s corpus=%s\n' "$target" "$verdict" \
    "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corpus"
  if [ "$verdict" != ok ]; then
    grep -m5 -E 'invariant broken|ERROR: |SUMMARY: |runtime error' "$log" | sed 's/^/    /' || true
    echo "    log: $log; input: $(ls "$out/findings/$target" | head -1)"
  fi
}

failed=0
running=0
for target in $targets; do
  run_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit "$failed"
