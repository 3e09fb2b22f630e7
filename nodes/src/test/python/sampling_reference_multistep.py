"""Reference for ComfyUI's further deterministic samplers on the toy denoiser of samplers.json.

Numpy only, float32 tensors and float64 scalar coefficients. Each sampler is re-stated from its
published update rule:
  * iPNDM: Adams-Bashforth of order <= 4 on the slope d = (x - D) / sigma with the classic fixed
    weights (Zhang & Chen 2023, "Fast Sampling of Diffusion Models with Exponential Integrator",
    improved PNDM); the step into sigma = 0 returns D.
  * iPNDM-v: variable-step weights of Zhou et al. 2024 ("Fast ODE-based Sampling for Diffusion
    Models in Around 5 Steps", zju-pi/diff-sampler, as ComfyUI runs them). Order 2 is exact
    variable-step Adams-Bashforth; order 3 adds a correction that reduces to AB3 on a uniform grid
    (but is not the exact Lagrange integral otherwise); the published order-4 weights reduce to
    (57, -65, 43, -11)/24 on a uniform grid, not AB4's (55, -59, 37, -9)/24, and are kept as
    published. The script checks these facts before writing the fixture.
  * DEIS "tab", order 3: sigma -> VP time t, slope history interpolated in t and integrated against
    the exponential-integrator weight with ComfyUI's N-point Riemann rule.
  * UniPC (Zhao et al. 2023) bh1 / bh2, predictor-corrector, driven as ComfyUI's sample_unipc.
  * Heun++ (heunpp2): Euler sub-steps to the next two sigmas, slopes blended by sigma / (3 sigma_0).
  * RES multistep, eta = 0 (Zhang et al. 2023, arXiv 2308.02157): exponential integrator in -log sigma.
  * Gradient estimation, gamma = 2 (Permenter & Yuan 2024): slope 2 d_i - d_{i-1}.
  * DPM-Solver-fast, eta = 0 (Lu et al. 2022, arXiv 2206.00927): N model calls spread over
    floor(N/3) + 1 steps uniform in -log sigma from sigma_0 to the smallest positive sigma, orders
    3..3,2,1 or 3..3,N mod 3; the DPM-Solver-1/2/3 updates re-derived from the paper's Algorithms
    (first-order stages at r1 = 1/2, resp. 1/3 and 2/3).
Starting noise and sigmas are read from samplers.json (written by sampling_reference_samplers.py) so
both fixtures share one toy problem. Run: python3 sampling_reference_multistep.py <resources dir>.
"""
import json
import math
import os
import sys

import numpy as np

A = 0.8
F = np.float32


def toy(x, s):
    """Same analytic denoiser as sampling_reference_samplers.toy, in numpy float32."""
    return (x * F(A / (s * s + A)) + np.sin(x) * F(0.05 * s / (1.0 + s))).astype(F)


def lagrange_integral(nodes, j, a, b):
    """Integral over [a, b] of the Lagrange basis polynomial l_j on the given nodes."""
    p = np.poly1d([1.0])
    for k, nk in enumerate(nodes):
        if k != j:
            p = p * np.poly1d([1.0, -nk]) / (nodes[j] - nk)
    P = p.integ()
    return P(b) - P(a)


def ipndm_v_weights(sig, i, order):
    """iPNDM-v weights per unit step, current slope first, in step ratios r_k = h_{n-k} / h_{n-k-1}."""
    if order == 1:
        return [1.0]
    h = [sig[i + 1 - k] - sig[i - k] for k in range(order)]  # h[0] = h_n, h[1] = h_{n-1}, ...
    ab2 = [1 + 0.5 * h[0] / h[1], -0.5 * h[0] / h[1]]
    if order == 2:
        return ab2
    # third-order correction (weights of d_n, d_{n-1}, d_{n-2}): e3 * (1, -(1 + h1/h2), h1/h2)
    e3 = 0.5 * (1 - h[0] / (3 * (h[0] + h[1])) * h[0] * (h[0] + h[1]) / (h[1] * (h[1] + h[2])))
    w = [ab2[0] + e3, ab2[1] - e3 * (1 + h[1] / h[2]), e3 * h[1] / h[2], 0.0]
    if order == 3:
        return w[:3]
    q = h[1] * (h[1] + h[2]) / (h[2] * (h[2] + h[3]))
    s01, s012 = h[0] + h[1], h[0] + h[1] + h[2]
    e4 = (0.5 * (1 - h[0] / (3 * s01)) + (1 - h[0] / (2 * s01)) * h[0] / (6 * s012)) \
        * h[0] * s01 * s012 / (h[1] * (h[1] + h[2]) * (h[1] + h[2] + h[3]))
    pattern = [1.0, -(1 + h[1] / h[2] + q), h[1] / h[2] + q * (1 + h[2] / h[3]), -q * h[1] / h[2]]
    return [w[k] + e4 * pattern[k] for k in range(4)]


