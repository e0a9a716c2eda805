#!/usr/bin/env bash
# Encode throughput of almkit's tokenizers against Hugging Face's JS tokenizer
# (@huggingface/tokenizers, tests/tokenizer_reference) on the same ~10 MB multilingual text, in
# the same run, one thread each. Prints MB/s per vocabulary and the ratio almkit / JS, and for
# context the native Rust tokenizers (npm "tokenizers" binding) on the same text.
#   benchmarks/compare_tokenizer.sh [vocab,vocab,...]   (default: all five)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
vocabularies=${1:-gpt2,qwen3,llama3,llama2,gemma3}
"$repo/scripts/fetch_tokenizers.sh" >/dev/null
if [[ ! -d $repo/tests/tokenizer_reference/node_modules ]]; then
  (cd "$repo/tests/tokenizer_reference" && npm ci --silent --no-audit --no-fund)
fi
build="${ALMKIT_BUILD_DIR:-$repo/build}"
if ! "$repo/scripts/build.sh" almkit_bench_tokenizer >/dev/null 2>&1; then
  [[ -x $build/benchmarks/almkit_bench_tokenizer ]] || { echo "build of almkit_bench_tokenizer failed" >&2; exit 1; }
  echo "warning: rebuilding almkit_bench_tokenizer failed; timing the existing binary" >&2
fi
filter=$(echo "$vocabularies" | sed 's/,/|/g')
ours=$("$build/benchmarks/almkit_bench_tokenizer" --benchmark_filter="encode/($filter)/" \
  --benchmark_format=json 2>/dev/null)
js=$(node "$repo/tests/tokenizer_reference/time_encode.mjs" --mb 10 --vocab "$vocabularies")
python3 - "$ours" "$js" <<'PY'
import json, sys
ours, js = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'vocabulary':<10} {'almkit MB/s':>12} {'JS MB/s':>9} {'almkit/JS':>10} {'Rust MB/s':>10} {'almkit/Rust':>12}  ids almkit / JS / Rust")
for bench in ours["benchmarks"]:
    name = bench["name"].split("/")[1]
    mine, theirs, rust = bench["MB/s"], js[name]["mb_per_s"], js[name]["rust_mb_per_s"]
    counts = (int(bench["ids"]), js[name]["ids"], js[name]["rust_ids"])
    same = "same" if len(set(counts)) == 1 else "DIFFERENT"
    print(f"{name:<10} {mine:>12.2f} {theirs:>9.2f} {mine / theirs:>9.1f}x {rust:>10.2f} {mine / rust:>11.2f}x  "
          f"{counts[0]} / {counts[1]} / {counts[2]} ({same})")
PY
