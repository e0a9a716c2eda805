#!/usr/bin/env python3
"""Expected MMSU printout: runs MMSU's own mmsu_evaluation.py (dingdongwang/MMSU
217d1d3f5ad59203ed16f44c0fd913f4f8add2b4, a work tree or a bare git directory) on
mmsu_outputs.jsonl (the layout mmsu_inference.py writes) and keeps its printout (the
"Wrong format response" lines dropped) in mmsu_expected.json.

usage: make_mmsu_expected.py MMSU_CHECKOUT > mmsu_expected.json
"""
import contextlib
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def source(checkout, path):
    if os.path.exists(os.path.join(checkout, path)):
        return open(os.path.join(checkout, path), encoding="utf-8").read()
    return subprocess.run(["git", "--git-dir", checkout, "show", "HEAD:" + path], check=True,
                          capture_output=True, text=True).stdout


def main():
    text = source(sys.argv[1], "mmsu_evaluation.py")
    sys.argv = ["mmsu_evaluation.py", os.path.join(HERE, "mmsu_outputs.jsonl")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(text, "mmsu_evaluation.py", "exec"), {"__name__": "__main__"})
    kept = "".join(l for l in out.getvalue().splitlines(True)
                   if not l.startswith("Wrong format response"))
    json.dump({"source": "dingdongwang/MMSU 217d1d3f5ad59203ed16f44c0fd913f4f8add2b4",
               "printout": kept}, sys.__stdout__, indent=1, ensure_ascii=False)
    sys.__stdout__.write("\n")


if __name__ == "__main__":
    main()
