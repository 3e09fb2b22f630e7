#!/usr/bin/python3
"""ComfyUI's .latent files, written and read independently of Noodle.

The format (ComfyUI nodes.py SaveLatent / LoadLatent): a safetensors file (comfy.utils.save_torch_file) holding
  latent_tensor            the LATENT's "samples" [B, C, H, W] as saved (float32 from the intermediate device)
  latent_format_version_0  torch.tensor([]), an empty float32 tensor marking the current format
and metadata {"prompt": json of the prompt or "", plus extra_pnginfo entries such as "workflow"}.
LoadLatent: latent_tensor.float() * multiplier, multiplier 1.0 when latent_format_version_0 is present, else
1.0 / 0.18215 (the first format stored latents scaled by the SD 1.x VAE factor).

safetensors as its reference writer lays it out: u64 little-endian header length N, N bytes of JSON
{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...} padded with spaces to a
multiple of 8, then the tensors' little-endian bytes, tensors ordered by dtype alignment (largest first) then name,
their byte ranges tiling the data buffer exactly.

  write DIR       writes comfy_current.latent, comfy_old.latent (no version marker), comfy_fp16.latent and
                  expected.json (what LoadLatent returns for each: shape, values, and the metadata)
  read FILE OUT   reads FILE as safetensors' loader does (checks header JSON, dtypes, offsets tiling the buffer),
                  applies LoadLatent's multiplier and writes {shape, values, metadata, version} to OUT
"""
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (None, 2), "F64": (np.float64, 8)}


def write_safetensors(path, tensors, metadata):
    names = sorted(tensors, key=lambda n: (-DTYPES[tensors[n][0]][1], n))
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    blobs = []
    for n in names:
        dtype, arr = tensors[n]
        b = np.ascontiguousarray(arr, dtype=DTYPES[dtype][0]).astype("<" + np.dtype(DTYPES[dtype][0]).str[1:]).tobytes()
        header[n] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()), "metadata must be strings"
    buf = data[8 + n:]
    spans = sorted((v["data_offsets"][0], v["data_offsets"][1], k) for k, v in header.items())
    at = 0
    for b, e, k in spans:
        assert b == at, "tensor %s does not start where the previous ended" % k
        at = e
    assert at == len(buf), "tensors cover %d of %d data bytes" % (at, len(buf))
    out = {}
    for k, v in header.items():
        b, e = v["data_offsets"]
        np_type, size = DTYPES[v["dtype"]]
        count = int(np.prod(v["shape"])) if v["shape"] else 1
        assert e - b == count * size, "tensor %s has the wrong byte length" % k
        arr = np.frombuffer(buf[b:e], dtype="<" + np.dtype(np_type).str[1:]).reshape(v["shape"])
        out[k] = torch.from_numpy(arr.copy())
    return out, metadata


def load_latent(path):
    latent, metadata = read_safetensors(path)
    multiplier = 1.0
    if "latent_format_version_0" not in latent:
        multiplier = 1.0 / 0.18215
    samples = latent["latent_tensor"].float() * multiplier
    return samples, metadata, "latent_format_version_0" in latent


def main():
    if sys.argv[1] == "write":
        out = sys.argv[2]
        g = torch.Generator().manual_seed(5)
        expected = {}
        meta = {"prompt": json.dumps({"3": {"class_type": "KSampler", "inputs": {"seed": 5}}}),
                "workflow": json.dumps({"nodes": []})}
        cur = torch.randn(2, 4, 3, 5, generator=g)
        write_safetensors(out + "/comfy_current.latent",
                          {"latent_tensor": ("F32", cur.numpy()), "latent_format_version_0": ("F32", np.zeros(0))},
                          meta)
        old = torch.randn(1, 4, 2, 3, generator=g) * 0.18215
        write_safetensors(out + "/comfy_old.latent", {"latent_tensor": ("F32", old.numpy())}, {"prompt": ""})
        half = torch.randn(1, 4, 4, 2, generator=g).half()
        write_safetensors(out + "/comfy_fp16.latent",
                          {"latent_tensor": ("F16", half.numpy()), "latent_format_version_0": ("F32", np.zeros(0))},
                          None)
        for name in ["comfy_current", "comfy_old", "comfy_fp16"]:
            s, m, v = load_latent(out + "/" + name + ".latent")
            expected[name] = {"shape": list(s.shape), "values": s.flatten().tolist(), "metadata": m, "version": v}
        with open(out + "/expected.json", "w") as f:
            json.dump(expected, f)
    elif sys.argv[1] == "read":
        s, m, v = load_latent(sys.argv[2])
        with open(sys.argv[3], "w") as f:
            json.dump({"shape": list(s.shape), "values": s.flatten().tolist(), "metadata": m, "version": v}, f)
    else:
        raise SystemExit("usage: write DIR | read FILE OUT")


if __name__ == "__main__":
    main()
