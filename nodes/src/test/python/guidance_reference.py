"""Reference for guidance rules and conditioning mixing, restated in torch from the published formulas.

Writes two fixtures (run: python3 guidance_reference.py <nodes/src/test/resources dir>):

engine/sampling/guidance.json, on fixed tensors and a toy network:
  * classifier-free guidance uncond + s (cond - uncond) (Ho & Salimans 2022);
  * RescaleCFG (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps Are Flawed", eq. 15-16) in the
    form ComfyUI's sampler_cfg_function receives it (cond = x - D_c, uncond = x - D_u): estimates turned into
    v-predictions of the sigma_data = 1 VP model, guided, rescaled to the conditional std per batch row (unbiased),
    blended by phi, turned back; also at cfg 1 with the unconditional estimate zero (ComfyUI's cfg-1 shortcut);
  * CFGNorm (ComfyUI comfy_extras/nodes_cfg.py) as a post-guidance step: guided * clamp(|cond|/(|guided| + 1e-8),
    0, 1) * strength, norms over the channel axis;
  * DualCFG (ComfyUI DualCFGGuider) regular and nested, with and without the patches, from a toy network;
  * Perp-Neg (Armandpour et al. 2023, eq. 7; ComfyUI perp_neg) with a post-guidance CFGNorm.
  The toy network predicts eps = k * x_in with k the conditioning's scalar, x_in = x / sqrt(sigma^2 + 1); the
  denoised estimate is x - sigma * eps.

nodes/conditioning_edit.json: ComfyUI's ConditioningAverage (t_to * s + t_from * (1 - s), from's first entry cut or
  zero-padded to each entry's token count, pooled outputs alike), ConditioningConcat (tokens of from appended) and
  ConditioningZeroOut (states and pooled output zeroed) on fixed tensors.

engine/diffusion/cond_mix.json: ComfyUI's calc_cond_batch / get_area_and_mult on a toy UNet (out = x * mean(context)
  + 0.001 t): entries skipped outside their sigma range, areas (feathered over min(8, side // 4) cells on inner
  edges), masks (weight = mask * strength, no feathering) and mask bounds, summed and divided by the summed weights
  (1e-37 start); plus the fractional-area rounding and percent_to_sigma of the SD 1.x schedule.
"""
import json
import math
import os
import sys

import torch

torch.manual_seed(1234)
F = torch.float32


def r(*shape):
    return torch.randn(*shape, dtype=F)


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


# ---------------------------------------------------------------- guidance


def rescale_cfg_fn(multiplier):
    def fn(args):
        cond, uncond, s = args["cond"], args["uncond"], args["cond_scale"]
        sigma = args["sigma"].view(-1, 1, 1, 1)
        x_orig = args["input"]
        x = x_orig / (sigma * sigma + 1.0)
        vc = ((x - (x_orig - cond)) * (sigma ** 2 + 1.0) ** 0.5) / sigma
        vu = ((x - (x_orig - uncond)) * (sigma ** 2 + 1.0) ** 0.5) / sigma
        v_cfg = vu + s * (vc - vu)
        ro_pos = torch.std(vc, dim=(1, 2, 3), keepdim=True)
        ro_cfg = torch.std(v_cfg, dim=(1, 2, 3), keepdim=True)
        v_final = multiplier * (v_cfg * (ro_pos / ro_cfg)) + (1.0 - multiplier) * v_cfg
        return x_orig - (x - v_final * sigma / (sigma * sigma + 1.0) ** 0.5)
    return fn


def cfg_norm_fn(strength):
    def fn(args):
        c = args["cond_denoised"]
        g = args["denoised"]
        scale = (torch.norm(c, dim=1, keepdim=True) / (torch.norm(g, dim=1, keepdim=True) + 1e-8)).clamp(0.0, 1.0)
        return g * scale * strength
    return fn


