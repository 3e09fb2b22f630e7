#!/usr/bin/python3
"""Independent torch reference for Noodle's SDXL-shaped UNet tests.

Builds a tiny SDXL-shaped SGM UNet with the real `model.diffusion_model.*` key names, straight from a dict of
weights, and runs it. Shape (UNetConfig.tinyXl() in Java): model_channels 32, channel_mult [1, 2, 2] (small widths; SDXL has [1, 2, 4]), 2 ResBlocks
per level, transformer depth per input ResBlock [0, 0, 2, 1, 1, 3] (none on the first level, as SDXL), middle
depth 2, per output block [3, 1, 2, 2, 1, 1, 0, 0, 0] (output_blocks order), 64-channel heads, linear
proj_in/proj_out, context 80, and label_emb (Linear(48, 128), SiLU, Linear(128, 128)) whose output is added to
the time embedding, as SDXL adds label_emb(y) for its 2816-wide pooled/size vector.

Writes:
  nodes/src/test/resources/unet/tiny_sdxl_unet.safetensors     weights in float16 (plus a non-UNet key)
  nodes/src/test/resources/unet/tiny_sdxl_unet_io.safetensors  x, timesteps, context, y, expected eps

Safetensors files are written by hand with numpy. Run with Debian's torch: /usr/bin/python3 unet_sdxl_reference.py
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

MC, MULT, NRES, HEAD_DIM, CTX, ADM, IN_CH, OUT_CH = 32, [1, 2, 2], 2, 64, 80, 48, 4, 4
DEPTH_IN = [0, 0, 2, 1, 1, 3]
DEPTH_MID = 2
DEPTH_OUT = [3, 1, 2, 2, 1, 1, 0, 0, 0]
TE = MC * 4
P = "model.diffusion_model."

gen = torch.Generator().manual_seed(20240711)
W = {}


def rnd(*shape, std=1.0):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).float() * std


def lin(name, i, o, bias=True):
    W[name + ".weight"] = rnd(o, i, std=1 / math.sqrt(i))
    if bias:
        W[name + ".bias"] = rnd(o, std=0.1)


def conv(name, i, o, k):
    W[name + ".weight"] = rnd(o, i, k, k, std=1 / math.sqrt(i * k * k))
    W[name + ".bias"] = rnd(o, std=0.1)


def norm(name, c):
    W[name + ".weight"] = 1 + rnd(c, std=0.1)
    W[name + ".bias"] = rnd(c, std=0.1)


def make_res(p, i, o):
    norm(p + "in_layers.0", i)
    conv(p + "in_layers.2", i, o, 3)
    lin(p + "emb_layers.1", TE, o)
    norm(p + "out_layers.0", o)
    conv(p + "out_layers.3", o, o, 3)
    if i != o:
        conv(p + "skip_connection", i, o, 1)


def make_st(p, c, depth):
    norm(p + "norm", c)
    lin(p + "proj_in", c, c)  # linear projection (use_linear_in_transformer)
    for d in range(depth):
        b = p + "transformer_blocks.%d." % d
        for a, kv in (("attn1", c), ("attn2", CTX)):
            lin(b + a + ".to_q", c, c, bias=False)
            lin(b + a + ".to_k", kv, c, bias=False)
            lin(b + a + ".to_v", kv, c, bias=False)
            lin(b + a + ".to_out.0", c, c)
        lin(b + "ff.net.0.proj", c, 8 * c)
        lin(b + "ff.net.2", 4 * c, c)
        for n in ("norm1", "norm2", "norm3"):
            norm(b + n, c)
    lin(p + "proj_out", c, c)


# ---- build the weights and remember the structure: lists of ("kind", prefix, ...) ----
lin("time_embed.0", MC, TE)
lin("time_embed.2", TE, TE)
lin("label_emb.0.0", ADM, TE)
lin("label_emb.0.2", TE, TE)
conv("input_blocks.0.0", IN_CH, MC, 3)
inputs = [[("conv", "input_blocks.0.0")]]
chans = [MC]
ch = MC
res_index = 0
for lvl, m in enumerate(MULT):
    for _ in range(NRES):
        p = "input_blocks.%d." % len(inputs)
        make_res(p + "0.", ch, MC * m)
        blk = [("res", p + "0.", ch, MC * m)]
        ch = MC * m
        depth = DEPTH_IN[res_index]
        res_index += 1
        if depth:
            make_st(p + "1.", ch, depth)
            blk.append(("st", p + "1.", ch, depth))
        inputs.append(blk)
        chans.append(ch)
    if lvl != len(MULT) - 1:
        p = "input_blocks.%d.0.op" % len(inputs)
        conv(p, ch, ch, 3)
        inputs.append([("down", p)])
        chans.append(ch)
make_res("middle_block.0.", ch, ch)
make_st("middle_block.1.", ch, DEPTH_MID)
make_res("middle_block.2.", ch, ch)
middle = [("res", "middle_block.0.", ch, ch), ("st", "middle_block.1.", ch, DEPTH_MID),
          ("res", "middle_block.2.", ch, ch)]
outputs = []
for lvl in reversed(range(len(MULT))):
    for i in range(NRES + 1):
        p = "output_blocks.%d." % len(outputs)
        skip = chans.pop()
        make_res(p + "0.", ch + skip, MC * MULT[lvl])
        blk = [("res", p + "0.", ch + skip, MC * MULT[lvl])]
        ch = MC * MULT[lvl]
        depth = DEPTH_OUT[len(outputs)]
        if depth:
            make_st(p + "%d." % len(blk), ch, depth)
            blk.append(("st", p + "%d." % len(blk), ch, depth))
        if lvl and i == NRES:
            conv(p + "%d.conv" % len(blk), ch, ch, 3)
            blk.append(("up", p + "%d.conv" % len(blk)))
        outputs.append(blk)
norm("out.0", MC)
conv("out.2", MC, OUT_CH, 3)
W = {k: v.half().float() for k, v in W.items()}  # the file stores float16: reference uses the rounded values


# ---- the reference forward, written from the SGM equations ----
def temb(t, dim, period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(period) * torch.arange(half, dtype=torch.float32) / half)
    a = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


def gn(x, p, eps=1e-5):
    return F.group_norm(x, 32, W[p + ".weight"], W[p + ".bias"], eps)


def linear(x, p):
    return F.linear(x, W[p + ".weight"], W.get(p + ".bias"))


def res(x, emb, p, i, o):
    h = F.conv2d(F.silu(gn(x, p + "in_layers.0")), W[p + "in_layers.2.weight"], W[p + "in_layers.2.bias"], padding=1)
    h = h + linear(F.silu(emb), p + "emb_layers.1")[:, :, None, None]
    h = F.conv2d(F.silu(gn(h, p + "out_layers.0")), W[p + "out_layers.3.weight"], W[p + "out_layers.3.bias"], padding=1)
    s = F.conv2d(x, W[p + "skip_connection.weight"], W[p + "skip_connection.bias"]) if i != o else x
    return s + h


def attention(x, ctx, p):
    q, k, v = linear(x, p + "to_q"), linear(ctx, p + "to_k"), linear(ctx, p + "to_v")
    b, n, c = q.shape
    heads = c // HEAD_DIM
    qh = q.reshape(b, n, heads, HEAD_DIM).transpose(1, 2)
    kh = k.reshape(b, -1, heads, HEAD_DIM).transpose(1, 2)
    vh = v.reshape(b, -1, heads, HEAD_DIM).transpose(1, 2)
    w = torch.softmax(qh @ kh.transpose(-1, -2) / math.sqrt(HEAD_DIM), dim=-1)
    o = (w @ vh).transpose(1, 2).reshape(b, n, c)
    return linear(o, p + "to_out.0")


def ln(x, p):
    return F.layer_norm(x, x.shape[-1:], W[p + ".weight"], W[p + ".bias"], 1e-5)


def st(x, ctx, p, c, depth):
    b, _, hh, ww = x.shape
    h = gn(x, p + "norm", 1e-6).reshape(b, c, hh * ww).transpose(1, 2)  # tokens [B, HW, C]
    h = linear(h, p + "proj_in")
    for d in range(depth):
        bp = p + "transformer_blocks.%d." % d
        n1 = ln(h, bp + "norm1")
        h = attention(n1, n1, bp + "attn1.") + h
        h = attention(ln(h, bp + "norm2"), ctx, bp + "attn2.") + h
        a, g = linear(ln(h, bp + "norm3"), bp + "ff.net.0.proj").chunk(2, dim=-1)
        h = linear(a * F.gelu(g), bp + "ff.net.2") + h
    h = linear(h, p + "proj_out")
    return h.transpose(1, 2).reshape(b, c, hh, ww) + x


def run(blk, h, emb, ctx):
    for part in blk:
        kind = part[0]
        if kind == "conv":
            h = F.conv2d(h, W[part[1] + ".weight"], W[part[1] + ".bias"], padding=1)
        elif kind == "res":
            h = res(h, emb, part[1], part[2], part[3])
        elif kind == "st":
            h = st(h, ctx, part[1], part[2], part[3])
        elif kind == "down":
            h = F.conv2d(h, W[part[1] + ".weight"], W[part[1] + ".bias"], stride=2, padding=1)
        elif kind == "up":
            h = F.interpolate(h, scale_factor=2, mode="nearest")
            h = F.conv2d(h, W[part[1] + ".weight"], W[part[1] + ".bias"], padding=1)
    return h


def unet(x, t, ctx, y):
    emb = linear(F.silu(linear(temb(t, MC), "time_embed.0")), "time_embed.2")
    emb = emb + linear(F.silu(linear(y, "label_emb.0.0")), "label_emb.0.2")
    hs = []
    h = x
    for blk in inputs:
        h = run(blk, h, emb, ctx)
        hs.append(h)
    h = run(middle, h, emb, ctx)
    for blk in outputs:
        h = run(blk, torch.cat([h, hs.pop()], dim=1), emb, ctx)
    return F.conv2d(F.silu(gn(h, "out.0")), W["out.2.weight"], W["out.2.bias"], padding=1)


def write_safetensors(path, tensors, half=False):
    header, blobs, off = {}, [], 0
    for k, v in tensors.items():
        a = np.ascontiguousarray(v.detach().numpy().astype("<f2" if half else "<f4"))
        header[k] = {"dtype": "F16" if half else "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    x = rnd(2, IN_CH, 16, 8)  # non-square: catches H/W mix-ups
    t = torch.tensor([11.0, 742.5])
    ctx = rnd(2, 6, CTX)
    y = rnd(2, ADM)
    eps = unet(x, t, ctx, y)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "unet")
    os.makedirs(out, exist_ok=True)
    ckpt = {P + k: v for k, v in W.items()}
    ckpt["conditioner.embedders.0.transformer.text_model.final_layer_norm.bias"] = torch.zeros(8)  # non-UNet key
    write_safetensors(os.path.join(out, "tiny_sdxl_unet.safetensors"), ckpt, half=True)
    write_safetensors(os.path.join(out, "tiny_sdxl_unet_io.safetensors"),
                      {"x": x, "timesteps": t, "context": ctx, "y": y, "eps": eps})
    print("params", sum(v.numel() for v in W.values()), "eps mean/std", eps.mean().item(), eps.std().item())
