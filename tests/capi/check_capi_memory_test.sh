#!/usr/bin/env bash
# Tests of scripts/check_capi_memory.sh's own logic (ctest CApiMemory.<SCENARIO>):
#   FallsBackToAsanWhereValgrindCannotRun  valgrind dies on an instruction it cannot decode (the
#       stand-in sigill_valgrind/valgrind, first on PATH): the check of the C example and the C
#       test says so, runs their ASan + LSan builds instead, and passes.
#   CatchesALeakUnderValgrind  a C program that leaks an almkit_audio fails the check under the
#       real valgrind (skipped where valgrind cannot run this machine's programs).
#   CatchesALeakUnderAsan  the same program fails it on the ASan path (the stand-in valgrind).
#   SkipsWithoutAnyChecker  valgrind cannot run and no ASan build exists: exit 77 (skipped).
#
#   tests/capi/check_capi_memory_test.sh SCENARIO BUILD_DIR
# Exit 0: as specified; 1: not; 77: the scenario cannot be tried here.
set -euo pipefail
scenario=$1
build=$2
here=$(cd "$(dirname "$0")" && pwd)
check=$here/../../scripts/check_capi_memory.sh
data=${ALMKIT_DATA_DIR:-$here/../../.cache/data}
# The check keeps its logs when it finds errors, which these tests want: they go in here.
export TMPDIR
TMPDIR=$(mktemp -d /tmp/almkit-capi-memory-test.XXXXXX)
trap 'rm -rf "$TMPDIR"' EXIT
output=$TMPDIR/output
sigill_valgrind_path=$here/sigill_valgrind:$PATH
leaking=(leaking_program "$build/capi_tests/almkit_leaking_c_program"
  "$build/capi_tests/almkit_leaking_c_program_asan" "$data/jfk.wav")

# expect EXIT_CODE COMMAND...: runs it (output shown), fails unless it exits EXIT_CODE.
expect() {
  local want=$1 got=0
  shift
  "$@" >"$output" 2>&1 || got=$?
  cat "$output"
  if ((got == 77 && want != 77)); then
    echo "SKIPPED: the check could not run here (exit 77)"
    exit 77
  fi
  if ((got != want)); then
    echo "FAILED: exit $got, expected $want"
    exit 1
  fi
}

# says PATTERN: the last output matches the extended regular expression PATTERN.
says() {
  grep -qE "$1" "$output" || { echo "FAILED: the output does not say /$1/"; exit 1; }
}

case $scenario in
  FallsBackToAsanWhereValgrindCannotRun)
    expect 0 env PATH="$sigill_valgrind_path" "$check" "$build"
    says "c_example: valgrind cannot run this program on this machine"
    says "unhandled instruction bytes: 0xF 0x1 0xF9"
    says "c_example: ASan \+ LSan: clean"
    says "c_test: ASan \+ LSan: clean"
    ;;
  CatchesALeakUnderValgrind)
    command -v valgrind >/dev/null || { echo "SKIPPED: valgrind is not installed"; exit 77; }
    expect 1 "$check" --tool valgrind "$build" "${leaking[@]}"
    says "leaking_program: valgrind reported errors"
    says "definitely lost: [1-9]"
    ;;
  CatchesALeakUnderAsan)
    expect 1 env PATH="$sigill_valgrind_path" "$check" "$build" "${leaking[@]}"
    says "leaking_program: checking its AddressSanitizer \+ LeakSanitizer build instead"
    says "leaking_program: AddressSanitizer \+ LeakSanitizer found errors"
    says "Direct leak of"
    ;;
  SkipsWithoutAnyChecker)
    # A build folder without the ASan probe: as if CMake had found no libasan.
    no_asan_build=$TMPDIR/build
    mkdir "$no_asan_build"
    expect 77 env PATH="$sigill_valgrind_path" "$check" "$no_asan_build" "${leaking[@]}"
    says "valgrind cannot run"
    says "almkit_asan_probe is not built"
    says "skipped: no memory checker can run here"
    ;;
  *)
    echo "unknown scenario '$scenario'"
    exit 2
    ;;
esac
echo "PASSED: $scenario"
