#!/usr/bin/env bash
# End-to-end throughput of `almkit eval` on the perception suite: items/s (wall clock, model
# load included) and CPU seconds per item.
# 0. loglik mode next to a plain-torch peer doing the same multiple-choice scoring in the same
#    run (benchmarks/qwen2_audio_torch_peer.py: transformers' eager Qwen2-Audio forward, re-run
#    on the units of almkit's results.jsonl, its summed log-probabilities checked against
#    almkit's): model calls/s of the scoring loop (model load excluded: almkit's last progress
#    line, the peer's own loop timer) and the process wall time, --threads 1/2, alternating for
#    ROUNDS rounds (2). One model call = one item here (no silent-audio baseline).
#    When the transformers peer is built (benchmarks/peers/build_peer.sh transformers ...), a
#    third column: transformers 4.47.1 itself scoring the same units
#    (benchmarks/peers/transformers_scoring.py: from_pretrained, eager fp32, WhisperFeatureExtractor,
#    the prompt once into a DynamicCache, each choice continued from it), its sums checked
#    against almkit's and the plain-torch peer's. ALMKIT_PEER_ONLY=1 stops after this part.
# 1. The default small random model: --threads 1/2 x --batch 1/2, loglik mode and generate mode
#    (16 new tokens, greedy), ALMKIT_LIMIT items (24).
# 2. A Qwen2-Audio-7B-shaped random bf16 checkpoint (`almkit init-model --size 7b`, ~16 GB in
#    .cache/bench-models, written on first use when 25 GB are free; ALMKIT_SKIP_7B=1 skips it):
#    ALMKIT_LIMIT_7B items (4), loglik and generate (4 new tokens), --threads 2, --batch 1.
# Uses the default model and suite of scripts/run.sh (run it once first) or ALMKIT_MODEL /
# ALMKIT_SUITE. Every run starts from an empty cache; no silent-audio baseline.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
almkit="${ALMKIT_BUILD_DIR:-$repo/build}/tools/almkit/almkit"
model="${ALMKIT_MODEL:-$repo/.cache/models/qwen2-audio-small-random}"
suite="${ALMKIT_SUITE:-$repo/.cache/data/perception/perception.json}"
limit="${ALMKIT_LIMIT:-24}"
big_model="${ALMKIT_MODEL_7B:-$repo/.cache/bench-models/qwen2-audio-7b-bf16}"
big_limit="${ALMKIT_LIMIT_7B:-4}"
export OMP_WAIT_POLICY=PASSIVE
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run MODEL_LABEL MODEL MODE THREADS BATCH ITEMS NEW_TOKENS [DTYPE]
run() {
  local label=$1 model_dir=$2 mode=$3 threads=$4 batch=$5 items=$6 new_tokens=$7
  local dtype=${8:-float32}
  local out="$work/$label-$mode-$threads-$batch"
  local start end user sys
  start=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/time" "$almkit" eval --model "$model_dir" --bench perception \
    --data "$suite" --out "$out" --limit "$items" --mode "$mode" --max-new-tokens "$new_tokens" \
    --threads "$threads" --batch "$batch" --dtype "$dtype" --no-silent-baseline --quiet >"$work/log" 2>&1 ||
    { echo "eval failed:"; tail -5 "$work/log"; return 1; }
  end=$(date +%s.%N)
  read -r user sys <"$work/time"
  printf "%-11s %-9s %-8s %-6s %6s %9.1f %8.3f %12.2f  %s\n" "$label" "$mode" "$threads" "$batch" \
    "$items" "$(echo "$end - $start" | bc)" "$(echo "$items / ($end - $start)" | bc -l)" \
    "$(echo "($user + $sys) / $items" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
}