def cfg_function(cond, uncond, scale, x, sigma, mix_fn=None, post=()):
    """ComfyUI cfg_function: the mix (or its replacement), then each post-guidance function."""
    if mix_fn is not None:
        res = x - mix_fn({"cond": x - cond, "uncond": x - uncond, "cond_scale": scale, "input": x,
                          "sigma": torch.tensor([sigma], dtype=F)})
    else:
        res = uncond + (cond - uncond) * scale
    for fn in post:
        res = fn({"denoised": res, "cond_denoised": cond, "uncond_denoised": uncond})
    return res


def toy_denoised(x, sigma, k):
    x_in = x / math.sqrt(sigma * sigma + 1.0)
    return x - sigma * (x_in * k)


def dual_cfg(x, sigma, k1, k2, kn, cfg1, cfg2, nested, mix_fn=None, post=()):
    neg, mid, pos = (toy_denoised(x, sigma, k) for k in (kn, k2, k1))
    if nested:
        text = cfg_function(pos, mid, cfg1, x, sigma, mix_fn, post)
        return neg + cfg2 * (text - neg)
    if math.isclose(cfg2, 1.0):
        neg = torch.zeros_like(x)
        if math.isclose(cfg1, 1.0):
            mid = torch.zeros_like(x)
    return cfg_function(mid, neg, cfg2, x, sigma, mix_fn, post) + (pos - mid) * cfg1


def perp_neg(x, sigma, kp, kn, ke, cfg, neg_scale, post=()):
    pos_d, neg_d, emp_d = (toy_denoised(x, sigma, k) for k in (kp, kn, ke))
    pos = pos_d - emp_d
    neg = neg_d - emp_d
    perp = neg - (torch.mul(neg, pos).sum() / (torch.norm(pos) ** 2)) * pos
    out = emp_d + cfg * (pos - perp * neg_scale)
    for fn in post:
        out = fn({"denoised": out, "cond_denoised": pos_d, "uncond_denoised": neg_d})
    return out


def guidance_fixture():
    shape = (2, 4, 3, 5)
    x = r(*shape) * 3.0
    cond = r(*shape)
    uncond = r(*shape) * 0.7 + 0.2
    sigma = 2.3
    s = 6.5
    out = {"shape": list(shape), "x": flat(x), "cond": flat(cond), "uncond": flat(uncond), "sigma": sigma,
           "scale": s}
    out["cfg"] = flat(cfg_function(cond, uncond, s, x, sigma))
    out["rescale_0.7"] = flat(cfg_function(cond, uncond, s, x, sigma, rescale_cfg_fn(0.7)))
    out["norm_0.9"] = flat(cfg_function(cond, uncond, s, x, sigma, None, [cfg_norm_fn(0.9)]))
    # two RescaleCFG patches: the later one wins; CFGNorm after it
    out["rescale_then_norm"] = flat(cfg_function(cond, uncond, s, x, sigma, rescale_cfg_fn(0.4),
                                                 [cfg_norm_fn(1.3)]))
    zeros = torch.zeros_like(x)
    out["rescale_cfg1"] = flat(cfg_function(cond, zeros, 1.0, x, sigma, rescale_cfg_fn(0.7)))
    out["norm_cfg1"] = flat(cfg_function(cond, zeros, 1.0, x, sigma, None, [cfg_norm_fn(0.5)]))
    # toy network conditionings
    k1, k2, kn, ke = 0.3, -0.2, 0.1, 0.05
    out["k"] = {"cond1": k1, "cond2": k2, "negative": kn, "empty": ke}
    out["dual_regular"] = flat(dual_cfg(x, sigma, k1, k2, kn, 3.0, 5.0, False))
    out["dual_nested"] = flat(dual_cfg(x, sigma, k1, k2, kn, 3.0, 5.0, True))
    out["dual_regular_rescale"] = flat(dual_cfg(x, sigma, k1, k2, kn, 3.0, 5.0, False, rescale_cfg_fn(0.7),
                                                [cfg_norm_fn(0.9)]))
    out["dual_nested_rescale"] = flat(dual_cfg(x, sigma, k1, k2, kn, 3.0, 5.0, True, rescale_cfg_fn(0.7)))
    out["dual_regular_cfg2_one"] = flat(dual_cfg(x, sigma, k1, k2, kn, 3.0, 1.0, False))
    out["perp_neg"] = flat(perp_neg(x, sigma, k1, kn, ke, 6.5, 0.8))
    out["perp_neg_norm"] = flat(perp_neg(x, sigma, k1, kn, ke, 6.5, 0.8, [cfg_norm_fn(0.9)]))
    out["perp_neg_zero"] = flat(perp_neg(x, sigma, k1, kn, ke, 6.5, 0.0))
    # with neg_scale 0 Perp-Neg is CFG against the empty prompt
    assert torch.allclose(perp_neg(x, sigma, k1, kn, ke, 6.5, 0.0),
                          cfg_function(toy_denoised(x, sigma, k1), toy_denoised(x, sigma, ke), 6.5, x, sigma),
                          atol=1e-5)
    return out


