#!/usr/bin/python3
"""Writes expected.json: MUSE's parse of each response in parse_cases.json and of each output in
outputs.jsonl, whether that is the answer, and the accuracy per task.

The parse is the official runners' own: this script reads Gemini/<task>_Gemini_runner.py of a
checkout of github.com/brandoncarone/MUSE_music_benchmark (commit a9e4acd was used), takes from
it the canonical answers, the answer patterns and parse_final_decision / parse_final_choice (by
Python's ast, without importing the runner, which needs the Gemini SDK) and calls that function:
the answer whose pattern matched last, by the end of its match, "" when none did. A trial is
correct when the parse equals the expected answer; accuracy per task is 100 * correct / scored
rounded to 2 decimals, as Gemini_Qwen_AF_logs/summarize_log_accuracies.py computes accuracy_pct.

Usage: /usr/bin/python3 tests/data/bench/muse/make_muse_expected.py /path/to/MUSE_music_benchmark
Read by tests/bench/muse_scoring_test.cpp."""
import ast
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNERS = {  # almkit's task name -> the runner file
    "instrument_identification": "instrumentID", "contour_identification": "contourID",
    "oddballs": "oddballs", "transposition": "transposition", "meter_identification": "meterID",
    "rhythm_matching": "rhythm_matching", "syncopation": "syncopation", "chord_quality": "chord_quality",
    "chord_progression_matching": "progression_matching", "key_modulation": "keymod",
}


def runner_parser(checkout, task):
    path = os.path.join(checkout, "Gemini", RUNNERS[task] + "_Gemini_runner.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    keep = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and re.search(r"_(PAT|CANON|ALT)$", t.id)
                                                for t in node.targets):
            keep.append(node)
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("parse_final_"):
            keep.append(node)
    scope = {"re": re}
    exec(compile(ast.Module(body=keep, type_ignores=[]), path, "exec"), scope)
    return next(v for k, v in scope.items() if k.startswith("parse_final_"))


def main():
    checkout = sys.argv[1]
    parsers = {task: runner_parser(checkout, task) for task in RUNNERS}
    with open(os.path.join(HERE, "parse_cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    items, per_task = [], {}
    with open(os.path.join(HERE, "outputs.jsonl"), encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            parsed = parsers[record["task"]](record["model_output"])
            items.append({"id": record["id"], "parsed": parsed, "correct": parsed == record["answer"]})
            counts = per_task.setdefault(record["task"], [0, 0])
            counts[0] += parsed == record["answer"]
            counts[1] += 1
    expected = {"parse": [parsers[c["task"]](c["response"]) for c in cases], "items": items,
                "accuracy_pct": {t: round(100.0 * c / n, 2) for t, (c, n) in per_task.items()}}
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
