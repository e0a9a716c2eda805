#!/usr/bin/env python3
"""Expected MMAU-Pro scoring and MMAU-style judge behaviour, from the official code:

- sonalkum/MMAUPro evaluate_mmau_pro_comprehensive.py (960e93a415e2267e987ae242516e21030a7d45dc):
  evaluate_closedended_with_nvembed run on mmau_pro_outputs.jsonl with a stand-in for NV-Embed-v2
  (fake_embedding below; the gtest serves the same vectors from a fake /v1/embeddings server),
  the script's selection of closed rows (category not open / instruction following, choices
  with more than one entry), accuracy per category; create_evaluation_prompt for the open row and
  extract_scores_from_evaluation on made-up judge replies; evaluate_aif_sample (the
  instruction-following checkers) on made-up responses and the row of the example file;
  calculate_weighted_performance with the open row judged by the first made-up reply.
- open-compass/VLMEvalKit (e8e78f05f3080fe28154f2130321f17951c3be94): multiple_choice.py
  build_prompt with smp/vlm.py build_option_str, and matching_util.py can_infer on made-up
  answers.

The functions are taken from the sources with `ast` and run as they are; sklearn's accuracy_score
(not installed here) is replaced by the fraction of equal labels, which is what it computes.

usage: make_mmau_pro_expected.py MMAUPRO_CHECKOUT VLMEVALKIT_CHECKOUT > mmau_pro_expected.json
(each a work tree or a bare git directory; run with a Python that has numpy and torch)
"""
import ast
import copy
import json
import os
import re
import string
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))

JUDGE_REPLIES = [
    "CORRECTNESS: 4 - good\nRELEVANCE: 5 - on topic\nCOMPLETENESS: 3 - misses the roof\n"
    "CLARITY: 5 - clear\nOVERALL: 4.25 - fine",
    "correctness: 2 - wrong\nrelevance:3\ncompleteness: 1\nclarity: 4\noverall: 3 - average",
    "CORRECTNESS: 5\nRELEVANCE: 4\nOVERALL: 4.5",
    "The answer is acceptable.",
    "CORRECTNESS:   3 - ok\nRELEVANCE: 3\nCOMPLETENESS: 3\nCLARITY: 3\nOVERALL: 3.0",
    "CORRECTNESS: 10 - out of range\nRELEVANCE: 1\nCOMPLETENESS: 1\nCLARITY: 1\nOVERALL: 2.",
]

# (response, task_identifier, kwargs, question) for evaluate_aif_sample; sentence counts are left
# out (nltk's Punkt, which almkit reports as undecided).
AIF_CASES = [
    ("Rain, thunder and WIND.", "Include Keywords", {"keywords": "rain, wind"}, ""),
    ("Rain and thunder.", "Include Keywords", {"keywords": "rain, wind"}, ""),
    ("Anything", "Include Keywords", {}, ""),
    ("The cat sat. The cat ran; cats!", "Keyword Frequency", {"keyword": "cat", "N": 2}, ""),
    ("The cat sat. The cat ran; cats!", "Keyword Frequency", {"keyword": "cat", "N": 3}, ""),
    ("A.B a.b ab", "Keyword Frequency", {"keyword": "a.b", "N": 2}, ""),
    ("No bad words here", "Forbidden Words", {"forbidden_words": "evil, ugly"}, ""),
    ("An Ugly duckling", "Forbidden Words", {"forbidden_words": "evil, ugly"}, ""),
    ("one *** two ***   *** three", "Number Paragraphs", {"N": 3}, ""),
    ("one *** two", "Number Paragraphs", {"N": 3}, ""),
    ("one two  three\nfour", "Number Words (at least)", {"N": 4}, ""),
    ("one two three four five", "Number Words (at most)", {"N": 4}, ""),
    ("one two three", "Number Words (range)", {"N1": 2, "N2": 3}, ""),
    ("one", "Number Words (range)", {"N1": 2}, ""),
    ("Thanks. P.S. see you", "Postscript", {"postscript_marker": "P.S."}, ""),
    ("Thanks, see you", "Postscript", {"postscript_marker": "P.P.S"}, ""),
    ("Go to [address] on [date] or []", "Number Placeholder", {"N": 2}, ""),
    ("* one\n*two\n  * three\n*   four", "Number Bullets", {"N": 3}, ""),
    ("* one\n* two", "Number Bullets", {"N": 3}, ""),
    ("<<A Title>> body", "Title", {}, ""),
    ("<<>> body", "Title", {}, ""),
    ("*one* and *two* and **", "Minimum Number Highlighted Section", {"N": 2}, ""),
    ("SECTION 1 intro SECTION 2 body", "Multiple Sections", {"N": 3, "section_splitter": "SECTION"}, ""),
    ("Part 1. a\nPart 2. b", "Multiple Sections", {"N": 2, "section_splitter": "Part"}, ""),
    ("  what is the capital of france? Paris.", "Repeat Prompt", {},
     "What is the capital of France?"),
    ("Paris.", "Repeat Prompt", {}, "What is the capital of France?"),
    ("First answer ****** Second answer", "Two Responses", {}, ""),
    ("Same ****** same ", "Two Responses", {}, ""),
    ("HELLO, WORLD 42!", "All Uppercase", {}, ""),
    ("HELLO, World", "All Uppercase", {}, ""),
    ("hello, world 42", "All Lowercase", {}, ""),
    ("1234", "All Lowercase", {}, ""),
    ("THE BIG dog IS HERE", "All-capital Words (at least)", {"N": 3}, ""),
    ("THE BIG dog IS HERE", "All-capital Words (at most)", {"N": 3}, ""),
    ("THE BIG dog", "All-capital Words (range)", {"N1": 1, "N2": 2}, ""),
    ("Well, hello there!", "Start Checker", {"start_phrase": "well hello"}, ""),
    ("Hello there", "Start Checker", {"start_phrase": "well"}, ""),
    ("That is all, folks!", "End Checker", {"end_phrase": "all folks"}, ""),
    ('  "quoted answer"  ', "Quotation", {}, ""),
    ('"', "Quotation", {}, ""),
    ("no quotes", "Quotation", {}, ""),
    ("no commas here", "No Commas", {}, ""),
    ("one, two", "No Commas", {}, ""),
    ("whatever", "Unknown Identifier", {}, ""),
    ("whatever", "No Commas", None, ""),
]

