#!/usr/bin/python3
"""Writes muse_protocol_recorded.json: the chats the official Qwen2.5-Omni runners of
MUSE_music_benchmark build, for the five sequences MuseProtocol.LastCallEqualsTheRecordedRunnerChat
checks (tests/bench/runner/muse_protocol_test.cpp).

Each runner (Qwen2.5-Omni/<task>_Qwen2.5-Omni_runner.py of a checkout of
github.com/brandoncarone/MUSE_music_benchmark; commit a9e4acd was used) is imported with stand-ins
for torch, transformers and librosa, its model call `qwen_generate_text` replaced by a recorder
that answers "A. reply N" to the N-th call, and its own run_once(mode, group, seed) is run in the
checkout: everything else (instructions, few-shot turns, confirmation, shuffling with Python's
random, history windows) is the runner's code. The messages of the last call are written with
audio parts as the clip paths the runner loaded (relative to the checkout).

Usage: /usr/bin/python3 tests/data/bench/make_muse_protocol_recorded.py /path/to/MUSE_music_benchmark"""
import contextlib
import copy
import importlib.util
import io
import json
import os
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
SEQUENCES = [("oddballs", "oddballs", "SYSINST", "GroupB", 2), ("meter_identification", "meterID", "COT", "GroupA", 3),
             ("transposition", "transposition", "COT", "GroupB", 1), ("key_modulation", "keymod", "SYSINST", "GroupB", 3),
             ("syncopation", "syncopation", "COT", "GroupB", 2)]
NOTE = ("The chats the official Qwen2.5-Omni runners of MUSE_music_benchmark build (their model call replaced by a "
        "recorder answering 'A. reply N' for the N-th call): the messages of the last call of a sequence, clip paths "
        "relative to the checkout.")


class Clip(str):
    """What the stand-in librosa.load returns: the path, so a recorded audio part names its file."""


def install_stand_ins():
    class Model(types.SimpleNamespace):
        def eval(self):
            return self

    torch = types.ModuleType("torch")
    torch.manual_seed = lambda seed: None
    torch.float16 = "float16"
    torch.cuda = types.SimpleNamespace(is_available=lambda: False, device_count=lambda: 0,
                                       manual_seed_all=lambda seed: None, empty_cache=lambda: None)
    torch.backends = types.SimpleNamespace(cudnn=types.SimpleNamespace())
    torch.no_grad = contextlib.nullcontext
    torch.inference_mode = contextlib.nullcontext
    transformers = types.ModuleType("transformers")
    processor = types.SimpleNamespace(feature_extractor=types.SimpleNamespace(sampling_rate=16000))
    transformers.Qwen2_5OmniProcessor = types.SimpleNamespace(from_pretrained=lambda *a, **k: processor)
    transformers.Qwen2_5OmniForConditionalGeneration = types.SimpleNamespace(from_pretrained=lambda *a, **k: Model())
    transformers.GenerationConfig = lambda **kwargs: types.SimpleNamespace(**kwargs)
    librosa = types.ModuleType("librosa")
    librosa.load = lambda path, sr=None, mono=True: (Clip(path), sr)
    librosa.effects = types.SimpleNamespace(trim=lambda y, top_db=None: (y, None))
    sys.modules.update(torch=torch, transformers=transformers, librosa=librosa)


def as_parts(message):
    parts = []
    for item in message["content"]:
        if item.get("type") == "text":
            parts.append({"text": item["text"]})
        elif item.get("type") == "audio":
            parts.append({"clip": str(item["audio"])})
        else:
            raise ValueError(f"unexpected part {item}")
    return {"role": message["role"], "parts": parts}


def record(checkout, runner, mode, group, seed):
    path = os.path.join(checkout, "Qwen2.5-Omni", f"{runner}_Qwen2.5-Omni_runner.py")
    spec = importlib.util.spec_from_file_location(f"muse_{runner}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []

    def recorder(*, messages, **kwargs):
        calls.append(copy.deepcopy(messages))
        return f"A. reply {len(calls)}"

    module.qwen_generate_text = recorder
    with tempfile.TemporaryDirectory() as logs, contextlib.redirect_stdout(io.StringIO()):
        module.run_once(mode=mode, group=group, seed=seed, log_filename=os.path.join(logs, "run.log"))
    return [as_parts(m) for m in calls[-1]]


def main():
    checkout = os.path.abspath(sys.argv[1])
    install_stand_ins()
    cases = []
    previous = os.getcwd()
    os.chdir(checkout)  # the runners name clips relative to the checkout (stimuli/...)
    try:
        for task, runner, mode, group, seed in SEQUENCES:
            cases.append({"task": task, "mode": mode, "group": group, "seed": seed,
                          "last_call": record(checkout, runner, mode, group, seed)})
    finally:
        os.chdir(previous)
    with open(os.path.join(HERE, "muse_protocol_recorded.json"), "w", encoding="utf-8") as f:
        json.dump({"note": NOTE, "cases": cases}, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
