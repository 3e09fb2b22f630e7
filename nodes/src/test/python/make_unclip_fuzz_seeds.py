"""Seed inputs for UnclipTowerFuzzTest: small safetensors files in the unCLIP checkpoint layout (a UNet conv-in and
label_emb, the SD 2.x text token embedding, an open_clip image tower under embedder.model.visual.*) and broken
variants. Usage: /usr/bin/python3 nodes/src/test/python/make_unclip_fuzz_seeds.py
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "model",
                   "UnclipTowerFuzzTestInputs", "unclipCheckpoint")
RNG = np.random.default_rng(5)
D, LAYERS, MLP, PATCH, IMAGE, PROJ = 32, 2, 64, 4, 8, 8


def tower():
    t = {}
    v = "embedder.model.visual."
    pos = (IMAGE // PATCH) ** 2 + 1
    t[v + "class_embedding"] = (D,)
    t[v + "conv1.weight"] = (D, 3, PATCH, PATCH)
    t[v + "positional_embedding"] = (pos, D)
    t[v + "ln_pre.weight"] = (D,)
    t[v + "ln_pre.bias"] = (D,)
    for i in range(LAYERS):
        p = v + "transformer.resblocks.%d." % i
        t[p + "ln_1.weight"] = (D,)
        t[p + "ln_1.bias"] = (D,)
        t[p + "attn.in_proj_weight"] = (3 * D, D)
        t[p + "attn.in_proj_bias"] = (3 * D,)
        t[p + "attn.out_proj.weight"] = (D, D)
        t[p + "attn.out_proj.bias"] = (D,)
        t[p + "ln_2.weight"] = (D,)
        t[p + "ln_2.bias"] = (D,)
        t[p + "mlp.c_fc.weight"] = (MLP, D)
        t[p + "mlp.c_fc.bias"] = (MLP,)
        t[p + "mlp.c_proj.weight"] = (D, MLP)
        t[p + "mlp.c_proj.bias"] = (D,)
    t[v + "ln_post.weight"] = (D,)
    t[v + "ln_post.bias"] = (D,)
    t[v + "proj"] = (D, PROJ)
    t["embedder.model.token_embedding.weight"] = (10, 16)
    t["embedder.model.ln_final.weight"] = (16,)
    t["embedder.model.logit_scale"] = ()
    return t


def base(adm):
    t = {"model.diffusion_model.input_blocks.0.0.weight": (32, 4, 3, 3),
         "cond_stage_model.model.token_embedding.weight": (10, 16),
         "noise_augmentor.sqrt_alphas_cumprod": (1000,)}
    if adm:
        t["model.diffusion_model.label_emb.0.0.weight"] = (16, adm)
    return t


def write(name, shapes, cut=None):
    header, blobs, off = {}, [], 0
    for k in sorted(shapes):
        a = (RNG.standard_normal(shapes[k]) * 0.1).astype("<f4")
        b = a.tobytes()
        header[k] = {"dtype": "F32", "shape": list(shapes[k]), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    data = struct.pack("<Q", len(h)) + h + b"".join(blobs)
    if cut:
        data = data[:cut]
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    good = {**base(2 * PROJ), **tower()}
    write("unclip_tiny", good)
    write("plain_sd2", {**base(0), **tower()})
    write("no_tower", base(2 * PROJ))
    write("odd_label_emb", {**base(2 * PROJ + 1), **tower()})
    write("wrong_width", {**base(2 * PROJ + 2), **tower()})
    missing = dict(good)
    del missing["embedder.model.visual.ln_post.bias"]
    write("missing_key", missing)
    write("truncated", good, cut=3000)
    open(os.path.join(OUT, "empty"), "wb").close()


if __name__ == "__main__":
    main()
