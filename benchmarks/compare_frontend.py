#!/usr/bin/python3
"""Times almkit's front end against torchaudio in the same run, on the same 30 s input.

Runs build/benchmarks/almkit_bench_frontend (Google Benchmark, JSON output) on a WAV that this
script writes, times torchaudio's MelSpectrogram + log (the Whisper recipe) and
torchaudio.compliance.kaldi.fbank on the same samples with the same thread count, and prints
the ratios. Then, when build/src/libalmkit.so exists, it times both again in this one process
through almkit's C API (examples/python/almkit.py), alternating one call of each per round, so
that both see the same moments of a shared machine: it prints the ratio of the best times and
the median and worst of the per-round ratios.
Usage: benchmarks/compare_frontend.py [--build build] [--threads 1] [--rounds 30]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

# Before torch loads: on 2 cores torch's spinning OpenMP workers slow its own 2-thread ops and
# take the core almkit's second thread needs in the in-process comparison.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torchaudio


def best_ms(fn, repeats=20):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    rng = np.random.RandomState(0)
    t = np.arange(30 * 16000) / 16000
    x = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.randn(len(t))).astype(np.float32)
    wav = torch.from_numpy(x)
    path = os.path.join(tempfile.mkdtemp(), "bench30s.wav")
    torchaudio.save(path, wav.unsqueeze(0), 16000, encoding="PCM_F", bits_per_sample=32)

    mel_spec = {n: torchaudio.transforms.MelSpectrogram(
        sample_rate=16000, n_fft=400, hop_length=160, n_mels=n, power=2.0,
        mel_scale="slaney", norm="slaney") for n in (80, 128)}

    def whisper_like(n):
        spec = mel_spec[n](wav)[:, :-1]
        log_spec = torch.clamp(spec, min=1e-10).log10()
        log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
        return (log_spec + 4.0) / 4.0

    torch_ms = {
        "whisper_mel_80": best_ms(lambda: whisper_like(80)),
        "whisper_mel_128": best_ms(lambda: whisper_like(128)),
        "kaldi_fbank_80": best_ms(lambda: torchaudio.compliance.kaldi.fbank(
            wav.unsqueeze(0), num_mel_bins=80, dither=0.0), repeats=5),
    }

    binary = os.path.join(args.build, "benchmarks", "almkit_bench_frontend")
    env = dict(os.environ, ALMKIT_BENCH_WAV=path, OMP_WAIT_POLICY="PASSIVE")
    # The best of ten repetitions, as torchaudio gets the best of its runs: on a shared machine
    # the minimum is the figure least disturbed by other processes.
    out = subprocess.run([binary, "--benchmark_format=json", "--benchmark_min_time=0.1",
                          "--benchmark_repetitions=10",
                          "--benchmark_filter=^BM_(WhisperMel|KaldiFbank)/"],
                         env=env, check=True, capture_output=True, text=True)
    runs = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration":
            runs[b["run_name"]] = min(runs.get(b["run_name"], float("inf")), b["real_time"])
    ours = {
        "whisper_mel_80": runs[f"BM_WhisperMel/80/{args.threads}/real_time"],
        "whisper_mel_128": runs[f"BM_WhisperMel/128/{args.threads}/real_time"],
        "kaldi_fbank_80": runs[f"BM_KaldiFbank/80/{args.threads}/real_time"],
    }
    print(f"30 s of 16 kHz audio, {args.threads} thread(s); torch {torch.__version__}, "
          f"torchaudio {torchaudio.__version__}")
    print(out.stderr.strip().splitlines()[0] if out.stderr.strip() else "")
    print(f"{'feature':<18}{'almkit ms':>12}{'torchaudio ms':>16}{'speed-up':>10}")
    for name in ours:
        print(f"{name:<18}{ours[name]:>12.2f}{torch_ms[name]:>16.2f}{torch_ms[name] / ours[name]:>9.1f}x")
    paired(args, x, wav, mel_spec, whisper_like)


def paired(args, x, wav, mel_spec, whisper_like):
    """Alternating in-process calls through the C API (includes its per-call setup and copy)."""
    library = os.path.join(args.build, "src", "libalmkit.so")
    if not os.path.exists(library):
        print(f"(no {library}: build the almkit target for the in-process comparison)")
        return
    os.environ["ALMKIT_LIBRARY"] = library
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples",
                                    "python"))
    import almkit
    cases = {
        "whisper_mel_80": (lambda: whisper_like(80),
                           lambda: almkit.whisper_mel(x, feature_size=80,
                                                      num_threads=args.threads)),
        "kaldi_fbank_80": (lambda: torchaudio.compliance.kaldi.fbank(
            wav.unsqueeze(0), num_mel_bins=80, dither=0.0),
                           lambda: almkit.kaldi_fbank(x, num_mel_bins=80, dither=0.0,
                                                      num_threads=args.threads)),
    }
    print(f"\nin one process, alternating, {args.rounds} rounds (almkit through its C API):")
    print(f"{'feature':<18}{'almkit best':>12}{'torchaudio best':>17}{'best/best':>11}"
          f"{'median':>8}{'worst':>7}")
    for name, (theirs, ours) in cases.items():
        theirs(), ours()
        their_ms, our_ms = [], []
        for _ in range(args.rounds):
            for fn, times in ((theirs, their_ms), (ours, our_ms)):
                start = time.perf_counter()
                fn()
                times.append(1e3 * (time.perf_counter() - start))
        ratios = np.array(their_ms) / np.array(our_ms)
        print(f"{name:<18}{min(our_ms):>12.2f}{min(their_ms):>17.2f}"
              f"{min(their_ms) / min(our_ms):>10.1f}x{np.median(ratios):>7.1f}x"
              f"{ratios.min():>6.1f}x")


if __name__ == "__main__":
    sys.exit(main())
