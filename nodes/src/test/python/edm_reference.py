"""Independent reference values for the continuous noise schedules (EDM, continuous V, Cosmos rectified flow), their
denoiser scalings, every KSampler scheduler on them, percent_to_sigma, and short guided sampling runs of an EDM v-prediction model.

Written in torch (float32, as the published implementations compute) from the formulas, not from Noodle's code:
- EDM (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models", Table 1):
  c_in = 1/sqrt(sigma^2 + sd^2), c_noise = ln(sigma)/4, and for the F-prediction ("edm")
  D = x*sd^2/(sigma^2+sd^2) + F*sigma*sd/sqrt(sigma^2+sd^2); v-prediction flips the sign of the second term, eps is
  D = x - sigma*eps. CosXL files are v-prediction on this schedule with sd = 1 between the file's sigma_min/max.
- the continuous-V schedule: timestep = atan(sigma)*2/pi, sigma = tan(t*pi/2);
- Cosmos rectified flow on sigma: s = sigma/(sigma+1), input x*(1-s), D = x*(1-s) - out*s, t = s;
- the sigma table the table-reading schedulers use: exp(linspace(ln sigma_min, ln sigma_max, 1000)).
Schedulers: "normal"/"sgm_uniform" are linear in the schedule's own timestep from t(sigma_max) to t(sigma_min);
"simple", "ddim_uniform" and "beta" pick table entries (beta at Beta(0.6, 0.6) quantiles, via mpmath's regularised
incomplete beta); karras (eq. 5, rho 7), exponential, kl_optimal (Align Your Steps) and linear_quadratic use
sigma_min/sigma_max. Samplers: Euler (Karras Algorithm 2 without churn) and DPM-Solver++(2M) (Lu et al. 2022).

Writes nodes/src/test/resources/dev/noodle/engine/sampling/edm.json.
Usage (Debian python3-torch):
    /usr/bin/python3 nodes/src/test/python/edm_reference.py
"""
import json
import math
import os

import mpmath
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "sampling")
STEPS = [1, 2, 4, 7, 20]
PERCENTS = [0.0, 0.1, 0.5, 0.8, 1.0]


class Continuous:
    def __init__(self, kind, smin, smax):
        self.kind = kind
        self.smax_arg = smax
        self.sigmas = torch.linspace(math.log(smin), math.log(smax), 1000, dtype=torch.float32).exp()

    @property
    def sigma_min(self):
        return self.sigmas[0]

    @property
    def sigma_max(self):
        return self.sigmas[-1]

    def timestep(self, s):
        s = torch.as_tensor(s, dtype=torch.float32)
        if self.kind == "edm":
            return 0.25 * s.log()
        if self.kind == "v":
            return s.atan() / math.pi * 2
        return s / (s + 1)

    def percent_to_sigma(self, p):
        if p <= 0.0:
            return 999999999.9
        if p >= 1.0:
            return 0.0
        lo = math.log(float(self.sigma_min))
        return math.exp((math.log(float(self.sigma_max)) - lo) * (1.0 - p) + lo)

    def sigma(self, t):
        t = torch.as_tensor(t, dtype=torch.float32)
        if self.kind == "edm":
            return (t / 0.25).exp()
        if self.kind == "v":
            return (t * math.pi / 2).tan()
        mx = self.sigma_max
        if t >= mx / (mx + 1):
            return mx
        return t / (1 - t)


def fl(xs):
    return [float(x) for x in xs]


def normal(ms, n, sgm=False):
    start = ms.timestep(ms.sigma_max)
    end = ms.timestep(ms.sigma_min)
    if sgm:
        ts = torch.linspace(float(start), float(end), n + 1)[:-1]
    else:
        ts = torch.linspace(float(start), float(end), n)
    return [float(ms.sigma(t)) for t in ts] + [0.0]


def simple(ms, n):
    ss = len(ms.sigmas) / n
    return [float(ms.sigmas[-(1 + int(x * ss))]) for x in range(n)] + [0.0]


