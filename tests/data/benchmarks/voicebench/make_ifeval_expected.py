#!/usr/bin/env python3
"""Made-up VoiceBench ifeval rows and the decisions of VoiceBench's own IFEvaluator on them
(src/evaluator/ifeval.py and instruction_following_eval/ of MatthewCYM/VoiceBench 533815410e3f,
run from a checkout: a work tree or a bare git directory), for tests/bench/ifeval_scoring_test.cpp.

The official code runs unchanged with Debian's python3-langdetect, python3-nltk,
python3-immutabledict, python3-absl and python3-numpy (/usr/bin/python3), with two exceptions:
  * langdetect is seeded (DetectorFactory.seed = SEED; IFEval leaves it unseeded), as almkit is;
  * nltk's punkt English model (nltk_data, not packaged by Debian) is not on this machine, so the
    two functions that need it are replaced by the stand-ins almkit uses without it
    (ifeval_nltk.h): the same PunktSentenceTokenizer with no learned parameters, for
    instructions_util.count_sentences and inside nltk.word_tokenize (NLTKWordTokenizer over its
    sentences).
Everything else (the 25 checkers, kwargs handling, strict/loose, print_report, np.mean) is the
official code. The file also records langdetect.detect() itself, NLTKWordTokenizer tokens and
nltk 3.8's PunktSentenceTokenizer sentences (with made-up parameters, written to punkt_params/,
and with none) on extra texts, so the ports are tested on their own.

usage: /usr/bin/python3 make_ifeval_expected.py VOICEBENCH_CHECKOUT
  writes ifeval_rows.jsonl, ifeval_expected.json and punkt_params/ beside this script
"""
import json
import os
import sys
import tempfile
import types

from voicebench_source import VOICEBENCH_COMMIT, read_source

SEED = 0
IFEVAL_FILES = ["src/evaluator/base.py", "src/evaluator/ifeval.py",
                "src/evaluator/instruction_following_eval/__init__.py",
                "src/evaluator/instruction_following_eval/instructions.py",
                "src/evaluator/instruction_following_eval/instructions_registry.py",
                "src/evaluator/instruction_following_eval/instructions_util.py"]


def load_ifeval(checkout, workdir):
    """VoiceBench's src/evaluator as a package `vb_evaluator` (only the ifeval modules)."""
    for path in IFEVAL_FILES:
        target = os.path.join(workdir, "vb_evaluator", path[len("src/evaluator/"):])
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write(read_source(checkout, path))
    with open(os.path.join(workdir, "vb_evaluator", "__init__.py"), "w") as f:
        f.write("")
    if "loguru" not in sys.modules:  # ifeval.py imports loguru's logger and never calls it
        try:
            import loguru  # noqa: F401
        except ImportError:
            stub = types.ModuleType("loguru")
            stub.logger = None
            sys.modules["loguru"] = stub
    sys.path.insert(0, workdir)
    import langdetect
    import nltk
    from nltk.tokenize.destructive import NLTKWordTokenizer
    from vb_evaluator import ifeval
    from vb_evaluator.instruction_following_eval import instructions_util
    from nltk.tokenize.punkt import PunktSentenceTokenizer
    langdetect.DetectorFactory.seed = SEED
    treebank = NLTKWordTokenizer()
    untrained = PunktSentenceTokenizer()
    instructions_util.count_sentences = lambda text: len(untrained.tokenize(text))
    nltk.word_tokenize = lambda text: [
        t for s in untrained.tokenize(text) for t in treebank.tokenize(s)]
    return ifeval, langdetect, treebank


