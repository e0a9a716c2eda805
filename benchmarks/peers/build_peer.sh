#!/usr/bin/env bash
# Builds a CPU-only llama.cpp or whisper.cpp peer for the issue 18 comparisons from a fetched git
# snapshot, outside the repository's tracked files: sources are exported to
# .cache/peers/<name>/src (git-ignored), the build goes to .cache/peers/<name>/build. Nothing
# fetched is committed.
#   benchmarks/peers/build_peer.sh llama   /path/to/llama.cpp.git    # -> llama-bench
#   benchmarks/peers/build_peer.sh whisper /path/to/whisper.cpp.git  # -> whisper-bench, whisper-cli
# The git dir is what the `fetch` tool (or `git clone --mirror`) gives. GGML_NATIVE (the default)
# compiles for this CPU, as the issue's own llama.cpp figures did. Two jobs; no curl, no GPU.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
name=${1:?usage: build_peer.sh llama|whisper GIT_DIR}
git_dir=${2:?usage: build_peer.sh llama|whisper GIT_DIR}
case $name in
  llama) targets=(llama-bench llama-cli) options=(-DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF) ;;
  whisper) targets=(whisper-bench whisper-cli) options=(-DWHISPER_BUILD_TESTS=OFF -DWHISPER_CURL=OFF -DWHISPER_SDL2=OFF) ;;
  *) echo "build_peer.sh: unknown peer '$name' (llama or whisper)" >&2; exit 2 ;;
esac
[[ -d $git_dir ]] || { echo "build_peer.sh: no git dir at '$git_dir'" >&2; exit 2; }
root="${ALMKIT_PEERS_DIR:-$repo/.cache/peers}/$name"
commit=$(git --git-dir="$git_dir" rev-parse HEAD)
if [[ ! -f $root/src/.commit || $(cat "$root/src/.commit") != "$commit" ]]; then
  rm -rf "$root/src"
  mkdir -p "$root/src"
  # A snapshot may leave its largest files out (vocabulary test files): export all but those.
  excludes=()
  tree=$(git --git-dir="$git_dir" ls-tree -r HEAD | awk '$2 == "blob" {print $3, $4}')
  while read -r object _; do
    excludes+=(":(exclude)$(awk -v o="$object" '$1 == o {print $2; exit}' <<<"$tree")")
  done < <(awk '{print $1}' <<<"$tree" | git --git-dir="$git_dir" cat-file --batch-check | awk '$2 == "missing"')
  git --git-dir="$git_dir" archive HEAD -- . "${excludes[@]}" | tar -x -C "$root/src"
  echo "$commit" >"$root/src/.commit"
fi
cmake -S "$root/src" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DGGML_NATIVE=ON -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF "${options[@]}" >/dev/null
ninja -C "$root/build" -j "${ALMKIT_JOBS:-2}" "${targets[@]}"
echo "$name.cpp $commit built in $root/build/bin"
