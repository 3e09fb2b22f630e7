"""Independent reference values for the unCLIP / SDXL revision y vector (Stable unCLIP 2.1, SDXL "revision").

Written in torch from the published description, not from Noodle's code:
- the augmentation schedule is Nichol & Dhariwal's squared cosine (2021, eq. 17): alpha_bar(t) = cos((t+0.008)/1.008 * pi/2)^2,
  beta_i = min(1 - alpha_bar((i+1)/1000)/alpha_bar(i/1000), 0.999), cumulative products in float64 (numpy), the
  sqrt(alpha_bar) and sqrt(1-alpha_bar) tables kept as float32 (the augmentor's buffers);
- an image embedding e [1, D] (data statistics mean 0, std 1) is noised at level n = round(999 * noise_augmentation):
  z = sqrt(ab_n) e + sqrt(1 - ab_n) eps, eps = torch.randn([1, D]) right after torch.manual_seed(seed - 10);
- it is joined with the sinusoidal embedding of n (LDM timestep_embedding: cos half then sin half, max period 10000)
  of width D, and multiplied by the entry's strength;
- several embeddings are summed, and the summed first D values noised again at the merge level (0.05 for SD 2.1
  unCLIP, 0 for SDXL) with the same seeded noise; SDXL revision keeps the first D values as its pooled vector.
Embeddings are torch.randn([B, D]) after torch.manual_seed(embed_seed), which the Java test redraws the same way.

Writes nodes/src/test/resources/dev/noodle/engine/diffusion/unclip.json.
Usage (Debian python3-torch):
    /usr/bin/python3 nodes/src/test/python/unclip_reference.py
"""
import json
import math
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "diffusion")
STRIDE = 8


def tables():
    betas = []
    for i in range(1000):
        a1 = math.cos((i / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2
        a2 = math.cos(((i + 1) / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2
        betas.append(min(1 - a2 / a1, 0.999))
    ab = np.cumprod(1.0 - np.array(betas, dtype=np.float64))
    return torch.tensor(np.sqrt(ab), dtype=torch.float32), torch.tensor(np.sqrt(1.0 - ab), dtype=torch.float32)


SQRT_AB, SQRT_1MAB = tables()


def sinusoid(n, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(0, half, dtype=torch.float32) / half)
    args = torch.tensor([n], dtype=torch.float32)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def noised(e, level, dim, seed):
    eps = torch.randn(e.shape, generator=torch.Generator().manual_seed(seed - 10))
    z = SQRT_AB[level] * e + SQRT_1MAB[level] * eps
    return torch.cat([z, sinusoid(level, dim)], dim=1)


def level(aug):
    return round(999 * aug)


def vector(entries, dim, seed, merge):
    outs = []
    for e in entries:
        embeds = torch.randn([e["batch"], dim], generator=torch.Generator().manual_seed(e["embed_seed"]))
        for row in embeds:
            outs.append(noised(row[None], level(e["noise_augmentation"]), dim, seed) * e["strength"])
    if len(outs) == 1:
        return outs[0]
    total = torch.stack(outs).sum(0)
    return noised(total[:, :dim], level(merge), dim, seed)


CASES = [
    {"name": "sd21_h_one", "dim": 1024, "seed": 509273045161628, "merge": 0.05, "pooled": False,
     "entries": [{"embed_seed": 11, "batch": 1, "strength": 1.0000000000000002, "noise_augmentation": 0.30000000000000016}]},
    {"name": "sd21_h_two", "dim": 1024, "seed": 363144844778993, "merge": 0.05, "pooled": False,
     "entries": [{"embed_seed": 12, "batch": 1, "strength": 0.5, "noise_augmentation": 0.4000000000000002},
                 {"embed_seed": 13, "batch": 1, "strength": 0.5, "noise_augmentation": 0.4000000000000002}]},
    {"name": "sd21_l_batch", "dim": 768, "seed": 7, "merge": 0.05, "pooled": False,
     "entries": [{"embed_seed": 14, "batch": 2, "strength": -1.5, "noise_augmentation": 0.0}]},
    {"name": "sd21_l_full_noise", "dim": 768, "seed": 42, "merge": 0.05, "pooled": False,
     "entries": [{"embed_seed": 15, "batch": 1, "strength": 2.0, "noise_augmentation": 1.0}]},
    {"name": "sdxl_revision_two", "dim": 1280, "seed": 133632471276133, "merge": 0.0, "pooled": True,
     "entries": [{"embed_seed": 16, "batch": 1, "strength": 0.7500000000000002, "noise_augmentation": 0.0},
                 {"embed_seed": 17, "batch": 1, "strength": 0.7500000000000002, "noise_augmentation": 0.0}]},
]


def main():
    out = {"sqrt_alphas_cumprod": [SQRT_AB[i].item() for i in (0, 1, 299, 399, 500, 998, 999)],
           "sqrt_one_minus_alphas_cumprod": [SQRT_1MAB[i].item() for i in (0, 1, 299, 399, 500, 998, 999)],
           "levels": [0, 1, 299, 399, 500, 998, 999], "stride": STRIDE, "cases": []}
    for c in CASES:
        v = vector(c["entries"], c["dim"], c["seed"], c["merge"])
        if c["pooled"]:
            v = v[:, :c["dim"]]
        flat = v.flatten()
        case = dict(c)
        case["width"] = flat.numel()
        case["sampled"] = flat[::STRIDE].tolist()
        case["sum"] = flat.double().sum().item()
        case["norm"] = flat.double().norm().item()
        out["cases"].append(case)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "unclip.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
