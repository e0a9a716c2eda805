# shellcheck shell=bash disable=SC2034
# Sourced by the compare_*.sh scripts: paths, the peer check and the load / CPU-flag lines every
# table reports. Sets repo, peers, models, almkit, bench.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
peers="${ALMKIT_PEERS_DIR:-$repo/.cache/peers}"
models="${ALMKIT_BENCH_MODELS:-$repo/.cache/bench-models}"
almkit="$repo/build/tools/almkit/almkit"
bench="${ALMKIT_BENCH_BIN:-$repo/build/benchmarks/almkit_bench_model}"
export OMP_WAIT_POLICY=PASSIVE

# require_peer NAME PROGRAM: stop with how to build it when the peer's program is missing
require_peer() {
  [[ -x $2 ]] || { echo "$(basename "$0"): no $2; run benchmarks/peers/build_peer.sh $1 GIT_DIR" >&2; exit 2; }
}

# describe_run NAME: the CPU flags and the peer's snapshot commit, before the first table row
describe_run() {
  echo "cpu flags: $(grep -o -w -E 'avx2|avx512f|avx512_bf16|avx512_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo "$1.cpp snapshot: $(cat "$peers/$1/src/.commit")"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
