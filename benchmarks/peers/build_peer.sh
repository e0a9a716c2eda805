#!/usr/bin/env bash
# Builds a peer for the issue 18 comparisons (CPU-only llama.cpp, whisper.cpp or libmtmd, or the
# pure-Python transformers) from a fetched git snapshot, outside the repository's tracked files: sources are exported to
# .cache/peers/<name>/src (git-ignored), the build goes to .cache/peers/<name>/build. Nothing
# fetched is committed.
#   benchmarks/peers/build_peer.sh llama   /path/to/llama.cpp.git    # -> llama-bench
#   benchmarks/peers/build_peer.sh whisper /path/to/whisper.cpp.git  # -> whisper-bench, whisper-cli
#   benchmarks/peers/build_peer.sh mtmd    /path/to/llama.cpp.git    # -> almkit-mtmd-bench
# mtmd needs a snapshot with libmtmd's audio encoders (tools/mtmd/mtmd-audio.cpp, mid-2025 on);
# it is built through benchmarks/peers/mtmd_bench/CMakeLists.txt (libmtmd + the timing driver).
# The git dir is what the `fetch` tool (or `git clone --mirror`) gives. GGML_NATIVE (the default)
# compiles for this CPU, as the issue's own llama.cpp figures did; ALMKIT_PEER_CPU=avx2 builds an
# AVX2-only peer into build-avx2/ instead (no AVX-512 kernels: the issue's AVX2-only tables on an
# AVX-512 machine, with almkit run under ALMKIT_SIMD=avx2). Two jobs; no curl, no GPU.
#   benchmarks/peers/build_peer.sh transformers /path/to/transformers.git /path/to/huggingface_hub.git
# transformers is pure Python: src/transformers at tag v4.47.1 (the version of the reference fixtures)
# and huggingface_hub's src at v0.26.5 are exported into .cache/peers/transformers/site (PYTHONPATH
# for /usr/bin/python3 with Debian's torch 1.13; the transformers_*.py scripts add it), beside almkit's own `safetensors`
# stand-in (benchmarks/peers/safetensors_shim: the Rust package is not installable here), an import
# stub for `tokenizers` (benchmarks/peers/tokenizers_stub: 4.47.1 imports it unconditionally; no
# dist-info, so transformers still reports it absent) and dist-info records giving transformers,
# huggingface_hub and the safetensors shim their versions (transformers checks them at import).
# TRANSFORMERS_TAG / HUB_TAG choose other tags. Debian's missing Python deps are apt-get installed.
# The exported sources are not patched. Debian's torch 1.13 on Python 3.11 cannot import
# torch.distributed.fsdp (a dataclass with a mutable default), which 4.47.1's generate() imports to
# ask whether the model is FSDP-wrapped; benchmarks/peers/transformers_site.py (imported by the
# transformers_*.py scripts before transformers) puts a stand-in module there. "sdpa" attention is
# refused on torch 1.13 (4.47.1 asks torch >= 2.1.1), so its default there is eager. Check the peer
# with benchmarks/peers/transformers_fidelity.py (the reference fixtures' recorded outputs).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
name=${1:?usage: build_peer.sh llama|whisper|mtmd|transformers GIT_DIR [HUB_GIT_DIR]}
git_dir=${2:?usage: build_peer.sh llama|whisper|mtmd|transformers GIT_DIR [HUB_GIT_DIR]}

# dist_info SITE NAME VERSION: the metadata importlib.metadata.version reads
dist_info() {
  mkdir -p "$1/$2-$3.dist-info"
  printf 'Metadata-Version: 2.1\nName: %s\nVersion: %s\n' "$2" "$3" >"$1/$2-$3.dist-info/METADATA"
}

if [[ $name == transformers ]]; then
  hub_dir=${3:?usage: build_peer.sh transformers TRANSFORMERS_GIT_DIR HUB_GIT_DIR}
  tag=${TRANSFORMERS_TAG:-v4.47.1} hub_tag=${HUB_TAG:-v0.26.5}
  for dir in "$git_dir" "$hub_dir"; do [[ -d $dir ]] || { echo "build_peer.sh: no git dir at '$dir'" >&2; exit 2; }; done
  missing=()
  for pkg in filelock fsspec numpy packaging regex requests tqdm typing-extensions yaml torch; do
    dpkg -s "python3-$pkg" >/dev/null 2>&1 || missing+=("python3-$pkg")
  done
  if ((${#missing[@]})); then
    apt-get install -y "${missing[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
  fi
  site="${ALMKIT_PEERS_DIR:-$repo/.cache/peers}/transformers/site"
  rm -rf "$site"
  mkdir -p "$site"
  git --git-dir="$git_dir" archive "$tag" src/transformers | tar -x -C "$site" --strip-components=1
  git --git-dir="$hub_dir" archive "$hub_tag" src/huggingface_hub | tar -x -C "$site" --strip-components=1
  cp -r "$repo/benchmarks/peers/safetensors_shim/safetensors" "$repo/benchmarks/peers/safetensors_np.py" \
    "$repo/benchmarks/peers/tokenizers_stub/tokenizers" "$site/"
  version() { sed -n 's/^__version__ = "\(.*\)"/\1/p' "$site/$1/__init__.py"; }
  dist_info "$site" transformers "$(version transformers)"
  dist_info "$site" huggingface_hub "$(version huggingface_hub)"
  dist_info "$site" safetensors "$(version safetensors)"
  echo "transformers $(version transformers) ($(git --git-dir="$git_dir" rev-parse "$tag^{commit}")), huggingface_hub $(version huggingface_hub) in $site"
  PYTHONPATH=$site /usr/bin/python3 -c 'import transformers; from transformers import Qwen2ForCausalLM'
  exit 0
fi
case $name in
  llama) targets=(llama-bench llama-cli) options=(-DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF) ;;
  whisper) targets=(whisper-bench whisper-cli) options=(-DWHISPER_BUILD_TESTS=OFF -DWHISPER_CURL=OFF -DWHISPER_SDL2=OFF) ;;
  mtmd) targets=(almkit-mtmd-bench) options=(-DLLAMA_OPENSSL=OFF -DMTMD_VIDEO=OFF) ;;
  *) echo "build_peer.sh: unknown peer '$name' (llama, whisper or mtmd)" >&2; exit 2 ;;
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
build=$root/build
isa=(-DGGML_NATIVE=ON)
if [[ ${ALMKIT_PEER_CPU:-native} == avx2 ]]; then
  build=$root/build-avx2
  isa=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF
    -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AMX_TILE=OFF
    -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF)
fi
source_dir=$root/src
if [[ $name == mtmd ]]; then
  git --git-dir="$git_dir" cat-file -e HEAD:tools/mtmd/mtmd-audio.cpp 2>/dev/null ||
    { echo "build_peer.sh: $git_dir has no tools/mtmd/mtmd-audio.cpp (libmtmd audio came mid-2025)" >&2; exit 2; }
  source_dir=$repo/benchmarks/peers/mtmd_bench options+=(-DLLAMA_SRC="$root/src")
fi
cmake -S "$source_dir" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  "${isa[@]}" -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF "${options[@]}" >/dev/null
nice -n 10 ninja -C "$build" -j "${ALMKIT_JOBS:-2}" "${targets[@]}"
echo "$name $commit built in $build/bin"
