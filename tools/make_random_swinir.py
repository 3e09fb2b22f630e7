#!/usr/bin/env python3
"""Deterministic random-weight SwinIR upscalers in the published checkpoint layouts (numpy; torch for .pth).

Writes OUT: a SwinIR network (Liang et al. 2021) key for key and shape for shape as JingyunLiang's released files
hold it, with the buffers they carry (relative_position_index I64 in every block, attn_mask for the 64x64 training
size in every shifted block):

  m-x4       001_classicalSR_DF2K_s64w8_SwinIR-M_x4.pth        C 180, depths 6x6, heads 6x6, window 8, mlp 2,
             1conv, pixelshuffle x4 (conv_before_upsample.0, upsample.0/.2, conv_last, 64 features); "params"
  m-x4-gan   003_realSR_BSRGAN_DFO_s64w8_SwinIR-M_x4_GAN.pth    the same body, nearest+conv x4 (conv_up1/2,
             conv_hr, conv_last); "params_ema"
  s-x4       002_lightweightSR_DIV2K_s64w8_SwinIR-S_x4.pth     C 60, depths 6x4, heads 6x4, pixelshuffledirect
             (upsample.0 -> 48 channels); "params"
  l-x4-gan   003_realSR_BSRGAN_DFOWMFC_s64w8_SwinIR-L_x4_GAN.pth C 240, depths 6x9, heads 8x9, 3conv residuals,
             nearest+conv x4; "params_ema"

A .pth OUT is written with torch.save under the file's wrapper key ({"params": ...} or {"params_ema": ...}); a
.safetensors OUT holds the bare state dict (F32, the index I64). --list prints "name shape dtype" per tensor
instead of writing, in the order Module.state_dict() gives.

Initialisation: weights N(0, 1/fan_in), biases N(0, 0.02^2), LayerNorm weight 1 and bias 0, relative position
bias tables N(0, 0.02^2) as the paper's trunc_normal init. Every tensor has its own generator,
numpy default_rng(SeedSequence([seed, u32 words of sha256(name)[:8]])), so values do not depend on order.

Run: python3 tools/make_random_swinir.py --variant m-x4 --out models/upscale_models/rnd-SwinIR-M_x4.pth
     [--seed 16] [--list]
"""
import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np

VARIANTS = {
    "m-x4": dict(dim=180, depths=[6] * 6, heads=[6] * 6, up="pixelshuffle", resi="1conv", wrapper="params"),
    "m-x4-gan": dict(dim=180, depths=[6] * 6, heads=[6] * 6, up="nearest+conv", resi="1conv", wrapper="params_ema"),
    "s-x4": dict(dim=60, depths=[6] * 4, heads=[6] * 4, up="pixelshuffledirect", resi="1conv", wrapper="params"),
    "l-x4-gan": dict(dim=240, depths=[6] * 9, heads=[8] * 9, up="nearest+conv", resi="3conv", wrapper="params_ema"),
}
WINDOW, TRAIN, MLP, FEAT, SCALE = 8, 64, 2, 64, 4


