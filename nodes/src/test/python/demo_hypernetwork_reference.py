#!/usr/bin/python3
"""Reads Noodle's Java-written demo hypernetwork with torch.load and evaluates it as AUTOMATIC1111 builds it.

The fixture noodle-demo-hypernetwork.pt is the file DemoAddons generates (the Java test checks the bytes are the
same); here torch.load must read it, and its k/v modules are rebuilt as torch.nn.Sequential(Linear, ReLU, Linear)
from layer_structure [1, 2, 1] and applied to a fixed context: out = c + mlp(c) * strength.
Writes demo_hypernetwork_expected.json next to the fixture.
Run: /usr/bin/python3 nodes/src/test/python/demo_hypernetwork_reference.py
"""
import json
import os

import torch

DIR = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/nodes")
d = torch.load(os.path.join(DIR, "noodle-demo-hypernetwork.pt"))
assert d["layer_structure"] == [1.0, 2.0, 1.0] and d["activation_func"] == "relu", d
width = 64
strength = 0.8
torch.manual_seed(3)
context = torch.randn(1, 3, width)
out = {"strength": strength, "context": context.reshape(-1).tolist(), "shape": [1, 3, width]}
for name, sd in zip(("k", "v"), d[width]):
    seq = torch.nn.Sequential(torch.nn.Linear(width, 2 * width), torch.nn.ReLU(), torch.nn.Linear(2 * width, width))
    seq.load_state_dict({k[len("linear."):]: v for k, v in sd.items()})
    with torch.no_grad():
        out[name] = (context + seq(context) * strength).reshape(-1).tolist()
with open(os.path.join(DIR, "demo_hypernetwork_expected.json"), "w") as f:
    json.dump(out, f)
