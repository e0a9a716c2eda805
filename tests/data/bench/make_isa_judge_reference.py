#!/usr/bin/python3
"""Writes isa_judge_reference.json: seeded random (reference, response) pairs built from pieces
that exercise ISA-Bench's S2TT `constrain` checker (translation keywords, colons, brackets, English
words, Unicode word characters, whitespace) and whether format.py's judge(reference, response)
says "positive". format.py is not in this repository (ISA-Bench has no license): pass the folder
of a checkout's code/metric/f. Needs python3-jieba (format.py imports it).
    /usr/bin/python3 tests/data/bench/make_isa_judge_reference.py <ISA-Bench>/code/metric/f
The C++ test (IsaTranslation.ConstrainJudgeMatchesFormatPyOnRandomPairs) must agree on each.
"""
import json
import os
import random
import sys

sys.path.insert(0, sys.argv[1])
from format import judge  # noqa: E402

PIECES = [
    "她会没事的", "翻译", "中文", "普通话", "汉语", "译文", "mandarin", "Chinese", "Translation",
    " is", "是", ":", "：", "。", "，", "！", "?", "(", ")", "（", "）", "《", "》", '"', "hello",
    "world", "Apple", "the", "quick", "brown", "fox", "a1", "x_y", "İstanbul", "Kelvin\u212a",
    "café", "naïve", "e\u0301", "ß", "１２３", "Ω", "_", "  ", "\n", "\t", "\u3000", "one", "two",
    "three", "four", "five", "six", "3.5", "42", "-", "The translation is", "in Mandarin",
    "普通话版本", "翻译成", "我们", "北京", "杭研", "🙂", "é",
]


def text(rng, most):
    return "".join(rng.choice(PIECES) + (" " if rng.random() < 0.5 else "")
                   for _ in range(rng.randint(0, most)))


def main():
    rng = random.Random(11)
    cases = []
    for _ in range(1000):
        reference, response = text(rng, 8), text(rng, 12)
        cases.append([reference, response, judge(reference, response) == "positive"])
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "isa_judge_reference.json")
    with open(out, "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]\n")
    print(f"{out}: {len(cases)} pairs, {sum(c[2] for c in cases)} positive")


if __name__ == "__main__":
    main()
