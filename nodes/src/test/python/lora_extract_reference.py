#!/usr/bin/python3
"""Independent reference for LoRA extraction (ComfyUI LoraSave): truncated SVD by numpy's LAPACK SVD.

For each case a float32 weight difference is drawn with a fixed seed; numpy.linalg.svd gives its singular values,
the rank-r pair up = U_r*S_r, down = Vh_r (a conv [O, I, kh, kw] is read as [O, I*kh*kw]) and the Frobenius error
of up@down against the difference (the truncation error, sqrt of the sum of the dropped sigma^2). One case also
applies ComfyUI's clamp: signs fixed so the largest-|.| entry of each up column is positive, then both factors
clamped to +-q, q = the 0.99 quantile (linear) of their joint entries.
Writes nodes/src/test/resources/dev/noodle/engine/adapters/lora_extract.json.
Run: /usr/bin/python3 nodes/src/test/python/lora_extract_reference.py
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/engine/adapters/lora_extract.json")
rng = np.random.default_rng(2020)


def low_rank(shape, k):
    o = shape[0]
    c = int(np.prod(shape[1:]))
    return (rng.standard_normal((o, k)) @ rng.standard_normal((k, c)) * 0.05).astype(np.float32).reshape(shape)


def factors(diff, rank, clamp):
    o = diff.shape[0]
    r = min(rank, diff.shape[0], diff.shape[1])
    a = diff.reshape(o, -1).astype(np.float64)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    up = u[:, :r] * s[:r]
    down = vh[:r, :].copy()
    for j in range(r):
        if up[np.argmax(np.abs(up[:, j])), j] < 0:
            up[:, j] *= -1
            down[j, :] *= -1
    if clamp is not None:
        hi = np.quantile(np.concatenate([up.ravel(), down.ravel()]), clamp)
        up = np.clip(up, -hi, hi)
        down = np.clip(down, -hi, hi)
    err = float(np.linalg.norm(up @ down - a))
    return r, s, up, down, err


cases = []
for name, shape, k, ranks, clamp in [
    ("wide_rank3", (24, 40), 3, [2, 3, 5], None),
    ("tall_rank6", (48, 20), 6, [4, 6, 8], None),
    ("full_random", (30, 50), None, [1, 4, 12], None),
    ("conv3x3_rank4", (16, 8, 3, 3), 4, [2, 4], None),
    ("conv1x1_rank2", (12, 10, 1, 1), 2, [1, 2], None),
    ("conv3x3_clamped", (16, 8, 3, 3), None, [3], 0.99),
]:
    if k is None:
        diff = (rng.standard_normal(shape) * 0.02).astype(np.float32)
    else:
        diff = low_rank(shape, k)
    c = {"name": name, "shape": list(shape), "diff": [float(x) for x in diff.ravel()], "ranks": []}
    for rank in ranks:
        r, s, up, down, err = factors(diff, rank, clamp)
        entry = {"rank": rank, "effective_rank": r, "sigma": [float(x) for x in s[:r]], "error": err,
                 "clamp": clamp}
        if clamp is not None:
            entry["up"] = [float(x) for x in up.ravel()]
            entry["down"] = [float(x) for x in down.ravel()]
        c["ranks"].append(entry)
    c["norm"] = float(np.linalg.norm(diff.astype(np.float64)))
    cases.append(c)

with open(OUT, "w") as f:
    json.dump({"cases": cases}, f)
print("wrote", OUT)
