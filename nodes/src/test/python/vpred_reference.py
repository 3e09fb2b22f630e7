#!/usr/bin/python3
"""Reference numbers for v-prediction denoising (SD 2.x 768-v), written independently of the Java code.

Schedule: 1000 DDPM steps, betas scaled-linear 0.00085..0.012 (linspace in sqrt space, squared), alphas_cumprod,
sigma_t = sqrt((1 - abar_t) / abar_t). A UNet call at sigma takes x * c_in with c_in = 1/sqrt(sigma^2 + 1) and the
timestep of the nearest log-sigma (ComfyUI ModelSamplingDiscrete.timestep); v-prediction (Salimans & Ho 2022, as
ComfyUI V_PREDICTION / k-diffusion VDenoiser with sigma_data = 1): denoised = x * c_skip + out * c_out,
c_skip = 1/(sigma^2 + 1), c_out = -sigma/sqrt(sigma^2 + 1).

Writes nodes/src/test/resources/vpred/vpred.json with, for a few sigmas of the 4-step normal schedule, the
timestep, c_in, c_skip, c_out and the denoised value of a fixed x and model output.
Run: /usr/bin/python3 nodes/src/test/python/vpred_reference.py
"""
import json
import os

import torch

betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
abar = torch.cumprod(1.0 - betas, dim=0)
sigmas = ((1 - abar) / abar) ** 0.5
log_sigmas = sigmas.log()

# the "normal" schedule at 4 steps: t from 999 to 0 in 4 steps, sigma(t) by log-linear interpolation
ts = torch.linspace(999, 0, 4, dtype=torch.float64)
def sigma_of(t):
    lo = int(t.floor()); hi = min(lo + 1, 999); w = float(t - lo)
    return float(((1 - w) * log_sigmas[lo] + w * log_sigmas[hi]).exp())
schedule = [sigma_of(t) for t in ts]

x = torch.tensor([0.5, -1.25, 2.0, 0.125], dtype=torch.float64)
out = torch.tensor([-0.75, 0.3, 1.5, -2.0], dtype=torch.float64)
rows = []
for s in schedule:
    t = int((log_sigmas - torch.tensor(s, dtype=torch.float64).log()).abs().argmin())
    c_in = 1 / (s * s + 1) ** 0.5
    c_skip = 1 / (s * s + 1)
    c_out = -s / (s * s + 1) ** 0.5
    rows.append({"sigma": s, "timestep": t, "c_in": c_in, "c_skip": c_skip, "c_out": c_out,
                 "denoised": (x * c_skip + out * c_out).tolist()})
here = os.path.dirname(os.path.abspath(__file__))
dst = os.path.join(here, "..", "resources", "vpred", "vpred.json")
with open(dst, "w") as f:
    json.dump({"x": x.tolist(), "model_output": out.tolist(), "steps": rows}, f, indent=1)
print(dst)
