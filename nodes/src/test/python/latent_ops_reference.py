#!/usr/bin/python3
"""Reference numbers for the latent operation nodes, re-stated in torch from ComfyUI's published node code.

Latents are [B, C, H, W] float32; positions and sizes in pixels are divided by 8 (floor).
- common_upscale(t, w, h, method, crop="center"): centre crop to the target aspect (x = round((W - W * new_a / old_a)
  / 2), likewise y; nothing when the aspects are equal), then F.interpolate(mode) (align_corners False).
- repeat_to_batch_size(t, n): t.repeat(ceil(n / b), ...)[:n], or t[:n] when longer.
- LatentAdd / LatentSubtract (nodes_latent.py): s2 resized (bilinear, center) when shape[1:] differ, repeated to s1's
  batch; s1 + s2 / s1 - s2.  LatentMultiply: s * multiplier.
- LatentInterpolate: per-pixel channel norms m = ||s||_2 over dim 1, kept as [B, 1, H, W] so each latent of a batch
  uses its own (ComfyUI's keepdim fix for batches, Comfy-Org/ComfyUI pull request 14897; the same for one latent);
  d = nan_to_num(s / m); t = d1 * r + d2 * (1 - r); out = nan_to_num(t / ||t||) * (m1 * r + m2 * (1 - r)).
- LatentBlend (nodes.py): when shapes differ s2 = common_upscale(s2, W1, H1, bicubic, center);
  out = s1 * f + s2 * (1 - f), batches broadcasting.
- LatentComposite (nodes.py): x, y, feather // 8; from = from[:, :, :H - y, :W - x]; feather 0: plain paste into
  s[:, :, y:y + h, x:x + w]; otherwise a ones mask whose row t (t < feather) from a side not at the border is multiplied
  by (1 / feather) * (t + 1) with Python slice rules, pasted as from * mask + s * (1 - mask).
- LatentCompositeMasked (nodes_mask.py composite, multiplier 8): source optionally interpolated (bilinear) to
  destination size, repeated to its batch; x = max(-w * 8, min(x, W * 8)); left = x // 8; mask (or ones) interpolated
  bilinear to the source size and repeated; visible = W - left + min(0, x); out[top:bottom, left:right] =
  mask * src[:vh, :vw] + (1 - mask) * dst[top:bottom, left:right].
- LatentBatch (nodes_latent.py): s2 resized (bilinear, center) when shape[1:] differ; cat along batch.
- LatentCrop (nodes.py): x, y // 8, moved to at most W - 8, H - 8; s[:, :, y:y + h // 8, x:x + w // 8].
- LatentFlip: torch.flip dims [2] (x-axis) or [3] (y-axis).  LatentRotate: torch.rot90(k, dims=[3, 2]).
Writes latent_ops.json. Run: /usr/bin/python3 nodes/src/test/python/latent_ops_reference.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

from comfy_crop import crop_center

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/nodes")


def common_upscale(t, width, height, mode, crop):
    if crop == "center":
        t = crop_center(t, width, height)
    return F.interpolate(t, size=(height, width), mode=mode)


def repeat_to(t, n):
    if t.shape[0] > n:
        return t[:n]
    if t.shape[0] < n:
        return t.repeat([math.ceil(n / t.shape[0])] + [1] * (t.dim() - 1))[:n]
    return t


def reshape_to(shape, t):
    if t.shape[1:] != shape[1:]:
        t = common_upscale(t, shape[3], shape[2], "bilinear", "center")
    return repeat_to(t, shape[0])


def interpolate(s1, s2, ratio):
    s2 = reshape_to(s1.shape, s2)
    m1 = torch.linalg.vector_norm(s1, dim=1, keepdim=True)
    m2 = torch.linalg.vector_norm(s2, dim=1, keepdim=True)
    d1 = torch.nan_to_num(s1 / m1)
    d2 = torch.nan_to_num(s2 / m2)
    t = d1 * ratio + d2 * (1.0 - ratio)
    mt = torch.linalg.vector_norm(t, dim=1, keepdim=True)
    return torch.nan_to_num(t / mt) * (m1 * ratio + m2 * (1.0 - ratio))


def blend(s1, s2, f):
    if s1.shape != s2.shape:
        s2 = common_upscale(s2, s1.shape[3], s1.shape[2], "bicubic", "center")
    return s1 * f + s2 * (1 - f)


def composite(to, frm, x, y, feather):
    x, y, feather = x // 8, y // 8, feather // 8
    s = to.clone()
    if feather == 0:
        s[:, :, y:y + frm.shape[2], x:x + frm.shape[3]] = frm[:, :, :to.shape[2] - y, :to.shape[3] - x]
        return s
    frm = frm[:, :, :to.shape[2] - y, :to.shape[3] - x]
    mask = torch.ones_like(frm)
    for t in range(feather):
        w = (1.0 / feather) * (t + 1)
        if y != 0:
            mask[:, :, t:1 + t, :] *= w
        if y + frm.shape[2] < to.shape[2]:
            mask[:, :, mask.shape[2] - 1 - t:mask.shape[2] - t, :] *= w
        if x != 0:
            mask[:, :, :, t:1 + t] *= w
        if x + frm.shape[3] < to.shape[3]:
            mask[:, :, :, mask.shape[3] - 1 - t:mask.shape[3] - t] *= w
    rev = torch.ones_like(mask) - mask
    region = s[:, :, y:y + frm.shape[2], x:x + frm.shape[3]]
    s[:, :, y:y + frm.shape[2], x:x + frm.shape[3]] = frm * mask + region * rev
    return s


def composite_masked(dst, src, x, y, resize, mask):
    dst = dst.clone()
    if resize:
        src = F.interpolate(src, size=(dst.shape[2], dst.shape[3]), mode="bilinear")
    src = repeat_to(src, dst.shape[0])
    x = max(-src.shape[3] * 8, min(x, dst.shape[3] * 8))
    y = max(-src.shape[2] * 8, min(y, dst.shape[2] * 8))
    left, top = x // 8, y // 8
    right, bottom = left + src.shape[3], top + src.shape[2]
    if mask is None:
        mask = torch.ones_like(src)
    else:
        mask = F.interpolate(mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1])), size=(src.shape[2], src.shape[3]),
                             mode="bilinear")
        mask = repeat_to(mask, src.shape[0])
    vw, vh = dst.shape[3] - left + min(0, x), dst.shape[2] - top + min(0, y)
    mask = mask[:, :, :vh, :vw]
    inv = torch.ones_like(mask) - mask
    dst[:, :, top:bottom, left:right] = mask * src[:, :, :vh, :vw] + inv * dst[:, :, top:bottom, left:right]
    return dst


def batch(s1, s2):
    if s1.shape[1:] != s2.shape[1:]:
        s2 = common_upscale(s2, s1.shape[3], s1.shape[2], "bilinear", "center")
    return torch.cat((s1, s2), dim=0)


def crop(s, width, height, x, y):
    x, y = x // 8, y // 8
    if x > s.shape[3] - 8:
        x = s.shape[3] - 8
    if y > s.shape[2] - 8:
        y = s.shape[2] - 8
    return s[:, :, y:height // 8 + y, x:width // 8 + x]


def short(t):
    return [float("%.9g" % v) for v in t.flatten().tolist()]


def main():
    g = torch.Generator().manual_seed(16)
    latents = {}

    def lat(name, *shape):
        t = torch.randn(*shape, generator=g)
        latents[name] = t
        return t

    lat("a", 1, 2, 6, 7)
    lat("a2", 1, 2, 6, 7)
    lat("b3", 3, 2, 6, 7)
    lat("small", 1, 2, 4, 3)
    lat("wide", 2, 2, 3, 9)
    lat("big", 2, 2, 12, 12)
    lat("c4", 1, 4, 5, 6)
    lat("d4", 1, 4, 5, 6)
    lat("e4", 1, 4, 3, 4)
    z = torch.randn(1, 4, 5, 6, generator=g)
    z[:, :, 2, 3] = 0  # a pixel of zero length
    latents["z4"] = z
    for k in latents:  # values exactly as printed (9 significant digits round-trip float32)
        latents[k] = torch.tensor([float("%.9g" % v) for v in latents[k].flatten().tolist()]).reshape(latents[k].shape)
    masks = {"m1": torch.rand(1, 5, 4, generator=g), "m2": torch.rand(2, 24, 24, generator=g)}
    lat("f4", 2, 4, 5, 6)  # a batch: each latent normalised by its own per-pixel norms
    for k in masks:
        masks[k] = torch.tensor([float("%.9g" % v) for v in masks[k].flatten().tolist()]).reshape(masks[k].shape)

    cases = []

    def case(node, out, **kw):
        cases.append(dict(node=node, shape=list(out.shape), expected=short(out), **kw))

    L = latents
    for n1, n2 in [("a", "a2"), ("a", "small"), ("b3", "a"), ("a", "b3"), ("a", "wide")]:
        s2 = reshape_to(L[n1].shape, L[n2])
        case("add", L[n1] + s2, a=n1, b=n2)
        case("subtract", L[n1] - s2, a=n1, b=n2)
    for m in [1.0, -2.5, 0.37]:
        case("multiply", L["b3"] * m, a="b3", value=m)
    for n1, n2, f in [("a", "a2", 0.5), ("a", "a2", 0.13), ("a", "small", 0.7), ("b3", "a", 0.25), ("a", "wide", 0.6),
                      ("a", "b3", 0.4)]:
        case("blend", blend(L[n1], L[n2], f), a=n1, b=n2, value=f)
    for n1, n2, r in [("c4", "d4", 0.5), ("c4", "d4", 1.0), ("c4", "d4", 0.0), ("z4", "c4", 0.3), ("c4", "e4", 0.8),
                      ("c4", "z4", 0.61), ("f4", "c4", 0.45), ("f4", "e4", 0.2)]:
        case("interpolate", interpolate(L[n1], L[n2], r), a=n1, b=n2, value=r)
    for to, frm, x, y, fe in [("big", "a", 0, 0, 0), ("big", "a", 16, 24, 0), ("big", "a", 40, 48, 0),
                              ("big", "small", 32, 16, 16), ("big", "a", 24, 32, 24), ("big", "a", 0, 0, 24),
                              ("big", "wide", 8, 80, 40), ("big", "a", 48, 56, 40), ("big", "small", 88, 88, 8),
                              ("big", "a", 96, 96, 16), ("big", "big", 8, 8, 64)]:
        case("composite", composite(L[to], L[frm], x, y, fe), a=to, b=frm, x=x, y=y, feather=fe)
    for dst, src, x, y, rs, mk in [("big", "a", 0, 0, False, None), ("big", "a", 16, 24, False, "m1"),
                                   ("big", "a", 72, 80, False, "m2"), ("big", "small", 8, 0, True, None),
                                   ("big", "wide", 0, 8, True, "m1"), ("a", "big", 8, 8, False, "m2"),
                                   ("big", "a", 96, 96, False, None), ("big", "b3", 20, 12, False, "m1")]:
        out = composite_masked(L[dst], L[src], x, y, rs, None if mk is None else masks[mk])
        case("composite_masked", out, a=dst, b=src, x=x, y=y, resize=rs, mask=mk)
    for n1, n2 in [("a", "b3"), ("a", "small"), ("big", "wide")]:
        case("batch", batch(L[n1], L[n2]), a=n1, b=n2)
    for w, h, x, y in [(64, 64, 0, 0), (64, 64, 16, 32), (64, 64, 80, 80), (128, 64, 8, 0), (512, 512, 0, 0)]:
        case("crop", crop(L["big"], w, h, x, y), a="big", width=w, height=h, x=x, y=y)
    for n in ["wide", "a"]:
        case("flip", torch.flip(L[n], dims=[2]), a=n, vertically=True)
        case("flip", torch.flip(L[n], dims=[3]), a=n, vertically=False)
        for k in range(4):
            case("rotate", torch.rot90(L[n], k=k, dims=[3, 2]), a=n, k=k)

    data = {"latents": {k: {"shape": list(v.shape), "data": short(v)} for k, v in latents.items()},
            "masks": {k: {"shape": list(v.shape), "data": short(v)} for k, v in masks.items()},
            "cases": cases}
    with open(os.path.join(OUT, "latent_ops.json"), "w") as f:
        json.dump(data, f)


if __name__ == "__main__":
    main()
