"""safetensors.torch of almkit's shim (see safetensors/__init__.py)."""
import os
import tempfile

import torch

from . import safe_open, serialize

_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
          torch.bool: "BOOL"}


def storage_ptr(tensor):
    try:
        return tensor.untyped_storage().data_ptr()
    except AttributeError:  # torch < 2.0
        return tensor.storage().data_ptr()


def storage_size(tensor):
    try:
        return tensor.untyped_storage().nbytes()
    except AttributeError:  # torch < 2.0
        return tensor.storage().size() * tensor.element_size()


def _arrays(tensors):
    arrays = {}
    for name, tensor in tensors.items():
        if tensor.dtype not in _NAMES:
            raise ValueError(f"safetensors shim: tensor {name!r} has dtype {tensor.dtype}, not one of {list(_NAMES)}")
        t = tensor.detach().cpu().contiguous()
        array = t.view(torch.int16).numpy() if t.dtype == torch.bfloat16 else t.numpy()
        arrays[name] = (_NAMES[t.dtype], array)
    return arrays


def save(tensors, metadata=None):
    return serialize(_arrays(tensors), metadata)


def save_file(tensors, filename, metadata=None):
    with open(filename, "wb") as f:
        f.write(save(tensors, metadata))


def load_file(filename, device="cpu"):
    with safe_open(filename, framework="pt", device=device) as f:
        return {name: f.get_tensor(name) for name in f.keys()}


def load(data):
    with tempfile.NamedTemporaryFile(suffix=".safetensors", delete=False) as f:
        f.write(data)
    try:
        return load_file(f.name)
    finally:
        os.unlink(f.name)
