#!/usr/bin/python3
"""Reference numbers for ImageInvert, ImageBlend and ImageStitch, re-stated from ComfyUI's published formulas.

Images are [B, H, W, C] float32 in [0, 1], as ComfyUI's IMAGE.
- ImageInvert (nodes.py): 1 - x.
- ImageBlend (comfy_extras/nodes_post_processing.py): when the shapes differ, image2 is resized to image1's H x W by
  common_upscale(bicubic, crop=center): centre crop to the target aspect (x = round((w - w * new_a / old_a) / 2),
  likewise y), then torch interpolate bicubic (align_corners=False). Modes with a = image1, b = image2:
  normal b; multiply a*b; screen 1-(1-a)(1-b); overlay a<=0.5 ? 2ab : 1-2(1-a)(1-b);
  soft_light b<=0.5 ? a-(1-2b)a(1-a) : a+(2b-1)(D(a)-a), D(a) = a<=0.25 ? ((16a-12)a+4)a : sqrt(a);
  difference a-b. Out = clamp(a(1-f) + mode*f, 0, 1), batches broadcasting as torch does.
- ImageStitch (comfy_extras/nodes_images.py): the shorter batch repeats its last image; match_image_size resizes
  image2 with common_upscale(lanczos, disabled) -- Pillow LANCZOS on uint8(clip(255x)) then /255 -- to image1's height
  (left/right, width int(h1 * w2/h2)) or width (up/down, height int(w1 / (w2/h2))); otherwise the smaller image is
  padded (top/left pad//2) with 1.0 for white, 0.0 for every other colour; a strip of spacing + spacing % 2 pixels
  in the colour (white 1, black 0, red/green/blue one channel 1) goes between; left/up put image2 first.
Writes image_pixel.json. Run: /usr/bin/python3 nodes/src/test/python/image_pixel_reference.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from comfy_crop import crop_center

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/nodes")

COLORS = {"white": (1.0, 1.0, 1.0), "black": (0.0, 0.0, 0.0), "red": (1.0, 0.0, 0.0), "green": (0.0, 1.0, 0.0),
          "blue": (0.0, 0.0, 1.0)}


def bicubic_center(img, width, height):  # img: [B, H, W, C]
    t = crop_center(torch.from_numpy(img).permute(0, 3, 1, 2), width, height)
    return F.interpolate(t, size=(height, width), mode="bicubic").permute(0, 2, 3, 1).numpy()


def lanczos(img, width, height):  # img: [B, H, W, C]
    out = []
    for one in img:
        u8 = np.clip(255.0 * one, 0, 255).astype(np.uint8)
        r = Image.fromarray(u8).resize((width, height), resample=Image.Resampling.LANCZOS)
        out.append(np.asarray(r).astype(np.float32) / 255.0)
    return np.stack(out)


def soft_light_d(a):
    return np.where(a <= 0.25, ((16 * a - 12) * a + 4) * a, np.sqrt(a))


def blend(a, b, factor, mode):
    if a.shape != b.shape:
        b = bicubic_center(b, a.shape[2], a.shape[1])
    m = {
        "normal": lambda: b,
        "multiply": lambda: a * b,
        "screen": lambda: 1 - (1 - a) * (1 - b),
        "overlay": lambda: np.where(a <= 0.5, 2 * a * b, 1 - 2 * (1 - a) * (1 - b)),
        "soft_light": lambda: np.where(b <= 0.5, a - (1 - 2 * b) * a * (1 - a), a + (2 * b - 1) * (soft_light_d(a) - a)),
        "difference": lambda: a - b,
    }[mode]().astype(np.float32)
    out = a * np.float32(1 - factor) + m * np.float32(factor)
    return np.clip(out, 0, 1).astype(np.float32)


def repeat_last(img, n):
    if img.shape[0] >= n:
        return img
    return np.concatenate([img, np.repeat(img[-1:], n - img.shape[0], axis=0)])


def pad_centre(img, axis, size, value):  # axis 1 = H, 2 = W
    extra = size - img.shape[axis]
    if extra <= 0:
        return img
    widths = [(0, 0)] * 4
    widths[axis] = (extra // 2, extra - extra // 2)
    return np.pad(img, widths, mode="constant", constant_values=value)


def stitch(a, b, direction, match, spacing, color):
    if b is None:
        return a
    n = max(a.shape[0], b.shape[0])
    a, b = repeat_last(a, n), repeat_last(b, n)
    horizontal = direction in ("left", "right")
    if match:
        h1, w1 = a.shape[1:3]
        aspect = b.shape[2] / b.shape[1]
        tw, th = (int(h1 * aspect), h1) if horizontal else (w1, int(w1 / aspect))
        b = lanczos(b, tw, th)
    else:
        pad = 1.0 if color == "white" else 0.0
        axis = 1 if horizontal else 2
        size = max(a.shape[axis], b.shape[axis])
        a, b = pad_centre(a, axis, size, pad), pad_centre(b, axis, size, pad)
    parts = [b, a] if direction in ("left", "up") else [a, b]
    if spacing > 0:
        s = spacing + spacing % 2
        shape = (n, a.shape[1], s, 3) if horizontal else (n, s, a.shape[2], 3)
        strip = np.empty(shape, np.float32)
        strip[...] = np.array(COLORS[color], np.float32)
        parts.insert(1, strip)
    return np.concatenate(parts, axis=2 if horizontal else 1).astype(np.float32)


def flat(x):
    """The values as the shortest decimals that read back as the same float32 (keeps the file small)."""
    return [float(str(v)) for v in np.asarray(x, np.float32).reshape(-1)]


def image(rng, shape):
    x = rng.random(shape).astype(np.float32)
    px = x.reshape(-1)
    px[::11] = 0.5  # the <= 0.5 branch boundaries of overlay and soft light
    px[5::13] = 0.25  # and soft light's D(a) boundary
    px[7::17] = 0.0
    px[3::19] = 1.0
    return x


rng = np.random.default_rng(14)
images = {
    "a": image(rng, (2, 5, 7, 3)),
    "b": image(rng, (2, 5, 7, 3)),
    "b_small": image(rng, (2, 4, 9, 3)),  # other size and aspect: resized with a centre crop
    "b_one": image(rng, (1, 5, 7, 3)),  # a single image broadcast over image1's batch
    "a_one": image(rng, (1, 5, 7, 3)),
    "c": image(rng, (3, 6, 4, 3)),  # longer batch, other size: stitch pads or matches
    "tall": image(rng, (1, 9, 2, 3)),
}
cases = []
cases.append({"node": "invert", "image1": "a", "expected": flat(1.0 - images["a"]),
              "shape": list(images["a"].shape)})
for mode in ("normal", "multiply", "screen", "overlay", "soft_light", "difference"):
    for (i1, i2, f) in (("a", "b", 0.35), ("a", "b", 1.0), ("a", "b_small", 0.5), ("a", "b_one", 0.8),
                        ("a_one", "b", 0.6)):
        out = blend(images[i1], images[i2], f, mode)
        cases.append({"node": "blend", "image1": i1, "image2": i2, "factor": f, "mode": mode,
                      "expected": flat(out), "shape": list(out.shape)})
colors = ["white", "black", "red", "green", "blue"]
k = 0
for direction in ("right", "down", "left", "up"):
    for match in (True, False):
        for spacing in (0, 3):
            color = colors[k % len(colors)]
            k += 1
            for (i1, i2) in (("a", "c"), ("c", "a")):
                out = stitch(images[i1], images[i2], direction, match, spacing, color)
                cases.append({"node": "stitch", "image1": i1, "image2": i2, "direction": direction, "match": match,
                              "spacing": spacing, "color": color, "expected": flat(out),
                              "shape": list(out.shape)})
for direction in ("right", "up"):
    out = stitch(images["a"], images["tall"], direction, True, 2, "white")
    cases.append({"node": "stitch", "image1": "a", "image2": "tall", "direction": direction, "match": True,
                  "spacing": 2, "color": "white", "expected": flat(out), "shape": list(out.shape)})
out = stitch(images["a"], None, "left", True, 4, "red")
cases.append({"node": "stitch", "image1": "a", "image2": None, "direction": "left", "match": True, "spacing": 4,
              "color": "red", "expected": flat(out), "shape": list(out.shape)})
with open(os.path.join(OUT, "image_pixel.json"), "w") as f:
    json.dump({"images": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in images.items()},
               "cases": cases}, f)
print(len(cases), "cases")
