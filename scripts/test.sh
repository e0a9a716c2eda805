#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (idempotent), builds, and runs every test with ctest.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/setup.sh"
"$repo/scripts/build.sh"
export OMP_WAIT_POLICY=PASSIVE  # 2 cores: OpenMP spin-waiting makes 2 threads slower than 1
cd "${ALMKIT_BUILD_DIR:-$repo/build}"
ctest --output-on-failure -j 2 --timeout 600 "$@"
