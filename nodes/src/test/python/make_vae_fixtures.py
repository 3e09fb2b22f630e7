#!/usr/bin/python3
"""Independent torch reference of the LDM AutoencoderKL (tiny config, real key names) for Noodle's VAE tests.

Run with Debian's python3-torch:  /usr/bin/python3 nodes/src/test/python/make_vae_fixtures.py
Writes nodes/src/test/resources/dev/noodle/engine/vae/tiny_vae.safetensors (weights + inputs + expected outputs,
all F32, written by hand with numpy).

Architecture (Rombach et al. 2022, "High-Resolution Image Synthesis with Latent Diffusion Models", the ldm
`Encoder`/`Decoder` in modules/diffusionmodules/model.py): ResNet blocks with GroupNorm(32, eps 1e-6) + swish,
stride-2 downsampling after an asymmetric (0,1,0,1) pad, nearest x2 upsampling + conv, one single-head
self-attention block in the middle. Encode returns the posterior mean (ComfyUI uses the mode), times the scale.
Tiled decode/encode follow ComfyUI's tiled_scale: linear feather masks, three tilings averaged.
"""
import itertools
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

CH, CH_MULT, NUM_RES, Z, EMBED, IN_CH, OUT_CH = 32, (1, 1, 2, 2), 1, 4, 4, 3, 3
SCALE = 0.18215
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "vae")

rng = np.random.default_rng(1234)
W = {}


def conv(name, cin, cout, k, gain=1.0):
    W[name + ".weight"] = rng.normal(0, gain / np.sqrt(cin * k * k), (cout, cin, k, k)).astype(np.float32)
    W[name + ".bias"] = rng.normal(0, 0.02, (cout,)).astype(np.float32)


def norm(name, c):
    W[name + ".weight"] = (1 + rng.normal(0, 0.05, (c,))).astype(np.float32)
    W[name + ".bias"] = rng.normal(0, 0.02, (c,)).astype(np.float32)


def resblock(name, cin, cout):
    norm(name + ".norm1", cin)
    conv(name + ".conv1", cin, cout, 3)
    norm(name + ".norm2", cout)
    conv(name + ".conv2", cout, cout, 3, 0.5)
    if cin != cout:
        conv(name + ".nin_shortcut", cin, cout, 1)


def attn(name, c, linear):
    norm(name + ".norm", c)
    for p in ("q", "k", "v", "proj_out"):
        conv(name + "." + p, c, c, 1, 0.5 if p == "proj_out" else 1.0)
        if linear:  # newer VAE files store these as Linear weights [C, C]
            W[name + "." + p + ".weight"] = W[name + "." + p + ".weight"][:, :, 0, 0].copy()


# ---- weights with the real LDM key names
conv("encoder.conv_in", IN_CH, CH, 3)
block_in = CH
for i, m in enumerate(CH_MULT):
    block_out = CH * m
    for j in range(NUM_RES):
        resblock(f"encoder.down.{i}.block.{j}", block_in, block_out)
        block_in = block_out
    if i != len(CH_MULT) - 1:
        conv(f"encoder.down.{i}.downsample.conv", block_in, block_in, 3)
resblock("encoder.mid.block_1", block_in, block_in)
attn("encoder.mid.attn_1", block_in, linear=False)
resblock("encoder.mid.block_2", block_in, block_in)
norm("encoder.norm_out", block_in)
conv("encoder.conv_out", block_in, 2 * Z, 3, 0.5)
conv("quant_conv", 2 * Z, 2 * EMBED, 1)
conv("post_quant_conv", EMBED, Z, 1)
block_in = CH * CH_MULT[-1]
conv("decoder.conv_in", Z, block_in, 3)
resblock("decoder.mid.block_1", block_in, block_in)
attn("decoder.mid.attn_1", block_in, linear=True)
resblock("decoder.mid.block_2", block_in, block_in)
for i in reversed(range(len(CH_MULT))):
    block_out = CH * CH_MULT[i]
    for j in range(NUM_RES + 1):
        resblock(f"decoder.up.{i}.block.{j}", block_in, block_out)
        block_in = block_out
    if i != 0:
        conv(f"decoder.up.{i}.upsample.conv", block_in, block_in, 3)
