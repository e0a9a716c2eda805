// The tokenizer test corpus, built deterministically (no randomness beyond a fixed-seed
// xorshift32): hand-picked strings for each hard case, then seeded mixtures of them.
// tests/io/tokenizer/tokenizer_reference_test.cpp rebuilds the long input with the same
// xorshift32 (see long_text below), so both sides agree without committing a megabyte.

export function xorshift32(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state;
  };
}

const english = [
  "Hello world", "Hello, world!", "The quick brown fox jumps over the lazy dog.",
  "I'm sure you're right, it's what they'd've wanted.", "DON'T SHOUT! We'LL see, he'S fine.",
  "Transcribe the audio clip and answer the question below.",
  "What is the speaker's emotion? Answer with one word.",
  "  leading spaces", "trailing spaces   ", "a  b   c    d", "hello\nworld", "line one\r\nline two",
  "tab\tseparated\tvalues", "mixed \t \n whitespace \n\n\n", "\n\n\nthree newlines first",
  "e-mail: someone@example.com, url: https://huggingface.co/docs?x=1&y=2#frag",
  "Prices: $5.99, €12,50, £3 — 50% off!!!", "(parentheses) [brackets] {braces} <angles>",
  "snake_case_identifier camelCaseIdentifier PascalCase SCREAMING_CASE",
  "Mr. O'Neil's dog's bone", "rock 'n' roll", "''quoted'' \"double\" `back`",
  "ellipsis... and — dashes – and ‘curly’ “quotes”", "U.S.A. vs. U.K. e.g. i.e. etc.",
];

const scripts = [
  // Chinese, Japanese, Korean
  "你好，世界！今天天气很好。", "我们在北京大学学习人工智能和语音识别。", "這是繁體中文的句子。",
  "こんにちは、世界。今日はいい天気ですね。", "カタカナとひらがなと漢字が混ざった文章です。",
  "안녕하세요, 세계! 오늘 날씨가 좋네요.", "한국어 음성 인식 모델을 평가합니다.",
  // Arabic, Hebrew, Persian, Urdu
  "مرحبا بالعالم! كيف حالك اليوم؟", "اللغة العربية جميلة جداً.", "שלום עולם, מה שלומך?",
  "سلام دنیا، حال شما چطور است؟", "یہ اردو کا ایک جملہ ہے۔",
  // Indic: Devanagari, Bengali, Tamil, Telugu, Gujarati, Punjabi
  "नमस्ते दुनिया! आप कैसे हैं?", "हिन्दी भाषा में वाक्य।", "আমি বাংলায় কথা বলি।",
  "வணக்கம் உலகம்!", "తెలుగు భాష చాలా అందమైనది.", "ગુજરાતી ભાષા", "ਪੰਜਾਬੀ ਭਾਸ਼ਾ",
  // Thai, Lao, Khmer, Burmese
  "สวัสดีชาวโลก วันนี้อากาศดีมาก", "ພາສາລາວ", "ភាសាខ្មែរ", "မြန်မာဘာသာ",
  // Cyrillic, Greek, Armenian, Georgian, Ethiopic
  "Привет, мир! Как дела?", "Україна — це Європа.", "Здравствуйте, товарищи.",
  "Γειά σου Κόσμε! Τι κάνεις;", "Բարեւ աշխարհ", "გამარჯობა მსოფლიო", "ሰላም ለዓለም",
  // Latin with diacritics
  "Tiếng Việt có nhiều dấu thanh.", "Ça va? Où est la bibliothèque? Élève, naïve, cœur.",
  "Größenwahn und Straßenbahn über Äpfel.", "İstanbul'da ılık bir gün, ğüşöç.",
  "¿Dónde está el niño? ¡Olé!", "Zażółć gęślą jaźń.", "Příliš žluťoučký kůň.",
];

const emoji = [
  "😀", "👍🏽", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "🇩🇪🇫🇷🇯🇵", "❤️‍🔥", "🧑🏿‍💻 coding",
  "I love it 😍😍😍!", "emoji🙂inside🙃words", "👩‍❤️‍💋‍👨", "🫠🫡🫶", "©®™ ☺ ✔ ✈️",
  "keycaps 1️⃣2️⃣#️⃣", "😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍",
];

