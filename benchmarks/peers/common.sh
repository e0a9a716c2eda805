# shellcheck shell=bash disable=SC2034
# Sourced by the compare_*.sh scripts: paths, the peer check and the load / CPU-flag lines every
# table reports. Sets repo, peers, models, almkit, bench, peer_build.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
peers="${ALMKIT_PEERS_DIR:-$repo/.cache/peers}"
models="${ALMKIT_BENCH_MODELS:-$repo/.cache/bench-models}"
almkit="$repo/build/tools/almkit/almkit"
bench="${ALMKIT_BENCH_BIN:-$repo/build/benchmarks/almkit_bench_model}"
export OMP_WAIT_POLICY=PASSIVE
# ALMKIT_PEER_CPU=avx2: the AVX2-only peer builds (build_peer.sh) against almkit capped to AVX2
# (its run-time dispatch, ALMKIT_SIMD) and libtorch (ATen kernels, oneDNN, OpenBLAS) capped alike.
peer_build=build
if [[ ${ALMKIT_PEER_CPU:-native} == avx2 ]]; then
  peer_build=build-avx2
  export ALMKIT_SIMD=avx2 DNNL_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=Haswell
fi

# require_peer NAME PROGRAM: stop with how to build it when the peer's program is missing
require_peer() {
  [[ -x $2 ]] || { echo "$(basename "$0"): no $2; run benchmarks/peers/build_peer.sh $1 GIT_DIR" >&2; exit 2; }
}

# describe_run NAME [LABEL]: the CPU flags and the peer's snapshot commit, before the first table row
describe_run() {
  echo "cpu flags: $(grep -o -w -E 'avx2|avx512f|avx512_bf16|avx512_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo "${2:-$1.cpp} snapshot: $(cat "$peers/$1/src/.commit"), $peer_build; ALMKIT_SIMD=${ALMKIT_SIMD:-unset}"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
