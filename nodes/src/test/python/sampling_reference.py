"""Independent reference values for dev.noodle.engine.sampling (run with /usr/bin/python3, torch 1.13).

Written from the published formulas (DDPM scaled-linear betas, Karras et al. 2022, DPM-Solver++,
ComfyUI's documented scheduler rules), not copied from k-diffusion/ComfyUI. Writes JSON fixtures to
nodes/src/test/resources/dev/noodle/engine/sampling/. Usage:
    /usr/bin/python3 nodes/src/test/python/sampling_reference.py
"""
import json
import math
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "sampling")


# ---------------------------------------------------------------- schedule (numpy float64 + float32)
def sd_sigmas(zsnr=False):
    b = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=np.float64) ** 2
    ac = np.cumprod(1.0 - b)
    s = np.sqrt((1 - ac) / ac)
    if zsnr:
        a = np.sqrt(1.0 / (s * s + 1.0))
        a0, aT = a[0], a[-1]
        a = (a - aT) * (a0 / (a0 - aT))
        ab = a * a
        ab[-1] = 4.8973451890853435e-08
        s = np.sqrt((1 - ab) / ab)
    return s.astype(np.float32), np.log(s).astype(np.float32)


class MS:
    def __init__(self, zsnr=False, v=False):
        self.sig, self.log = sd_sigmas(zsnr)
        self.v = v

    def t_of(self, sigma):
        d = np.abs(np.float32(np.log(np.float32(sigma))) - self.log)
        return int(np.argmin(d))

    def s_of(self, t):
        t = np.float32(min(max(t, 0.0), 999.0))
        lo, hi = int(math.floor(t)), int(math.ceil(t))
        w = np.float32(t - np.float32(lo))
        return float(np.exp(np.float32((np.float32(1) - w) * self.log[lo] + w * self.log[hi])))


def sched_normal(ms, n, sgm=False):
    a, b = ms.t_of(ms.sig[-1]), ms.t_of(ms.sig[0])
    ts = torch.linspace(a, b, n + 1)[:-1] if sgm else torch.linspace(a, b, n)
    return [ms.s_of(float(t)) for t in ts] + [0.0]


def sched_karras(lo, hi, n, rho=7.0):
    r = np.linspace(0, 1, n)
    return [float(x) for x in (hi ** (1 / rho) + r * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho] + [0.0]


def sched_exp(lo, hi, n):
    return [float(x) for x in np.exp(np.linspace(math.log(hi), math.log(lo), n))] + [0.0]


def sched_simple(ms, n):
    step = 1000 / n
    return [float(ms.sig[999 - int(i * step)]) for i in range(n)] + [0.0]


def sched_ddim(ms, n):
    k = max(1000 // n, 1)
    return [float(ms.sig[t]) for t in range(1, 1000, k)][::-1] + [0.0]


def schedules():
    out = {}
    ms = MS()
    lo, hi = float(ms.sig[0]), float(ms.sig[-1])
    out["sd15_sigma_min"] = lo
    out["sd15_sigma_max"] = hi
    out["sd15_sigmas_every_100"] = [float(ms.sig[i]) for i in range(0, 1000, 100)]
    zs = MS(zsnr=True)
    out["zsnr_sigmas_every_100"] = [float(zs.sig[i]) for i in range(0, 1000, 100)] + [float(zs.sig[999])]
    probes = [14.6146, 7.0, 3.3, 1.0, 0.5, 0.1, 0.03, 0.0292, 20.0, 0.001]
    out["timestep_probes"] = probes
    out["timestep_expected"] = [ms.t_of(p) for p in probes]
    tprobes = [0.0, 0.5, 10.25, 500.0, 998.75, 999.0, 1200.0, -3.0]
    out["sigma_probes"] = tprobes
    out["sigma_expected"] = [ms.s_of(t) for t in tprobes]
    for n in (1, 4, 7, 20):
        out[f"normal_{n}"] = sched_normal(ms, n)
        out[f"sgm_uniform_{n}"] = sched_normal(ms, n, sgm=True)
        out[f"karras_{n}"] = sched_karras(lo, hi, n)
        out[f"exponential_{n}"] = sched_exp(lo, hi, n)
        out[f"simple_{n}"] = sched_simple(ms, n)
        out[f"ddim_uniform_{n}"] = sched_ddim(ms, n)
    return out


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "schedules.json"), "w") as f:
        json.dump(schedules(), f, indent=1)
    import sampling_reference_samplers  # noqa: E402  (second part: samplers and noise)
    sampling_reference_samplers.main(OUT)
