#!/usr/bin/python3
"""Reference numbers for ImageQuantize, computed with Pillow as ComfyUI's node (comfy_extras/nodes_post_processing.py)
calls it.

For every image of the batch: u8 = (x * 255).to(uint8) (truncation); pal = Image.quantize(colors) (median cut);
"none" / "floyd-steinberg": quantize(palette=pal, dither=NONE / FLOYDSTEINBERG); "bayer-N": the normalised Bayer
matrix M_n (M_0 = [0]; M_n = bmat([[m - 1.5, m + 0.5], [m + 1.5, m - 0.5]]) / 4^n with m = 4^n M_{n-1}, float32),
offsets spread * M + 0.5 with spread = 2 * 256 / palette size, tiled, added to every channel, clamped to 0..255,
truncated to uint8, then quantize(palette=pal, dither=NONE). Result = palette bytes / 255 (float32).

Pillow generations map differently. The installed Pillow (Debian's 9.4) searches the palette padded with black to 256
entries, always through its 4x4x4 colour cache, and reports 256 colours to the Bayer spread ("pillow9" cases, Pillow
itself). Current Pillow searches only the palette's own entries and keeps a colour found exactly in the palette
("current" cases): re-stated here in numpy on Pillow's median-cut palette -- nearest entry (squared distance, lowest
index on ties) to the cell corner (r & ~3, g & ~3, b & ~3), Floyd-Steinberg with Pillow's integer error diffusion
(7/16 right; 3/16, 5/16, 1/16 below, truncating division; the blue channel's carries stored at the row end), and the
Bayer spread from the real palette size. The real palette size is taken as the last entry that is not black or
used by the palette image, whichever is later.
Expected results are stored as the palette bytes (base64); the node's values are those bytes / 255.

Writes image_quantize.json. Run: /usr/bin/python3 nodes/src/test/python/image_quantize_reference.py
"""
import base64
import hashlib
import json
import math
import os

import numpy as np
import PIL
import torch
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/nodes")


def flat(x):
    return [float(str(v)) for v in np.asarray(x, np.float32).reshape(-1)]


def bayer_offsets(order, ncolors):
    def m(n):
        if n == 0:
            return np.zeros((1, 1), "float32")
        q = 4 ** n
        p = q * m(n - 1)
        return np.bmat(((p - 1.5, p + 0.5), (p + 1.5, p - 0.5))) / q
    return torch.from_numpy(np.asarray(2 * 256 / ncolors * m(int(math.log2(order))) + 0.5))


def to_u8(img):
    return (torch.from_numpy(img) * 255).to(torch.uint8).numpy()


def bayer_shift(u8, ncolors, order):
    mat = bayer_offsets(order, ncolors)
    res = torch.from_numpy(u8.astype(np.float32))
    th, tw = math.ceil(res.shape[0] / mat.shape[0]), math.ceil(res.shape[1] / mat.shape[1])
    return (res + mat.tile(th, tw).unsqueeze(-1)[:res.shape[0], :res.shape[1]]).clamp(0, 255).to(torch.uint8).numpy()


def real_palette(pal):
    entries = np.array(pal.getpalette(), np.int64).reshape(-1, 3)
    used = int(np.asarray(pal).max()) + 1
    nonblack = np.nonzero(entries.any(axis=1))[0]
    n = max(used, int(nonblack[-1]) + 1 if len(nonblack) else 0)
    return entries[:n]


def nearest(palette, r, g, b, exact):
    if exact:
        hit = np.nonzero((palette[:, 0] == r) & (palette[:, 1] == g) & (palette[:, 2] == b))[0]
        if len(hit):
            return int(hit[0])
    d = ((palette - np.array([r & ~3, g & ~3, b & ~3])) ** 2).sum(axis=1)
    return int(np.argmin(d))


