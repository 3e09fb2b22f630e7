"""Reference for dpm_adaptive, SA-Solver and the Sampler* option nodes' settings, on samplers.json's toy problem.

Own re-statements of the published rules (torch 1.13 float32 tensors, Python-float scalar coefficients):
  * DPM-Solver-12/23 with adaptive step size (Lu et al. 2022, arXiv 2206.00927, Sec. 3.3 / Algorithm 5):
    DPM-Solver-1/2/3 steps in t = -log sigma, embedded error ||(x_low - x_high) / delta||_2 / sqrt(n),
    delta = max(atol, rtol * max(|x_low|, |x_prev|)), PID step-size control with an arctan limiter,
    from sigma_0 to the smallest positive sigma (ComfyUI's wrapper).
  * SA-Solver (Xue et al. 2023, arXiv 2309.05019): stochastic Adams predictor / corrector in lambda = -log sigma,
    data prediction; the b coefficients are computed here by Gauss-Legendre quadrature of
    alpha_t (1 + tau^2) * integral of exp((1 + tau^2)(lambda - lambda_t)) l_k(lambda) over [lambda_s, lambda_t]
    (Lagrange basis l_k), not by the closed form the Java code uses; tau = eta inside
    [percent_to_sigma(0.8), percent_to_sigma(0.2)] of the SD schedule (ComfyUI's default interval).
  * eta / s_noise / r / solver_type / order variants of the ancestral and DPM-Solver++ SDE samplers
    (k-diffusion's get_ancestral_step with eta; DPM-Solver++(2M/3M) SDE with h_eta = (1 + eta) h), and of
    Euler ancestral CFG++ (Chung et al. 2024) on sampling_reference_extra's guided toy, and SEEDS-2 (Gonzalez et al.
    2023, arXiv 2305.14267) with its eta, s_noise, stage position r and phi_1 / phi_2 second stage, and ER-SDE-Solver
    (Cui et al. 2023, arXiv 2309.06169) with its noise-scale function, max_stage and s_noise.
Noise: per-step torch.randn stream seeded with seed + 1; Brownian samplers use sampling_reference_samplers.Bridge.
Run: /usr/bin/python3 sampling_reference_options.py <resources dir>.
"""
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from sampling_reference import MS  # noqa: E402
from sampling_reference_samplers import SHAPE, Bridge, Stream, toy  # noqa: E402
from sampling_reference_extra import guided  # noqa: E402


def anc(f, t, eta):
    if eta == 0:
        return t, 0.0
    up = min(t, eta * math.sqrt(t * t * (f * f - t * t) / (f * f)))
    return math.sqrt(t * t - up * up), up


def slope(x, d, s):
    return (x - d) / s


# ------------------------------------------------------------------ dpm_adaptive
def dpm_adaptive(x, sig, noise, order=3, rtol=0.05, atol=0.0078, h_init=0.05, pcoeff=0.0, icoeff=1.0,
                 dcoeff=0.0, accept_safety=0.81, eta=0.0, s_noise=1.0):
    smax = sig[0]
    smin = sig[-1] if sig[-1] > 0 else sig[-2]
    t0, t1 = -math.log(smax), -math.log(smin)
    sg = lambda t: math.exp(-t)

    def eps(u, t):
        return (u - toy(u, sg(t))) / sg(t)

    k = 1.5 if eta > 0 else order
    b1, b2, b3 = (pcoeff + icoeff + dcoeff) / k, -(pcoeff + 2 * dcoeff) / k, dcoeff / k
    h, errs, s, x_prev, calls = h_init, None, t0, x, 0
    while s < t1 - 1e-5:
        t = min(t1, s + h)
        if eta > 0:
            sd, _ = anc(sg(s), sg(t), eta)
            tt = min(t1, -math.log(sd))
            su = math.sqrt(sg(t) ** 2 - sg(tt) ** 2)
        else:
            tt, su = t, 0.0
        hh = tt - s
        e0 = eps(x, s)
        base = x - sg(tt) * math.expm1(hh) * e0
        if order == 2:
            u = x - sg(s + hh / 2) * math.expm1(hh / 2) * e0
            e1 = eps(u, s + hh / 2)
            low = base
            high = base - sg(tt) * math.expm1(hh) * (e1 - e0)  # sigma_t / (2 r1) with r1 = 1/2
            calls += 2
        else:
            r1, r2 = 1 / 3, 2 / 3
            u1 = x - sg(s + r1 * hh) * math.expm1(r1 * hh) * e0
            e1 = eps(u1, s + r1 * hh)
            low = base - sg(tt) / (2 * r1) * math.expm1(hh) * (e1 - e0)
            u2 = (x - sg(s + r2 * hh) * math.expm1(r2 * hh) * e0
                  - sg(s + r2 * hh) * (r2 / r1) * (math.expm1(r2 * hh) / (r2 * hh) - 1) * (e1 - e0))
            e2 = eps(u2, s + r2 * hh)
            high = base - sg(tt) / r2 * (math.expm1(hh) / hh - 1) * (e2 - e0)
            calls += 3
        delta = torch.maximum(torch.tensor(atol, dtype=torch.float32),
                              rtol * torch.maximum(low.abs(), x_prev.abs()))
        err = float(torch.linalg.norm((low - high) / delta)) / math.sqrt(low.numel())
        inv = 1 / (err + 1e-8)
        if errs is None:
            errs = [inv, inv, inv]
        errs[0] = inv
        f = errs[0] ** b1 * errs[1] ** b2 * errs[2] ** b3
        f = 1 + math.atan(f - 1)
        accept = f >= accept_safety
        if accept:
            errs[2], errs[1] = errs[1], errs[0]
        h *= f
        if accept:
            x_prev = low
            x = high
            if eta > 0:
                x = x + noise(sg(s), sg(t)) * (su * s_noise)
            s = t
    return x, calls


