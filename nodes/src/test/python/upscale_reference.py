#!/usr/bin/python3
"""Independent reference for Noodle's upscale networks, re-stated in plain torch (float64) from the published
architectures:

- RRDBNet (Wang et al. 2018, "ESRGAN", Fig. 4): conv_first, a trunk of residual-in-residual dense blocks (three
  dense blocks of five 3x3 convolutions each, LeakyReLU 0.2 after the first four, residuals scaled by 0.2), a trunk
  convolution added to the first features, nearest x2 upsampling + conv + LeakyReLU per up-conv, then HR conv +
  LeakyReLU and the last conv. Real-ESRGAN (Wang et al. 2021) feeds x2/x1 models a pixel-unshuffled input.
- SRVGGNetCompact (Wang et al. 2021, Real-ESRGAN's compact model): 3x3 convs each followed by a per-channel PReLU,
  a last conv to 3*s^2 channels, pixel shuffle by s, plus the nearest-upsampled input.

The weights are read in whichever key layout the file uses (ESRGAN's model.N sequential names, Real-ESRGAN's
conv_first/body.N.rdbK names, BSRGAN's RRDB_trunk names); .pth files are read with torch.load(weights_only=True),
which also checks that the files Noodle writes are real PyTorch checkpoints.

Usage: upscale_reference.py WEIGHTS INPUT.safetensors OUT.safetensors
INPUT holds "image" [B, 3, H, W]; OUT gets "image" [B, 3, H*s, W*s] and "scale" [1].
"""
import re
import sys

import numpy as np
import torch
import torch.nn.functional as F

from st_io import read_safetensors, write_safetensors


def read_weights(path):
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    sd = torch.load(path, map_location="cpu", weights_only=True)
    for wrapper in ("params_ema", "params"):
        if wrapper in sd:
            sd = sd[wrapper]
            break
    return {k: v.double() for k, v in sd.items()}


def conv(w, name, x):
    return F.conv2d(x, w[name + ".weight"], w[name + ".bias"], padding=w[name + ".weight"].shape[-1] // 2)


def lrelu(x):
    return torch.where(x >= 0, x, 0.2 * x)


def rrdb_names(w):
    """Maps the file's names onto (first, rdb(b, r, c), trunk, ups[], hr, last)."""
    if "model.0.weight" in w:
        blocks = 1 + max(int(m.group(1)) for k in w for m in [re.match(r"model\.1\.sub\.(\d+)\.RDB", k)] if m)
        top = max(int(m.group(1)) for k in w for m in [re.match(r"model\.(\d+)\.weight$", k)] if m)
        n = (top - 4) // 3
        return ("model.0", lambda b, r, c: f"model.1.sub.{b}.RDB{r}.conv{c}.0", f"model.1.sub.{blocks}",
                [f"model.{3 * i}" for i in range(1, n + 1)], f"model.{3 * n + 2}", f"model.{3 * n + 4}", blocks)
    if "body.0.rdb1.conv1.weight" in w:
        blocks = 1 + max(int(m.group(1)) for k in w for m in [re.match(r"body\.(\d+)\.rdb", k)] if m)
        n = sum(1 for k in w if re.match(r"conv_up\d+\.weight$", k))
        return ("conv_first", lambda b, r, c: f"body.{b}.rdb{r}.conv{c}", "conv_body",
                [f"conv_up{i}" for i in range(1, n + 1)], "conv_hr", "conv_last", blocks)
    blocks = 1 + max(int(m.group(1)) for k in w for m in [re.match(r"RRDB_trunk\.(\d+)\.RDB", k)] if m)
    n = sum(1 for k in w if re.match(r"upconv\d+\.weight$", k))
    return ("conv_first", lambda b, r, c: f"RRDB_trunk.{b}.RDB{r}.conv{c}", "trunk_conv",
            [f"upconv{i}" for i in range(1, n + 1)], "HRconv", "conv_last", blocks)


def rrdbnet(w, x):
    first, rdb_name, trunk, ups, hr, last, blocks = rrdb_names(w)
    in_ch = w[first + ".weight"].shape[1]
    out_ch = w[last + ".weight"].shape[0]
    shuffle = int(round((in_ch / out_ch) ** 0.5))
    if shuffle > 1:
        x = F.pixel_unshuffle(x, shuffle)
    fea = conv(w, first, x)
    body = fea
    for b in range(blocks):
        block_in = body
        for r in range(1, 4):
            rdb_in = body
            feats = [rdb_in]
            for c in range(1, 5):
                feats.append(lrelu(conv(w, rdb_name(b, r, c), torch.cat(feats, 1))))
            body = conv(w, rdb_name(b, r, 5), torch.cat(feats, 1)) * 0.2 + rdb_in
        body = body * 0.2 + block_in
    fea = fea + conv(w, trunk, body)
    for u in ups:
        fea = lrelu(conv(w, u, F.interpolate(fea, scale_factor=2, mode="nearest")))
    out = conv(w, last, lrelu(conv(w, hr, fea)))
    return out, (2 ** len(ups)) // shuffle


def compact(w, x):
    top = max(int(m.group(1)) for k in w for m in [re.match(r"body\.(\d+)\.weight$", k)] if m)
    out = x
    for i in range(0, top, 2):
        out = conv(w, f"body.{i}", out)
        a = w[f"body.{i + 1}.weight"].view(1, -1, 1, 1)
        out = torch.where(out >= 0, out, a * out)
    out = conv(w, f"body.{top}", out)
    scale = int(round((out.shape[1] / 3) ** 0.5))
    out = F.pixel_shuffle(out, scale)
    return out + F.interpolate(x, scale_factor=scale, mode="nearest"), scale


def main():
    weights, inputs, out_path = sys.argv[1:4]
    w = read_weights(weights)
    x = read_safetensors(inputs)["image"]
    with torch.no_grad():
        if "body.0.weight" in w and "body.1.weight" in w and w["body.1.weight"].dim() == 1:
            y, scale = compact(w, x)
        else:
            y, scale = rrdbnet(w, x)
    write_safetensors(out_path, {"image": y, "scale": torch.tensor([float(scale)])})


if __name__ == "__main__":
    main()
