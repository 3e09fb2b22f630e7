"""Independent reference values for the LCM (consistency-model) schedule and denoiser (numpy only).

Written from the LCM paper's parameterisation (Luo et al. 2023: c_skip = s_d^2/((10t)^2+s_d^2),
c_out = 10t/sqrt((10t)^2+s_d^2), s_d = 0.5, x0 from the eps prediction) and the 50-of-1000 timestep
subset LCM was distilled on (timesteps 19, 39, ..., 999). Writes lcm.json beside the other sampling
fixtures. Usage: python3 nodes/src/test/python/lcm_reference.py
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "sampling")

betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=np.float64) ** 2
alphas_cumprod = np.cumprod(1.0 - betas)
sigmas = np.sqrt((1 - alphas_cumprod) / alphas_cumprod).astype(np.float32)
kept_t = np.arange(19, 1000, 20)  # the 50 distilled timesteps
kept = sigmas[kept_t]
log_kept = np.log(kept.astype(np.float64)).astype(np.float32)


def timestep(sigma):
    return int(kept_t[np.argmin(np.abs(np.float32(np.log(np.float32(sigma))) - log_kept))])


def sigma_of(t):
    e = min(max((t - 19) / 20.0, 0.0), 49.0)
    lo, hi = int(np.floor(e)), int(np.ceil(e))
    w = e - lo
    return float(np.exp((1 - w) * log_kept[lo] + w * log_kept[hi]))


def denoised(sigma, out, x):
    t = timestep(sigma) * 10.0
    c_skip = 0.25 / (t * t + 0.25)
    c_out = t / np.sqrt(t * t + 0.25)
    return c_out * (x - sigma * out) + c_skip * x


rng = np.random.default_rng(3)
x = rng.standard_normal(8).astype(np.float32)
out = rng.standard_normal(8).astype(np.float32)
probe_sigmas = [14.6146, 3.0, 0.5, 0.05, 0.0292]
probe_t = [0.0, 19.0, 29.0, 500.0, 999.0, 1200.0]
ref = {
    "kept_every_10": [float(v) for v in kept[::10]],
    "sigma_min": float(kept[0]),
    "sigma_max": float(kept[-1]),
    "probe_sigmas": probe_sigmas,
    "timesteps": [timestep(s) for s in probe_sigmas],
    "probe_t": probe_t,
    "sigmas_at_t": [sigma_of(t) for t in probe_t],
    "x": [float(v) for v in x],
    "out": [float(v) for v in out],
    "denoised": [[float(v) for v in denoised(np.float32(s), out, x)] for s in probe_sigmas],
}
with open(os.path.join(OUT, "lcm.json"), "w") as f:
    json.dump(ref, f, indent=1)
print(json.dumps(ref)[:400])
