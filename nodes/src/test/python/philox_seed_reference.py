"""Philox4x32-10 + Box-Muller reference values for seeds 0 and 42 (A1111 "GPU"/"NV" seeds, sd.cpp `cuda` RNG).

Written from the specification in docs/engine-notes.md ("Initial noise, A1111") and the Philox paper (Salmon et
al. 2011, "Parallel random numbers: as easy as 1, 2, 3"), independently of Noodle's Java code and of the other
reference scripts. Only numpy is needed. Writes
nodes/src/test/resources/dev/noodle/engine/sampling/philox_seeds.json. Usage:
    python3 nodes/src/test/python/philox_seed_reference.py

Spec: element i of a draw uses counter (offset, 0, i, 0) and key (seed low 32, seed high 32); ten rounds with
multipliers M = (0xD2511F53, 0xCD9E8D57) and key increments W = (0x9E3779B9, 0xBB67AE85); the first two output
words give u = g0*2^-32 + 2^-33 and v = g1*2^-32*2pi + 2^-32*pi; z = sqrt(-2 ln u) * sin v, rounded to float32.

Two variants are written: "seedN" follows the spec with an exact 2pi; "seedN_a1111" uses the float32 constants that
AUTOMATIC1111's rng_philox.py (and stable-diffusion.cpp's port) use: 2^-32 (exact in float32) and float32(2^-32 *
6.2831855), which is 2.8e-8 relative above 2^-32*2pi. Both are evaluated in float64 (numpy promotes a uint32 array
times a float32 constant to float64) and rounded to float32 at the end. The variants differ by at most ~5e-7.
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "sampling")
MASK32 = np.uint64(0xFFFFFFFF)
MULT = (np.uint64(0xD2511F53), np.uint64(0xCD9E8D57))
WEYL = (np.uint64(0x9E3779B9), np.uint64(0xBB67AE85))


def philox4x32_10(ctr, key):
    """ctr: 4 uint64 arrays holding 32-bit words; key: 2 uint64 scalars. Returns the 4 output words."""
    x0, x1, x2, x3 = (np.asarray(w, dtype=np.uint64) & MASK32 for w in ctr)
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    for _ in range(10):
        prod_a = MULT[0] * x0  # both < 2^32, so the product fits in 64 bits
        prod_b = MULT[1] * x2
        hi_a, lo_a = prod_a >> np.uint64(32), prod_a & MASK32
        hi_b, lo_b = prod_b >> np.uint64(32), prod_b & MASK32
        x0, x1, x2, x3 = hi_b ^ x1 ^ k0, lo_b, hi_a ^ x3 ^ k1, lo_a
        k0 = (k0 + WEYL[0]) & MASK32
        k1 = (k1 + WEYL[1]) & MASK32
    return x0, x1, x2, x3


def gaussian_draw(seed, offset, count, a1111_constants=False):
    """`count` normal values of draw number `offset` (float32), per the spec above."""
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    key = (seed & 0xFFFFFFFF, seed >> 32)
    idx = np.arange(count, dtype=np.uint64)
    zero = np.zeros(count, dtype=np.uint64)
    ctr = (np.full(count, offset, dtype=np.uint64), zero, idx, zero)
    g0, g1, _, _ = philox4x32_10(ctr, key)
    inv32 = 2.0 ** -32
    step_v = float(np.float32(2.3283064e-10 * 6.2831855)) if a1111_constants else inv32 * 2 * np.pi
    u = g0.astype(np.float64) * inv32 + inv32 / 2
    v = g1.astype(np.float64) * step_v + step_v / 2
    return (np.sqrt(-2.0 * np.log(u)) * np.sin(v)).astype(np.float32)


def self_check():
    # Known-answer test from the Random123 distribution (kat_vectors, philox4x32_10): counter and key all zero.
    out = philox4x32_10([np.uint64(0)] * 4, (0, 0))
    assert [int(w) for w in out] == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8], [hex(int(w)) for w in out]


def main():
    self_check()
    shape = [1, 4, 8, 8]
    n = int(np.prod(shape))
    result = {"shape": shape, "first": 8}
    for seed in (0, 42):
        full = gaussian_draw(seed, 0, n)  # one draw of the whole initial latent noise
        result[f"seed{seed}"] = [float(x) for x in full[:8]]
        result[f"seed{seed}_second_draw"] = [float(x) for x in gaussian_draw(seed, 1, n)[:8]]
        result[f"seed{seed}_a1111"] = [float(x) for x in gaussian_draw(seed, 0, n, True)[:8]]
        result[f"seed{seed}_second_draw_a1111"] = [float(x) for x in gaussian_draw(seed, 1, n, True)[:8]]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "philox_seeds.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
