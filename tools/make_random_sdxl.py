#!/usr/bin/env python3
"""Deterministic random-weight SDXL and SD 2.x checkpoints in the real single-file key layout (numpy only).

Writes into OUT_DIR (default random-sdxl-models):
  rnd-sdxl.safetensors        SDXL base: model.diffusion_model.* (label_emb, transformer depth 2/10, linear
                              proj_in/out, context 2048, adm 2816), conditioner.embedders.0.transformer.text_model.*
                              (CLIP-L, HF names), conditioner.embedders.1.model.* (OpenCLIP bigG, open_clip names,
                              text_projection, logit_scale), first_stage_model.* (KL-f8 VAE)
  rnd-sdxl-vpred.safetensors  the same plus a root `v_pred` key (ComfyUI reads it as v-prediction)
  rnd-sd2.safetensors         SD 2.x: UNet (context 1024, linear proj, head size 64), cond_stage_model.model.*
                              (OpenCLIP ViT-H, open_clip names), VAE, DDPM buffers (eps prediction)
  rnd-sd2-v.safetensors       the same plus `v_pred` (the 768-v models predict v)
  rnd-refiner.safetensors     SDXL refiner: model.diffusion_model.* (model_channels 384, channel_mult [1,2,4,4],
                              transformer depth 4 on the two middle levels and in the middle block, context 1280,
                              adm 2560), conditioner.embedders.0.model.* (OpenCLIP bigG alone), first_stage_model.*
  manifest.json               sizes, sha256, tensor counts

--tiny keeps every key name (same depths, same block indices) but uses small widths (UNet 32 channels, CLIP-L 64,
bigG/ViT-H 128, VAE 32) and F32, for tests; vocabularies stay 49408 so the real tokenizer works.
--only picks files: sdxl,sdxl-vpred,sd2,sd2-v,refiner (the default leaves the refiner out).

Every tensor comes from its own generator, numpy default_rng(SeedSequence([seed, sha256(name)[:8] words])), so
values do not depend on order. Init: std = gain/sqrt(fan_in) (gain 1 for inputs, 0.5 for residual outputs),
biases N(0, 0.02), norm weights 1 + N(0, 0.05), token embedding std 0.05, positions 0.02. The UNet carries the
same "denoiser" structure as make_random_sd15.py: groups of conv_in channels copy each latent channel with
alternating sign, the last output block's skip passes them through and out.2 folds them back
(sum_j s_j·silu(s_j z) = pairs·z), so eps ≈ normalised input plus a damped random network.

Facts (ComfyUI supported_models.SDXL / SD20, model_base.SDXL): SDXL UNet model_channels 320, channel_mult [1,2,4],
transformer_depth [0,0,2,2,10,10], middle 10, output [0,0,0,2,2,2,10,10,10], context_dim 2048, adm_in_channels
2816, num_head_channels 64, use_linear_in_transformer. SD2: SD1 layout with context 1024 and linear projections.
SDXL refiner (ComfyUI supported_models.SDXLRefiner; Stability's sd_xl_refiner.yaml: attention_resolutions [4, 2],
transformer_depth 4, num_head_channels 64): model_channels 384, channel_mult [1,2,4,4], transformer_depth
[0,0,4,4,4,4,0,0], middle 4, context_dim 1280, adm_in_channels 2560 = 1280 pooled + 5 x 256 (height, width, crop
top, crop left, aesthetic score). Full size: 2,259,526,660 UNet parameters (4.52 GB at fp16).

Run: python3 tools/make_random_sdxl.py --out /work/bench-models/rnd-sdxl [--tiny] [--seed 7] [--fp16]
"""
import argparse
import hashlib
import json
import os
import struct
import sys
import time

import numpy as np


class Spec:
    def __init__(self):
        self.items = []

    def add(self, name, shape, role):
        self.items.append((name, tuple(int(s) for s in shape), role))

    def linear(self, p, cin, cout, gain=1.0, bias=True):
        self.add(p + ".weight", (cout, cin), "w:%g" % gain)
        if bias:
            self.add(p + ".bias", (cout,), "b")

    def conv(self, p, cin, cout, k, gain=1.0):
        self.add(p + ".weight", (cout, cin, k, k), "w:%g" % gain)
        self.add(p + ".bias", (cout,), "b")

    def norm(self, p, c):
        self.add(p + ".weight", (c,), "nw")
        self.add(p + ".bias", (c,), "nb")


