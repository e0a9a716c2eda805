#!/usr/bin/env bash
# End-to-end throughput of `almkit eval` on the perception suite: items/s (model calls per
# second, wall clock, model load included; and CPU seconds per item) for --threads 1/2 x --batch 1/4/8, in loglik mode and
# in generate mode (16 new tokens, greedy). Uses the default model and suite of scripts/run.sh
# (run it once first) or ALMKIT_MODEL / ALMKIT_SUITE. Every run starts from an empty cache.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
almkit="${ALMKIT_BUILD_DIR:-$repo/build}/tools/almkit/almkit"
model="${ALMKIT_MODEL:-$repo/.cache/models/qwen2-audio-small-random}"
suite="${ALMKIT_SUITE:-$repo/.cache/data/perception/perception.json}"
limit="${ALMKIT_LIMIT:-24}"
export OMP_WAIT_POLICY=PASSIVE
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf "%-9s %-8s %-6s %6s %8s %8s %12s  %s\n" mode threads batch items seconds items/s "cpu s/item" "load average"
for mode in loglik generate; do
  for threads in 1 2; do
    for batch in 1 4 8; do
      out="$work/$mode-$threads-$batch"
      start=$(date +%s.%N)
      /usr/bin/time -f "%U %S" -o "$work/time" "$almkit" eval --model "$model" --bench perception --data "$suite" --out "$out" --limit "$limit" \
        --mode "$mode" --max-new-tokens 16 --threads "$threads" --batch "$batch" --no-silent-baseline \
        --quiet >/dev/null 2>&1
      end=$(date +%s.%N)
      read -r user sys <"$work/time"
      printf "%-9s %-8s %-6s %6s %8.1f %8.2f %12.3f  %s\n" "$mode" "$threads" "$batch" "$limit" \
        "$(echo "$end - $start" | bc)" "$(echo "$limit / ($end - $start)" | bc -l)" \
        "$(echo "($user + $sys) / $limit" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done
