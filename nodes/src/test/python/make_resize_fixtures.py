#!/usr/bin/python3
"""Reference resizes for Noodle's ImageResize, as ComfyUI's common_upscale computes them.

Run: /usr/bin/python3 nodes/src/test/python/make_resize_fixtures.py
torch.nn.functional.interpolate (align_corners=False, no antialias) for nearest-exact/bilinear/bicubic/area;
Pillow LANCZOS on the uint8 image (clip(255 x) truncated) for lanczos. Writes resize.json.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "image")
rng = np.random.default_rng(3)
img = rng.random((3, 4, 3), dtype=np.float32)  # [H, W, C]
cases = []
for (oh, ow) in ((5, 7), (2, 3), (3, 9)):
    for method in ("nearest-exact", "bilinear", "bicubic", "area", "lanczos"):
        if method == "lanczos":
            u8 = np.clip(255.0 * img, 0, 255).astype(np.uint8)
            out = np.array(Image.fromarray(u8).resize((ow, oh), resample=Image.Resampling.LANCZOS))
            out = out.astype(np.float32) / 255.0
        else:
            t = torch.from_numpy(img).permute(2, 0, 1)[None]
            out = F.interpolate(t, size=(oh, ow), mode=method).permute(0, 2, 3, 1)[0].numpy()
        cases.append({"method": method, "height": oh, "width": ow, "expected": out.reshape(-1).tolist()})
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "resize.json"), "w") as f:
    json.dump({"height": 3, "width": 4, "channels": 3, "input": img.reshape(-1).tolist(), "cases": cases}, f)
