#!/usr/bin/env bash
# Whisper-base shapes, random weights, 30 s of audio, fp32: almkit's encoder benchmark
# (benchmarks/model_bench.cpp whisper_encoder/base_f32: log-mel of a fresh clip + encoder + one
# decoder step, 3 iterations, audio cache off) against whisper.cpp's whisper-bench (the encoder
# alone on a 30 s mel, after a warm-up run), 1 and 2 threads, alternating for ROUNDS rounds
# (default 3). almkit's figure includes more work than the peer's (mel and a decoder step, a few
# ms of ~1 s). Needs benchmarks/peers/build_peer.sh whisper GIT_DIR; writes the ggml file to
# .cache/peers/models once (benchmarks/peers/whisper_to_ggml.py). When the transformers peer is
# built (build_peer.sh transformers ...), transformers 4.47.1's encoder on the same checkpoint joins
# each round (benchmarks/peers/transformers_whisper.py, eager, encoder alone, 1 and 2 threads).
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
whisper_bench="$peers/whisper/$peer_build/bin/whisper-bench"
require_peer whisper "$whisper_bench"
[[ -s $models/whisper-base-f32/model.safetensors ]] || "$almkit" init-model --arch whisper --size base --dtype F32 -o "$models/whisper-base-f32"
ggml="$peers/models/whisper-base-f32.bin"
mkdir -p "$peers/models"
[[ -s $ggml ]] || /usr/bin/python3 "$repo/benchmarks/peers/whisper_to_ggml.py" "$models/whisper-base-f32" "$ggml" --type f32
export ALMKIT_BENCH_WHISPER_BASE=$models/whisper-base-f32
describe_run whisper
transformers_site=$peers/transformers/site
[[ -f $transformers_site/transformers/__init__.py ]] ||
  { echo "transformers peer not built ($transformers_site): skipped"; transformers_site=; }
for round in $(seq "${ROUNDS:-3}"); do
  echo "round $round: almkit, load $(load)"
  "$bench" --benchmark_filter='whisper_encoder/base_f32' 2>/dev/null |
    awk '/whisper_encoder/ {print "almkit", $1, "seconds=" $2 / 1000}'
  for threads in 1 2; do
    echo "round $round: whisper.cpp, load $(load)"
    "$whisper_bench" -m "$ggml" -t "$threads" -w 0 2>&1 |
      awk -v t="$threads" '/encode time/ {for (i = 1; i <= NF; ++i) if ($i == "ms") {print "whisper.cpp encoder/threads:" t, "seconds=" $(i - 1) / 1000; exit}}'
  done
  [[ -n $transformers_site ]] || continue
  for threads in 1 2; do
    echo "round $round: transformers, load $(load)"
    ALMKIT_TRANSFORMERS_SITE=$transformers_site /usr/bin/python3 "$repo/benchmarks/peers/transformers_whisper.py" \
      --threads "$threads" --modes encoder --model "$models/whisper-base-f32"
  done
done
echo "load at the end $(load)"
