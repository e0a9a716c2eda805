#!/usr/bin/env python3
"""Builds the open-answer metric conformance corpora in this folder and their expected values,
computed by the reference implementations themselves:

  whisper_normalizers.jsonl  text -> EnglishTextNormalizer, BasicTextNormalizer (with and without
                             remove_diacritics), openai/whisper's whisper/normalizers
  jiwer_pairs.jsonl          reference/hypothesis pairs -> hits, S, D, I of jiwer.process_words
                             and process_characters (jiwer 4 on rapidfuzz's pure-Python
                             Levenshtein.opcodes)
  sacrebleu_segments.jsonl   hypothesis + 1-4 references -> sacreBLEU's intl tokenization
  open_answer_expected.json  jiwer's corpus figures (also on pocketsphinx-testdata's LibriVox
                             transcripts against its decoder's output, whisper-en normalised); corpus BLEU (13a, intl, zh, none), chrF and
                             chrF++ over the whole corpus and over chunks of it; commits read

Usage (the checkouts may be work trees or bare git directories; nothing of them is copied here):

  python3 tests/data/open_answer/make_open_answer_references.py \
      --whisper W --sacrebleu S --jiwer J --rapidfuzz R [--out tests/data/open_answer]

Needs /usr/bin/python3 with python3-regex, python3-more-itertools, python3-portalocker,
python3-tabulate, python3-colorama, python3-lxml and python3-numpy (scripts/setup.sh installs
them) and pocketsphinx-testdata's transcripts for real sentences. The corpus is drawn from a
seeded generator, so running it again gives the same files.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

SEED = 20261206
POCKETSPHINX = "/usr/share/pocketsphinx/test/data"


def export(root, paths, target):
    """Copies `paths` of a checkout (work tree or bare git dir) under `target`; returns the commit."""
    os.makedirs(target, exist_ok=True)
    if os.path.isdir(os.path.join(root, ".git")) or not os.path.isfile(os.path.join(root, "HEAD")):
        git = ["git", "-C", root]
    else:
        git = ["git", "--git-dir", root]
    commit = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    archive = subprocess.run(git + ["archive", "HEAD"] + paths, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", target], input=archive.stdout, check=True)
    return commit


def load_references(args, scratch):
    commits = {}
    whisper = os.path.join(scratch, "whisper")
    commits["openai/whisper"] = export(args.whisper, ["whisper/normalizers"], whisper)
    sacrebleu = os.path.join(scratch, "sacrebleu")
    commits["mjpost/sacrebleu"] = export(args.sacrebleu, ["sacrebleu"], sacrebleu)
    version = os.path.join(sacrebleu, "sacrebleu", "version.py")
    if not os.path.exists(version):  # written by setuptools_scm at build time
        with open(version, "w") as f:
            f.write('__version__ = "2.6.0"\n')
    jiwer = os.path.join(scratch, "jiwer")
    commits["jitsi/jiwer"] = export(args.jiwer, ["src/jiwer"], jiwer)
    rapidfuzz = os.path.join(scratch, "rapidfuzz")
    commits["rapidfuzz/RapidFuzz"] = export(args.rapidfuzz, ["src/rapidfuzz"], rapidfuzz)
    os.environ["RAPIDFUZZ_IMPLEMENTATION"] = "python"
    sys.path[:0] = [os.path.join(whisper, "whisper"), sacrebleu, os.path.join(jiwer, "src"),
                    os.path.join(rapidfuzz, "src")]
    return commits


# ---------------------------------------------------------------- text generation
ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
            "nineth", "tenth", "eleventh", "twelfth", "twentieth", "thirtieth", "hundredth",
            "thousandth", "millionth", "zeroth", "sixes", "twos", "twenties", "hundreds",
            "thousands", "millions", "ones"]
SCALES = ["hundred", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion",
          "sextillion", "decillion"]
FILLERS = ["hmm", "mm", "mhm", "mmm", "uh", "um", "umm", "uhh", "Hmm", "UM"]
CONTRACTIONS = ["won't", "can't", "let's", "ain't", "y'all", "wanna", "gotta", "gonna", "i'ma",
                "imma", "woulda", "coulda", "shoulda", "ma'am", "it's", "he's been", "she'd been",
                "they'd gone", "we've", "you're", "I'm", "they'll", "isn't", "don't", "'tis",
                "she's got", "he'd done", "it 's", "I 'm", "rock'n'roll", "o'clock", "it’s",
                "James's", "dogs'"]
TITLES = ["Mr.", "Mrs.", "Dr", "St.", "Prof.", "Capt.", "Gov.", "Ald.", "Gen.", "Sen.", "Rep.",
          "Pres.", "Rev.", "Hon.", "Asst.", "Assoc.", "Lt.", "Col.", "Jr.", "Sr.", "Esq.", "MR",
          "mrs", "st"]
DIACRITIC_WORDS = ["café", "naïve", "Zoë", "São Paulo", "Œuvre", "straße", "Łódź", "Ærø",
                   "þorn", "Đorđe", "smørrebrød", "façade", "jalapeño", "Ångström", "crème brûlée",
                   "Ðe", "Øresund", "ẞ", "résumé", "coöperate", "Dvořák", "Škoda", "İstanbul",
                   "ΣΊΣΥΦΟΣ", "ΟΔΟΣ", "Привет", "ﬁne", "ǅemal", "Ǆ", "e\u0301cole", "n\u0303"]
CJK = ["中文句子，测试。", "日本語のテキストです。", "한국어 문장입니다", "你好，世界！", "東京タワー",
       "她会没事的。", "１２３ＡＢＣ", "（括弧）", "【注意】", "「引用」", "第3章", "二十五",
       "〇一二", "ｶﾀｶﾅ", "㍿", "①②③", "㈱"]
SYMBOLS = ["—", "–", "…", "«", "»", "“", "”", "‘", "’", "!", "?", ";", ":", "/", "\\", "@",
           "#", "&", "*", "~", "^", "`", "|", "©", "®", "™", "°", "±", "×", "÷", "😀", "👍🏽",
           "§", "¶", "•", "·", "†", "‰", "′", "″", "€", "£", "$", "¢", "¥", "₹", "%", ".", ",",
           "-", "+", "=", "<", ">", "[", "]", "(", ")", "{", "}", "\"", "'", "_", "½", "¼", "²",
           "³", "¹", "ª", "º", "µ", "\u00a0", "\u2009", "\u200b", "\u3000", "\t", "\x1c", "\x85",
           "\u2028", "\ufeff", "\u0301", "\u20dd"]
BRACKETED = ["[laughter]", "<noise>", "(inaudible)", "[music playing]", "<unk>", "(uh)", "((x))",
             "[", "(", "<", "]", ")", ">", "[a > b]", "(a (b) c)", "<b]", "[cough)"]
CURRENCY = ["$", "£", "€", "¢", "﹩", "＄"]
DIGIT_FORMS = ["١٢", "٣٫٥", "१२३", "１２", "²", "½", "⑤", "Ⅻ", "𝟏𝟐", "٠", "۱۹۸۴"]
PLAIN = ("the of and to a in is that for it as was with be by on not he I this are or his from "
         "at which but have an they you were her she there been one all we their has would when "
         "if more no out so said what up its about into than them can only other new some could "
         "time these two may then do first any my now such like our over man me even most made "
         "after also did many before must through back years where much your way well down "
         "should because each just those people how too little state good very make world still "
         "own see men work long get here between both life being under never day same another "
         "know while last might us great old year off come since against go came right used take "
         "three colour favour centre theatre organise analyse travelled jewellery programme "
         "grey defence licence aeroplane mould plough tyre kerb cheque").split()


def spell_number(n):
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else random.choice([" ", "-", " "]) + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        head = ONES[n // 100] + " hundred"
        if rest == 0:
            return head
        return head + random.choice([" ", " and "]) + spell_number(rest)
    for value, name in [(10**9, "billion"), (10**6, "million"), (1000, "thousand")]:
        if n >= value:
            rest = n % value
            head = spell_number(n // value) + " " + name
            return head if rest == 0 else head + random.choice([" ", " and ", ", "]) + spell_number(rest)
    raise ValueError(n)


def number_phrase():
    r = random.random()
    n = random.choice([random.randint(0, 20), random.randint(0, 100), random.randint(0, 1000),
                       random.randint(0, 10**6), random.randint(0, 10**10)])
    if r < 0.25:
        return spell_number(n)
    if r < 0.35:
        return random.choice([f"{n:,}", str(n), f"{n}.{random.randint(0, 99)}", f"0.{random.randint(0, 99)}"])
    if r < 0.45:
        amount = random.choice([str(random.randint(0, 500)), f"{random.randint(0, 99)}.{random.randint(0, 99):02d}",
                                f"{random.uniform(0, 10):.1f}", spell_number(random.randint(0, 99))])
        unit = random.choice(["", " million", " billion", " thousand", " dollars", " cents",
                              " pounds", " euros", " and 5 cents", " and ¢7"])
        return random.choice(CURRENCY) + amount + unit
    if r < 0.55:
        return spell_number(random.randint(1, 99)) + " " + random.choice(
            ["dollars", "dollars and " + spell_number(random.randint(1, 99)) + " cents",
             "pounds", "euros", "cents", "percent", "per cent", "per", "million dollars",
             "point five", "point " + spell_number(random.randint(0, 9)), "and a half",
             "hundred and a half", "thousandth", "millions", "hundreds", "s", "th"])
    if r < 0.65:
        return random.choice(["1st", "2nd", "3rd", "4th", "22nd", "101st", "1960s", "the 90s",
                              "50%", "3.5%", "100 %", "12.5.3", "192.168.0.1", "1 st", "2 nd",
                              "5 th", "80 s", "7-eleven", "24/7", "3/4", "1e5", "007", "1.0",
                              "2.50", "$0.07", "€0.5", "£1,000,000", "1,2,3", "10,000.5",
                              "-5", "+3", "5-6", "3x", "x3", "a1b2c3", "mp3", "2nd-hand"])
    if r < 0.75:
        return " ".join(random.choice(["double", "triple", "oh", "o", "zero", "minus", "negative",
                                       "plus", "positive", "point", "and", "one", "two", "five",
                                       "nine", "ten", "eleven", "twenty", "hundred", "thousand",
                                       "million"] + ORDINALS + SCALES)
                        for _ in range(random.randint(1, 6)))
    if r < 0.85:
        return random.choice(DIGIT_FORMS) + random.choice(["", " million", "%", " dollars", "th"])
    return random.choice(ORDINALS) + " " + random.choice(SCALES + ORDINALS + ["", "of may"])


def random_word(spelling_keys):
    # (cumulative probability bound, where the word comes from)
    sources = [(0.45, PLAIN), (0.55, spelling_keys), (0.62, CONTRACTIONS), (0.67, TITLES),
               (0.72, FILLERS), (0.78, DIACRITIC_WORDS), (0.82, CJK), (0.88, BRACKETED)]
    r = random.random()
    word = next((random.choice(words) for bound, words in sources if r < bound), None)
    if word is None:
        word = number_phrase()
    casing = random.random()
    if casing < 0.15:
        word = word.capitalize()
    elif casing < 0.2:
        word = word.upper()
    return word


def random_text(spelling_keys):
    pieces = []
    for _ in range(random.randint(1, 14)):
        pieces.append(random_word(spelling_keys))
        if random.random() < 0.3:
            pieces.append(random.choice(SYMBOLS))
    separators = [" "] * 12 + ["", "  ", "\t", ", ", ". ", "\u00a0"]
    text = pieces[0]
    for piece in pieces[1:]:
        text += random.choice(separators) + piece
    if random.random() < 0.3:
        text += random.choice([".", "?", "!", "...", " .", "'", "\""])
    if random.random() < 0.1:
        text = random.choice([" ", "  ", "\t"]) + text + random.choice(["", " ", "  "])
    return text


def real_sentences():
    sentences = []
    for name in ["librivox/transcription", "librivox/test-lm.match", "cards/cards.transcription",
                 "cards/cards.hyp", "tidigits/tidigits.lsn", "tidigits/test-tidigits-simple.match"]:
        path = os.path.join(POCKETSPHINX, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                words = [w for w in line.split() if w not in ("<s>", "</s>") and not w.startswith("(")
                         and not w.endswith(")")]
                if words:
                    sentences.append(" ".join(words))
    return sentences


# ---------------------------------------------------------------- corpora
def normalizer_corpus(count):
    import normalizers
    english = normalizers.EnglishTextNormalizer()
    basic = normalizers.BasicTextNormalizer()
    basic_diacritics = normalizers.BasicTextNormalizer(remove_diacritics=True)
    spelling_keys = sorted(english.standardize_spellings.mapping)
    texts = real_sentences()
    texts += [s.capitalize() + "." for s in texts]
    while len(texts) < count:
        texts.append(random_text(spelling_keys))
    rows = []
    for text in texts:
        rows.append({"text": text, "whisper_en": english(text), "whisper_basic": basic(text),
                     "whisper_basic_diacritics": basic_diacritics(text)})
    return rows


def librivox_pairs():
    """(id, reference, hypothesis): pocketsphinx-testdata's LibriVox transcripts and its decoder's
    own output for them (test-lm.match), matched by utterance id."""
    def by_id(name):
        rows = {}
        with open(os.path.join(POCKETSPHINX, "librivox", name), encoding="utf-8") as f:
            for line in f:
                text, _, rest = line.rstrip("\n").rpartition(" (")
                words = [w for w in text.split() if w not in ("<s>", "</s>")]
                rows[rest.rstrip(")").split()[0]] = " ".join(words)
        return rows
    references, hypotheses = by_id("transcription"), by_id("test-lm.match")
    return [(key, references[key], hypotheses[key]) for key in sorted(references) if key in hypotheses]


def librivox_asr():
    """jiwer's corpus figures on the LibriVox pairs after EnglishTextNormalizer."""
    import jiwer
    import normalizers
    english = normalizers.EnglishTextNormalizer()
    pairs = librivox_pairs()
    references = [english(r) for _, r, _ in pairs]
    hypotheses = [english(h) for _, _, h in pairs]
    words = jiwer.process_words(references, hypotheses)
    chars = jiwer.process_characters(references, hypotheses)
    return {"ids": [key for key, _, _ in pairs],
            "wer": {"rate": words.wer, "hits": words.hits, "substitutions": words.substitutions,
                    "deletions": words.deletions, "insertions": words.insertions},
            "cer": {"rate": chars.cer, "hits": chars.hits, "substitutions": chars.substitutions,
                    "deletions": chars.deletions, "insertions": chars.insertions}}


