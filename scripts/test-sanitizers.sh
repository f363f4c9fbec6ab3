#!/usr/bin/env bash
# Builds the addons with AddressSanitizer + UndefinedBehaviorSanitizer, runs the test
# suite with the sanitizer runtimes preloaded into node, then restores the normal build.
# Usage: scripts/test-sanitizers.sh   (needs g++; run from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
restore() { npm run --silent build:native >/dev/null; }
trap restore EXIT
CXXFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -g" LDFLAGS="-fsanitize=address,undefined" \
  npm run --silent build:native >/dev/null
npx tsc -p tsconfig.json
LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)" \
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  npx mocha