norm("decoder.norm_out", block_in)
conv("decoder.conv_out", block_in, OUT_CH, 3, 0.5)

T = {k: torch.from_numpy(v) for k, v in W.items()}


# ---- reference forward (plain torch functional calls)
def c2(x, name, stride=1, pad=1):
    w = T[name + ".weight"]
    if w.dim() == 2:
        w = w[:, :, None, None]
    return F.conv2d(x, w, T[name + ".bias"], stride=stride, padding=pad)


def gn(x, name):
    return F.group_norm(x, 32, T[name + ".weight"], T[name + ".bias"], 1e-6)


def swish(x):
    return x * torch.sigmoid(x)


def res(x, name):
    h = c2(swish(gn(x, name + ".norm1")), name + ".conv1")
    h = c2(swish(gn(h, name + ".norm2")), name + ".conv2")
    if name + ".nin_shortcut.weight" in T:
        x = c2(x, name + ".nin_shortcut", pad=0)
    return x + h


def attention(x, name):
    h = gn(x, name + ".norm")
    q, k, v = (c2(h, name + "." + p, pad=0) for p in ("q", "k", "v"))
    b, c, hh, ww = q.shape
    q = q.reshape(b, c, hh * ww).permute(0, 2, 1)
    k = k.reshape(b, c, hh * ww)
    w = torch.softmax(torch.bmm(q, k) * c ** -0.5, dim=2)
    o = torch.bmm(v.reshape(b, c, hh * ww), w.permute(0, 2, 1)).reshape(b, c, hh, ww)
    return x + c2(o, name + ".proj_out", pad=0)


def encoder(x):
    h = c2(x, "encoder.conv_in")
    for i in range(len(CH_MULT)):
        for j in range(NUM_RES):
            h = res(h, f"encoder.down.{i}.block.{j}")
        if i != len(CH_MULT) - 1:
            h = c2(F.pad(h, (0, 1, 0, 1)), f"encoder.down.{i}.downsample.conv", stride=2, pad=0)
    h = res(h, "encoder.mid.block_1")
    h = attention(h, "encoder.mid.attn_1")
    h = res(h, "encoder.mid.block_2")
    return c2(swish(gn(h, "encoder.norm_out")), "encoder.conv_out")


def decoder(z):
    h = c2(z, "decoder.conv_in")
    h = res(h, "decoder.mid.block_1")
    h = attention(h, "decoder.mid.attn_1")
    h = res(h, "decoder.mid.block_2")
    for i in reversed(range(len(CH_MULT))):
        for j in range(NUM_RES + 1):
            h = res(h, f"decoder.up.{i}.block.{j}")
        if i != 0:
            h = c2(F.interpolate(h, scale_factor=2.0, mode="nearest"), f"decoder.up.{i}.upsample.conv")
    return c2(swish(gn(h, "decoder.norm_out")), "decoder.conv_out")


def encode_raw(img01):  # [B,3,H,W] in [0,1] -> posterior mean [B,4,h,w] (unscaled)
    moments = c2(encoder(img01 * 2 - 1), "quant_conv", pad=0)
    return moments[:, :EMBED]


def decode_raw(z):  # unscaled latent -> decoder output in [-1, 1] (not clamped)
    return decoder(c2(z, "post_quant_conv", pad=0))


