"""The C API through ctypes (examples/python/almkit_ctypes.py): values against the transformers and
torchaudio references, error statuses and messages, cancellation, concurrent use of one model.

    ALMKIT_LIBRARY=build/src/libalmkit.so.0 /usr/bin/python3 tests/capi/test_capi.py \
        --audio .cache/data/jfk.wav --reference ../shared/reference/hf-transformers-4.47.1 \
        [--small-model DIR]   # almkit init-model --arch qwen2_audio --size small ...
"""
import argparse
import ctypes
import json
import os
import struct
import sys
import threading
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "python"))
import almkit_ctypes as almkit  # noqa: E402  (the ctypes example, not the package)

ARGS = None


def read_safetensors(path):
    """{name: numpy array} and the metadata of a safetensors file (no torch needed)."""
    with open(path, "rb") as f:
        data = f.read()
    header_size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + header_size])
    dtypes = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[8 + header_size + begin:8 + header_size + end],
                                      dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return tensors, header.get("__metadata__", {})


def log_softmax(logits):
    logits = logits.astype(np.float64)
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


class VersionAndErrors(unittest.TestCase):
    def test_version_and_build_info(self):
        self.assertRegex(almkit.version(), r"^\d+\.\d+\.\d+$")
        self.assertIn("almkit", almkit.build_info())

    def test_missing_file_names_the_path(self):
        with self.assertRaises(almkit.AlmkitError) as caught:
            almkit.load_audio("/nonexistent/dir/clip.flac")
        self.assertEqual(caught.exception.status_name, "file_not_found")
        self.assertIn("/nonexistent/dir/clip.flac", str(caught.exception))
        self.assertIn("almkit_audio_load", str(caught.exception))

    def test_corrupt_audio_is_invalid_format(self):
        with self.assertRaises(almkit.AlmkitError) as caught:
            almkit.load_audio_from_memory(b"RIFF\x10\x00\x00\x00WAVEfmt garbage garbage")
        self.assertEqual(caught.exception.status_name, "invalid_format")

    def test_null_pointers_return_invalid_argument(self):
        lib = almkit.library()
        out = ctypes.c_void_p()
        self.assertEqual(lib.almkit_audio_load(None, None, ctypes.byref(out)), 1)
        self.assertIn("path is NULL", lib.almkit_last_error().decode())
        self.assertEqual(lib.almkit_model_load(b"x", None, None), 1)
        self.assertIn("out is NULL", lib.almkit_last_error().decode())
        count = ctypes.c_size_t()
        self.assertEqual(lib.almkit_tokenize(None, b"hi", None, None, 0, ctypes.byref(count)), 1)
        self.assertIn("tokenizer is NULL", lib.almkit_last_error().decode())
        self.assertEqual(lib.almkit_model_type(None), b"")
        lib.almkit_model_free(None)
        lib.almkit_audio_free(None)

    def test_wrong_buffer_size_reports_the_needed_size(self):
        lib = almkit.library()
        samples = np.zeros(16000, dtype=np.float32)
        output = np.zeros(80 * 3000 - 1, dtype=np.float32)
        status = lib.almkit_whisper_mel_compute_into(
            None, samples.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), len(samples),
            output.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), output.size, None)
        self.assertEqual(almkit.STATUS_NAMES[status], "buffer_too_small")
        self.assertIn("240000", lib.almkit_last_error().decode())

    def test_bad_params_are_invalid_argument(self):
        with self.assertRaises(almkit.AlmkitError) as caught:
            almkit.whisper_mel(np.zeros(16000, dtype=np.float32), hop_length=0)
        self.assertEqual(caught.exception.status_name, "invalid_argument")
        with self.assertRaises(almkit.AlmkitError) as caught:
            almkit.kaldi_fbank(np.zeros(16000, dtype=np.float32), window_type="triangle")
        self.assertIn("triangle", str(caught.exception))


