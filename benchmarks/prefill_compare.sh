#!/usr/bin/env bash
# Qwen2-0.5B prefill, 128 and 512 tokens, fp32 and bf16, 1 and 2 threads: almkit
# (benchmarks/model_bench.cpp) against the plain-torch eager peer (benchmarks/qwen2_torch_peer.py),
# and, when built (benchmarks/peers/build_peer.sh transformers ...), transformers 4.47.1 itself
# (benchmarks/peers/transformers_prefill.py, eager, on the same checkpoints: model(ids) as a user
# calls it, "call", and generate's prefill, "generate"; TRANSFORMERS_MODES changes the list,
# TRANSFORMERS_REPEATS the timed runs a figure's median is of, default 3),
# alternating, ROUNDS rounds (default 2). Prints the load and the CPU's bf16 / AVX-512 flags.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
models="${ALMKIT_BENCH_MODELS:-$repo/.cache/bench-models}"
almkit="$repo/build/tools/almkit/almkit"
[[ -s $models/qwen2-0.5b-f32/model.safetensors ]] || "$almkit" init-model --arch qwen2 --size 0.5b --dtype F32 -o "$models/qwen2-0.5b-f32"
[[ -s $models/qwen2-0.5b-bf16/model.safetensors ]] || "$almkit" init-model --arch qwen2 --size 0.5b --dtype BF16 -o "$models/qwen2-0.5b-bf16"
export ALMKIT_BENCH_QWEN2_F32=$models/qwen2-0.5b-f32 ALMKIT_BENCH_QWEN2_BF16=$models/qwen2-0.5b-bf16 OMP_WAIT_POLICY=PASSIVE
transformers_site="${ALMKIT_PEERS_DIR:-$repo/.cache/peers}/transformers/site"
if [[ ! -f $transformers_site/transformers/__init__.py ]]; then
  echo "transformers peer not built ($transformers_site): skipped; benchmarks/peers/build_peer.sh transformers GIT_DIR HUB_GIT_DIR builds it"
  transformers_site=
fi
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
  [[ -n $transformers_site ]] || continue
  for dtype in float32 bfloat16; do
    for threads in 1 2; do
      read -r -a modes <<<"${TRANSFORMERS_MODES:-call generate}"
      ALMKIT_TRANSFORMERS_SITE=$transformers_site /usr/bin/python3 "$repo/benchmarks/peers/transformers_prefill.py" \
        --tokens 128 512 --threads "$threads" --dtype "$dtype" --modes "${modes[@]}" --repeats "${TRANSFORMERS_REPEATS:-3}" \
        --model "$models/qwen2-0.5b-$([[ $dtype == float32 ]] && echo f32 || echo bf16)"
    done
  done
done
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