# (instruction id, kwargs, response): every checker, following and not, with edge cases.
CASES = [
    ("keywords:existence", {"keywords": ["alpha", "Beta"]}, "ALPHA and beta"),
    ("keywords:existence", {"keywords": ["alpha", "Beta"]}, "alpha only"),
    ("keywords:existence", {"keywords": ["alpha", "beta"]}, "alphabet betamax"),
    ("keywords:existence", {"keywords": ["e.g."]}, "eXgX is not e.g"),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"}, "Cat cat"),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"}, "a cat"),
    ("keywords:frequency", {"keyword": " cat ", "frequency": 2, "relation": "at least"},
     "concatenate the cat"),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "less than"}, "one cat"),
    ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "less than"}, "CAT cat"),
    ("keywords:forbidden_words", {"forbidden_words": ["bad", "ugly", "bad"]}, "This is good"),
    ("keywords:forbidden_words", {"forbidden_words": ["bad", "ugly"]}, "This is BAD."),
    ("keywords:forbidden_words", {"forbidden_words": ["bad", "ugly"]}, "a badge and uglier"),
    ("keywords:forbidden_words", {"forbidden_words": ["bad", "ugly"]}, "the ugly-duck"),
    ("keywords:letter_frequency", {"letter": "e", "let_frequency": 3, "let_relation": "at least"},
     "EEe"),
    ("keywords:letter_frequency", {"letter": "e", "let_frequency": 3, "let_relation": "at least"},
     "ee é"),
    ("keywords:letter_frequency", {"letter": "E", "let_frequency": 3, "let_relation": "less than"},
     "tree"),
    ("keywords:letter_frequency", {"letter": "E", "let_frequency": 3, "let_relation": "less than"},
     "eleven"),
    ("language:response_language", {"language": "fr"},
     "Bonjour, je suis très content de vous voir aujourd'hui. Merci beaucoup."),
    ("language:response_language", {"language": "fr"},
     "Hello, I am very happy to see you today. Thank you very much."),
    ("language:response_language", {"language": "de"},
     "Guten Morgen! Ich hoffe, es geht dir gut und du hast einen schönen Tag."),
    ("language:response_language", {"language": "ja"}, "こんにちは、今日はとても良い天気ですね。"),
    ("language:response_language", {"language": "ru"}, "Привет, как дела? Сегодня хорошая погода."),
    ("language:response_language", {"language": "hi"}, "नमस्ते, आप कैसे हैं? मैं ठीक हूँ।"),
    ("language:response_language", {"language": "ko"}, "안녕하세요, 만나서 반갑습니다."),
    ("language:response_language", {"language": "en"}, "12345 !!! ??? 678"),
    ("language:response_language", {"language": "it"}, "Ciao"),
    ("language:response_language", {"language": "vi"},
     "Xin chào, hôm nay trời đẹp quá. Bạn có khỏe không?"),
    ("language:response_language", {"language": "ar"}, "مرحبا، كيف حالك اليوم؟"),
    ("language:response_language", {"language": "de"}, "ich bin a student"),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"},
     "One. Two."),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"},
     "One. Two. Three."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "Dr. Smith arrived at 3.15 p.m. today. He left soon after."),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "Just one sentence without a stop"),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"},
     "Wait... really? Yes! \"Quoted.\" Visit example.com now."),
    # where untrained punkt and IFEval's rule splitter disagree
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "Version 2.0 is out.Next one soon."),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"},
     "Hi... there. Ok"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, "a *** b *** c"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, "a\n***\nb"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, "*** a *** b *** c ***"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 3}, "a *** *** b *** c"),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "a\n\n***\n\nb"),
    ("length_constraints:number_words", {"num_words": 5, "relation": "at least"},
     "one two three four five"),
    ("length_constraints:number_words", {"num_words": 3, "relation": "less than"}, "don't stop"),
    ("length_constraints:number_words", {"num_words": 3, "relation": "less than"},
     "naïve café_bar"),
    ("length_constraints:number_words", {"num_words": 4, "relation": "at least"},
     "x1 y-2 ٣٤ 五"),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "Then"},
     "First para.\n\nThen second."),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
     "First.\n\n\"Then,\" he said."),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
     "First.\n\nThen.\n\nThird."),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"}, "\n\nFirst.\n\nThen."),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"}, "First.\n\n\n\nThen"),
    ("length_constraints:nth_paragraph_first_word",
     {"num_paragraphs": 1, "nth_paragraph": 1, "first_word": "'quote'"}, "'Quote' me."),
    ("detectable_content:number_placeholders", {"num_placeholders": 2},
     "Dear [name], at [address]."),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name]."),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "[] and [x]"),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "[a\nb] [c]"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi\nP.S. bye"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi ps bye"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi\np. s. note"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi\nP.P.S extra"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi\nP.S. only"),
    ("detectable_content:postscript", {"postscript_marker": " Note: "}, "text\nNOTE: x"),
    ("detectable_content:postscript", {"postscript_marker": "Note:"}, "no marker"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* a\n* b"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* a\n- b"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* a\n* b\n* c"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "** bold\n* a\n- b"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "Intro:\n  * indented\n-dash"),
    ("detectable_format:constrained_response", {}, "My answer is yes."),
    ("detectable_format:constrained_response", {}, "my answer is yes."),
    ("detectable_format:constrained_response", {}, "I think My answer is maybe. ok"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*a* and *b*"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "only *a*"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "**bold** text"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "** ** and * *"),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 3},
     "*a* **b** *c\nd*"),
    ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 2},
     "Section 1\nA\nSection 2\nB"),
    ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 2},
     "SECTION 1 a SECTION 2 b"),
    ("detectable_format:multiple_sections", {"section_spliter": " SECTION ", "num_sections": 2},
     "SECTION 1 a SECTION 2 b"),
    ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 2},
     "Section 1 only"),
    ("detectable_format:multiple_sections", {"section_spliter": "Day", "num_sections": 3},
     "Day 1: go\nDay2: stay\nDay 3 leave"),
    ("detectable_format:json_format", {}, "```json\n{\"a\": 1}\n```"),
    ("detectable_format:json_format", {}, "{\"a\": 1}"),
    ("detectable_format:json_format", {}, "{'a': 1}"),
    ("detectable_format:json_format", {}, "NaN"),
    ("detectable_format:json_format", {}, "[1, 2,]"),
    ("detectable_format:json_format", {}, "```\n[1, 2]\n```"),
    ("detectable_format:json_format", {}, "\ufeff{}"),
    ("detectable_format:json_format", {}, "```JSON {\"a\": [true, null, -Infinity]} ```"),
    ("detectable_format:json_format", {}, "{\"a\": \"\\ud800\"}"),
    ("detectable_format:json_format", {}, "1e400"),
    ("detectable_format:json_format", {}, "Here is json: {}"),
    ("detectable_format:json_format", {}, "```Json\n\"x\"\n```"),
    ("detectable_format:json_format", {}, "{\"a\": 01}"),
    ("detectable_format:json_format", {}, "{\"a\": \"tab\there\"}"),
    ("detectable_format:json_format", {}, "1" * 4301),
    ("detectable_format:title", {}, "<<My Title>>\ntext"),
    ("detectable_format:title", {}, "<< >> text"),
    ("detectable_format:title", {}, "<<a\nb>>"),
    ("detectable_format:title", {}, "no title"),
    ("detectable_format:title", {}, "<<<x>>>"),
    ("combination:two_responses", {}, "A\n******\nB"),
    ("combination:two_responses", {}, "A ****** A"),
    ("combination:two_responses", {}, "A ****** B ****** C"),
    ("combination:two_responses", {}, "****** A ****** B"),
    ("combination:two_responses", {}, "A ************ B"),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem"},
     "write a POEM about cats"),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem"}, "Sure! Write a poem"),
    ("startend:end_checker", {"end_phrase": "Any other questions?"},
     "Hello.\nAny other questions?"),
    ("startend:end_checker", {"end_phrase": "Any other questions?"},
     "\"Bye. Any other questions?\""),
    ("startend:end_checker", {"end_phrase": "Any other questions?"},
     "Any other questions? Thanks"),
    ("startend:end_checker", {"end_phrase": " any other questions? "}, "ANY OTHER QUESTIONS?"),
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "at least"},
     "THE BIG DOG"),
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "at least"},
     "THE big dog"),
    ("change_case:capital_word_frequency", {"capital_frequency": 4, "capital_relation": "at least"},
     "CAN'T STOP NOW"),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"},
     "USA."),
    ("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"},
     "DON'T"),
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "at least"},
     "I SAID \"GO\" (NOW) -- IT'S LATE."),
    ("change_case:english_capital", {}, "HELLO WORLD, THIS IS AN ENGLISH SENTENCE."),
    ("change_case:english_capital", {}, "BONJOUR MES AMIS, COMMENT ALLEZ-VOUS AUJOURD'HUI?"),
    ("change_case:english_capital", {}, "Hello World"),
    ("change_case:english_capital", {}, "123 !!!"),
    ("change_case:english_lowercase", {}, "hello world, this is an english sentence."),
    ("change_case:english_lowercase", {}, "Hello there"),
    ("change_case:english_lowercase", {}, "bonjour mes amis, comment allez-vous aujourd'hui?"),
    ("punctuation:no_comma", {}, "a b"),
    ("punctuation:no_comma", {}, "a, b"),
    ("punctuation:no_comma", {}, "a，b"),
    ("startend:quotation", {}, "\"quoted\""),
    ("startend:quotation", {}, "  \"x\"  "),
    ("startend:quotation", {}, "\""),
    ("startend:quotation", {}, "'x'"),
    # loose differs from strict: first / last line or `*` removed
    ("startend:quotation", {}, "Sure, here it is:\n\"quoted\""),
    ("detectable_format:json_format", {}, "Here you go:\n{\"a\": 1}\nHope it helps!"),
    ("detectable_format:constrained_response", {}, "**My answer is yes.**"),
    ("punctuation:no_comma", {}, "Sure, here:\nno commas here"),
    ("change_case:english_lowercase", {}, "Sure thing:\nthis whole reply is lower case english"),
    ("detectable_format:title", {}, "<<*Title*>>"),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Tell me a joke"},
     "Okay!\nTell me a joke\nWhy did the chicken cross the road?"),
    ("startend:end_checker", {"end_phrase": "Is there anything else I can help with?"},
     "Done. Is there anything else I can help with?\n*smiles*"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 1}, "Here:\n* one"),
    # a blank response follows nothing; HF's union-of-keys kwargs carry nulls that are dropped
    ("punctuation:no_comma", {}, "   "),
    ("length_constraints:number_words", {"num_words": 2, "relation": "at least", "keyword": None,
                                         "frequency": None, "language": None}, "two words"),
]

