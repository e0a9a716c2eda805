#!/usr/bin/python3
"""Writes the `almkit compare` fixtures (four run folders) and the figures compare must give.

The figures are computed here from their definitions, without scipy: McNemar's exact test
(statsmodels' mcnemar(exact=True): 2 * Binomial(b + c, 1/2).cdf(min(b, c)), capped at 1) with
exact integer binomials; standard errors clustered by audio clip (Miller 2024,
"Adding Error Bars to Evals": sqrt(sum over clips of (sum of residuals)^2) / n); the paired
bootstrap over clips drawn with SplitMix64 (index = next() % clips) and numpy.percentile's
linear rule; Wilson intervals. Run: /usr/bin/python3 tests/data/compare/make_compare_expected.py
"""
import json
import math
import os

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
MASK = (1 << 64) - 1
SAMPLES, SEED = 2000, 7


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def fixtures():
    """Items (id, clip, task) and each run's outcomes, from a fixed arithmetic pattern."""
    items = []
    for i in range(60):
        clip = "clips/c%02d.wav" % (i // 3 if i < 30 else i - 15)  # 10 clips of 3, then 30 single
        items.append(("item-%02d" % i, clip, "task-%s" % ("ab"[i % 2])))
    a = [((i * 7 + 3) % 10) < 7 for i in range(60)]  # ~70 %
    b = [((i * 11 + 5) % 10) < 5 for i in range(60)]  # ~50 %
    c = [((i * 13 + 1) % 10) < 6 for i in range(40)]  # only the first 40 items
    return items, {"run-a": a, "run-b": b, "run-c": c}


def write_runs(items, outcomes):
    for name, correct in outcomes.items():
        folder = os.path.join(HERE, name)
        os.makedirs(folder, exist_ok=True)
        run = {"bench": "jsonl", "model_dir": "/models/" + name, "data_hash": "d1"}
        with open(os.path.join(folder, "run.json"), "w") as f:
            json.dump(run, f, indent=2)
        with open(os.path.join(folder, "results.jsonl"), "w") as f:
            for (item_id, clip, task), ok in zip(items, correct):
                for variant in ("audio", "silence"):  # silence lines are not the headline's
                    f.write(json.dumps({"id": item_id, "presentation": 0, "variant": variant,
                                        "task": task, "audio": [clip],
                                        "correct": ok if variant == "audio" else (not ok)}) + "\n")
            # An unavailable unit (no `correct`) is not scored.
            f.write(json.dumps({"id": "item-99", "presentation": 0, "variant": "audio",
                                "task": "task-a", "audio": ["clips/x.wav"],
                                "error": "unavailable", "error_kind": "unavailable"}) + "\n")
    other = os.path.join(HERE, "run-other")  # another benchmark: its own leaderboard
    os.makedirs(other, exist_ok=True)
    with open(os.path.join(other, "run.json"), "w") as f:
        json.dump({"bench": "mmau", "model_dir": "/models/other", "data_hash": "d2"}, f, indent=2)
    with open(os.path.join(other, "results.jsonl"), "w") as f:
        for i in range(4):
            f.write(json.dumps({"id": "m%d" % i, "presentation": 0, "variant": "audio",
                                "task": "sound", "audio": ["m%d.wav" % i],
                                "correct": i != 2}) + "\n")


def wilson(k, n, z=1.959963984540054):
    if n <= 0:
        return [0.0, 1.0]
    p = k / n
    z2 = z * z
    center = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return [max(0.0, center - half), min(1.0, center + half)]


def clustered_se(values, clusters):
    n = len(values)
    mean = sum(values) / n
    sums = {}
    for v, c in zip(values, clusters):
        sums[c] = sums.get(c, 0.0) + (v - mean)
    return math.sqrt(sum(s * s for s in sums.values())) / n


def mcnemar(b, c):
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    cdf = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * cdf)


def pair(items, a, b):
    n = min(len(a), len(b))
    clusters = [items[i][1] for i in range(n)]
    diff = [float(a[i]) - float(b[i]) for i in range(n)]
    only_a = sum(1 for i in range(n) if a[i] and not b[i])
    only_b = sum(1 for i in range(n) if b[i] and not a[i])
    both = sum(1 for i in range(n) if a[i] and b[i])
    order, sizes, sums = [], {}, {}
    for i in range(n):
        c = clusters[i]
        if c not in sizes:
            order.append(c)
            sizes[c], sums[c] = 0, 0
        sizes[c] += 1
        sums[c] += int(a[i]) - int(b[i])
    rng = SplitMix64(SEED)
    draws = []
    for _ in range(SAMPLES):
        total = d = 0
        for _ in range(len(order)):
            pick = order[rng.next() % len(order)]
            total += sizes[pick]
            d += sums[pick]
        draws.append(d / total)
    mean_diff = sum(diff) / n
    return {
        "items": n, "clusters": len(order), "both_right": both, "only_a": only_a,
        "only_b": only_b, "both_wrong": n - both - only_a - only_b,
        "accuracy_a": (both + only_a) / n, "accuracy_b": (both + only_b) / n,
        "difference": (both + only_a) / n - (both + only_b) / n,
        "mcnemar_exact_p": mcnemar(only_a, only_b),
        "se_difference": math.sqrt(sum((x - mean_diff) ** 2 for x in diff)) / n,
        "se_difference_clustered": clustered_se(diff, clusters),
        "bootstrap_ci95": [float(numpy.percentile(draws, 2.5)),
                           float(numpy.percentile(draws, 97.5))],
    }


def main():
    items, outcomes = fixtures()
    write_runs(items, outcomes)
    expected = {"bootstrap": {"samples": SAMPLES, "seed": SEED}, "runs": {}, "pairs": {}}
    for name, correct in outcomes.items():
        n = len(correct)
        k = sum(correct)
        clusters = [items[i][1] for i in range(n)]
        tasks = {}
        for i in range(n):
            tasks.setdefault(items[i][2], []).append(correct[i])
        expected["runs"][name] = {
            "items": n, "correct": k, "accuracy": k / n, "ci95": wilson(k, n),
            "se_clustered": clustered_se([float(x) for x in correct], clusters),
            "by_task": {t: sum(v) / len(v) for t, v in tasks.items()},
        }
    names = list(outcomes)
    for x in range(len(names)):
        for y in range(x + 1, len(names)):
            expected["pairs"][names[x] + "|" + names[y]] = pair(items, outcomes[names[x]],
                                                                outcomes[names[y]])
    with open(os.path.join(HERE, "compare_expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
