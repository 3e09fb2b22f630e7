#!/usr/bin/python3
"""Independent torch reference for Noodle's UNet tests.

Builds a tiny SD 1.x-shaped LDM UNet (model_channels 32, channel_mult [1, 2], 1 ResBlock per level, attention
at both levels, 8 heads as SD 1.x, context 64, transformer depth 1, conv proj_in/proj_out) directly from a dict of weights
with the real `model.diffusion_model.*` key names, runs it, and writes:

  nodes/src/test/resources/unet/tiny_unet.safetensors  the weights in float16 (plus one non-UNet key, as in a checkpoint)
  nodes/src/test/resources/unet/tiny_unet_io.safetensors  x, timesteps, context, expected eps, timestep embeddings

Safetensors files are written by hand with numpy. Run with Debian's torch: /usr/bin/python3 unet_reference.py
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

MC, MULT, NRES, ATTN, HEADS, CTX, DEPTH, IN_CH, OUT_CH = 32, [1, 2], 1, [True, True], 8, 64, 1, 4, 4
TE = MC * 4
P = "model.diffusion_model."

gen = torch.Generator().manual_seed(20240607)
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


def make_st(p, c):
    norm(p + "norm", c)
    conv(p + "proj_in", c, c, 1)
    for d in range(DEPTH):
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
    conv(p + "proj_out", c, c, 1)


# ---- build the weights and remember the structure ----
lin("time_embed.0", MC, TE)
lin("time_embed.2", TE, TE)
conv("input_blocks.0.0", IN_CH, MC, 3)
inputs = [[("conv", "input_blocks.0.0")]]
chans = [MC]
ch = MC
for lvl, m in enumerate(MULT):
    for _ in range(NRES):
        p = "input_blocks.%d." % len(inputs)
        make_res(p + "0.", ch, MC * m)
        blk = [("res", p + "0.", ch, MC * m)]
        ch = MC * m
        if ATTN[lvl]:
            make_st(p + "1.", ch)
            blk.append(("st", p + "1.", ch))
        inputs.append(blk)
        chans.append(ch)
    if lvl != len(MULT) - 1:
        p = "input_blocks.%d.0.op" % len(inputs)
        conv(p, ch, ch, 3)
        inputs.append([("down", p)])
        chans.append(ch)
make_res("middle_block.0.", ch, ch)
make_st("middle_block.1.", ch)
make_res("middle_block.2.", ch, ch)
middle = [("res", "middle_block.0.", ch, ch), ("st", "middle_block.1.", ch), ("res", "middle_block.2.", ch, ch)]
outputs = []
for lvl in reversed(range(len(MULT))):
    for i in range(NRES + 1):
        p = "output_blocks.%d." % len(outputs)
        skip = chans.pop()
        make_res(p + "0.", ch + skip, MC * MULT[lvl])
        blk = [("res", p + "0.", ch + skip, MC * MULT[lvl])]
        ch = MC * MULT[lvl]
        if ATTN[lvl]:
            make_st(p + "%d." % len(blk), ch)
            blk.append(("st", p + "%d." % len(blk), ch))
        if lvl and i == NRES:
            conv(p + "%d.conv" % len(blk), ch, ch, 3)
            blk.append(("up", p + "%d.conv" % len(blk)))
        outputs.append(blk)
norm("out.0", MC)
conv("out.2", MC, OUT_CH, 3)
# the weights file stores float16 (half the fixture size): compute the reference from the same rounded values
W = {k: v.half().float() for k, v in W.items()}


# ---- the reference forward, written from the LDM equations ----
def temb(t, dim, period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(period) * torch.arange(half, dtype=torch.float32) / half)
    a = t[:, None].float() * freqs[None]
    e = torch.cat([torch.cos(a), torch.sin(a)], dim=-1)
    if dim % 2:
        e = torch.cat([e, torch.zeros_like(e[:, :1])], dim=-1)
    return e


def gn(x, p, eps=1e-5):
    return F.group_norm(x, 32, W[p + ".weight"], W[p + ".bias"], eps)


def res(x, emb, p, i, o):
    h = F.conv2d(F.silu(gn(x, p + "in_layers.0")), W[p + "in_layers.2.weight"], W[p + "in_layers.2.bias"], padding=1)
    e = F.linear(F.silu(emb), W[p + "emb_layers.1.weight"], W[p + "emb_layers.1.bias"])
    h = h + e[:, :, None, None]
    h = F.conv2d(F.silu(gn(h, p + "out_layers.0")), W[p + "out_layers.3.weight"], W[p + "out_layers.3.bias"], padding=1)
    s = F.conv2d(x, W[p + "skip_connection.weight"], W[p + "skip_connection.bias"]) if i != o else x
    return s + h


def attention(x, ctx, p, heads):
    q = x @ W[p + "to_q.weight"].t()
    k = ctx @ W[p + "to_k.weight"].t()
    v = ctx @ W[p + "to_v.weight"].t()
    b, n, c = q.shape
    d = c // heads

    def split(t):
        return t.reshape(b, -1, heads, d).permute(0, 2, 1, 3)

    s = torch.einsum("bhid,bhjd->bhij", split(q), split(k)) * d ** -0.5
    o = torch.einsum("bhij,bhjd->bhid", s.softmax(-1), split(v))
    o = o.permute(0, 2, 1, 3).reshape(b, n, c)
    return F.linear(o, W[p + "to_out.0.weight"], W[p + "to_out.0.bias"])


def ln(x, p):
    return F.layer_norm(x, x.shape[-1:], W[p + ".weight"], W[p + ".bias"], 1e-5)


def st(x, ctx, p, c):
    b, _, hh, ww = x.shape
    h = gn(x, p + "norm", 1e-6)
    h = F.conv2d(h, W[p + "proj_in.weight"], W[p + "proj_in.bias"])
    h = h.reshape(b, c, hh * ww).transpose(1, 2)
    for d in range(DEPTH):
        bp = p + "transformer_blocks.%d." % d
        h = attention(ln(h, bp + "norm1"), ln(h, bp + "norm1"), bp + "attn1.", HEADS) + h
        h = attention(ln(h, bp + "norm2"), ctx, bp + "attn2.", HEADS) + h
        u = F.linear(ln(h, bp + "norm3"), W[bp + "ff.net.0.proj.weight"], W[bp + "ff.net.0.proj.bias"])
        a, g = u.chunk(2, dim=-1)
        h = F.linear(a * F.gelu(g), W[bp + "ff.net.2.weight"], W[bp + "ff.net.2.bias"]) + h
    h = h.transpose(1, 2).reshape(b, c, hh, ww)
    h = F.conv2d(h, W[p + "proj_out.weight"], W[p + "proj_out.bias"])
    return h + x


def run(blk, h, emb, ctx):
    for part in blk:
        kind = part[0]
        if kind == "conv":
            h = F.conv2d(h, W[part[1] + ".weight"], W[part[1] + ".bias"], padding=1)
        elif kind == "res":
            h = res(h, emb, part[1], part[2], part[3])
        elif kind == "st":
            h = st(h, ctx, part[1], part[2])
        elif kind == "down":
            h = F.conv2d(h, W[part[1] + ".weight"], W[part[1] + ".bias"], stride=2, padding=1)
        elif kind == "up":
            h = F.interpolate(h, scale_factor=2, mode="nearest")
            h = F.conv2d(h, W[part[1] + ".weight"], W[part[1] + ".bias"], padding=1)
    return h


def unet(x, t, ctx):
    e = temb(t, MC)
    emb = F.linear(F.silu(F.linear(e, W["time_embed.0.weight"], W["time_embed.0.bias"])),
                   W["time_embed.2.weight"], W["time_embed.2.bias"])
    hs = []
    h = x
    for blk in inputs:
        h = run(blk, h, emb, ctx)
        hs.append(h)
    h = run(middle, h, emb, ctx)
    for blk in outputs:
        h = run(blk, torch.cat([h, hs.pop()], dim=1), emb, ctx)
    h = F.silu(gn(h, "out.0"))
    return F.conv2d(h, W["out.2.weight"], W["out.2.bias"], padding=1)


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
    x = rnd(2, IN_CH, 8, 8)
    t = torch.tensor([3.0, 617.25])
    ctx = rnd(2, 5, CTX)
    eps = unet(x, t, ctx)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "unet")
    os.makedirs(out, exist_ok=True)
    ckpt = {P + k: v for k, v in W.items()}
    ckpt["alphas_cumprod"] = torch.linspace(0.99, 0.01, 10)  # a non-UNet key, as in real checkpoints
    write_safetensors(os.path.join(out, "tiny_unet.safetensors"), ckpt, half=True)
    tt = torch.tensor([0.0, 1.0, 250.5, 999.0])
    write_safetensors(os.path.join(out, "tiny_unet_io.safetensors"), {
        "x": x, "timesteps": t, "context": ctx, "eps": eps,
        "temb_t": tt, "temb_32": temb(tt, 32), "temb_7": temb(tt, 7), "temb_320": temb(tt, 320),
    })
    print("params", sum(v.numel() for v in W.values()), "eps mean/std", eps.mean().item(), eps.std().item())
