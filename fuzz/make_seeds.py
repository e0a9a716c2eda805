#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/<harness>/ from small real files.

Sources: the tokenizers fetched by scripts/fetch_tokenizers.sh (.cache/tokenizers; cut down to a
few hundred tokens each, keeping their normalizer / pre-tokenizer / decoder / post processor),
tests/data/tokenizer/chat_templates.json (the real chat templates and their cases), the
transformers reference configs (ALMKIT_SHARED_DIR/reference or tests/data/reference), sox for
short clips in every container libsndfile reads, and hand-written benchmark records and request
bodies. Run from the repository root: python3 fuzz/make_seeds.py
"""
import base64
import glob
import json
import os
import shutil
import struct
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(harness, name, data):
    folder = os.path.join(CORPUS, harness)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


def safetensors_bytes(tensors, metadata=None):
    header, blob = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text.encode() + blob


def safetensors_seeds():
    f32 = struct.pack("<4f", 1.0, -2.0, 0.5, 3.0)
    put("safetensors", "f32_metadata", safetensors_bytes(
        [("model.embed_tokens.weight", "F32", [2, 2], f32)], {"format": "pt"}))
    put("safetensors", "mixed_dtypes", safetensors_bytes([
        ("a.bf16", "BF16", [3], struct.pack("<3H", 0x3F80, 0xC000, 0x7F80)),
        ("b.f16", "F16", [2], struct.pack("<2H", 0x3C00, 0x7C00)),
        ("c.i64", "I64", [2], struct.pack("<2q", -1, 1 << 40)),
        ("d.u8", "U8", [4], bytes([0, 1, 254, 255])),
        ("e.empty", "F64", [0, 3], b""),
        ("f.bool", "BOOL", [], b"\x01")]))
    index = {"metadata": {"total_size": 96}, "weight_map": {
        "model.layers.0.weight": "model-00001-of-00002.safetensors",
        "model.layers.0.index": "model-00001-of-00002.safetensors",
        "model.layers.1.weight": "model-00002-of-00002.safetensors",
        "model.layers.1.index": "model-00002-of-00002.safetensors"}}
    put("safetensors_index", "two_shards.json", json.dumps(index, indent=2))
    index["weight_map"]["model.layers.1.weight"] = "model-00001-of-00002.safetensors"
    put("safetensors_index", "misplaced_tensor.json", json.dumps(index, indent=2))
    # The harness keeps a copy of shard 1 in sub/: paths must never reach it (or leave the folder).
    put("safetensors_index", "shard_in_subfolder.json", json.dumps({"weight_map": {
        "model.layers.0.weight": "sub/model-00001-of-00002.safetensors",
        "model.layers.0.index": "./sub/model-00001-of-00002.safetensors"}}, indent=2))


def reference_dir():
    for candidate in (os.path.join(ROOT, "tests", "data", "reference"),
                      os.path.join(os.environ.get("ALMKIT_SHARED_DIR", ""), "reference"),
                      os.path.join(ROOT, "..", "shared", "reference")):
        if os.path.isdir(candidate):
            return candidate
    raise SystemExit("no reference fixtures found")


def config_seeds():
    for path in sorted(glob.glob(os.path.join(reference_dir(), "*", "*", "config.json")) +
                       glob.glob(os.path.join(reference_dir(), "*", "*", "*", "preprocessor_config.json"))):
        parts = os.path.relpath(path, reference_dir()).split(os.sep)
        name = "_".join(parts[1:-1]) + ("_preprocessor" if "preprocessor" in parts[-1] else "")
        name = parts[0].replace("hf-transformers-", "") + "_" + name + ".json"
        put("config", name, open(path, "rb").read())


def tiny_tokenizer(data, keep=300):
    model = data["model"]
    if model.get("type") == "BPE":
        vocab = model["vocab"]
        kept = {token: index for token, index in vocab.items() if index < keep}
        merges = []
        for merge in model.get("merges", []):
            pair = merge.split(" ") if isinstance(merge, str) else merge
            if len(pair) == 2 and pair[0] in kept and pair[1] in kept and pair[0] + pair[1] in kept:
                merges.append(merge)
        model["vocab"], model["merges"] = kept, merges[:200]
    added = data.get("added_tokens") or []
    data["added_tokens"] = added[:12]
    for token in data["added_tokens"]:
        token["id"] = keep + data["added_tokens"].index(token)
    post = data.get("post_processor")
    if post and "special_tokens" in json.dumps(post):
        # Renumber the post processor's special tokens to the ids kept above.
        ids = {t["content"]: t["id"] for t in data["added_tokens"]}
        def fix(node):
            if isinstance(node, dict):
                if "ids" in node and "id" in node and node.get("id") in ids:
                    node["ids"] = [ids[node["id"]]]
                for value in node.values():
                    fix(value)
            elif isinstance(node, list):
                for value in node:
                    fix(value)
        fix(post)
    return json.dumps(data, ensure_ascii=False)


def tokenizer_seeds():
    text = "Hello world, it's 2024!  Ünïcödé 你好 <|endoftext|> \t\n  spaced"
    for path in sorted(glob.glob(os.path.join(ROOT, ".cache", "tokenizers", "*", "tokenizer.json"))):
        name = os.path.basename(os.path.dirname(path))
        data = json.load(open(path, encoding="utf-8"))
        put("tokenizer", name, tiny_tokenizer(data).encode() + b"\0" + text.encode())
    # A WordLevel model and a byte-level one with every part, written by hand.
    put("tokenizer", "wordlevel", json.dumps({
        "version": "1.0", "added_tokens": [{"id": 3, "content": "[SEP]", "special": True,
                                            "single_word": False, "lstrip": False, "rstrip": False,
                                            "normalized": False}],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Whitespace"}, "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "hello": 1, "world": 2}, "unk_token": "[UNK]"}
    }).encode() + b"\0hello [SEP] World unknown")


def sentencepiece_seeds():
    def varint(value):
        out = b""
        while True:
            byte = value & 0x7F
            value >>= 7
            if value:
                out += bytes([byte | 0x80])
            else:
                return out + bytes([byte])

    def field(number, wire, payload):
        key = varint(number << 3 | wire)
        if wire == 2:
            return key + varint(len(payload)) + payload
        return key + payload

    pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    pieces += [("<0x%02X>" % b, 0.0, 6) for b in range(256)]
    for i, text in enumerate(["▁", "e", "l", "o", "h", "w", "r", "d", "▁h", "ll", "▁w", "or", "ell", "▁hello", "▁world"]):
        pieces.append((text, -float(i), 1))
    body = b""
    for text, score, kind in pieces:
        body += field(1, 2, field(1, 2, text.encode()) + field(2, 5, struct.pack("<f", score)) +
                      field(3, 0, varint(kind)))
    trainer = field(3, 0, varint(2)) + field(35, 0, varint(1))
    normalizer = field(1, 2, b"identity") + field(3, 0, varint(1)) + field(4, 0, varint(0))
    put("sentencepiece", "llama_like_bpe.model", body + field(2, 2, trainer) + field(3, 2, normalizer))
    put("sentencepiece", "unigram.model", body[:200] + field(2, 2, field(3, 0, varint(1))))


def chat_template_seeds():
    data = json.load(open(os.path.join(ROOT, "tests", "data", "tokenizer", "chat_templates.json"), encoding="utf-8"))
    seen = set()
    for case in data["cases"]:
        if case["template"] in seen and len(seen) < 12:
            continue
        seen.add(case["template"])
        name = case["name"].replace("/", "_")
        put("chat_template", name, data["templates"][case["template"]].encode() + b"\0" +
            json.dumps(case["context"]).encode())
    put("chat_template", "features", "{% set ns = namespace(n=0) %}{% macro m(x, y=2) %}{{ x ~ y }}"
        "{% endmacro %}{% for i in range(3) if i != 1 %}{{ loop.index }}{{ m(i) }}{% set ns.n = ns.n + i %}"
        "{% endfor %}{{ ns.n | string | length }}{{ [3,1,2] | sort | join(',') }}{{ 'a b' | title }}"
        "{{ {'k': [1, 2.5, none, true]} | tojson(indent=2) }}{%- if x is defined and x is not none -%}"
        "{{ x[1:3] }}{% elif y %}{{ y.upper() }}{% else %}{{ raise_exception('no') }}{% endif %}"
        "\0{\"x\": \"hello\"}")


def audio_seeds():
    if not shutil.which("sox"):
        raise SystemExit("sox is needed for the audio seeds")
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in [("pcm16_mono.wav", ["-b", "16"]), ("float_stereo.wav", ["-e", "floating-point", "-c", "2"]),
                           ("mono.flac", []), ("mono.ogg", []), ("mono.aiff", []), ("ulaw.au", ["-e", "u-law"])]:
            path = os.path.join(tmp, name)
            channels = [] if "-c" in args else ["-c", "1"]
            subprocess.run(["sox", "-n", "-r", "8000"] + channels + args + [path, "synth", "0.03", "sine", "440"],
                           check=True)
            data = open(path, "rb").read()
            put("audio", name, bytes([0]) + data)
            put("serve_requests", "upload_" + name, bytes([4]) + data)
            if name == "pcm16_mono.wav":
                wav = data
        put("audio", "pcm16_mono_resample_cut.wav", bytes([2 | 4 | 8]) + wav)
    b64 = base64.b64encode(wav).decode()
    return wav, b64


def serve_seeds(b64):
    chat = {"model": "almkit-test", "messages": [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                     {"type": "input_audio", "input_audio": {"data": b64, "format": "wav"}}]}],
        "max_tokens": 16, "temperature": 0.7, "top_p": 0.9, "top_k": 40, "seed": 7, "stop": ["\n", "###"],
        "stream": True, "stream_options": {"include_usage": True}, "logprobs": True, "top_logprobs": 3}
    put("serve_requests", "chat_input_audio.json", bytes([0]) + json.dumps(chat).encode())
    chat2 = {"messages": [{"role": "user", "content": [
        {"type": "audio_url", "audio_url": {"url": "data:audio/wav;base64," + b64}}]},
        {"role": "assistant", "content": "It is"}], "continue_final_message": True,
        "add_generation_prompt": False, "prompt_logprobs": 2, "min_tokens": 1, "max_completion_tokens": 8}
    put("serve_requests", "chat_audio_url.json", bytes([0]) + json.dumps(chat2).encode())
    completion = {"model": "almkit-test", "prompt": "Once upon a time", "max_tokens": 8, "echo": True,
                  "logprobs": 2, "stop": "\n", "n": 1, "frequency_penalty": 0}
    put("serve_requests", "completion_text.json", bytes([1]) + json.dumps(completion).encode())
    put("serve_requests", "completion_ids.json", bytes([1]) + json.dumps(
        {"prompt": [1, 2, 3, 4], "max_tokens": 0, "echo": True, "logprobs": 0, "stream": False}).encode())
    put("serve_requests", "base64.txt", bytes([2]) + b64[:200].encode() + b"\r\n" + b64[200:400].encode())
    put("serve_requests", "data_url.txt", bytes([3]) + ("data:audio/wav;base64," + b64).encode())


def bench_seeds():
    mmau = [{"id": "q1", "audio_id": "a/1.wav", "question": "Which?", "choices": ["dog", "cat"],
             "answer": "cat", "task": "sound", "category": "c", "sub-category": "s", "difficulty": "easy",
             "dataset": "x", "model_output": "(B) cat"},
            {"id": "q2", "audio_id": "a/2.wav", "question": "Who?", "choices": ["man", "woman", "child"],
             "answer": "man", "task": "speech", "difficulty": "hard", "model_output": None}]
    put("bench_datasets", "mmau.json", bytes([0]) + json.dumps(mmau, indent=1).encode())
    mmar = [{"id": "m1", "audio_path": "m/1.wav", "question": "Q?", "choices": ["x", "y"], "answer": "x",
             "modality": "music", "category": "c", "sub-category": "s", "answer_prediction": "x"}]
    put("bench_datasets", "mmar.json", bytes([1]) + json.dumps(mmar).encode())
    put("bench_datasets", "mmau_predictions.json", bytes([5]) + json.dumps(mmau).encode())
    put("bench_datasets", "mmar_predictions.json", bytes([5 | 0x40]) + json.dumps(mmar).encode())
    star = [{"id": "s1", "task": "t", "category": "spatial", "sub-category": "direction", "question": "Where?",
             "options": ["left", "right"], "answer": "left", "audio_paths": ["s/1.wav", "s/2.wav"]}]
    put("bench_datasets", "star.json", bytes([2]) + json.dumps(star).encode())
    star_results = "\n".join(json.dumps({"id": "s%d" % i, "options": ["left", "right", "up"],
                                         "answer_letter": "<A>", "model_response": r, "category": "c",
                                         "sub-category": "sc"}) for i, r in enumerate(["<A>", "B", "the answer is up"]))
    put("bench_datasets", "star_results.jsonl", bytes([6 | 0x80]) + star_results.encode())
    jsonl = "\n".join(json.dumps(r) for r in [
        {"id": "j1", "audio": "j/1.wav", "question": "Yes?", "choices": ["yes", "no"], "answer": "yes", "task": "t"},
        {"id": "j2", "audio": ["j/2.wav", "j/3.wav"], "question": "Say", "answer": "hello", "references": ["hello", "hi"]}])
    put("bench_datasets", "almkit.jsonl", bytes([3 | 0x80]) + jsonl.encode())
    isa = {"annotation": [{"path": "isa/1.wav", "task": "asr", "text": "hello world",
                           "instructions": {"base_description": "Transcribe.", "base_constrain": "Lower case.",
                                            "variations": {"case": ["TRANSCRIBE"]}}}]}
    put("bench_datasets", "isa.json", bytes([4]) + json.dumps(isa).encode())
    for mode, task_results in [(7, {"asr": "hello world"}), (8, {"ser": "happy"}), (9, {})]:
        records = [{"path": "isa/1.wav", "task": "asr", "text": "hello world", "emotion": "happy", "gender": "male",
                    "response": "Hello, world.", "instruction_type": "default", "dimension": "D"}]
        put("bench_datasets", "isa_results_%d.json" % mode, bytes([mode]) + json.dumps(records).encode())


def answers_seeds():
    for i, (response, choices) in enumerate([
            ("The answer is (B) cat.", ["dog", "cat", "bird"]),
            ("<A>", ["left", "right"]),
            ("Final answer: C", ["one", "two", "three", "four"]),
            ("I think it's a major chord, so: major", ["major", "minor"]),
            ("Transcript: [noise] Hello, WORLD! It's 3 o'clock.", []),
            ("你好世界，这是测试。", ["你好", "世界"]),
            ("answer: 4/4 meter, then same / different / higher", ["same", "different"])]):
        put("answers", "response_%d" % i, "\0".join([response] + choices))


if __name__ == "__main__":
    safetensors_seeds()
    config_seeds()
    tokenizer_seeds()
    sentencepiece_seeds()
    chat_template_seeds()
    _, b64 = audio_seeds()
    serve_seeds(b64)
    bench_seeds()
    answers_seeds()