# Rows with several instructions, a repeated prompt (the later response wins) and VoiceBench's
# response clean-up (<1> prefix, <|user|> suffix).
MULTI = [
    {"prompt": "multi 1", "instruction_id_list": ["punctuation:no_comma",
                                                  "detectable_format:title",
                                                  "startend:quotation"],
     "kwargs": [{}, {}, {}], "response": "\"<<Poem>> roses are red\""},
    {"prompt": "multi 2", "instruction_id_list": ["keywords:existence", "punctuation:no_comma"],
     "kwargs": [{"keywords": ["sun"]}, {}], "response": "<1> The sun, the moon <|user|>"},
    {"prompt": "repeated", "instruction_id_list": ["change_case:english_lowercase"],
     "kwargs": [{}], "response": "THIS IS NOT LOWER CASE"},
    {"prompt": "repeated", "instruction_id_list": ["punctuation:no_comma"],
     "kwargs": [{}], "response": "this is lower case and has no comma"},
]

LANGDETECT_TEXTS = [
    ("This is a plain English sentence about the weather.", 0),
    ("Dies ist ein deutscher Satz über das Wetter.", 0),
    ("Esta es una frase en español sobre el clima.", 3),
    ("Ceci est une phrase en français.", 0),
    ("ok", 0), ("ok", 1), ("ok", 2), ("si", 5), ("ja nein", 0), ("Hola amigo", 7),
    ("中文文本，用于语言检测。", 0), ("日本語のテキストです。", 0),
    ("Visit https://example.com or mail me@example.org now please", 0),
    ("Tiếng Việt có dấu: Xin chào các bạn", 0),
    ("МОСКВА ЭТО СТОЛИЦА", 0),
    ("USA NASA FBI are acronyms", 0),
    ("!!! ??? 123", 0),
    # mixed texts, where the seed decides
    ("Hello bonjour hola ciao danke", 0), ("Hello bonjour hola ciao danke", 4),
    ("Hello bonjour hola ciao danke", 8), ("ich bin a student", 0), ("ich bin a student", 1),
]