def ddim_uniform(ms, n):
    ss = max(len(ms.sigmas) // n, 1)
    out = [0.0] + [float(ms.sigmas[x]) for x in range(1, len(ms.sigmas), ss)]
    return out[::-1]


def beta_ppf(p, a, b):
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    lo, hi = mpmath.mpf(0), mpmath.mpf(1)
    for _ in range(80):
        mid = (lo + hi) / 2
        if mpmath.betainc(a, b, 0, mid, regularized=True) < p:
            lo = mid
        else:
            hi = mid
    return float((lo + hi) / 2)


def beta(ms, n, a=0.6, b=0.6):
    total = len(ms.sigmas) - 1
    out, last = [], None
    for i in range(n):
        t = round(beta_ppf(1.0 - i * (1.0 / n), a, b) * total)  # Python's round: half to even, as rint
        if t != last:
            out.append(float(ms.sigmas[int(t)]))
        last = t
    return out + [0.0]


def karras(ms, n, rho=7.0):
    lo, hi = float(ms.sigma_min), float(ms.sigma_max)
    ramp = torch.linspace(0, 1, n)
    a = hi ** (1 / rho)
    b = lo ** (1 / rho)
    return fl((a + ramp * (b - a)) ** rho) + [0.0]


def exponential(ms, n):
    lo, hi = float(ms.sigma_min), float(ms.sigma_max)
    return fl(torch.linspace(math.log(hi), math.log(lo), n).exp()) + [0.0]


def kl_optimal(ms, n):
    lo, hi = float(ms.sigma_min), float(ms.sigma_max)
    w = torch.zeros(1) if n == 1 else torch.arange(n, dtype=torch.float32) / (n - 1)
    return fl(torch.tan(w * math.atan(lo) + (1 - w) * math.atan(hi))) + [0.0]


def linear_quadratic(ms, n, thr=0.025):
    if n == 1:
        s = [0.0, 1.0]
    else:
        m = n // 2
        q = n - m
        a = (m - thr * n) / (m * q * q)
        bb = thr / m - 2 * (m - thr * n) / (q * q)
        c = a * m * m
        s = [thr * i / m for i in range(m)] + [a * i * i + bb * i + c for i in range(m, n)] + [1.0]
    return fl(torch.tensor([1.0 - x for x in s], dtype=torch.float32) * ms.sigma_max)


SCHEDULERS = {
    "simple": simple,
    "sgm_uniform": lambda ms, n: normal(ms, n, True),
    "karras": karras,
    "exponential": exponential,
    "ddim_uniform": ddim_uniform,
    "beta": beta,
    "normal": normal,
    "linear_quadratic": linear_quadratic,
    "kl_optimal": kl_optimal,
}


def c_in(pred, kind, sigma, x, sd):
    if pred == "img_to_img":
        return x
    if kind == "cosmos":
        return x * (1 - sigma / (sigma + 1))
    return x / (sigma * sigma + sd * sd) ** 0.5


def denoised(pred, sigma, out, x, sd):
    if pred == "eps":
        return x - out * sigma
    if pred == "v":
        return x * sd ** 2 / (sigma ** 2 + sd ** 2) - out * sigma * sd / (sigma ** 2 + sd ** 2) ** 0.5
    if pred == "edm":
        return x * sd ** 2 / (sigma ** 2 + sd ** 2) + out * sigma * sd / (sigma ** 2 + sd ** 2) ** 0.5
    if pred in ("x0", "img_to_img"):
        return out
    s = sigma / (sigma + 1)
    return x * (1 - s) - out * s


# a toy network: out = k * tanh(x_in) + 0.05 * t * x_in, with k the chunk's conditioning value
def net(x_in, t, k):
    return k * torch.tanh(x_in) + 0.05 * t * x_in


def guided(ms, pred, sd, x, sigma, cfg, kpos, kneg):
    sig = torch.tensor(sigma, dtype=torch.float32)
    xi = c_in(pred, ms.kind, sig, x, sd)
    t = ms.timestep(sig)
    cond = denoised(pred, sig, net(xi, t, kpos), x, sd)
    uncond = denoised(pred, sig, net(xi, t, kneg), x, sd)
    return uncond + (cond - uncond) * cfg


def euler(model, x, sigmas):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        d = (x - den) / sigmas[i]
        x = x + d * (sigmas[i + 1] - sigmas[i])
    return x


def dpmpp_2m(model, x, sigmas):
    old = None
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        s, sn = sigmas[i], sigmas[i + 1]
        t, tn = -math.log(s), (-math.log(sn) if sn > 0 else math.inf)
        h = tn - t
        if old is None or sn == 0:
            x = (sn / s) * x - math.expm1(-h) * den
        else:
            r = (t + math.log(sigmas[i - 1])) / h
            dd = (1 + 1 / (2 * r)) * den - (1 / (2 * r)) * old
            x = (sn / s) * x - math.expm1(-h) * dd
        old = den
    return x


def main():
    configs = {
        "edm_v": (Continuous("edm", 0.002, 120.0), "v", 1.0),
        "edm_edm": (Continuous("edm", 0.002, 80.0), "edm", 0.5),
        "cont_v": (Continuous("v", 0.03, 500.0), "v", 1.0),
        "cosmos": (Continuous("cosmos", 0.002, 80.0), "cosmos", 1.0),
    }
    probes_sigma = [0.002, 0.0291, 0.5, 1.0, 3.7, 14.6, 80.0, 120.0]
    probes_t = [-1.5, -0.2, 0.0, 0.3, 0.6, 0.9]
    data = {"probes_sigma": probes_sigma, "probes_t": probes_t, "steps": STEPS, "percents": PERCENTS,
            "configs": {}}
    for name, (ms, pred, sd) in configs.items():
        c = {
            "table_at": {str(i): float(ms.sigmas[i]) for i in (0, 1, 2, 499, 500, 998, 999)},
            "timestep": [float(ms.timestep(s)) for s in probes_sigma],
            "sigma": [float(ms.sigma(t)) for t in probes_t if not (ms.kind == "cosmos" and t < 0)],
            "schedules": {k: {str(n): f(ms, n) for n in STEPS} for k, f in SCHEDULERS.items()},
            "percent_to_sigma": [ms.percent_to_sigma(p) for p in PERCENTS],
        }
        data["configs"][name] = c

    # scalings: x, out, sigma grid per (prediction, schedule, sigma_data)
    g = torch.Generator().manual_seed(13)
    x = torch.randn(8, generator=g)
    out = torch.randn(8, generator=g)
    sc = {}
    for key, (pred, kind, sd) in {
        "eps": ("eps", "edm", 1.0),
        "v": ("v", "edm", 1.0),
        "edm": ("edm", "edm", 0.5),
        "x0": ("x0", "edm", 1.0),
        "img_to_img": ("img_to_img", "discrete", 1.0),
        "cosmos": ("cosmos", "cosmos", 1.0),
    }.items():
        rows = []
        for s in (0.05, 1.3, 40.0):
            st = torch.tensor(s)
            rows.append({"sigma": s, "input": fl(c_in(pred, kind, st, x, sd)),
                         "denoised": fl(denoised(pred, st, out, x, sd))})
        sc[key] = rows
    data["scalings"] = {"x": fl(x), "out": fl(out), "cases": sc}

    # guided sampling runs on [1, 4, 4, 4]
    noise = torch.randn(1, 4, 4, 4, generator=g)
    runs = {}
    for key, cfgname, sched, steps, sampler in [
        ("cosxl_euler_karras", "edm_v", "karras", 8, euler),
        ("cosxl_dpmpp_2m_normal", "edm_v", "normal", 6, dpmpp_2m),
        ("contv_euler_simple", "cont_v", "simple", 5, euler),
        ("edm_euler_exponential", "edm_edm", "exponential", 5, euler),
    ]:
        ms, pred, sd = configs[cfgname]
        sigmas = SCHEDULERS[sched](ms, steps)
        x0 = noise * math.sqrt(1.0 + sigmas[0] ** 2)  # full denoise: max_denoise noise scaling
        model = lambda xx, s: guided(ms, pred, sd, xx, s, 3.0, 0.9, 0.4)
        res = sampler(model, x0, sigmas)
        runs[key] = {"config": cfgname, "scheduler": sched, "steps": steps, "sigmas": sigmas,
                     "result": fl(res.flatten())}
    data["runs"] = {"noise": fl(noise.flatten()), "cfg": 3.0, "k_pos": 0.9, "k_neg": 0.4, "cases": runs}

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "edm.json"), "w") as f:
        json.dump(data, f, indent=1)
    print("wrote", os.path.join(OUT, "edm.json"))


if __name__ == "__main__":
    main()
