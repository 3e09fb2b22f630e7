#!/usr/bin/python3
"""Reference for PrepImageForClipVision (ComfyUI_IPAdapter_plus), re-stated from the pack's published behaviour.

Input: a safetensors file with "image" [B, H, W, 3] float32 in 0..1. For each case (interpolation, crop_position,
sharpening) given on the command line as NAME:INTERP:CROP:SHARP, writes "NAME" [B, 224, 224, 3]:
- crop_position pad: torchvision pad of (H - W) // 2 (or (W - H) // 2) black columns (rows) on both sides; else the
  square of side min(H, W) at the centre ((W - s) // 2, (H - s) // 2) or against the named side;
- each image to 8 bits by truncating 255·x (torchvision ToPILImage), Pillow resize to 224 × 224 with the filter,
  back to x / 255 (ToTensor);
- sharpening > 0: contrast-adaptive sharpening on a zero-padded border: cross (up, left, centre, right, down) and
  diagonal min clamped ≥ 0 and max clamped ≤ 1, summed; amp = sqrt(min(mn, 2 - mx) / mx);
  w = -amp · (s·(1/5 - 1/8) + 1/8); out = ((up + left + right + down)·w + centre) / (1 + 4w), NaN → 0, clamp 0..1.
Run: /usr/bin/python3 prep_clip_vision_reference.py IN.safetensors OUT.safetensors CASE...
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(data[a:b], dtype=np.float32).reshape(v["shape"])
    return out


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    off = 0
    for k, a in tensors.items():
        b = np.ascontiguousarray(a, dtype=np.float32).tobytes()
        header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def cas(img, amount):
    p = F.pad(img, (1, 1, 1, 1))
    a, b, c = p[..., :-2, :-2], p[..., :-2, 1:-1], p[..., :-2, 2:]
    d, e, f = p[..., 1:-1, :-2], p[..., 1:-1, 1:-1], p[..., 1:-1, 2:]
    g, h, i = p[..., 2:, :-2], p[..., 2:, 1:-1], p[..., 2:, 2:]
    mn = torch.stack((b, d, e, f, h)).min(dim=0)[0].clamp(min=0)
    mx = torch.stack((b, d, e, f, h)).max(dim=0)[0].clamp(max=1)
    mn2 = torch.stack((a, c, g, i)).min(dim=0)[0].clamp(min=0)
    mx2 = torch.stack((a, c, g, i)).max(dim=0)[0].clamp(max=1)
    mx = mx + mx2
    mn = mn + mn2
    amp = torch.sqrt(torch.reciprocal(mx) * torch.minimum(mn, 2 - mx))
    w = -amp * (amount * (1 / 5 - 1 / 8) + 1 / 8)
    out = ((b + d + f + h) * w + e) * torch.reciprocal(1 + 4 * w)
    return torch.nan_to_num(out).clamp(0, 1)


def prep(image, interp, crop, sharp):
    x = torch.from_numpy(image.copy()).permute(0, 3, 1, 2)  # B, 3, H, W
    _, _, oh, ow = x.shape
    if crop == "pad":
        if oh > ow:
            p = (oh - ow) // 2
            x = F.pad(x, (p, p, 0, 0))
        elif ow > oh:
            p = (ow - oh) // 2
            x = F.pad(x, (0, 0, p, p))
    else:
        s = min(oh, ow)
        cx, cy = (ow - s) // 2, (oh - s) // 2
        if crop == "top":
            cy = 0
        elif crop == "bottom":
            cy = oh - s
        elif crop == "left":
            cx = 0
        elif crop == "right":
            cx = ow - s
        x = x[:, :, cy:cy + s, cx:cx + s]
    imgs = []
    for one in x:
        u8 = one.mul(255).byte().permute(1, 2, 0).numpy()
        pil = Image.fromarray(u8, "RGB").resize((224, 224), resample=Image.Resampling[interp])
        imgs.append(torch.from_numpy(np.asarray(pil).astype(np.float32) / 255.0).permute(2, 0, 1))
    out = torch.stack(imgs)
    if sharp > 0:
        out = cas(out, sharp)
    return out.permute(0, 2, 3, 1).numpy()


def main():
    image = read_safetensors(sys.argv[1])["image"]
    results = {}
    for case in sys.argv[3:]:
        name, interp, crop, sharp = case.split(":")
        results[name] = prep(image, interp, crop, float(sharp))
    write_safetensors(sys.argv[2], results)


if __name__ == "__main__":
    main()
