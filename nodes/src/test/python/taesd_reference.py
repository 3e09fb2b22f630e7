#!/usr/bin/python3
"""Independent reference for Noodle's TAESD (Tiny AutoEncoder for Stable Diffusion), re-stated in plain torch
(float64) from the published architecture (madebyollin/taesd taesd.py: Encoder/Decoder as nn.Sequential, Block =
conv-ReLU-conv-ReLU-conv + identity skip, then ReLU; decoder starts with Clamp = tanh(x/3)*3).

Usage:
  taesd_reference.py run ENCODER DECODER INPUTS.safetensors OUT.safetensors
      Loads both files into the modules with load_state_dict(strict=True) (so the key list and shapes must be
      exactly the modules'), then writes decoded = decoder(latent) [raw output, before any clamp] and
      encoded = encoder(image) for INPUTS' latent [B,4,h,w] and image [B,3,H,W]. A .pth is read with torch.load,
      anything else as safetensors.
  taesd_reference.py save-half ENCODER.pth DECODER.pth SEED
      torch.save()s float16 state dicts of freshly initialised modules (the published files' format).
Safetensors files are read and written by hand (json header + raw little-endian data).
"""
import sys

import numpy as np
import torch
import torch.nn as nn

from st_io import read_safetensors, write_safetensors


def conv3(cin, cout, stride=1, bias=True):
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=bias)


class SoftClamp(nn.Module):
    def forward(self, x):
        return 3 * torch.tanh(x / 3)


class TinyBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Sequential(conv3(cin, cout), nn.ReLU(), conv3(cout, cout), nn.ReLU(), conv3(cout, cout))
        self.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1, bias=False)
        self.fuse = nn.ReLU()

    def forward(self, x):
        return self.fuse(self.conv(x) + self.skip(x))


def encoder(latent=4):
    layers = [conv3(3, 64), TinyBlock(64, 64)]
    for _ in range(3):
        layers += [conv3(64, 64, stride=2, bias=False), TinyBlock(64, 64), TinyBlock(64, 64), TinyBlock(64, 64)]
    layers.append(conv3(64, latent))
    return nn.Sequential(*layers)


def decoder(latent=4):
    layers = [SoftClamp(), conv3(latent, 64), nn.ReLU()]
    for _ in range(3):
        layers += [TinyBlock(64, 64), TinyBlock(64, 64), TinyBlock(64, 64), nn.Upsample(scale_factor=2),
                   conv3(64, 64, bias=False)]
    layers += [TinyBlock(64, 64), conv3(64, 3)]
    return nn.Sequential(*layers)


def load(path):
    if path.endswith(".pth"):
        sd = torch.load(path, map_location="cpu")
        return {k: v.to(torch.float64) for k, v in sd.items()}
    return read_safetensors(path)


def main():
    torch.set_grad_enabled(False)
    if sys.argv[1] == "save-half":
        torch.manual_seed(int(sys.argv[4]))
        torch.save(encoder().half().state_dict(), sys.argv[2])
        torch.save(decoder().half().state_dict(), sys.argv[3])
        return
    enc = encoder().double()
    dec = decoder().double()
    enc.load_state_dict(load(sys.argv[2]), strict=True)
    dec.load_state_dict(load(sys.argv[3]), strict=True)
    inp = read_safetensors(sys.argv[4])
    write_safetensors(sys.argv[5], {"decoded": dec(inp["latent"]), "encoded": enc(inp["image"])})


if __name__ == "__main__":
    main()
