#!/usr/bin/env bash
# The Whisper-large-v3-shaped audio tower (Qwen2-Audio-7B, Audio Flamingo 3, Voxtral) on a 30 s
# clip in bf16 (benchmarks/tower_bench.cpp): almkit against libtorch's own bf16 path (oneDNN) on
# the same random weights, alternating, ROUNDS times (default 3), with the load average before
# each round. Writes the checkpoint once (3.1 GB, git-ignored .cache/bench-models).
#   benchmarks/tower_speed.sh [extra almkit_bench_tower arguments]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/build.sh" almkit_cli almkit_bench_tower
models="${ALMKIT_BENCH_MODELS:-$repo/.cache/bench-models}"
folder="$models/whisper-large-v3-bf16"
[[ -s $folder/model.safetensors ]] ||
  "$repo/build/tools/almkit/almkit" init-model --arch whisper --size large-v3 --dtype BF16 -o "$folder"
# a copy, so that another build cannot swap the binary during the rounds
bench=$(mktemp /tmp/almkit_bench_tower.XXXXXX)
trap 'rm -f "$bench"' EXIT
cp "$repo/build/benchmarks/almkit_bench_tower" "$bench" && chmod +x "$bench"
export ALMKIT_BENCH_WHISPER_LARGE_BF16=$folder OMP_WAIT_POLICY=PASSIVE
grep -o -w -m1 -E 'avx512_bf16|avx512_vnni' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
for round in $(seq "${ROUNDS:-3}"); do
  for filter in almkit_tower torch_bf16_tower; do
    echo "round $round, $(uptime | sed 's/.*load/load/')"
    "$bench" --benchmark_filter="^$filter/${THREADS:-2}/" "$@" 2>/dev/null | grep "^$filter"
  done
done
