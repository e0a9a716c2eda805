#!/usr/bin/env bash
# Qwen2-0.5B shapes, random weights: almkit (benchmarks/model_bench.cpp: prefill 512 tokens, 32
# decode steps after a 16-token prompt) against llama.cpp's llama-bench (pp512, tg32) on the same
# checkpoints converted to GGUF, fp32 and bf16 (and llama.cpp q8_0, the int8 target), 1 and 2
# threads, alternating program by program for ROUNDS rounds (default 3): the machine is shared, so
# compare within a round and report the range over rounds. Prints the CPU flags and the load
# average before each program. Needs benchmarks/peers/build_peer.sh llama GIT_DIR first; writes
# the GGUF files to .cache/peers/models once. LLAMA_BENCH_ARGS adds llama-bench options (e.g.
# "--poll 0": its threads then sleep instead of spinning while they wait, as almkit's do).
# TYPES narrows the llama.cpp files (default "f32 bf16 q8_0") and ALMKIT_FILTER almkit's
# benchmarks (default 'prefill512|decode32'), e.g. TYPES=q8_0 ALMKIT_FILTER='512_(int8|bf16)|32_int8'.
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
llama_bench="$peers/llama/$peer_build/bin/llama-bench"
require_peer llama "$llama_bench"
[[ -s $models/qwen2-0.5b-f32/model.safetensors ]] || "$almkit" init-model --arch qwen2 --size 0.5b --dtype F32 -o "$models/qwen2-0.5b-f32"
[[ -s $models/qwen2-0.5b-bf16/model.safetensors ]] || "$almkit" init-model --arch qwen2 --size 0.5b --dtype BF16 -o "$models/qwen2-0.5b-bf16"
mkdir -p "$peers/models"
for type in f32 bf16 q8_0; do
  gguf="$peers/models/qwen2-0.5b-$type.gguf"
  source_dir="$models/qwen2-0.5b-$([[ $type == bf16 ]] && echo bf16 || echo f32)"
  [[ -s $gguf ]] || /usr/bin/python3 "$repo/benchmarks/peers/qwen2_to_gguf.py" "$source_dir" "$gguf" --type "$type" \
    --gguf-py "$peers/llama/src/gguf-py"
done
export ALMKIT_BENCH_QWEN2_F32=$models/qwen2-0.5b-f32 ALMKIT_BENCH_QWEN2_BF16=$models/qwen2-0.5b-bf16
describe_run llama
read -r -a extra <<<"${LLAMA_BENCH_ARGS:-}"
for round in $(seq "${ROUNDS:-3}"); do
  echo "round $round: almkit, load $(load)"
  "$bench" --benchmark_filter="${ALMKIT_FILTER:-prefill512|decode32}" 2>/dev/null |
    awk '/prefill|decode/ {for (i = 1; i <= NF; ++i) if ($i ~ /^tokens_per_s=/) print "almkit", $1, $i}'
  for type in ${TYPES:-f32 bf16 q8_0}; do
    echo "round $round: llama.cpp $type, load $(load)"
    # -r 2: two repetitions a test (its mean is printed); pp512 = prefill 512, tg32 = 32 decode steps
    "$llama_bench" -m "$peers/models/qwen2-0.5b-$type.gguf" -p 512 -n 32 -t 1,2 -r 2 "${extra[@]}" -o csv 2>/dev/null |
      awk -F, -v type="$type" 'NR == 1 {for (i = 1; i <= NF; ++i) col[$i] = i; next}
        {gsub(/"/, ""); p = $col["n_prompt"]; g = $col["n_gen"];
         printf "llama.cpp %s %s/threads:%s tokens_per_s=%.1f\n", type, (p > 0 ? "pp" p : "tg" g), $col["n_threads"], $col["avg_ts"]}'
  done
done
echo "load at the end $(load)"
