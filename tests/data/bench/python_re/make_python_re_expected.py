#!/usr/bin/python3
"""Writes python_re_expected.json: what Python's own `re` finds (re.findall of the whole match)
for each pattern and subject below, the cases almkit's python_regex must translate to PCRE2 with
Python's meaning: `\\s \\S \\d \\D \\w \\W \\b \\B` outside and inside character classes (negated
escapes inside a class, plain and negated classes), '[' and ']' as literals in classes, Unicode
letters, digits and spaces.

Usage: /usr/bin/python3 tests/data/bench/python_re/make_python_re_expected.py
Read by tests/bench/python_re_test.cpp."""
import json
import os
import re
import warnings

PATTERNS = [
    r"\w+", r"\W+", r"\s+", r"\S+", r"\d+", r"\D+", r"\b\w", r"\B\w",
    r"[\w']+", r"[^\w\s]", r"[\W]+", r"[\W\d]+", r"[^\W\d]+", r"[^\W_]+", r"[\S]+",
    r"[a\S]", r"[^\S\n]+", r"[\D]+", r"[^\D]+", r"[x\W\s]+", r"[^\s\W]+", r"[]a]+", r"[^]a]+",
    r"[[:]+", r"[\b]", r"[-\d]+", r"[\d-]+", r"[^\d.]+", r"[a-c\W]+",
]
SUBJECTS = [
    "Hello, world! It's 42 o'clock_now.",
    "caf\u00e9 na\u0131ve \u0661\u0662\u0663 \u00bd x\u00b2 \u4e2d\u6587\u5b57",
    "tab\there\u00a0nbsp\u3000ideo\x1cfs\x85nel\nnew]line[:]",
    "a]b]]a^c [x] \b- 3-4 3.14 --",
    "e\u0301t\u00e9 \U0001d7d8 \u2160 \u0e51\u0e52",
]


def main():
    # "[[:]" is a literal class in Python (it warns of a possible future nested set).
    warnings.simplefilter("ignore", FutureWarning)
    cases = []
    for pattern in PATTERNS:
        regex = re.compile(pattern)
        for subject in SUBJECTS:
            cases.append({"pattern": pattern, "subject": subject,
                          "matches": [m.group(0) for m in regex.finditer(subject)]})
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python_re_expected.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
