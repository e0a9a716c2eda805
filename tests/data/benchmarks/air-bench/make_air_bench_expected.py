#!/usr/bin/env python3
"""Expected AIR-Bench figures: runs AIR-Bench's own score_foundation.py and cal_score.py
(OFA-Sys/AIR-Bench 983247666e2a, a work tree or a bare git directory) on the example files here,
in a scratch folder (the scripts read fixed file names from the current directory), and writes
their printouts (the per-failure lines dropped) as air_bench_expected.json.

usage: make_air_bench_expected.py AIR_BENCH_CHECKOUT > air_bench_expected.json
"""
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile


def source(checkout, path):
    if os.path.exists(os.path.join(checkout, path)):
        return open(os.path.join(checkout, path), encoding="utf-8").read()
    return subprocess.run(["git", "--git-dir", checkout, "show", "HEAD:" + path], check=True,
                          capture_output=True, text=True).stdout


def run_script(text, folder, files, input_name=None):
    for name in files:
        shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), name), folder)
    if input_name:  # cal_score.py's input_file line names the file it reads
        text = text.replace("input_file = 'chat_score_cir.json'", "input_file = %r" % input_name)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(text, "script", "exec"), {"__name__": "__main__"})
    finally:
        os.chdir(cwd)
    return out.getvalue()


def main():
    checkout = sys.argv[1]
    folder = tempfile.mkdtemp()
    foundation = run_script(source(checkout, "score_foundation.py"), folder,
                            ["Foundation_result_modelx.jsonl"])
    kept = [l for l in foundation.splitlines(True)
            if not l.startswith(("response is", "2.Response", "1.task_name"))]
    drop_failures = lambda text: "".join(
        l for l in text.splitlines(True) if not l.startswith("gpt-4-turbo predict is"))
    chat = drop_failures(run_script(source(checkout, "cal_score.py"), folder, ["chat_score.json"],
                                    "chat_score.json"))
    cir = drop_failures(run_script(source(checkout, "cal_score.py"), folder, ["chat_score_cir.json"]))
    json.dump({"source": "OFA-Sys/AIR-Bench 983247666e2a25519b5c122810c2bcd91f26fd8d",
               "foundation_printout": "".join(kept), "chat_printout": chat,
               "chat_cir_printout": cir}, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
