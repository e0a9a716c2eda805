#!/usr/bin/env python3
"""Writes the parameters of an nltk punkt model pickle (nltk_data/tokenizers/punkt/PY3/
english.pickle, the file VoiceBench's IFEval code loads) in punkt_tab's text form, the form
almkit reads (docs/eval.md, "VoiceBench ifeval"): abbrev_types.txt, collocations.tab,
sent_starters.txt, ortho_context.tab. The pickle is read with a restricted unpickler that only
builds nltk's punkt classes and plain containers, so a tampered file cannot run code. Needs nltk.

usage: python3 scripts/punkt_pickle_to_tab.py english.pickle OUT_FOLDER
then:  ALMKIT_PUNKT_DIR=OUT_FOLDER almkit score --bench voicebench --input F.jsonl
"""
import os
import pickle
import sys

ALLOWED = {
    ("nltk.tokenize.punkt", "PunktSentenceTokenizer"), ("nltk.tokenize.punkt", "PunktParameters"),
    ("nltk.tokenize.punkt", "PunktLanguageVars"), ("nltk.tokenize.punkt", "PunktToken"),
    ("collections", "defaultdict"), ("builtins", "set"), ("builtins", "int"),
    ("builtins", "object"), ("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor"),
}


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError("%s: refusing to build %s.%s" % (sys.argv[1], module, name))
        return super().find_class(module, name)


def write_lines(path, lines):
    for line in lines:
        if "\n" in line:
            raise SystemExit("%s: an entry holds a newline: %r" % (path, line))
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1], "rb") as f:
        model = RestrictedUnpickler(f).load()
    params = getattr(model, "_params", model)
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    write_lines(os.path.join(out, "abbrev_types.txt"), sorted(params.abbrev_types))
    write_lines(os.path.join(out, "sent_starters.txt"), sorted(params.sent_starters))
    write_lines(os.path.join(out, "collocations.tab"),
                ["%s\t%s" % pair for pair in sorted(params.collocations)])
    write_lines(os.path.join(out, "ortho_context.tab"),
                ["%s\t%d" % item for item in sorted(params.ortho_context.items())])
    print("%s: %d abbreviations, %d collocations, %d sentence starters, %d orthographic contexts"
          % (out, len(params.abbrev_types), len(params.collocations), len(params.sent_starters),
             len(params.ortho_context)))


if __name__ == "__main__":
    main()
