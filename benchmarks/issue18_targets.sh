#!/usr/bin/env bash
# Issue 18's target tables in one pass: every same-run comparison script, one after another, with
# the commit, the CPU's flags and the load average before each, all output kept in
# .cache/issue18/targets-<UTC time>.log. The targets are ratios measured within one run; anything
# else running on the machine distorts them (two-thread rows most), so this waits until the
# one-minute load average is below QUIET_LOAD (default 0.5) before it starts, up to WAIT_S seconds
# (default 300), and says so in the log when it had to start anyway.
#   benchmarks/issue18_targets.sh            native CPU, then the AVX2-only tables
#   PARTS="llama whisper" benchmarks/issue18_targets.sh
# Parts (default all, in this order): tower mtmd llama prefill whisper llama-avx2 whisper-avx2 eval.
# ROUNDS (default 2) goes to every script. Needs the peers built (benchmarks/peers/build_peer.sh)
# and the release build with its benchmarks (scripts/build.sh).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
parts=${PARTS:-tower mtmd llama prefill whisper llama-avx2 whisper-avx2 eval}
export ROUNDS=${ROUNDS:-2} OMP_WAIT_POLICY=PASSIVE
out_dir=$repo/.cache/issue18
mkdir -p "$out_dir"
log=$out_dir/targets-$(date -u +%Y%m%dT%H%M%SZ).log

load() { cut -d' ' -f1 /proc/loadavg; }

wait_until_quiet() {
  local waited=0
  while awk -v l="$(load)" -v q="${QUIET_LOAD:-0.5}" 'BEGIN {exit !(l >= q)}'; do
    if ((waited >= ${WAIT_S:-300})); then
      echo "NOT QUIET: load $(load) after ${waited} s; starting anyway (read the ratios with care)"
      return
    fi
    sleep 10
    waited=$((waited + 10))
  done
}

run_part() {
  local part=$1
  echo "=== $part  $(date -u +%T)  load $(load)"
  case $part in
    tower) THREADS=2 "$repo/benchmarks/tower_speed.sh" ;;
    mtmd) "$repo/benchmarks/peers/compare_mtmd.sh" ;;
    llama) "$repo/benchmarks/peers/compare_llama.sh" ;;
    prefill) "$repo/benchmarks/prefill_compare.sh" ;;
    whisper) "$repo/benchmarks/peers/compare_whisper.sh" ;;
    llama-avx2) ALMKIT_PEER_CPU=avx2 "$repo/benchmarks/peers/compare_llama.sh" ;;
    whisper-avx2) ALMKIT_PEER_CPU=avx2 "$repo/benchmarks/peers/compare_whisper.sh" ;;
    eval) ALMKIT_PEER_ONLY=1 "$repo/benchmarks/eval_throughput.sh" ;;
    *) echo "issue18_targets.sh: unknown part '$part'" >&2; return 2 ;;
  esac
}

{
  echo "commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo ' (dirty)')"
  echo "cpu $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1), $(nproc) cpus"
  echo "flags $(grep -o -w 'avx2\|avx512f\|avx512_bf16\|avx512_vnni\|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  wait_until_quiet
  status=0
  for part in $parts; do
    run_part "$part" || { echo "!!! $part failed (exit $?)"; status=1; }
  done
  echo "=== done $(date -u +%T)  load $(load)"
  exit $status
} 2>&1 | tee "$log"