def check_ipndm_v(sig):
    """Order 2 is exact variable AB2; on a uniform grid orders 2 and 3 give the classic AB weights."""
    for i in range(1, len(sig) - 2):
        nodes = [sig[i], sig[i - 1]]
        exact = [lagrange_integral(nodes, j, sig[i], sig[i + 1]) / (sig[i + 1] - sig[i]) for j in range(2)]
        assert np.allclose(ipndm_v_weights(sig, i, 2), exact)
    uniform = [10.0 - k for k in range(8)]
    for order in (2, 3):
        assert np.allclose(ipndm_v_weights(uniform, 4, order), AB[order - 1]), order
    assert np.allclose(ipndm_v_weights(uniform, 4, 4), [57 / 24, -65 / 24, 43 / 24, -11 / 24])


AB = [[1.0], [1.5, -0.5], [23 / 12, -16 / 12, 5 / 12], [55 / 24, -59 / 24, 37 / 24, -9 / 24]]


def deis_coeffs(sig, max_order=3, n=10000):
    eps, smin, smax = 1e-3, 0.002, 80.0
    bd = 2 * (math.log(smin ** 2 + 1) / eps - math.log(smax ** 2 + 1)) / (eps - 1)
    bmin = math.log(smax ** 2 + 1) - 0.5 * bd
    b0, b1 = bmin, bd + bmin
    t = [(math.sqrt(bmin ** 2 + 2 * bd * math.log(s * s + 1)) - bmin) / bd for s in sig]
    out = []
    for i in range(len(sig) - 1):
        order = min(i + 1, max_order)
        if order == 1 or sig[i + 1] <= 0:
            out.append(None)
            continue
        taus = np.linspace(t[i], t[i + 1], n)
        alpha = np.exp(-0.5 * taus ** 2 * (b1 - b0) - taus * b0)
        # d log(alpha)/d tau = -(b0 + tau (b1 - b0)); integrand = -1/2 * that / sqrt(alpha (1 - alpha))
        g = 0.5 * (b0 + taus * (b1 - b0)) / np.sqrt(alpha * (1 - alpha))
        prev = [t[i - k] for k in range(order)]
        c = []
        for j in range(order):
            poly = np.ones_like(taus)
            for k in range(order):
                if k != j:
                    poly = poly * (taus - prev[k]) / (prev[j] - prev[k])
            c.append(float(np.sum(g * poly) * (t[i + 1] - t[i]) / n))
        out.append(c)
    return out


def run(name, x, sig):
    if name in OTHERS:
        return OTHERS[name](x, sig)
    if name in ("uni_pc", "uni_pc_bh2"):
        return unipc(x, sig, 1 if name == "uni_pc" else 2)
    max_order = 3 if name == "deis" else 4
    coeffs = deis_coeffs(sig) if name == "deis" else None
    hist = []  # newest first
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        den = toy(x, s)
        d = ((x - den) / F(s)).astype(F)
        order = min(max_order, i + 1)
        if sn <= 0:
            order = 1
        if sn == 0 and name != "deis":
            xn = den
        else:
            if name == "ipndm":
                w = [c * (sn - s) for c in AB[order - 1]]
            elif name == "ipndm_v":
                w = [c * (sn - s) for c in ipndm_v_weights(sig, i, order)]
            else:
                w = [sn - s] if order == 1 else coeffs[i]
            slopes = [d] + hist
            xn = x + sum(F(w[j]) * slopes[j] for j in range(order))
        hist = ([d] + hist)[: max_order - 1]
        x = xn.astype(F)
    return x


# ---------------------------------------------------------------- UniPC (Zhao et al. 2023)
def f32(v):
    return float(np.float32(v))


class VpOfSigma:
    """alpha, std and lambda = log(alpha / std) of the VP process with x_vp = x_ve / sqrt(1 + sigma^2).

    With exact=False each elementary operation is rounded to float32 (log/exp evaluated in float64,
    then rounded), as ComfyUI evaluates these on float32 sigma tensors; this matters only at the
    final sigma = 0.001, where 1 - alpha^2 cancels.
    """

    def __init__(self, exact):
        self.r = (lambda v: v) if exact else f32

    def lmc(self, s):
        r = self.r
        return r(0.5 * r(math.log(r(1.0 / r(r(s * s) + 1.0)))))

    def one_minus_alpha2(self, s):
        r = self.r
        return r(1.0 - r(math.exp(r(2.0 * self.lmc(s)))))

    def alpha(self, s):
        return self.r(math.exp(self.lmc(s)))

    def std(self, s):
        return self.r(math.sqrt(self.one_minus_alpha2(s)))

    def lam(self, s):
        r = self.r
        return r(self.lmc(s) - r(0.5 * r(math.log(self.one_minus_alpha2(s)))))