CHOICES = ["a barking dog", "a meowing cat", "a crowing rooster", "a mooing cow"]
CAN_INFER_ANSWERS = [
    ("A", CHOICES), ("(B)", CHOICES), ("The answer is C.", CHOICES),
    ("I think it is A or B.", CHOICES), ("Z", CHOICES), ("a meowing cat", CHOICES),
    ("It sounds like a meowing cat to me", CHOICES), ("A dog, B cat, C rooster, D cow", CHOICES),
    ("Cannot determine the answer", CHOICES), ("The correct answer is **D**", CHOICES),
    ("answer is d", CHOICES), ("D. a mooing cow", CHOICES), ("", CHOICES), ("Spider", CHOICES),
    ("A MEOWING CAT", CHOICES), ("B. Actually I am not sure, maybe something else entirely", CHOICES),
    ("a", ["a", "b"]), ("E", ["x", "y", "z", "w", "v"]), ("Answer: E", CHOICES),
]


def source(checkout, path):
    if os.path.exists(os.path.join(checkout, path)):
        return open(os.path.join(checkout, path), encoding="utf-8").read()
    return subprocess.run(["git", "--git-dir", checkout, "show", "HEAD:" + path], check=True,
                          capture_output=True, text=True).stdout


def definitions(text, names, env):
    """Executes the named top-level functions and assignments of a source file in env."""
    tree = ast.parse(text)
    nodes = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            nodes.append(node)
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in names for t in node.targets):
            nodes.append(node)
    exec(compile(ast.Module(body=nodes, type_ignores=[]), "<official>", "exec"), env)
    return env


def fake_embedding(text):
    """NV-Embed-v2's stand-in: a bag of words (ASCII-lower-cased, split on spaces, '.,!?' stripped
    from both ends) hashed into 97 bins by the sum of (position + 1) x byte, plus a constant 0.5."""
    vector = [0.0] * 97 + [0.5]
    for word in text.split(" "):
        raw = bytes(b + 32 if 65 <= b <= 90 else b for b in word.encode("utf-8"))
        raw = raw.strip(b".,!?")
        if raw:
            vector[sum((i + 1) * b for i, b in enumerate(raw)) % 97] += 1.0
    return vector


class FakeNvEmbed:
    def encode(self, texts, instruction="", max_length=4096):
        assert instruction == "" and max_length == 4096
        return torch.tensor([fake_embedding(t) for t in texts], dtype=torch.float32)


