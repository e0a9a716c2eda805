#!/usr/bin/env bash
# Qwen2-0.5B prefill, 128 and 512 tokens, fp32 and bf16, 1 and 2 threads: almkit
# (benchmarks/model_bench.cpp) against the plain-torch eager peer (benchmarks/qwen2_torch_peer.py),
# alternating, ROUNDS rounds (default 2). Prints the load and the CPU's bf16 / AVX-512 flags.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
models="${ALMKIT_BENCH_MODELS:-$repo/.cache/bench-models}"
almkit="$repo/build/tools/almkit/almkit"
[[ -s $models/qwen2-0.5b-f32/model.safetensors ]] || "$almkit" init-model --arch qwen2 --size 0.5b --dtype F32 -o "$models/qwen2-0.5b-f32"
[[ -s $models/qwen2-0.5b-bf16/model.safetensors ]] || "$almkit" init-model --arch qwen2 --size 0.5b --dtype BF16 -o "$models/qwen2-0.5b-bf16"
export ALMKIT_BENCH_QWEN2_F32=$models/qwen2-0.5b-f32 ALMKIT_BENCH_QWEN2_BF16=$models/qwen2-0.5b-bf16 OMP_WAIT_POLICY=PASSIVE
echo "cpu flags: $(grep -o -w -E 'avx2|avx512f|avx512_bf16|avx512_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for round in $(seq "${ROUNDS:-2}"); do
  echo "round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$repo/build/benchmarks/almkit_bench_model" --benchmark_filter='prefill' 2>/dev/null |
    awk '/prefill/ {for (i = 1; i <= NF; ++i) if ($i ~ /tokens_per_s/) print "almkit", $1, $i}'
  for dtype in float32 bfloat16; do
    for threads in 1 2; do
      for tokens in 128 512; do
        /usr/bin/python3 "$repo/benchmarks/qwen2_torch_peer.py" --tokens "$tokens" --threads "$threads" --dtype "$dtype"
      done
    done
  done
done
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