TOKENIZE_TEXTS = [
    "Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\nThanks.",
    "\"Hello,\" she said -- \"it's 5:30; can't you wait?\"",
    "They'll gonna GIMME 'em... «quoted» (yes) [no] {maybe} <ok> 'tis @home #tag 50%",
    "DON'T STOP: I'M HERE & YOU'RE THERE!",
]


# Made-up punkt parameters in punkt_tab's text form (the English model's are not available here):
# they exercise every rule of the tokenizer (abbreviations, collocations, sentence starters,
# orthographic contexts) on PUNKT_TEXTS.
PUNKT_PARAMS = {
    "abbrev_types.txt": ["dr", "e.g", "etc", "mr", "u.s", "inc", "fig", "approx"],
    "collocations.tab": [("##number##", "january"), ("dr", "watson"), ("s", "holmes")],
    "sent_starters.txt": ["he", "the", "but", "however"],
    # flags: BEG_UC 2, MID_UC 4, UNK_UC 8, BEG_LC 16, MID_LC 32, UNK_LC 64
    "ortho_context.tab": [("he", 2 | 32), ("smith", 4), ("apple", 2 | 32), ("in", 2 | 16 | 32),
                          ("paris", 4 | 8), ("went", 32)],
}
PUNKT_TEXTS = [
    "Dr. Smith went home. He was tired.",
    "We met Dr. Watson at 5 p.m. yesterday. The end.",
    "Prices rose e.g. in Paris. However, not here!",
    "It costs approx. 5 dollars etc. But why? Nobody knows...",
    "See fig. 3. The U.S. economy grew. Mr. Smith agreed.",
    "On 5. January we left. In the morning it rained.",
    "J. R. R. Tolkien wrote books. A. Apple fell. B. went home.",
    "\"Stop.\" He said. (Really.) [Yes.] Then 'no.' she went.",
    "First line.\n\nSecond paragraph ends here.\nThird line without end",
    "Wait... what? No!! Really?! ok. fine.",
    "Acme Inc. Is big. S. Holmes was here. Numbers 1.5. Then 2. more",
    "Hello world",
    "   ",
    "Trailing spaces.   ",
    "Ends with abbreviation Dr.",
    "-- Dashes. -- and more. e.g. lower start. Fig. 2.",
]