class AudioAndFeatures(unittest.TestCase):
    def test_memory_and_path_decode_the_same_samples(self):
        from_path = almkit.load_audio(ARGS.audio)
        with open(ARGS.audio, "rb") as f:
            from_memory = almkit.load_audio_from_memory(f.read())
        self.assertEqual(from_path.sample_rate, 16000)
        self.assertEqual(from_path.num_frames, 176000)
        np.testing.assert_array_equal(from_path.samples, from_memory.samples)

    def test_resample_and_wav_round_trip(self):
        tone = 0.25 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)
        clip = almkit.audio_from_samples(tone, 16000)
        down = clip.resample(8000)
        self.assertEqual(down.sample_rate, 8000)
        self.assertLessEqual(abs(down.num_frames - 8000), 1)
        path = f"/tmp/almkit-capi-python-{os.getpid()}.wav"
        try:
            clip.write_wav(path, float32=True)
            np.testing.assert_array_equal(almkit.load_audio(path).samples,
                                          tone.astype(np.float32))
        finally:
            os.remove(path)
        stereo = almkit.audio_from_samples(np.stack([tone, -tone], axis=1), 16000)
        self.assertEqual(stereo.channels, 2)
        self.assertEqual(stereo.samples.shape, (16000, 2))

    def test_whisper_mel_matches_transformers(self):
        tensors, _ = read_safetensors(os.path.join(ARGS.reference, "whisper_features",
                                                   "io.safetensors"))
        for bins in (80, 128):
            mel, valid = almkit.whisper_mel(tensors["waveform"], feature_size=bins)
            expected = tensors[f"mel{bins}_features"][0]
            self.assertEqual(mel.shape, expected.shape)
            self.assertEqual(valid, 300)
            self.assertLess(np.abs(mel - expected).max(), 5e-5, f"{bins} bins")

    def test_kaldi_fbank_matches_torchaudio_for_every_option_set(self):
        tensors, metadata = read_safetensors(os.path.join(
            HERE, "..", "data", "kaldi_fbank_reference.safetensors"))
        cases = json.loads(metadata["cases"])
        for signal in ("tones", "chirp", "noise"):
            for case, options in cases.items():
                got = almkit.kaldi_fbank(tensors[f"{signal}/input"], **options)
                expected = tensors[f"{signal}/{case}"].astype(np.float64)
                self.assertEqual(got.shape, expected.shape, f"{signal}/{case}")
                relative = np.abs(got - expected) / np.maximum(1.0, np.abs(expected))
                self.assertLess(relative.max(), 1e-4, f"{signal}/{case}")


