#!/usr/bin/python3
"""Independent reference for Noodle's ClipTextModel: a tiny CLIP text transformer in plain torch.

Writes tiny_clip.safetensors (F16 weights under SD1 key names) and tiny_clip_expected.safetensors (F32 outputs)
into nodes/src/test/resources/dev/noodle/engine/text/. Run: /usr/bin/python3 nodes/src/test/python/clip_text_reference.py
Safetensors files are written by hand (json header + raw little-endian data), no safetensors package needed.
"""
import json
import os
import struct

import numpy as np
import torch

W, HEADS, LAYERS, VOCAB, POS, MLP = 64, 2, 3, 1000, 77, 128
PREFIX = "cond_stage_model.transformer.text_model."
BOS, EOS = 998, 999


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        dtype = {np.float16: "F16", np.float32: "F32", np.int64: "I64"}[arr.dtype.type]
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def make_weights(gen):
    def rnd(*shape, scale=0.2, offset=0.0):
        # rounded through float16 so the F16 file holds exactly the values used here
        return (torch.randn(*shape, generator=gen) * scale + offset).half().float()

    p = {"embeddings.token_embedding.weight": rnd(VOCAB, W, scale=0.5),
         "embeddings.position_embedding.weight": rnd(POS, W, scale=0.1)}
    for i in range(LAYERS):
        b = "encoder.layers.%d." % i
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            p[b + "self_attn." + proj + ".weight"] = rnd(W, W, scale=W ** -0.5)
            p[b + "self_attn." + proj + ".bias"] = rnd(W, scale=0.05)
        for ln in ("layer_norm1", "layer_norm2"):
            p[b + ln + ".weight"] = rnd(W, scale=0.1, offset=1.0)
            p[b + ln + ".bias"] = rnd(W, scale=0.1)
        p[b + "mlp.fc1.weight"] = rnd(MLP, W, scale=W ** -0.5)
        p[b + "mlp.fc1.bias"] = rnd(MLP, scale=0.05)
        p[b + "mlp.fc2.weight"] = rnd(W, MLP, scale=MLP ** -0.5)
        p[b + "mlp.fc2.bias"] = rnd(W, scale=0.05)
    p["final_layer_norm.weight"] = rnd(W, scale=0.1, offset=1.0)
    p["final_layer_norm.bias"] = rnd(W, scale=0.1)
    return p


def ln(x, p, name):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + 1e-5) * p[name + ".weight"] + p[name + ".bias"]


def lin(x, p, name):
    return x @ p[name + ".weight"].T + p[name + ".bias"]


def run(p, ids, inject=None, stop=-1, final_norm=True):
    """ids: LongTensor [B, T]; inject: {(row, pos): vector}. Returns (hidden, pooled)."""
    x = p["embeddings.token_embedding.weight"][ids].clone()
    for (r, pos), vec in (inject or {}).items():
        x[r, pos] = vec
    B, T = ids.shape
    x = x + p["embeddings.position_embedding.weight"][:T]
    causal = torch.full((T, T), float("-inf")).triu(1)
    keep = LAYERS + stop
    kept = None
    hd = W // HEADS
    for i in range(LAYERS):
        b = "encoder.layers.%d." % i
        h = ln(x, p, b + "layer_norm1")
        q, k, v = (lin(h, p, b + "self_attn." + n).view(B, T, HEADS, hd).permute(0, 2, 1, 3)
                   for n in ("q_proj", "k_proj", "v_proj"))
        att = torch.softmax(q @ k.transpose(-1, -2) / hd ** 0.5 + causal, dim=-1) @ v
        x = x + lin(att.permute(0, 2, 1, 3).reshape(B, T, W), p, b + "self_attn.out_proj")
        h = lin(ln(x, p, b + "layer_norm2"), p, b + "mlp.fc1")
        h = h * torch.sigmoid(1.702 * h)
        x = x + lin(h, p, b + "mlp.fc2")
        if i == keep:
            kept = x
    last = ln(x, p, "final_layer_norm")
    hidden = ln(kept, p, "final_layer_norm") if final_norm else kept
    end = ids.argmax(dim=1)
    pooled = last[torch.arange(B), end]
    return hidden, pooled


def seq(body):
    ids = [BOS] + body + [EOS]
    return ids + [EOS] * (POS - len(ids))


def main():
    gen = torch.Generator().manual_seed(1234)
    p = make_weights(gen)
    a = seq([5, 17, 300, 42, 7])
    b = seq(list(range(100, 175)))
    c = seq([11, 0, 0, 12])  # positions 2 and 3 are embedding placeholders
    empty = seq([])
    out = {}
    with torch.no_grad():
        h, pl = run(p, torch.tensor([a, b]))
        out["plain.hidden"], out["plain.pooled"] = h, pl
        h, pl = run(p, torch.tensor([a, b]), stop=-2)
        out["skip2.hidden"], out["skip2.pooled"] = h, pl
        h, _ = run(p, torch.tensor([a]), stop=-2, final_norm=False)
        out["skip2_nonorm.hidden"] = h
        vecs = torch.randn(2, W, generator=gen) * 0.5
        out["embedding.vectors"] = vecs
        h, pl = run(p, torch.tensor([c]), inject={(0, 2): vecs[0], (0, 3): vecs[1]})
        out["embedding.hidden"], out["embedding.pooled"] = h, pl
        # weighted prompt: chunks a and b with some weights, baseline = the empty prompt at each position
        wa = [1.0] * POS
        wb = [1.0] * POS
        wa[2], wa[3] = 1.2, 0.7
        wb[10] = 1.5
        z, pl = run(p, torch.tensor([a, b, empty]), stop=-2)
        weights = torch.tensor([wa, wb])
        zz = z[:2].clone()
        for r in range(2):
            for j in range(POS):
                if weights[r, j] != 1.0:
                    zz[r, j] = (z[r, j] - z[2, j]) * weights[r, j] + z[2, j]
        out["weighted.weights"] = weights
        out["weighted.hidden"] = zz.reshape(1, 2 * POS, W)
        out["weighted.pooled"] = pl[0:1]
    out["ids.a"] = torch.tensor(a)
    out["ids.b"] = torch.tensor(b)
    out["ids.c"] = torch.tensor(c)
    here = os.path.dirname(os.path.abspath(__file__))
    dst = os.path.join(here, "..", "resources", "dev", "noodle", "engine", "text")
    sd = {PREFIX + k: v.numpy().astype(np.float16) for k, v in p.items()}
    sd[PREFIX + "embeddings.position_ids"] = np.arange(POS, dtype=np.int64).reshape(1, POS)
    write_safetensors(os.path.join(dst, "tiny_clip.safetensors"), sd)
    exp = {k: (v.numpy().astype(np.int64) if v.dtype == torch.int64 else v.numpy().astype(np.float32))
           for k, v in out.items()}
    write_safetensors(os.path.join(dst, "tiny_clip_expected.safetensors"), exp)
    print("plain hidden[0,0,:4]", out["plain.hidden"][0, 0, :4].tolist())


if __name__ == "__main__":
    main()
