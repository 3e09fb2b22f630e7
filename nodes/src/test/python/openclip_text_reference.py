#!/usr/bin/python3
"""Independent reference for Noodle's SD 2.x / SDXL text side, in plain torch (1.13).

OpenCLIP text transformers are run here the way open_clip runs them: torch.nn.MultiheadAttention with the packed
in_proj weights as stored in checkpoints, exact GELU, ln_final, pooled = x[argmax(ids)] @ text_projection. Nothing
is renamed: Java must convert the keys itself.

Writes into nodes/src/test/resources/dev/noodle/engine/text/:
  tiny_sd2_clip.safetensors      F16, cond_stage_model.model.* (open_clip names), width 128, 3 layers, 2 heads,
                                 projection 96 (not square, so the orientation of x·P is tested)
  tiny_sdxl_clip.safetensors     F16, conditioner.embedders.0.transformer.text_model.* (CLIP-L, HF names, width 64)
                                 + conditioner.embedders.1.model.* (bigG, open_clip names, width 128, projection 128)
  tiny_xl_expected.safetensors   F32 expected outputs (see keys below)
Run: /usr/bin/python3 nodes/src/test/python/openclip_text_reference.py
"""
import math
import os

import numpy as np
import torch

from clip_text_reference import write_safetensors

VOCAB, POS, BOS, EOS = 1000, 77, 998, 999


def rnd(gen, *shape, scale=0.2, offset=0.0):
    return (torch.randn(*shape, generator=gen) * scale + offset).half().float()


def openclip_weights(gen, w, layers, mlp, proj):
    p = {"token_embedding.weight": rnd(gen, VOCAB, w, scale=0.5),
         "positional_embedding": rnd(gen, POS, w, scale=0.1),
         "logit_scale": torch.tensor(4.6052)}
    for i in range(layers):
        b = "transformer.resblocks.%d." % i
        p[b + "ln_1.weight"] = rnd(gen, w, scale=0.1, offset=1.0)
        p[b + "ln_1.bias"] = rnd(gen, w, scale=0.1)
        p[b + "attn.in_proj_weight"] = rnd(gen, 3 * w, w, scale=w ** -0.5)
        p[b + "attn.in_proj_bias"] = rnd(gen, 3 * w, scale=0.05)
        p[b + "attn.out_proj.weight"] = rnd(gen, w, w, scale=w ** -0.5)
        p[b + "attn.out_proj.bias"] = rnd(gen, w, scale=0.05)
        p[b + "ln_2.weight"] = rnd(gen, w, scale=0.1, offset=1.0)
        p[b + "ln_2.bias"] = rnd(gen, w, scale=0.1)
        p[b + "mlp.c_fc.weight"] = rnd(gen, mlp, w, scale=w ** -0.5)
        p[b + "mlp.c_fc.bias"] = rnd(gen, mlp, scale=0.05)
        p[b + "mlp.c_proj.weight"] = rnd(gen, w, mlp, scale=mlp ** -0.5)
        p[b + "mlp.c_proj.bias"] = rnd(gen, w, scale=0.05)
    p["ln_final.weight"] = rnd(gen, w, scale=0.1, offset=1.0)
    p["ln_final.bias"] = rnd(gen, w, scale=0.1)
    p["text_projection"] = rnd(gen, w, proj, scale=w ** -0.5)
    return p


