#!/usr/bin/python3
"""A tiny LDM AutoencoderKL saved as a legacy pickle .ckpt, for the VAELoader .ckpt test.

Layout (ldm modules/diffusionmodules/model.py): ch 32, ch_mult (1, 1), 1 res block, z 4, embed 4. Saved as
torch.save({"state_dict": {...}}) in float16 (like many .ckpt VAEs) with a training leftover "loss.logvar" that the
loader must ignore. Writes vae_tiny.ckpt and vae_tiny.expected.json (per key: shape, sum, first values as float32).
Run: /usr/bin/python3 nodes/src/test/python/make_vae_ckpt_fixture.py
"""
import collections
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/nodes")
CH, MULT, RES, Z, EMBED = 32, (1, 1), 1, 4, 4
torch.manual_seed(11)
sd = collections.OrderedDict()


def conv(name, cin, cout, k):
    sd[name + ".weight"] = torch.randn(cout, cin, k, k) / (cin * k * k) ** 0.5
    sd[name + ".bias"] = torch.randn(cout) * 0.02


def norm(name, c):
    sd[name + ".weight"] = 1 + 0.1 * torch.randn(c)
    sd[name + ".bias"] = 0.1 * torch.randn(c)


def resnet(name, cin, cout):
    norm(name + ".norm1", cin)
    conv(name + ".conv1", cin, cout, 3)
    norm(name + ".norm2", cout)
    conv(name + ".conv2", cout, cout, 3)
    if cin != cout:
        conv(name + ".nin_shortcut", cin, cout, 1)


def mid(name, c):
    resnet(name + ".block_1", c, c)
    norm(name + ".attn_1.norm", c)
    for p in ("q", "k", "v", "proj_out"):
        conv(name + ".attn_1." + p, c, c, 1)
    resnet(name + ".block_2", c, c)


top = CH * MULT[-1]
conv("encoder.conv_in", 3, CH, 3)
cin = CH
for i, m in enumerate(MULT):
    for j in range(RES):
        resnet(f"encoder.down.{i}.block.{j}", cin, CH * m)
        cin = CH * m
    if i != len(MULT) - 1:
        conv(f"encoder.down.{i}.downsample.conv", cin, cin, 3)
mid("encoder.mid", top)
norm("encoder.norm_out", top)
conv("encoder.conv_out", top, 2 * Z, 3)
conv("quant_conv", 2 * Z, 2 * EMBED, 1)
conv("post_quant_conv", EMBED, Z, 1)
conv("decoder.conv_in", Z, top, 3)
mid("decoder.mid", top)
cin = top
for i in reversed(range(len(MULT))):
    for j in range(RES + 1):
        resnet(f"decoder.up.{i}.block.{j}", cin, CH * MULT[i])
        cin = CH * MULT[i]
    if i != 0:
        conv(f"decoder.up.{i}.upsample.conv", cin, cin, 3)
norm("decoder.norm_out", cin)
conv("decoder.conv_out", cin, 3, 3)

half = collections.OrderedDict((k, v.half()) for k, v in sd.items())
half["loss.logvar"] = torch.zeros(())
torch.save({"state_dict": half}, os.path.join(OUT, "vae_tiny.ckpt"))
exp = {k: {"shape": list(v.shape), "sum": float(v.float().sum()), "first": v.float().flatten()[:4].tolist()}
       for k, v in half.items() if not k.startswith("loss.")}
with open(os.path.join(OUT, "vae_tiny.expected.json"), "w") as f:
    json.dump(exp, f)