# peer_round THREADS: almkit eval (loglik, batch 1), then the torch peer and (when built) transformers
# on its results.jsonl (transformers' wall_s includes its untimed plain-torch check, torch_peer_check_s)
peer_round() {
  local threads=$1 out="$work/peer-$1" start end rate
  rm -rf "$out"
  start=$(date +%s.%N)
  "$almkit" eval --model "$model" --bench perception --data "$suite" --out "$out" --limit "$limit" \
    --mode loglik --threads "$threads" --batch 1 --no-silent-baseline --quiet >"$work/log" 2>&1 ||
    { echo "eval failed:"; tail -5 "$work/log"; return 1; }
  end=$(date +%s.%N)
  rate=$(grep -o 'model calls [0-9.]*/s' "$work/log" | tail -1 | grep -o '[0-9.]*/s')
  printf "almkit     threads=%s calls=%s calls/s=%s wall_s=%.1f load=%s\n" "$threads" "$limit" "${rate%/s}" \
    "$(echo "$end - $start" | bc)" "$(cut -d' ' -f1 /proc/loadavg)"
  score_with_peer "torch peer" "$repo/benchmarks/qwen2_audio_torch_peer.py" "$threads" "$out" || return 1
  [[ -n $transformers_site ]] || return 0
  score_with_peer transformers "$repo/benchmarks/peers/transformers_scoring.py" "$threads" "$out"
}

# score_with_peer LABEL SCRIPT THREADS RUN_DIR: a peer re-scores the units of almkit's run; its
# own figures, then its wall time and the load
score_with_peer() {
  local label=$1 script=$2 threads=$3 out=$4 start end
  start=$(date +%s.%N)
  PYTHONPATH="$(dirname "$almkit")/../../python${PYTHONPATH:+:$PYTHONPATH}" /usr/bin/python3 \
    "$script" --model "$model" --results "$out/results.jsonl" --threads "$threads" >"$work/peer" ||
    { echo "$label failed"; return 1; }
  end=$(date +%s.%N)
  printf "%s threads=%s %s wall_s=%.1f load=%s\n" "$label" "$threads" "$(cut -d' ' -f2- "$work/peer")" \
    "$(echo "$end - $start" | bc)" "$(cut -d' ' -f1 /proc/loadavg)"
}

transformers_site="${ALMKIT_TRANSFORMERS_SITE:-${ALMKIT_PEERS_DIR:-$repo/.cache/peers}/transformers/site}"
if [[ ! -f $transformers_site/transformers/__init__.py ]]; then
  echo "transformers peer: skipped (not built: benchmarks/peers/build_peer.sh transformers TRANSFORMERS_GIT_DIR HUB_GIT_DIR)"
  transformers_site=
fi
echo "cpu flags: $(grep -o -w -E 'avx2|avx512f|avx512_bf16|avx512_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for _ in $(seq "${ROUNDS:-2}"); do
  for threads in 1 2; do peer_round "$threads"; done
done
[[ "${ALMKIT_PEER_ONLY:-0}" == 1 ]] && exit 0

printf "%-11s %-9s %-8s %-6s %6s %9s %8s %12s  %s\n" model mode threads batch items seconds \
  items/s "cpu s/item" "load average"
for mode in loglik generate; do
  for threads in 1 2; do
    for batch in 1 2; do
      run small "$model" "$mode" "$threads" "$batch" "$limit" 16
    done
  done
done

[[ "${ALMKIT_SKIP_7B:-0}" == 1 ]] && exit 0
if [[ ! -f "$big_model/config.json" ]]; then
  free_gb=$(df -BG --output=avail "$repo" | tail -1 | tr -dc 0-9)
  if ((free_gb < 25)); then
    echo "7B: skipped ($free_gb GB free, 25 GB needed for the ~16 GB checkpoint)"
    exit 0
  fi
  mkdir -p "$(dirname "$big_model")"
  "$almkit" init-model --arch qwen2_audio --size 7b --dtype BF16 \
    --tokenizer "$repo/.cache/tokenizers/qwen3" -o "$big_model.partial" >/dev/null
  mv "$big_model.partial" "$big_model"
fi
for mode in loglik generate; do
  # bfloat16: float32 copies of 8.4 B parameters (34 GB) do not fit a 23 GB machine.
  run 7b-bf16 "$big_model" "$mode" 2 1 "$big_limit" 4 bfloat16
done
