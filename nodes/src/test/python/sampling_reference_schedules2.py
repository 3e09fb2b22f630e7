"""Independent reference values for the beta / linear_quadratic / kl_optimal schedulers and the custom-sampling
scheduler and sigma nodes (numpy + scipy only).

Written from the published formulas and ComfyUI's documented node rules (Beta sampling: Lee et al. 2024 with scipy's
Beta quantile; the Mochi linear-quadratic schedule; the KL-optimal schedule of Align Your Steps; k-diffusion's
polyexponential, VP and Laplace schedules; SD-Turbo's fixed timesteps; the Align Your Steps tables with log-linear
interpolation), not copied from ComfyUI. Writes nodes/src/test/resources/dev/noodle/engine/sampling/schedules2.json.
Usage:
    python3 nodes/src/test/python/sampling_reference_schedules2.py
"""
import json
import math
import os

import numpy as np
from scipy.stats import beta as beta_dist

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "sampling")
STEPS = [1, 2, 4, 7, 20]


def sd15_sigmas():
    """DDPM scaled-linear betas (0.00085 .. 0.012, 1000 steps) -> sigma_t = sqrt((1 - abar) / abar), float32."""
    b = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=np.float64) ** 2
    ac = np.cumprod(1.0 - b)
    return np.sqrt((1 - ac) / ac).astype(np.float32)


SIG = sd15_sigmas()
SMIN, SMAX = float(SIG[0]), float(SIG[-1])


def f32(xs):
    return [float(np.float32(x)) for x in xs]


def beta_sched(n, a=0.6, b=0.6):
    ts = 1.0 - np.arange(n) * (1.0 / n)
    ts = np.rint(beta_dist.ppf(ts, a, b) * 999)
    out, last = [], None
    for t in ts:
        if t != last:
            out.append(float(SIG[int(t)]))
        last = t
    return out + [0.0]


def linear_quadratic(n, thr=0.025):
    if n == 1:
        s = [0.0, 1.0]
    else:
        m = n // 2
        q = n - m
        # linear part: thr * i / m; quadratic a i^2 + b i + c with value thr at i = m, 1 at i = n, slope thr/m at m
        a = (m - thr * n) / (m * q * q)
        bb = thr / m - 2 * (m - thr * n) / (q * q)
        c = a * m * m
        s = [thr * i / m for i in range(m)] + [a * i * i + bb * i + c for i in range(m, n)] + [1.0]
    return [float(np.float32(1.0 - x) * np.float32(SMAX)) for x in s]


def kl_optimal(n, lo=SMIN, hi=SMAX):
    w = np.zeros(n) if n == 1 else np.arange(n) / (n - 1)
    return f32(np.tan(w * math.atan(lo) + (1 - w) * math.atan(hi))) + [0.0]


