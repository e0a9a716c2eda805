"""Study 2, steering sweep: how does adding alpha x a steering vector change a model's answers
on a benchmark?

    ALMKIT_CLI=build/tools/almkit/almkit python3 steering_sweep.py MODEL_DIR [OUT_DIR] [ALPHAS]

Builds a vector with `almkit steer build` (mean difference of layer 1's last-position output
between "answer confidently" and "answer hesitantly" prompts: contrastive activation addition),
writes a small procedural perception benchmark (`almkit synth`), then runs `almkit eval --steer
VEC --alpha A` for each alpha (default 0,8) and prints accuracy and how many answers moved
against the unsteered run. Each steered run is cached apart from the plain one (the vector's hash
and alpha are in the cache key and run.json). On a real model, replace the prompt sets with your
behaviour's contrast (e.g. "no" to sounds that are absent, against hallucination).
"""
import json
import os
import sys

from study_common import run, work_dir

POSITIVE = ["Answer confidently: what do you hear?", "I am certain about this sound."]
NEGATIVE = ["Answer hesitantly: what do you hear?", "I am not sure about this sound."]


def chosen(run_dir):
    """item id -> the choice the run picked (its first presentation)."""
    picks = {}
    with open(os.path.join(run_dir, "results.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            if record.get("variant", "audio") == "audio" and record["id"] not in picks:
                picks[record["id"]] = record["chosen_choice"]
    return picks


def evaluate(model, data, out, *steer):
    run("eval", "--model", model, "--bench", "perception", "--data", data, "--mode", "loglik",
        "--no-silent-baseline", "--quiet", "--out", out, *steer)
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)["accuracy"]["accuracy"], chosen(out)


def main(model, out_dir=None, alphas="0,8"):
    with work_dir(out_dir, "steering-sweep-") as out_dir:
        return sweep(model, out_dir, alphas)


def sweep(model, out_dir, alphas):
    for name, prompts in (("positive", POSITIVE), ("negative", NEGATIVE)):
        with open(os.path.join(out_dir, name + ".jsonl"), "w") as f:
            f.writelines(json.dumps({"prompt": p}) + "\n" for p in prompts)
    vector = os.path.join(out_dir, "vector.safetensors")
    run("steer", "build", "--model", model, "--positive", os.path.join(out_dir, "positive.jsonl"),
        "--negative", os.path.join(out_dir, "negative.jsonl"), "--layer", "1", "-o", vector)
    run("synth", "--n", "4", "--seed", "3", "--quiet", "-o", os.path.join(out_dir, "suite"))
    data = os.path.join(out_dir, "suite", "perception.json")
    base_accuracy, base = evaluate(model, data, os.path.join(out_dir, "plain"))
    print(f"plain      accuracy {base_accuracy:.3f}")
    results = {}
    for alpha in [float(a) for a in alphas.split(",")]:
        accuracy, picks = evaluate(model, data, os.path.join(out_dir, f"alpha_{alpha:g}"),
                                   "--steer", vector, "--alpha", alpha)
        moved = sum(picks[i] != base[i] for i in base)
        print(f"alpha {alpha:5g} accuracy {accuracy:.3f}, {moved} of {len(base)} answers moved")
        if alpha == 0 and (moved or accuracy != base_accuracy):
            sys.exit("alpha 0 must leave every answer as the plain run has it")
        results[alpha] = (accuracy, moved)
    return results


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(*sys.argv[1:4])
