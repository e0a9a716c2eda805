"""Cross-checks tests/data/tokenizer/chat_templates.json (made by @huggingface/jinja) against
Python's jinja2 configured as transformers' apply_chat_template configures it. Prints the cases
where the two disagree; exit status 1 if any do.

    python3 tests/tokenizer_reference/check_jinja2.py [--update]

--update: where @huggingface/jinja lacks a feature ("Unknown ... filter") and jinja2 renders the
case, store jinja2's output as the expected text (transformers itself renders with jinja2).
"""
import json
import sys
from pathlib import Path

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class TemplateError(Exception):
    pass


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def main():
    data = json.loads((Path(__file__).parent / "../data/tokenizer/chat_templates.json").read_text())
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    differences = 0
    update = "--update" in sys.argv
    for case in data["cases"]:
        template = env.from_string(data["templates"][case["template"]])
        try:
            got, error = template.render(**case["context"]), None
        except TemplateError as e:
            got, error = None, str(e)
        js_lacks_feature = "error" in case and case["error"].startswith("Unknown")
        if update and js_lacks_feature and error is None:
            case["expected"] = got
            case["reference"] = f"jinja2 {jinja2.__version__} (@huggingface/jinja: {case.pop('error')})"
            print(f"== {case['name']}: expected text from jinja2")
            continue
        if got != case["expected"] or (error is None) != ("error" not in case):
            differences += 1
            print(f"== {case['name']}: jinja2 differs")
            print("jinja2:", repr(got if error is None else error)[:2000])
            print("hf/js :", repr(case["expected"] if "error" not in case else case["error"])[:2000])
    print(f"{len(data['cases']) - differences}/{len(data['cases'])} cases identical in jinja2 {jinja2.__version__}")
    if update:
        path = Path(__file__).parent / "../data/tokenizer/chat_templates.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
