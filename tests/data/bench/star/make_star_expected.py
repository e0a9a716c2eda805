#!/usr/bin/python3
"""Writes expected.json: STAR-Bench's parse of each response in parse_cases.json and the
performance.json its evaluation writes for infer_results.jsonl, in both forms (reasoning tasks:
AA / ACR over all runs; perception tasks: macro means over sub-categories' two-decimal figures).

Follows ALMEval_code/datasets/starbench.py of github.com/InternLM/StarBench at commit 2ad4b96
(MCQBaseDataset.parse_multi_choice_response, _calculate_metrics, evaluate;
PerceptionDataset.evaluate) and run.py's `json.dump(performance, indent=4, ensure_ascii=False)`,
with Python's own `re` (the upstream engine) and pandas' groupby order (sorted keys) written out,
since pandas is not installed here. The row-count assertions of evaluate() are left out (they
need the whole dataset).

Usage: /usr/bin/python3 tests/data/bench/star/make_star_expected.py
Read by tests/bench/star_scoring_test.cpp."""
import json
import os
import re
import string

HERE = os.path.dirname(os.path.abspath(__file__))


def parse(response, options):
    letters = "".join(string.ascii_uppercase[i] for i in range(len(options)))
    bracketed = r"[\(\<\[\{]\s*([" + letters + r"])\s*[\)\]\>\}]"
    bare = r"\b([" + letters + r"])\b"
    keyword = re.compile(r"(?i)(?:answer|<answer>|solution|choice|option|correct option is|answer is|答案是|选项是)"
                         r"\s*[:：]*\s*(?:" + bracketed + "|" + bare + ")")
    found = []  # (letter, position, rank): sorted by (rank, position), the last one wins (stable)
    for match in keyword.finditer(response):
        if match.group(2):
            found.append((match.group(2), match.start(), 0))
        if match.group(1):
            found.append((match.group(1), match.start(), 1))
    if found:
        return "<" + sorted(found, key=lambda m: (m[2], m[1]))[-1][0] + ">"
    for match in re.finditer(bracketed + "|" + bare, response):
        if match.group(1):
            found.append((match.group(1), match.start(), 2))
        if match.group(2):
            found.append((match.group(2), match.start(), 0))
    if len(response.split()) > 2:
        for i, text in enumerate(options):
            pattern = re.compile(r"(?<![A-Za-z])" + re.escape(text) + r"(?![A-Za-z])", re.IGNORECASE)
            for match in pattern.finditer(response):
                found.append((string.ascii_uppercase[i], match.start(), 1))
    if found:
        return "<" + sorted(found, key=lambda m: (m[2], m[1]))[-1][0] + ">"
    return "Z"


def metrics(rows):
    """_calculate_metrics: AA over runs, ACR over ids whose every run is correct."""
    if not rows:
        return {"AA": "0.00%", "ACR": "0.00%", "count": 0}
    aa = sum(r["is_correct"] for r in rows) / len(rows) * 100
    ids = sorted({r["id"] for r in rows})
    acr = sum(all(r["is_correct"] for r in rows if r["id"] == i) for i in ids) / len(ids) * 100
    return {"AA": f"{aa:.2f}%", "ACR": f"{acr:.2f}%", "total_runs": len(rows), "unique_samples": len(ids)}


def groups(rows, key):
    return {str(k): [r for r in rows if r[key] == k] for k in sorted({r[key] for r in rows})}


def reasoning_performance(rows):
    return {"Total": metrics(rows),
            "By Category": {k: metrics(g) for k, g in groups(rows, "category").items()},
            "By Sub-category": {k: metrics(g) for k, g in groups(rows, "sub-category").items()}}


def perception_performance(rows):
    by_sub = {k: metrics(g) for k, g in groups(rows, "sub-category").items()}
    subs = [{"category": g[0]["category"], "AA": float(by_sub[k]["AA"][:-1]), "ACR": float(by_sub[k]["ACR"][:-1])}
            for k, g in groups(rows, "sub-category").items()]
    mean = lambda values: sum(values) / len(values)
    by_cat = {}
    for cat in sorted({s["category"] for s in subs}):
        these = [s for s in subs if s["category"] == cat]
        cat_rows = [r for r in rows if r["category"] == cat]
        by_cat[str(cat)] = {"AA": f"{mean([s['AA'] for s in these]):.2f}%",
                            "ACR": f"{mean([s['ACR'] for s in these]):.2f}%",
                            "n_subcategories": len(these), "total_runs": len(cat_rows),
                            "unique_samples": len({r['id'] for r in cat_rows})}
    total = {"AA": f"{mean([s['AA'] for s in subs]):.2f}%", "ACR": f"{mean([s['ACR'] for s in subs]):.2f}%",
             "n_subcategories": len(subs), "total_runs": len(rows), "unique_samples": len({r["id"] for r in rows})}
    return {"By Sub-category": by_sub, "By Category": by_cat, "Total": total}


def main():
    with open(os.path.join(HERE, "parse_cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    rows = []
    with open(os.path.join(HERE, "infer_results.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                row["prediction"] = parse(row["model_response"], row["options"])
                row["is_correct"] = row["prediction"] == row["answer_letter"]
                rows.append(row)
    expected = {
        "parse": [parse(c["response"], cases["options"]) for c in cases["cases"]],
        "predictions": [r["prediction"] for r in rows],
        "performance_json": json.dumps(reasoning_performance(rows), indent=4, ensure_ascii=False),
        "perception_performance_json": json.dumps(perception_performance(rows), indent=4, ensure_ascii=False),
    }
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
