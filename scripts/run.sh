#!/usr/bin/env bash
# The main job: sets up (idempotent), builds, and runs almkit's front end on real speech
# (jfk.wav and LibriVox clips), printing features per clip and the speed against real time.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/setup.sh"
"$repo/scripts/build.sh" almkit_cli
export OMP_WAIT_POLICY=PASSIVE
almkit="${ALMKIT_BUILD_DIR:-$repo/build}/tools/almkit/almkit"
out="${ALMKIT_RUN_DIR:-$repo/runs/frontend-demo}"
mkdir -p "$out"
"$almkit" info
clips=("${ALMKIT_DATA_DIR:-$repo/.cache/data}/jfk.wav" /usr/share/pocketsphinx/test/data/librivox/*.wav)
for clip in "${clips[@]}"; do
  name=$(basename "$clip" .wav)
  "$almkit" features --kind whisper-mel --bins 128 "$clip" -o "$out/$name.mel128.safetensors"
  "$almkit" features --kind kaldi-fbank --bins 80 "$clip" -o "$out/$name.fbank80.safetensors"
done
echo "features written to $out"
