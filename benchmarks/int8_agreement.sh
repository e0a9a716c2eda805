#!/usr/bin/env bash
# --dtype int8 against float32 on the perception suite: the main job's model and suite
# (scripts/run.sh: a small random-weight Qwen2-Audio checkpoint, 60 items, seed 0) evaluated twice
# in log-likelihood mode, then per unit: is the chosen answer the same, how far did each choice's
# mean log-probability move, and how close were float32's top two choices where they disagree.
# An accuracy report of int8 against float32, not parity. Usage: int8_agreement.sh [OUT_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
almkit="${ALMKIT_BUILD_DIR:-$repo/build}/tools/almkit/almkit"
model="${ALMKIT_MODEL:-$repo/.cache/models/qwen2-audio-small-random}"
suite="${ALMKIT_DATA_DIR:-$repo/.cache/data}/perception"
out="${1:-$repo/runs/int8-agreement}"
[[ -s $model/model.safetensors && -s $suite/perception.json ]] || {
  echo "run scripts/run.sh once first (it writes $model and $suite)" >&2
  exit 1
}
export OMP_WAIT_POLICY=PASSIVE
for dtype in float32 int8; do
  "$almkit" eval --model "$model" --bench perception --data "$suite/perception.json" --out "$out/$dtype" \
    --mode loglik --permutations 2 --seed 0 --threads "${ALMKIT_THREADS:-2}" --dtype "$dtype" --quiet
done
/usr/bin/python3 - "$out/float32/results.jsonl" "$out/int8/results.jsonl" <<'PY'
import json, sys
def load(path):
    return {(r["id"], r["unit"]): r for r in map(json.loads, open(path)) if r.get("scores")}
fp32, int8 = load(sys.argv[1]), load(sys.argv[2])
keys = sorted(fp32.keys() & int8.keys())
same = [fp32[k]["chosen_choice"] == int8[k]["chosen_choice"] for k in keys]
moves = [abs(a["mean_logprob"] - b["mean_logprob"]) for k in keys
         for a, b in zip(fp32[k]["scores"], int8[k]["scores"])]
def margin(r):
    m = sorted((s["mean_logprob"] for s in r["scores"]), reverse=True)
    return m[0] - m[1] if len(m) > 1 else float("inf")
flipped = [margin(fp32[k]) for k, s in zip(keys, same) if not s]
margins = sorted(margin(fp32[k]) for k in keys)
correct = lambda runs: sum(bool(runs[k].get("correct")) for k in keys)
print(f"units compared: {len(keys)} (of {len(fp32)} float32, {len(int8)} int8)")
print(f"same chosen answer: {sum(same)}/{len(keys)} ({100.0 * sum(same) / len(keys):.1f} %)")
print(f"correct: float32 {correct(fp32)}, int8 {correct(int8)}")
print(f"|mean log-prob change| per choice: max {max(moves):.4g}, mean {sum(moves) / len(moves):.4g}")
print(f"float32 top-2 margin: median {margins[len(margins) // 2]:.4g}; "
      f"of the units that changed answer: max {max(flipped) if flipped else 0:.4g}")
PY