def unipc_update(vp, bh, model, x, ms, ts, t, order, corrector):
    """One UniPC step in data prediction from ts[-1] to t: UniP predictor, UniC corrector.

    ms/ts: model outputs (x0 estimates) and their sigmas, oldest first. B(h) = h (bh1) or e^h - 1 (bh2).
    Returns (x_t, model output at the predicted x_t or None).
    """
    s0, m0 = ts[-1], ms[-1]
    lam0, lamt = vp.lam(s0), vp.lam(t)
    h = lamt - lam0
    rks, d1s = [], []
    for i in range(1, order):
        rk = (vp.lam(ts[-(i + 1)]) - lam0) / h
        rks.append(rk)
        d1s.append((ms[-(i + 1)] - m0) / F(rk))
    rks.append(1.0)
    hh = -h
    hphi1 = math.expm1(hh)
    B = hh if bh == 1 else math.expm1(hh)
    # b_k = k! * phi_{k+1}-like terms: g_1 = hphi1/hh - 1, g_{k+1} = g_k/hh - 1/(k+1)!
    b, g, fact = [], hphi1 / hh - 1, 1
    for k in range(1, order + 1):
        b.append(g * fact / B)
        fact *= k + 1
        g = g / hh - 1 / fact
    R = np.array([[rk ** (k - 1) for rk in rks] for k in range(1, order + 1)])
    b = np.array(b)
    x_base = F(vp.std(t) / vp.std(s0)) * x - F(vp.alpha(t) * hphi1) * m0
    if order == 2:
        rho_p = np.array([0.5])
    elif order > 2:
        rho_p = np.linalg.solve(R[:-1, :-1], b[:-1])
    x_t = x_base
    if d1s:
        x_t = x_base - F(vp.alpha(t) * B) * sum(F(rho_p[k]) * d1s[k] for k in range(len(d1s)))
    if not corrector:
        return x_t.astype(F), None
    m_t = model(x_t.astype(F), t)
    rho_c = np.array([0.5]) if order == 1 else np.linalg.solve(R, b)
    res = F(rho_c[-1]) * (m_t - m0)
    for k in range(len(d1s)):
        res = res + F(rho_c[k]) * d1s[k]
    return (x_base - F(vp.alpha(t) * B) * res).astype(F), m_t


def unipc(x, sig, bh, exact=False):
    """ComfyUI's uni_pc / uni_pc_bh2 drive: order min(3, N-1) multistep, lower order at start and end,
    no corrector on the final step, final sigma 0 replaced by 0.001, result scaled back to VE."""
    vp = VpOfSigma(exact)
    ts_all = list(sig)
    if ts_all[-1] == 0:
        ts_all[-1] = f32(0.001)
    n = len(ts_all) - 1
    p = min(3, n - 1)
    model = lambda xv, s: toy((xv * F(math.sqrt(s * s + 1))).astype(F), s)
    x = (x / F(math.sqrt(1.0 + ts_all[0] ** 2))).astype(F)
    ms, ts = [], []
    for k in range(n):
        if k == 0:
            ms, ts = [model(x, ts_all[0])], [ts_all[0]]
        elif k < p:
            x, m = unipc_update(vp, bh, model, x, ms, ts, ts_all[k], k, True)
            ms.append(m)
            ts.append(ts_all[k])
        else:
            for step in range(k, k + 1 + (1 if k == n - 1 else 0)):
                q = min(p, n + 1 - step)
                x, m = unipc_update(vp, bh, model, x, ms, ts, ts_all[step], q, step != n)
                ms, ts = ms[1:] + [ms[-1]], ts[1:] + [ts_all[step]]
                if step < n:
                    ms[-1] = m
    return (x / F(vp.alpha(ts_all[-1]))).astype(F)


