#!/usr/bin/python3
"""A1111-format hypernetwork fixtures and the outputs of their k/v modules, from an independent torch build.

Each file is a dict {width: [k_state_dict, v_state_dict], layer_structure, activation_func, is_layer_norm,
use_dropout, activate_output, last_layer_dropout}; the modules are rebuilt here as torch.nn.Sequential in the order
A1111 uses (Linear, activation, LayerNorm, Dropout) and evaluated on a fixed context.
Writes nodes/src/test/resources/dev/noodle/engine/adapters/hn_*.pt and hypernetwork_expected.json.
Run: /usr/bin/python3 nodes/src/test/python/hypernetwork_reference.py
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/engine/adapters")
torch.manual_seed(5)
ACT = {"relu": torch.nn.ReLU, "mish": torch.nn.Mish, "swish": torch.nn.Hardswish, "tanh": torch.nn.Tanh,
       "elu": torch.nn.ELU, "leakyrelu": torch.nn.LeakyReLU, "softsign": torch.nn.Softsign, "linear": None}


def build(dim, structure, act, ln, dropout, activate_output, last_dropout):
    mods = []
    n = len(structure)
    for i in range(n - 1):
        mods.append(torch.nn.Linear(int(dim * structure[i]), int(dim * structure[i + 1])))
        if act != "linear" and not (i >= n - 2 and not activate_output):
            mods.append(ACT[act]())
        if ln:
            mods.append(torch.nn.LayerNorm(int(dim * structure[i + 1])))
        if dropout and (i < n - 3 or last_dropout and i < n - 2):
            mods.append(torch.nn.Dropout(p=0.3))
    seq = torch.nn.Sequential(*mods)
    for p in seq.parameters():
        torch.nn.init.normal_(p, std=0.3)
    return seq.eval()


class Wrap(torch.nn.Module):  # so that state_dict keys read linear.N.*
    def __init__(self, seq):
        super().__init__()
        self.linear = seq


CASES = {
    "hn_relu": dict(structure=[1, 2, 1], act="relu", ln=False, dropout=False, activate_output=False, last_dropout=False),
    "hn_mish_ln_dropout": dict(structure=[1, 1.5, 2, 1], act="mish", ln=True, dropout=True, activate_output=True,
                               last_dropout=True),
    "hn_swish": dict(structure=[1, 2, 1], act="swish", ln=False, dropout=True, activate_output=True, last_dropout=False),
}
expected = {}
strength = 0.8
for name, c in CASES.items():
    d = {"layer_structure": c["structure"], "activation_func": c["act"], "is_layer_norm": c["ln"],
         "use_dropout": c["dropout"], "activate_output": c["activate_output"], "last_layer_dropout": c["last_dropout"],
         "weight_initialization": "Normal", "name": name, "step": 10}
    expected[name] = {}
    for width in (8, 12):
        mk = build(width, c["structure"], c["act"], c["ln"], c["dropout"], c["activate_output"], c["last_dropout"])
        mv = build(width, c["structure"], c["act"], c["ln"], c["dropout"], c["activate_output"], c["last_dropout"])
        d[width] = [Wrap(mk).state_dict(), Wrap(mv).state_dict()]
        ctx = torch.randn(2, 3, width)
        with torch.no_grad():
            k = ctx + mk(ctx) * strength
            v = ctx + mv(ctx) * strength
        expected[name][str(width)] = {"context": ctx.flatten().tolist(), "k": k.flatten().tolist(),
                                      "v": v.flatten().tolist(), "strength": strength}
    torch.save(d, os.path.join(OUT, name + ".pt"))
with open(os.path.join(OUT, "hypernetwork_expected.json"), "w") as f:
    json.dump(expected, f)
print("wrote", list(CASES))
