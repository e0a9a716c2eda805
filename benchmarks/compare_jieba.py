#!/usr/bin/python3
"""python3-jieba's jieba.cut throughput (characters/s, one thread) on the texts of
tests/data/bench/jieba_reference.json, the same texts build/benchmarks/almkit_bench_jieba cuts;
prints both and the ratio.
    /usr/bin/python3 benchmarks/compare_jieba.py
"""
import json
import logging
import os
import subprocess
import time

import jieba

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
jieba.setLogLevel(logging.WARNING)
with open(os.path.join(repo, "tests/data/bench/jieba_reference.json"), encoding="utf-8") as f:
    texts = [case["text"] for case in json.load(f)["cases"]]
chars = sum(len(t) for t in texts)
jieba.initialize()
rounds, start = 0, time.perf_counter()
while time.perf_counter() - start < 3.0:
    for t in texts:
        list(jieba.cut(t))
    rounds += 1
python_rate = chars * rounds / (time.perf_counter() - start)

binary = os.path.join(os.environ.get("ALMKIT_BUILD_DIR", os.path.join(repo, "build")),
                      "benchmarks/almkit_bench_jieba")
out = subprocess.run([binary, "--benchmark_filter=BM_JiebaCut", "--benchmark_format=json"],
                     check=True, capture_output=True, text=True).stdout
almkit_rate = json.loads(out)["benchmarks"][0]["chars/s"]
print(f"{chars} characters in {len(texts)} texts")
print(f"python3-jieba {jieba.__version__}: {python_rate / 1e6:.3f} M chars/s")
print(f"almkit:        {almkit_rate / 1e6:.3f} M chars/s  ({almkit_rate / python_rate:.1f}x)")
