#!/usr/bin/python3
"""Independent torch reference for Noodle's ControlNet tests.

Re-states lllyasviel's ControlNet (Zhang et al. 2023, cldm.ControlNet) for the tiny SD 1.x-shaped UNet of
unet_reference.py (whose blocks and weights it imports): a copy of the UNet's encoder half with its own weights,
the hint encoder input_hint_block (3 -> 16 -> 16 -> 32 -> 32 -> 96 -> 96 -> 256 -> model channels, 3x3 convs,
stride 2 at 4, 8 and 12, SiLU between) added after input block 0, a 1x1 zero conv after every input block and
middle_block_out after the middle block. Then runs the UNet with the residuals added as LDM's apply_control does:
the middle one to the middle block's output, zero conv i to skip connection i as the output blocks take it.
Writes:

  nodes/src/test/resources/controlnet/tiny_controlnet.safetensors  the ControlNet, control_model.* keys, float16
  nodes/src/test/resources/controlnet/tiny_controlnet_io.safetensors  x, timesteps, context, hint, every residual
                                                                       (res_0 … res_N, middle) and eps

The UNet weights are unet_reference.py's (resources/unet/tiny_unet.safetensors, checked here to be reproduced).
Run with Debian's torch: /usr/bin/python3 controlnet_reference.py
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import unet_reference as U  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
gen = torch.Generator().manual_seed(20261207)
UNET = dict(U.W)
C = {}
# the encoder half: the UNet's keys with weights of their own (a trained ControlNet starts as a copy and moves away)
for k, v in UNET.items():
    if k.startswith(("time_embed.", "input_blocks.", "middle_block.")):
        noise = torch.randn(v.shape, generator=gen, dtype=torch.float64).float()
        C[k] = v + 0.5 * (v.std() if v.numel() > 1 else 0.1) * noise


def conv(name, i, o, k, std_scale=1.0):
    C[name + ".weight"] = torch.randn(o, i, k, k, generator=gen, dtype=torch.float64).float() \
        * std_scale / (i * k * k) ** 0.5
    C[name + ".bias"] = torch.randn(o, generator=gen, dtype=torch.float64).float() * 0.05


HINT = [(3, 16, 1), (16, 16, 1), (16, 32, 2), (32, 32, 1), (32, 96, 2), (96, 96, 1), (96, 256, 2), (256, U.MC, 1)]
for n, (i, o, s) in enumerate(HINT):
    conv("input_hint_block.%d" % (2 * n), i, o, 3)
# zero conv widths: each input block's output channels
widths = []
ch = U.MC
for blk in U.inputs:
    last = blk[-1]
    if last[0] == "res":
        ch = last[3]
    elif last[0] == "st":
        ch = last[2]
    widths.append(ch)
for n, w in enumerate(widths):
    conv("zero_convs.%d.0" % n, w, w, 1, std_scale=0.5)
conv("middle_block_out.0", widths[-1], widths[-1], 1, std_scale=0.5)
# the file stores float16: compute from the same rounded values
C = {k: v.half().float() for k, v in C.items()}


def with_weights(weights, fn, *args):
    saved = U.W
    U.W = weights  # unet_reference's blocks read their module's W
    try:
        return fn(*args)
    finally:
        U.W = saved


def embedding(t):
    e = U.temb(t, U.MC)
    return F.linear(F.silu(F.linear(e, U.W["time_embed.0.weight"], U.W["time_embed.0.bias"])),
                    U.W["time_embed.2.weight"], U.W["time_embed.2.bias"])


def controlnet(x, hint, t, ctx):
    emb = embedding(t)
    g = hint
    for n, (_, _, s) in enumerate(HINT):
        p = "input_hint_block.%d" % (2 * n)
        g = F.conv2d(g, C[p + ".weight"], C[p + ".bias"], stride=s, padding=1)
        if n < len(HINT) - 1:
            g = F.silu(g)
    outs = []
    h = x
    for n, blk in enumerate(U.inputs):
        h = U.run(blk, h, emb, ctx)
        if n == 0:
            h = h + g
        outs.append(F.conv2d(h, C["zero_convs.%d.0.weight" % n], C["zero_convs.%d.0.bias" % n]))
    h = U.run(U.middle, h, emb, ctx)
    return outs, F.conv2d(h, C["middle_block_out.0.weight"], C["middle_block_out.0.bias"])


def controlled_unet(x, t, ctx, outs, mid):
    emb = embedding(t)
    hs = []
    h = x
    for blk in U.inputs:
        h = U.run(blk, h, emb, ctx)
        hs.append(h)
    h = U.run(U.middle, h, emb, ctx) + mid
    skips = list(outs)
    for blk in U.outputs:
        h = U.run(blk, torch.cat([h, hs.pop() + skips.pop()], dim=1), emb, ctx)
    h = F.silu(U.gn(h, "out.0"))
    return F.conv2d(h, U.W["out.2.weight"], U.W["out.2.bias"], padding=1)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        dt = {"F16": "<f2", "F32": "<f4"}[v["dtype"]]
        out[k] = np.frombuffer(data[b:e], dtype=dt).reshape(v["shape"]).astype(np.float32)
    return out


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    stored = read_safetensors(os.path.join(HERE, "..", "resources", "unet", "tiny_unet.safetensors"))
    for k, v in UNET.items():
        assert np.array_equal(stored[U.P + k], v.numpy()), "unet_reference no longer reproduces " + k
    x = torch.randn(2, U.IN_CH, 8, 8, generator=gen)
    t = torch.tensor([3.0, 617.25])
    ctx = torch.randn(2, 5, U.CTX, generator=gen)
    hint = torch.rand(2, 3, 64, 64, generator=gen)
    outs, mid = with_weights(C, controlnet, x, hint, t, ctx)
    eps = with_weights(UNET, controlled_unet, x, t, ctx, outs, mid)
    plain = with_weights(UNET, U.unet, x, t, ctx)
    out = os.path.join(HERE, "..", "resources", "controlnet")
    os.makedirs(out, exist_ok=True)
    U.write_safetensors(os.path.join(out, "tiny_controlnet.safetensors"),
                        {"control_model." + k: v for k, v in C.items()}, half=True)
    io = {"x": x, "timesteps": t, "context": ctx, "hint": hint, "middle": mid, "eps": eps}
    for n, r in enumerate(outs):
        io["res_%d" % n] = r
    U.write_safetensors(os.path.join(out, "tiny_controlnet_io.safetensors"), io)
    print("control params", sum(v.numel() for v in C.values()), "residual std", [round(r.std().item(), 4) for r in outs],
          "middle std", mid.std().item(), "eps change", (eps - plain).abs().max().item(), "of", plain.abs().max().item())