# ------------------------------------------------------------------ SA-Solver
GL_X, GL_W = np.polynomial.legendre.leggauss(40)


def sa_coeffs(sigma_next, nodes, ls, lt, tau, simple2, corrector):
    m = len(nodes)
    tm = 1 + tau * tau
    h = lt - ls
    alpha = sigma_next * math.exp(lt)
    if simple2 and m == 2:
        # Appendix D's simplified order-2 coefficients (older output first)
        if corrector:
            bn = alpha * 0.5 * tm * h
            bo = alpha * -math.expm1(-h * tm) - bn
        else:
            bo = alpha * 0.5 * tm * h * h / (nodes[0] - ls)
            bn = alpha * -math.expm1(-h * tm) - bo
        return [bo, bn]
    lam = 0.5 * (lt - ls) * GL_X + 0.5 * (lt + ls)
    wq = 0.5 * (lt - ls) * GL_W
    out = []
    for k in range(m):
        basis = np.ones_like(lam)
        for j in range(m):
            if j != k:
                basis = basis * (lam - nodes[j]) / (nodes[k] - nodes[j])
        out.append(alpha * tm * float(np.sum(wq * np.exp(tm * (lam - lt)) * basis)))
    return out


def sa_solver(x, sig, noise, start_sigma, end_sigma, eta=1.0, s_noise=1.0, p_order=3, c_order=4, pece=False,
              simple2=False):
    n = len(sig) - 1
    lam = [-math.log(s) if s > 0 else math.inf for s in sig]
    tau_of = lambda s: (eta if start_sigma >= s >= end_sigma else 0.0) if eta > 0 else 0.0
    max_order = max(p_order, c_order)
    x_pred, x_state, h, tau, z, preds, calls = x, None, 0.0, 0.0, None, [], 0
    lower = sig[-1] == 0
    for i in range(n):
        s, sn = sig[i], sig[i + 1]
        d = toy(x_pred, s)
        calls += 1
        preds = (preds + [d])[-max_order:]
        pu = min(p_order, len(preds))
        cu = 0 if i == 0 or (sn == 0 and not pece) else min(c_order, len(preds))
        if lower:
            pu = min(pu, n - 1 - i)
            cu = min(cu, n - i)
        if cu == 0:
            xc = x_pred
        else:
            b = sa_coeffs(s, lam[i - cu + 1:i + 1], lam[i - 1], lam[i], tau, simple2, True)
            xc = x_state * (s / sig[i - 1] * math.exp(-tau * tau * h))
            for bk, dk in zip(b, preds[-cu:]):
                xc = xc + dk * bk
            if tau > 0 and s_noise > 0:
                xc = xc + z
            if pece:
                d = toy(xc, s)
                calls += 1
                preds[-1] = d
        if sn == 0:
            x_pred = d
        else:
            tau = tau_of(sn)
            b = sa_coeffs(sn, lam[i - pu + 1:i + 1], lam[i], lam[i + 1], tau, simple2, False)
            h = lam[i + 1] - lam[i]
            x_pred = xc * (sn / s * math.exp(-tau * tau * h))
            for bk, dk in zip(b, preds[-pu:]):
                x_pred = x_pred + dk * bk
            if tau > 0 and s_noise > 0:
                z = noise(s, sn) * (sn * math.sqrt(-math.expm1(-2 * tau * tau * h)) * s_noise)
                x_pred = x_pred + z
        x_state = xc
    return x_pred, calls


