#!/usr/bin/python3
"""Writes the Jazzer seed/regression inputs for the fuzz tests (run with Debian's /usr/bin/python3: needs PIL).

Each file is one raw fuzz input, replayed by the normal test run (Jazzer regression mode) and used as the starting
corpus by tools/fuzz.sh. Valid inputs let the fuzzer reach deep code; the others pin one bad-input row each.
"""
import io
import json
import os
import shutil
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.join(HERE, "..", "resources", "dev", "noodle")
GRAPH_RES = os.path.join(HERE, "..", "..", "..", "..", "graph-core", "src", "test", "resources", "dev", "noodle")


def put(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


# ---------------------------------------------------------------- safetensors
def st(header, data=b"", pad=True, raw_len=None):
    h = json.dumps(header, separators=(",", ":")).encode() if not isinstance(header, bytes) else header
    if pad:
        h += b" " * (-len(h) % 8)
    n = len(h) if raw_len is None else raw_len
    return struct.pack("<Q", n) + h + data


def f32(*v):
    return struct.pack("<%df" % len(v), *v)


st_seeds = {
    "valid_f32": st({"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2, 2],
                                                              "data_offsets": [0, 16]}}, f32(1, 2, 3, 4)),
    "valid_mixed": st({"b": {"dtype": "F16", "shape": [2], "data_offsets": [16, 20]},
                       "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                       "c": {"dtype": "BF16", "shape": [1], "data_offsets": [20, 22]},
                       "d": {"dtype": "I16", "shape": [1], "data_offsets": [22, 24]}},
                      f32(1, 2, 3, 4) + struct.pack("<hhhh", 15360, 16384, 16256, -7)),
    "scalar_and_empty": st({"s": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},
                            "e": {"dtype": "F32", "shape": [2, 0], "data_offsets": [4, 4]}}, f32(0.5)),
    "whitespace_header": st(b'\t\n {"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}} \n\t', b"xyz"),
    "empty": b"",
    "short": b"\x01\x02\x03",
    "huge_len": struct.pack("<Q", 2 ** 63) + b"{}",
    "len_past_end": struct.pack("<Q", 64) + b"{}",
    "not_utf8": st(b'{"\xff\xfe":1}'),
    "json_array": st(b"[1,2,3]"),
    "truncated_json": st(b'{"a":{"dtype":"F32"', pad=False),
    "dup_name": st(b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
                   b'"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"x"),
    "metadata_number": st({"__metadata__": {"k": 1}}),
    "overlap": st({"t%d" % i: {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]} for i in range(10)},
                  b"\0" * 16),
    "gap": st({"a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}, b"ab"),
    "trailing": st({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}, b"ab"),
    "size_mismatch": st({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"abcd"),
    "shape_overflow": st({"a": {"dtype": "F32", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 4]}}, b"abcd"),
    "unknown_dtype": st({"a": {"dtype": "F12", "shape": [1], "data_offsets": [0, 2]}}, b"ab"),
    "deep_json": st(b'{"__metadata__":' + b"[" * 200 + b"]" * 200 + b"}"),
}
for name, data in st_seeds.items():
    for method in ("parseFile", "openFile"):
        put(os.path.join(RES, "engine", "io", "SafetensorsFuzzTestInputs", method), name, data)

# ---------------------------------------------------------------- pickle / ckpt
PK = os.path.join(RES, "engine", "io", "pickle")
ckpts = ["small.ckpt", "embedding.pt", "hypernetwork.pt", "evil_os_system.ckpt", "evil_eval.ckpt",
         "extra_entry.ckpt", "missing_storage.ckpt", "short_storage.ckpt", "dotdot_entry.ckpt", "legacy.pt"]
for c in ckpts:
    with open(os.path.join(PK, c), "rb") as f:
        blob = f.read()
    put(os.path.join(PK, "PickleFuzzTestInputs", "checkpointZip"), c, blob)
    if zipfile.is_zipfile(io.BytesIO(blob)):
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            pkl = [n for n in z.namelist() if n.endswith("data.pkl")]
            if pkl:
                put(os.path.join(PK, "PickleFuzzTestInputs", "unpickle"), c + ".pkl", z.read(pkl[0]))
import pickle  # noqa: E402  (plain structures in every protocol the reader accepts)
for proto in (2, 3, 4, 5):
    put(os.path.join(PK, "PickleFuzzTestInputs", "unpickle"), "plain_p%d.pkl" % proto,
        pickle.dumps({"a": [1, 2.5, "x", b"y", (True, None)], "n": 2 ** 70, "s": {1, 2}}, protocol=proto))
put(os.path.join(PK, "PickleFuzzTestInputs", "unpickle"), "deep_lists.pkl",
    b"\x80\x02" + b"]" * 5000 + b"a" * 4999 + b".")
put(os.path.join(PK, "PickleFuzzTestInputs", "unpickle"), "binbytes_past_end.pkl",
    b"\x80\x03B\xff\xff\xff\x7fxx.")

# ---------------------------------------------------------------- PNG text
from PIL import Image, PngImagePlugin  # noqa: E402

IM = os.path.join(RES, "engine", "image", "PngTextFuzzTestInputs", "read")


def png(**chunks):
    info = PngImagePlugin.PngInfo()
    for k, (kind, v) in chunks.items():
        if kind == "t":
            info.add_text(k, v)
        elif kind == "z":
            info.add_text(k, v, zip=True)
        else:
            info.add_itxt(k, v, zip=(kind == "iz"))
    b = io.BytesIO()
    Image.new("RGB", (2, 2), (10, 20, 30)).save(b, "PNG", pnginfo=info)
    return b.getvalue()


good = png(parameters=("t", "a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler a"),
           workflow=("z", '{"format":1,"nodes":{}}'), prompt=("i", "猫 🐱"), extra=("iz", "x" * 300))
put(IM, "text_chunks.png", good)
put(IM, "no_text.png", png())


def chunk(kind, data, crc=None):
    c = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", c & 0xffffffff)


head = good[:8 + 25]  # signature + IHDR
put(IM, "bad_crc.png", head + chunk(b"tEXt", b"k\0v", crc=1) + chunk(b"IEND", b""))
put(IM, "length_past_end.png", head + struct.pack(">I", 1 << 30) + b"tEXt" + b"k\0v")
put(IM, "missing_iend.png", head + chunk(b"tEXt", b"k\0v"))
put(IM, "zip_bomb.png", head + chunk(b"zTXt", b"k\0\0" + zlib.compress(b"a" * (3 << 20), 9)) + chunk(b"IEND", b""))
put(IM, "itxt_truncated.png", head + chunk(b"iTXt", b"k\0\0\0") + chunk(b"IEND", b""))
put(IM, "not_png.png", b"GIF89a....")

# ---------------------------------------------------------------- workflow JSON (graph-core)
WF = os.path.join(GRAPH_RES, "graph", "json", "WorkflowFuzzTestInputs", "parseAndValidate")
with open(os.path.join(HERE, "..", "..", "..", "..", "workflows", "txt2img.json"), "rb") as f:
    put(WF, "txt2img.json", f.read())
put(WF, "fake_chain.json", json.dumps({"format": 1, "name": "chain", "nodes": {
    "1": {"type": "Source", "inputs": {"seed": 5, "size": 16}},
    "2": {"type": "Process", "inputs": {"latent": ["1", 0], "strength": 0.5}},
    "3": {"type": "ToImage", "inputs": {"latent": ["2", 0]}},
    "4": {"type": "Save", "inputs": {"images": ["3", 0], "prefix": "out", "format": "png"}}},
    "layout": {"nodes": {"1": {"x": 1.5, "y": 2, "width": 200, "height": 100}}, "groups": [], "notes": []}}))
put(WF, "api_prompt.json", json.dumps({
    "1": {"class_type": "Source", "inputs": {"seed": 1, "size": 8}},
    "2": {"class_type": "Preview", "inputs": {"latent": ["1", 0]}}}))
put(WF, "cycle.json", json.dumps({"format": 1, "nodes": {
    "1": {"type": "Process", "inputs": {"latent": ["2", 0], "strength": 1}},
    "2": {"type": "Process", "inputs": {"latent": ["1", 0], "strength": 1}},
    "3": {"type": "Preview", "inputs": {"latent": ["2", 0]}}}}))
put(WF, "bad_values.json", json.dumps({"format": 1, "nodes": {
    "1": {"type": "Source", "inputs": {"seed": 18446744073709551616, "size": "big"}},
    "2": {"type": "Process", "inputs": {"latent": ["1"], "strength": 1e400}},
    "3": {"type": "Nope", "inputs": {}},
    "4": {"type": "Save", "inputs": {"images": ["1", 7], "prefix": None, "format": "gif"}}}}))
put(WF, "ui_format.json", json.dumps({"nodes": [{"id": 1, "type": "X"}], "links": [], "version": 0.4}))
put(WF, "deep.json", "[" * 3000 + "]" * 3000)
