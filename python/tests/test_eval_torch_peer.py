"""`almkit eval --mode loglik` on the small Qwen2-Audio checkpoint against an independent plain-torch
Qwen2-Audio (benchmarks/qwen2_audio_torch_peer.py: transformers 4.47's eager forward and
processor padding, written without almkit's model code; the issue 18 eval-throughput peer).
Each shown choice's summed log-probability must agree; measured 8.2e-8 relative on 24 units."""
import json
import os
import subprocess
import sys

import numpy as np

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "benchmarks"))


def test_eval_loglik_scores_match_the_torch_peer(small_model_dir, perception_json, almkit_cli, tmp_path):
    import almkit
    import torch
    import qwen2_audio_torch_peer as peer_module

    out = tmp_path / "run"
    subprocess.run([almkit_cli, "eval", "--model", small_model_dir, "--bench", "perception", "--data",
                    perception_json, "--out", str(out), "--limit", "4", "--mode", "loglik", "--threads", "2",
                    "--no-silent-baseline", "--quiet"], check=True, capture_output=True)
    units = [json.loads(line) for line in open(out / "results.jsonl") if line.strip()]
    assert len(units) == min(4, len(json.load(open(perception_json))))
    torch.set_num_threads(2)
    peer = peer_module.Peer(small_model_dir, torch.float32)
    tokenizer = almkit.Tokenizer.from_folder(small_model_dir)
    multi_token_choices = 0
    with torch.inference_mode():
        for unit in units:
            clip = np.asarray(almkit.load_audio(unit["audio"][0], 16000, True), dtype=np.float32)
            prompt = tokenizer.encode(unit["prompt"], add_special_tokens=False)
            choices = [tokenizer.encode(c, add_special_tokens=False) for c in unit["choices"]]
            multi_token_choices += sum(len(c) > 1 for c in choices)
            expected = [s["sum_logprob"] for s in unit["scores"]]
            for trim in (False, True):  # the trimmed tower must keep the same rows (docs/benchmarks.md)
                got = peer.score(prompt, clip, choices, trim)
                assert len(got) == len(expected), unit["id"]
                for mine, theirs in zip(got, expected):
                    assert abs(mine - theirs) <= 1e-5 * max(1.0, abs(theirs)), (unit["id"], trim, mine, theirs)
    assert multi_token_choices > 0  # the cached-prefix continuation path ran
