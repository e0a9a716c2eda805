// Times @huggingface/tokenizers' encode (pure JS, the reference of the issue) and, for context,
// Hugging Face's Rust tokenizers through their node binding (npm "tokenizers"), on the benchmark
// text (the corpus long_text with benchmarks/tokenizer_bench.cpp's seed and size); prints
// {"<vocab>": {"mb_per_s", "rust_mb_per_s", "ids"}} as JSON.
//   node time_encode.mjs [--mb 10] [--vocab qwen3,llama3]
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { long_text } from "./corpus.mjs";
import { createRequire } from "node:module";
import { load_tokenizer, tokenizer_files } from "./generate.mjs";

const RustTokenizer = createRequire(import.meta.url)("tokenizers").Tokenizer;

const here = path.dirname(fileURLToPath(import.meta.url));
const argument = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const mb = Number(argument("--mb", "10"));
const vocabularies = argument("--vocab", "gpt2,qwen3,llama3,llama2,gemma3").split(",");
const corpus = JSON.parse(fs.readFileSync(path.join(here, "../data/tokenizer/corpus.json"), "utf8"));
const text = long_text(corpus, 1234567, mb * (1 << 20));
const bytes = Buffer.byteLength(text, "utf8");
const results = {};
for (const name of vocabularies) {
  const tokenizer = load_tokenizer(name);
  tokenizer.encode(text.slice(0, 100000), { add_special_tokens: false });  // warm up the JIT
  const started = performance.now();
  const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
  const seconds = (performance.now() - started) / 1000;
  const rust = RustTokenizer.fromString(JSON.stringify(tokenizer_files(name).json));
  const rust_started = performance.now();
  const rust_ids = (await rust.encode(text, null, { addSpecialTokens: false })).getIds();
  const rust_seconds = (performance.now() - rust_started) / 1000;
  results[name] = { mb_per_s: bytes / 1e6 / seconds, rust_mb_per_s: bytes / 1e6 / rust_seconds,
                    ids: ids.length, rust_ids: rust_ids.length, bytes };
  console.error(`js ${name}: ${(bytes / 1e6 / seconds).toFixed(2)} MB/s, ${ids.length} ids; ` +
                `rust ${(bytes / 1e6 / rust_seconds).toFixed(2)} MB/s, ${rust_ids.length} ids`);
}
console.log(JSON.stringify(results));