def unet_spec(spec, mc, mult, depth, depth_mid, ctx, adm, linear_proj, P="model.diffusion_model."):
    """LDM UNet. depth[level] = transformer blocks per attention (0 = no attention at that level)."""
    tdim = 4 * mc

    def res(p, cin, cout, skip_role=None):
        spec.norm(p + ".in_layers.0", cin)
        spec.conv(p + ".in_layers.2", cin, cout, 3)
        spec.linear(p + ".emb_layers.1", tdim, cout)
        spec.norm(p + ".out_layers.0", cout)
        spec.conv(p + ".out_layers.3", cout, cout, 3, 0.5)
        if cin != cout:
            if skip_role:
                spec.add(p + ".skip_connection.weight", (cout, cin, 1, 1), skip_role)
                spec.add(p + ".skip_connection.bias", (cout,), "b")
            else:
                spec.conv(p + ".skip_connection", cin, cout, 1)

    def st(p, c, n):
        spec.norm(p + ".norm", c)
        if linear_proj:
            spec.linear(p + ".proj_in", c, c)
        else:
            spec.conv(p + ".proj_in", c, c, 1)
        for i in range(n):
            t = p + ".transformer_blocks.%d" % i
            for a, kv in (("attn1", c), ("attn2", ctx)):
                spec.linear(t + "." + a + ".to_q", c, c, bias=False)
                spec.linear(t + "." + a + ".to_k", kv, c, bias=False)
                spec.linear(t + "." + a + ".to_v", kv, c, bias=False)
                spec.linear(t + "." + a + ".to_out.0", c, c, 0.5)
            spec.linear(t + ".ff.net.0.proj", c, 8 * c)  # GEGLU: 2 × 4c
            spec.linear(t + ".ff.net.2", 4 * c, c, 0.5)
            for k in (1, 2, 3):
                spec.norm(t + ".norm%d" % k, c)
        if linear_proj:
            spec.linear(p + ".proj_out", c, c, 0.5)
        else:
            spec.conv(p + ".proj_out", c, c, 1, 0.5)

    spec.linear(P + "time_embed.0", mc, tdim)
    spec.linear(P + "time_embed.2", tdim, tdim)
    if adm:
        spec.linear(P + "label_emb.0.0", adm, tdim)
        spec.linear(P + "label_emb.0.2", tdim, tdim)
    spec.add(P + "input_blocks.0.0.weight", (mc, 4, 3, 3), "unet_conv_in")
    spec.add(P + "input_blocks.0.0.bias", (mc,), "unet_conv_in_bias")
    chans, ch, idx = [mc], mc, 1
    for level, m in enumerate(mult):
        for _ in range(2):
            res(P + "input_blocks.%d.0" % idx, ch, m * mc)
            ch = m * mc
            if depth[level]:
                st(P + "input_blocks.%d.1" % idx, ch, depth[level])
            chans.append(ch)
            idx += 1
        if level != len(mult) - 1:
            spec.conv(P + "input_blocks.%d.0.op" % idx, ch, ch, 3)
            chans.append(ch)
            idx += 1
    res(P + "middle_block.0", ch, ch)
    st(P + "middle_block.1", ch, depth_mid)
    res(P + "middle_block.2", ch, ch)
    idx = 0
    last = 3 * len(mult) - 1
    for level in reversed(range(len(mult))):
        for i in range(3):
            ich = chans.pop()
            cout = mult[level] * mc
            res(P + "output_blocks.%d.0" % idx, ch + ich, cout, "unet_out_skip" if idx == last else None)
            ch = cout
            sub = 1
            if depth[level]:
                st(P + "output_blocks.%d.1" % idx, ch, depth[level])
                sub = 2
            if level and i == 2:
                spec.conv(P + "output_blocks.%d.%d.conv" % (idx, sub), ch, ch, 3)
            idx += 1
    spec.norm(P + "out.0", mc)
    spec.add(P + "out.2.weight", (4, mc, 3, 3), "unet_conv_out")
    spec.add(P + "out.2.bias", (4,), "b")


