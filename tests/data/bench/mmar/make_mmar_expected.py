#!/usr/bin/python3
"""Writes expected_printout.txt: what MMAR's scorer prints for predictions.json.

Follows code/evaluation.py of github.com/ddlBoJack/MMAR at commit 3bce090 ("fix a typo"):
items without `answer_prediction` are skipped before anything (sub-category included) is
counted; an item is correct when every word token (lower-cased `\\b\\w+\\b`, as sets) of the
answer is in the prediction and none of the tokens that only wrong choices have is; modality and
layer rows are fixed dicts printed in their order even with 0 samples, sub-categories in
first-seen order; percentages with two decimals. Running that script itself
(`python3 code/evaluation.py --input predictions.json`) prints the same text.

Usage: /usr/bin/python3 tests/data/bench/mmar/make_mmar_expected.py
Read by tests/bench/mmar_scoring_test.cpp."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ beside the data
sys.path.insert(0, os.path.dirname(HERE))
from make_mmau_expected import correct  # noqa: E402 - MMAR's string_match is MMAU's, unchanged

MODALITIES = ["sound", "music", "speech", "mix-sound-music", "mix-sound-speech", "mix-music-speech",
              "mix-sound-music-speech"]
LAYERS = ["Signal Layer", "Perception Layer", "Semantic Layer", "Cultural Layer"]


def printout(items):
    by_modality = {name: [0, 0] for name in MODALITIES}
    by_layer = {name: [0, 0] for name in LAYERS}
    by_subcategory = {}  # insertion order = first seen
    right = seen = 0
    for item in items:
        if "answer_prediction" not in item:
            continue
        rows = [by_modality[item["modality"]], by_layer[item["category"]]]
        if item.get("sub-category") is not None:
            rows.append(by_subcategory.setdefault(item["sub-category"], [0, 0]))
        hit = correct(item["answer"], item["answer_prediction"], item["choices"])
        for row in rows:
            row[0] += hit
            row[1] += 1
        right += hit
        seen += 1
    lines = []
    for title, table in (("Modality-wise", by_modality), ("Category-wise", by_layer),
                         ("Sub-category-wise", by_subcategory)):
        lines += ["*" * 30, title + " Accuracy:"]
        for name, (hits, total) in table.items():
            lines.append(f"{name} : {(hits / total * 100 if total else 0):.2f}% over {total} samples")
    lines += ["*" * 30, f"Total Accuracy: {right / seen * 100:.2f}% over {seen} samples", "*" * 30,
              "No prediction count: 0"]  # evaluation.py skips those items first: always 0
    return "\n".join(lines) + "\n"


def main():
    with open(os.path.join(HERE, "predictions.json")) as f:
        items = json.load(f)
    with open(os.path.join(HERE, "expected_printout.txt"), "w") as f:
        f.write(printout(items))


if __name__ == "__main__":
    main()
