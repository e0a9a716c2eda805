"""Model: generation against transformers' greedy ids and step logits, streaming, per-step
log-probabilities, scoring with alternatives, layer hooks, threads and the GIL; codecs; eval."""
import os
import threading
import time

import numpy as np
import pytest

import almkit
from conftest import read_safetensors


def log_softmax(logits):
    shifted = logits.astype(np.float64) - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


@pytest.fixture(scope="module")
def qwen2(reference_dir):
    folder = os.path.join(reference_dir, "qwen2")
    io, _ = read_safetensors(os.path.join(folder, "io.safetensors"))
    return almkit.Model(folder, threads=1), io


def test_greedy_generation_and_logprobs_match_transformers(qwen2):
    model, io = qwen2
    prompt = [int(i) for i in io["input_ids"][0]]
    result = model.generate(prompt, max_new_tokens=8, logprobs=3)
    generated = [int(i) for i in io["generate_ids"][0, 7:]]
    assert result.tokens == generated and result.stop_reason == "length"
    assert len(result.logprobs) == 8
    for k, step in enumerate(result.logprobs):
        reference = log_softmax(io["generate_step_logits"][0, k])
        assert step.token == generated[k] and step.rank == 1
        assert abs(step.logprob - reference[generated[k]]) < 1e-4
        assert [i for i, _ in step.top][0] == generated[k] and len(step.top) == 3
    assert not model.has_tokenizer


def test_stream_yields_the_tokens_of_generate_with_their_logprobs(qwen2):
    model, io = qwen2
    prompt = [int(i) for i in io["input_ids"][0]]
    whole = model.generate(prompt, max_new_tokens=8, logprobs=2)
    stream = model.stream(prompt, max_new_tokens=8, logprobs=2)
    tokens = list(stream)
    assert [t.id for t in tokens] == whole.tokens
    assert [t.logprob for t in tokens] == [s.logprob for s in whole.logprobs]
    assert [t.top for t in tokens] == [s.top for s in whole.logprobs]
    assert stream.result.tokens == whole.tokens
    # Leaving early cancels the generation.
    with model.stream(prompt, max_new_tokens=8) as early:
        first = next(early)
    assert first.id == whole.tokens[0] and first.logprob is None
    assert early.result.stop_reason == "cancelled"


def test_scores_and_alternatives_match_transformers(qwen2):
    model, io = qwen2
    prompt = [int(i) for i in io["input_ids"][0]]
    generated = [int(i) for i in io["generate_ids"][0, 7:]]
    last = log_softmax(io["logits"][0, -1])
    scores = model.score_ids(prompt, [[10], [200], generated[:3]], top_logprobs=3)
    assert abs(scores[0].sum_logprob - last[10]) < 1e-4
    assert abs(scores[1].sum_logprob - last[200]) < 1e-4
    expected = sum(log_softmax(io["generate_step_logits"][0, k])[generated[k]] for k in range(3))
    assert abs(scores[2].sum_logprob - expected) < 1e-4 and scores[2].tokens == 3
    assert scores[2].token_ranks == [1, 1, 1]
    assert scores[2].top_logprobs[0][0][0] == generated[0] and len(scores[2].top_logprobs[0]) == 3
    assert scores[1].token_ranks[0] > 1


def test_layer_hooks_read_and_steer(qwen2):
    model, io = qwen2
    prompt = [int(i) for i in io["input_ids"][0]]
    seen = []

    def read(state):
        seen.append((state.stack, state.layer, state.hidden.shape, state.attention is not None))

    plain = model.score_ids(prompt, [[10]])[0].sum_logprob
    assert model.score_ids(prompt, [[10]], hooks=read, hook_attention=True)[0].sum_logprob == \
        pytest.approx(plain, abs=1e-5)
    assert seen and all(stack == "decoder" and attention for stack, _, _, attention in seen)
    assert seen[0][2][0] == 1 and seen[0][2][1] == len(prompt)

    def steer(state):
        state.hidden[...] *= 0.0  # an ablation: written back into the model

    assert model.score_ids(prompt, [[10]], hooks=steer)[0].sum_logprob != pytest.approx(plain, abs=1e-3)

    def broken(state):
        raise KeyError("from the hook")

    with pytest.raises(KeyError, match="from the hook"):
        model.score_ids(prompt, [[10]], hooks=broken)


