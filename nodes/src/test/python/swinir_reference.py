#!/usr/bin/python3
"""Independent torch reference for Noodle's SwinIR tests.

Re-states SwinIR (Liang et al. 2021, "SwinIR: Image Restoration Using Swin Transformer", arXiv 2108.10257) from the
paper, as a function of a dict of weights named as the published checkpoints name them:

  shallow features   conv_first (3x3, 3 -> C) on the mean-shifted input (x - DIV2K RGB mean) * img_range
  deep features      tokens = LayerNorm(patch_embed.norm)(pixels); K residual Swin Transformer blocks (RSTB)
                     layers.i: D Swin Transformer layers (residual_group.blocks.j), then a conv back on the image
                     (layers.i.conv: one 3x3 conv, or "3conv" = 3x3 C->C/4, LeakyReLU 0.2, 1x1, LeakyReLU 0.2,
                     3x3 C/4->C) plus the RSTB's input; LayerNorm(norm); conv_after_body (1conv or 3conv);
                     plus the shallow features
  Swin layer         x + MSA(LN1(x)), then + MLP(LN2(x)); MLP = fc2(GELU(fc1)); MSA is multi-head self-attention
                     inside non-overlapping M x M windows with a learnt relative position bias B[dy, dx] per head
                     (table of (2M-1)^2 rows); every second layer (odd j) shifts the windows by floor(M/2) pixels:
                     the image is rolled up-left, pixels that wrapped around may only attend to pixels that wrapped
                     the same way (others get -100 added to the score), and the result is rolled back
  reconstruction     "pixelshuffle": conv_before_upsample.0 + LeakyReLU(0.01), (3x3 conv, PixelShuffle 2) per
                     factor 2 (upsample.0, .2, ...) or one PixelShuffle 3, conv_last;
                     "pixelshuffledirect": one conv to 3*s^2 channels (upsample.0) and PixelShuffle s;
                     "nearest+conv": conv_before_upsample.0 + LeakyReLU(0.01), (nearest x2, conv_upK,
                     LeakyReLU 0.2) per factor 2, conv_hr + LeakyReLU 0.2, conv_last;
                     none (restoration, scale 1): input + conv_last(features)
  the image is padded (reflect, bottom/right) to a multiple of M and the output cropped to scale x the input.

The attention, the windows and the shift mask are written here window by window with plain loops (the tiny images
have a handful of windows), the relative index from the coordinates, independently of any published module.

Tiny random configs (C = embed_dim) in the real key layout, each with a relative_position_index per block and an
attn_mask buffer in the shifted blocks as the published checkpoints store them (for their training size):

  ps_x2      pixelshuffle x2,      C 12, depths [2, 2], heads [2, 2], M 4, mlp 2,  1conv, input 1x3x10x13
  ps_x4      pixelshuffle x4,      C 12, depths [2, 2], heads [2, 3], M 4, mlp 2,  3conv, input 2x3x9x6
  ps_x3      pixelshuffle x3,      C 12, depths [2],    heads [2],    M 4, mlp 2,  1conv, input 1x3x8x8
  direct_x4  pixelshuffledirect x4 C 12, depths [2, 1], heads [3, 2], M 4, mlp 2,  1conv, input 1x3x7x9
  nearest_x4 nearest+conv x4,      C 16, depths [2, 2], heads [2, 2], M 3, mlp 4,  3conv, input 1x3x10x8
  nearest_x2 nearest+conv x2,      C 12, depths [3],    heads [4],    M 4, mlp 2,  1conv, input 1x3x5x11
  denoise    no upsampler (x1),    C 12, depths [2],    heads [2],    M 7, mlp 2,  1conv, img_range 255,
                                   input 1x3x9x8

Writes nodes/src/test/resources/upscale/swinir/<name>.safetensors (weights: F32, indices I64),
nearest_x4.pth (the nearest_x4 weights under "params_ema", as torch.save writes the real-world SwinIR GAN files)
and swinir_io.safetensors (<name>.in, <name>.out float32).
Run with Debian's torch: /usr/bin/python3 swinir_reference.py
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from st_io import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "upscale", "swinir")
DIV2K_MEAN = (0.4488, 0.4371, 0.4040)
gen = torch.Generator().manual_seed(20261207)


def rnd(*shape, std=1.0):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).float() * std


# ---------------------------------------------------------------------------------------------- weights
def conv_w(W, name, cout, cin, k):
    W[name + ".weight"] = rnd(cout, cin, k, k, std=1.0 / math.sqrt(cin * k * k))
    W[name + ".bias"] = rnd(cout, std=0.05)


def linear_w(W, name, cout, cin, gain=1.0):
    W[name + ".weight"] = rnd(cout, cin, std=gain / math.sqrt(cin))
    W[name + ".bias"] = rnd(cout, std=0.05)


def norm_w(W, name, c):
    W[name + ".weight"] = 1.0 + rnd(c, std=0.1)
    W[name + ".bias"] = rnd(c, std=0.1)


def rel_index(m):
    """index[p, q] for window positions p = (y1, x1), q = (y2, x2): row of the bias table for (y1-y2, x1-x2)."""
    idx = torch.zeros(m * m, m * m, dtype=torch.int64)
    for y1 in range(m):
        for x1 in range(m):
            for y2 in range(m):
                for x2 in range(m):
                    idx[y1 * m + x1, y2 * m + x2] = (y1 - y2 + m - 1) * (2 * m - 1) + (x1 - x2 + m - 1)
    return idx


def resi_w(W, name, c, kind):
    if kind == "1conv":
        conv_w(W, name, c, c, 3)
    else:
        conv_w(W, name + ".0", c // 4, c, 3)
        conv_w(W, name + ".2", c // 4, c // 4, 1)
        conv_w(W, name + ".4", c, c // 4, 3)


def make_weights(cfg):
    C, M, nf = cfg["dim"], cfg["window"], cfg["feat"]
    W = {}
    conv_w(W, "conv_first", C, 3, 3)
    norm_w(W, "patch_embed.norm", C)
    hidden = int(C * cfg["mlp"])
    train = cfg["train_size"]
    for i, (depth, heads) in enumerate(zip(cfg["depths"], cfg["heads"])):
        for j in range(depth):
            p = "layers.%d.residual_group.blocks.%d." % (i, j)
            if j % 2 == 1:
                # the buffer the published code registers for its training size; never read at inference here
                n = (train // M) ** 2
                W[p + "attn_mask"] = shift_mask(train, train, M, M // 2).reshape(n, M * M, M * M)
            norm_w(W, p + "norm1", C)
            W[p + "attn.relative_position_bias_table"] = rnd((2 * M - 1) ** 2, heads, std=0.5)
            W[p + "attn.relative_position_index"] = rel_index(M)
            linear_w(W, p + "attn.qkv", 3 * C, C)
            linear_w(W, p + "attn.proj", C, C, gain=0.5)
            norm_w(W, p + "norm2", C)
            linear_w(W, p + "mlp.fc1", hidden, C)
            linear_w(W, p + "mlp.fc2", C, hidden, gain=0.5)
        resi_w(W, "layers.%d.conv" % i, C, cfg["resi"])
    norm_w(W, "norm", C)
    resi_w(W, "conv_after_body", C, cfg["resi"])
    up, s = cfg["upsampler"], cfg["scale"]
    if up == "pixelshuffle":
        conv_w(W, "conv_before_upsample.0", nf, C, 3)
        if s == 3:
            conv_w(W, "upsample.0", 9 * nf, nf, 3)
        else:
            for k in range(int(math.log2(s))):
                conv_w(W, "upsample.%d" % (2 * k), 4 * nf, nf, 3)
        conv_w(W, "conv_last", 3, nf, 3)
    elif up == "pixelshuffledirect":
        conv_w(W, "upsample.0", 3 * s * s, C, 3)
    elif up == "nearest+conv":
        conv_w(W, "conv_before_upsample.0", nf, C, 3)
        for k in range(int(math.log2(s))):
            conv_w(W, "conv_up%d" % (k + 1), nf, nf, 3)
        conv_w(W, "conv_hr", nf, nf, 3)
        conv_w(W, "conv_last", 3, nf, 3)
    else:
        conv_w(W, "conv_last", 3, C, 3)
    return W


# ---------------------------------------------------------------------------------------------- network
def shift_mask(h, w, m, s):
    """[nWh, nWw, m*m, m*m]: 0 where two pixels of a shifted window wrapped around the same way, else -100.

    In the image rolled up-left by s, a pixel at row y came from row y + s (mod h); rows y >= h - s wrapped around
    the bottom edge. Likewise for columns. Pixels of one window attend to each other only if both or neither
    wrapped, in each direction."""
    wy = torch.tensor([1 if y >= h - s else 0 for y in range(h)])
    wx = torch.tensor([1 if x >= w - s else 0 for x in range(w)])
    out = torch.zeros(h // m, w // m, m * m, m * m)
    for r in range(h // m):
        for c in range(w // m):
            ys = wy[r * m:(r + 1) * m].repeat_interleave(m)
            xs = wx[c * m:(c + 1) * m].repeat(m)
            same = (ys[:, None] == ys[None, :]) & (xs[:, None] == xs[None, :])
            out[r, c] = torch.where(same, torch.tensor(0.0), torch.tensor(-100.0))
    return out


def layer_norm(x, W, name):
    return F.layer_norm(x, (x.shape[-1],), W[name + ".weight"], W[name + ".bias"], 1e-5)


def linear(x, W, name):
    return x @ W[name + ".weight"].t() + W[name + ".bias"]


def conv(x, W, name):
    w = W[name + ".weight"]
    return F.conv2d(x, w, W[name + ".bias"], padding=w.shape[-1] // 2)


def resi(x, W, name, kind):
    if kind == "1conv":
        return conv(x, W, name)
    h = F.leaky_relu(conv(x, W, name + ".0"), 0.2)
    h = F.leaky_relu(conv(h, W, name + ".2"), 0.2)
    return conv(h, W, name + ".4")


def window_attention(img, W, p, heads, m, shifted):
    """img [B, H, W, C] (normalised) -> attention output [B, H, W, C]."""
    B, H, Wd, C = img.shape
    s = m // 2 if shifted else 0
    x = torch.roll(img, shifts=(-s, -s), dims=(1, 2)) if s else img
    mask = shift_mask(H, Wd, m, s) if s else None
    table = W[p + "attn.relative_position_bias_table"]  # [(2m-1)^2, heads]
    idx = rel_index(m)
    assert torch.equal(idx, W[p + "attn.relative_position_index"])
    bias = table[idx.reshape(-1)].reshape(m * m, m * m, heads).permute(2, 0, 1)  # [heads, N, N]
    hd = C // heads
    out = torch.zeros_like(x)
    for r in range(H // m):
        for c in range(Wd // m):
            t = x[:, r * m:(r + 1) * m, c * m:(c + 1) * m, :].reshape(B, m * m, C)
            qkv = linear(t, W, p + "attn.qkv")  # [B, N, 3C]: q heads, k heads, v heads
            q, k, v = qkv[..., :C], qkv[..., C:2 * C], qkv[..., 2 * C:]
            res = []
            for h in range(heads):
                qh, kh, vh = (a[..., h * hd:(h + 1) * hd] for a in (q, k, v))
                score = (qh @ kh.transpose(1, 2)) / math.sqrt(hd) + bias[h]
                if mask is not None:
                    score = score + mask[r, c]
                res.append(torch.softmax(score, dim=-1) @ vh)
            o = linear(torch.cat(res, dim=-1), W, p + "attn.proj")
            out[:, r * m:(r + 1) * m, c * m:(c + 1) * m, :] = o.reshape(B, m, m, C)
    return torch.roll(out, shifts=(s, s), dims=(1, 2)) if s else out


def swin_layer(tok, W, p, heads, m, shifted, H, Wd):
    B, L, C = tok.shape
    a = window_attention(layer_norm(tok, W, p + "norm1").reshape(B, H, Wd, C), W, p, heads, m, shifted)
    tok = tok + a.reshape(B, L, C)
    h = linear(F.gelu(linear(layer_norm(tok, W, p + "norm2"), W, p + "mlp.fc1")), W, p + "mlp.fc2")
    return tok + h


def to_image(tok, H, Wd):
    B, L, C = tok.shape
    return tok.transpose(1, 2).reshape(B, C, H, Wd)


def to_tokens(img):
    return img.flatten(2).transpose(1, 2)


def pixel_shuffle(x, r):
    B, C, H, Wd = x.shape
    c = C // (r * r)
    return x.reshape(B, c, r, r, H, Wd).permute(0, 1, 4, 2, 5, 3).reshape(B, c, H * r, Wd * r)


def forward(W, cfg, image):
    m, s = cfg["window"], cfg["scale"]
    B, _, H0, W0 = image.shape
    x = F.pad(image, (0, (-W0) % m, 0, (-H0) % m), mode="reflect")
    H, Wd = x.shape[-2:]
    mean = torch.tensor(DIV2K_MEAN).reshape(1, 3, 1, 1)
    rng = cfg["img_range"]
    x = (x - mean) * rng
    shallow = conv(x, W, "conv_first")
    tok = layer_norm(to_tokens(shallow), W, "patch_embed.norm")
    for i, (depth, heads) in enumerate(zip(cfg["depths"], cfg["heads"])):
        t = tok
        for j in range(depth):
            t = swin_layer(t, W, "layers.%d.residual_group.blocks.%d." % (i, j), heads, m, j % 2 == 1, H, Wd)
        tok = to_tokens(resi(to_image(t, H, Wd), W, "layers.%d.conv" % i, cfg["resi"])) + tok
    deep = resi(to_image(layer_norm(tok, W, "norm"), H, Wd), W, "conv_after_body", cfg["resi"]) + shallow
    up = cfg["upsampler"]
    if up == "pixelshuffle":
        y = F.leaky_relu(conv(deep, W, "conv_before_upsample.0"), 0.01)
        if s == 3:
            y = pixel_shuffle(conv(y, W, "upsample.0"), 3)
        else:
            for k in range(int(math.log2(s))):
                y = pixel_shuffle(conv(y, W, "upsample.%d" % (2 * k)), 2)
        y = conv(y, W, "conv_last")
    elif up == "pixelshuffledirect":
        y = pixel_shuffle(conv(deep, W, "upsample.0"), s)
    elif up == "nearest+conv":
        y = F.leaky_relu(conv(deep, W, "conv_before_upsample.0"), 0.01)
        for k in range(int(math.log2(s))):
            y = F.leaky_relu(conv(F.interpolate(y, scale_factor=2, mode="nearest"), W, "conv_up%d" % (k + 1)), 0.2)
        y = conv(F.leaky_relu(conv(y, W, "conv_hr"), 0.2), W, "conv_last")
    else:
        y = x + conv(deep, W, "conv_last")
    y = y / rng + mean
    return y[:, :, :H0 * s, :W0 * s]


# ---------------------------------------------------------------------------------------------- files
def cfg(up, scale, dim, depths, heads, window, mlp, resi, size, feat=8, img_range=1.0, train=8):
    return dict(upsampler=up, scale=scale, dim=dim, depths=depths, heads=heads, window=window, mlp=mlp, resi=resi,
                size=size, feat=feat, img_range=img_range, train_size=train)


CONFIGS = {
    "ps_x2": cfg("pixelshuffle", 2, 12, [2, 2], [2, 2], 4, 2, "1conv", (1, 10, 13)),
    "ps_x4": cfg("pixelshuffle", 4, 12, [2, 2], [2, 3], 4, 2, "3conv", (2, 9, 6)),
    "ps_x3": cfg("pixelshuffle", 3, 12, [2], [2], 4, 2, "1conv", (1, 8, 8)),
    "direct_x4": cfg("pixelshuffledirect", 4, 12, [2, 1], [3, 2], 4, 2, "1conv", (1, 7, 9)),
    "nearest_x4": cfg("nearest+conv", 4, 16, [2, 2], [2, 2], 3, 4, "3conv", (1, 10, 8), train=6),
    "nearest_x2": cfg("nearest+conv", 2, 12, [3], [4], 4, 2, "1conv", (1, 5, 11)),
    "denoise": cfg("", 1, 12, [2], [2], 7, 2, "1conv", (1, 9, 8), img_range=255.0, train=14),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    io = {}
    with torch.no_grad():
        for name, c in CONFIGS.items():
            W = make_weights(c)
            b, h, w = c["size"]
            image = torch.rand(b, 3, h, w, generator=gen)
            out = forward(W, c, image)
            assert out.shape == (b, 3, h * c["scale"], w * c["scale"]), out.shape
            io[name + ".in"] = image
            io[name + ".out"] = out
            write_safetensors(os.path.join(OUT, name + ".safetensors"), W)
            if name == "nearest_x4":
                torch.save({"params_ema": W}, os.path.join(OUT, name + ".pth"))
            print(name, tuple(out.shape), "%d tensors" % len(W), "out std %.3f" % out.std().item())
    write_safetensors(os.path.join(OUT, "swinir_io.safetensors"), io)


if __name__ == "__main__":
    main()
