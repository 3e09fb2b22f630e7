"""Second part of the sampling reference: samplers on a toy denoiser, torch CPU noise, Philox.

Own implementations of the published update rules (Karras et al. 2022; Lu et al. 2022 DPM-Solver++;
Ho et al. 2020 DDPM; Luo et al. 2023 LCM), float32 tensors, scalar coefficients in Python floats.
"""
import json
import math
import os

import numpy as np
import torch

from sampling_reference import MS, sched_karras

SHAPE = [2, 4, 4, 4]
A = 0.8


def toy(x, s):
    """Analytic denoiser: exact posterior mean for data N(0, A) plus a small smooth nonlinearity."""
    return x * (A / (s * s + A)) + torch.sin(x) * (0.05 * s / (1.0 + s))


class Stream:
    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def __call__(self, s0, s1):
        return torch.randn(SHAPE, generator=self.g)


class Bridge:
    """Brownian path in sigma, filled in by bridges in query order (Noodle's BrownianNoise rule)."""

    def __init__(self, seed, lo, hi):
        self.z = Stream(seed)
        self.lo, self.hi = lo, hi
        self.pts = {}

    def w(self, t):
        if not self.pts:
            self.pts[self.lo] = torch.zeros(SHAPE, dtype=torch.float64)
            self.pts[self.hi] = math.sqrt(self.hi - self.lo) * self.z(0, 0).double()
        if t in self.pts:
            return self.pts[t]
        below = [k for k in self.pts if k < t]
        above = [k for k in self.pts if k > t]
        z = self.z(0, 0).double()
        if below and above:
            a, b = max(below), min(above)
            v = self.pts[a] + (t - a) / (b - a) * (self.pts[b] - self.pts[a]) + math.sqrt((t - a) * (b - t) / (b - a)) * z
        else:
            n = max(below) if below else min(above)
            v = self.pts[n] + math.sqrt(abs(t - n)) * z
        v = v.float().double()
        self.pts[t] = v
        return v

    def __call__(self, s0, s1):
        a = self.w(float(np.float32(s0)))
        b = self.w(float(np.float32(s1)))
        return ((b - a) / math.sqrt(abs(float(np.float32(s1)) - float(np.float32(s0))))).float()


def anc(f, t):
    up = min(t, math.sqrt(t * t * (f * f - t * t) / (f * f)))
    return math.sqrt(t * t - up * up), up


def run(name, x, sig, noise):
    D = toy
    n = len(sig) - 1
    slope = lambda x, d, s: (x - d) / s
    hist = []
    for i in range(n):
        s, sn = sig[i], sig[i + 1]
        d = D(x, s)
        if name in ("euler", "ddim"):
            x = x + slope(x, d, s) * (sn - s)
        elif name == "euler_ancestral":
            dn, up = anc(s, sn)
            x = d if dn == 0 else x + slope(x, d, s) * (dn - s) + noise(s, sn) * up
        elif name == "heun":
            k1 = slope(x, d, s)
            if sn == 0:
                x = x + k1 * (sn - s)
            else:
                xe = x + k1 * (sn - s)
                k2 = slope(xe, D(xe, sn), sn)
                x = x + (k1 + k2) / 2 * (sn - s)
        elif name in ("dpm_2", "dpm_2_ancestral"):
            if name == "dpm_2":
                tgt, up = sn, 0.0
            else:
                tgt, up = anc(s, sn)
            k1 = slope(x, d, s)
            if tgt == 0:
                x = x + k1 * (tgt - s)
            else:
                m = math.sqrt(s * tgt)
                xm = x + k1 * (m - s)
                x = x + slope(xm, D(xm, m), m) * (tgt - s)
                if name == "dpm_2_ancestral":
                    x = x + noise(s, sn) * up
        elif name == "lms":
            hist.append(slope(x, d, s))
            hist = hist[-4:]
            if sn == 0:
                x = d
            else:
                order = len(hist)
                for j in range(order):
                    # Lagrange basis for node sig[i-j] over nodes sig[i-k], k < order, integrated exactly
                    poly = np.poly1d([1.0])
                    for k in range(order):
                        if k != j:
                            poly = poly * np.poly1d([1.0, -sig[i - k]]) / (sig[i - j] - sig[i - k])
                    P = np.polyint(poly)
                    x = x + hist[-1 - j] * float(P(sn) - P(s))
        elif name == "lcm":
            x = d + noise(s, sn) * sn if sn > 0 else d
        elif name == "ddpm":
            e = (x - d) / s
            ab, abp = 1 / (s * s + 1), 1 / (sn * sn + 1)
            al = ab / abp
            mu = math.sqrt(1 / al) * (x / math.sqrt(1 + s * s) - (1 - al) / math.sqrt(1 - ab) * e)
            if sn > 0:
                mu = (mu + math.sqrt((1 - al) * (1 - abp) / (1 - ab)) * noise(s, sn)) * math.sqrt(1 + sn * sn)
            x = mu
        elif name == "dpmpp_2s_ancestral":
            dn, up = anc(s, sn)
            if dn == 0:
                x = x + slope(x, d, s) * (dn - s)
            else:
                sm = math.sqrt(s * dn)  # midpoint in log sigma
                x2 = (sm / s) * x + (1 - sm / s) * d
                x = (dn / s) * x + (1 - dn / s) * D(x2, sm)
            if sn > 0:
                x = x + noise(s, sn) * up
        elif name == "dpmpp_sde":
            if sn == 0:
                x = d
            else:
                sm = math.sqrt(s * sn)
                dn, up = anc(s, sm)
                x2 = (dn / s) * x + (1 - dn / s) * d + noise(s, sm) * up
                d2 = D(x2, sm)
                dn, up = anc(s, sn)
                x = (dn / s) * x + (1 - dn / s) * d2 + noise(s, sn) * up
        elif name == "dpmpp_2m":
            if sn == 0:
                x = d
            else:
                q = sn / s
                if hist:
                    rr = math.log(sig[i - 1] / s) / math.log(s / sn)
                    dd = (1 + 0.5 / rr) * d - (0.5 / rr) * hist[-1]
                else:
                    dd = d
                x = q * x + (1 - q) * dd
            hist = [d]
        elif name in ("dpmpp_2m_sde", "dpmpp_2m_sde_heun", "dpmpp_3m_sde"):
            if sn == 0:
                x = d
            else:
                h = math.log(s / sn)
                e2 = math.exp(-2 * h)
                xn = (sn / s) * math.exp(-h) * x + (1 - e2) * d
                hs = [hh for hh, _ in hist]
                ds = [dd for _, dd in hist]
                if name == "dpmpp_3m_sde" and len(hist) >= 2:
                    r0, r1 = hs[-1] / h, hs[-2] / h
                    a0, a1 = (d - ds[-1]) / r0, (ds[-1] - ds[-2]) / r1
                    p2 = (e2 - 1) / (2 * h) + 1
                    p3 = p2 / (2 * h) - 0.5
                    xn = xn + p2 * (a0 + (a0 - a1) * r0 / (r0 + r1)) - p3 * (a0 - a1) / (r0 + r1)
                elif hist:
                    r = hs[-1] / h
                    if name == "dpmpp_2m_sde":
                        c = 0.5 * (1 - e2)
                    else:  # heun and 3m's second-order start use phi_2
                        c = (e2 - 1) / (2 * h) + 1
                    xn = xn + c / r * (d - ds[-1])
                x = xn + noise(s, sn) * (sn * math.sqrt(1 - e2))
                hist.append((h, d))
    return x