def spec(v):
    """[(name, shape, role)] in state_dict order."""
    c, m, out = v["dim"], WINDOW, []

    def add(name, shape, role):
        out.append((name, tuple(shape), role))

    def conv(p, cin, cout, k):
        add(p + ".weight", (cout, cin, k, k), "w")
        add(p + ".bias", (cout,), "b")

    def linear(p, cin, cout):
        add(p + ".weight", (cout, cin), "w")
        add(p + ".bias", (cout,), "b")

    def norm(p):
        add(p + ".weight", (c,), "one")
        add(p + ".bias", (c,), "zero")

    def resi(p):
        if v["resi"] == "1conv":
            conv(p, c, c, 3)
        else:
            conv(p + ".0", c, c // 4, 3)
            conv(p + ".2", c // 4, c // 4, 1)
            conv(p + ".4", c // 4, c, 3)

    conv("conv_first", 3, c, 3)
    norm("patch_embed.norm")
    for i, (depth, heads) in enumerate(zip(v["depths"], v["heads"])):
        for j in range(depth):
            p = "layers.%d.residual_group.blocks.%d." % (i, j)
            if j % 2 == 1:
                add(p + "attn_mask", ((TRAIN // m) ** 2, m * m, m * m), "mask")
            norm(p + "norm1")
            add(p + "attn.relative_position_bias_table", ((2 * m - 1) ** 2, heads), "table")
            add(p + "attn.relative_position_index", (m * m, m * m), "index")
            linear(p + "attn.qkv", c, 3 * c)
            linear(p + "attn.proj", c, c)
            norm(p + "norm2")
            linear(p + "mlp.fc1", c, MLP * c)
            linear(p + "mlp.fc2", MLP * c, c)
        resi("layers.%d.conv" % i)
    norm("norm")
    resi("conv_after_body")
    if v["up"] == "pixelshuffle":
        conv("conv_before_upsample.0", c, FEAT, 3)
        conv("upsample.0", FEAT, 4 * FEAT, 3)
        conv("upsample.2", FEAT, 4 * FEAT, 3)
        conv("conv_last", FEAT, 3, 3)
    elif v["up"] == "pixelshuffledirect":
        conv("upsample.0", c, 3 * SCALE * SCALE, 3)
    else:
        conv("conv_before_upsample.0", c, FEAT, 3)
        conv("conv_up1", FEAT, FEAT, 3)
        conv("conv_up2", FEAT, FEAT, 3)
        conv("conv_hr", FEAT, FEAT, 3)
        conv("conv_last", FEAT, 3, 3)
    return out


def relative_index(m):
    ys, xs = np.divmod(np.arange(m * m), m)
    return ((ys[:, None] - ys[None, :] + m - 1) * (2 * m - 1) + (xs[:, None] - xs[None, :] + m - 1)).astype(np.int64)


def shifted_window_mask(size, m):
    """[nW, m*m, m*m]: -100 between pixels of a shifted window from different regions of the rolled image."""
    s = m // 2
    region = np.zeros(size, dtype=np.int64)
    region[size - m:size - s] = 1
    region[size - s:] = 2
    label = region[:, None] * 3 + region[None, :]  # [size, size]
    n = size // m
    win = label.reshape(n, m, n, m).transpose(0, 2, 1, 3).reshape(n * n, m * m)
    return np.where(win[:, :, None] != win[:, None, :], np.float32(-100.0), np.float32(0.0))


def values(name, shape, role, seed):
    h = hashlib.sha256(name.encode("utf-8")).digest()
    rng = np.random.default_rng(np.random.SeedSequence([seed] + list(struct.unpack("<2I", h[:8]))))
    if role == "w":
        return rng.standard_normal(shape, dtype=np.float32) / np.float32(np.sqrt(np.prod(shape[1:])))
    if role in ("b", "table"):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
    if role == "one":
        return np.ones(shape, dtype=np.float32)
    if role == "zero":
        return np.zeros(shape, dtype=np.float32)
    if role == "index":
        return relative_index(WINDOW)
    if role == "mask":
        return shifted_window_mask(TRAIN, WINDOW)
    raise ValueError(role)


def write_safetensors(path, items, seed):
    header, off = {}, 0
    for name, shape, role in items:
        dt, size = ("I64", 8) if role == "index" else ("F32", 4)
        n = int(np.prod(shape)) * size
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + n]}
        off += n
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb)
        for name, shape, role in items:
            a = values(name, shape, role, seed)
            assert tuple(a.shape) == tuple(shape), name
            f.write(np.ascontiguousarray(a.astype("<i8" if role == "index" else "<f4")).tobytes())
    os.replace(tmp, path)


def write_pth(path, items, seed, wrapper):
    import collections

    import torch

    sd = collections.OrderedDict()
    for name, shape, role in items:
        sd[name] = torch.from_numpy(np.ascontiguousarray(values(name, shape, role, seed)))
    tmp = path + ".part"
    torch.save({wrapper: sd}, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="m-x4")
    ap.add_argument("--out", default=None)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    v = VARIANTS[a.variant]
    items = spec(v)
    if a.list:
        for name, shape, role in items:
            print(name, list(shape), "I64" if role == "index" else "F32")
        return 0
    out = a.out or "rnd-swinir-%s.pth" % a.variant
    d = os.path.dirname(os.path.abspath(out))
    os.makedirs(d, exist_ok=True)
    if out.endswith(".safetensors"):
        write_safetensors(out, items, a.seed)
    else:
        write_pth(out, items, a.seed, v["wrapper"])
    params = sum(int(np.prod(s)) for n, s, r in items if r not in ("index", "mask"))
    print("%s: %d tensors, %d parameters, %d bytes" % (out, len(items), params, os.path.getsize(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