def main():
    mmau_pro = source(sys.argv[1], "evaluate_mmau_pro_comprehensive.py")
    env = definitions(mmau_pro, {"create_evaluation_prompt", "extract_scores_from_evaluation",
                                 "evaluate_closedended_with_nvembed"},
                      {"re": re, "np": np, "torch": torch, "F": F,
                       "tqdm": lambda iterable, **kwargs: iterable, "print": lambda *a, **k: None})
    rows = [json.loads(l) for l in open(os.path.join(HERE, "mmau_pro_outputs.jsonl"))]
    # main(): closed rows are the other categories; choices notna and len > 1; fillna("").
    closed = [r for r in rows if r["category"] not in ("open", "instruction following")
              and r["choices"] is not None and len(r["choices"]) > 1]
    predictions, confidences = env["evaluate_closedended_with_nvembed"](
        FakeNvEmbed(), [r["question"] for r in closed], [list(r["choices"]) for r in closed],
        [r["answer"] for r in closed], [r["model_output"] or "" for r in closed],
        [r["category"] for r in closed])
    items = []
    for r, matched, confidence in zip(closed, predictions, confidences):
        output = r["model_output"] or ""
        scores = sorted((np.dot(fake_embedding(output), fake_embedding(c)) /
                         np.linalg.norm(fake_embedding(output)) / np.linalg.norm(fake_embedding(c))
                         for c in r["choices"]), reverse=True)
        assert scores[0] - scores[1] > 1e-3, ("near tie: float32 vs float64 may differ", r["id"])
        if output in r["choices"]:  # almkit's "identical" decision must be the official one
            assert matched == output
        items.append({"id": r["id"], "matched": matched, "confidence": round(confidence, 4),
                      "correct": matched == r["answer"],
                      "identical": output in r["choices"]})
    categories = {}
    for item, r in zip(items, closed):
        cell = categories.setdefault(r["category"], {"count": 0, "correct": 0})
        cell["count"] += 1
        cell["correct"] += item["correct"]
    for cell in categories.values():
        cell["accuracy"] = cell["correct"] / cell["count"]  # accuracy_score
    open_row = next(r for r in rows if r["category"] == "open")
    judge = {
        "prompt": env["create_evaluation_prompt"](open_row["question"], open_row["answer"],
                                                  open_row["model_output"], "open"),
        "replies": [{"reply": reply,
                     "scores": {k: float(v) for k, v in
                                env["extract_scores_from_evaluation"](reply).items()}}
                    for reply in JUDGE_REPLIES],
    }

    vlmevalkit = sys.argv[2]
    logger = type("Logger", (), {"info": lambda *a: None, "warning": lambda *a: None})()
    kit = definitions(source(vlmevalkit, "vlmeval/utils/matching_util.py"),
                      {"_VERBOSE_ANSWER_RE", "can_infer_option", "can_infer_text", "can_infer"},
                      {"os": os, "cp": copy, "re": re, "string": string, "logger": logger})
    kit_prompt = definitions(source(vlmevalkit, "vlmeval/dataset/utils/multiple_choice.py"),
                             {"build_prompt"}, {})
    vlm = definitions(source(vlmevalkit, "vlmeval/smp/vlm.py"), {"build_option_str"},
                      {"pd": type("pd", (), {"isna": staticmethod(lambda x: x is None)})})
    lettered = lambda choices: {string.ascii_uppercase[i]: c for i, c in enumerate(choices)}
    mmau_row = next(r for r in rows if r["id"] == "mp-002")
    option_judge = {
        "option_text": vlm["build_option_str"](lettered(mmau_row["choices"])),
        "prompt": kit_prompt["build_prompt"](mmau_row["question"],
                                             vlm["build_option_str"](lettered(mmau_row["choices"])),
                                             mmau_row["model_output"]),
        "can_infer": [{"answer": a, "choices": c, "option": kit["can_infer"](a, lettered(c)) or ""}
                      for a, c in CAN_INFER_ANSWERS],
    }
    aif_env = definitions(mmau_pro, {
        "count_words", "count_paragraphs", "count_bullet_points", "count_highlighted_sections",
        "count_placeholders", "count_capital_words", "count_keyword_frequency", "has_title",
        "has_postscript", "starts_with_phrase", "ends_with_phrase", "is_wrapped_in_quotes",
        "has_no_commas", "check_sections", "evaluate_aif_sample"}, {"re": re})
    aif = [{"response": response, "task_identifier": task, "kwargs": kwargs, "question": question,
            "followed": aif_env["evaluate_aif_sample"](response, {
                "task_identifier": task, "kwargs": kwargs, "prompt_transcription": question})}
           for response, task, kwargs, question in AIF_CASES]
    aif_row = next(r for r in rows if r["category"] == "instruction following")
    aif_row_followed = aif_env["evaluate_aif_sample"](str(aif_row["model_output"]), {
        "task_identifier": aif_row["task_identifier"], "kwargs": aif_row["kwargs"],
        "prompt_transcription": aif_row["question"]})
    # calculate_weighted_performance with the open row judged by JUDGE_REPLIES[0].
    weighted_env = definitions(mmau_pro, {"calculate_weighted_performance"}, {})
    category_results = {c: {"type": "closed", "count": cell["count"],
                            "metrics": {"accuracy": cell["accuracy"]}}
                        for c, cell in categories.items()}
    open_overall = judge["replies"][0]["scores"]["overall"]
    category_results["open"] = {"type": "openended", "count": 1,
                                "metrics": {"avg_overall": open_overall}}
    category_results["instruction following"] = {"type": "aif", "count": 1,
                                                 "success_rate": float(aif_row_followed)}
    overall, _ = weighted_env["calculate_weighted_performance"](category_results)
    json.dump({"source": {"mmau_pro": "sonalkum/MMAUPro 960e93a415e2267e987ae242516e21030a7d45dc",
                          "vlmevalkit": "open-compass/VLMEvalKit e8e78f05f3080fe28154f2130321f17951c3be94"},
               "closed_items": items, "closed_categories": categories,
               "open_judge": judge, "option_judge": option_judge, "aif_cases": aif,
               "aif_row": {"id": aif_row["id"], "followed": aif_row_followed},
               "weighted": {"open_overall": open_overall, "overall": overall}},
              sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