def punkt_sentences(texts, workdir):
    """nltk 3.8's PunktSentenceTokenizer with PUNKT_PARAMS, and with no parameters at all."""
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    params = PunktParameters()
    params.abbrev_types = set(PUNKT_PARAMS["abbrev_types.txt"])
    params.collocations = set(PUNKT_PARAMS["collocations.tab"])
    params.sent_starters = set(PUNKT_PARAMS["sent_starters.txt"])
    for typ, flags in PUNKT_PARAMS["ortho_context.tab"]:
        params.ortho_context[typ] = flags
    trained, untrained = PunktSentenceTokenizer(), PunktSentenceTokenizer()
    trained._params = params
    return [{"text": t, "sentences": trained.tokenize(t), "untrained": untrained.tokenize(t)}
            for t in texts]


def write_punkt_params(folder):
    """Sorted, as scripts/punkt_pickle_to_tab.py writes them."""
    os.makedirs(folder, exist_ok=True)
    for name, rows in PUNKT_PARAMS.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            for row in sorted(rows):
                f.write(("\t".join(str(x) for x in row) if isinstance(row, tuple) else row) + "\n")


def main():
    checkout = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as workdir:
        ifeval, langdetect, treebank = load_ifeval(checkout, workdir)
        rows = []
        for i, (instruction, kwargs, response) in enumerate(CASES):
            rows.append({"subset": "ifeval", "key": i, "prompt": "case %d" % i,
                         "instruction_id_list": [instruction], "kwargs": [kwargs],
                         "response": response})
        for i, row in enumerate(MULTI):
            rows.append(dict({"subset": "ifeval", "key": 1000 + i}, **row))
        inputs = ifeval.read_prompt_list(rows)
        prompt_to_response = ifeval.read_prompt_to_response_dict(rows)
        decisions = []
        for inp in inputs:
            strict = ifeval.test_instruction_following_strict(inp, prompt_to_response)
            loose = ifeval.test_instruction_following_loose(inp, prompt_to_response)
            decisions.append({"strict": strict.follow_instruction_list,
                              "loose": loose.follow_instruction_list})
        figures = {k: float(v) for k, v in ifeval.IFEvaluator().evaluate(rows).items()}
        detections = []
        for text, seed in LANGDETECT_TEXTS:
            langdetect.DetectorFactory.seed = seed
            try:
                language = langdetect.detect(text)
            except langdetect.LangDetectException:
                language = ""
            detections.append({"text": text, "seed": seed, "language": language})
        langdetect.DetectorFactory.seed = SEED
        tokens = [{"text": t, "tokens": treebank.tokenize(t)} for t in TOKENIZE_TEXTS]
        punkt = punkt_sentences(PUNKT_TEXTS, workdir)
    write_punkt_params(os.path.join(here, "punkt_params"))
    with open(os.path.join(here, "ifeval_rows.jsonl"), "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    expected = {"source": "MatthewCYM/VoiceBench " + VOICEBENCH_COMMIT, "langdetect_seed": SEED,
                "decisions": decisions, "figures": figures, "langdetect": detections,
                "tokenize": tokens, "punkt": punkt}
    with open(os.path.join(here, "ifeval_expected.json"), "w", encoding="utf-8") as f:
        f.write("{\n")  # one decision, detection or tokenisation per line
        for i, (key, value) in enumerate(expected.items()):
            if isinstance(value, list):
                body = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
                text = "[\n" + body + "\n ]"
            else:
                text = json.dumps(value, ensure_ascii=False)
            f.write(" %s: %s%s\n" % (json.dumps(key), text, "," if i + 1 < len(expected) else ""))
        f.write("}\n")


if __name__ == "__main__":
    main()