NAMES = ["euler", "euler_ancestral", "heun", "dpm_2", "dpm_2_ancestral", "lms", "dpmpp_2s_ancestral",
         "dpmpp_sde", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_2m_sde_heun", "dpmpp_3m_sde", "ddpm", "lcm", "ddim"]
BROWNIAN = {"dpmpp_sde", "dpmpp_2m_sde", "dpmpp_2m_sde_heun", "dpmpp_3m_sde"}


def samplers():
    ms = MS()
    sig = [float(np.float32(v)) for v in sched_karras(float(ms.sig[0]), float(ms.sig[-1]), 6)]
    seed = 1234
    init = torch.randn(SHAPE, generator=torch.Generator().manual_seed(seed))
    x0 = init * math.sqrt(1 + sig[0] ** 2)
    out = {"shape": SHAPE, "seed": seed, "sigmas": sig, "init_noise": init.flatten().tolist()}
    for name in NAMES:
        if name in BROWNIAN:
            pos = [v for v in sig if v > 0]
            noise = Bridge(seed, float(np.float32(min(pos))), float(np.float32(max(sig))))
        else:
            noise = Stream(seed + 1)
        out[name] = run(name, x0.clone(), sig, noise).flatten().tolist()
    return out


# ---------------------------------------------------------------- Philox (numpy, uint64 arithmetic)
def philox_randn(seed, offset, n):
    M0, M1, W0, W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85
    mask = (1 << 32) - 1
    c0 = np.full(n, offset, dtype=np.uint64)
    c1 = np.zeros(n, dtype=np.uint64)
    c2 = np.arange(n, dtype=np.uint64)
    c3 = np.zeros(n, dtype=np.uint64)
    k0, k1 = seed & mask, (seed >> 32) & mask
    for _ in range(10):
        p0 = c0 * np.uint64(M0)
        p1 = c2 * np.uint64(M1)
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)) ^ c1 ^ np.uint64(k0), p1 & np.uint64(mask),
                          (p0 >> np.uint64(32)) ^ c3 ^ np.uint64(k1), p0 & np.uint64(mask))
        k0, k1 = (k0 + W0) & mask, (k1 + W1) & mask
    c = float(np.float32(2.3283064e-10))
    c2p = float(np.float32(2.3283064e-10 * 6.2831855))
    u = c0.astype(np.float64) * c + float(np.float32(c) / np.float32(2))
    v = c1.astype(np.float64) * c2p + float(np.float32(c2p) / np.float32(2))
    return (np.sqrt(-2 * np.log(u)) * np.sin(v)).astype(np.float32)


def noise():
    out = {}
    g = torch.Generator().manual_seed(0)
    out["randn_seed0_1x4x3x5"] = torch.randn([1, 4, 3, 5], generator=g).flatten().tolist()
    g = torch.Generator().manual_seed(5)
    out["stream_seed5_1x4x3x5_x3"] = [torch.randn([1, 4, 3, 5], generator=g).flatten().tolist() for _ in range(3)]
    # prepare_noise with batch_index [2, 0]: draws for 0, 1, 2 of [1, ...], pick 2 then 0
    g = torch.Generator().manual_seed(77)
    d = [torch.randn([1, 4, 2, 2], generator=g) for _ in range(3)]
    out["prepare_seed77_idx2_0"] = torch.cat([d[2], d[0]]).flatten().tolist()
    out["philox_seed0_off0_12"] = philox_randn(0, 0, 12).tolist()
    out["philox_seed12345678901_off1_20"] = philox_randn(12345678901, 1, 20).tolist()
    return out


def main(outdir):
    with open(os.path.join(outdir, "samplers.json"), "w") as f:
        json.dump(samplers(), f)
    with open(os.path.join(outdir, "noise.json"), "w") as f:
        json.dump(noise(), f, indent=1)
