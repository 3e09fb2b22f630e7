#!/usr/bin/python3
"""Seed inputs for ClipVisionFuzzTest: tiny valid CLIP image towers (Hugging Face and open_clip layouts) and style
adapters (safetensors and torch.save zip), and broken variants (truncated, a key missing, a wrong shape, a gap in
the blocks, the other model kind, a Flux Redux key, an empty file).
Writes nodes/src/test/resources/dev/noodle/engine/vision/ClipVisionFuzzTestInputs/{clipVisionFile,styleModelFile}/.
Run: /usr/bin/python3 nodes/src/test/python/make_clip_vision_fuzz_seeds.py
"""
import io
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import clip_vision_reference as ref  # noqa: E402

BASE = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/engine/vision/ClipVisionFuzzTestInputs")


def st_bytes(tensors):
    os.makedirs(BASE, exist_ok=True)
    path = os.path.join(BASE, ".tmp")
    ref.write_safetensors(path, tensors)
    with open(path, "rb") as f:
        b = f.read()
    os.remove(path)
    return b


def put(folder, name, data):
    d = os.path.join(BASE, folder)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    rng = np.random.default_rng(99)
    c = dict(width=16, layers=2, heads=16, mlp=8, patch=2, image=4, proj=4)
    hf = ref.hf_tower(rng, c)
    oc = ref.open_clip_tower(rng, c)
    s = dict(width=8, context=4, heads=8, layers=1, tokens=2)
    st = ref.style_weights(rng, s)

    put("clipVisionFile", "hf_tiny", st_bytes(hf))
    put("clipVisionFile", "open_clip_tiny", st_bytes(oc))
    put("clipVisionFile", "truncated", st_bytes(hf)[:-100])
    missing = dict(hf)
    del missing["vision_model.encoder.layers.1.mlp.fc2.bias"]
    put("clipVisionFile", "missing_key", st_bytes(missing))
    bad = dict(hf)
    bad["vision_model.encoder.layers.0.self_attn.q_proj.weight"] = np.zeros((16, 15), np.float32)
    put("clipVisionFile", "bad_shape", st_bytes(bad))
    gap = {k.replace("layers.1.", "layers.2."): v for k, v in hf.items()}
    put("clipVisionFile", "layer_gap", st_bytes(gap))
    odd = dict(hf)
    odd["vision_model.embeddings.position_embedding.weight"] = np.zeros((6, 16), np.float32)
    put("clipVisionFile", "positions_not_square", st_bytes(odd))
    put("clipVisionFile", "style_model", st_bytes(st))
    put("clipVisionFile", "empty", b"")

    put("styleModelFile", "style_tiny", st_bytes(st))
    buf = io.BytesIO()
    torch.save({k: torch.from_numpy(v) for k, v in st.items()}, buf)
    put("styleModelFile", "style_tiny_pth", buf.getvalue())
    put("styleModelFile", "clip_vision", st_bytes(hf))
    put("styleModelFile", "redux", st_bytes({"redux_down.weight": np.zeros((4, 4), np.float32)}))
    emb = dict(st)
    emb["style_embedding"] = np.zeros((2, 2, 8), np.float32)
    put("styleModelFile", "bad_embedding", st_bytes(emb))
    put("styleModelFile", "truncated", st_bytes(st)[:-64])
    put("styleModelFile", "empty", b"")


if __name__ == "__main__":
    main()