class TokenizerLessModel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = almkit.Model(os.path.join(ARGS.reference, "qwen2"))
        cls.io, _ = read_safetensors(os.path.join(ARGS.reference, "qwen2", "io.safetensors"))
        cls.prompt = [int(i) for i in cls.io["input_ids"][0]]

    def test_greedy_generation_matches_transformers(self):
        result = self.model.generate(prompt_ids=self.prompt, max_new_tokens=8)
        self.assertEqual(result.tokens, [int(i) for i in self.io["generate_ids"][0, 7:]])
        self.assertEqual(result.stop_reason, "length")
        self.assertEqual(result.text, "")
        self.assertIsNone(self.model.tokenizer)

    def test_option_scores_are_transformers_log_probabilities(self):
        steps = self.io["generate_step_logits"][0]
        generated = [int(i) for i in self.io["generate_ids"][0, 7:]]
        scores = self.model.score([[10], [200], generated[:3]], prompt_ids=self.prompt)
        last = log_softmax(self.io["logits"][0, -1])
        self.assertAlmostEqual(scores[0][0], last[10], delta=1e-4)
        self.assertAlmostEqual(scores[1][0], last[200], delta=1e-4)
        # The greedy continuation, token by token, from transformers' step logits.
        expected = sum(log_softmax(steps[k])[generated[k]] for k in range(3))
        self.assertAlmostEqual(scores[2][0], expected, delta=1e-4)
        self.assertAlmostEqual(scores[2][1], expected / 3, delta=1e-4)
        self.assertEqual(scores[2][2], 3)

    def test_token_scores_are_transformers_log_probabilities_and_ranks(self):
        steps = self.io["generate_step_logits"][0]
        generated = [int(i) for i in self.io["generate_ids"][0, 7:]]
        scores = self.model.score_tokens(generated[:5], prompt_ids=self.prompt, top_k=3)
        for k in range(5):
            reference = log_softmax(steps[k])
            # 1e-4, as the option scores: float32 logits against transformers' float32 run.
            self.assertAlmostEqual(scores.logprobs[k], reference[generated[k]], delta=1e-4)
            self.assertEqual(scores.ranks[k], 1)  # greedy
            self.assertEqual(scores.top_ids[k, 0], generated[k])
            best = np.sort(reference)[::-1][:3]
            np.testing.assert_allclose(scores.top_logprobs[k], best, atol=1e-4)
        # A token far from greedy: its rank counts the reference values above it (a value
        # within 1e-4 of it may fall either way).
        last = log_softmax(self.io["logits"][0, -1])
        other = self.model.score_tokens([200], prompt_ids=self.prompt, top_k=1)
        above = np.sum(last > last[200] + 1e-4)
        near = np.sum(np.abs(last - last[200]) <= 1e-4) - 1
        self.assertGreater(above, 10)
        self.assertGreaterEqual(other.ranks[0], above + 1)
        self.assertLessEqual(other.ranks[0], above + near + 1)
        self.assertAlmostEqual(other.logprobs[0], last[200], delta=1e-4)
        plain = self.model.score_tokens([200], prompt_ids=self.prompt)
        self.assertIsNone(plain.ranks)
        self.assertEqual(plain.logprobs[0], other.logprobs[0])
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.model.score_tokens([200], prompt_ids=self.prompt, top_k=-1)
        self.assertIn("top_k", str(caught.exception))
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.model.score_tokens([], prompt_ids=self.prompt)
        self.assertIn("num_ids", str(caught.exception))

    def test_callback_sees_every_token_and_can_stop(self):
        seen = []
        result = self.model.generate(prompt_ids=self.prompt, max_new_tokens=8,
                                     on_token=lambda token, piece: seen.append(token) or
                                     len(seen) < 5)
        self.assertEqual(seen, result.tokens)
        self.assertEqual(len(seen), 5)
        self.assertEqual(result.stop_reason, "cancelled")

    def test_cancel_flag_stops_after_the_token_it_was_set_on(self):
        cancel = ctypes.c_int32(0)

        def on_token(token, piece):
            cancel.value = 1  # as another thread would; checked right after this token
            return True
        result = self.model.generate(prompt_ids=self.prompt, max_new_tokens=8,
                                     on_token=on_token, cancel=cancel)
        self.assertEqual(len(result.tokens), 1)
        self.assertEqual(result.stop_reason, "cancelled")
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.model.generate(prompt_ids=self.prompt, cancel=cancel)
        self.assertEqual(caught.exception.status_name, "cancelled")

    def test_one_model_serves_several_threads(self):
        expected = [int(i) for i in self.io["generate_ids"][0, 7:]]
        results = [None] * 4

        def run(index):
            results[index] = self.model.generate(prompt_ids=self.prompt, max_new_tokens=8).tokens
        threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(results, [expected] * 4)

    def test_request_errors(self):
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.model.generate(prompt="text needs a tokenizer")
        self.assertIn("no tokenizer", str(caught.exception))
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.model.generate(prompt_ids=[5, 300])
        self.assertIn("300", str(caught.exception))
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.model.generate(prompt_ids=self.prompt, max_new_tokens=250)
        self.assertIn("context", str(caught.exception))
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.model.generate(prompt_ids=self.prompt, top_p=0.0)
        self.assertEqual(caught.exception.status_name, "invalid_argument")

    def test_corrupt_checkpoint_is_invalid_format(self):
        folder = f"/tmp/almkit-capi-python-corrupt-{os.getpid()}"
        os.makedirs(folder, exist_ok=True)
        try:
            with open(os.path.join(ARGS.reference, "qwen2", "config.json")) as f:
                config = f.read()
            with open(os.path.join(folder, "config.json"), "w") as f:
                f.write(config)
            with open(os.path.join(folder, "model.safetensors"), "wb") as f:
                f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
            with self.assertRaises(almkit.AlmkitError) as caught:
                almkit.Model(folder)
            self.assertEqual(caught.exception.status_name, "invalid_format")
            with open(os.path.join(folder, "config.json"), "w") as f:
                f.write("{\"model_type\": ")
            with self.assertRaises(almkit.AlmkitError) as caught:
                almkit.Model(folder)
            self.assertEqual(caught.exception.status_name, "invalid_format")
            self.assertIn("config.json", str(caught.exception))
        finally:
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
            os.rmdir(folder)


