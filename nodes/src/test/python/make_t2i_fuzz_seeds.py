#!/usr/bin/python3
"""Seed inputs for T2IAdapterFuzzTest#loadFile, and torch-written adapter files for T2IAdapterFilesTest.

Micro T2I-Adapters (widths [4, 4, 4, 4]) in the layouts people download, written by torch itself (torch.save of a
state dict, of {"adapter": state dict}) and as safetensors (original and diffusers names), so the fuzzer starts from
files every loader path accepts. Run with Debian's torch: /usr/bin/python3 make_t2i_fuzz_seeds.py
"""
import collections
import os

import torch

import t2i_adapter_reference as R

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "dev", "noodle", "engine", "control", "T2IAdapterFuzzTestInputs",
                   "loadFile")


def light_micro():
    W = {}
    for lvl in range(4):
        p = "body.%d." % lvl
        R.conv_w(W, p + "in_conv", 1, 64 if lvl == 0 else 4, 1)
        for j in range(2):
            R.conv_w(W, p + "body.%d.block1" % j, 1, 1, 3)
            R.conv_w(W, p + "body.%d.block2" % j, 1, 1, 3)
        R.conv_w(W, p + "out_conv", 4, 1, 1)
    return W


def diffusers(W, per_level=2):
    out = {}
    for k, v in W.items():
        if k.startswith("body."):
            n = int(k.split(".")[1])
            rest = k.split(".", 2)[2]
            if rest.startswith("in_conv."):
                out["adapter.body.%d.%s" % (n // per_level, rest)] = v
            else:
                out["adapter.body.%d.resnets.%d.%s" % (n // per_level, n % per_level, rest)] = v
        else:
            out["adapter." + k] = v
    return out


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    sd1 = R.rounded(R.make_full(1, [4, 4, 4, 4], 2, 1, False, False))
    torch.save(collections.OrderedDict(sd1), os.path.join(OUT, "sd1_micro.pth"))
    torch.save({"adapter": collections.OrderedDict(sd1)}, os.path.join(OUT, "sd1_micro_wrapped.pth"))
    R.write_safetensors(os.path.join(OUT, "sd1_micro.safetensors"), sd1, half=True)
    torch.save(collections.OrderedDict(R.rounded(light_micro())), os.path.join(OUT, "light_micro.pth"))
    xl = R.rounded(R.make_full(1, [4, 4, 4, 4], 2, 1, True, False))
    R.write_safetensors(os.path.join(OUT, "xl_micro_diffusers.safetensors"), diffusers(xl), half=True)
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))
