"""Reference for ComfyUI's CFG++, RES ancestral, SEEDS, exponential Heun, ER-SDE and _gpu samplers.

Shares the toy problem of samplers.json (sigmas, starting noise, seed) and its torch CPU noise streams
(sampling_reference_samplers.Stream / Bridge). float32 tensors, float64 scalar coefficients. Each sampler is
re-stated from its paper, in the data-prediction / log-SNR form for alpha = 1 (eps and v models), with
lambda = -log(sigma):
  * CFG++ (Chung et al. 2024, arXiv 2406.08070): the guided estimate D_c is where a step lands, the noise it
    keeps is the unconditional one, eps_u = (x - D_u) / sigma. Euler: x' = D_c + sigma' eps_u; ancestral:
    sigma' -> sigma_down plus sigma_up z. DPM-Solver++(2S) / (2M) and RES multistep integrate D_u instead of
    D and add the guidance vector D_c - D_u (ComfyUI's forms). Gradient estimation: d = eps_u.
  * RES multistep (Zhang et al. 2023, arXiv 2308.02157) with eta = 1: the second-order exponential integrator
    between sigma_i and sigma_down, c2 measured from the previous step's sigma_down, plus sigma_up z.
  * SEEDS-2 / SEEDS-3 (Gonzalez et al. 2023, arXiv 2305.14267), eta = 1: stochastic exponential Runge-Kutta
    stages in lambda with one noise path carried across the stages; exp_heun_2_x0(_sde) is the r = 1, phi_2
    stage-2 method (Heun in lambda), eta 0 / 1.
  * ER-SDE-Solver-3 (Cui et al. 2023, arXiv 2309.06169) with noise scaler f(l) = l (e^(l^0.3) + 10), the
    stage-2/3 integrals by ComfyUI's 200-point Riemann rule (checked here against an exact quadrature).
  * the _gpu forms: the same Brownian noise and update as their CPU twins (ComfyUI on a CPU machine).
The guided toy: D_u = samplers.json's toy, D_cond a second analytic denoiser, D_c = D_u + 3 (D_cond - D_u).
Run with Debian's python3-torch: python3 sampling_reference_extra.py <resources dir>.
"""
import json
import math
import os
import sys

import numpy as np
import torch

from sampling_reference_samplers import Bridge, Stream, run as base_run, toy

SHAPE = [2, 4, 4, 4]
CFG = 3.0
AC = 0.5


def cond_toy(x, s):
    """Second analytic denoiser standing in for the positive prompt."""
    return x * (AC / (s * s + AC)) + torch.cos(x) * (0.1 * s / (1.0 + s))


def guided(x, s):
    """(D_c, D_u) of the guided toy."""
    u = toy(x, s)
    return u + (cond_toy(x, s) - u) * CFG, u


def plain(x, s):
    d = toy(x, s)
    return d, d


def anc(f, t):
    """k-diffusion ancestral split for eta = 1: (sigma_down, sigma_up)."""
    up = min(t, math.sqrt(t * t * (f * f - t * t) / (f * f)))
    return math.sqrt(t * t - up * up), up


# ------------------------------------------------------------------ CFG++

def euler_cfg_pp(x, sig, noise, ancestral):
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        dc, du = guided(x, s)
        if sn == 0:
            x = dc
            continue
        eps_u = (x - du) / s
        down, up = anc(s, sn) if ancestral else (sn, 0.0)
        x = dc + eps_u * down
        if ancestral:
            x = x + noise(s, sn) * up
    return x


def dpmpp_2s_ancestral_cfg_pp(x, sig, noise):
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        dc, du = guided(x, s)
        down, up = anc(s, sn)
        if down == 0:
            x = du  # x + (x - D_u)/s * (0 - s)
        else:
            # DPM-Solver++(2S) in lambda from s to sigma_down, stage at the lambda midpoint, on D_u
            lam, lam_n = -math.log(s), -math.log(down)
            h = lam_n - lam
            sm = math.exp(-(lam + h / 2))
            x2 = (sm / s) * x + (1 - math.exp(-h / 2)) * du
            _, du2 = guided(x2, sm)
            x = (down / s) * x + (1 - math.exp(-h)) * du2
        if sn > 0:
            x = x + noise(s, sn) * up
        x = x + (dc - du)
    return x


def dpmpp_2m_cfg_pp(x, sig):
    prev_u = None
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        dc, du = guided(x, s)
        if sn == 0:
            x = dc
        else:
            q = sn / s  # e^-h
            h = math.log(s / sn)
            x_new = dc + q * (x - du)
            if prev_u is not None:
                rr = math.log(sig[i - 1] / s) / h
                x_new = x_new + (1 - q) / (2 * rr) * (dc - prev_u)
            x = x_new
        prev_u = du
    return x


