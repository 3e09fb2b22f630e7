#!/usr/bin/env python3
"""Deterministic random-weight SD 1.5 ControlNet in the published control_v11p_sd15 layout (numpy only).

Writes OUT (default rnd-controlnet-sd15.safetensors): a control-only ControlNet for SD 1.x, key for key and shape for
shape as lllyasviel's ControlNet v1.1 files (control_v11p_sd15_canny.pth and the other SD 1.5 v1.1 models) hold it,
in a safetensors container:

  control_model.time_embed.{0,2}             320 -> 1280 -> 1280
  control_model.input_blocks.0.0             conv 4 -> 320, 3x3 (the latent)
  control_model.input_blocks.1..11           the SD 1.5 UNet encoder: ResBlocks (in_layers, emb_layers, out_layers,
                                             skip_connection where the width changes), SpatialTransformers
                                             (norm, proj_in as 1x1 conv, attn1/attn2/ff/norm1-3, proj_out) at the
                                             first three levels, downsamplers (op) at 3, 6, 9
  control_model.middle_block.{0,1,2}         ResBlock, SpatialTransformer, ResBlock at 1280
  control_model.input_hint_block.{0,2,...,14} 3x3 convs 3->16->16->32(/2)->32->96(/2)->96->256(/2)->320, SiLU between
  control_model.zero_convs.{0..11}.0         1x1 convs, one per encoder output (320 x4, 640 x3, 1280 x5)
  control_model.middle_block_out.0           1x1 conv 1280 -> 1280

--prefix "" writes the same names without `control_model.` (the layout of the pruned control-only safetensors that
ComfyUI also reads); --fp16 stores F16 (the published pruned files are fp16), default F32.

Initialisation follows make_random_sd15.py (std = gain / sqrt(fan_in); gain 1 for input projections, 0.5 for
residual-branch outputs; biases N(0, 0.02); norm weights 1 + N(0, 0.05)), with one ControlNet-specific choice: the
zero convs and middle_block_out, all zero in a freshly initialised ControlNet and small in a trained one, get gain
--zero-gain (default 0.1), so the residuals move the UNet's skips by about a tenth of their size: the control shows
in the picture without pushing the random UNet out of its range. Every tensor has its own generator,
numpy default_rng(SeedSequence([seed, u32 words of sha256(name)[:8]])), so values do not depend on order.

Run: python3 tools/make_random_controlnet_sd15.py --out /path/controlnet/rnd-controlnet-sd15.safetensors
     [--seed 11] [--prefix control_model.] [--fp16] [--zero-gain 0.1] [--count-only]
"""
import argparse
import hashlib
import json
import os
import struct
import sys
import time

import numpy as np

MC, TDIM, CTX, MULT, ATTN_DS = 320, 1280, 768, (1, 2, 4, 4), (1, 2, 4)
HINT = ((3, 16, 1), (16, 16, 1), (16, 32, 2), (32, 32, 1), (32, 96, 2), (96, 96, 1), (96, 256, 2), (256, MC, 1))