def heunpp2(x, sig):
    n, end, s0 = len(sig) - 1, sig[-1], sig[0]
    slope = lambda x, s: ((x - toy(x, s)) / F(s)).astype(F)
    for i in range(n):
        s, sn = sig[i], sig[i + 1]
        d = slope(x, s)
        dt = F(sn - s)
        if sn == end:
            x = x + d * dt
            continue
        x2 = x + d * dt
        d2 = slope(x2, sn)
        if sig[i + 2] == end:
            w = [1 - sn / (2 * s0), sn / (2 * s0)]
            ds = [d, d2]
        else:
            x3 = x2 + d2 * F(sig[i + 2] - sn)
            d3 = slope(x3, sig[i + 2])
            w2, w3 = sn / (3 * s0), sig[i + 2] / (3 * s0)
            w, ds = [1 - w2 - w3, w2, w3], [d, d2, d3]
        x = (x + sum(F(wk) * dk for wk, dk in zip(w, ds)) * dt).astype(F)
    return x


def res_multistep(x, sig):
    old = None
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        den = toy(x, s)
        if sn == 0 or old is None:
            x = x + (x - den) / F(s) * F(sn - s)
        else:
            lam = lambda v: -math.log(v)
            h = lam(sn) - lam(s)
            c2 = (lam(sig[i - 1]) - lam(s)) / h
            z = -h
            phi1 = math.expm1(z) / z
            phi2 = (phi1 - 1) / z
            b1, b2 = phi1 - phi2 / c2, phi2 / c2
            x = F(math.exp(-h)) * x + F(h * b1) * den + F(h * b2) * old
        x = x.astype(F)
        old = den
    return x


def gradient_estimation(x, sig, gamma=2.0):
    old = None
    for i in range(len(sig) - 1):
        s, sn = sig[i], sig[i + 1]
        d = ((x - toy(x, s)) / F(s)).astype(F)
        g = d if old is None else F(gamma) * d + F(1 - gamma) * old
        x = (x + g * F(sn - s)).astype(F)
        old = d
    return x


def dpm_fast(x, sig):
    n = len(sig) - 1
    smin = sig[-1] if sig[-1] > 0 else sig[-2]
    m = n // 3 + 1
    orders = [3] * (m - 2) + [2, 1] if n % 3 == 0 else [3] * (m - 1) + [n % 3]
    ts = np.linspace(-math.log(sig[0]), -math.log(smin), m + 1)
    sigma = lambda t: math.exp(-t)
    eps = lambda x, t: ((x - toy(x, sigma(t))) / F(sigma(t))).astype(F)
    for i, order in enumerate(orders):
        t, tn = float(ts[i]), float(ts[i + 1])
        h = tn - t
        e = eps(x, t)
        # x_{t+h} = sigma(t+h)/sigma(t) x - sigma(t+h) (e^h - 1) eps + higher-order terms in (eps(u) - eps)
        base = x - F(sigma(tn) * math.expm1(h)) * e
        if order == 1:
            x = base
        elif order == 2:
            r1 = 0.5
            u1 = x - F(sigma(t + r1 * h) * math.expm1(r1 * h)) * e
            x = base - F(sigma(tn) / (2 * r1) * math.expm1(h)) * (eps(u1, t + r1 * h) - e)
        else:
            r1, r2 = 1 / 3, 2 / 3
            u1 = x - F(sigma(t + r1 * h) * math.expm1(r1 * h)) * e
            e1 = eps(u1, t + r1 * h)
            phi = math.expm1(r2 * h) / (r2 * h) - 1
            u2 = x - F(sigma(t + r2 * h) * math.expm1(r2 * h)) * e - F(sigma(t + r2 * h) * (r2 / r1) * phi) * (e1 - e)
            e2 = eps(u2, t + r2 * h)
            x = base - F(sigma(tn) / r2 * (math.expm1(h) / h - 1)) * (e2 - e)
        x = x.astype(F)
    return x


NAMES = ["heunpp2", "dpm_fast", "ipndm", "ipndm_v", "deis", "res_multistep", "gradient_estimation", "uni_pc", "uni_pc_bh2"]
OTHERS = {"heunpp2": heunpp2, "dpm_fast": dpm_fast, "res_multistep": res_multistep, "gradient_estimation": gradient_estimation}


def main(resources):
    with open(os.path.join(resources, "samplers.json")) as f:
        base = json.load(f)
    sig = base["sigmas"]
    check_ipndm_v(sig)
    init = np.array(base["init_noise"], dtype=F).reshape(base["shape"])
    x0 = (init * F(math.sqrt(1 + sig[0] ** 2))).astype(F)
    out = {"source": "samplers.json", "sigmas": sig}
    for name in NAMES:
        out[name] = run(name, x0.copy(), sig).flatten().tolist()
    with open(os.path.join(resources, "samplers_multistep.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../resources/dev/noodle/engine/sampling")
