#!/usr/bin/python3
"""Writes the seed inputs of UpscaleModelFuzzTest#load: tiny upscale models in every layout Noodle reads (valid, so
the fuzzer starts from files that bind and run) and near misses that must be refused.

Usage: make_upscale_fuzz_seeds.py nodes/src/test/resources/dev/noodle/engine/upscale/UpscaleModelFuzzTestInputs/load
"""
import collections, json, os, struct, sys
import numpy as np
import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def st(name, tensors):
    header, blobs, off = {}, [], 0
    for k, shape in tensors.items():
        n = int(np.prod(shape)) if shape else 1
        data = np.linspace(-0.5, 0.5, n).astype("<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    t = json.dumps(header, separators=(",", ":")).encode()
    t += b" " * (-len(t) % 8)
    with open(os.path.join(out, name), "wb") as f:
        f.write(struct.pack("<Q", len(t)))
        f.write(t)
        for b in blobs:
            f.write(b)


def conv(d, name, o, i):
    d[name + ".weight"] = (o, i, 3, 3)
    d[name + ".bias"] = (o,)


def rrdb(first, rdb, trunk, up, hr, last, nf=2, gc=1, blocks=1, ups=1, in_ch=3):
    d = collections.OrderedDict()
    conv(d, first, nf, in_ch)
    for b in range(blocks):
        for r in range(1, 4):
            for c in range(1, 6):
                conv(d, rdb(b, r, c), gc if c < 5 else nf, nf + (c - 1) * gc)
    conv(d, trunk(blocks), nf, nf)
    for i in range(1, ups + 1):
        conv(d, up(i), nf, nf)
    conv(d, hr(ups), nf, nf)
    conv(d, last(ups), 3, nf)
    return d


old = rrdb("model.0", lambda b, r, c: f"model.1.sub.{b}.RDB{r}.conv{c}.0", lambda n: f"model.1.sub.{n}",
           lambda i: f"model.{3 * i}", lambda u: f"model.{3 * u + 2}", lambda u: f"model.{3 * u + 4}")
new = rrdb("conv_first", lambda b, r, c: f"body.{b}.rdb{r}.conv{c}", lambda n: "conv_body",
           lambda i: f"conv_up{i}", lambda u: "conv_hr", lambda u: "conv_last", ups=2, in_ch=12)
bsr = rrdb("conv_first", lambda b, r, c: f"RRDB_trunk.{b}.RDB{r}.conv{c}", lambda n: "trunk_conv",
           lambda i: f"upconv{i}", lambda u: "HRconv", lambda u: "conv_last", ups=0)
compact = collections.OrderedDict()
conv(compact, "body.0", 2, 3)
compact["body.1.weight"] = (2,)
conv(compact, "body.2", 2, 2)
compact["body.3.weight"] = (2,)
conv(compact, "body.4", 12, 2)

st("esrgan_old_x2.safetensors", old)
st("real_esrgan_x2_unshuffle.safetensors", new)
st("bsrgan_x1.safetensors", bsr)
st("compact_x2.safetensors", compact)
st("params_ema_prefix.safetensors", {"params_ema." + k: v for k, v in compact.items()})
# near misses
st("old_missing_hr.safetensors", {k: v for k, v in old.items() if not k.startswith("model.5.")})
st("compact_last_not_square.safetensors", dict(compact, **{"body.4.weight": (15, 2, 3, 3), "body.4.bias": (15,)}))
st("compact_vector_first.safetensors", dict(compact, **{"body.0.weight": (2,)}))
st("rrdb_five_channels.safetensors", dict(new, **{"conv_first.weight": (2, 5, 3, 3)}))
st("swinir_keys.safetensors", {"conv_first.weight": (2, 3, 3, 3), "layers.0.residual_group.blocks.0.norm1.weight": (2,)})
st("esrgan_plus.safetensors", dict(old, **{"model.1.sub.0.RDB1.conv1x1.weight": (1, 2, 1, 1)}))
# a .pth as Real-ESRGAN ships it: the state dict in params_ema, saved by torch
torch.save({"params_ema": collections.OrderedDict((k, torch.full(v, 0.01)) for k, v in compact.items())},
           os.path.join(out, "compact_params_ema.pth"))
# SwinIR: a valid tiny network (pixelshuffle x2, window 2, the index and attn_mask buffers as the published files
# store them) from swinir_reference.py, and the same with a relative position index past the bias table
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swinir_reference as swin  # noqa: E402

swin_w = swin.make_weights(swin.cfg("pixelshuffle", 2, 4, [2], [1], 2, 1, "1conv", None, feat=4, train=4))
swin.write_safetensors(os.path.join(out, "swinir_x2.safetensors"), swin_w)
bad_index = dict(swin_w)
bad_index["layers.0.residual_group.blocks.0.attn.relative_position_index"] = torch.full((4, 4), 9, dtype=torch.int64)
swin.write_safetensors(os.path.join(out, "swinir_index_past_table.safetensors"), bad_index)
