#!/usr/bin/env python3
"""scripts/punkt_pickle_to_tab.py: a punkt model pickled by nltk (made-up parameters, those of
tests/data/benchmarks/voicebench/punkt_params/) comes out as exactly those four files, and a
pickle that would call anything else is refused without running it. Needs python3-nltk.
Prints the plain 'N passed, N failed' line."""
import os
import pickle
import subprocess
import sys
import tempfile

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PARAMS = os.path.join(ROOT, "tests", "data", "benchmarks", "voicebench", "punkt_params")
SCRIPT = os.path.join(ROOT, "scripts", "punkt_pickle_to_tab.py")


def read(name):
    with open(os.path.join(PARAMS, name), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


BOOM = os.path.join(tempfile.gettempdir(), "punkt_boom")


class Boom:
    def __reduce__(self):
        return (os.system, ("echo should-not-run > " + BOOM,))


def main():
    passed = failed = 0
    params = PunktParameters()
    params.abbrev_types = set(read("abbrev_types.txt"))
    params.sent_starters = set(read("sent_starters.txt"))
    params.collocations = {tuple(line.split("\t")) for line in read("collocations.tab")}
    for line in read("ortho_context.tab"):
        typ, flags = line.split("\t")
        params.ortho_context[typ] = int(flags)
    tokenizer = PunktSentenceTokenizer()
    tokenizer._params = params
    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(work, "english.pickle")
        with open(model, "wb") as f:
            pickle.dump(tokenizer, f, protocol=3)
        out = os.path.join(work, "tab")
        subprocess.run([sys.executable, SCRIPT, model, out], check=True, capture_output=True)
        for name in sorted(os.listdir(PARAMS)):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                got = [line.rstrip("\n") for line in f]
            if got == read(name):
                passed += 1
            else:
                failed += 1
                print("FAILED %s: %r != %r" % (name, got, read(name)))
        evil = os.path.join(work, "evil.pickle")
        with open(evil, "wb") as f:
            pickle.dump(Boom(), f)
        result = subprocess.run([sys.executable, SCRIPT, evil, out], capture_output=True, text=True)
        if result.returncode != 0 and "refusing to build posix.system" in result.stderr \
                and not os.path.exists(BOOM):
            passed += 1
        else:
            failed += 1
            print("FAILED: a pickle calling os.system was not refused:", result.stderr)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