const numbers = [
  "0", "7", "42", "1234", "12345", "3.14159", "1,000,000", "2024-06-01", "12:30:45",
  "123456789012345678901234567890", "+1 (555) 123-4567", "0xDEADBEEF", "1e-10", "-273.15°C",
  "٠١٢٣٤٥٦٧٨٩ Arabic-Indic digits", "०१२३ Devanagari digits", "１２３ full-width", "½ ¾ ² ³ ⅓",
  "version 3.10.12-rc1", "IPv4 192.168.0.1",
];

const code = [
  "def f(x):\n    return x * 2\n",
  "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}",
  "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}",
  "<html><body><p class=\"x\">Hi &amp; bye</p></body></html>",
  "SELECT * FROM users WHERE id = 42 AND name LIKE '%bob%';",
  "#include <vector>\nint main() { return 0; }",
  "    indented four\n        indented eight\n",
  "x = [1, 2, 3]  # comment\ny = {'a': 1}",
  "$ ls -la | grep '.cpp' && echo \"done\"",
  "fn main() { println!(\"{}\", 1 + 1); }",
];

const special_tokens = [
  "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", "<|endoftext|>",
  "text<|endoftext|>more text", "<s>[INST] hello [/INST]</s>", "<bos><start_of_turn>user\nhi<end_of_turn>",
  "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhello<|eot_id|>",
  "<think>\nreasoning\n</think>\n\nanswer", "<tool_call>{\"a\": 1}</tool_call>",
  "<|audio_bos|><|AUDIO|><|audio_eos|>", " <s> spaced </s> ", "<unk><pad><mask>",
  "<|im_start|><|im_start|>", "<|fim_prefix|>def<|fim_suffix|>x<|fim_middle|>",
  "<start_of_image><image_soft_token><end_of_image>", "<unused0><unused12>",
  "<|reserved_special_token_5|>", "not a token: <|im_start", "<|im_end|>x<|im_end|>",
];

const whitespace = [
  "", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ", "\t\t\t", "          ten spaces",
  "a\u00a0nbsp", "ideographic\u3000space", "line\u2028separator", "next\u0085line", "zero\u200bwidth",
  "soft\u00adhyphen", "bom\ufeffinside", "word\u200djoined", "   \n\n   \t\t   ",
];

const normalization = [
  "e\u0301 combining acute", "n\u0303 a\u0308 o\u0302", "ﬁ ﬂ ligatures", "①②③ circled", "Ａ Ｂ full-width",
  "Å vs A\u030a", "한 vs \u1112\u1161\u11ab", "ẛ̣ dot", "㍿ squared", "ǅ titlecase digraph",
];

export function build_corpus() {
  const base = [...english, ...scripts, ...emoji, ...numbers, ...code, ...special_tokens,
                ...whitespace, ...normalization];
  const corpus = [...base];
  const next = xorshift32(20240601);
  const separators = [" ", "", "\n", "  ", "\t", ", ", "\n\n", " - "];
  // Pairs, then longer mixtures, of base strings.
  while (corpus.length < 1100) {
    const parts = 2 + (next() % 4);
    let text = "";
    for (let p = 0; p < parts; ++p) {
      if (p) text += separators[next() % separators.length];
      text += base[next() % base.length];
    }
    corpus.push(text);
  }
  // Longer paragraphs (a few KB) to exercise the word cache and long words.
  for (let k = 0; k < 20; ++k) {
    let text = "";
    while (text.length < 2000 + 300 * k) text += base[next() % base.length] + separators[next() % separators.length];
    corpus.push(text);
  }
  return corpus;
}

// Concatenates corpus strings picked by xorshift32(seed) until the text has at least
// `min_bytes` UTF-8 bytes. Mirrored by make_long_text() in the C++ tests and benchmark.
export function long_text(corpus, seed, min_bytes) {
  const next = xorshift32(seed);
  const encoder = new TextEncoder();
  const pieces = [];
  let bytes = 0;
  while (bytes < min_bytes) {
    const piece = corpus[next() % corpus.length];
    pieces.push(piece);
    bytes += encoder.encode(piece).length;
  }
  return pieces.join("");
}
