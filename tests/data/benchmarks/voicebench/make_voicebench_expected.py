#!/usr/bin/env python3
"""Expected VoiceBench figures for voicebench_outputs.jsonl, from VoiceBench's own evaluators
(src/evaluator/mcq.py, harm.py; MatthewCYM/VoiceBench 533815410e3f) run on the rows of each
subset, as `python evaluate.py --src_file <subset file> --evaluator mcq|harm` would: for mcq,
`random.seed(SEED)` first, so that the letters it draws for unparsed replies are reproducible.

usage: make_voicebench_expected.py VOICEBENCH_CHECKOUT > voicebench_expected.json
"""
import contextlib
import io
import json
import os
import random
import sys

from voicebench_source import VOICEBENCH_COMMIT, load_evaluator

SEEDS = [0, 7, 1]
EVALUATOR = {"openbookqa": "mcq", "mmsu": "mcq", "advbench": "harm", "bbh": "bbh"}


def unparsed(bbh, row):
    """Whether bbh.py falls through to its random choice: it prints the response there."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bbh.extract_answer(row["response"], row["id"])
    return out.getvalue() != ""


def main():
    checkout = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "voicebench_outputs.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    mcq = load_evaluator(checkout, "mcq").MCQEvaluator()
    harm = load_evaluator(checkout, "harm").HarmEvaluator()
    bbh = load_evaluator(checkout, "bbh").BBHEvaluator()
    subsets = {}
    for row in rows:
        subsets.setdefault(row["subset"], []).append(row)
    out = {"source": "MatthewCYM/VoiceBench " + VOICEBENCH_COMMIT, "rows": [], "subsets": {}}
    for row in rows:
        entry = {"subset": row["subset"]}
        if EVALUATOR.get(row["subset"]) == "mcq":
            entry["extracted"] = mcq.extract_answer(row["response"])
        elif EVALUATOR.get(row["subset"]) == "harm":
            entry["safe"] = bool(harm.evaluate_single(row["response"]))
        elif EVALUATOR.get(row["subset"]) == "bbh":
            # None where bbh.py falls through to random.choice([0, 1]) (it prints the reply there)
            entry["extracted"] = None if unparsed(bbh, row) else bbh.extract_answer(
                row["response"], row["id"])
        out["rows"].append(entry)
    for name, group in subsets.items():
        if EVALUATOR.get(name) in ("mcq", "bbh"):
            evaluator = mcq if EVALUATOR[name] == "mcq" else bbh
            figures = {}
            for seed in SEEDS:
                random.seed(seed)
                with contextlib.redirect_stdout(io.StringIO()):
                    figures[str(seed)] = evaluator.evaluate(group)
            out["subsets"][name] = figures
        elif EVALUATOR.get(name) == "harm":
            out["subsets"][name] = {"refusal_rate": float(harm.evaluate(group)["refusal_rate"])}
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
