#!/usr/bin/env bash
# Writes random checkpoints at published shapes (once, into .cache/bench-models, ~12 GB) and runs
# benchmarks/model_bench.cpp on them: Qwen2-0.5B prefill / decode (fp32, bf16, 1 and 2 threads),
# Whisper base and large-v3 encoders on 30 s, RSS after load.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/build.sh" almkit_cli almkit_bench_model
almkit="$repo/build/tools/almkit/almkit"
models="${ALMKIT_BENCH_MODELS:-$repo/.cache/bench-models}"
mkdir -p "$models"
make_model() {  # folder, then init-model arguments
  local folder=$1; shift
  [[ -s $models/$folder/model.safetensors ]] || "$almkit" init-model "$@" -o "$models/$folder"
}
make_model qwen2-0.5b-f32 --arch qwen2 --size 0.5b --dtype F32
make_model qwen2-0.5b-bf16 --arch qwen2 --size 0.5b --dtype BF16
make_model whisper-base-f32 --arch whisper --size base --dtype F32
make_model whisper-large-v3-f32 --arch whisper --size large-v3 --dtype F32
export ALMKIT_BENCH_QWEN2_F32=$models/qwen2-0.5b-f32 ALMKIT_BENCH_QWEN2_BF16=$models/qwen2-0.5b-bf16
export ALMKIT_BENCH_WHISPER_BASE=$models/whisper-base-f32 ALMKIT_BENCH_WHISPER_LARGE=$models/whisper-large-v3-f32
export OMP_WAIT_POLICY=PASSIVE
"$repo/build/benchmarks/almkit_bench_model" "$@"
