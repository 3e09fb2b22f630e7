#!/usr/bin/python3
"""Writes the seed inputs of TaesdFuzzTest#load: small TAESD-like files (safetensors, and torch.save zips) in the
published key layout (nn.Sequential indices) that must be refused — too few keys, wrong shapes, integer weights, an
encoder/decoder mix, a 16-channel (taesd3/taef1-style) first conv.

Usage: make_taesd_fuzz_seeds.py nodes/src/test/resources/dev/noodle/engine/vae/TaesdFuzzTestInputs/load
"""
import json, os, struct, sys

import numpy as np

out = sys.argv[1]


def st(path, tensors):
    header, blobs, off = {}, [], 0
    for name, (shape, dt) in tensors.items():
        n = int(np.prod(shape)) if shape else 1
        size = {"F16": 2, "F32": 4, "I64": 8}[dt] * n
        data = np.linspace(-1, 1, n).astype({"F16": "<f2", "F32": "<f4", "I64": "<i8"}[dt]).tobytes()
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + size]}
        blobs.append(data)
        off += size
    t = json.dumps(header, separators=(",", ":")).encode()
    t += b" " * (-len(t) % 8)
    with open(os.path.join(out, path), "wb") as f:
        f.write(struct.pack("<Q", len(t)))
        f.write(t)
        for b in blobs:
            f.write(b)


st("decoder_head_only", {"1.weight": ([64, 4, 3, 3], "F16"), "1.bias": ([64], "F16")})
st("decoder_16_channels", {"1.weight": ([64, 16, 3, 3], "F16"), "1.bias": ([64], "F16"),
                           "3.conv.0.weight": ([64, 64, 1, 1], "F16")})
st("encoder_head_only", {"0.weight": ([64, 3, 3, 3], "F16"), "0.bias": ([64], "F16"),
                         "1.conv.0.bias": ([64], "F32")})
st("integer_bias", {"19.weight": ([3, 64, 1, 1], "F16"), "19.bias": ([3], "I64")})
st("mixed_halves", {"0.weight": ([64, 3, 3, 3], "F16"), "1.weight": ([64, 4, 3, 3], "F16"),
                    "3.skip.weight": ([64, 64, 1, 1], "F16")})
try:
    import torch
    torch.save({"1.weight": torch.zeros(64, 4, 1, 1, dtype=torch.float16), "7.weight": torch.ones(2)},
               os.path.join(out, "pth_partial_decoder"))
except ImportError:
    pass
