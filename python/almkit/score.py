"""Benchmark scorers, exactly as each benchmark's own scripts score (MMAU/MMAR string match,
STAR-Bench, MUSE, ISA-Bench metrics), plus option-letter parsing, Whisper's text normalisers,
WER/CER, sacreBLEU's BLEU / chrF / chrF++, CIDEr-D, ROUGE-L, Wilson intervals and robustness over choice permutations. Pure functions: text in,
numbers out, no model.

    report = almkit.score.mmau("outputs.json")            # or a list of dicts
    print(report["total"]["percent"], report["official_printout"])
"""
from ._almkit import score as _core

bleu, caption_tokens, cer, cider_d = _core.bleu, _core.caption_tokens, _core.cer, _core.cider_d
bleu_by_segment, chrf, normalize_text = _core.bleu_by_segment, _core.chrf, _core.normalize_text
isa, isa_ifr_area, radar_polygon_area = _core.isa, _core.isa_ifr_area, _core.radar_polygon_area
mmau_string_match, muse_choices, muse_parse = (_core.mmau_string_match, _core.muse_choices,
                                               _core.muse_parse)
normalize_transcript, option_letter = _core.normalize_transcript, _core.option_letter
robustness, rouge_l, sacrebleu_tokenize = _core.robustness, _core.rouge_l, _core.sacrebleu_tokenize
star, star_parse, wer, wilson_interval = _core.star, _core.star_parse, _core.wer, _core.wilson_interval
_mmau = _core.mmau


def mmau(records, prediction_key=""):
    """Scores MMAU predictions as MMAU's evaluation.py: records are a path to the JSON / JSONL
    file or a list of dicts (id, answer, choices, task, difficulty, sub-category, model_output).
    Returns a dict: total, strict, skipped, by_task, by_difficulty, by_sub_category, items,
    official_printout (byte for byte what evaluation.py prints)."""
    return _mmau(records, False, prediction_key)


def mmar(records, prediction_key=""):
    """Scores MMAR predictions (by_modality, by_category, by_sub_category)."""
    return _mmau(records, True, prediction_key)


__all__ = ["mmau", "mmar", "mmau_string_match", "star", "star_parse", "muse_parse",
           "muse_choices", "isa", "isa_ifr_area", "radar_polygon_area", "bleu", "bleu_by_segment", "chrf",
           "normalize_text",
           "sacrebleu_tokenize", "caption_tokens", "cider_d", "rouge_l", "option_letter",
           "normalize_transcript", "wer", "cer", "wilson_interval", "robustness"]