def perturb(words, vocabulary, rate):
    out = []
    for word in words:
        r = random.random()
        if r < rate / 3:
            continue  # deletion
        if r < 2 * rate / 3:
            out.append(random.choice(vocabulary))  # substitution
        else:
            out.append(word)
        if random.random() < rate / 3:
            out.append(random.choice(vocabulary))  # insertion
    if random.random() < 0.1 and len(out) > 2:
        i = random.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


def wer_corpus(normalized, count):
    import jiwer
    vocabulary = sorted({w for text in normalized for w in text.split()}) or ["a"]
    pairs = []
    pocketsphinx = real_sentences()
    for i in range(0, min(len(pocketsphinx), 10) - 1, 2):
        pairs.append((pocketsphinx[i], pocketsphinx[i + 1]))
    while len(pairs) < count:
        reference = random.choice(normalized)
        words = reference.split()
        if random.random() < 0.05:
            hypothesis = ""
        elif random.random() < 0.1:
            hypothesis = reference
        else:
            hypothesis = " ".join(perturb(words, vocabulary, random.choice([0.1, 0.3, 0.6, 1.0])))
        if random.random() < 0.15:  # jiwer's own whitespace handling
            spaces = [" ", "  ", "\t", " \t ", "\n"]
            hypothesis = random.choice(["", " ", "  "]) + hypothesis.replace(" ", random.choice(spaces)) + random.choice(["", " ", "\t"])
        if random.random() < 0.02:
            reference = ""
        pairs.append((reference, hypothesis))
    rows = []
    for reference, hypothesis in pairs:
        words = jiwer.process_words(reference, hypothesis)
        chars = jiwer.process_characters(reference, hypothesis)
        rows.append({"reference": reference, "hypothesis": hypothesis,
                     "words": [words.hits, words.substitutions, words.deletions, words.insertions],
                     "chars": [chars.hits, chars.substitutions, chars.deletions, chars.insertions]})
    references = [r["reference"] for r in rows]
    hypotheses = [r["hypothesis"] for r in rows]
    words = jiwer.process_words(references, hypotheses)
    chars = jiwer.process_characters(references, hypotheses)
    corpus = {"wer": words.wer, "words": [words.hits, words.substitutions, words.deletions, words.insertions],
              "cer": chars.cer, "chars": [chars.hits, chars.substitutions, chars.deletions, chars.insertions]}
    return rows, corpus


