"""Shared by the research studies: run the almkit CLI and read the safetensors it writes (numpy
only, no safetensors package needed)."""
import contextlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "F16": np.float16}


def almkit_cli():
    """The almkit executable: $ALMKIT_CLI, else `almkit` on PATH."""
    path = os.environ.get("ALMKIT_CLI") or shutil.which("almkit")
    if not path:
        sys.exit("set ALMKIT_CLI to the almkit executable (build/tools/almkit/almkit)")
    return path


def run(*args):
    """Runs `almkit ARGS...`; exits with its output when it fails. Returns stdout."""
    done = subprocess.run([almkit_cli(), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"almkit {' '.join(map(str, args))} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return done.stdout


def read_safetensors(path):
    """{name: numpy array} of a safetensors file."""
    with open(path, "rb") as f:
        (header_size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_size))
        data = f.read()
    arrays = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        arrays[name] = np.frombuffer(data[begin:end], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
    return arrays


def tone(path, seconds=1.0, hz=440.0, rate=16000):
    """Writes a sine tone as a 16-bit WAV (the studies' default clip)."""
    import wave

    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * hz * t) * 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


@contextlib.contextmanager
def work_dir(out_dir, prefix):
    """`out_dir` (kept), or a temporary folder removed afterwards."""
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        yield out_dir
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as temporary:
        yield temporary