def clip_hf_spec(spec, P, d, layers, vocab=49408):
    spec.add(P + "embeddings.token_embedding.weight", (vocab, d), "emb:0.05")
    spec.add(P + "embeddings.position_embedding.weight", (77, d), "emb:0.02")
    for i in range(layers):
        L = P + "encoder.layers.%d." % i
        for n in ("q_proj", "k_proj", "v_proj"):
            spec.linear(L + "self_attn." + n, d, d)
        spec.linear(L + "self_attn.out_proj", d, d, 0.5)
        spec.norm(L + "layer_norm1", d)
        spec.linear(L + "mlp.fc1", d, 4 * d)
        spec.linear(L + "mlp.fc2", 4 * d, d, 0.5)
        spec.norm(L + "layer_norm2", d)
    spec.norm(P + "final_layer_norm", d)


def open_clip_spec(spec, P, d, layers, proj, vocab=49408):
    spec.add(P + "token_embedding.weight", (vocab, d), "emb:0.05")
    spec.add(P + "positional_embedding", (77, d), "emb:0.02")
    for i in range(layers):
        L = P + "transformer.resblocks.%d." % i
        spec.norm(L + "ln_1", d)
        spec.add(L + "attn.in_proj_weight", (3 * d, d), "w:1")
        spec.add(L + "attn.in_proj_bias", (3 * d,), "b")
        spec.linear(L + "attn.out_proj", d, d, 0.5)
        spec.norm(L + "ln_2", d)
        spec.linear(L + "mlp.c_fc", d, 4 * d)
        spec.linear(L + "mlp.c_proj", 4 * d, d, 0.5)
    spec.norm(P + "ln_final", d)
    spec.add(P + "text_projection", (d, proj), "proj")  # used as x·P
    spec.add(P + "logit_scale", (), "logit_scale")


def vae_spec(spec, ch, P="first_stage_model."):
    mult, zc, top = [1, 2, 4, 4], 4, ch * 4

    def resb(p, cin, cout):
        spec.norm(p + ".norm1", cin)
        spec.conv(p + ".conv1", cin, cout, 3)
        spec.norm(p + ".norm2", cout)
        spec.conv(p + ".conv2", cout, cout, 3, 0.5)
        if cin != cout:
            spec.conv(p + ".nin_shortcut", cin, cout, 1)

    def attn(p, c):
        spec.norm(p + ".norm", c)
        for n in ("q", "k", "v"):
            spec.conv(p + "." + n, c, c, 1)
        spec.conv(p + ".proj_out", c, c, 1, 0.5)

    E, D = P + "encoder.", P + "decoder."
    spec.conv(E + "conv_in", 3, ch, 3)
    in_mult = [1] + mult
    for i in range(4):
        bi, bo = ch * in_mult[i], ch * mult[i]
        for j in range(2):
            resb(E + "down.%d.block.%d" % (i, j), bi, bo)
            bi = bo
        if i != 3:
            spec.conv(E + "down.%d.downsample.conv" % i, bo, bo, 3)
    resb(E + "mid.block_1", top, top)
    attn(E + "mid.attn_1", top)
    resb(E + "mid.block_2", top, top)
    spec.norm(E + "norm_out", top)
    spec.add(E + "conv_out.weight", (2 * zc, top, 3, 3), "vae_enc_conv_out")
    spec.add(E + "conv_out.bias", (2 * zc,), "vae_enc_conv_out_bias")
    spec.add(P + "quant_conv.weight", (2 * zc, 2 * zc, 1, 1), "vae_quant_conv")
    spec.add(P + "quant_conv.bias", (2 * zc,), "b")
    spec.add(P + "post_quant_conv.weight", (zc, zc, 1, 1), "vae_post_quant_conv")
    spec.add(P + "post_quant_conv.bias", (zc,), "b")
    spec.conv(D + "conv_in", zc, top, 3, 0.2)
    resb(D + "mid.block_1", top, top)
    attn(D + "mid.attn_1", top)
    resb(D + "mid.block_2", top, top)
    bi = top
    for i in reversed(range(4)):
        bo = ch * mult[i]
        for j in range(3):
            resb(D + "up.%d.block.%d" % (i, j), bi, bo)
            bi = bo
        if i != 0:
            spec.conv(D + "up.%d.upsample.conv" % i, bo, bo, 3)
    spec.norm(D + "norm_out", ch)
    spec.conv(D + "conv_out", ch, 3, 3, 0.8)


def tensor_rng(seed, name):
    words = list(struct.unpack("<2I", hashlib.sha256(name.encode("utf-8")).digest()[:8]))
    return np.random.default_rng(np.random.SeedSequence([seed] + words))