# ------------------------------------------------------------------ option variants of existing samplers
def ancestral_family(name, x, sig, noise, eta, s_noise):
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        d = toy(x, s)
        dn, up = anc(s, sn, eta)
        if name == "euler_ancestral":
            x = d if dn == 0 else x + slope(x, d, s) * (dn - s) + noise(s, sn) * (s_noise * up)
        elif name == "dpm_2_ancestral":
            if dn == 0:
                x = x + slope(x, d, s) * (dn - s)
            else:
                m = math.sqrt(s * dn)
                xm = x + slope(x, d, s) * (m - s)
                x = x + slope(xm, toy(xm, m), m) * (dn - s) + noise(s, sn) * (s_noise * up)
        else:  # dpmpp_2s_ancestral
            if dn == 0:
                x = x + slope(x, d, s) * (dn - s)
            else:
                m = math.sqrt(s * dn)
                x2 = (m / s) * x + (1 - m / s) * d
                x = (dn / s) * x + (1 - dn / s) * toy(x2, m)
            if sn > 0:
                x = x + noise(s, sn) * (s_noise * up)
    return x


def euler_ancestral_cfg_pp(x, sig, noise, eta, s_noise):
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        dc, du = guided(x, s)
        if sn == 0:
            x = dc
            continue
        down, up = anc(s, sn, eta)
        x = dc + (x - du) / s * down
        if eta > 0 and s_noise > 0:
            x = x + noise(s, sn) * (s_noise * up)
    return x


def seeds_2(x, sig, noise, eta, s_noise, r, phi2):
    inject = eta > 0 and s_noise > 0
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        d = toy(x, s)
        if sn == 0:
            x = d
            continue
        ls, lt = -math.log(s), -math.log(sn)
        h = lt - ls
        he = (eta + 1) * h
        s1 = math.exp(-(ls + r * (lt - ls)))
        # data-prediction exponential integrator stage (alpha = 1): h phi_1(-r h_eta) = expm1(-r h_eta)
        x2 = (s1 / s * math.exp(-r * h * eta)) * x - math.expm1(-r * he) * d
        if inject:
            z = noise(s, s1) * math.sqrt(-math.expm1(-2 * r * h * eta))
            x2 = x2 + z * (s1 * s_noise)
        d2 = toy(x2, s1)
        base = (sn / s * math.exp(-h * eta)) * x
        if phi2:
            hphi2 = (math.expm1(-he) + he) / -he
            b2 = hphi2 / r
            b1 = math.expm1(-he) - b2
            x = base - (b1 * d + b2 * d2)
        else:
            x = base - math.expm1(-he) * (d + (d2 - d) * (1 / (2 * r)))
        if inject:
            seg = (r - 1) * h * eta
            z = z * math.exp(seg) + noise(s1, sn) * math.sqrt(-math.expm1(2 * seg))
            x = x + z * (sn * s_noise)
    return x


def er_sde(x, sig, noise, f, max_stage, s_noise, points=200):
    old_d = old_dd = None
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        d = toy(x, s)
        stage = min(max_stage, i + 1)
        if sn == 0:
            x = d
        else:
            # ER time lambda = sigma / alpha = sigma for these models
            r = f(sn) / f(s)
            x = r * x + (1 - r) * d
            if stage >= 2:
                dl = sn - s
                step = -dl / points
                pos = sn + np.arange(points) * step
                s1 = float(np.sum(1 / f(pos))) * step
                dd = (d - old_d) / (s - sig[i - 1])
                x = x + dd * (dl + s1 * f(sn))
                if stage >= 3:
                    s2 = float(np.sum((pos - s) / f(pos))) * step
                    du = (dd - old_dd) / ((s - sig[i - 2]) / 2)
                    x = x + du * (dl * dl / 2 + s2 * f(sn))
                old_dd = dd
            if s_noise > 0:
                v = sn * sn - s * s * r * r
                x = x + noise(s, sn) * (s_noise * (math.sqrt(v) if v >= 0 else 0.0))
        old_d = d
    return x


