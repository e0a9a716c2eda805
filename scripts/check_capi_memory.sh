#!/usr/bin/env bash
# The C API's memory check, from C: the C example and the C test (its success paths and every
# error path it takes, exceptions converted to statuses) make no invalid reads or writes and lose
# no memory. ctest runs it as CApiMemory (label "slow").
#
# Valgrind memcheck first: it also sees uses of uninitialised values, and every access that
# libalmkit and libtorch make. Where valgrind itself cannot run a program, the script says so and
# checks the program's AddressSanitizer + LeakSanitizer build instead (<program>_asan, built by
# tests/capi/CMakeLists.txt), which runs every instruction natively. Debian 12's valgrind 3.19,
# for one, stops at instructions it cannot decode ("unhandled instruction bytes", "Unrecognised
# instruction", then SIGILL) that a system library runs in its static initialiser on some CPUs
# (RDTSCP in libhwy's, on an AMD Zen 4), before any almkit code runs: issue 16.
#
# Why only the C programs are built with ASan, linked against the ordinary libalmkit.so: an ASan
# copy of the library would compile its 163 translation units again. Measured on the 2-core CI
# machine: a Release build spends ~10 min of compiler time on them, and -fsanitize=address -g
# makes a libtorch unit 1.6x slower (models/qwen2.cpp: 5.8 s -> 9.0 s), so ~16 min of compiler
# time, ~8 min more of a CI run that takes 12-16 min, for a fallback most machines never take.
# The four ASan C programs compile in ~1 s and run in ~2 s (valgrind: ~100 s). Linked into the
# program, the ASan runtime serves every malloc/new/free/delete of the process, libalmkit's
# included, so LeakSanitizer finds a block lost inside libalmkit (tests/capi/leaking_c_program.c
# loses one: ctest CApiMemory.CatchesALeakUnderAsan), and the checks of frees (double, invalid,
# new/free mismatch) and of memcpy/memset/strlen ranges hold for the library's calls too. The C
# programs' own accesses (a C caller's use of the API) are instrumented; what the fallback does
# not see are plain loads and stores inside the uninstrumented library, and uninitialised reads
# anywhere: those stay valgrind's, where it runs.
#
#   scripts/check_capi_memory.sh [--tool auto|valgrind|asan] [BUILD_DIR [NAME PROGRAM ASAN_PROGRAM [ARGS...]]]
# --tool: auto (default) is valgrind, else ASan; valgrind or asan use that checker only. With NAME
# and the rest, the script checks that one program (tests/capi/check_capi_memory_test.sh does).
# Exit 0: clean; 1: errors found (logs kept); 77: no checker could run here (ctest: skipped).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tool=auto
if [[ ${1:-} == --tool ]]; then
  tool=${2:-}
  shift
  (($#)) && shift
fi
case $tool in
  auto | valgrind | asan) ;;
  *) echo "--tool takes auto, valgrind or asan, not '$tool'"; exit 2 ;;
