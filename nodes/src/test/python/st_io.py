"""Safetensors read/write by hand (json header + raw little-endian data), shared by the reference scripts.

The scripts import it as a sibling module: Python puts a script's own folder first on sys.path, so
`from st_io import read_safetensors, write_safetensors` works however the tests start them.
"""
import json
import struct

import numpy as np
import torch

_READ = {"F16": "<f2", "F32": "<f4", "F64": "<f8", "I64": "<i8"}


def read_safetensors(path, as_type=np.float64):
    """name -> torch tensor, every tensor converted to as_type (float64 unless told)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=_READ[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.astype(as_type))
    return out


def write_safetensors(path, tensors):
    """Writes torch tensors in name order: int64 ones as I64, everything else as F32."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        if t.dtype == torch.int64:
            data, dt = t.numpy().astype("<i8").tobytes(), "I64"
        else:
            data, dt = t.numpy().astype("<f4").tobytes(), "F32"
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
