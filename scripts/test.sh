#!/usr/bin/env bash
# The whole test suite: installs the toolchain if missing, builds native,
# sanitizer, wasm and fuzzing trees, and runs every suite. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

bash scripts/build.sh all

echo "== native tests (ctest)"
ctest --test-dir build/native --output-on-failure -j2

echo "== native tests under AddressSanitizer + UndefinedBehaviorSanitizer"
for suite in build/asan/tests/persistency_tests build/asan/tests/sds/sds_tests \
    build/asan/tests/channels/channels_tests; do
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$suite" --gtest_brief=1
done

echo "== fuzzing: every libFuzzer target for a few seconds (docs/fuzzing.md)"
bash scripts/fuzz.sh --seconds 8

echo "== wasm tests (node --test)"
node --test tests/wasm/

echo "== interop with @waku/sds 0.0.8 (node --test)"
node --test tests/interop/

echo "== TypeScript API under Node (node --test)"
node --test tests/web/

echo "== browser runtime in headless Chromium (node --test)"
node --test tests/browser/

echo "== messaging node, transports, relay and the chat demo (node --test)"
node --test tests/messaging/

echo "== convergence simulation, lossy network, both dialects and @waku/sds peers (node --test)"
node --test tests/sim/

echo "== all suites passed in $((SECONDS - start)) s"