def _normal(rng, shape, std):
    return rng.standard_normal(shape, dtype=np.float32) * np.float32(std)


def tensor_values(name, shape, role, seed, mc):
    rng = tensor_rng(seed, name)
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    g = min(10, mc // 4) // 2 * 2  # channels per latent channel in the denoiser path (even: ± pairs)
    if role.startswith("w:"):
        return _normal(rng, shape, float(role[2:]) / np.sqrt(fan_in))
    if role in ("b", "nb"):
        return _normal(rng, shape, 0.02)
    if role == "nw":
        return np.float32(1.0) + _normal(rng, shape, 0.05)
    if role.startswith("emb:"):
        return _normal(rng, shape, float(role[4:]))
    if role == "proj":
        return _normal(rng, shape, 1.0 / np.sqrt(shape[0]))
    if role == "logit_scale":
        return np.array(np.log(100.0), dtype=np.float32)
    if role == "unet_conv_in":
        w = _normal(rng, shape, 1.0 / np.sqrt(fan_in))
        for k in range(4):
            for j in range(g):
                w[g * k + j] = 0.0
                w[g * k + j, k, 1, 1] = 1.0 if j % 2 == 0 else -1.0
        return w
    if role == "unet_conv_in_bias":
        b = _normal(rng, shape, 0.02)
        b[:4 * g] = 0.0
        return b
    if role == "unet_out_skip":
        w = _normal(rng, shape, 1.0 / np.sqrt(shape[1]))
        w[:4 * g] *= np.float32(0.3)
        h_ch = shape[1] - mc  # h first, then hs[0] (mc channels)
        for c in range(4 * g):
            w[c, h_ch + c, 0, 0] += 1.0
        return w
    if role == "unet_conv_out":
        w = _normal(rng, shape, 0.3 / np.sqrt(fan_in))
        for k in range(4):
            for j in range(g):
                w[k, g * k + j, 1, 1] += (1.0 if j % 2 == 0 else -1.0) / (g // 2)
        return w
    if role == "vae_enc_conv_out":
        w = _normal(rng, shape, 1.0 / np.sqrt(fan_in))
        w[4:] *= np.float32(0.1)
        return w
    if role == "vae_enc_conv_out_bias":
        b = _normal(rng, shape, 0.02)
        b[4:] += np.float32(-10.0)
        return b
    if role == "vae_quant_conv":
        w = _normal(rng, shape, 0.05)
        w[:4, 4:] = 0.0
        w[4:, :4] = 0.0
        for c in range(shape[0]):
            w[c, c, 0, 0] += 1.0
        return w
    if role == "vae_post_quant_conv":
        w = _normal(rng, shape, 0.1)
        for c in range(shape[0]):
            w[c, c, 0, 0] += 1.0
        return w
    raise ValueError("unknown role " + role)


def ddpm_buffers():
    betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=np.float64) ** 2
    ac = np.cumprod(1.0 - betas)
    ac_prev = np.append(1.0, ac[:-1])
    bufs = {"betas": betas, "alphas_cumprod": ac, "alphas_cumprod_prev": ac_prev,
            "sqrt_alphas_cumprod": np.sqrt(ac), "sqrt_one_minus_alphas_cumprod": np.sqrt(1.0 - ac)}
    return {k: v.astype(np.float32) for k, v in bufs.items()}


DT_SIZE = {"F32": 4, "F16": 2, "I64": 8}
DT_NP = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}


def write_safetensors(path, entries, metadata=None):
    """entries: (name, dtype, shape, fn); header padded with spaces to 8 bytes; temp file + rename."""
    entries = sorted(entries, key=lambda e: e[0])
    header, off = {}, 0
    for name, dt, shape, _ in entries:
        n = int(np.prod(shape)) if len(shape) else 1
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + n * DT_SIZE[dt]]}
        off += n * DT_SIZE[dt]
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    sha = hashlib.sha256()
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        pre = struct.pack("<Q", len(hb)) + hb
        f.write(pre)
        sha.update(pre)
        for name, dt, shape, fn in entries:
            a = np.asarray(fn())
            assert tuple(a.shape) == tuple(shape), (name, a.shape, shape)
            b = np.ascontiguousarray(a.astype(DT_NP[dt])).tobytes()
            assert len(b) == header[name]["data_offsets"][1] - header[name]["data_offsets"][0], name
            f.write(b)
            sha.update(b)
    os.replace(tmp, path)
    return {"file": os.path.basename(path), "bytes": os.path.getsize(path), "sha256": sha.hexdigest(),
            "tensors": len(entries)}


