#!/usr/bin/env bash
# Builds the native tree (tests, benchmarks) and the wasm module.
#   scripts/build.sh [native|wasm|asan|all]   (default: native and wasm)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-toolchain.sh --quiet

# npm packages from package-lock.json, reinstalled only when the lock changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

build_native() {
  cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/native
}

build_asan() {
  cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSDS_SANITIZE=ON >/dev/null
  cmake --build build/asan --target persistency_tests sds_tests channels_tests
}

build_wasm() {
  emcmake cmake -S . -B build/wasm -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/wasm
}

# The TypeScript API (web/src) → build/web, next to the wasm module it loads.
build_web() {
  rm -rf build/web
  npx --no-install tsc -p tsconfig.json
}

case "${1:-default}" in
  native) build_native ;;
  wasm) build_wasm ;;
  asan) build_asan ;;
  web) build_web ;;
  all) build_native; build_wasm; build_web; build_asan ;;
  default) build_native; build_wasm; build_web ;;
  *) echo "usage: $0 [native|wasm|asan|all]" >&2; exit 2 ;;
esac
