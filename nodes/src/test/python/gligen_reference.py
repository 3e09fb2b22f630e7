#!/usr/bin/python3
"""Independent reference for Noodle's GLIGEN text-box model, re-stated in plain torch (float64) from the published
architecture (Li et al. 2023; GLIGEN's PositionNet / GatedSelfAttentionDense as ComfyUI loads them).

Usage: gligen_reference.py WEIGHTS.safetensors INPUTS.safetensors FUSER_PREFIX OUT.safetensors

INPUTS holds: embeddings [n, D] (phrase embeddings), boxes [n, 4] (x, y, width, height in latent cells),
latent_hw [2] (latent height, width), x [B, N, C] (hidden states after a block's self-attention).
OUT gets: tokens [1, 30, T] (the position net's grounding tokens) and fused [B, N, C] (x after the fuser).
Safetensors files are read and written by hand (json header + raw little-endian data).
"""
import math
import sys

import numpy as np
import torch

from st_io import read_safetensors, write_safetensors

MAX_OBJS = 30
FREQS = 8
TEMPERATURE = 100


def linear(w, name, x):
    y = x @ w[name + ".weight"].T
    if name + ".bias" in w:
        y = y + w[name + ".bias"]
    return y


def layer_norm(w, name, x):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-5) * w[name + ".weight"] + w[name + ".bias"]


def silu(x):
    return x * torch.sigmoid(x)


def gelu(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def grounding_tokens(w, embeddings, boxes_cells, h, wd):
    """PositionNet over the phrases, padded to 30 slots with the null features."""
    d = embeddings.shape[1]
    boxes = torch.zeros(MAX_OBJS, 4, dtype=torch.float64)
    masks = torch.zeros(MAX_OBJS, 1, dtype=torch.float64)
    conds = torch.zeros(MAX_OBJS, d, dtype=torch.float64)
    for i in range(embeddings.shape[0]):
        x, y, bw, bh = [int(v) for v in boxes_cells[i]]
        # box = (x, y, x + w, y + h) over the latent's width and height, as float32 values
        boxes[i] = torch.tensor([x / wd, y / h, (x + bw) / wd, (y + bh) / h], dtype=torch.float32).double()
        masks[i] = 1
        conds[i] = embeddings[i]
    feats = []
    for k in range(FREQS):
        f = TEMPERATURE ** (k / FREQS)
        feats.append(torch.sin(f * boxes))
        feats.append(torch.cos(f * boxes))
    xyxy = torch.cat(feats, -1)  # [30, 64]
    conds = conds * masks + (1 - masks) * w["position_net.null_positive_feature"]
    xyxy = xyxy * masks + (1 - masks) * w["position_net.null_position_feature"]
    h1 = silu(linear(w, "position_net.linears.0", torch.cat([conds, xyxy], -1)))
    h2 = silu(linear(w, "position_net.linears.2", h1))
    return linear(w, "position_net.linears.4", h2).unsqueeze(0)  # [1, 30, T]


def fuser(w, p, x, tokens):
    """GatedSelfAttentionDense: attention over [visual ‖ grounding] tokens, gated, then a gated GEGLU FF."""
    b, n, c = x.shape
    key_dim = w[p + "linear.weight"].shape[1]
    heads = 8 if key_dim == 768 else c // 64
    dh = c // heads
    objs = linear(w, p + "linear", tokens).expand(b, -1, -1)
    hcat = layer_norm(w, p + "norm1", torch.cat([x, objs], 1))
    L = hcat.shape[1]

    def split(t):
        return t.reshape(b, L, heads, dh).permute(0, 2, 1, 3)

    q = split(linear(w, p + "attn.to_q", hcat))
    k = split(linear(w, p + "attn.to_k", hcat))
    v = split(linear(w, p + "attn.to_v", hcat))
    att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), -1) @ v
    att = att.permute(0, 2, 1, 3).reshape(b, L, c)
    out = linear(w, p + "attn.to_out.0", att)[:, :n]
    x = x + torch.tanh(w[p + "alpha_attn"]) * out
    proj = linear(w, p + "ff.net.0.proj", layer_norm(w, p + "norm2", x))
    a, g = proj[..., : 4 * c], proj[..., 4 * c:]
    x = x + torch.tanh(w[p + "alpha_dense"]) * linear(w, p + "ff.net.2", a * gelu(g))
    return x


def main():
    w = read_safetensors(sys.argv[1])
    inp = read_safetensors(sys.argv[2])
    prefix = sys.argv[3]
    h, wd = [int(v) for v in inp["latent_hw"]]
    tokens = grounding_tokens(w, inp["embeddings"], inp["boxes"], h, wd)
    fused = fuser(w, prefix, inp["x"], tokens)
    write_safetensors(sys.argv[4], {"tokens": tokens, "fused": fused})


if __name__ == "__main__":
    main()