def model_spec(family, tiny):
    """(Spec, mc, {part: params}) for 'sdxl', 'refiner' or 'sd2'."""
    s = Spec()
    counts = {}

    def part(name, fn):
        n0 = len(s.items)
        fn()
        counts[name] = sum(int(np.prod(sh)) for _, sh, _ in s.items[n0:])

    if family == "sdxl":
        mc, dl, dg = (32, 64, 128) if tiny else (320, 768, 1280)
        lg = (3, 3) if tiny else (12, 32)
        part("unet", lambda: unet_spec(s, mc, [1, 2, 4], [0, 2, 10], 10, dl + dg, dg + 6 * 256, True))
        part("clip_l", lambda: clip_hf_spec(s, "conditioner.embedders.0.transformer.text_model.", dl, lg[0]))
        part("clip_g", lambda: open_clip_spec(s, "conditioner.embedders.1.model.", dg, lg[1], dg))
    elif family == "refiner":
        mc, dg = (32, 128) if tiny else (384, 1280)
        layers = 3 if tiny else 32
        part("unet", lambda: unet_spec(s, mc, [1, 2, 4, 4], [0, 4, 4, 0], 4, dg, dg + 5 * 256, True))
        part("clip_g", lambda: open_clip_spec(s, "conditioner.embedders.0.model.", dg, layers, dg))
    else:
        mc, dh, layers = (32, 128, 3) if tiny else (320, 1024, 24)
        part("unet", lambda: unet_spec(s, mc, [1, 2, 4, 4], [1, 1, 1, 0], 1, dh, 0, True))
        part("clip_h", lambda: open_clip_spec(s, "cond_stage_model.model.", dh, layers, dh))
    part("vae", lambda: vae_spec(s, 32 if tiny else 128))
    return s, mc, counts


# parameter counts of the real models (without logit_scale / buffers), checked for the full-size specs
FULL_COUNTS = {"sdxl": {"unet": 2567463684, "clip_l": 123060480, "clip_g": 694659841, "vae": 83653863},
               "sd2": {"unet": 865910724, "clip_h": 354032641, "vae": 83653863}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="random-sdxl-models")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--fp16", action="store_true", help="store float weights as F16 (default F32)")
    ap.add_argument("--only", default="sdxl,sdxl-vpred,sd2,sd2-v")
    ap.add_argument("--count-only", action="store_true", help="print parameter counts and exit")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    dt = "F16" if args.fp16 else "F32"
    manifest = {"seed": args.seed, "generator": "make_random_sdxl.py", "tiny": args.tiny, "files": []}
    t0 = time.time()
    for want in args.only.split(","):
        family = "refiner" if want == "refiner" else "sdxl" if want.startswith("sdxl") else "sd2"
        spec, mc, counts = model_spec(family, args.tiny)
        print(want, "params", counts, flush=True)
        if not args.tiny:
            assert family not in FULL_COUNTS or counts == FULL_COUNTS[family], (counts, FULL_COUNTS[family])
        if args.count_only:
            continue
        ent = [(n, dt, sh, lambda n=n, sh=sh, r=r: tensor_values(n, sh, r, args.seed, mc))
               for n, sh, r in spec.items]
        if family == "refiner":
            pass  # the refiner's only text encoder is OpenCLIP bigG (open_clip names, no position_ids)
        elif family == "sdxl":
            ent.append(("conditioner.embedders.0.transformer.text_model.embeddings.position_ids", "I64", (1, 77),
                        lambda: np.arange(77, dtype=np.int64).reshape(1, 77)))
        else:
            ent += [(k, dt, v.shape, lambda v=v: v) for k, v in ddpm_buffers().items()]
        if want.endswith("vpred") or want.endswith("-v"):
            ent.append(("v_pred", dt, (0,), lambda: np.zeros((0,), dtype=np.float32)))
        name = "rnd-%s%s.safetensors" % (want, "-tiny" if args.tiny else "")
        r = write_safetensors(os.path.join(args.out, name), ent, {"format": "pt"})
        print(r, "%.1fs" % (time.time() - t0), flush=True)
        manifest["files"].append(r)
    if not args.count_only:
        with open(os.path.join(args.out, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