def translation_corpus(texts, count):
    from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International
    tokenizers = {"intl": TokenizerV14International()}
    extras = ["Hello, world! It's 3.5-4.", "a&amp;b <skipped>(x) &quot;q&quot; &lt;tag&gt;",
              "well-known 1,000.", "The year 1984.", "U.S.A. e.g. i.e.", "co-operate -- yes",
              "他说：“我们明天去北京。”", "我有3.5个苹果, and 2 oranges.", "東京は2020年に…",
              "¿Qué tal? ¡Muy bien!", "l'homme d'affaires", "don't stop", "50% off — now!",
              "x\u201cy\u201d", "x\u2a6ey", "price: $9.99/kg", "a.b,c", "3.14, 2,5", "5-6 -7"]
    pool = texts + extras
    vocabulary = sorted({w for t in pool for w in t.split()})
    segments = []
    while len(segments) < count:
        reference = random.choice(pool)
        references = [reference]
        for _ in range(random.choice([0, 0, 0, 1, 2])):
            references.append(" ".join(perturb(reference.split(), vocabulary, 0.2)))
        if random.random() < 0.03:
            references.append("")
        r = random.random()
        if r < 0.05:
            hypothesis = ""
        elif r < 0.1:
            hypothesis = reference
        elif r < 0.15:
            hypothesis = random.choice(pool)
        else:
            hypothesis = " ".join(perturb(reference.split(), vocabulary, random.choice([0.1, 0.3, 0.6])))
        if random.random() < 0.05:
            hypothesis += random.choice([" ", "  ", "\t", " ."])
        segments.append({"hypothesis": hypothesis, "references": references,
                         "intl": tokenizers["intl"](hypothesis.rstrip())})
    return segments


