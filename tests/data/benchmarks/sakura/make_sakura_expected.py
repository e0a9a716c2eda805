#!/usr/bin/env python3
"""Expected SAKURA judge behaviour, from SAKURA's own evaluation code (ckyang1124/SAKURA a1fdb146,
a work tree or a bare git directory): llm_judge.py's system prompt and user prompt (for the first
item of Animal/metadata.json and a made-up response), extract_judgement on made-up judge replies,
and calculate_acc.py's printout on example_judgements.json. Writes sakura_expected.json.

usage: make_sakura_expected.py SAKURA_CHECKOUT > sakura_expected.json
"""
import ast
import contextlib
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPLIES = [
    "Explanation: The response picks (b) cow, the ground truth.\nJudgement: correct",
    "Explanation: It names two options.\nJudgement: incorrect\n",
    "Explanation: first line\nsecond line\nJudgement: Correct\n\nExtra notes after a blank line.",
    "Judgement: correct",
    "explanation: lower case\nJudgement: correct",
    "Some preamble. Explanation: a\nJudgement:  incorrect  \n\n",
]


def source(checkout, path):
    if os.path.exists(os.path.join(checkout, path)):
        return open(os.path.join(checkout, path), encoding="utf-8").read()
    return subprocess.run(["git", "--git-dir", checkout, "show", "HEAD:" + path], check=True,
                          capture_output=True, text=True).stdout


def assigned(tree, name):
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("llm_judge.py: %s not found" % name)


def main():
    checkout = sys.argv[1]
    judge_text = source(checkout, "evaluation/llm_judge.py")
    tree = ast.parse(judge_text)
    namespace = {}
    # Its functions (extract_judgement) without its __main__ block or the openai import.
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    module = ast.Module(body=[ast.Import(names=[ast.alias(name="re")])] + functions,
                        type_ignores=[])
    exec(compile(ast.fix_missing_locations(module), "llm_judge.py", "exec"), namespace)
    template = assigned(tree, "user_prompt_template")
    with open(os.path.join(HERE, "Animal", "metadata.json"), encoding="utf-8") as f:
        first = next(iter(json.load(f).values()))
    response = "It sounds like a cow [QUESTION] to me."
    user_prompt = (template.replace("[QUESTION]", first["single_instruction"])
                   .replace("[MODEL_GENERATED_RESPONSE]", response)
                   .replace("[GROUND_TRUTH_ANSWER]", first["single_answer"]))
    extracted = [dict(reply=r, **namespace["extract_judgement"](r)) for r in REPLIES]
    out = io.StringIO()
    sys.argv = ["calculate_acc.py", "-i", os.path.join(HERE, "example_judgements.json")]
    with contextlib.redirect_stdout(out):
        exec(compile(source(checkout, "evaluation/calculate_acc.py"), "calculate_acc.py", "exec"),
             {"__name__": "__main__"})
    json.dump({"source": "ckyang1124/SAKURA a1fdb146f638fe4740c20a31ba6da868f2cb2313",
               "system_prompt": assigned(tree, "system_prompt"),
               "user_prompt_template": template,
               "example": {"question": first["single_instruction"], "response": response,
                           "reference": first["single_answer"], "user_prompt": user_prompt},
               "extract_judgement": extracted,
               "calculate_acc_printout": out.getvalue()}, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
