#!/usr/bin/env bash
# Builds and runs the sanitizer test subsets of tests/sanitize/ with clang:
#   scripts/sanitize.sh asan   ASan + UBSan: the torch-free tests (build-sanitize-asan/)
#   scripts/sanitize.sh tsan   TSan: the serve scheduler and the spin pool (build-sanitize-tsan/)
#   scripts/sanitize.sh        both
# Extra arguments after the kind go to the test binary (e.g. --gtest_filter=SpinPool.*).
# Suppressions (libraries outside almkit only) are in tests/sanitize/*.supp. Exit 77 (CTest's
# skip) when clang++ is missing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kinds=(asan tsan)
if (($#)) && [[ $1 == asan || $1 == tsan ]]; then kinds=("$1"); shift; fi
if ! command -v clang++ >/dev/null; then
  echo "sanitize.sh: clang++ not found (scripts/setup.sh installs it); skipping" >&2
  exit 77
fi
for kind in "${kinds[@]}"; do
  build="$repo/build-sanitize-$kind"
  sanitizers=address,undefined
  [[ $kind == tsan ]] && sanitizers=thread
  mkdir -p "$build"
  (
    exec 9>"$build/.build.lock"
    flock 9
    if [[ ! -f $build/build.ninja ]]; then
      cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DALMKIT_SANITIZE="$sanitizers" \
        -DALMKIT_BUILD_TESTS=OFF -DALMKIT_BUILD_BENCHMARKS=OFF -DALMKIT_BUILD_TOOLS=OFF \
        -DALMKIT_BUILD_PYTHON=OFF >/dev/null
    fi
    nice -n 10 ninja -C "$build" -j "${ALMKIT_JOBS:-2}" almkit_sanitized_tests
  )
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
  export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$repo/tests/sanitize/lsan.supp:print_suppressions=0}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
  echo "sanitize.sh: $kind ($sanitizers)"
  "$build/sanitize/almkit_sanitized_tests" "$@"
done
