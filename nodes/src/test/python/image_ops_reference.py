#!/usr/bin/python3
"""Reference numbers for the image batch, placement and filter nodes, re-stated from ComfyUI's published semantics.

Images are [B, H, W, 3] float32 in [0, 1], masks [B, H, W].
- ImageBatch (nodes.py): image2 resized to image1's H x W when they differ -- centre crop to image1's aspect
  (offsets round((w - w * new_a / old_a) / 2)), then torch bilinear (align_corners=False) -- and appended.
- ImageFromBatch: start = min(B - 1, index), n = min(B - start, length). RepeatImageBatch: torch repeat.
- EmptyImage: each channel ((color >> shift) & 0xFF) / 0xFF.
- ImagePadForOutpaint: canvas of 0.5, image at (left, top); mask 1 outside, 0 inside except, when
  feathering > 0 and 2 * feathering < both sides, d = min over padded sides of (i, h - i, j, w - j) and
  mask = ((feathering - d) / feathering) ** 2 where d < feathering.
- ImageCompositeMasked (comfy_extras/nodes_mask.py composite(), multiplier 1): optional bilinear resize of the
  source to the destination size, source repeated/cut to the destination batch, x/y clamped to the destination,
  mask bilinear-resized to the source size and repeated to its batch, out = m * src + (1 - m) * dst on the
  visible part.
- ImageCrop: x = min(x, W - 1), y = min(y, H - 1), slice [y:y + h, x:x + w].
- ImageScaleToTotalPixels: s = sqrt(mp * 1024 * 1024 / (w * h)), side = round(side * s / steps) * steps.
- ImageBlur / ImageSharpen (nodes_post_processing.py): gaussian on linspace(-1, 1, 2r + 1)^2,
  exp(-d^2 / (2 sigma^2)) / sum; reflect pad r, conv2d; sharpen kernel = g * -(alpha * 10), centre += 1 - sum,
  clamp to [0, 1].
Writes image_ops.json. Run: /usr/bin/python3 nodes/src/test/python/image_ops_reference.py
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from comfy_crop import crop_center

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/nodes")


def flat(x):
    return [float(str(v)) for v in np.asarray(x, np.float32).reshape(-1)]


def bchw(img):
    return torch.from_numpy(np.ascontiguousarray(img)).permute(0, 3, 1, 2)


def bhwc(t):
    return t.permute(0, 2, 3, 1).contiguous().numpy()


def batch(a, b):
    if a.shape[1:] != b.shape[1:]:
        t = crop_center(bchw(b), a.shape[2], a.shape[1])
        b = bhwc(F.interpolate(t, size=(a.shape[1], a.shape[2]), mode="bilinear", align_corners=False))
    return np.concatenate([a, b])


def from_batch(img, index, length):
    # a negative index counts from the end (ComfyUI's ImageFromBatch since it allows -MAX_RESOLUTION)
    if index < 0:
        index += img.shape[0]
    start = max(0, min(img.shape[0] - 1, index))
    n = min(img.shape[0] - start, length)
    return img[start:start + n]


def empty(w, h, b, color):
    out = torch.cat([torch.full([b, h, w, 1], ((color >> s) & 0xFF) / 0xFF) for s in (16, 8, 0)], dim=-1)
    return out.numpy()


def pad(img, left, top, right, bottom, feathering):
    b, h, w, c = img.shape
    out = torch.ones((b, h + top + bottom, w + left + right, c)) * 0.5
    out[:, top:top + h, left:left + w, :] = torch.from_numpy(img)
    mask = torch.ones((h + top + bottom, w + left + right))
    inner = torch.zeros((h, w))
    if feathering > 0 and feathering * 2 < h and feathering * 2 < w:
        ii, jj = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
        dists = [ii if top else np.full_like(ii, h), h - ii if bottom else np.full_like(ii, h),
                 jj if left else np.full_like(jj, w), w - jj if right else np.full_like(jj, w)]
        d = np.minimum.reduce(dists)
        v = np.where(d < feathering, ((feathering - d) / feathering) ** 2, 0.0)
        inner = torch.from_numpy(v.astype(np.float32))
    mask[top:top + h, left:left + w] = inner
    return out.numpy(), mask[None].numpy()


def to_batch(t, n):
    if t.shape[0] > n:
        return t[:n]
    if t.shape[0] < n:
        return t.repeat([math.ceil(n / t.shape[0])] + [1] * (t.dim() - 1))[:n]
    return t


def composite(dst, src, x, y, resize, mask):
    d = bchw(dst).clone()
    s = bchw(src)
    if resize:
        s = F.interpolate(s, size=(d.shape[2], d.shape[3]), mode="bilinear", align_corners=False)
    s = to_batch(s, d.shape[0])
    x = max(-s.shape[3], min(x, d.shape[3]))
    y = max(-s.shape[2], min(y, d.shape[2]))
    top, left = y, x
    bottom, right = top + s.shape[2], left + s.shape[3]
    if mask is None:
        m = torch.ones_like(s)
    else:
        m = torch.from_numpy(mask).reshape(-1, 1, mask.shape[-2], mask.shape[-1])
        m = F.interpolate(m, size=(s.shape[2], s.shape[3]), mode="bilinear", align_corners=False)
        m = to_batch(m, s.shape[0])
    vw, vh = d.shape[3] - left, d.shape[2] - top
    m = m[:, :, :vh, :vw]
    d[:, :, top:bottom, left:right] = m * s[:, :, :vh, :vw] + (torch.ones_like(m) - m) * d[:, :, top:bottom, left:right]
    return bhwc(d)


def crop(img, w, h, x, y):
    x = min(x, img.shape[2] - 1)
    y = min(y, img.shape[1] - 1)
    return img[:, y:y + h, x:x + w]


def gaussian(k, sigma):
    x, y = torch.meshgrid(torch.linspace(-1, 1, k), torch.linspace(-1, 1, k), indexing="ij")
    d = torch.sqrt(x * x + y * y)
    g = torch.exp(-(d * d) / (2.0 * sigma * sigma))
    return g / g.sum()


def conv_reflect(img, kernel, r):
    t = bchw(img)
    c = t.shape[1]
    k = kernel.repeat(c, 1, 1).unsqueeze(1)
    p = F.pad(t, (r, r, r, r), "reflect")
    return F.conv2d(p, k, padding=r, groups=c)[:, :, r:-r, r:-r]


def blur(img, r, sigma):
    return bhwc(conv_reflect(img, gaussian(2 * r + 1, sigma), r))


def sharpen(img, r, sigma, alpha):
    k = gaussian(2 * r + 1, sigma) * -(alpha * 10)
    k[r, r] = k[r, r] - k.sum() + 1.0
    return bhwc(torch.clamp(conv_reflect(img, k, r), 0, 1))


rng = np.random.default_rng(16)
images = {
    "a": rng.random((2, 6, 7, 3), dtype=np.float32),
    "b_other": rng.random((1, 4, 9, 3), dtype=np.float32),
    "b_same": rng.random((3, 6, 7, 3), dtype=np.float32),
    "src": rng.random((1, 3, 4, 3), dtype=np.float32),
    "src3": rng.random((3, 4, 2, 3), dtype=np.float32),
    "big": rng.random((1, 12, 10, 3), dtype=np.float32),
    "wide": rng.random((2, 9, 13, 3), dtype=np.float32),
}
masks = {
    "m1": rng.random((1, 2, 3), dtype=np.float32),
    "m2": rng.random((2, 5, 4), dtype=np.float32),
    "m_same": rng.random((1, 3, 4), dtype=np.float32),
}
cases = []


def add(node, out, **params):
    out = np.asarray(out, np.float32)
    cases.append(dict(node=node, shape=list(out.shape), expected=flat(out), **params))


add("batch", batch(images["a"], images["b_other"]), image1="a", image2="b_other")
add("batch", batch(images["a"], images["b_same"]), image1="a", image2="b_same")
add("batch", batch(images["src"], images["wide"]), image1="src", image2="wide")
for idx, n in ((0, 1), (1, 5), (9, 2), (2, 2), (-1, 1), (-2, 5), (-9, 2)):
    add("from_batch", from_batch(images["b_same"], idx, n), image="b_same", index=idx, length=n)
add("repeat", np.tile(images["a"], (3, 1, 1, 1)), image="a", amount=3)
for w, h, b, color in ((3, 2, 2, 0x123456), (1, 1, 1, 0xFFFFFF), (2, 3, 1, 0x00FF80)):
    add("empty", empty(w, h, b, color), width=w, height=h, batch=b, color=color)
for img, l, t, r, btm, f in (("big", 0, 8, 0, 8, 4), ("big", 8, 8, 16, 8, 3), ("big", 8, 0, 0, 0, 5),
                             ("big", 0, 0, 8, 0, 2), ("big", 8, 8, 8, 8, 0), ("wide", 8, 0, 8, 0, 40),
                             ("wide", 0, 16, 0, 0, 4)):
    im, mk = pad(images[img], l, t, r, btm, f)
    add("pad", im, image=img, left=l, top=t, right=r, bottom=btm, feathering=f, mask_shape=list(mk.shape),
        mask=flat(mk))
for dst, src, x, y, resize, mask in (("a", "src", 0, 0, False, None), ("a", "src", 2, 1, False, "m1"),
                                     ("a", "src", 5, 4, False, "m2"), ("a", "src", 40, 2, False, None),
                                     ("a", "src3", 1, 3, False, "m1"), ("a", "src", 3, 3, True, "m_same"),
                                     ("a", "src3", 0, 0, True, "m2"), ("a", "src", 1, 1, False, "m_same"),
                                     ("wide", "a", 6, 4, False, None)):
    add("composite", composite(images[dst], images[src], x, y, resize, None if mask is None else masks[mask]),
        destination=dst, source=src, x=x, y=y, resize=resize, mask=mask)
for w, h, x, y in ((3, 2, 1, 1), (512, 512, 0, 0), (4, 4, 5, 3), (2, 2, 100, 100), (10, 1, 0, 5)):
    add("crop", crop(images["a"], w, h, x, y), image="a", width=w, height=h, x=x, y=y)
for r, s in ((1, 1.0), (2, 0.5), (3, 2.5), (1, 0.1)):
    add("blur", blur(images["wide"], r, s), image="wide", radius=r, sigma=s)
for r, s, a in ((1, 1.0, 1.0), (2, 0.7, 0.3), (3, 2.0, 0.0), (1, 0.1, 5.0)):
    add("sharpen", sharpen(images["wide"], r, s, a), image="wide", radius=r, sigma=s, alpha=a)
sizes = []
for w, h, mp, steps in ((512, 768, 1.0, 1), (640, 480, 0.5, 8), (1000, 333, 2.0, 64), (64, 64, 0.01, 1),
                        (777, 555, 16.0, 256), (300, 200, 1.37, 3)):
    total = mp * 1024 * 1024
    s = math.sqrt(total / (w * h))
    sizes.append(dict(width=w, height=h, megapixels=mp, steps=steps,
                      out=[round(w * s / steps) * steps, round(h * s / steps) * steps]))
with open(os.path.join(OUT, "image_ops.json"), "w") as f:
    json.dump({"images": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in images.items()},
               "masks": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in masks.items()},
               "cases": cases, "total_pixels": sizes}, f)
print(len(cases), "cases")
