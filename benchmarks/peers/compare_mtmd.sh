#!/usr/bin/env bash
# Qwen2-Audio-7B's audio tower (Whisper-large-v3 shapes) on one 30 s clip, random weights: almkit's
# audio path (benchmarks/audio_encoder_bench.cpp: log-mel + tower + projector, run in full every
# time, bf16 and fp32) against llama.cpp's libmtmd (almkit-mtmd-bench: mtmd_tokenize's log-mel +
# mtmd_encode_chunk, f16 and f32 mmproj), alternating for ROUNDS rounds (default 2), 1 and 2
# threads; each process loads once and warms up once before its timed runs (almkit: one process
# per dtype for both thread counts; libmtmd: one per type and thread count). Prints seconds per
# clip, the ratio peer / almkit (> 1: almkit faster) and the load. libmtmd appends 30 s of silence
# and encodes a 30 s clip as two 3000-frame windows, the second all padding; the timed figure is
# its first window only (the same frames almkit encodes; MTMD_WINDOWS=0 times the whole clip, as
# an application pays). The first round also writes both sides' embeddings and prints their max
# abs difference (the parity check). Needs benchmarks/peers/build_peer.sh mtmd GIT_DIR and
# scripts/build.sh almkit_bench_audio_encoder; writes the checkpoint (~2.7 GB, .cache/bench-models)
# and the GGUF files (~3.8 GB, .cache/peers/models) once. The tower checkpoint is built from an
# init-model qwen2_audio small folder, which needs a Qwen tokenizer folder (QWEN_TOKENIZER,
# default .cache/tokenizers/qwen3).
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
mtmd_bench="$peers/mtmd/$peer_build/bin/almkit-mtmd-bench"
require_peer mtmd "$mtmd_bench"
encoder_bench="${ALMKIT_ENCODER_BENCH_BIN:-$repo/build/benchmarks/almkit_bench_audio_encoder}"
[[ -x $encoder_bench ]] || { echo "compare_mtmd.sh: no $encoder_bench; run scripts/build.sh almkit_bench_audio_encoder" >&2; exit 2; }
checkpoint=$models/qwen2-audio-tower-f32
if [[ ! -s $checkpoint/model.safetensors ]]; then
  small=$(mktemp -d)
  "$almkit" init-model --arch qwen2_audio --size small --dtype F32 \
    --tokenizer "${QWEN_TOKENIZER:-$repo/.cache/tokenizers/qwen3}" -o "$small"
  /usr/bin/python3 "$repo/benchmarks/peers/qwen2_audio_tower_checkpoint.py" "$small" "$checkpoint"
  rm -rf "$small"
fi
gguf=$peers/models/qwen2-audio-tower
for type in f16 f32; do
  [[ -s $gguf/mmproj-$type.gguf ]] || /usr/bin/python3 "$repo/benchmarks/peers/qwen2_audio_to_mmproj.py" \
    "$checkpoint" "$gguf" --type "$type" --gguf-py "$peers/mtmd/src/gguf-py"
done
clip=$peers/models/clip-30s.f32  # two tones (one gliding) and faint noise, 16 kHz
[[ -s $clip ]] || /usr/bin/python3 -c "
import numpy as np
t = np.arange(480000) / 16000.0
x = 0.1 * np.sin(2 * np.pi * 220 * t) + 0.05 * np.sin(2 * np.pi * 330 * t * (1 + t / 300))
x += 0.01 * np.random.default_rng(1).standard_normal(t.size)
x.astype(np.float32).tofile('$clip')"
embeddings=$(mktemp -d)
trap 'rm -rf "$embeddings"' EXIT
export ALMKIT_BENCH_QWEN2_AUDIO=$checkpoint ALMKIT_BENCH_CLIP=$clip

