#!/usr/bin/python3
"""Reference numbers for the MASK nodes, re-stated from ComfyUI's published definitions.

Masks are [B, H, W] float32 (1 = masked); images [B, H, W, C] float32 in [0, 1], C = 4 when they carry alpha.
- ImageToMask: image[..., c] for red/green/blue/alpha. MaskToImage: the mask repeated into 3 channels.
- ImageColorToMask: t = round(clamp(image, 0, 1) * 255) as int (half to even), packed (r << 16) + (g << 8) + b;
  where(t == color, 1.0, 0).
- SolidMask: full((1, h, w), value) float32. InvertMask: 1 - m. ThresholdMask: (m > value).float() (float32 compare).
- CropMask: m[:, y:y+h, x:x+w] (Python slicing).
- MaskComposite: output = destination; region top=y..min(y+sh, H), left=x..min(x+sw, W) combined with the source's
  top-left part: multiply d*s, add d+s, subtract d-s, and/or/xor on round().bool() (half to even) as 0/1; then the
  whole output clamped to [0, 1]. A source batch of 1 broadcasts.
- FeatherMask: left/right/top/bottom cut to the size, then in this order, float32 in place:
  for x in range(left): out[:, :, x] *= (x+1)/left;   for x in range(right): out[:, :, -x] *= (x+1)/right;
  for y in range(top): out[:, y, :] *= (y+1)/top;     for y in range(bottom): out[:, -y, :] *= (y+1)/bottom.
- GrowMask: |expand| times scipy.ndimage.grey_dilation (expand > 0) or grey_erosion (< 0) with footprint
  [[c,1,c],[1,1,1],[c,1,c]], c = 0 if tapered_corners else 1, default mode "reflect" (d c b a | a b c d). scipy is
  not assumed here: re-stated in numpy as the max (min) over the footprint's shifts of the symmetric-padded mask.
- JoinImageWithAlpha: n = min(batches); alpha = 1 - interpolate(mask, image size, bilinear); cat(rgb, alpha).
- SplitImageWithAlpha: rgb = image[..., :3]; mask = 1 - image[..., 3] (1 - ones without alpha).
Writes mask_ops.json. Run: /usr/bin/python3 nodes/src/test/python/mask_ops_reference.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/nodes")
CHANNELS = ["red", "green", "blue", "alpha"]


def composite(dst, src, x, y, op):
    out = torch.from_numpy(dst).clone()
    s = torch.from_numpy(src)
    h, w = out.shape[-2:]
    right, bottom = min(x + s.shape[-1], w), min(y + s.shape[-2], h)
    if right > x and bottom > y:
        sp = s[:, :bottom - y, :right - x]
        dp = out[:, y:bottom, x:right]
        if op == "multiply":
            r = dp * sp
        elif op == "add":
            r = dp + sp
        elif op == "subtract":
            r = dp - sp
        else:
            a, b = dp.round().bool(), sp.round().bool()
            r = {"and": torch.bitwise_and, "or": torch.bitwise_or, "xor": torch.bitwise_xor}[op](a, b).float()
        out[:, y:bottom, x:right] = r
    return torch.clamp(out, 0.0, 1.0).numpy()


def feather(m, left, top, right, bottom):
    out = torch.from_numpy(m).clone()
    h, w = out.shape[-2:]
    left, right, top, bottom = min(left, w), min(right, w), min(top, h), min(bottom, h)
    for x in range(left):
        out[:, :, x] *= (x + 1.0) / left
    for x in range(right):
        out[:, :, -x] *= (x + 1) / right
    for y in range(top):
        out[:, y, :] *= (y + 1) / top
    for y in range(bottom):
        out[:, -y, :] *= (y + 1) / bottom
    return out.numpy()


def morph(one, dilate, square):
    p = np.pad(one, 1, mode="symmetric")  # scipy's "reflect"
    h, w = one.shape
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if square or dy == 0 or dx == 0]
    stack = np.stack([p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy, dx in shifts])
    return stack.max(axis=0) if dilate else stack.min(axis=0)


def grow(m, expand, tapered):
    out = []
    for one in m:
        for _ in range(abs(expand)):
            one = morph(one, expand > 0, not tapered)
        out.append(one)
    return np.stack(out).astype(np.float32)


def join(image, mask):
    n = min(len(image), len(mask))
    t = torch.from_numpy(mask).reshape(-1, 1, mask.shape[-2], mask.shape[-1])
    alpha = 1.0 - F.interpolate(t, size=image.shape[1:3], mode="bilinear").squeeze(1)
    return torch.cat((torch.from_numpy(image)[:n, :, :, :3], alpha[:n].unsqueeze(3)), dim=3).numpy()


def split(image):
    rgb = image[..., :3]
    a = image[..., 3] if image.shape[-1] > 3 else np.ones_like(image[..., 0])
    return rgb, (1.0 - torch.from_numpy(np.ascontiguousarray(a))).numpy()


def flat(x):
    """The values as the shortest decimals that read back as the same float32 (keeps the file small)."""
    return [float(str(v)) for v in np.asarray(x, np.float32).reshape(-1)]


def rand_mask(rng, shape):
    x = rng.random(shape).astype(np.float32)
    v = x.reshape(-1)
    v[::7] = 0.5  # round() half to even: false
    v[3::11] = 0.0
    v[5::13] = 1.0
    v[2::17] = 0.51
    v[4::19] = 0.49
    return x


rng = np.random.default_rng(16)
masks = {
    "m": rand_mask(rng, (2, 6, 7)),
    "m1": rand_mask(rng, (1, 6, 7)),
    "s": rand_mask(rng, (2, 4, 3)),
    "s1": rand_mask(rng, (1, 3, 5)),
    "big": rand_mask(rng, (1, 9, 10)),
    "small": rand_mask(rng, (2, 3, 4)),
    "dots": np.zeros((1, 9, 11), np.float32),
}
masks["dots"][0, 2, 3] = 1.0
masks["dots"][0, 6, 8] = 0.6
masks["dots"][0, 8, 0] = 0.3
masks["dots"][0, 0, 10] = 0.8
images = {
    "rgb": rng.random((2, 6, 7, 3)).astype(np.float32),
    "rgb1": rng.random((1, 6, 7, 3)).astype(np.float32),
}
cases = []


def case(node, params, expected, **inputs):
    e = {"node": node, "params": params, **inputs}
    if isinstance(expected, tuple):  # (image, mask)
        e["shape"], e["expected"] = list(expected[0].shape), flat(expected[0])
        e["mask_shape"], e["mask_expected"] = list(expected[1].shape), flat(expected[1])
    else:
        e["shape"], e["expected"] = list(expected.shape), flat(expected)
    cases.append(e)


images["rgba"] = join(images["rgb"], masks["m"])
images["rgba_resized"] = join(images["rgb"], masks["big"])  # 9x10 mask bilinear to 6x7
for c in CHANNELS:
    for name in ("rgb", "rgba"):
        if c == "alpha" and name == "rgb":
            continue
        case("image_to_mask", {"channel": c}, images[name][..., CHANNELS.index(c)], image=name)
palette = np.array([[0, 0, 0], [255, 255, 255], [12, 200, 7], [12, 200, 8], [128, 64, 32]], np.float32) / 255.0
idx = rng.integers(0, len(palette), (2, 5, 6))
colours = palette[idx].astype(np.float32)
colours[0, 0, 0] = [12.5 / 255, 200.5 / 255, 7.5 / 255]  # halves: round half to even
colours[0, 0, 1] = [1.2, -0.1, 0.0]  # clamped first
colours[1, 4, 5] = [11.5 / 255, 199.5 / 255, 6.5 / 255]
images["colours"] = colours
for color in (0, 0xFFFFFF, 0x0CC807, 0x0CC808, 0x804020, 0xFF0000, 0x0BC706):
    t = (torch.clamp(torch.from_numpy(colours), 0, 1.0) * 255.0).round().to(torch.int)
    t = torch.bitwise_left_shift(t[:, :, :, 0], 16) + torch.bitwise_left_shift(t[:, :, :, 1], 8) + t[:, :, :, 2]
    case("color_to_mask", {"color": color}, torch.where(t == color, 1.0, 0).float().numpy(), image="colours")
for name in ("m", "small"):
    case("mask_to_image", {}, np.repeat(masks[name][..., None], 3, axis=3), mask=name)
for value, w, h in ((0.37, 5, 3), (1.0, 2, 4), (0.0, 1, 1)):
    case("solid", {"value": value, "width": w, "height": h}, torch.full((1, h, w), value, dtype=torch.float32).numpy())
for name in ("m", "dots"):
    case("invert", {}, (1.0 - torch.from_numpy(masks[name])).numpy(), mask=name)
for x, y, w, h in ((0, 0, 512, 512), (2, 1, 3, 4), (5, 4, 10, 10), (6, 5, 1, 1), (0, 3, 7, 2)):
    case("crop", {"x": x, "y": y, "width": w, "height": h}, masks["m"][:, y:y + h, x:x + w], mask="m")
for op in ("multiply", "add", "subtract", "and", "or", "xor"):
    for src, x, y in (("s", 0, 0), ("s", 3, 2), ("s", 5, 4), ("s1", 4, 0), ("s1", 7, 0), ("big", 0, 0), ("s", 0, 6)):
        case("composite", {"x": x, "y": y, "operation": op},
             composite(masks["m"], masks[src], x, y, op), destination="m", source=src)
case("composite", {"x": 1, "y": 1, "operation": "add"}, composite(masks["m1"], masks["s1"], 1, 1, "add"),
     destination="m1", source="s1")
for l, t, r, b in ((0, 0, 0, 0), (3, 0, 0, 0), (0, 2, 0, 0), (0, 0, 3, 0), (0, 0, 0, 2), (2, 2, 3, 3), (1, 1, 1, 1),
                   (20, 20, 20, 20), (7, 6, 7, 6)):
    case("feather", {"left": l, "top": t, "right": r, "bottom": b}, feather(masks["m"], l, t, r, b), mask="m")
for name in ("dots", "m"):
    for expand in (0, 1, 2, 3, -1, -2, 30, -30):
        for tapered in (True, False):
            case("grow", {"expand": expand, "tapered_corners": tapered}, grow(masks[name], expand, tapered),
                 mask=name)
for value in (0.5, 0.1, 0.0, 0.49, 1.0):
    case("threshold", {"value": value}, (torch.from_numpy(masks["m"]) > value).float().numpy(), mask="m")
for img, m in (("rgb", "m"), ("rgb", "big"), ("rgb", "m1"), ("rgb1", "m"), ("rgb", "small")):
    j = join(images[img], masks[m])
    case("join", {}, (j[..., :3], j[..., 3]), image=img, alpha=m)
for name in ("rgba", "rgba_resized", "rgb"):
    case("split", {}, split(images[name]), image=name)


def tensor(x):
    return {"shape": list(x.shape), "data": flat(x)}


def image_entry(x):
    e = {"shape": list(x[..., :3].shape), "data": flat(x[..., :3])}
    if x.shape[-1] == 4:
        e["alpha"] = flat(x[..., 3])
    return e


with open(os.path.join(OUT, "mask_ops.json"), "w") as f:
    json.dump({"masks": {k: tensor(v) for k, v in masks.items()},
               "images": {k: image_entry(v) for k, v in images.items()},
               "cases": cases}, f, separators=(",", ":"))
print(len(cases), "cases")