def score_chunks(segments):
    from sacrebleu.metrics import BLEU, CHRF
    bounds = [(0, len(segments))]
    start = 0
    while start < len(segments):
        size = random.choice([1, 2, 3, 5, 8, 13, 21, 40, 60])
        bounds.append((start, min(len(segments), start + size)))
        start += size
    chunks = []
    for begin, end in bounds:
        part = segments[begin:end]
        hypotheses = [s["hypothesis"] for s in part]
        width = max(len(s["references"]) for s in part)
        streams = [[s["references"][j] if j < len(s["references"]) else None for s in part]
                   for j in range(width)]
        entry = {"begin": begin, "end": end, "bleu": {}}
        for tokenizer in ["13a", "intl", "zh", "none"]:
            score = BLEU(tokenize=tokenizer).corpus_score(hypotheses, streams)
            entry["bleu"][tokenizer] = {
                "score": score.score, "counts": list(score.counts), "totals": list(score.totals),
                "precisions": list(score.precisions), "bp": score.bp, "sys_len": score.sys_len,
                "ref_len": score.ref_len, "printed": str(score)}
        chrf = CHRF().corpus_score(hypotheses, streams)
        chrf_plus = CHRF(word_order=2).corpus_score(hypotheses, streams)
        entry["chrf"] = {"score": chrf.score, "printed": str(chrf)}
        entry["chrf++"] = {"score": chrf_plus.score, "printed": str(chrf_plus)}
        chunks.append(entry)
    return chunks


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--whisper", required=True)
    parser.add_argument("--sacrebleu", required=True)
    parser.add_argument("--jiwer", required=True)
    parser.add_argument("--rapidfuzz", required=True)
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        commits = load_references(args, scratch)
        random.seed(SEED)
        rows = normalizer_corpus(args.count)
        write_jsonl(os.path.join(args.out, "whisper_normalizers.jsonl"), rows)
        normalized = [r["whisper_en"].strip() for r in rows if r["whisper_en"].strip()]
        pairs, corpus = wer_corpus(normalized, args.count)
        write_jsonl(os.path.join(args.out, "jiwer_pairs.jsonl"), pairs)
        texts = [r["text"].strip() for r in rows if r["text"].strip()]
        segments = translation_corpus(texts, args.count)
        write_jsonl(os.path.join(args.out, "sacrebleu_segments.jsonl"), segments)
        chunks = score_chunks(segments)
        import sacrebleu
        with open(os.path.join(args.out, "open_answer_expected.json"), "w", encoding="utf-8") as f:
            json.dump({"commits": commits, "sacrebleu_version": sacrebleu.__version__,
                       "python": sys.version.split()[0], "seed": SEED, "jiwer_corpus": corpus,
                       "pocketsphinx_librivox_whisper_en": librivox_asr(),
                       "sacrebleu_chunks": chunks}, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")


if __name__ == "__main__":
    main()