def karras(n, lo, hi, rho):
    r = np.linspace(0, 1, n)
    return f32((hi ** (1 / rho) + r * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho) + [0.0]


def exponential(n, lo, hi):
    return f32(np.exp(np.linspace(math.log(hi), math.log(lo), n))) + [0.0]


def polyexp(n, lo, hi, rho):
    r = np.linspace(1, 0, n) ** rho
    return f32(np.exp(r * (math.log(hi) - math.log(lo)) + math.log(lo))) + [0.0]


def vp(n, bd, bmin, eps):
    t = np.linspace(1, eps, n)
    return f32(np.sqrt(np.expm1(bd * t * t / 2 + bmin * t))) + [0.0]


def laplace(n, lo, hi, mu, b):
    x = np.linspace(0, 1, n)
    lmb = mu - b * np.sign(0.5 - x) * np.log(1 - 2 * np.abs(0.5 - x) + 1e-5)
    return f32(np.clip(np.exp(lmb), lo, hi))


def sd_turbo(n, denoise):
    start = 10 - int(10 * denoise)
    ts = [999 - 100 * k for k in range(10)][start:start + n]
    return [float(SIG[t]) for t in ts] + [0.0]


AYS = {
    "SD1": [14.6146412293, 6.4745760956, 3.8636745985, 2.6946151520, 1.8841921177, 1.3943805092, 0.9642583904,
            0.6523686016, 0.3977456272, 0.1515232662, 0.0291671582],
    "SDXL": [14.6146412293, 6.3184485287, 3.7681790315, 2.1811480769, 1.3405244945, 0.8620721141, 0.5550693289,
             0.3798540708, 0.2332364134, 0.1114188177, 0.0291671582],
    "SVD": [700.00, 54.5, 15.886, 7.977, 4.248, 1.789, 0.981, 0.403, 0.173, 0.034, 0.002],
}


def ays(kind, n, denoise):
    if denoise <= 0:
        return []
    total = n if denoise >= 1 else int(round(n * denoise))
    table = np.array(AYS[kind], dtype=np.float64)
    if n + 1 != len(table):
        # log-linear interpolation over an even grid, as the Align Your Steps how-to describes
        xs = np.linspace(0, 1, len(table))
        ys = np.log(table[::-1])
        table = np.exp(np.interp(np.linspace(0, 1, n + 1), xs, ys))[::-1]
    out = list(table[-(total + 1):])
    out[-1] = 0.0
    return f32(out)


def main():
    out = {}
    for n in STEPS:
        out[f"beta_{n}"] = beta_sched(n)
        out[f"linear_quadratic_{n}"] = linear_quadratic(n)
        out[f"kl_optimal_{n}"] = kl_optimal(n)
        out[f"beta_a2_b0.5_{n}"] = beta_sched(n, 2.0, 0.5)
        out[f"karras_node_{n}"] = karras(n, 0.0291675, 14.614642, 7.0)
        out[f"karras_rho3_{n}"] = karras(n, 0.1, 10.0, 3.0)
        out[f"exponential_node_{n}"] = exponential(n, 0.0291675, 14.614642)
        out[f"polyexponential_{n}"] = polyexp(n, 0.0291675, 14.614642, 1.0)
        out[f"polyexponential_rho2.5_{n}"] = polyexp(n, 0.05, 20.0, 2.5)
        out[f"vp_{n}"] = vp(n, 19.9, 0.1, 0.001)
        out[f"laplace_{n}"] = laplace(n, 0.0291675, 14.614642, 0.0, 0.5)
        out[f"laplace_mu1_b2_{n}"] = laplace(n, 0.0291675, 14.614642, 1.0, 2.0)
        for kind in AYS:
            out[f"ays_{kind}_{n}"] = ays(kind, n, 1.0)
            out[f"ays_{kind}_{n}_d0.6"] = ays(kind, n, 0.6)
    for n in range(1, 11):
        for d in (1.0, 0.5, 0.3):
            out[f"sd_turbo_{n}_d{d}"] = sd_turbo(n, d)
    # BasicScheduler's denoise rule: int(steps / denoise) steps, keep the last steps + 1
    for n, d in ((4, 0.6), (10, 0.5), (3, 0.35)):
        total = n if d >= 1 else int(n / d)
        out[f"basic_beta_{n}_d{d}"] = beta_sched(total)[-(n + 1):]
        out[f"basic_kl_optimal_{n}_d{d}"] = kl_optimal(total)[-(n + 1):]
        out[f"basic_linear_quadratic_{n}_d{d}"] = linear_quadratic(total)[-(n + 1):]
    # list rules on a 7-step beta schedule (Python slicing)
    src = beta_sched(7)
    out["list_src"] = src
    for step in (0, 3, 7, 20):
        out[f"split_{step}_high"] = src[:step + 1]
        out[f"split_{step}_low"] = src[step:]
    for d in (0.0, 0.5, 0.7, 1.0):
        total = round((len(src) - 1) * d)
        out[f"split_denoise_{d}_high"] = src[:-total] if total else []
        out[f"split_denoise_{d}_low"] = src[-(total + 1):]
    flipped = src[::-1]
    flipped[0] = float(np.float32(0.0001)) if flipped[0] == 0 else flipped[0]
    out["flip"] = flipped
    out["beta_ppf_probes"] = [0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999]
    out["beta_ppf_0.6"] = [float(beta_dist.ppf(p, 0.6, 0.6)) for p in out["beta_ppf_probes"]]
    out["beta_ppf_2_0.5"] = [float(beta_dist.ppf(p, 2.0, 0.5)) for p in out["beta_ppf_probes"]]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "schedules2.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
