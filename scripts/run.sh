#!/usr/bin/env bash
# The main job: sets up (idempotent), builds, and evaluates the default model on the default
# benchmark: almkit's procedural perception suite (60 items, seed 0), with the silent-audio and
# answer-order baselines, into runs/perception-default/ (report.html, report.md, summary.json,
# results.jsonl, run.json). No pretrained weights can be downloaded here, so the default model
# is a small random-weight Qwen2-Audio checkpoint with the real Qwen vocabulary
# (`almkit init-model`); its score is expected at the random baseline, and the report says so.
# Point ALMKIT_MODEL at a real checkpoint folder (e.g. Qwen2-Audio-7B-Instruct) to evaluate it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/setup.sh"
"$repo/scripts/build.sh" almkit_cli
export OMP_WAIT_POLICY=PASSIVE
almkit="${ALMKIT_BUILD_DIR:-$repo/build}/tools/almkit/almkit"
cache="$repo/.cache"
model="${ALMKIT_MODEL:-$cache/models/qwen2-audio-small-random}"
suite="${ALMKIT_DATA_DIR:-$cache/data}/perception"
out="${ALMKIT_RUN_DIR:-$repo/runs/perception-default}"
"$almkit" info

# The default model, once (written aside and moved in place, so an interrupted write is redone).
if [[ -z ${ALMKIT_MODEL:-} && ! -s $model/model.safetensors ]]; then
  mkdir -p "$(dirname "$model")"
  rm -rf "$model.partial"
  "$almkit" init-model --arch qwen2_audio --size small --tokenizer "$cache/tokenizers/qwen3" -o "$model.partial"
  mv "$model.partial" "$model"
fi

# The perception suite, on first run (deterministic from the seed).
if [[ ! -s $suite/perception.json ]]; then
  mkdir -p "$(dirname "$suite")"
  rm -rf "$suite.partial"
  "$almkit" synth --suite perception --n 60 --seed 0 -o "$suite.partial" 2>/dev/null
  mv "$suite.partial" "$suite"
fi

# Log-likelihood mode (each choice scored, the best one picked), every item asked in two orders
# of its choices plus once with silent audio: 180 model calls, a minute or two on two cores.
# Finished calls are cached in $out/cache.sqlite: a rerun (or a run after a kill) redoes nothing.
"$almkit" eval --model "$model" --bench perception --data "$suite/perception.json" --out "$out" \
  --mode loglik --permutations 2 --seed 0 --threads "${ALMKIT_THREADS:-2}"
