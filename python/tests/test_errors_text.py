"""Error mapping, tokenizer, chat template and the scorers."""
import builtins
import os

import numpy as np
import pytest

import almkit

CODES = {1: almkit.InvalidArgumentError, 2: almkit.FileNotFoundError, 3: almkit.IoError,
         4: almkit.InvalidFormatError, 5: almkit.ShapeMismatchError, 6: almkit.UnsupportedError,
         7: almkit.NotFoundError, 8: almkit.CancelledError, 9: almkit.InternalError}


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_error_code_has_its_class(code):
    with pytest.raises(almkit.Error) as caught:
        almkit._almkit._raise_error(code, f"message {code}")
    assert type(caught.value) is CODES[code]
    assert caught.value.code == code and caught.value.message == f"message {code}"
    assert caught.value.code_name == almkit._almkit.error_code_name(code)
    assert str(caught.value) == f"[{caught.value.code_name}] message {code}"


def test_errors_are_also_the_builtin_python_expects(tmp_path):
    with pytest.raises(builtins.FileNotFoundError) as caught:
        almkit.load_audio(tmp_path / "missing.wav")
    assert isinstance(caught.value, almkit.Error) and "missing.wav" in caught.value.message
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not a wav")
    with pytest.raises(almkit.InvalidFormatError):
        almkit.load_audio(bad)
    with pytest.raises(ValueError):
        almkit.resample(np.zeros(0, np.float32), 16000, 8000)
    with pytest.raises(almkit.FileNotFoundError):
        almkit.Model(tmp_path / "no-model")
    with pytest.raises(almkit.FileNotFoundError):
        almkit.Tokenizer.from_folder(str(tmp_path))


def test_tokenizer_round_trip_and_chat_template(small_model_dir):
    tokenizer = almkit.Tokenizer.from_folder(small_model_dir)
    text = "Hello world, how are you? Ünïcödé 漢字"
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert ids and all(isinstance(i, int) for i in ids)
    assert tokenizer.decode(ids) == text
    assert tokenizer.encode_batch([text, "a"], False, 2)[0] == ids
    assert tokenizer.id_to_token(tokenizer.token_to_id("<|im_start|>")) == "<|im_start|>"
    assert tokenizer.token_to_id("no-such-token-xyz") is None
    assert tokenizer.is_special(tokenizer.token_to_id("<|im_start|>"))
    assert len(tokenizer) == tokenizer.vocab_size > 1000
    messages = [{"role": "user", "content": "Hi"}]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True)
    assert "<|im_start|>user" in prompt and prompt.endswith("<|im_start|>assistant\n")
    chat = almkit.ChatTemplate(tokenizer.chat_template)
    assert chat.render_messages(messages, True, bos_token="") == prompt or "Hi" in prompt
    assert almkit.ChatTemplate("{{ a }}-{{ b }}").render(a=1, b="x") == "1-x"
    with pytest.raises(almkit.InvalidArgumentError):
        tokenizer.id_to_token(10 ** 9)
    with pytest.raises(almkit.Error):
        almkit.ChatTemplate("{% if %}")


def test_scorers():
    records = [
        {"id": "a", "answer": "dog barking", "choices": ["dog barking", "cat"], "task": "sound",
         "difficulty": "easy", "sub-category": "animals", "model_output": "A dog barking."},
        {"id": "b", "answer": "cat", "choices": ["dog barking", "cat"], "task": "sound",
         "difficulty": "hard", "sub-category": "animals", "model_output": "dog barking"},
        {"id": "c", "answer": "cat", "choices": ["dog barking", "cat"], "task": "music",
         "difficulty": "easy", "sub-category": "x"},
    ]
    report = almkit.score.mmau(records)
    assert report["total"]["correct"] == 1 and report["total"]["total"] == 2
    assert report["strict"]["total"] == 3 and report["skipped"] == 1
    assert "sound" in report["official_printout"]
    assert almkit.score.mmau_string_match("cat", "the cat", ["cat", "dog"])
    assert almkit.score.option_letter("The answer is (B).", 4) == 1
    assert almkit.score.option_letter("no idea", 4) == -1
    wer = almkit.score.wer(["a b c d"], ["a x c"])
    assert wer["rate"] == pytest.approx(0.5) and wer["substitutions"] == 1 and wer["deletions"] == 1
    assert almkit.score.cer(["abcd"], ["abcd"])["rate"] == 0.0
    assert almkit.score.normalize_transcript("Hello, World! [noise]") == "hello world"
    bleu = almkit.score.bleu(["the cat sat on the mat"], [["the cat sat on the mat"]])
    assert bleu["score"] == pytest.approx(100.0)
    low, high = almkit.score.wilson_interval(5, 10)
    assert 0.2 < low < 0.5 < high < 0.8
    assert almkit.score.star_parse("I think <B> is right", ["x", "y", "z"]) == "<B>"
    robustness = almkit.score.robustness([
        {"item_id": "q", "presentation": 0, "chosen_choice": 1, "chosen_position": 1, "correct": True},
        {"item_id": "q", "presentation": 1, "chosen_choice": 1, "chosen_position": 0, "correct": True}])
    assert robustness["all_correct_rate"] == 1.0 and robustness["consistency_rate"] == 1.0
    assert almkit.score.normalize_text("Mr. Smith paid $20 million.") == "mister smith paid $20000000"
    assert almkit.score.normalize_text("Hello", "none") == "Hello"
    with pytest.raises(almkit.Error):
        almkit.score.normalize_text("x", "no-such-normalizer")
    assert bleu["printout"].startswith("BLEU = 100.00")
    ragged = almkit.score.bleu_by_segment(["the cat sat on the mat"],
                                           [["a dog", "the cat sat on the mat"]])
    assert ragged["score"] == pytest.approx(100.0)
    chrf = almkit.score.chrf(["the cat sat"], [["the cat sat"]])
    assert chrf["score"] == pytest.approx(100.0) and chrf["printout"].startswith("chrF2 = 100")
    assert almkit.score.chrf(["the cat"], [["the dog"]], word_order=2)["printout"].startswith("chrF2++")


def test_feature_extractor_of_a_checkpoint(small_model_dir):
    extractor = almkit.load_feature_extractor(small_model_dir)
    assert extractor.kind == "whisper-mel" and extractor.sampling_rate == 16000
    assert extractor.max_seconds == 30
    clip = np.zeros(8000, np.float32) + 0.01
    features, mask = extractor.extract([clip], 16000)
    assert features.shape[0] == 1 and mask.shape[0] == 1
