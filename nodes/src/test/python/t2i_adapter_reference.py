#!/usr/bin/python3
"""Independent torch reference for Noodle's T2I-Adapter tests.

Re-states the T2I-Adapter networks (Mou et al. 2023; TencentARC's Adapter / Adapter_light as ComfyUI loads them:
ResnetBlocks with sk=True, i.e. no skip conv, an in_conv only where the width changes) from a dict of weights with
the original key names, on small random weights:

  sd1_full   SD 1.x full adapter, 3 colours, widths [8, 16, 32, 32], 2 blocks a level, 1x1 block2/in_conv,
             average-pool downsampling at levels 1-3 (unshuffle 8)
  sd1_conv   the same with 1 colour, 3x3 block2/in_conv and stride-2 conv downsampling (down_opt.op)
  light      light adapter (the color adapter's layout), widths [8, 16, 32, 32], 4 light blocks a level
  xl         SDXL full adapter, 1 colour, widths [32, 64, 64, 64] (fits the tiny SDXL UNet of
             unet_sdxl_reference.py), unshuffle 16, one downsample at level 2

and runs each on control images with odd sizes after unshuffling (the zero-padded average pool). It also prepares a
control image as ComfyUI's T2IAdapter.get_control does (center crop, nearest-exact resize to 8 px per latent cell
rounded up to the unshuffle factor, channel mean for 1-colour adapters), and runs the tiny SDXL UNet fixture
(tests' resources/unet/tiny_sdxl_unet*.safetensors) with the xl adapter's features added where ComfyUI's
apply_control puts them: after input blocks 3, 5, 8 and after the middle block.

Writes nodes/src/test/resources/t2i/{sd1_full,sd1_conv,light,xl}.safetensors (weights, float16) and
nodes/src/test/resources/t2i/t2i_io.safetensors (inputs and expected outputs, float32).
Run with Debian's torch: /usr/bin/python3 t2i_adapter_reference.py
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

from st_io import read_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.join(HERE, "..", "resources")
gen = torch.Generator().manual_seed(20261207)


def rnd(*shape, std=1.0):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).float() * std


def conv_w(W, name, o, i, k):
    W[name + ".weight"] = rnd(o, i, k, k, std=1 / math.sqrt(i * k * k))
    W[name + ".bias"] = rnd(o, std=0.1)


# ---- weights in the original layouts ----
def make_full(colours, ch, blocks, k, xl, conv_down):
    u = 16 if xl else 8
    W = {}
    conv_w(W, "conv_in", ch[0], colours * u * u, 3)
    for lvl in range(4):
        for j in range(blocks):
            p = "body.%d." % (lvl * blocks + j)
            cin = ch[lvl - 1] if (j == 0 and lvl > 0) else ch[lvl]
            down = j == 0 and lvl > 0 and (not xl or lvl == 2)
            if down and conv_down:
                conv_w(W, p + "down_opt.op", cin, cin, 3)
            if cin != ch[lvl]:
                conv_w(W, p + "in_conv", ch[lvl], cin, k)
            conv_w(W, p + "block1", ch[lvl], ch[lvl], 3)
            conv_w(W, p + "block2", ch[lvl], ch[lvl], k)
    return W


def make_light(ch, blocks):
    W = {}
    for lvl in range(4):
        p = "body.%d." % lvl
        inter = ch[lvl] // 4
        conv_w(W, p + "in_conv", inter, 192 if lvl == 0 else ch[lvl - 1], 1)
        for j in range(blocks):
            conv_w(W, p + "body.%d.block1" % j, inter, inter, 3)
            conv_w(W, p + "body.%d.block2" % j, inter, inter, 3)
        conv_w(W, p + "out_conv", ch[lvl], inter, 1)
    return W


# ---- the networks, written from the paper's / TencentARC's description ----
def conv(W, x, name, stride=1):
    w = W[name + ".weight"]
    return F.conv2d(x, w, W[name + ".bias"], stride=stride, padding=w.shape[-1] // 2)


def pool(x):
    # Downsample(use_conv=False): AvgPool2d(2, 2) with padding [H % 2, W % 2], zeros counted
    return F.avg_pool2d(x, 2, 2, padding=(x.shape[2] % 2, x.shape[3] % 2), count_include_pad=True)


def full(W, x, xl, blocks):
    x = F.pixel_unshuffle(x, 16 if xl else 8)
    x = conv(W, x, "conv_in")
    feats = []
    for lvl in range(4):
        for j in range(blocks):
            p = "body.%d." % (lvl * blocks + j)
            if j == 0 and lvl > 0 and (not xl or lvl == 2):
                x = conv(W, x, p + "down_opt.op", stride=2) if p + "down_opt.op.weight" in W else pool(x)
            if p + "in_conv.weight" in W:
                x = conv(W, x, p + "in_conv")
            x = x + conv(W, F.relu(conv(W, x, p + "block1")), p + "block2")
        feats.append(x)
    return feats


def light(W, x, blocks):
    x = F.pixel_unshuffle(x, 8)
    feats = []
    for lvl in range(4):
        p = "body.%d." % lvl
        if lvl > 0:
            x = pool(x)
        x = conv(W, x, p + "in_conv")
        for j in range(blocks):
            b = p + "body.%d." % j
            x = x + conv(W, F.relu(conv(W, x, b + "block1")), b + "block2")
        x = conv(W, x, p + "out_conv")
        feats.append(x)
    return feats


def prepare_hint(image, latent_h, latent_w, unshuffle, colours):
    # comfy.controlnet.T2IAdapter.get_control + scale_image_to + utils.common_upscale(..., "center")
    width = math.ceil(latent_w * 8 / unshuffle) * unshuffle
    height = math.ceil(latent_h * 8 / unshuffle) * unshuffle
    old_w, old_h = image.shape[-1], image.shape[-2]
    old_aspect, new_aspect = old_w / old_h, width / height
    x = y = 0
    if old_aspect > new_aspect:
        x = round((old_w - old_w * (new_aspect / old_aspect)) / 2)
    elif old_aspect < new_aspect:
        y = round((old_h - old_h * (old_aspect / new_aspect)) / 2)
    s = image.narrow(-2, y, old_h - y * 2).narrow(-1, x, old_w - x * 2)
    out = F.interpolate(s, size=(height, width), mode="nearest-exact")
    if colours == 1 and out.shape[1] > 1:
        out = torch.mean(out, 1, keepdim=True)
    return out


# ---- safetensors by hand ----
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


def rounded(W):
    return {k: v.half().float() for k, v in W.items()}  # the files store float16


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    out = os.path.join(RES, "t2i")
    os.makedirs(out, exist_ok=True)
    io = {}

    models = {
        "sd1_full": (rounded(make_full(3, [8, 16, 32, 32], 2, 1, False, False)), rnd(2, 3, 56, 40).sigmoid(),
                     lambda W, x: full(W, x, False, 2)),
        "sd1_conv": (rounded(make_full(1, [8, 16, 32, 32], 2, 3, False, True)), rnd(1, 1, 40, 40).sigmoid(),
                     lambda W, x: full(W, x, False, 2)),
        "light": (rounded(make_light([8, 16, 32, 32], 4)), rnd(1, 3, 48, 64).sigmoid(),
                  lambda W, x: light(W, x, 4)),
        "xl": (rounded(make_full(1, [32, 64, 64, 64], 2, 1, True, False)), rnd(2, 1, 128, 64).sigmoid(),
               lambda W, x: full(W, x, True, 2)),
    }
    for name, (W, hint, fwd) in models.items():
        write_safetensors(os.path.join(out, name + ".safetensors"), W, half=True)
        io[name + ".hint"] = hint
        for i, f in enumerate(fwd(W, hint)):
            io["%s.f%d" % (name, i)] = f
        print(name, "params", sum(v.numel() for v in W.values()), [tuple(f.shape) for f in fwd(W, hint)])

    # control image preparation: a 50x70 RGB image for a 7x5 latent (xl: 64x48 after rounding to 16; sd1: 56x40)
    image = rnd(1, 3, 50, 70).sigmoid()
    io["image"] = image
    io["hint.xl_7x5"] = prepare_hint(image, 7, 5, 16, 1)
    io["hint.sd1_7x5"] = prepare_hint(image, 7, 5, 8, 3)

    # the tiny SDXL UNet with the xl adapter's features added as ComfyUI's apply_control places them
    sys.path.insert(0, HERE)
    import unet_sdxl_reference as U  # noqa: E402  (its module level builds the structure lists)

    unet = read_safetensors(os.path.join(RES, "unet", "tiny_sdxl_unet.safetensors"), as_type=np.float32)
    U.W = {k[len(U.P):]: v for k, v in unet.items() if k.startswith(U.P)}
    uio = read_safetensors(os.path.join(RES, "unet", "tiny_sdxl_unet_io.safetensors"), as_type=np.float32)
    x, t, ctx, y = uio["x"], uio["timesteps"], uio["context"], uio["y"]
    feats = [io["xl.f%d" % i] for i in range(4)]
    strength = 0.75
    at = {3: feats[0], 5: feats[1], 8: feats[2]}

    emb = U.linear(F.silu(U.linear(U.temb(t, U.MC), "time_embed.0")), "time_embed.2")
    emb = emb + U.linear(F.silu(U.linear(y, "label_emb.0.0")), "label_emb.0.2")
    hs = []
    h = x
    for i, blk in enumerate(U.inputs):
        h = U.run(blk, h, emb, ctx)
        if i in at:
            assert at[i].shape == h.shape, (i, at[i].shape, h.shape)
            h = h + strength * at[i]
        hs.append(h)
    h = U.run(U.middle, h, emb, ctx)
    assert feats[3].shape == h.shape
    h = h + strength * feats[3]
    for blk in U.outputs:
        h = U.run(blk, torch.cat([h, hs.pop()], dim=1), emb, ctx)
    eps = F.conv2d(F.silu(U.gn(h, "out.0")), U.W["out.2.weight"], U.W["out.2.bias"], padding=1)
    plain = U.unet(x, t, ctx, y)
    assert torch.allclose(plain, uio["eps"], atol=1e-4), "the SDXL UNet fixture reproduces"
    io["xl.eps"] = eps
    io["xl.strength"] = torch.tensor([strength])
    print("eps change", (eps - plain).abs().max().item(), "of", plain.abs().max().item())
    write_safetensors(os.path.join(out, "t2i_io.safetensors"), io)
