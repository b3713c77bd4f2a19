#!/usr/bin/env bash
# The whole test suite, as CI runs it: the normal build with every unit, integration and short
# fault test; the same suite built with AddressSanitizer and UndefinedBehaviorSanitizer; and each
# libFuzzer target for a few seconds from its seed corpus.
# Usage: tests/run-all.sh [--quick]   (--quick: the normal build only)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
section() { printf '\n==== %s\n' "$*"; }

section "build (RelWithDebInfo) and test"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

section "benchmark harness, quick form (figures are not judged here: see docs/performance.md)"
TD_BUILD="$PWD/build" bench/run --quick
[ "${1:-}" = "--quick" ] && exit 0

section "AddressSanitizer + UndefinedBehaviorSanitizer build and test"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTIENDO_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"

section "fuzz targets (${TIENDO_FUZZ_SECONDS:-5} s each)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DTIENDO_FUZZ=ON -DBUILD_TESTING=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target $(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    corpus=tests/fuzz/corpus/${name#fuzz_}
    work=$(mktemp -d)
    cp -r "$corpus"/. "$work"/ 2>/dev/null || true
    "build-fuzz/tests/$name" -max_total_time="${TIENDO_FUZZ_SECONDS:-5}" -print_final_stats=1 \
        "$work" 2>"$work.log" || { tail -40 "$work.log"; rm -rf "$work" "$work.log"; exit 1; }
    echo "$name: $(grep -E 'stat::number_of_executed_units' "$work.log" | awk '{print $2}') executions, no crash"
    rm -rf "$work" "$work.log"
done
