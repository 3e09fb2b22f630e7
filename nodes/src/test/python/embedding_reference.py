#!/usr/bin/python3
"""Textual-inversion embedding fixtures (safetensors emb_params, SDXL clip_l/clip_g, A1111 .pt) and their values.

Writes nodes/src/test/resources/dev/noodle/engine/adapters/embeddings/ and embeddings_expected.json.
Run: /usr/bin/python3 nodes/src/test/python/embedding_reference.py
"""
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/engine/adapters")
EMB = os.path.join(OUT, "embeddings")
os.makedirs(os.path.join(EMB, "styles"), exist_ok=True)
torch.manual_seed(99)


def save_st(path, tensors, f16=False):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        a = t.numpy().astype(np.float16 if f16 else np.float32)
        b = a.tobytes()
        header[k] = {"dtype": "F16" if f16 else "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


expected = {}
sd1 = torch.randn(3, 8)
save_st(os.path.join(EMB, "MyStyle.safetensors"), {"emb_params": sd1})
expected["mystyle"] = {"8": sd1.tolist()}

half = torch.randn(2, 8).half().float()
save_st(os.path.join(EMB, "halfemb.safetensors"), {"emb_params": half}, f16=True)
expected["halfemb"] = {"8": half.tolist()}

cl, cg = torch.randn(2, 8), torch.randn(2, 12)
save_st(os.path.join(EMB, "xl-thing.safetensors"), {"clip_l": cl, "clip_g": cg})
expected["xl-thing"] = {"8": cl.tolist(), "12": cg.tolist()}

a1111 = torch.randn(4, 8)
torch.save({"string_to_token": {"*": 265}, "string_to_param": {"*": a1111}, "name": "oldstyle", "step": 3},
           os.path.join(EMB, "styles", "OldStyle.pt"))
expected["oldstyle"] = {"8": a1111.tolist()}

sd2 = torch.randn(1, 12)
save_st(os.path.join(EMB, "sd2only.safetensors"), {"emb_params": sd2})
expected["sd2only"] = {"12": sd2.tolist()}

with open(os.path.join(OUT, "embeddings_expected.json"), "w") as f:
    json.dump(expected, f)
print("wrote", len(expected), "embeddings")
