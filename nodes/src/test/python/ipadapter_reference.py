#!/usr/bin/python3
"""Independent reference for IP-Adapter (Ye et al. 2023) as ComfyUI_IPAdapter_plus applies it, on tiny random weights.

Re-states the published modules with torch: ImageProjModel (Linear -> reshape -> LayerNorm), the Perceiver Resampler
(latents attend to [proj_in(x) ; latents] through PerceiverAttention + FeedForward, then proj_out, norm_out) and
MLPProjModel (Linear, GELU, Linear, LayerNorm); and one attn2 site's extra term, computed the pack's way: keys/values
of the positive and negative tokens repeated per prompt and concatenated in cond_or_uncond order, then ComfyUI's
attention, which views k/v as [b, -1, heads, dim_head] (so several images' tokens join along the token axis), with the
four embeds_scaling modes and an attention mask resized with F.interpolate(bilinear).

Writes to nodes/src/test/resources/dev/noodle/engine/ipadapter/:
  ipa_plain.bin              torch.save({"image_proj": ..., "ip_adapter": ...}) of a plain adapter
  ipa_plus.safetensors       a Resampler adapter, flat keys
  ipa_full.safetensors       an MLP (full-face) adapter, flat keys
  ipa_expected.safetensors   inputs and expected outputs
Run: /usr/bin/python3 nodes/src/test/python/ipadapter_reference.py
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/engine/ipadapter")
torch.manual_seed(15)
D = 24                 # token width (to_k_ip input)
WIDTHS = [32, 32, 64]  # attn2 widths in file order: input_blocks.1, output_blocks.2, middle_block


def save(path, tensors):
    header, blobs, offset = {}, [], 0
    for k, t in tensors.items():
        a = t.detach().contiguous().numpy().astype(np.float32)
        b = a.tobytes()
        header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(os.path.join(OUT, path), "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rnd(*shape, scale=None):
    s = scale if scale is not None else 1.0 / math.sqrt(shape[-1])
    return torch.randn(*shape) * s


def ln_params(n):
    return 1.0 + 0.1 * torch.randn(n), 0.1 * torch.randn(n)


def ip_layers():
    sd = {}
    for i, w in enumerate(WIDTHS):
        sd[f"{2 * i + 1}.to_k_ip.weight"] = rnd(w, D)
        sd[f"{2 * i + 1}.to_v_ip.weight"] = rnd(w, D)
    return sd


def layer_norm(x, w, b):
    return F.layer_norm(x, (x.shape[-1],), w, b, 1e-5)


# ---- plain: ImageProjModel(cross_attention_dim=D, clip_embeddings_dim=16, clip_extra_context_tokens=4)
C_PLAIN, T_PLAIN = 16, 4
plain = {"proj.weight": rnd(T_PLAIN * D, C_PLAIN), "proj.bias": 0.1 * torch.randn(T_PLAIN * D)}
plain["norm.weight"], plain["norm.bias"] = ln_params(D)
plain_ip = ip_layers()
torch.save({"image_proj": plain, "ip_adapter": plain_ip}, os.path.join(OUT, "ipa_plain.bin"))


def project_plain(x):
    h = F.linear(x, plain["proj.weight"], plain["proj.bias"]).reshape(-1, T_PLAIN, D)
    return layer_norm(h, plain["norm.weight"], plain["norm.bias"])


# ---- plus: Resampler(dim=32, depth=2, dim_head=64, heads=2, num_queries=4, embedding_dim=20, output_dim=D, ff_mult=4)
C_PLUS, DIM, HEADS, DH, DEPTH, Q, FF = 20, 32, 2, 64, 2, 4, 128
INNER = HEADS * DH
plus = {"latents": torch.randn(1, Q, DIM) / DIM ** 0.5, "proj_in.weight": rnd(DIM, C_PLUS),
        "proj_in.bias": 0.1 * torch.randn(DIM), "proj_out.weight": rnd(D, DIM), "proj_out.bias": 0.1 * torch.randn(D)}
plus["norm_out.weight"], plus["norm_out.bias"] = ln_params(D)
for i in range(DEPTH):
    p = f"layers.{i}."
    plus[p + "0.norm1.weight"], plus[p + "0.norm1.bias"] = ln_params(DIM)
    plus[p + "0.norm2.weight"], plus[p + "0.norm2.bias"] = ln_params(DIM)
    plus[p + "0.to_q.weight"] = rnd(INNER, DIM)
    plus[p + "0.to_kv.weight"] = rnd(2 * INNER, DIM)
    plus[p + "0.to_out.weight"] = rnd(DIM, INNER)
    plus[p + "1.0.weight"], plus[p + "1.0.bias"] = ln_params(DIM)
    plus[p + "1.1.weight"] = rnd(FF, DIM)
    plus[p + "1.3.weight"] = rnd(DIM, FF)
plus_ip = ip_layers()
save("ipa_plus.safetensors", {**{"image_proj." + k: v for k, v in plus.items()},
                              **{"ip_adapter." + k: v for k, v in plus_ip.items()}})


def heads_of(t):  # [b, n, h*d] -> [b, h, n, d]
    b, n, _ = t.shape
    return t.view(b, n, HEADS, -1).transpose(1, 2)


def project_plus(x):
    latents = plus["latents"].repeat(x.shape[0], 1, 1)
    x = F.linear(x, plus["proj_in.weight"], plus["proj_in.bias"])
    for i in range(DEPTH):
        p = f"layers.{i}."
        xn = layer_norm(x, plus[p + "0.norm1.weight"], plus[p + "0.norm1.bias"])
        lat = layer_norm(latents, plus[p + "0.norm2.weight"], plus[p + "0.norm2.bias"])
        q = F.linear(lat, plus[p + "0.to_q.weight"])
        k, v = F.linear(torch.cat((xn, lat), dim=-2), plus[p + "0.to_kv.weight"]).chunk(2, dim=-1)
        q, k, v = heads_of(q), heads_of(k), heads_of(v)
        scale = 1 / math.sqrt(math.sqrt(DH))
        w = torch.softmax((q * scale) @ (k * scale).transpose(-2, -1), dim=-1)
        o = (w @ v).permute(0, 2, 1, 3).reshape(latents.shape[0], latents.shape[1], -1)
        latents = F.linear(o, plus[p + "0.to_out.weight"]) + latents
        h = layer_norm(latents, plus[p + "1.0.weight"], plus[p + "1.0.bias"])
        latents = F.linear(F.gelu(F.linear(h, plus[p + "1.1.weight"])), plus[p + "1.3.weight"]) + latents
    return layer_norm(F.linear(latents, plus["proj_out.weight"], plus["proj_out.bias"]), plus["norm_out.weight"],
                      plus["norm_out.bias"])


# ---- full-face: MLPProjModel(cross_attention_dim=D, clip_embeddings_dim=16)
C_FULL = 16
full = {"proj.0.weight": rnd(C_FULL, C_FULL), "proj.0.bias": 0.1 * torch.randn(C_FULL),
        "proj.2.weight": rnd(D, C_FULL), "proj.2.bias": 0.1 * torch.randn(D)}
full["proj.3.weight"], full["proj.3.bias"] = ln_params(D)
full_ip = ip_layers()
save("ipa_full.safetensors", {**{"image_proj." + k: v for k, v in full.items()},
                              **{"ip_adapter." + k: v for k, v in full_ip.items()}})


def project_full(x):
    h = F.gelu(F.linear(x, full["proj.0.weight"], full["proj.0.bias"]))
    return layer_norm(F.linear(h, full["proj.2.weight"], full["proj.2.bias"]), full["proj.3.weight"],
                      full["proj.3.bias"])


embeds = torch.randn(2, C_PLAIN)
hidden_plus = torch.randn(2, 5, C_PLUS)
hidden_full = torch.randn(2, 5, C_FULL)
expected = {"in.embeds": embeds, "in.hidden_plus": hidden_plus, "in.hidden_full": hidden_full,
            "out.plain": project_plain(embeds), "out.plus": project_plus(hidden_plus),
            "out.full": project_full(hidden_full)}

# ---- one attn2 site, the pack's ipadapter_attention, with the plus adapter's tokens of two images ("concat")
cond = project_plus(hidden_plus)                     # [2 images, Q, D]
uncond = project_plus(torch.zeros(2, 5, C_PLUS))     # the negative image's tokens, one per image
cond_or_uncond = [0, 1]
B_ROWS, NQ, SITE_HEADS = 4, 6, 2
batch_prompt = B_ROWS // len(cond_or_uncond)
q = torch.randn(B_ROWS, NQ, 32)
expected["in.q"] = q
expected["in.cond"] = cond
expected["in.uncond"] = uncond


def comfy_attention(q, k, v, heads):  # comfy.ldm.modules.attention.attention_pytorch
    b, _, dim_head = q.shape
    dim_head //= heads
    q, k, v = map(lambda t: t.view(b, -1, heads, dim_head).transpose(1, 2), (q, k, v))
    out = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dim_head), dim=-1) @ v
    return out.transpose(1, 2).reshape(b, -1, heads * dim_head)


def site_term(layer, weight, scaling, swap=False, mask=None, oh=None, ow=None):
    wk, wv = plus_ip[f"{2 * layer + 1}.to_k_ip.weight"], plus_ip[f"{2 * layer + 1}.to_v_ip.weight"]
    c, u = cond, uncond
    if swap:
        u, c = c, c * 0
    k_cond = F.linear(c, wk).repeat(batch_prompt, 1, 1)
    k_uncond = F.linear(u, wk).repeat(batch_prompt, 1, 1)
    v_cond = F.linear(c, wv).repeat(batch_prompt, 1, 1)
    v_uncond = F.linear(u, wv).repeat(batch_prompt, 1, 1)
    ip_k = torch.cat([(k_cond, k_uncond)[i] for i in cond_or_uncond], dim=0)
    ip_v = torch.cat([(v_cond, v_uncond)[i] for i in cond_or_uncond], dim=0)
    if scaling == "K+mean(V) w/ C penalty":
        weight = weight * (ip_k.shape[2] / 1280.0)
        ip_k = ip_k * weight
        m = torch.mean(ip_v, dim=1, keepdim=True)
        ip_v = (ip_v - m) + m * weight
        out = comfy_attention(q, ip_k, ip_v, SITE_HEADS)
    elif scaling == "K+V w/ C penalty":
        weight = weight * (ip_k.shape[2] / 1280.0)
        out = comfy_attention(q, ip_k * weight, ip_v * weight, SITE_HEADS)
    elif scaling == "K+V":
        out = comfy_attention(q, ip_k * weight, ip_v * weight, SITE_HEADS)
    else:
        out = comfy_attention(q, ip_k, ip_v, SITE_HEADS) * weight
    if mask is not None:
        seq_len = q.shape[1]
        mask_h = oh / math.sqrt(oh * ow / seq_len)
        mask_h = int(mask_h) + int((seq_len % int(mask_h)) != 0)
        mask_w = seq_len // mask_h
        m = F.interpolate(mask.unsqueeze(1), size=(mask_h, mask_w), mode="bilinear").squeeze(1)
        if m.shape[0] < batch_prompt:
            m = torch.cat((m, m[-1:].repeat(batch_prompt - m.shape[0], 1, 1)), dim=0)
        m = m[:batch_prompt].repeat(len(cond_or_uncond), 1, 1)
        m = m.view(m.shape[0], -1, 1).repeat(1, 1, out.shape[2])
        out = out * m
    return out


W = 0.7
for name in ["V only", "K+V", "K+V w/ C penalty", "K+mean(V) w/ C penalty"]:
    expected["site.layer0." + name] = site_term(0, W, name)
# output_blocks.2 is transformer 2 (input_blocks.1 = 0, middle = 1): "ease in" with the pack's 16 layers
expected["site.layer1.ease_in"] = site_term(1, W * (0.05 + 0.95 * (1 - 2 / 16)), "V only")
# "composition precise" swaps the tokens off the composition layers (t = 4, 5 in a 16-layer count)
expected["site.layer0.swap"] = site_term(0, W, "V only", swap=True)
mask = torch.rand(1, 7, 9)
expected["in.mask"] = mask
expected["site.layer0.mask"] = site_term(0, W, "V only", mask=mask, oh=4, ow=6)
save("ipa_expected.safetensors", expected)
print("wrote", sorted(expected))
