"""Reads a safetensors file into numpy arrays without the safetensors package (not installed
here): the peer converters below need only names, shapes and raw bytes. BF16 comes back as
uint16 bit patterns (numpy has no bfloat16); `as_float32` widens them exactly."""
import json
import os
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "F64": np.float64, "I64": np.int64,
           "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def _header(path):
    with open(path, "rb") as f:
        header_size = struct.unpack("<Q", f.read(8))[0]
        return header_size, json.loads(f.read(header_size))


def read_metadata(path):
    """the header's __metadata__ (string -> string), or None"""
    return _header(path)[1].get("__metadata__")


def read(path):
    """name -> (dtype string, numpy array view of the file)"""
    header_size, header = _header(path)
    empty = os.path.getsize(path) == 8 + header_size  # np.memmap refuses a zero-length map
    data = np.zeros(0, np.uint8) if empty else np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_size)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, not one of {sorted(_DTYPES)}")
        begin, end = info["data_offsets"]
        array = data[begin:end].view(_DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = (info["dtype"], array)
    return tensors


def as_float32(dtype, array):
    if dtype == "BF16":
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array.astype(np.float32)
