"""almkit from Python (ctypes over the C API): features of a speech clip, a tiny model continuing
token ids and, when given, a checkpoint with a tokenizer answering in text.

    python3 example.py jfk.wav ../shared/reference/hf-transformers-4.47.1/qwen2 [TEXT_MODEL_DIR]

TEXT_MODEL_DIR: e.g. `almkit init-model --arch qwen2_audio --size small --tokenizer
.cache/tokenizers/qwen3 -o small` (random weights: the answer is noise, the plumbing is real).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import almkit_ctypes as almkit  # noqa: E402  (the ctypes example, not the package)


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    audio_path, tiny_model, text_model = argv[1], argv[2], argv[3] if len(argv) > 3 else None
    print("almkit", almkit.version())

    audio = almkit.load_audio(audio_path, target_sample_rate=16000)
    print(f"{audio_path}: {audio.num_frames / audio.sample_rate:.2f} s at {audio.sample_rate} Hz")
    mel, valid = almkit.whisper_mel(audio.samples, feature_size=128)
    print(f"whisper mel {mel.shape}, {valid} frames of audio, mean {mel[:, :valid].mean():.3f}")
    fbank = almkit.kaldi_fbank(audio.samples * 32768.0, num_mel_bins=80)
    print(f"kaldi fbank {fbank.shape}, mean {fbank.mean():.3f}")

    model = almkit.Model(tiny_model)
    result = model.generate(prompt_ids=[5, 17, 42, 99, 128, 7, 250], max_new_tokens=8)
    print(f"{model.model_type}: continues with {result.tokens} ({result.stop_reason})")
    scores = model.score([[10], [200]], prompt_ids=[5, 17, 42, 99, 128, 7, 250])
    print("log P of options [10] and [200]:", [round(s[0], 4) for s in scores])

    if text_model:
        model = almkit.Model(text_model)
        clip = almkit.load_audio(audio_path, duration_seconds=3.0)
        prompt = model.chat_prompt([{"role": "user", "content": [
            {"type": "audio"}, {"type": "text", "text": "What does the speaker say?"}]}])
        print("answer: ", end="")
        result = model.generate(prompt, audio=[clip], max_new_tokens=8,
                                on_token=lambda token, piece: print(piece, end="", flush=True))
        print(f"\n[{len(result.tokens)} tokens, {result.prompt_positions} prompt positions]")
        print("tokens of 'Hello world':", model.tokenizer.encode("Hello world"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