ER_DEFAULT = lambda v: v * (np.exp(v ** 0.3) + 10.0)


def dpmpp_sde(x, sig, noise, eta, s_noise, r):
    inject = eta > 0 and s_noise > 0
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        d = toy(x, s)
        if sn == 0:
            x = d
            continue
        h = math.log(s / sn)
        s1 = s * math.exp(-r * h)
        dn, up = anc(s, s1, eta)
        x2 = (dn / s) * x + (1 - dn / s) * d
        if inject:
            x2 = x2 + noise(s, s1) * (s_noise * up)
        d2 = toy(x2, s1)
        dn, up = anc(s, sn, eta)
        fac = 1 / (2 * r)
        dd = (1 - fac) * d + fac * d2
        x = (dn / s) * x + (1 - dn / s) * dd
        if inject:
            x = x + noise(s, sn) * (s_noise * up)
    return x


def dpmpp_multistep_sde(x, sig, noise, eta, s_noise, kind):
    hist = []
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        d = toy(x, s)
        if sn == 0:
            x = d
        else:
            h = math.log(s / sn)
            he = (eta + 1) * h
            om = -math.expm1(-he)
            xn = (sn / s) * math.exp(-eta * h) * x + om * d
            p2 = om / -he + 1
            if kind == "3m" and len(hist) >= 2:
                (h2, dd2), (h1, dd1) = hist[-2], hist[-1]
                r0, r1 = h1 / h, h2 / h
                a0, a1 = (d - dd1) / r0, (dd1 - dd2) / r1
                xn = xn + p2 * (a0 + (a0 - a1) * r0 / (r0 + r1)) - (p2 / he - 0.5) * ((a0 - a1) / (r0 + r1))
            elif hist:
                h1, dd1 = hist[-1]
                c = 0.5 * om if kind == "midpoint" else p2
                xn = xn + (d - dd1) * (c * h / h1)
            if eta > 0 and s_noise > 0:
                xn = xn + noise(s, sn) * (sn * math.sqrt(-math.expm1(-2 * h * eta)) * s_noise)
            x = xn
            hist.append((h, d))
    return x


def lms(x, sig, order):
    hist = []
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        d = toy(x, s)
        hist = (hist + [slope(x, d, s)])[-order:]
        if sn == 0:
            x = d
            continue
        m = len(hist)
        for j in range(m):
            poly = np.poly1d([1.0])
            for k in range(m):
                if k != j:
                    poly = poly * np.poly1d([1.0, -sig[i - k]]) / (sig[i - j] - sig[i - k])
            P = np.polyint(poly)
            x = x + hist[-1 - j] * float(P(sn) - P(s))
    return x