def controlnet_spec(zero_gain, P):
    items = []

    def add(name, shape, role):
        items.append((P + name, tuple(shape), role))

    def linear(p, cin, cout, gain=1.0, bias=True):
        add(p + ".weight", (cout, cin), "w:%g" % gain)
        if bias:
            add(p + ".bias", (cout,), "b")

    def conv(p, cin, cout, k, gain=1.0):
        add(p + ".weight", (cout, cin, k, k), "w:%g" % gain)
        add(p + ".bias", (cout,), "b")

    def norm(p, c):
        add(p + ".weight", (c,), "nw")
        add(p + ".bias", (c,), "nb")

    def res(p, cin, cout):
        norm(p + ".in_layers.0", cin)
        conv(p + ".in_layers.2", cin, cout, 3)
        linear(p + ".emb_layers.1", TDIM, cout)
        norm(p + ".out_layers.0", cout)
        conv(p + ".out_layers.3", cout, cout, 3, 0.5)
        if cin != cout:
            conv(p + ".skip_connection", cin, cout, 1)

    def st(p, c):
        norm(p + ".norm", c)
        conv(p + ".proj_in", c, c, 1)
        t = p + ".transformer_blocks.0"
        for a in ("attn1", "attn2"):
            kv_in = c if a == "attn1" else CTX
            linear(t + "." + a + ".to_q", c, c, bias=False)
            linear(t + "." + a + ".to_k", kv_in, c, bias=False)
            linear(t + "." + a + ".to_v", kv_in, c, bias=False)
            linear(t + "." + a + ".to_out.0", c, c, 0.5)
        linear(t + ".ff.net.0.proj", c, 8 * c)  # GEGLU: value and gate halves, 4c each
        linear(t + ".ff.net.2", 4 * c, c, 0.5)
        for n in ("norm1", "norm2", "norm3"):
            norm(t + "." + n, c)
        conv(p + ".proj_out", c, c, 1, 0.5)

    linear("time_embed.0", MC, TDIM)
    linear("time_embed.2", TDIM, TDIM)
    conv("input_blocks.0.0", 4, MC, 3)
    for i, (cin, cout, _stride) in enumerate(HINT):
        conv("input_hint_block.%d" % (2 * i), cin, cout, 3)
    outs = [MC]
    ch, ds, idx = MC, 1, 1
    for level, m in enumerate(MULT):
        for _ in range(2):
            res("input_blocks.%d.0" % idx, ch, m * MC)
            ch = m * MC
            if ds in ATTN_DS:
                st("input_blocks.%d.1" % idx, ch)
            outs.append(ch)
            idx += 1
        if level != len(MULT) - 1:
            conv("input_blocks.%d.0.op" % idx, ch, ch, 3)
            outs.append(ch)
            ds *= 2
            idx += 1
    res("middle_block.0", ch, ch)
    st("middle_block.1", ch)
    res("middle_block.2", ch, ch)
    for i, c in enumerate(outs):
        conv("zero_convs.%d.0" % i, c, c, 1, zero_gain)
    conv("middle_block_out.0", ch, ch, 1, zero_gain)
    return items


def tensor_values(name, shape, role, seed):
    h = hashlib.sha256(name.encode("utf-8")).digest()
    rng = np.random.default_rng(np.random.SeedSequence([seed] + list(struct.unpack("<2I", h[:8]))))
    if role.startswith("w:"):
        std = float(role[2:]) / np.sqrt(int(np.prod(shape[1:])))
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(std)
    if role in ("b", "nb"):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
    if role == "nw":
        return np.float32(1.0) + rng.standard_normal(shape, dtype=np.float32) * np.float32(0.05)
    raise ValueError("unknown role " + role)


def write_safetensors(path, entries, dtype):
    """entries: (name, shape, fn); little-endian data, JSON header padded with spaces to a multiple of 8."""
    entries = sorted(entries, key=lambda e: e[0])
    size = {"F32": 4, "F16": 2}[dtype]
    npdt = {"F32": "<f4", "F16": "<f2"}[dtype]
    header, off = {}, 0
    for name, shape, _ in entries:
        n = int(np.prod(shape)) * size
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + n]}
        off += n
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    sha = hashlib.sha256()
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        pre = struct.pack("<Q", len(hb)) + hb
        f.write(pre)
        sha.update(pre)
        for name, shape, fn in entries:
            a = fn()
            assert tuple(a.shape) == tuple(shape) and np.all(np.isfinite(a)), name
            b = np.ascontiguousarray(a.astype(npdt)).tobytes()
            f.write(b)
            sha.update(b)
    os.replace(tmp, path)
    return {"file": os.path.basename(path), "bytes": os.path.getsize(path), "sha256": sha.hexdigest(),
            "tensors": len(entries)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="rnd-controlnet-sd15.safetensors")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--prefix", default="control_model.")
    ap.add_argument("--fp16", action="store_true")
    ap.add_argument("--zero-gain", type=float, default=0.1)
    ap.add_argument("--count-only", action="store_true")
    a = ap.parse_args()
    spec = controlnet_spec(a.zero_gain, a.prefix)
    params = sum(int(np.prod(s)) for _, s, _ in spec)
    print("tensors %d  parameters %d" % (len(spec), params))
    if a.count_only:
        return 0
    t0 = time.time()
    d = os.path.dirname(os.path.abspath(a.out))
    os.makedirs(d, exist_ok=True)
    entries = [(n, s, (lambda n=n, s=s, r=r: tensor_values(n, s, r, a.seed))) for n, s, r in spec]
    info = write_safetensors(a.out, entries, "F16" if a.fp16 else "F32")
    print(info, "%.1fs" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
