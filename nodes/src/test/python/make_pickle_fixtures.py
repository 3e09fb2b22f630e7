#!/usr/bin/python3
"""Writes the pickle-checkpoint fixtures for PickleCheckpointTest (run with Debian's /usr/bin/python3 + torch).

Good files are torch.save() of small structures; expected values go to *.expected.json (flattened float values
and shapes, computed by torch). Evil files are real torch.save() of objects whose __reduce__ names a dangerous
global: nothing in them is ever executed by the Java reader. Damaged files are derived from the good one.
"""
import collections
import io
import json
import os
import subprocess
import sys
import zipfile

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "dev", "noodle", "engine", "io", "pickle")
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


def expected(tensors):
    return {k: {"shape": list(t.shape), "values": t.float().flatten().tolist(), "dtype": str(t.dtype)}
            for k, t in tensors.items()}


torch.manual_seed(0)
big = torch.randn(10)
sd = collections.OrderedDict()
sd["model.diffusion_model.w32"] = torch.randn(2, 3)
sd["model.diffusion_model.w16"] = torch.randn(4).half()
sd["model.diffusion_model.wbf16"] = torch.randn(3).bfloat16()
sd["cond_stage_model.transformer.text_model.embeddings.position_ids"] = torch.arange(5).unsqueeze(0)
sd["transposed"] = torch.randn(3, 4).t()          # non-contiguous view, strides (1, 4)
sd["view_with_offset"] = big[2:8:2]               # shares a storage, offset 2, stride 2
sd["shares_storage"] = big                          # same storage as above
sd["scalar"] = torch.tensor(0.125)
sd["empty"] = torch.zeros(2, 0)
sd["param"] = torch.nn.Parameter(torch.randn(2))
torch.save({"state_dict": sd, "global_step": 7, "epoch": 1}, path("small.ckpt"))
with open(path("small.expected.json"), "w") as f:
    json.dump(expected({k: v.detach() for k, v in sd.items()}), f, indent=1)

# A1111 textual-inversion embedding (.pt)
emb = torch.randn(2, 8)
torch.save({"string_to_token": {"*": 265}, "string_to_param": {"*": emb}, "name": "tiny-emb", "step": 10,
            "sd_checkpoint": "abcdef12", "sd_checkpoint_name": "v1-5"}, path("embedding.pt"))
# Original textual-inversion layout: string_to_param is an nn.ParameterDict
pd = torch.nn.ParameterDict({"*": torch.nn.Parameter(emb.clone())})
torch.save({"string_to_token": {"*": 265}, "string_to_param": pd, "name": "old-emb"}, path("embedding_pd.pt"))

# A1111 hypernetwork (.pt): per context width a list of two state dicts, plus settings
def mlp():
    return collections.OrderedDict([("linear.0.weight", torch.randn(4, 2)), ("linear.0.bias", torch.randn(4)),
                                    ("linear.1.weight", torch.randn(2, 4)), ("linear.1.bias", torch.randn(2))])
hn = {768: [mlp(), mlp()], 1024: [mlp(), mlp()], "step": 5, "name": "tiny-hn", "layer_structure": [1, 2, 1],
      "activation_func": "relu", "is_layer_norm": False, "weight_initialization": "Normal",
      "use_dropout": False, "activate_output": False, "last_layer_dropout": False}
torch.save(hn, path("hypernetwork.pt"))
with open(path("hypernetwork.expected.json"), "w") as f:
    json.dump({str(k): [expected(d) for d in hn[k]] for k in (768, 1024)}, f, indent=1)


class Evil:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


torch.save({"state_dict": {"w": torch.ones(1)}, "x": Evil(os.system, "echo pwned")}, path("evil_os_system.ckpt"))
torch.save({"x": Evil(eval, "__import__('os').system('echo pwned')")}, path("evil_eval.ckpt"))
torch.save({"x": Evil(subprocess.Popen, ["echo", "pwned"])}, path("evil_subprocess.ckpt"))

with open(path("small.ckpt"), "rb") as f:
    good = f.read()
with open(path("truncated.ckpt"), "wb") as f:
    f.write(good[: len(good) // 2])


def rewrite(name, change):
    src = zipfile.ZipFile(io.BytesIO(good))
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            for n, d in change(info.filename, data):
                dst.writestr(n, d)


# storage shorter than its declared element count
rewrite("short_storage.ckpt", lambda n, d: [(n, d[:-4] if n.endswith("/data/0") else d)])
# an extra file inside the archive
rewrite("extra_entry.ckpt", lambda n, d: [(n, d)] + ([("small/evil.py", b"print('x')")] if n.endswith("data.pkl") else []))
# a ../ entry name
rewrite("dotdot_entry.ckpt", lambda n, d: [(n, d)] + ([("../data.pkl", d)] if n.endswith("data.pkl") else []))
# a storage entry missing
rewrite("missing_storage.ckpt", lambda n, d: [] if n.endswith("/data/1") else [(n, d)])

# legacy (pre-1.6) non-zip serialization
torch.save({"w": torch.ones(2)}, path("legacy.pt"), _use_new_zipfile_serialization=False)
print("fixtures written to", os.path.abspath(OUT), "torch", torch.__version__, file=sys.stderr)