def main(resources):
    with open(os.path.join(resources, "samplers.json")) as f:
        base = json.load(f)
    sig = base["sigmas"]
    seed = base["seed"]
    init = torch.tensor(base["init_noise"], dtype=torch.float32).reshape(SHAPE)
    x0 = init * math.sqrt(1 + sig[0] ** 2)
    pos = [v for v in sig if v > 0]
    bridge = lambda: Bridge(seed, float(np.float32(min(pos))), float(np.float32(max(sig))))
    ms = MS()
    pts = lambda p: ms.s_of(float(np.float32((1.0 - p) * 999.0)))
    start, end = pts(0.2), pts(0.8)
    out = {"source": "samplers.json", "sigmas": sig, "sa_start_sigma": start, "sa_end_sigma": end}
    calls = {}

    def put(key, res):
        if isinstance(res, tuple):
            res, calls[key] = res
        out[key] = res.flatten().tolist()

    put("dpm_adaptive", dpm_adaptive(x0.clone(), sig, Stream(seed + 1)))
    put("dpm_adaptive/order2_rtol0.02", dpm_adaptive(x0.clone(), sig, Stream(seed + 1), order=2, rtol=0.02))
    put("dpm_adaptive/eta0.5_snoise0.8_pcoeff0.1",
        dpm_adaptive(x0.clone(), sig, Stream(seed + 1), eta=0.5, s_noise=0.8, pcoeff=0.1, dcoeff=0.05))
    put("sa_solver", sa_solver(x0.clone(), sig, Stream(seed + 1), start, end))
    put("sa_solver_pece", sa_solver(x0.clone(), sig, Stream(seed + 1), start, end, pece=True))
    put("sa_solver/eta0.5_p2_c2_simple2_snoise0.7",
        sa_solver(x0.clone(), sig, Stream(seed + 1), start, end, eta=0.5, s_noise=0.7, p_order=2, c_order=2,
                  simple2=True))
    put("sa_solver/eta0_p4_c1", sa_solver(x0.clone(), sig, Stream(seed + 1), start, end, eta=0.0, p_order=4,
                                          c_order=1))
    put("euler_ancestral/eta0", ancestral_family("euler_ancestral", x0.clone(), sig, Stream(seed + 1), 0.0, 1.0))
    put("euler_ancestral/eta0.5_snoise0.8",
        ancestral_family("euler_ancestral", x0.clone(), sig, Stream(seed + 1), 0.5, 0.8))
    put("dpm_2_ancestral/eta0.5_snoise0.8",
        ancestral_family("dpm_2_ancestral", x0.clone(), sig, Stream(seed + 1), 0.5, 0.8))
    put("dpmpp_2s_ancestral/eta0.5_snoise0.8",
        ancestral_family("dpmpp_2s_ancestral", x0.clone(), sig, Stream(seed + 1), 0.5, 0.8))
    put("dpmpp_sde/eta0.7_snoise0.9_r0.3", dpmpp_sde(x0.clone(), sig, bridge(), 0.7, 0.9, 0.3))
    put("dpmpp_sde/eta0_r0.5", dpmpp_sde(x0.clone(), sig, bridge(), 0.0, 1.0, 0.5))
    put("dpmpp_2m_sde/heun_eta0.5", dpmpp_multistep_sde(x0.clone(), sig, bridge(), 0.5, 1.0, "heun"))
    put("dpmpp_2m_sde/midpoint_eta0.5_snoise0.6",
        dpmpp_multistep_sde(x0.clone(), sig, bridge(), 0.5, 0.6, "midpoint"))
    put("dpmpp_3m_sde/eta0.5_snoise0.7", dpmpp_multistep_sde(x0.clone(), sig, bridge(), 0.5, 0.7, "3m"))
    put("euler_ancestral_cfg_pp/eta0.5_snoise0.8",
        euler_ancestral_cfg_pp(x0.clone(), sig, Stream(seed + 1), 0.5, 0.8))
    put("euler_ancestral_cfg_pp/eta0", euler_ancestral_cfg_pp(x0.clone(), sig, Stream(seed + 1), 0.0, 1.0))
    put("seeds_2/phi2_eta0.5_snoise0.7_r0.3", seeds_2(x0.clone(), sig, Stream(seed + 1), 0.5, 0.7, 0.3, True))
    put("seeds_2/phi1_eta1_snoise0.5_r0.5", seeds_2(x0.clone(), sig, Stream(seed + 1), 1.0, 0.5, 0.5, False))
    put("seeds_2/phi2_eta0_r1", seeds_2(x0.clone(), sig, Stream(seed + 1), 0.0, 1.0, 1.0, True))
    put("er_sde/default", er_sde(x0.clone(), sig, Stream(seed + 1), ER_DEFAULT, 3, 1.0))
    put("er_sde/reverse_eta0.5_stage2_snoise0.8",
        er_sde(x0.clone(), sig, Stream(seed + 1), lambda v: v ** 1.5, 2, 0.8))
    put("er_sde/ode_stage3", er_sde(x0.clone(), sig, Stream(seed + 1), lambda v: v, 3, 0.0))
    put("er_sde/er_stage1_snoise0.5", er_sde(x0.clone(), sig, Stream(seed + 1), ER_DEFAULT, 1, 0.5))
    put("lms/order2", lms(x0.clone(), sig, 2))
    put("lms/order1", lms(x0.clone(), sig, 1))
    out["model_calls"] = calls
    with open(os.path.join(resources, "samplers_options.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../resources/dev/noodle/engine/sampling")
