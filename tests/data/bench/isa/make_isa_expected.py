#!/usr/bin/python3
"""Writes f_ser_handmade_metric.json: the F-dimension metric JSON (instruction-following rate and
accuracy per format variation, then micro "all") that ISA-Bench writes for f_ser_handmade.json,
a hand-made emotion file where every format checker has something to accept and to refuse.

Follows code/metric/f/compute_if_acc.py of github.com/bovod-sjtu/ISA-Bench at commit 9eab93d
(the same commit as ../../benchmarks/isa-bench-example): the task from `task` (emotion /
gender), the label as the first \\b(happy|sad|neutral|angry)\\b match (case-insensitive,
after stripping spaces and quotes), each variation's checker (constrain: one word that is the
label; upper / lower case: letters of one case only; prefix / suffix / wrap: the literal marks;
json: an object whose key holds a string), accuracy only for responses that followed the
instruction, percentages rounded to 2 decimals, `json.dumps(indent=2)`. Running that script on
the same file printed the same JSON (checked when this was written).

Usage: /usr/bin/python3 tests/data/bench/isa/make_isa_expected.py
Read by tests/bench/isa_scoring_test.cpp (IsaFormat.CheckersAndIfAccuracyOnHandMadeResponses)."""
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = {"SER": re.compile(r"\b(happy|sad|neutral|angry)\b", re.I), "GR": re.compile(r"\b(male|female)\b", re.I)}


def task_of(item):
    kind = (item.get("task") or "").lower()
    if "emotion_recognition" in kind:
        return "SER"
    if "gender_recognition" in kind:
        return "GR"
    text = str(item.get("text", ""))
    return "GR" if not LABELS["SER"].search(text) and LABELS["GR"].search(text) else "SER"


def label(text, task):
    if not text:
        return None
    found = LABELS[task].search(text.strip().strip("'\"").strip())
    return found.group(1).upper() if found else None


def unquote(text):
    text = text.strip()
    return text[1:-1].strip() if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def check(kind, response, meta, task):
    """(followed, the part that carries the answer)"""
    response = response or ""
    if kind == "constrain":
        word = unquote(response)
        found = None if " " in word.strip() else label(word, task)
        return (True, word) if found is not None and word.strip().upper() == found else (False, "")
    if kind in ("upper_case", "lower_case"):
        upper, lower = re.search("[A-Z]", response), re.search("[a-z]", response)
        ok = (upper and not lower) if kind == "upper_case" else (lower and not upper)
        return (True, response.strip()) if ok else (False, "")
    if kind == "prefix":
        text, mark = response.lstrip(), meta.get("prefix", "")
        return (True, text[len(mark):].lstrip()) if text.startswith(mark) else (False, "")
    if kind == "suffix":
        text, mark = response.rstrip(), meta.get("suffix", "")
        return (True, text[:len(text) - len(mark)].rstrip()) if text.endswith(mark) else (False, "")
    if kind == "wrap":
        spec = meta.get("lrt", "")
        if "|" not in spec:
            return False, ""
        left, right = spec.split("|", 1)
        text = response.strip()
        ok = text.startswith(left) and text.endswith(right)
        return (True, text[len(left):len(text) - len(right)].strip()) if ok else (False, "")
    if kind == "json":
        try:
            value = json.loads(response)
        except ValueError:
            return False, ""
        if not isinstance(value, dict):
            return False, ""
        if meta.get("key"):
            held = value.get(meta["key"])
            return (True, held.strip()) if isinstance(held, str) else (False, "")
        parts = [v.strip() for v in value.values() if isinstance(v, str)]
        return (True, " ".join(parts)) if parts else (False, "")
    return False, ""


def responses(value):
    if isinstance(value, str):
        return [(value, {})]
    if isinstance(value, list):
        return [(v.get("response", ""), v) if isinstance(v, dict) else (v, {}) for v in value
                if isinstance(v, (dict, str))]
    if isinstance(value, dict):
        return [(v, {}) for v in value.values() if isinstance(v, str)]
    return []


def metric(items):
    counts = {}  # kind -> [responses, followed, scored, correct], in first-seen order
    for item in items:
        task = task_of(item)
        gold = label(str(item.get("text", "")), task)
        for kind, value in (item.get("variation_responses") or {}).items():
            row = counts.setdefault(kind, [0, 0, 0, 0])
            for response, meta in responses(value):
                followed, body = check(kind, response, meta, task)
                row[0] += 1
                row[1] += followed
                if gold is not None:
                    row[2] += 1
                    row[3] += followed and label(body, task) == gold
    out = {k: {"ifr": round(100.0 * r[1] / r[0], 2), "acc": round(100.0 * r[3] / r[2], 2) if r[2] else 0.0}
           for k, r in counts.items()}
    total = [sum(r[i] for r in counts.values()) for i in range(4)]
    out["all"] = {"ifr": round(100.0 * total[1] / total[0], 2) if total[0] else 0.0,
                  "acc": round(100.0 * total[3] / total[2], 2) if total[2] else 0.0}
    return json.dumps(out, indent=2, ensure_ascii=False)


def main():
    with open(os.path.join(HERE, "f_ser_handmade.json"), encoding="utf-8") as f:
        items = json.load(f)
    with open(os.path.join(HERE, "f_ser_handmade_metric.json"), "w", encoding="utf-8") as f:
        f.write(metric(items) + "\n")


if __name__ == "__main__":
    main()