class SmallModelWithTokenizer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not ARGS.small_model:
            raise unittest.SkipTest("no --small-model")
        cls.model = almkit.Model(ARGS.small_model)

    def test_tokenizer_round_trip(self):
        tokenizer = self.model.tokenizer
        self.assertEqual(tokenizer.encode("Hello world"), [9707, 1879])
        text = "Grüße, 世界! 🎵 <|im_end|>"
        ids = tokenizer.encode(text)
        self.assertIn(151645, ids)  # the special token written in the text
        self.assertEqual(tokenizer.decode(ids, skip_special_tokens=False), text)
        self.assertEqual(tokenizer.decode(ids), "Grüße, 世界! 🎵 ")
        self.assertEqual(tokenizer.token_to_id("<|im_end|>"), 151645)
        self.assertIsNone(tokenizer.token_to_id("<|not a token|>"))
        standalone = almkit.Tokenizer(ARGS.small_model)
        self.assertEqual(standalone.encode(text), ids)
        self.assertEqual(standalone.vocab_size, tokenizer.vocab_size)

    def test_chat_generation_streams_its_text(self):
        prompt = self.model.chat_prompt([{"role": "user", "content": [
            {"type": "audio"}, {"type": "text", "text": "Who speaks?"}]}])
        self.assertIn("<|audio_bos|><|AUDIO|><|audio_eos|>", prompt)
        self.assertTrue(prompt.endswith("<|im_start|>assistant\n"))
        clip = almkit.load_audio(ARGS.audio, duration_seconds=2.0)
        pieces = []
        result = self.model.generate(prompt, audio=[clip], max_new_tokens=6,
                                     on_token=lambda token, piece: pieces.append(piece))
        self.assertTrue(result.text.startswith("".join(pieces)))
        self.assertGreater(result.prompt_positions, 50)  # the clip's encoder frames
        again = self.model.generate(prompt, audio=[clip], max_new_tokens=6)
        self.assertEqual(again.tokens, result.tokens)  # greedy is deterministic
        scores = self.model.score([" A man.", " A woman."], prompt=prompt, audio=[clip])
        self.assertTrue(all(s[0] < 0 and s[2] >= 2 for s in scores))

    def test_audio_on_too_long_clip_is_refused(self):
        prompt = self.model.chat_prompt([{"role": "user", "content": [
            {"type": "audio"}, {"type": "text", "text": "?"}]}])
        long_clip = almkit.audio_from_samples(np.zeros(16000 * 31, dtype=np.float32), 16000)
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.model.generate(prompt, audio=[long_clip], max_new_tokens=2)
        self.assertIn("takes at most 30", str(caught.exception))


class CodecEncodeDecode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        folder = os.path.join(ARGS.reference, "encodec")
        cls.codec = almkit.Codec(folder)
        cls.io, _ = read_safetensors(os.path.join(folder, "io.safetensors"))

    def test_codes_and_audio_match_transformers(self):
        clip = almkit.audio_from_samples(self.io["input_values"][0, 0], 24000)
        for bandwidth in (1.5, 3.0):
            key = f"bw{bandwidth}"
            codes = self.codec.encode(clip, bandwidth=bandwidth)
            np.testing.assert_array_equal(codes.values, self.io[key + "_audio_codes"][:, 0])
            self.assertEqual(codes.audio_length, 24000)
            decoded = self.codec.decode(codes).samples
            np.testing.assert_allclose(decoded, self.io[key + "_audio_values"][0, 0], atol=1e-4)
            again = self.codec.decode(codes.values[0], audio_length=24000).samples
            np.testing.assert_array_equal(again, decoded)

    def test_tone_round_trip_keeps_its_length(self):
        t = np.arange(10000) / 24000.0
        clip = almkit.audio_from_samples((0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32),
                                         24000)
        codes = self.codec.encode(clip)
        self.assertEqual(codes.shape, (1, 3, 32))
        self.assertEqual(codes.bandwidth, self.codec.bandwidths[0])
        self.assertEqual(self.codec.decode(codes).num_frames, 10000)

    def test_bad_codes_rate_and_bandwidth(self):
        codes = np.zeros((3, 10), dtype=np.int64)
        codes[2, 7] = self.codec.codebook_size
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.codec.decode(codes)
        self.assertEqual(caught.exception.status_name, "invalid_argument")
        self.assertIn("quantizer 2, frame 7", str(caught.exception))
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.codec.decode(np.zeros((self.codec.max_quantizers + 1, 10), dtype=np.int64))
        self.assertEqual(caught.exception.status_name, "shape_mismatch")
        clip = almkit.audio_from_samples(np.zeros(16000, dtype=np.float32), 16000)
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.codec.encode(clip)
        self.assertIn("16000 Hz", str(caught.exception))
        clip = almkit.audio_from_samples(np.zeros(2400, dtype=np.float32), 24000)
        with self.assertRaises(almkit.AlmkitError) as caught:
            self.codec.encode(clip, bandwidth=6.0)
        self.assertEqual(caught.exception.status_name, "invalid_argument")
        with self.assertRaises(almkit.AlmkitError) as caught:
            almkit.Codec(os.path.join(ARGS.reference, "qwen2"))
        self.assertEqual(caught.exception.status_name, "unsupported")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--audio", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--small-model")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
