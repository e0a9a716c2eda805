"""Reads VoiceBench's evaluator modules (MatthewCYM/VoiceBench, a work tree or a bare git
directory) without installing its requirements: mcq.py and harm.py only need `.base.Evaluator`."""
import os
import subprocess
import types

VOICEBENCH_COMMIT = "533815410e3f4d602bd15a1de7105aea4acd828c"


def read_source(checkout, path):
    if os.path.exists(os.path.join(checkout, path)):
        with open(os.path.join(checkout, path), encoding="utf-8") as f:
            return f.read()
    return subprocess.run(["git", "--git-dir", checkout, "show", "HEAD:" + path],
                          check=True, capture_output=True, text=True).stdout


def load_evaluator(checkout, module):
    """The evaluator module's namespace, with its relative import of the base class resolved."""
    text = read_source(checkout, "src/evaluator/%s.py" % module)
    text = text.replace("from .base import Evaluator", "class Evaluator:\n    pass")
    namespace = types.ModuleType("voicebench_" + module)
    exec(compile(text, "src/evaluator/%s.py" % module, "exec"), namespace.__dict__)
    return namespace