def test_one_model_serves_several_threads_and_releases_the_gil(qwen2):
    model, io = qwen2
    prompt = [int(i) for i in io["input_ids"][0]]
    expected = model.generate(prompt, max_new_tokens=8).tokens
    results, ticks = [None] * 4, []
    stop = threading.Event()

    def ticker():  # runs only while model calls do not hold the GIL
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.0005)

    def work(i):
        for _ in range(5):
            results[i] = model.generate(prompt, max_new_tokens=8).tokens

    tick = threading.Thread(target=ticker)
    tick.start()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    tick.join()
    assert results == [expected] * 4
    assert len(ticks) > 5


def test_audio_model_chat_generate_and_score(small_model, speech_path):
    model = small_model
    assert model.accepts_audio and model.audio_sampling_rate == 16000 and model.has_tokenizer
    prompt = model.chat_prompt([{"role": "user", "content": [
        {"type": "audio"}, {"type": "text", "text": "What is said?"}]}])
    samples = almkit.load_audio(speech_path)[:16000 * 5]
    by_array = model.generate(prompt, audio=samples, max_new_tokens=4)
    assert len(by_array.tokens) == 4 and by_array.prompt_tokens > 10
    assert model.generate(prompt, audio=[(samples, 16000)], max_new_tokens=4).tokens == by_array.tokens
    pieces = "".join(t.piece for t in model.stream(prompt, audio=samples, max_new_tokens=4))
    assert pieces == by_array.text
    scores = model.score(prompt, ["A", "B", "C"], audio=samples)
    assert len(scores) == 3 and all(s.sum_logprob < 0 for s in scores)
    assert model.tokenizer.decode(model.tokenizer.encode("hi", False)) == "hi"
    batch = model.generate_batch([prompt, prompt], audio=[samples, samples], max_new_tokens=4)
    assert [r.tokens for r in batch] == [by_array.tokens] * 2 and batch[0].error is None
    with pytest.raises(almkit.InvalidArgumentError):
        model.generate(None)


def test_codec_round_trip_matches_transformers(reference_dir):
    folder = os.path.join(reference_dir, "encodec")
    io, _ = read_safetensors(os.path.join(folder, "io.safetensors"))
    codec = almkit.Codec(folder)
    assert codec.sample_rate == 24000 and codec.type == "encodec"
    for bandwidth in (1.5, 3.0):
        codes = codec.encode(io["input_values"][0, 0], bandwidth=bandwidth)
        assert np.array_equal(codes.codes, io[f"bw{bandwidth}_audio_codes"][:, 0])
        assert codes.audio_length == 24000 and codes.bandwidth == bandwidth
        decoded = codec.decode(codes)
        assert np.abs(decoded - io[f"bw{bandwidth}_audio_values"][0, 0]).max() < 1e-4
        assert np.array_equal(codec.decode_codes(codes.codes[0], audio_length=24000), decoded)
    with pytest.raises(almkit.InvalidArgumentError):
        codec.encode(io["input_values"][0, 0], bandwidth=7.77)
    bad = np.zeros((2, 10), np.int64)
    bad[1, 3] = codec.codebook_size
    with pytest.raises(almkit.InvalidArgumentError):
        codec.decode_codes(bad)


def test_eval_returns_the_summary(small_model_dir, perception_json, tmp_path):
    progress = []
    outcome = almkit.eval(small_model_dir, bench="perception", data_path=perception_json,
                          out_dir=tmp_path / "run", mode="loglik", limit=2, threads=2,
                          silent_baseline=False, on_progress=lambda d, t: progress.append((d, t)))
    assert outcome.complete and outcome.units >= 2 and outcome.computed == outcome.units
    assert isinstance(outcome.summary, dict) and progress[-1][0] == progress[-1][1]
    assert os.path.exists(tmp_path / "run" / "summary.json")
    again = almkit.eval(small_model_dir, bench="perception", data_path=perception_json,
                        out_dir=tmp_path / "run", mode="loglik", limit=2, threads=2,
                        silent_baseline=False)
    assert again.reused == again.units and again.summary == outcome.summary
    with pytest.raises(almkit.CancelledError):
        almkit.eval(small_model_dir, bench="perception", data_path=perception_json,
                    out_dir=tmp_path / "stopped", mode="loglik", limit=4, silent_baseline=False,
                    on_progress=lambda d, t: False)
    with pytest.raises(almkit.InvalidArgumentError, match="unknown option"):
        almkit.eval(small_model_dir, no_such_option=1)