def run_openclip(p, ids, w, heads, layers, stop=-1, final_norm=True):
    """open_clip TextTransformer (sequence-first MultiheadAttention). Returns (hidden [B,T,W], pooled [B,P])."""
    B, T = ids.shape
    x = p["token_embedding.weight"][ids] + p["positional_embedding"][:T]
    x = x.permute(1, 0, 2)  # [T, B, W]
    mask = torch.full((T, T), float("-inf")).triu(1)
    keep = layers + stop
    kept = None
    for i in range(layers):
        b = "transformer.resblocks.%d." % i
        mha = torch.nn.MultiheadAttention(w, heads)
        with torch.no_grad():
            mha.in_proj_weight.copy_(p[b + "attn.in_proj_weight"])
            mha.in_proj_bias.copy_(p[b + "attn.in_proj_bias"])
            mha.out_proj.weight.copy_(p[b + "attn.out_proj.weight"])
            mha.out_proj.bias.copy_(p[b + "attn.out_proj.bias"])
        h = torch.nn.functional.layer_norm(x, (w,), p[b + "ln_1.weight"], p[b + "ln_1.bias"], 1e-5)
        x = x + mha(h, h, h, need_weights=False, attn_mask=mask)[0]
        h = torch.nn.functional.layer_norm(x, (w,), p[b + "ln_2.weight"], p[b + "ln_2.bias"], 1e-5)
        h = torch.nn.functional.linear(h, p[b + "mlp.c_fc.weight"], p[b + "mlp.c_fc.bias"])
        h = torch.nn.functional.gelu(h)
        x = x + torch.nn.functional.linear(h, p[b + "mlp.c_proj.weight"], p[b + "mlp.c_proj.bias"])
        if i == keep:
            kept = x
    x = x.permute(1, 0, 2)
    kept = kept.permute(1, 0, 2)
    lnf = lambda t: torch.nn.functional.layer_norm(t, (w,), p["ln_final.weight"], p["ln_final.bias"], 1e-5)
    last = lnf(x)
    hidden = lnf(kept) if final_norm else kept
    pooled = last[torch.arange(B), ids.argmax(dim=-1)] @ p["text_projection"]
    return hidden, pooled


def seq(body, pad):
    ids = [BOS] + body + [EOS]
    return ids + [pad] * (POS - len(ids))


def comfy_weighted(z, empty, weights):
    """ComfyUI: (z - z_empty)·w + z_empty at positions whose weight is not 1; chunks joined on the token axis."""
    out = z.clone()
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            if weights[r][j] != 1.0:
                out[r, j] = (z[r, j] - empty[j]) * weights[r][j] + empty[j]
    return out.reshape(1, -1, z.shape[-1])


def a1111_emphasis(z, weights):
    """A1111 'Original' emphasis, per chunk: z·w, then rescale so the chunk's mean is unchanged."""
    out = []
    for r in range(z.shape[0]):
        zc = z[r:r + 1]
        mean0 = zc.mean()
        zw = zc * torch.tensor(weights[r]).reshape(1, -1, 1)
        out.append(zw * (mean0 / zw.mean()))
    return torch.cat(out, dim=1)


def size_embedding(values, dim=256, max_period=10000):
    """ldm timestep_embedding in float32: [cos(n·f) | sin(n·f)], f_j = exp(-ln(max_period)·j/half)."""
    t = torch.tensor(values, dtype=torch.float32)
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
    args = t[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1).flatten()