esac
build=${1:-${ALMKIT_BUILD_DIR:-$repo/build}}
(($#)) && shift
reference=${ALMKIT_REFERENCE_DIR:-$repo/tests/data/reference/hf-transformers-4.47.1}
data=${ALMKIT_DATA_DIR:-$repo/.cache/data}

# One OpenMP thread and passive waiting keep valgrind's serialised threads from spinning.
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
logs=$(mktemp -d "${TMPDIR:-/tmp}/almkit-capi-memory.XXXXXX")
status=0     # 1 once a checker found errors
unchecked=0  # 1 once a program could be checked by no checker

valgrind_state=untried  # untried, works, cannot-run
if [[ $tool == asan ]]; then
  valgrind_state=cannot-run
elif ! command -v valgrind >/dev/null; then
  echo "valgrind is not installed"
  valgrind_state=cannot-run
fi

# The line of a valgrind log saying that valgrind itself could not go on (not the program).
valgrind_own_failure() {
  grep -m1 -E "unhandled instruction bytes|Unrecognised instruction|valgrind: the 'impossible' happened|Fatal error at startup|default action of signal 4 \(SIGILL\)" "$1" |
    sed -E 's/^==[0-9]+== //'
}

# 0: clean; 1: errors or the program failed; 2: valgrind cannot run the program.
run_valgrind() {
  local name=$1 log=$logs/$1.valgrind.log
  shift
  local start=$SECONDS code=0 failure
  # (The braces' 2> keeps bash's own "Illegal instruction" notice out of the output.)
  { valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --track-origins=no --num-callers=40 \
    --suppressions="$repo/scripts/check_capi_memory.supp" "$@" >"$log" 2>&1; } 2>/dev/null || code=$?
  if failure=$(valgrind_own_failure "$log") && [[ -n $failure ]]; then
    echo "$name: valgrind cannot run this program on this machine (exit $code):"
    valgrind_own_failure "$log" | head -1 | sed "s/^/  /"
    grep -m2 -E "^==[0-9]+== +(at|by) " "$log" | sed -E "s/^==[0-9]+== +/    /" || true
    return 2
  fi
  if ((code == 0)); then
    echo "$name: valgrind: clean ($((SECONDS - start)) s)"
  else
    echo "$name: valgrind reported errors or the program failed (exit $code; log: $log)"
  fi
  grep -E "ERROR SUMMARY|definitely lost|indirectly lost" "$log" | sed "s/^/  /" || true
  ((code == 0)) || return 1
}

asan_state=untried  # untried, works, cannot-run
asan_prefix=()      # `setarch -R` where ASan needs address randomisation off (below)
# ASan reports leaks (LeakSanitizer) at exit; stack-use-after-return and initialisation order
# cover the C programs' own code.
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1
export LSAN_OPTIONS=print_suppressions=0

# Whether ASan and LeakSanitizer work here: the probe loses one block, which a working
# LeakSanitizer reports. gcc 12's ASan cannot start where the kernel randomises addresses with
# more bits than its shadow layout expects (vm.mmap_rnd_bits 32); without randomisation it can.
asan_works() {
  if [[ $asan_state == untried ]]; then
    asan_state=cannot-run
    local probe=$build/capi_tests/almkit_asan_probe log=$logs/asan_probe.log
    if [[ ! -x $probe ]]; then
      echo "AddressSanitizer: $probe is not built (CMake found no -fsanitize=address: libasan8," \
        "which scripts/setup.sh installs)"
    else
      local prefix
      for prefix in "" "setarch $(uname -m) -R"; do
        # shellcheck disable=SC2086  # the prefix is words
        if ! $prefix "$probe" >"$log" 2>&1 && grep -q "LeakSanitizer: detected memory leaks" "$log"; then
          asan_state=works
          read -r -a asan_prefix <<<"$prefix"
          break
        fi
      done
      if [[ $asan_state != works ]]; then
        echo "AddressSanitizer + LeakSanitizer do not work here (the probe's log):"
        head -5 "$log" | sed "s/^/  /"
      fi
    fi
  fi
  [[ $asan_state == works ]]
}

# 0: clean; 1: errors or the program failed; 2: the ASan build is missing.
run_asan() {
  local name=$1 program=$2 log=$logs/$1.asan.log
  shift 2
  if [[ ! -x $program ]]; then
    echo "$name: $program is not built"
    return 2
  fi
  local start=$SECONDS code=0
  "${asan_prefix[@]}" "$program" "$@" >"$log" 2>&1 || code=$?
  if grep -q -E "ERROR: (AddressSanitizer|LeakSanitizer)" "$log"; then
    echo "$name: AddressSanitizer + LeakSanitizer found errors (exit $code; log: $log)"
    grep -E "ERROR: |^(Direct|Indirect) leak|^SUMMARY" "$log" | head -20 | sed "s/^/  /"
  elif ((code != 0)); then
    echo "$name: failed under ASan (exit $code; log: $log)"
    tail -5 "$log" | sed "s/^/  /"
  else
    echo "$name: ASan + LSan: clean ($((SECONDS - start)) s)"
    return 0
  fi
  return 1
}

# check NAME PROGRAM ASAN_PROGRAM ARGS...: valgrind where it runs, else the ASan build.
check() {
  local name=$1 program=$2 asan_program=$3 result=0
  shift 3
  if [[ $valgrind_state != cannot-run ]]; then
    run_valgrind "$name" "$program" "$@" || result=$?
    if ((result != 2)); then
      valgrind_state=works
      ((result == 0)) || status=1
      return
    fi
    valgrind_state=cannot-run
  fi
  if [[ $tool == valgrind ]]; then
    echo "$name: not checked (--tool valgrind, and valgrind cannot run)"
    unchecked=1
    return
  fi
  if ! asan_works; then
    echo "$name: not checked: neither valgrind nor AddressSanitizer can run here"
    unchecked=1
    return
  fi
  [[ $tool == auto ]] && echo "$name: checking its AddressSanitizer + LeakSanitizer build instead"
  result=0
  run_asan "$name" "$asan_program" "$@" || result=$?
  ((result == 0)) || status=1
}

if (($#)); then
  (($# >= 3)) || { echo "a program to check needs NAME PROGRAM ASAN_PROGRAM [ARGS...]"; exit 2; }
  programs=("$2")
else
  programs=("$build/examples/almkit_c_example" "$build/capi_tests/almkit_capi_c_test")
fi
for program in "${programs[@]}"; do
  [[ -x $program ]] || { echo "$program is not built (scripts/build.sh $(basename "$program"))"; exit 1; }
done
if (($#)); then
  check "$@"
else
  check c_example "$build/examples/almkit_c_example" "$build/capi_tests/almkit_c_example_asan" \
    "$data/jfk.wav" "$reference/qwen2"
  check c_test "$build/capi_tests/almkit_capi_c_test" "$build/capi_tests/almkit_capi_c_test_asan" \
    "$data/jfk.wav" "$reference"
fi
if ((status != 0)); then
  echo "memory errors found; logs in $logs"
  exit 1
fi
rm -rf "$logs"
if ((unchecked)); then
  echo "skipped: no memory checker can run here"
  exit 77
fi
