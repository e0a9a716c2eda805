#!/usr/bin/env bash
# Configures (once) and builds almkit in build/ (Release, Ninja, ccache). Extra arguments are
# ninja targets; none builds everything.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build="${ALMKIT_BUILD_DIR:-$repo/build}"
mkdir -p "$build"
# One build at a time per build folder (several shells may share it); ninja is not re-entrant.
exec 9>"$build/.build.lock"
flock 9
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
# Two cores: two jobs; the torch translation units need ~1 GB each, well within 24 GB.
ninja -C "$build" -j "${ALMKIT_JOBS:-2}" "$@"