def main():
    import clip_text_reference as sd1
    gen = torch.Generator().manual_seed(4321)
    out, files = {}, {}
    here = os.path.dirname(os.path.abspath(__file__))
    dst = os.path.join(here, "..", "resources", "dev", "noodle", "engine", "text")

    # ---------------- SD 2.x: ViT-H-like, pad 0, penultimate + final norm, projected pooled ----------------
    sd2 = openclip_weights(gen, 128, 3, 256, 96)
    a0 = seq([5, 17, 300, 42, 7], 0)
    b0 = seq(list(range(100, 175)), 0)
    with torch.no_grad():
        h, pl = run_openclip(sd2, torch.tensor([a0, b0]), 128, 2, 3, stop=-2, final_norm=True)
        out["sd2.skip2.hidden"], out["sd2.pooled"] = h, pl
        h, _ = run_openclip(sd2, torch.tensor([a0, b0]), 128, 2, 3, stop=-1, final_norm=True)
        out["sd2.last.hidden"] = h
        # A1111 emphasis on SD2 (penultimate + norm), two chunks
        wa = [1.0] * POS
        wb = [1.0] * POS
        wa[1], wa[2], wa[4] = 1.1, 1.21, 0.9090909
        wb[30] = 1.5
        z, _ = run_openclip(sd2, torch.tensor([a0, b0]), 128, 2, 3, stop=-2, final_norm=True)
        out["sd2.a1111.weights"] = torch.tensor([wa, wb])
        out["sd2.a1111.hidden"] = a1111_emphasis(z, [wa, wb])
    out["ids.a0"] = torch.tensor(a0)
    out["ids.b0"] = torch.tensor(b0)
    files["tiny_sd2_clip.safetensors"] = {"cond_stage_model.model." + k: v for k, v in sd2.items()}

    # ---------------- SDXL: CLIP-L (HF names, quick GELU) + bigG (open_clip names) ----------------
    gen_l = torch.Generator().manual_seed(99)
    sd1.W, sd1.HEADS, sd1.LAYERS, sd1.MLP = 64, 1, 3, 128
    clip_l = sd1.make_weights(gen_l)
    big_g = openclip_weights(gen, 128, 3, 256, 128)
    al, ag = seq([5, 17, 300, 42, 7], EOS), seq([5, 17, 300, 42, 7], 0)
    bl, bg = seq(list(range(100, 175)), EOS), seq(list(range(100, 175)), 0)
    el, eg = seq([], EOS), seq([], 0)
    wa = [1.0] * POS
    wb = [1.0] * POS
    wa[2], wa[3] = 1.2, 0.7
    wb[10] = 1.5
    with torch.no_grad():
        zl, _ = sd1.run(clip_l, torch.tensor([al, bl, el]), stop=-2, final_norm=False)
        zg, pg = run_openclip(big_g, torch.tensor([ag, bg, eg]), 128, 2, 3, stop=-2, final_norm=False)
        ctx = torch.cat([comfy_weighted(zl[:2], zl[2], [wa, wb]), comfy_weighted(zg[:2], zg[2], [wa, wb])], dim=-1)
        out["xl.weights"] = torch.tensor([wa, wb])
        out["xl.context"] = ctx  # [1, 154, 192]
        out["xl.pooled"] = pg[0:1]  # bigG, first chunk, projected
        # CLIPSetLastLayer -1: both encoders' last layer, still without the final norm
        zl1, _ = sd1.run(clip_l, torch.tensor([al]), stop=-1, final_norm=False)
        zg1, _ = run_openclip(big_g, torch.tensor([ag]), 128, 2, 3, stop=-1, final_norm=False)
        out["xl.last.context"] = torch.cat([zl1, zg1], dim=-1)
        # A1111 emphasis on both encoders, then concatenation
        out["xl.a1111.context"] = torch.cat([a1111_emphasis(zl[:2], [wa, wb]), a1111_emphasis(zg[:2], [wa, wb])],
                                            dim=-1)
        # the 2816 vector (original 1024x768 h×w, crop top 16 left 32, target 896x1152) and the refiner's 2560
        pooled = pg[0:1]
        out["xl.adm"] = torch.cat([pooled.flatten(), size_embedding([1024, 768, 16, 32, 896, 1152])]).unsqueeze(0)
        out["xl.refiner_adm"] = torch.cat([pooled.flatten(), size_embedding([832, 1216, 0, 8, 2.5])]).unsqueeze(0)
    out["ids.al"], out["ids.ag"] = torch.tensor(al), torch.tensor(ag)
    out["ids.bl"], out["ids.bg"] = torch.tensor(bl), torch.tensor(bg)
    xl = {"conditioner.embedders.0.transformer.text_model." + k: v for k, v in clip_l.items()}
    xl.update({"conditioner.embedders.1.model." + k: v for k, v in big_g.items()})
    files["tiny_sdxl_clip.safetensors"] = xl

    for name, tensors in files.items():
        write_safetensors(os.path.join(dst, name), {k: v.numpy().astype(np.float16) for k, v in tensors.items()})
    exp = {k: (v.numpy().astype(np.int64) if v.dtype == torch.int64 else v.numpy().astype(np.float32))
           for k, v in out.items()}
    write_safetensors(os.path.join(dst, "tiny_xl_expected.safetensors"), exp)
    print("sd2 pooled[0,:4]", out["sd2.pooled"][0, :4].tolist())
    print("xl adm[0,1280:1284]", out["xl.adm"][0, 1280:1284].tolist())


if __name__ == "__main__":
    main()