def map_current(src, palette, fs):
    h, w, _ = src.shape
    out = np.zeros_like(src)
    errors = np.zeros((w + 1) * 3, np.int64)
    for y in range(h):
        acc, e0, e1, last = [0] * 3, [0] * 3, [0] * 3, [0] * 3
        for x in range(w):
            v = [int(c) for c in src[y, x]]
            if fs:
                v = [min(255, max(0, v[c] + int((acc[c] + errors[(x + 1) * 3 + c]) / 16))) for c in range(3)]
            q = palette[nearest(palette, v[0], v[1], v[2], True)]
            out[y, x] = q
            if fs:
                for c in range(3):
                    err = v[c] - int(q[c])
                    errors[x * 3 + c] = 3 * err + e0[c]
                    e0[c] = 5 * err + e1[c]
                    e1[c] = err
                    acc[c] = 7 * err
                    last[c] = err
        if fs:
            errors[w * 3:w * 3 + 3] = [e0[2], e1[2], last[2]]
    return out


def quantize_one(img, colors, dither, current):
    u8 = to_u8(img)
    im = Image.fromarray(u8, mode="RGB")
    pal = im.quantize(colors=colors)
    if current:
        palette = real_palette(pal)
        if dither.startswith("bayer"):
            return map_current(bayer_shift(u8, len(palette), int(dither.split("-")[-1])), palette, False)
        return map_current(u8, palette, dither == "floyd-steinberg")
    if dither.startswith("bayer"):
        src = bayer_shift(u8, len(pal.getpalette()) // 3, int(dither.split("-")[-1]))
        q = Image.fromarray(src).quantize(palette=pal, dither=Image.Dither.NONE)
    else:
        q = im.quantize(palette=pal, dither=Image.Dither.FLOYDSTEINBERG if dither == "floyd-steinberg"
                        else Image.Dither.NONE)
    return np.array(q.convert("RGB"))


def quantize(batch, colors, dither, current):
    return np.stack([quantize_one(b, colors, dither, current) for b in batch])


def formula_image(w, h):
    """> 65536 colours, so Pillow's counting shifts colours right; the Java test builds the same image."""
    y, x = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    u8 = np.stack([x & 255, y & 255, (x * 3 + y * 5 + x * y) & 255], axis=-1)
    return (u8 / 255.0).astype(np.float32)[None]


rng = np.random.default_rng(17)
noise = rng.random((2, 10, 12, 3), dtype=np.float32)
few = (rng.integers(0, 6, (1, 8, 9, 3)) * 51 / 255.0).astype(np.float32)  # at most 216 colours
smooth = np.stack(np.meshgrid(np.linspace(0, 1, 13), np.linspace(0, 1, 12)), -1)
smooth = np.concatenate([smooth, smooth[..., :1] * smooth[..., 1:]], -1)[None].astype(np.float32)
images = {"noise": noise, "few": few, "smooth": smooth}
cases = []
for name, img in images.items():
    for colors in (1, 5, 16, 256):
        for dither in ("none", "floyd-steinberg", "bayer-2", "bayer-4", "bayer-8", "bayer-16"):
            for pillow in ("pillow9", "current"):
                out = quantize(img, colors, dither, pillow == "current").astype(np.uint8)
                cases.append({"image": name, "colors": colors, "dither": dither, "pillow": pillow,
                              "expected_u8": base64.b64encode(out.tobytes()).decode()})
big = []
for colors, dither in ((256, "none"), (64, "floyd-steinberg"), (7, "bayer-4")):
    out = quantize(formula_image(300, 260), colors, dither, False)  # Pillow itself
    big.append({"width": 300, "height": 260, "colors": colors, "dither": dither,
                "sha256": hashlib.sha256(out.astype(np.uint8).tobytes()).hexdigest()})
with open(os.path.join(OUT, "image_quantize.json"), "w") as f:
    json.dump({"pillow": PIL.__version__,
               "images": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in images.items()},
               "cases": cases, "big": big}, f)
print(len(cases), "cases,", len(big), "large")
