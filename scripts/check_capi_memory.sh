#!/usr/bin/env bash
# Runs the C API's C example and C test under valgrind memcheck: no invalid reads/writes, no use
# of uninitialised values and no definitely-lost memory, on success and on every error path the
# C test takes (exceptions thrown and converted to statuses). Takes ~2-3 min (libtorch under
# valgrind), so ctest labels it "slow".
#   scripts/check_capi_memory.sh [BUILD_DIR]
# Exit 0: clean; 1: valgrind found errors (log kept); 77: valgrind missing (ctest: skipped).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${ALMKIT_BUILD_DIR:-$repo/build}}
shared=${ALMKIT_SHARED_DIR:-$repo/../shared}
[[ -d $shared/reference ]] || shared=/work/shared
reference=${ALMKIT_REFERENCE_DIR:-$shared/reference/hf-transformers-4.47.1}
data=${ALMKIT_DATA_DIR:-$repo/.cache/data}
command -v valgrind >/dev/null || { echo "valgrind is not installed: skipped"; exit 77; }
for program in "$build/examples/almkit_c_example" "$build/capi_tests/almkit_capi_c_test"; do
  [[ -x $program ]] || { echo "$program is not built (scripts/build.sh almkit_c_example almkit_capi_c_test)"; exit 1; }
done
# One OpenMP thread and passive waiting keep valgrind's serialised threads from spinning.
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
logs=$(mktemp -d /tmp/almkit-capi-memory.XXXXXX)
status=0
run() {
  local name=$1
  shift
  local start=$SECONDS
  if valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
      --errors-for-leak-kinds=definite --track-origins=no --num-callers=40 \
      --suppressions="$repo/scripts/check_capi_memory.supp" "$@" >"$logs/$name.log" 2>&1; then
    echo "$name: clean ($((SECONDS - start)) s)"
  else
    echo "$name: valgrind reported errors (log: $logs/$name.log)"
    status=1
  fi
  grep -E "ERROR SUMMARY|definitely lost|indirectly lost" "$logs/$name.log" | sed "s/^/  /"
}
run c_example "$build/examples/almkit_c_example" "$data/jfk.wav" "$reference/qwen2"
run c_test "$build/capi_tests/almkit_capi_c_test" "$data/jfk.wav" "$reference"
[[ $status -eq 0 ]] && rm -rf "$logs"
exit $status
