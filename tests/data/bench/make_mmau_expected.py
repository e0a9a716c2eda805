#!/usr/bin/env python3
"""Expected figures for tests/bench/mmau_scoring_test.cpp (MmauOfficial.*RealTestMini*).

An independent re-implementation of the MMAU rule as published in its README
(../shared/benchmarks/README.md) and of evaluation.py's printout, run once over the real
1,000 test-mini items with synthetic predictions made by the same rule as the C++ test:
item i (file order), k = i % 7:
  0 answer, 1 first wrong choice, 2 "The answer is <answer>.", 3 no model_output key,
  4 "<answer> and <wrong>", 5 "" (empty), 6 "(<letter>) <answer>".
Writes mmau_synthetic_expected.txt. Usage: make_mmau_expected.py mmau-test-mini.json
"""
import json
import re
import sys


def tokens(text):
    return set(re.findall(r"\b\w+\b", text.lower()))


def correct(answer, prediction, choices):
    p, a = tokens(prediction), tokens(answer)
    if not p:
        return False
    wrong = set()
    for c in choices:
        t = tokens(c)
        if t != a:
            wrong |= t - a
    return a <= p and not (p & wrong)


def prediction(i, item):
    a, choices = item["answer"], item["choices"]
    wrong = next(c for c in choices if c != a)
    k = i % 7
    return [a, wrong, f"The answer is {a}.", None, f"{a} and {wrong}", "",
            f"({chr(65 + choices.index(a))}) {a}"][k]


def main():
    items = json.load(open(sys.argv[1], encoding="utf-8"))
    task = {"sound": [0, 0], "music": [0, 0], "speech": [0, 0]}
    diff = {"easy": [0, 0], "hard": [0, 0], "medium": [0, 0]}
    sub = {}
    corr = total = 0
    for i, item in enumerate(items):
        p = prediction(i, item)
        if p is None:
            continue
        ok = correct(item["answer"], p, item["choices"])
        s = item.get("sub-category")
        if s is not None:
            sub.setdefault(s, [0, 0])
        for bucket in [task[item["task"]], diff[item["difficulty"]]] + ([sub[s]] if s is not None else []):
            bucket[0] += ok
            bucket[1] += 1
        corr += ok
        total += 1
    lines = []
    for title, d in [("Task-wise Accuracy:", task), ("Difficulty-wise Accuracy:", diff),
                     ("Sub-category-wise Accuracy:", sub)]:
        lines += ["*" * 30, title]
        lines += [f"{k} : {(c / n) * 100 if n else 0:.2f}% over {n} samples" for k, (c, n) in d.items()]
    lines += ["*" * 30, f"Total Accuracy: {(corr / total) * 100:.2f}% over {total} samples", "*" * 30,
              "No prediction count: 0"]
    open("mmau_synthetic_expected.txt", "w", encoding="utf-8").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
