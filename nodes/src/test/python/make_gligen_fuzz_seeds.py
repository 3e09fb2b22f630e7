#!/usr/bin/python3
"""Writes the seed inputs of GligenFuzzTest#load (small GLIGEN-like safetensors files that must be refused).

Usage: make_gligen_fuzz_seeds.py nodes/src/test/resources/dev/noodle/engine/gligen/GligenFuzzTestInputs/load
"""
import json, struct, numpy as np, os, sys
out = sys.argv[1]
def st(path, tensors, dtype="F16"):
    header, blobs, off = {}, [], 0
    for name, (shape, dt) in tensors.items():
        n = int(np.prod(shape)) if shape else 1
        size = {"F16": 2, "F32": 4, "I64": 8}[dt] * n
        data = (np.linspace(-1, 1, n).astype({"F16": "<f2", "F32": "<f4", "I64": "<i8"}[dt])).tobytes()
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + size]}
        blobs.append(data); off += size
    t = json.dumps(header, separators=(",", ":")).encode(); t += b" " * (-len(t) % 8)
    with open(os.path.join(out, path), "wb") as f:
        f.write(struct.pack("<Q", len(t))); f.write(t); [f.write(b) for b in blobs]
F = "input_blocks.1.1.transformer_blocks.0.fuser."
pn = {"position_net.null_positive_feature": ([4], "F16"), "position_net.null_position_feature": ([64], "F16"),
      "position_net.linears.4.weight": ([8, 512], "F16")}
st("position_net_only", pn)
st("fusers_only", {F + "linear.weight": ([8, 8], "F16"), F + "alpha_attn": ([], "F16")})
st("wrong_widths", dict(pn, **{F + "linear.weight": ([16, 8], "F16"), F + "alpha_attn": ([], "F32"),
                               F + "norm1.weight": ([3], "F16")}))
st("int_gate", dict(pn, **{F + "linear.weight": ([64, 8], "F16"), F + "alpha_attn": ([], "I64")}))
st("odd_block", dict(pn, **{"somewhere.fuser.linear.weight": ([64, 8], "F16")}))
st("two_in_one_block", dict(pn, **{F + "linear.weight": ([64, 8], "F16"),
    "input_blocks.1.1.transformer_blocks.1.fuser.linear.weight": ([64, 8], "F16")}))
st("vector_linear", dict(pn, **{F + "linear.weight": ([64], "F16")}))
st("heads_do_not_divide", dict(pn, **{F + "linear.weight": ([100, 8], "F16")}))