def tiled_scale(s, fn, tile_h, tile_w, overlap, up, out_ch):
    """ComfyUI tiled_scale semantics: positions every tile-overlap, linear feather of round(overlap*up)."""
    dims = (tile_h, tile_w)
    out_shape = [s.shape[0], out_ch] + [round(d * up) for d in s.shape[2:]]
    output = torch.empty(out_shape)
    for b in range(s.shape[0]):
        sb = s[b:b + 1]
        if all(sb.shape[d + 2] <= dims[d] for d in range(2)):
            output[b:b + 1] = fn(sb)
            continue
        acc = torch.zeros([1] + out_shape[1:])
        div = torch.zeros([1] + out_shape[1:])
        positions = [range(0, sb.shape[d + 2] - overlap, dims[d] - overlap) if sb.shape[d + 2] > dims[d] else [0]
                     for d in range(2)]
        for it in itertools.product(*positions):
            x = sb
            starts = []
            for d in range(2):
                pos = max(0, min(sb.shape[d + 2] - overlap, it[d]))
                ln = min(dims[d], sb.shape[d + 2] - pos)
                x = x.narrow(d + 2, pos, ln)
                starts.append(round(pos * up))
            ps = fn(x)
            mask = torch.ones_like(ps)
            for d in (2, 3):
                feather = round(overlap * up)
                if feather >= mask.shape[d]:
                    continue
                for t in range(feather):
                    a = (t + 1) / feather
                    mask.narrow(d, t, 1).mul_(a)
                    mask.narrow(d, mask.shape[d] - 1 - t, 1).mul_(a)
            o, od = acc, div
            for d in range(2):
                o = o.narrow(d + 2, starts[d], mask.shape[d + 2])
                od = od.narrow(d + 2, starts[d], mask.shape[d + 2])
            o.add_(ps * mask)
            od.add_(mask)
        output[b:b + 1] = acc / div
    return output


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for k in sorted(tensors):
        a = np.ascontiguousarray(tensors[k], dtype="<f4")
        header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)


with torch.no_grad():
    g = torch.Generator().manual_seed(7)
    image = torch.rand(2, 3, 48, 64, generator=g)
    latent = torch.randn(1, 4, 10, 12, generator=g) * SCALE

    encoded = encode_raw(image) * SCALE
    decoded = ((decode_raw(latent / SCALE) + 1) / 2).clamp(0, 1)

    # ComfyUI decode_tiled_: three tilings (tile_x//2 x tile_y*2, tile_x*2 x tile_y//2, tile_x x tile_y), averaged
    tile, ov = 6, 2
    dfn = lambda a: decode_raw(a / SCALE)
    dec_t = (tiled_scale(latent, dfn, tile * 2, tile // 2, ov, 8, 3)
             + tiled_scale(latent, dfn, tile // 2, tile * 2, ov, 8, 3)
             + tiled_scale(latent, dfn, tile, tile, ov, 8, 3)) / 3.0
    decoded_tiled = ((dec_t + 1) / 2).clamp(0, 1)

    # ComfyUI encode_tiled_: tile in pixels, same three tilings, upscale 1/8
    etile, eov = 32, 8
    efn = lambda a: encode_raw(a)
    enc_t = (tiled_scale(image, efn, etile, etile, eov, 1 / 8, 4)
             + tiled_scale(image, efn, etile // 2, etile * 2, eov, 1 / 8, 4)
             + tiled_scale(image, efn, etile * 2, etile // 2, eov, 1 / 8, 4)) / 3.0
    encoded_tiled = enc_t * SCALE

out = dict(W)
out["test.image"] = image.numpy()
out["test.latent"] = latent.numpy()
out["test.encoded"] = encoded.numpy()
out["test.decoded"] = decoded.numpy()
out["test.decoded_tiled"] = decoded_tiled.numpy()
out["test.encoded_tiled"] = encoded_tiled.numpy()
os.makedirs(OUT, exist_ok=True)
write_safetensors(os.path.join(OUT, "tiny_vae.safetensors"), out)
print("decoded range", decoded.min().item(), decoded.max().item(), "mean", decoded.mean().item(),
      "saturated", ((decoded == 0) | (decoded == 1)).float().mean().item())
print("tiled vs full max diff", (decoded_tiled - decoded).abs().max().item(),
      "mean", (decoded_tiled - decoded).abs().mean().item())
print("encoded std", encoded.std().item(), "tiled enc diff", (encoded_tiled - encoded).abs().max().item())
