#!/usr/bin/python3
"""Independent torch reference for Noodle's UNet at latent sizes that are not multiples of 2^(levels-1).

ComfyUI accepts any width and height that is a multiple of 8 pixels, so latents can have odd sides (72x64 pixels
is a 9x8 latent, 1368x768 a 171x96 one). In the LDM/SGM UNet (openaimodel.py) every Downsample is a 3x3 conv with
stride 2 and padding 1, so a side n becomes ceil(n / 2); on the way back each Upsample interpolates (nearest) to
the exact size of the skip connection that the next output block concatenates: F.interpolate(x, size=skip_hw).

Three tiny UNets, one per family shape, each re-stated here from the LDM equations (generic over the config):
  sd1   the existing tiny SD 1.x fixture (tiny_unet.safetensors: 2 levels, 8 heads, conv proj_in/out, context 64)
  sdxl  the existing tiny SDXL fixture (tiny_sdxl_unet.safetensors: 3 levels, label_emb, linear proj, 64-ch heads)
  sd2   a new tiny SD 2.x-shaped UNet (4 levels as SD 2.x, 64-channel heads, linear proj_in/out, attention on
        the first three levels, context 96), written to tiny_sd2_unet.safetensors
and, for each, x/timesteps/context(/y) and the expected eps at latent 9x8 (batch 2) and 171x96 (batch 1), written to
  nodes/src/test/resources/unet/unet_sizes_io.safetensors  (keys "<model>_<H>x<W>_<x|t|ctx|y|eps>")

The sd1/sdxl weights are read back from their fixture files (so this script does not depend on how those were
drawn); the key set and every shape are checked against the structure built here. Attention is computed in query
chunks (exact: softmax is per query row) so the 16416-token level of the 171x96 latent fits in memory.
Run with Debian's torch: /usr/bin/python3 unet_sizes_reference.py
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "unet")
P = "model.diffusion_model."


class Cfg:
    def __init__(self, mc, mult, nres, depth_in, depth_mid, depth_out, heads, head_dim, ctx, linear, adm):
        self.mc, self.mult, self.nres = mc, mult, nres
        self.depth_in, self.depth_mid, self.depth_out = depth_in, depth_mid, depth_out
        self.heads, self.head_dim, self.ctx, self.linear, self.adm = heads, head_dim, ctx, linear, adm


def per_level(attn, depth, per, deepest_first):
    levels = len(attn)
    return [depth if attn[levels - 1 - i // per if deepest_first else i // per] else 0 for i in range(levels * per)]


SD1 = Cfg(32, [1, 2], 1, [1, 1], 1, [1, 1, 1, 1], 8, None, 64, False, 0)
SDXL = Cfg(32, [1, 2, 2], 2, [0, 0, 2, 1, 1, 3], 2, [3, 1, 2, 2, 1, 1, 0, 0, 0], None, 64, 80, True, 48)
SD2 = Cfg(64, [1, 1, 1, 1], 1, per_level([True, True, True, False], 1, 1, False), 1,
          per_level([True, True, True, False], 1, 2, True), None, 64, 96, True, 0)


class Net:
    """Structure (lists of parts) and the expected weight shapes of one config, with the LDM key names."""

    def __init__(self, cfg):
        self.c = cfg
        self.shapes = {}
        te = cfg.mc * 4
        self.lin("time_embed.0", cfg.mc, te)
        self.lin("time_embed.2", te, te)
        if cfg.adm:
            self.lin("label_emb.0.0", cfg.adm, te)
            self.lin("label_emb.0.2", te, te)
        self.conv("input_blocks.0.0", 4, cfg.mc, 3)
        self.inputs = [[("conv", "input_blocks.0.0")]]
        chans, ch, k = [cfg.mc], cfg.mc, 0
        for lvl, m in enumerate(cfg.mult):
            for _ in range(cfg.nres):
                p = "input_blocks.%d." % len(self.inputs)
                blk = [self.res(p + "0.", ch, cfg.mc * m)]
                ch = cfg.mc * m
                if cfg.depth_in[k]:
                    blk.append(self.st(p + "1.", ch, cfg.depth_in[k]))
                k += 1
                self.inputs.append(blk)
                chans.append(ch)
            if lvl != len(cfg.mult) - 1:
                p = "input_blocks.%d.0.op" % len(self.inputs)
                self.conv(p, ch, ch, 3)
                self.inputs.append([("down", p)])
                chans.append(ch)
        self.middle = [self.res("middle_block.0.", ch, ch), self.st("middle_block.1.", ch, cfg.depth_mid),
                       self.res("middle_block.2.", ch, ch)]
        self.outputs = []
        for lvl in reversed(range(len(cfg.mult))):
            for i in range(cfg.nres + 1):
                p = "output_blocks.%d." % len(self.outputs)
                blk = [self.res(p + "0.", ch + chans.pop(), cfg.mc * cfg.mult[lvl])]
                ch = cfg.mc * cfg.mult[lvl]
                d = cfg.depth_out[len(self.outputs)]
                if d:
                    blk.append(self.st(p + "%d." % len(blk), ch, d))
                if lvl and i == cfg.nres:
                    name = p + "%d.conv" % len(blk)
                    self.conv(name, ch, ch, 3)
                    blk.append(("up", name))
                self.outputs.append(blk)
        self.norm("out.0", cfg.mc)
        self.conv("out.2", cfg.mc, 4, 3)

    def lin(self, n, i, o, bias=True):
        self.shapes[n + ".weight"] = (o, i)
        if bias:
            self.shapes[n + ".bias"] = (o,)

    def conv(self, n, i, o, k):
        self.shapes[n + ".weight"] = (o, i, k, k)
        self.shapes[n + ".bias"] = (o,)

    def norm(self, n, c):
        self.shapes[n + ".weight"] = (c,)
        self.shapes[n + ".bias"] = (c,)

    def res(self, p, i, o):
        self.norm(p + "in_layers.0", i)
        self.conv(p + "in_layers.2", i, o, 3)
        self.lin(p + "emb_layers.1", self.c.mc * 4, o)
        self.norm(p + "out_layers.0", o)
        self.conv(p + "out_layers.3", o, o, 3)
        if i != o:
            self.conv(p + "skip_connection", i, o, 1)
        return ("res", p, i, o)

    def st(self, p, c, depth):
        self.norm(p + "norm", c)
        (self.lin if self.c.linear else lambda n, i, o: self.conv(n, i, o, 1))(p + "proj_in", c, c)
        for d in range(depth):
            b = p + "transformer_blocks.%d." % d
            for a, kv in (("attn1", c), ("attn2", self.c.ctx)):
                self.lin(b + a + ".to_q", c, c, bias=False)
                self.lin(b + a + ".to_k", kv, c, bias=False)
                self.lin(b + a + ".to_v", kv, c, bias=False)
                self.lin(b + a + ".to_out.0", c, c)
            self.lin(b + "ff.net.0.proj", c, 8 * c)
            self.lin(b + "ff.net.2", 4 * c, c)
            for n in ("norm1", "norm2", "norm3"):
                self.norm(b + n, c)
        (self.lin if self.c.linear else lambda n, i, o: self.conv(n, i, o, 1))(p + "proj_out", c, c)
        return ("st", p, c, depth)


# ---- the forward, from the LDM/SGM equations ----
def temb(t, dim, period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(period) * torch.arange(half, dtype=torch.float32) / half)
    a = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


def forward(net, W, x, t, ctx, y=None):
    c = net.c

    def lin(v, p):
        w = W[p + ".weight"]
        w = w.reshape(w.shape[0], w.shape[1])  # a 1x1 conv is the same matrix
        return F.linear(v, w, W.get(p + ".bias"))

    def gn(v, p, eps=1e-5):
        return F.group_norm(v, 32, W[p + ".weight"], W[p + ".bias"], eps)

    def conv(v, p, stride=1):
        return F.conv2d(v, W[p + ".weight"], W[p + ".bias"], stride=stride, padding=1)

    def ln(v, p):
        return F.layer_norm(v, v.shape[-1:], W[p + ".weight"], W[p + ".bias"], 1e-5)

    def attention(q_in, kv_in, p, ch):
        heads = c.heads if c.heads else ch // c.head_dim
        q, k, v = lin(q_in, p + "to_q"), lin(kv_in, p + "to_k"), lin(kv_in, p + "to_v")
        b, n, _ = q.shape
        d = ch // heads
        qh = q.reshape(b, n, heads, d).transpose(1, 2)
        kh = k.reshape(b, -1, heads, d).transpose(1, 2)
        vh = v.reshape(b, -1, heads, d).transpose(1, 2)
        out = []
        for s in range(0, n, 2048):  # query chunks: each row's softmax is independent, so this is exact
            w = torch.softmax(qh[:, :, s:s + 2048] @ kh.transpose(-1, -2) / math.sqrt(d), dim=-1)
            out.append(w @ vh)
        o = torch.cat(out, dim=2).transpose(1, 2).reshape(b, n, ch)
        return lin(o, p + "to_out.0")

    def res(v, emb, p, i, o):
        h = conv(F.silu(gn(v, p + "in_layers.0")), p + "in_layers.2")
        h = h + lin(F.silu(emb), p + "emb_layers.1")[:, :, None, None]
        h = conv(F.silu(gn(h, p + "out_layers.0")), p + "out_layers.3")
        s = F.conv2d(v, W[p + "skip_connection.weight"], W[p + "skip_connection.bias"]) if i != o else v
        return s + h

    def st(v, p, ch, depth):
        b, _, hh, ww = v.shape
        h = gn(v, p + "norm", 1e-6)
        h = lin(h.reshape(b, ch, hh * ww).transpose(1, 2), p + "proj_in")  # linear, or a 1x1 conv: the same map
        for dd in range(depth):
            bp = p + "transformer_blocks.%d." % dd
            n1 = ln(h, bp + "norm1")
            h = attention(n1, n1, bp + "attn1.", ch) + h
            h = attention(ln(h, bp + "norm2"), ctx, bp + "attn2.", ch) + h
            a, g = lin(ln(h, bp + "norm3"), bp + "ff.net.0.proj").chunk(2, dim=-1)
            h = lin(a * F.gelu(g), bp + "ff.net.2") + h
        h = lin(h, p + "proj_out")
        return h.transpose(1, 2).reshape(b, ch, hh, ww) + v

    def run(blk, h, emb, out_hw):
        for part in blk:
            kind = part[0]
            if kind == "conv":
                h = conv(h, part[1])
            elif kind == "res":
                h = res(h, emb, part[1], part[2], part[3])
            elif kind == "st":
                h = st(h, part[1], part[2], part[3])
            elif kind == "down":
                h = conv(h, part[1], stride=2)
            elif kind == "up":
                # openaimodel Upsample(x, output_shape): nearest to the next skip's size
                h = conv(F.interpolate(h, size=out_hw, mode="nearest"), part[1])
        return h

    emb = lin(F.silu(lin(temb(t, c.mc), "time_embed.0")), "time_embed.2")
    if c.adm:
        emb = emb + lin(F.silu(lin(y, "label_emb.0.0")), "label_emb.0.2")
    hs, h = [], x
    for blk in net.inputs:
        h = run(blk, h, emb, None)
        hs.append(h)
    h = run(net.middle, h, emb, None)
    for blk in net.outputs:
        h = torch.cat([h, hs.pop()], dim=1)
        h = run(blk, h, emb, tuple(hs[-1].shape[2:]) if hs else None)
    return conv(F.silu(gn(h, "out.0")), "out.2")


# ---- safetensors by hand ----
def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        dt = {"F16": "<f2", "F32": "<f4"}[v["dtype"]]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dt).astype(np.float32).reshape(v["shape"]).copy())
    return out


def write_safetensors(path, tensors, half=False):
    header, blobs, off = {}, [], 0
    for k, v in tensors.items():
        a = np.ascontiguousarray(v.detach().numpy().astype("<f2" if half else "<f4"))
        header[k] = {"dtype": "F16" if half else "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_unet(net, path):
    W = {k[len(P):]: v for k, v in read_safetensors(path).items() if k.startswith(P)}
    assert set(W) == set(net.shapes), sorted(set(W) ^ set(net.shapes))
    for k, s in net.shapes.items():
        assert tuple(W[k].shape) == s, (k, W[k].shape, s)
    return W


def draw_unet(net, gen):
    W = {}
    for k, s in net.shapes.items():  # fixed order: the structure's insertion order
        r = torch.randn(*s, generator=gen, dtype=torch.float64).float()
        if k.endswith(".bias"):
            W[k] = r * 0.1
        elif len(s) == 1:  # norm weight
            W[k] = 1 + r * 0.1
        else:
            W[k] = r / math.sqrt(int(np.prod(s[1:])))
    return {k: v.half().float() for k, v in W.items()}  # stored as float16: compute from the rounded values


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    gen = torch.Generator().manual_seed(20261207)
    sd2 = Net(SD2)
    models = {
        "sd1": (Net(SD1), None),
        "sdxl": (Net(SDXL), None),
        "sd2": (sd2, draw_unet(sd2, gen)),
    }
    models["sd1"] = (models["sd1"][0], load_unet(models["sd1"][0], os.path.join(OUT, "tiny_unet.safetensors")))
    models["sdxl"] = (models["sdxl"][0], load_unet(models["sdxl"][0], os.path.join(OUT, "tiny_sdxl_unet.safetensors")))
    # the generic forward first reproduces the existing fixtures' own expected eps (written by their scripts)
    for name, io_file in (("sd1", "tiny_unet_io.safetensors"), ("sdxl", "tiny_sdxl_unet_io.safetensors")):
        old = read_safetensors(os.path.join(OUT, io_file))
        net, W = models[name]
        got = forward(net, W, old["x"], old["timesteps"], old["context"], old.get("y"))
        assert torch.allclose(got, old["eps"], atol=1e-4), (name, (got - old["eps"]).abs().max())
    ckpt = {P + k: v for k, v in models["sd2"][1].items()}
    write_safetensors(os.path.join(OUT, "tiny_sd2_unet.safetensors"), ckpt, half=True)
    io = {}
    for name, (net, W) in models.items():
        for (h, w, b) in ((9, 8, 2), (171, 96, 1)):  # 72x64 and 1368x768 pixels
            x = torch.randn(b, 4, h, w, generator=gen)
            t = torch.tensor([37.0, 801.5][:b])
            ctx = torch.randn(b, 7, net.c.ctx, generator=gen)
            y = torch.randn(b, net.c.adm, generator=gen) if net.c.adm else None
            eps = forward(net, W, x, t, ctx, y)
            key = "%s_%dx%d_" % (name, h, w)
            io.update({key + "x": x, key + "t": t, key + "ctx": ctx, key + "eps": eps})
            if y is not None:
                io[key + "y"] = y
            print(name, h, w, "eps mean/std", eps.mean().item(), eps.std().item())
    write_safetensors(os.path.join(OUT, "unet_sizes_io.safetensors"), io)
