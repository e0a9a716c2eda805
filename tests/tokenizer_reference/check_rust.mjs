// Cross-checks the committed id vectors (made by @huggingface/tokenizers, pure JS) against Hugging
// Face's Rust tokenizers (npm "tokenizers" 0.23.2, the native library transformers uses), on the
// corpus and the 1 MB text. Prints per-vocabulary agreement; exit status 1 on any difference.
//   node check_rust.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { long_text } from "./corpus.mjs";
import { tokenizer_files, hash_ids, hash_bytes } from "./generate.mjs";

const require = createRequire(import.meta.url);
const { Tokenizer } = require("tokenizers");
const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.join(here, "../data/tokenizer");
const corpus = JSON.parse(fs.readFileSync(path.join(data, "corpus.json"), "utf8"));
let failures = 0;
for (const name of ["gpt2", "qwen3", "llama3", "llama2", "gemma3"]) {
  const reference = JSON.parse(fs.readFileSync(path.join(data, `ids_${name}.json`), "utf8"));
  const tokenizer = Tokenizer.fromString(JSON.stringify(tokenizer_files(name).json));
  let same_ids = 0, same_decode = 0;
  for (let i = 0; i < corpus.length; ++i) {
    const expected = reference.cases[i];
    const ids = (await tokenizer.encode(corpus[i], null, { addSpecialTokens: true })).getIds();
    if (JSON.stringify(ids) === JSON.stringify(expected.ids)) {
      ++same_ids;
    } else if (i - same_ids < 4) {
      console.log(`${name} ${i} ${JSON.stringify(corpus[i].slice(0, 80))}\n  rust ${JSON.stringify(ids.slice(0, 30))}\n  js   ${JSON.stringify(expected.ids.slice(0, 30))}`);
    }
    const decoded = expected.ids.length ? await tokenizer.decode(expected.ids, false) : "";
    if (decoded === (expected.decoded ?? corpus[i])) ++same_decode;
  }
  const long = long_text(corpus, reference.long_text.seed, reference.long_text.min_bytes);
  const long_ids = (await tokenizer.encode(long, null, { addSpecialTokens: false })).getIds();
  const long_same = hash_ids(long_ids) === reference.long_text.fnv1a64;
  const long_decoded = await tokenizer.decode(long_ids, false);
  const long_decode_same = hash_bytes(Buffer.from(long_decoded, "utf8")) === reference.long_text.decoded_fnv1a64;
  console.log(`${name}: rust tokenizers agree on ${same_ids}/${corpus.length} id lists, ${same_decode} decodes; ` +
              `1 MB text ids ${long_same ? "identical" : "DIFFERENT"}, decode ${long_decode_same ? "identical" : "DIFFERENT"}`);
  failures += corpus.length - same_ids + corpus.length - same_decode + !long_same + !long_decode_same;
}
process.exit(failures ? 1 : 0);
