// Generates almkit's tokenizer and chat-template reference vectors with Hugging Face's JS
// libraries (@huggingface/tokenizers, @huggingface/jinja), from the real vocabularies that
// scripts/fetch_tokenizers.sh puts in .cache/tokenizers.
//
//   cd tests/tokenizer_reference && npm ci && node generate.mjs
//
// Writes tests/data/tokenizer/: corpus.json, ids_<vocab>.json, chat_templates.json.
import { Tokenizer } from "@huggingface/tokenizers";
import { Template } from "@huggingface/jinja";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build_corpus, long_text } from "./corpus.mjs";
import { conversations } from "./conversations.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const cache = process.env.ALMKIT_TOKENIZER_DIR ?? path.join(repo, ".cache/tokenizers");
const out_dir = path.join(repo, "tests/data/tokenizer");
fs.mkdirSync(out_dir, { recursive: true });

export const LONG_TEXT_SEED = 1234567;
export const LONG_TEXT_BYTES = 1 << 20;

function read_json(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

// tokenizer.json and tokenizer_config.json of a fetched vocabulary (GPT-2's built from
// vocab.json + merges.txt as transformers' GPT2TokenizerFast converts them).
export function tokenizer_files(name) {
  const dir = path.join(cache, name);
  if (name === "gpt2") {
    // GPT-2's vocab.json + merges.txt, as transformers' GPT2TokenizerFast converts them.
    const vocab = read_json(path.join(dir, "vocab.json"));
    const merges = fs.readFileSync(path.join(dir, "merges.txt"), "utf8").split("\n")
      .filter((line) => line && !line.startsWith("#version"));
    const json = {
      normalizer: null,
      pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: null,
      decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: "BPE", vocab, merges, unk_token: null, byte_fallback: false },
      added_tokens: [{ id: 50256, content: "<|endoftext|>", single_word: false, lstrip: false,
                       rstrip: false, normalized: true, special: true }],
    };
    return { json, config: { bos_token: "<|endoftext|>", eos_token: "<|endoftext|>" } };
  }
  return { json: read_json(path.join(dir, "tokenizer.json")),
           config: read_json(path.join(dir, "tokenizer_config.json")) };
}

export function load_tokenizer(name) {
  const { json, config } = tokenizer_files(name);
  return new Tokenizer(json, config);
}

function decode(tokenizer, ids, skip) {
  if (ids.length === 0) return "";
  return tokenizer.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
}

// FNV-1a 64 over the ids as little-endian int32, mirrored in the C++ test.
export function hash_ids(ids) {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const id of ids) {
    const value = id >>> 0;
    for (let k = 0; k < 4; ++k) {
      hash ^= BigInt((value >>> (8 * k)) & 0xff);
      hash = (hash * prime) & 0xffffffffffffffffn;
    }
  }
  return hash.toString(16).padStart(16, "0");
}

// FNV-1a 64 over bytes.
export function hash_bytes(bytes) {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

function generate_ids(corpus) {
  for (const name of ["gpt2", "qwen3", "llama3", "llama2", "gemma3"]) {
    const tokenizer = load_tokenizer(name);
    const cases = corpus.map((text) => {
      const ids = tokenizer.encode(text, { add_special_tokens: true }).ids;
      const entry = { ids };
      const decoded = decode(tokenizer, ids, false);
      if (decoded !== text) entry.decoded = decoded;
      const skipped = decode(tokenizer, ids, true);
      if (skipped !== decoded) entry.decoded_skip_special = skipped;
      const plain = tokenizer.encode(text, { add_special_tokens: false }).ids;
      if (plain.length !== ids.length) {
        // Usually the same ids without the post processor's BOS/EOS: stored as {offset, count}.
        const offset = ids.findIndex((_, k) => plain.every((id, j) => ids[k + j] === id));
        entry.without_special = offset >= 0 ? { offset, count: plain.length } : plain;
      }
      return entry;
    });
    const long = long_text(corpus, LONG_TEXT_SEED, LONG_TEXT_BYTES);
    const started = performance.now();
    const long_ids = tokenizer.encode(long, { add_special_tokens: false }).ids;
    const seconds = (performance.now() - started) / 1000;
    const long_decoded = decode(tokenizer, long_ids, false);
    const result = {
      generator: "@huggingface/tokenizers 0.2.0",
      vocabulary: name,
      cases,
      long_text: {
        seed: LONG_TEXT_SEED, min_bytes: LONG_TEXT_BYTES,
        bytes: Buffer.byteLength(long, "utf8"), count: long_ids.length, fnv1a64: hash_ids(long_ids),
        first: long_ids.slice(0, 64), last: long_ids.slice(-64),
        decoded_fnv1a64: hash_bytes(Buffer.from(long_decoded, "utf8")),
        decode_round_trip: long_decoded === long,
      },
    };
    fs.writeFileSync(path.join(out_dir, `ids_${name}.json`), JSON.stringify(result) + "\n");
    console.log(`${name}: ${cases.length} strings, long text ${long_ids.length} ids ` +
                `(${(result.long_text.bytes / 1e6 / seconds).toFixed(2)} MB/s in JS)`);
  }
}

function generate_templates() {
  const results = [];
  for (const c of conversations(cache)) {
    let expected = null, error = null;
    try {
      expected = new Template(c.template).render(c.context);
    } catch (e) {
      error = String(e.message ?? e);
    }
    results.push({ name: c.name, template: c.template_name, context: c.context,
                   expected, ...(error ? { error } : {}) });
  }
  const templates = {};
  for (const c of conversations(cache)) templates[c.template_name] = c.template;
  fs.writeFileSync(path.join(out_dir, "chat_templates.json"),
                   JSON.stringify({ generator: "@huggingface/jinja 0.5.11", templates, cases: results }, null, 1) + "\n");
  console.log(`chat templates: ${results.length} cases (${results.filter((r) => r.error).length} raise); ` +
              "now run check_jinja2.py --update");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();

function main() {
  const corpus = build_corpus();
  fs.writeFileSync(path.join(out_dir, "corpus.json"), JSON.stringify(corpus, null, 0) + "\n");
  console.log(`corpus: ${corpus.length} strings`);
  generate_templates();
  if (!process.argv.includes("--templates-only")) generate_ids(corpus);
}
