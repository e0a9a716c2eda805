"""almkit's stand-in for the `safetensors` package (its Rust extension is not installable here), so
that the transformers peer built by benchmarks/peers/build_peer.sh can load and save checkpoints:
safe_open (keys, get_tensor, get_slice, metadata) and, in safetensors.torch, load_file / save_file /
load / save / storage_ptr / storage_size. Reads go through benchmarks/peers/safetensors_np.py
(copied beside this package by build_peer.sh). Framework "pt" only."""
import json
import struct

import numpy as np

import safetensors_np

__version__ = "0.4.5+almkit.shim"


class SafetensorError(Exception):
    pass


def _to_torch(dtype, array):
    import torch

    array = np.ascontiguousarray(array).copy()  # a writable copy: the file stays closed to torch
    if dtype == "BF16":
        return torch.from_numpy(array.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(array)


class _Slice:
    def __init__(self, dtype, array):
        self._dtype, self._array = dtype, array

    def get_shape(self):
        return list(self._array.shape)

    def get_dtype(self):
        return self._dtype

    def __getitem__(self, index):
        return _to_torch(self._dtype, self._array[index])


class safe_open:  # noqa: N801 (the package's own name)
    def __init__(self, filename, framework="pt", device="cpu"):
        if framework not in ("pt", "torch", "pytorch"):
            raise SafetensorError(f"{filename}: the almkit safetensors shim serves framework 'pt' only, not {framework!r}")
        if str(device) != "cpu":
            raise SafetensorError(f"{filename}: the almkit safetensors shim loads to the cpu only, not {device!r}")
        self._filename = str(filename)
        self._tensors = safetensors_np.read(self._filename)
        self._metadata = safetensors_np.read_metadata(self._filename)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def keys(self):
        return list(self._tensors)

    def metadata(self):
        return self._metadata

    def get_tensor(self, name):
        if name not in self._tensors:
            raise SafetensorError(f"{self._filename}: no tensor named {name!r}")
        return _to_torch(*self._tensors[name])

    def get_slice(self, name):
        if name not in self._tensors:
            raise SafetensorError(f"{self._filename}: no tensor named {name!r}")
        return _Slice(*self._tensors[name])


def serialize(arrays, metadata=None):
    """name -> (safetensors dtype string, C-contiguous numpy array) to the file's bytes"""
    header, offset, chunks = {}, 0, []
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name in sorted(arrays):
        dtype, array = arrays[name]
        data = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header to 8 bytes with spaces
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)