def res_multistep(x, sig, noise, ancestral, cfg_pp):
    """RES second-order multistep; phi_1(z) = (e^z - 1)/z, phi_2(z) = (phi_1(z) - 1)/z at z = -h."""
    den = guided if cfg_pp else plain
    prev, prev_down = None, None
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        dc, du = den(x, s)
        down, up = anc(s, sn) if ancestral else (sn, 0.0)
        if down == 0 or prev is None:
            if cfg_pp:
                x = dc + (x - du) / s * down
            else:
                x = x + (x - du) / s * (down - s)
        else:
            h = math.log(s / down)
            c2 = math.log(prev_down / sig[i - 1]) / h
            p1 = -math.expm1(-h) / h
            p2 = (p1 - 1) / -h
            b1 = p1 - p2 / c2
            b2 = p2 / c2
            if cfg_pp:
                x = x + (dc - du)
            x = math.exp(-h) * x + h * (b1 * du + b2 * prev)
        if ancestral and sn > 0:
            x = x + noise(s, sn) * up
        prev, prev_down = du, down
    return x


def gradient_estimation_cfg_pp(x, sig, gamma=2.0):
    prev = None
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        dc, du = guided(x, s)
        d = (x - du) / s
        x = dc + d * sn  # lands on D_c at sn = 0
        if prev is not None:
            x = x + (gamma - 1) * (d - prev) * (sn - s)
        prev = d
    return x


# ------------------------------------------------------------------ SEEDS / exponential Heun

def h_phi1(z):
    return math.expm1(z)


def h_phi2(z):
    return (math.expm1(z) - z) / z


def seeds_2(x, sig, noise, eta, r, phi2):
    """Two-stage exponential SRK in lambda with a noise path correlated across the stage."""
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        d = toy(x, s)
        if sn == 0:
            x = d
            continue
        h = math.log(s / sn)
        he = h * (1 + eta)
        s1 = math.exp(-(-math.log(s) + r * h))
        x2 = (s1 / s) * math.exp(-r * h * eta) * x - h_phi1(-r * he) * d
        if eta > 0:
            n = math.sqrt(-math.expm1(-2 * r * h * eta)) * noise(s, s1)
            x2 = x2 + n * s1
        d2 = toy(x2, s1)
        if phi2:
            b2 = h_phi2(-he) / r
            comb = (h_phi1(-he) - b2) * d + b2 * d2
        else:
            f = 1 / (2 * r)
            comb = h_phi1(-he) * ((1 - f) * d + f * d2)
        x = (sn / s) * math.exp(-h * eta) * x - comb
        if eta > 0:
            g = (r - 1) * h * eta
            n = n * math.exp(g) + math.sqrt(-math.expm1(2 * g)) * noise(s1, sn)
            x = x + n * sn
    return x


def seeds_3(x, sig, noise):
    r1, r2 = 1 / 3, 2 / 3
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        d = toy(x, s)
        if sn == 0:
            x = d
            continue
        h = math.log(s / sn)
        he = 2 * h
        s1 = math.exp(math.log(s) - r1 * h)
        s2 = math.exp(math.log(s) - r2 * h)
        n = math.sqrt(-math.expm1(-2 * r1 * h)) * noise(s, s1)
        x2 = (s1 / s) * math.exp(-r1 * h) * x - h_phi1(-r1 * he) * d + n * s1
        d2 = toy(x2, s1)
        a2 = r2 / r1 * h_phi2(-r2 * he)
        g = (r1 - r2) * h
        n = n * math.exp(g) + math.sqrt(-math.expm1(2 * g)) * noise(s1, s2)
        x3 = (s2 / s) * math.exp(-r2 * h) * x - ((h_phi1(-r2 * he) - a2) * d + a2 * d2) + n * s2
        d3 = toy(x3, s2)
        b3 = h_phi2(-he) / r2
        g = (r2 - 1) * h
        n = n * math.exp(g) + math.sqrt(-math.expm1(2 * g)) * noise(s2, sn)
        x = (sn / s) * math.exp(-h) * x - ((h_phi1(-he) - b3) * d + b3 * d3) + n * sn
    return x


# ------------------------------------------------------------------ ER-SDE

def f_er(l):
    return l * (np.exp(l ** 0.3) + 10.0)


def er_integrals(ls, lt, n=200):
    """Riemann sums of int_{lt}^{ls} 1/f and (l - ls)/f (ComfyUI's rule, signs as the solver uses them)."""
    step = (ls - lt) / n
    tau = lt + np.arange(n) * step
    return float(np.sum(1 / f_er(tau)) * step), float(np.sum((tau - ls) / f_er(tau)) * step)


