"""Fixtures of the almkit package tests: the speech clip, the transformers reference fixtures,
the small random Qwen2-Audio checkpoint and the perception suite (ctest's CApiSmallModel and
CApiPerceptionSuite fixtures make the last two; tests needing what is absent are skipped).

    PYTHONPATH=build/python ALMKIT_REFERENCE_DIR=... /usr/bin/python3 -m pytest python/tests
"""
import json
import os
import struct

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def _path(variable, default):
    return os.environ.get(variable) or default


def read_safetensors(path):
    """({name: numpy array}, metadata) of a safetensors file, without torch."""
    with open(path, "rb") as f:
        data = f.read()
    header_size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + header_size])
    metadata = header.pop("__metadata__", {})
    dtypes = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32}
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        raw = data[8 + header_size + start:8 + header_size + end]
        tensors[name] = np.frombuffer(raw, dtype=dtypes[info["dtype"]]).reshape(info["shape"]).copy()
    return tensors, metadata


def _require(path, what):
    if not os.path.exists(path):
        pytest.skip(f"{what} not found at {path}")
    return path


@pytest.fixture(scope="session")
def speech_path():
    return _require(os.path.join(_path("ALMKIT_DATA_DIR", os.path.join(REPO, ".cache", "data")),
                                 "jfk.wav"), "jfk.wav (scripts/setup.sh)")


@pytest.fixture(scope="session")
def reference_dir():
    return _require(_path("ALMKIT_REFERENCE_DIR",
                          "/work/shared/reference/hf-transformers-4.47.1"), "reference fixtures")


@pytest.fixture(scope="session")
def small_model_dir():
    return _require(_path("ALMKIT_SMALL_MODEL",
                          os.path.join(REPO, "build", "capi_tests", "small_model")),
                    "small model (ctest -R CApiSmallModel)")


@pytest.fixture(scope="session")
def perception_json():
    return _require(os.path.join(_path("ALMKIT_PERCEPTION",
                                       os.path.join(REPO, "build", "capi_tests", "perception")),
                                 "perception.json"), "perception suite (ctest -R CApiPerceptionSuite)")


@pytest.fixture(scope="session")
def almkit_cli():
    return _require(_path("ALMKIT_CLI", os.path.join(REPO, "build", "tools", "almkit", "almkit")),
                    "the almkit CLI")


@pytest.fixture(scope="session")
def small_model(small_model_dir):
    import almkit
    return almkit.Model(small_model_dir, dtype="float32", threads=2)