# ---------------------------------------------------------------- conditioning mix


def toy_unet(x, t, context):
    """Toy network: out = x * mean(context) + 0.001 * t, per row."""
    return x * context.mean() + 0.001 * t.view(-1, 1, 1, 1)


def area_and_mult(c, x_in, sigma):
    """get_area_and_mult, restated: None when sigma is outside the entry's range."""
    if sigma > c["sigma_start"] or sigma < c["sigma_end"]:
        return None
    H, W = x_in.shape[2], x_in.shape[3]
    area = c.get("area")  # (h, w, y, x) in cells
    input_x = x_in
    if area is not None:
        h = min(H - area[2], area[0])
        w = min(W - area[3], area[1])
        area = (h, w, area[2], area[3])
        input_x = x_in[:, :, area[2]:area[2] + h, area[3]:area[3] + w]
    if "mask" in c:
        mask = c["mask"][:input_x.shape[0]]
        if area is not None:
            mask = mask[:, area[2]:area[2] + area[0], area[3]:area[3] + area[1]]
        mask = mask * c["mask_strength"]
        mask = mask.unsqueeze(1).repeat(input_x.shape[0] // mask.shape[0], input_x.shape[1], 1, 1)
    else:
        mask = torch.ones_like(input_x)
    mult = mask * c["strength"]
    if "mask" not in c and area is not None:
        for i, (size, off, full) in enumerate(((area[0], area[2], H), (area[1], area[3], W))):
            rr = min(8, mult.shape[2 + i] // 4)
            if off != 0:
                for t in range(rr):
                    mult.narrow(i + 2, t, 1).mul_((1.0 / rr) * (t + 1))
            if size + off < full:
                for t in range(rr):
                    mult.narrow(i + 2, size - 1 - t, 1).mul_((1.0 / rr) * (t + 1))
    return input_x, mult, area


def cond_mix(entries, x_in, t, sigma):
    out = torch.zeros_like(x_in)
    count = torch.ones_like(x_in) * 1e-37
    for c in entries:
        p = area_and_mult(c, x_in, sigma)
        if p is None:
            continue
        input_x, mult, area = p
        pred = toy_unet(input_x, t, c["context"])
        if area is None:
            out += pred * mult
            count += mult
        else:
            h, w, y, x = area
            out[:, :, y:y + h, x:x + w] += pred * mult
            count[:, :, y:y + h, x:x + w] += mult
    return out / count


def same_area_if_none(conds, c):
    """create_cond_with_same_area_if_none, restated: c's copy with the text of the smallest enclosing entry."""
    if "area" not in c:
        return
    ca = c["area"]  # (h, w, y, x)

    def inside(a, cmp):
        return a[2] >= cmp[2] and a[3] >= cmp[3] and a[0] + a[2] <= cmp[0] + cmp[2] and a[1] + a[3] <= cmp[1] + cmp[3]

    smallest = None
    for x in conds:
        if "area" in x:
            if inside(ca, x["area"]):
                if smallest is None or "area" not in smallest:
                    smallest = x
                elif smallest["area"][0] * smallest["area"][1] > x["area"][0] * x["area"][1]:
                    smallest = x
        elif smallest is None:
            smallest = x
    if smallest is None or ("area" in smallest and smallest["area"] == ca):
        return
    out = dict(c)
    out["context"] = smallest["context"]
    out["name"] = c["name"] + "<" + smallest["name"]
    conds.append(out)


def opposite_areas(lists):
    lists = [list(l) for l in lists]
    for k in range(len(lists)):
        for c in lists[k]:
            for kk in range(len(lists)):
                if k != kk:
                    same_area_if_none(lists[kk], c)
    return lists


def mask_bounds(mask):
    b = torch.max(torch.abs(mask), dim=0).values
    ys, xs = torch.where(b != 0)
    if len(ys) == 0:
        return (8, 8, 0, 0)
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())
    return (max(8, y1 - y0 + 1), max(8, x1 - x0 + 1), y0, x0)


def sd15_sigmas():
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    ac = torch.cumprod(1.0 - betas, dim=0)
    return (((1 - ac) / ac) ** 0.5).float()


def percent_to_sigma(sigmas, percent):
    if percent <= 0.0:
        return 999999999.9
    if percent >= 1.0:
        return 0.0
    t = torch.tensor((1.0 - percent) * 999.0, dtype=F)
    log_sigmas = sigmas.log()
    t = torch.clamp(t, 0, len(sigmas) - 1)
    lo, hi = int(t.floor()), int(t.ceil())
    w = t.frac()
    return float(((1 - w) * log_sigmas[lo] + w * log_sigmas[hi]).exp())


def cond_mix_fixture():
    B, C, H, W = 2, 3, 12, 14
    x = r(B, C, H, W)
    t = torch.tensor([500.0, 500.0], dtype=F)
    ctx = {n: r(1, 4, 6) + off for n, off in (("a", 0.5), ("b", -0.3), ("c", 0.2), ("d", 0.8), ("e", -0.6))}
    mask_c = (torch.rand(1, H, W, dtype=F) * (torch.rand(1, H, W) > 0.3)).float()
    mask_d = torch.zeros(B, H, W, dtype=F)
    mask_d[0, 3:6, 4:9] = 0.9
    mask_d[1, 5:7, 6:12] = 0.6
    bounds = mask_bounds(mask_d)
    inf = float("inf")
    entries = [
        {"name": "a", "context": ctx["a"], "strength": 1.0, "sigma_start": inf, "sigma_end": 0.0},
        {"name": "b", "context": ctx["b"], "strength": 0.7, "area": (7, 9, 3, 2), "sigma_start": inf,
         "sigma_end": 0.0},
        {"name": "c", "context": ctx["c"], "strength": 1.2, "mask": mask_c, "mask_strength": 0.8,
         "sigma_start": inf, "sigma_end": 0.0},
        {"name": "d", "context": ctx["d"], "strength": 0.9, "mask": mask_d, "mask_strength": 1.5, "area": bounds,
         "sigma_start": inf, "sigma_end": 0.0},
        {"name": "e", "context": ctx["e"], "strength": 2.0, "area": (20, 6, 8, 10), "sigma_start": 5.0,
         "sigma_end": 1.0},
    ]
    out = {"shape": [B, C, H, W], "x": flat(x), "t": flat(t),
           "contexts": {k: flat(v) for k, v in ctx.items()}, "context_shape": [1, 4, 6],
           "mask_c": flat(mask_c), "mask_d": flat(mask_d), "bounds": list(bounds)}
    for sigma in (7.0, 3.0, 0.5):
        out["mix_sigma_%g" % sigma] = flat(cond_mix(entries, x, t, sigma))
    # opposite areas: the negative gets b's and d's areas with its own text (n, or m where m encloses them)
    neg = [{"name": "n", "context": ctx["e"] * 0.5, "strength": 1.0, "sigma_start": inf, "sigma_end": 0.0},
           {"name": "m", "context": ctx["c"] - 0.4, "strength": 0.6, "area": (10, 12, 2, 1), "sigma_start": inf,
            "sigma_end": 0.0},
           {"name": "q", "context": ctx["a"] * 0.3, "strength": 1.1, "area": (7, 9, 3, 2), "sigma_start": inf,
            "sigma_end": 0.0}]
    pos, neg2 = opposite_areas([entries[:4], neg])
    out["opposite_names"] = [[c["name"] for c in pos], [c["name"] for c in neg2]]
    out["opposite_neg_context"] = {"n": flat(neg[0]["context"]), "m": flat(neg[1]["context"]),
                                   "q": flat(neg[2]["context"])}
    out["opposite_pos"] = flat(cond_mix(pos, x, t, 3.0))
    out["opposite_neg"] = flat(cond_mix(neg2, x, t, 3.0))
    # every entry outside its range: zeros
    out["none_active"] = flat(cond_mix(entries[4:], x, t, 7.0))
    # percentage areas: (h, w, y, x) = (max(1, round(h H)), max(1, round(w W)), round(y H), round(x W))
    frac = []
    for fx, fy, fw, fh, lw, lh in ((0.25, 0.25, 0.5, 0.5, 8, 8), (0.125, 0.3, 0.35, 0.01, 13, 9),
                                   (0.5, 0.5, 0.5, 0.5, 5, 5), (0.0, 0.0, 1.0, 1.0, 128, 96)):
        area = (max(1, round(fh * lh)), max(1, round(fw * lw)), round(fy * lh), round(fx * lw))
        frac.append({"in": [fx, fy, fw, fh, lw, lh], "area": [area[3], area[2], area[1], area[0]]})
    out["fractions"] = frac
    sig = sd15_sigmas()
    out["percent_to_sigma"] = [[p, percent_to_sigma(sig, p)] for p in (0.0, 0.001, 0.25, 0.5, 0.73, 0.999, 1.0)]
    return out


def average(to, frm, s):
    t1, p_to = to
    t0, p_from = frm
    p_to = p_from if p_to is None else p_to
    t0 = t0[:, :t1.shape[1]]
    if t0.shape[1] < t1.shape[1]:
        t0 = torch.cat([t0, torch.zeros((1, t1.shape[1] - t0.shape[1], t1.shape[2]))], dim=1)
    tw = torch.mul(t1, s) + torch.mul(t0, 1.0 - s)
    pooled = p_to
    if p_from is not None and p_to is not None:
        pooled = torch.mul(p_to, s) + torch.mul(p_from, 1.0 - s)
    elif p_from is not None:
        pooled = p_from
    return tw, pooled


def cond_edit_fixture():
    to = (r(1, 3, 4), r(1, 5))
    to_bare = (r(1, 3, 4), None)
    short = (r(1, 2, 4), r(1, 5))
    long_ = (r(1, 5, 4), r(1, 5))
    out = {"to": flat(to[0]), "to_pooled": flat(to[1]), "to_bare": flat(to_bare[0]), "short": flat(short[0]),
           "short_pooled": flat(short[1]), "long": flat(long_[0]), "long_pooled": flat(long_[1])}
    for name, frm in (("short", short), ("long", long_)):
        tw, pooled = average(to, frm, 0.3)
        out["avg_" + name] = flat(tw)
        out["avg_" + name + "_pooled"] = flat(pooled)
        out["concat_" + name] = flat(torch.cat((to[0], frm[0]), 1))
    tw, pooled = average(to_bare, short, 0.3)
    out["avg_bare"] = flat(tw)
    out["avg_bare_pooled"] = flat(pooled)  # to has no pooled output: from's is taken
    return out


def main():
    root = sys.argv[1]
    g = guidance_fixture()
    c = cond_mix_fixture()
    e = cond_edit_fixture()
    for rel, data in (("dev/noodle/engine/sampling/guidance.json", g), ("dev/noodle/engine/diffusion/cond_mix.json", c),
                      ("dev/noodle/nodes/conditioning_edit.json", e)):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(data, f)
        print("wrote", path)


if __name__ == "__main__":
    main()
