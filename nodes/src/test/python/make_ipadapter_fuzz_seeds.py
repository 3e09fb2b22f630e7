#!/usr/bin/python3
"""Seed inputs for IpAdapterFuzzTest#ipadapterFile: tiny IP-Adapter files in both layouts, and damaged ones.

Writes nodes/src/test/resources/dev/noodle/engine/ipadapter/IpAdapterFuzzTestInputs/ipadapterFile/*.
Run: /usr/bin/python3 nodes/src/test/python/make_ipadapter_fuzz_seeds.py
"""
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__),
                   "../resources/dev/noodle/engine/ipadapter/IpAdapterFuzzTestInputs/ipadapterFile")
rng = np.random.default_rng(3)


def st_bytes(tensors):
    header, blobs, offset = {}, [], 0
    for k, a in tensors.items():
        b = a.astype(np.float32).tobytes()
        header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def r(*s):
    return rng.standard_normal(s).astype(np.float32) * 0.3


def ip(d=4, widths=(2, 3)):
    out = {}
    for i, w in enumerate(widths):
        out[f"ip_adapter.{2 * i + 1}.to_k_ip.weight"] = r(w, d)
        out[f"ip_adapter.{2 * i + 1}.to_v_ip.weight"] = r(w, d)
    return out


plain = {"image_proj.proj.weight": r(8, 3), "image_proj.proj.bias": r(8), "image_proj.norm.weight": r(4),
         "image_proj.norm.bias": r(4), **ip()}
write("plain", st_bytes(plain))
full = {"image_proj.proj.0.weight": r(3, 3), "image_proj.proj.0.bias": r(3), "image_proj.proj.2.weight": r(4, 3),
        "image_proj.proj.2.bias": r(4), "image_proj.proj.3.weight": r(4), "image_proj.proj.3.bias": r(4), **ip()}
write("full_face", st_bytes(full))
plus = {"image_proj.latents": r(1, 2, 4), "image_proj.proj_in.weight": r(4, 3), "image_proj.proj_in.bias": r(4),
        "image_proj.proj_out.weight": r(4, 4), "image_proj.proj_out.bias": r(4), "image_proj.norm_out.weight": r(4),
        "image_proj.norm_out.bias": r(4), "image_proj.layers.0.0.norm1.weight": r(4),
        "image_proj.layers.0.0.norm1.bias": r(4), "image_proj.layers.0.0.norm2.weight": r(4),
        "image_proj.layers.0.0.norm2.bias": r(4), "image_proj.layers.0.0.to_q.weight": r(64, 4),
        "image_proj.layers.0.0.to_kv.weight": r(128, 4), "image_proj.layers.0.0.to_out.weight": r(4, 64),
        "image_proj.layers.0.1.0.weight": r(4), "image_proj.layers.0.1.0.bias": r(4),
        "image_proj.layers.0.1.1.weight": r(8, 4), "image_proj.layers.0.1.3.weight": r(4, 8), **ip()}
write("plus", st_bytes(plus))
bad = dict(plain)
del bad["ip_adapter.3.to_v_ip.weight"]
write("missing_key", st_bytes(bad))
bad = dict(plain)
bad["image_proj.norm.bias"] = r(5)
write("bad_shape", st_bytes(bad))
bad = dict(plain)
bad["ip_adapter.0.to_q_lora.down.weight"] = r(2, 2)
write("faceid", st_bytes(bad))
write("truncated", st_bytes(plain)[:-40])
write("empty", b"")
nested = {"image_proj": {k[len("image_proj."):]: torch.from_numpy(v) for k, v in plain.items()
                         if k.startswith("image_proj.")},
          "ip_adapter": {k[len("ip_adapter."):]: torch.from_numpy(v) for k, v in plain.items()
                         if k.startswith("ip_adapter.")}}
path = os.path.join(OUT, "plain_bin")
torch.save(nested, path)
print("wrote", sorted(os.listdir(OUT)))
