#!/usr/bin/env bash
# Compiles the torch-free front end (src/audio, src/features and the core files it uses) for
# aarch64 with Debian's cross compiler, so no x86 intrinsic slips in outside the SIMD dispatch or
# an #if guard. Compile only: the arm64 libsndfile / libsoxr are not needed for that.
#   tests/frontend/check_aarch64.sh [REPO]      exit 77 (skipped) without g++-aarch64-linux-gnu
set -euo pipefail
repo=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
compiler=$(command -v aarch64-linux-gnu-g++ || true)
[[ -n $compiler ]] || { echo "aarch64-linux-gnu-g++ not installed (apt install g++-aarch64-linux-gnu)"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sources=("$repo"/src/audio/*.cpp "$repo"/src/features/*.cpp "$repo"/src/core/error.cpp
         "$repo"/src/core/spin_pool.cpp "$repo"/src/io/json_file.cpp)
# The host's headers for the C libraries (sndfile, soxr, nlohmann) are architecture-neutral.
flags=(-std=c++17 -O2 -Wall -Wextra -fPIC
       -I"$repo/include" -I"$repo/src" -DALMKIT_BUILDING_LIBRARY)
pids=()
for source in "${sources[@]}"; do
  "$compiler" "${flags[@]}" -c "$source" -o "$out/$(basename "$source").o" &
  pids+=($!)
  # Two at a time: the machine has two cores.
  if ((${#pids[@]} >= 2)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
objects=("$out"/*.o)
[[ ${#objects[@]} -eq ${#sources[@]} ]] || { echo "some files failed to compile for aarch64"; exit 1; }
file "${objects[0]}" | grep -q aarch64 || { echo "objects are not aarch64"; exit 1; }
echo "${#objects[@]} front-end files compile for aarch64"
