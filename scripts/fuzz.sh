#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang, ASan + UBSan, in build-fuzz/) and runs each for a
# bounded time on its committed seed corpus.
#
#   scripts/fuzz.sh                         every harness, 60 s each
#   scripts/fuzz.sh --seconds 600 tokenizer one harness, ten minutes
#   scripts/fuzz.sh --build-only | --no-build ...
#
# Committed crash inputs (tests/data/fuzz_regressions/<name>/) replay first. New inputs go to
# build-fuzz/corpus/<name>/ (kept between runs, never committed); a crash leaves
# its input in build-fuzz/artifacts/<name>/ and makes the script exit non-zero. One line per
# harness (executions, corpus size, result) is appended to build-fuzz/fuzz-log.tsv.
# Exit 77 (CTest's skip) when clang++ is missing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build="${ALMKIT_FUZZ_BUILD_DIR:-$repo/build-fuzz}"
seconds=60
do_build=1
do_run=1
harnesses=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build-only) do_run=0; shift ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (scripts/setup.sh installs it); skipping" >&2
  exit 77
fi
if ((${#harnesses[@]} == 0)); then
  for source in "$repo"/fuzz/*_fuzzer.cpp; do
    name=$(basename "$source" .cpp)
    harnesses+=("${name%_fuzzer}")
  done
fi

if ((do_build)); then
  mkdir -p "$build"
  exec 9>"$build/.build.lock"
  flock 9
  if [[ ! -f $build/build.ninja ]]; then
    cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DALMKIT_BUILD_FUZZERS=ON \
      -DALMKIT_BUILD_TESTS=OFF -DALMKIT_BUILD_BENCHMARKS=OFF -DALMKIT_BUILD_TOOLS=OFF \
      -DALMKIT_BUILD_PYTHON=OFF >/dev/null
  fi
  targets=()
  for name in "${harnesses[@]}"; do targets+=("${name}_fuzzer"); done
  nice -n 10 ninja -C "$build" -j "${ALMKIT_JOBS:-2}" "${targets[@]}"
  exec 9>&-
fi
((do_run)) || exit 0

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$repo/fuzz/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
status=0
for name in "${harnesses[@]}"; do
  binary="$build/fuzz/${name}_fuzzer"
  seeds="$repo/fuzz/corpus/$name"
  [[ -x $binary ]] || { echo "fuzz.sh: $binary is not built" >&2; exit 1; }
  mkdir -p "$build/corpus/$name" "$build/artifacts/$name"
  dict=()
  if [[ -f $repo/fuzz/dicts/$name.dict ]]; then
    dict=(-dict="$repo/fuzz/dicts/$name.dict")
  elif [[ " config tokenizer safetensors_index bench_datasets serve_requests " == *" $name "* ]]; then
    dict=(-dict="$repo/fuzz/dicts/json.dict")
  fi
  log="$build/artifacts/$name/last-run.log"
  # Inputs that once crashed a harness (tests/data/fuzz_regressions/<name>/) replay first.
  regressions=("$repo/tests/data/fuzz_regressions/$name"/*)
  if [[ -e ${regressions[0]} ]] && ! "$binary" "${regressions[@]}" >"$log.regressions" 2>&1; then
    echo "fuzz.sh: $name fails on a committed regression input (see $log.regressions)" >&2
    status=1
  fi
  set +e
  "$binary" -max_total_time="$seconds" -timeout=20 -error_exitcode=1 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$name/" "${dict[@]}" \
    "$build/corpus/$name" "$seeds" >"$log" 2>&1
  result=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(ls "$build/corpus/$name" | wc -l)
  if ((result == 0)); then
    verdict=clean
  else
    verdict="FAILED (exit $result)"
    status=1
    grep -E "ERROR|runtime error|SUMMARY|Test unit written|terminate called|what\(\)" "$log" | head -12 >&2 || true
  fi
  printf '%s\t%s\t%ss\t%s runs\t%s corpus\t%s\n' "$(date -u +%FT%TZ)" "$name" "$seconds" \
    "${runs:-?}" "$corpus" "$verdict" | tee -a "$build/fuzz-log.tsv"
done
exit $status
