#!/usr/bin/python3
"""Reference numbers for LatentUpscale / ImageScale (ComfyUI's common_upscale) and the bislerp latent method.

Resizes use torch.nn.functional.interpolate (align_corners=False, no antialias) after ComfyUI's centre crop
(x = round((old_w - old_w * new_aspect / old_aspect) / 2), likewise y). bislerp is computed here with an independent
numpy implementation of ComfyUI's formula: per axis, source coordinate s = (i + 0.5) * old / new - 0.5 clamped at
0, neighbours floor(s) and min(floor(s) + 1, old - 1), ratio r = s - floor(s); per pixel the channel vectors are
slerped: directions by sin((1-r)w)/sin w and sin(r w)/sin w with w = acos(dot of unit vectors), length by
(1-r)|b1| + r|b2|; b1 when dot > 1 - 1e-5, linear when dot < -1 + 1e-5. Width pass first, then height.
Writes scale.json. Run: /usr/bin/python3 nodes/src/test/python/make_scale_fixtures.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from comfy_crop import crop_center

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/nodes")


def axis(old, new):
    i = np.arange(new, dtype=np.float64)
    s = np.maximum((i + 0.5) * old / new - 0.5, 0.0)
    lo = np.floor(s).astype(np.int64)
    hi = np.minimum(lo + 1, old - 1)
    return lo, hi, (s - lo).astype(np.float32)


def slerp(b1, b2, r):  # b1, b2: [N, C] float32, r: [N]
    n1 = np.linalg.norm(b1, axis=1)
    n2 = np.linalg.norm(b2, axis=1)
    u1 = np.where(n1[:, None] == 0, 0, b1 / np.where(n1 == 0, 1, n1)[:, None])
    u2 = np.where(n2[:, None] == 0, 0, b2 / np.where(n2 == 0, 1, n2)[:, None])
    dot = (u1 * u2).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.arccos(np.clip(dot, -1, 1))
        so = np.sin(w)
        out = (np.sin((1 - r) * w) / so)[:, None] * u1 + (np.sin(r * w) / so)[:, None] * u2
    out *= ((1 - r) * n1 + r * n2)[:, None]
    same = dot > 1 - 1e-5
    out[same] = b1[same]
    opp = dot < 1e-5 - 1
    out[opp] = (b1 * (1 - r)[:, None] + b2 * r[:, None])[opp]
    return out


def bislerp(x, width, height):  # x: [N, C, H, W]
    x = x.astype(np.float32)
    lo, hi, r = axis(x.shape[3], width)
    a = np.moveaxis(x[:, :, :, lo], 1, -1)  # [N, H, W', C]
    b = np.moveaxis(x[:, :, :, hi], 1, -1)
    rr = np.broadcast_to(r, a.shape[:-1])
    c = x.shape[1]
    y = slerp(a.reshape(-1, c), b.reshape(-1, c), rr.reshape(-1)).reshape(a.shape)
    y = np.moveaxis(y, -1, 1)  # [N, C, H, W']
    lo, hi, r = axis(x.shape[2], height)
    a = np.moveaxis(y[:, :, lo, :], 1, -1)
    b = np.moveaxis(y[:, :, hi, :], 1, -1)
    rr = np.broadcast_to(r[:, None], a.shape[:-1])
    z = slerp(a.reshape(-1, c), b.reshape(-1, c), rr.reshape(-1)).reshape(a.shape)
    return np.moveaxis(z, -1, 1)


def upscale(x, width, height, method, crop):
    t = torch.from_numpy(x)
    if crop:
        t = crop_center(t, width, height)
    if method == "bislerp":
        return bislerp(t.numpy(), width, height)
    return F.interpolate(t, size=(height, width), mode=method).numpy()


rng = np.random.default_rng(21)
latent = rng.standard_normal((1, 4, 5, 7)).astype(np.float32)
latent[0, :, 2, 3] = latent[0, :, 2, 4]  # identical neighbours: the dot > 1 - 1e-5 branch
image = rng.random((1, 6, 5, 3)).astype(np.float32)  # BHWC, as IMAGE
cases = []
for method in ("nearest-exact", "bilinear", "area", "bicubic", "bislerp"):
    for (w, h, crop) in ((10, 6, True), (9, 4, False), (14, 10, False)):
        out = upscale(latent, w, h, method, crop)
        cases.append({"kind": "latent", "method": method, "width": w, "height": h, "crop": crop,
                      "expected": out.reshape(-1).tolist()})
for method in ("nearest-exact", "bilinear", "area", "bicubic"):
    for (w, h, crop) in ((8, 8, True), (4, 9, False)):
        chw = np.ascontiguousarray(np.moveaxis(image, -1, 1))
        out = np.moveaxis(upscale(chw, w, h, method, crop), 1, -1)
        cases.append({"kind": "image", "method": method, "width": w, "height": h, "crop": crop,
                      "expected": out.reshape(-1).tolist()})
with open(os.path.join(OUT, "scale.json"), "w") as f:
    json.dump({"latent": latent.reshape(-1).tolist(), "latent_shape": list(latent.shape),
               "image": image.reshape(-1).tolist(), "image_shape": list(image.shape), "cases": cases}, f)
