#!/usr/bin/python3
"""Independent reference for Noodle's Canny edge detector: kornia.filters.canny's documented algorithm, as ComfyUI's
Canny node calls it (5x5 Gaussian, sigma 1), re-stated in plain torch float32 (kornia itself is not used).

Usage: canny_reference.py IMAGE.safetensors LOW HIGH OUT.safetensors
IMAGE holds image [H, W, 3] in 0..1; OUT gets magnitude [H, W] (after non-maximum suppression) and edges [H, W].
Steps: grayscale (0.299, 0.587, 0.114); Gaussian blur, reflect padding; Sobel gradients (unnormalised, replicate
padding); magnitude sqrt(gx^2 + gy^2 + 1e-6); angle rounded to 45 degrees; non-maximum suppression against the two
neighbours along the angle (zero padding); double threshold (0.5 weak, 1 strong); hysteresis iterated until nothing
changes, a weak pixel becoming strong when one of its 8 neighbours is strong.
"""
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

from st_io import read_safetensors, write_safetensors


def neighbour_kernels():
    # direction k = k * 45 degrees with y pointing down: (dy, dx)
    offsets = [(0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1)]
    k = torch.zeros(8, 1, 3, 3)
    for i, (dy, dx) in enumerate(offsets):
        k[i, 0, 1 + dy, 1 + dx] = 1.0
    return k


def canny(image, low, high):
    img = image.permute(2, 0, 1)[None]  # [1, 3, H, W]
    gray = 0.299 * img[:, 0:1] + 0.587 * img[:, 1:2] + 0.114 * img[:, 2:3]
    x = torch.arange(5, dtype=torch.float32) - 2
    g = torch.exp(-x ** 2 / 2.0)
    g = g / g.sum()
    blurred = F.conv2d(F.pad(gray, (2, 2, 0, 0), mode="reflect"), g.view(1, 1, 1, 5))
    blurred = F.conv2d(F.pad(blurred, (0, 0, 2, 2), mode="reflect"), g.view(1, 1, 5, 1))
    sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    padded = F.pad(blurred, (1, 1, 1, 1), mode="replicate")
    gx = F.conv2d(padded, sobel_x.view(1, 1, 3, 3))
    gy = F.conv2d(padded, sobel_x.t().contiguous().view(1, 1, 3, 3))
    magnitude = torch.sqrt(gx * gx + gy * gy + 1e-6)
    angle = torch.round(180.0 * torch.atan2(gy, gx) / math.pi / 45) * 45
    # centre minus each neighbour, outside = 0
    neigh = F.conv2d(magnitude, neighbour_kernels(), padding=1)  # [1, 8, H, W]
    diffs = magnitude - neigh
    pos = ((angle / 45) % 8).long()
    neg = ((angle / 45 + 4) % 8).long()
    is_max = torch.minimum(torch.gather(diffs, 1, pos), torch.gather(diffs, 1, neg)) > 0
    magnitude = magnitude * is_max
    edges = (magnitude > low) * 0.5 + (magnitude > high) * 0.5
    old = -torch.ones_like(edges)
    while (old != edges).any():
        weak = (edges == 0.5).float()
        strong = (edges == 1).float()
        near_strong = (F.conv2d(edges, neighbour_kernels(), padding=1) == 1).any(1, keepdim=True).float()
        grown = near_strong * weak + strong
        old = edges
        edges = grown + (grown == 0) * weak * 0.5
    return magnitude[0, 0], grown[0, 0]


def main():
    image = read_safetensors(sys.argv[1], as_type=np.float32)["image"]
    magnitude, edges = canny(image, float(sys.argv[2]), float(sys.argv[3]))
    write_safetensors(sys.argv[4], {"magnitude": magnitude, "edges": edges})


if __name__ == "__main__":
    main()
