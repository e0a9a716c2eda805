#!/usr/bin/env bash
# Qwen2-0.5B decode (bf16 and int8, 32 steps, benchmarks/model_bench.cpp) on 1 and 2 threads
# beside 0, 2 and 3 busy loops (a shared machine: builds and other jobs beside the evaluation).
# 2 threads run twice: with the spin pool as it is, and with ALMKIT_SPIN_POOL=spin (joins that
# only spin and never send jobs inline: the pool before it adapted to load). Prints one line per
# figure with the load average; the busy loops are stopped on exit.
#   LOADS="0 2 3" ROUNDS=2 benchmarks/decode_under_load.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/build.sh" almkit_cli almkit_bench_model
models="${ALMKIT_BENCH_MODELS:-$repo/.cache/bench-models}"
folder="$models/qwen2-0.5b-bf16"
[[ -s $folder/model.safetensors ]] ||
  "$repo/build/tools/almkit/almkit" init-model --arch qwen2 --size 0.5b --dtype BF16 -o "$folder"
bench=$(mktemp /tmp/almkit_bench_model.XXXXXX)
loops=()
stop_loops() {
  ((${#loops[@]})) && kill "${loops[@]}" 2>/dev/null
  wait "${loops[@]}" 2>/dev/null || true
  loops=()
}
trap 'stop_loops; rm -f "$bench"' EXIT
cp "$repo/build/benchmarks/almkit_bench_model" "$bench" && chmod +x "$bench"
# int8 is quantised at load from the bf16 file (model_bench's int8 rows read the f32 variable)
export ALMKIT_BENCH_QWEN2_BF16=$folder ALMKIT_BENCH_QWEN2_F32=$folder OMP_WAIT_POLICY=PASSIVE ALMKIT_BENCH_READ_GBPS=${ALMKIT_BENCH_READ_GBPS:-20}
run() {  # dtype threads label [environment]
  local dtype=$1 threads=$2 label=$3; shift 3
  local line
  line=$(env "$@" "$bench" --benchmark_filter="^qwen2/decode32_$dtype/$threads/" 2>/dev/null | grep "^qwen2/decode32")
  printf '%-5s loops %s  %-4s %-12s %s tok/s  (%s)\n' "$round" "$busy" "$dtype" "$label" \
    "$(grep -oE '(^| )tokens_per_s=[0-9.]*' <<<"$line" | cut -d= -f2)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
for round in $(seq "${ROUNDS:-2}"); do
  for busy in ${LOADS:-0 2 3}; do
    for _ in $(seq "$busy"); do
      /usr/bin/python3 -c 'while True: pass' &
      loops+=($!)
    done
    sleep 2
    for dtype in bf16 int8; do
      run "$dtype" 1 "1 thread"
      run "$dtype" 2 "2 threads"
      run "$dtype" 2 "2 spin-only" ALMKIT_SPIN_POOL=spin
    done
    stop_loops
  done
done