# awk function: the 1-minute load average now (as a result line is printed)
load_now='function load_now(  line) {getline line < "/proc/loadavg"; close("/proc/loadavg"); split(line, f, " "); return f[1]}'
# almkit DTYPE ROUND: lines "almkit <dtype> threads:<n> seconds=<s> load=<1 min>", 1 then 2
# threads in one process (one load, one warm-up)
almkit_run() {
  local dump=()
  [[ $2 == 1 ]] && dump=(env ALMKIT_BENCH_EMBEDDINGS="$embeddings/almkit")
  "${dump[@]}" "$encoder_bench" --benchmark_filter="audio_encoder/$1/" 2>/dev/null |
    awk -v d="$1" "$load_now"' /audio_encoder/ {split($1, name, "/"); for (i = 1; i <= NF; ++i) if ($i ~ /^clip_s=/) {
      split($i, kv, "="); print "almkit", d, name[3], "seconds=" kv[2], "load=" load_now()}}'
}
# mtmd TYPE THREADS ROUND: one line "mtmd <type> threads:<n> seconds=<s> load=<1 min> windows=<w/n>"
mtmd_run() {
  local dump=()
  [[ $3 == 1 ]] && dump=("$embeddings/mtmd.$1.f32")
  "$mtmd_bench" "$gguf/mmproj-$1.gguf" "$gguf/vocab.gguf" "$clip" "$2" 1 "${MTMD_WINDOWS:-1}" "${dump[@]}" 2>/dev/null |
    awk -v d="$1" -v t="$2" -v w="${MTMD_WINDOWS:-1}" "$load_now"' /^mtmd run=/ {
      for (i = 1; i <= NF; ++i) {split($i, kv, "="); v[kv[1]] = kv[2]}
      print "mtmd", d, "threads:" t, "seconds=" (w == 1 ? v["mel_s"] + v["window_s"] : v["seconds"]), "load=" load_now(),
        "windows=" v["windows"]}'
}

describe_run mtmd "llama.cpp (libmtmd)"
results=$(mktemp)
trap 'rm -rf "$embeddings" "$results"' EXIT
for round in $(seq "${ROUNDS:-2}"); do
  echo "round $round, load $(load)"
  almkit_run bfloat16 "$round" | tee -a "$results"
  for threads in 1 2; do mtmd_run f16 "$threads" "$round" | tee -a "$results"; done
  almkit_run float32 "$round" | tee -a "$results"
  for threads in 1 2; do mtmd_run f32 "$threads" "$round" | tee -a "$results"; done
  if [[ $round == 1 ]]; then
    /usr/bin/python3 - "$embeddings" "$checkpoint/config.json" <<'EOF'
import json, os, sys
import numpy as np
folder, width = sys.argv[1], json.load(open(sys.argv[2]))["text_config"]["hidden_size"]
def frames(name):
    values = np.fromfile(os.path.join(folder, name), dtype=np.float32)
    return values.reshape(-1, width) if values.size % width == 0 else values.reshape(1, -1)
for ours, theirs in (("almkit.float32.f32", "mtmd.f32.f32"), ("almkit.bfloat16.f32", "mtmd.f16.f32"),
                     ("almkit.float32.f32", "mtmd.f16.f32")):
    a, m = frames(ours), frames(theirs)
    if a.shape != m.shape:
        print(f"parity {ours} vs {theirs}: shapes differ {a.shape} {m.shape}")
        continue
    d = np.abs(a - m)
    print(f"parity {ours[:-4]} vs {theirs[:-4]}: frames {a.shape[0]}, max abs diff {d.max():.3g} "
          f"(last frame excluded {d[:-1].max():.3g}), max |almkit| {np.abs(a).max():.3g}, "
          f"relative L2 {np.linalg.norm(a - m) / np.linalg.norm(a):.3g}")
EOF
  fi
done
echo "ratios (mtmd seconds / almkit seconds, > 1: almkit faster), per round in order:"
awk '{split($4, s, "="); key = $3; if ($1 == "almkit") a[$2 key] = s[2]; else {
  pair = $2 == "f16" ? "bfloat16" : "float32"; printf "  %s vs almkit %s %s: %.2fx\n", $2, pair, key, s[2] / a[pair key]}}' "$results"
echo "load at the end $(load)"