def check_er_integrals(sig):
    for i in range(len(sig) - 2):
        ls, lt = sig[i], sig[i + 1]
        s1, s2 = er_integrals(ls, lt)
        fine = np.linspace(lt, ls, 200001)
        e1 = np.trapz(1 / f_er(fine), fine)
        e2 = np.trapz((fine - ls) / f_er(fine), fine)
        assert abs(s1 - e1) < 0.05 * abs(e1) + 1e-9, (s1, e1)
        assert abs(s2 - e2) < 0.05 * abs(e2) + 1e-9, (s2, e2)


def er_sde(x, sig, noise):
    """ER time lambda = sigma / alpha = sigma; first, second and third order terms in (D, D', D'')."""
    lam = sig
    hist_d, hist_dd = None, None
    for i in range(len(sig) - 1):
        ls, lt = lam[i], lam[i + 1]
        d = toy(x, sig[i])
        stage = min(3, i + 1)
        if lt == 0:
            x = d
        else:
            ratio = float(f_er(lt) / f_er(ls))
            x = ratio * x + (1 - ratio) * d
            if stage >= 2:
                s1, s2 = er_integrals(ls, lt)
                dl = lt - ls
                dd = (d - hist_d) / (ls - lam[i - 1])
                x = x + float(dl + s1 * f_er(lt)) * dd
                if stage >= 3:
                    ddd = (dd - hist_dd) / ((ls - lam[i - 2]) / 2)
                    x = x + float(dl * dl / 2 + s2 * f_er(lt)) * ddd
                hist_dd = dd
            var = lt * lt - ls * ls * ratio * ratio
            x = x + noise(sig[i], sig[i + 1]) * (math.sqrt(var) if var > 0 else 0.0)
        hist_d = d
    return x


class Counting:
    """A noise stream that must not be asked (deterministic samplers)."""

    def __call__(self, a, b):
        raise AssertionError("deterministic sampler drew noise")


def main(resources):
    with open(os.path.join(resources, "samplers.json")) as f:
        base = json.load(f)
    sig = base["sigmas"]
    seed = base["seed"]
    check_er_integrals(sig)
    init = torch.tensor(base["init_noise"], dtype=torch.float32).reshape(base["shape"])
    x0 = init * math.sqrt(1 + sig[0] ** 2)
    step = lambda: Stream(seed + 1)  # ComfyUI default_noise_sampler on the CPU: seed + 1
    none = Counting()
    out = {"source": "samplers.json", "sigmas": sig, "cfg": CFG,
           "euler_cfg_pp": euler_cfg_pp(x0.clone(), sig, none, False),
           "euler_ancestral_cfg_pp": euler_cfg_pp(x0.clone(), sig, step(), True),
           "dpmpp_2s_ancestral_cfg_pp": dpmpp_2s_ancestral_cfg_pp(x0.clone(), sig, step()),
           "dpmpp_2m_cfg_pp": dpmpp_2m_cfg_pp(x0.clone(), sig),
           "res_multistep_cfg_pp": res_multistep(x0.clone(), sig, none, False, True),
           "res_multistep_ancestral": res_multistep(x0.clone(), sig, step(), True, False),
           "res_multistep_ancestral_cfg_pp": res_multistep(x0.clone(), sig, step(), True, True),
           "gradient_estimation_cfg_pp": gradient_estimation_cfg_pp(x0.clone(), sig),
           "exp_heun_2_x0": seeds_2(x0.clone(), sig, none, 0.0, 1.0, True),
           "exp_heun_2_x0_sde": seeds_2(x0.clone(), sig, step(), 1.0, 1.0, True),
           "seeds_2": seeds_2(x0.clone(), sig, step(), 1.0, 0.5, False),
           "seeds_3": seeds_3(x0.clone(), sig, step()),
           "er_sde": er_sde(x0.clone(), sig, step())}
    pos = [v for v in sig if v > 0]
    for twin in ("dpmpp_sde", "dpmpp_2m_sde", "dpmpp_2m_sde_heun", "dpmpp_3m_sde"):
        bridge = Bridge(seed, float(np.float32(min(pos))), float(np.float32(max(sig))))
        out[twin + "_gpu"] = base_run(twin, x0.clone(), sig, bridge)
    for k, v in out.items():
        if isinstance(v, torch.Tensor):
            assert torch.isfinite(v).all(), k
            out[k] = v.flatten().tolist()
    with open(os.path.join(resources, "samplers_extra.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../resources/dev/noodle/engine/sampling")
