#!/usr/bin/python3
"""Independent reference for LoRA-family patches (LoRA/LoCon, PEFT, LoHa, LoKr) on a tiny base weight set.

Writes small safetensors files (by hand, with numpy) to nodes/src/test/resources/dev/noodle/engine/adapters/:
  lora_base.safetensors          base weights (UNet keys prefixed 'unet:', text keys 'text:')
  lora_kohya.safetensors         kohya LoRA with LDM names, a LoCon (lora_mid) 3x3 conv, a text module; alpha
  lora_peft.safetensors          PEFT lora_A/lora_B with diffusers names ('unet.' prefix), no alpha
  lora_loha.safetensors          LoHa linear + Tucker 3x3 conv
  lora_lokr.safetensors          LoKr: w1 + (w2_a, w2_b) linear; (w1_a, w1_b) + w2 4-d conv; Tucker t2 conv
  lora_sdxl.safetensors          an SDXL-made LoRA (metadata + lora_te2_ keys) that matches nothing here
  lora_expected.safetensors      'NAME/strength:KEY' -> patched weight, computed with torch einsum/kron
Run: /usr/bin/python3 nodes/src/test/python/lora_reference.py
"""
import json
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/engine/adapters")
torch.manual_seed(1234)


def save(path, tensors, metadata=None, f16=False):
    header = {}
    blobs = []
    offset = 0
    for k, t in tensors.items():
        a = t.detach().numpy().astype(np.float16 if f16 else np.float32)
        b = a.tobytes()
        header[k] = {"dtype": "F16" if f16 else "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(os.path.join(OUT, path), "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rnd(*shape):
    return torch.randn(*shape)


Q = "input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight"     # linear [8, 6]
K2 = "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"    # linear [8, 12]
PIN = "input_blocks.1.1.proj_in.weight"                           # conv 1x1 [8, 6, 1, 1]
C3 = "input_blocks.1.0.in_layers.2.weight"                        # conv 3x3 [8, 4, 3, 3]
C3B = "input_blocks.1.0.out_layers.3.weight"                      # conv 3x3 [8, 8, 3, 3]
TQ = "encoder.layers.0.self_attn.q_proj.weight"                   # text linear [6, 6]
TF = "encoder.layers.1.mlp.fc1.weight"                            # text linear [12, 6]

base = {Q: rnd(8, 6), K2: rnd(8, 12), PIN: rnd(8, 6, 1, 1), C3: rnd(8, 4, 3, 3), C3B: rnd(8, 8, 3, 3)}
text = {TQ: rnd(6, 6), TF: rnd(12, 6)}
save("lora_base.safetensors", {**{"unet:" + k: v for k, v in base.items()}, **{"text:" + k: v for k, v in text.items()}})


def kohya(name):
    return "lora_unet_" + name[: -len(".weight")].replace(".", "_")


# ---- kohya LoRA (+ LoCon mid) -------------------------------------------------------------
deltas = {"kohya": {}, "peft": {}, "loha": {}, "lokr": {}}
t = {}
r = 3
for key, alpha in [(Q, 1.5), (PIN, 3.0), (C3, 2.0)]:
    w = base[key]
    up = rnd(w.shape[0], r, *([1, 1] if w.dim() == 4 else []))
    down = rnd(r, *w.shape[1:]) if w.dim() == 4 else rnd(r, w.shape[1])
    n = kohya(key)
    t[n + ".lora_up.weight"] = up
    t[n + ".lora_down.weight"] = down
    t[n + ".alpha"] = torch.tensor(alpha)
    deltas["kohya"][("unet", key)] = (alpha / r) * (up.reshape(w.shape[0], r) @ down.reshape(r, -1)).reshape(w.shape)
# LoCon with a Tucker mid on the second 3x3 conv: dW[o,i,h,w] = sum_ab up[o,a] mid[a,b,h,w] down[b,i]
up = rnd(8, 2, 1, 1)
mid = rnd(2, 2, 3, 3)
down = rnd(2, 8, 1, 1)
n = kohya(C3B)
t[n + ".lora_up.weight"] = up
t[n + ".lora_mid.weight"] = mid
t[n + ".lora_down.weight"] = down
t[n + ".alpha"] = torch.tensor(1.0)
deltas["kohya"][("unet", C3B)] = 0.5 * torch.einsum("oa,abhw,bi->oihw", up[:, :, 0, 0], mid, down[:, :, 0, 0])
# a text-encoder module (no alpha -> scale 1)
up, down = rnd(6, 2), rnd(2, 6)
t["lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight"] = up
t["lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight"] = down
deltas["kohya"][("text", TQ)] = up @ down
save("lora_kohya.safetensors", t, {"ss_base_model_version": "sd_v1", "ss_network_module": "networks.lora"})

# ---- PEFT (diffusers names, lora_A = down, lora_B = up) --------------------------------------
t = {}
up, down = rnd(8, 4), rnd(4, 6)
t["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight"] = down
t["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_B.weight"] = up
deltas["peft"][("unet", Q)] = up @ down
up, down = rnd(8, 4), rnd(4, 12)
t["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight"] = down
t["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_B.weight"] = up
deltas["peft"][("unet", K2)] = up @ down
up, down = rnd(12, 2), rnd(2, 6)
t["text_encoder.text_model.encoder.layers.1.mlp.fc1.lora_A.weight"] = down
t["text_encoder.text_model.encoder.layers.1.mlp.fc1.lora_B.weight"] = up
deltas["peft"][("text", TF)] = up @ down
save("lora_peft.safetensors", t)

# ---- LoHa ------------------------------------------------------------------------------------
t = {}
r = 2
w1a, w1b, w2a, w2b = rnd(8, r), rnd(r, 6), rnd(8, r), rnd(r, 6)
n = kohya(Q)
t.update({n + ".hada_w1_a": w1a, n + ".hada_w1_b": w1b, n + ".hada_w2_a": w2a, n + ".hada_w2_b": w2b,
          n + ".alpha": torch.tensor(4.0)})
deltas["loha"][("unet", Q)] = (4.0 / r) * (w1a @ w1b) * (w2a @ w2b)
# Tucker LoHa on a 3x3 conv: factor = einsum('ijhw,jr,ip->prhw', t, b, a)
t1, t2 = rnd(r, r, 3, 3), rnd(r, r, 3, 3)
a1, b1, a2, b2 = rnd(r, 8), rnd(r, 4), rnd(r, 8), rnd(r, 4)
n = kohya(C3)
t.update({n + ".hada_w1_a": a1, n + ".hada_w1_b": b1, n + ".hada_w2_a": a2, n + ".hada_w2_b": b2,
          n + ".hada_t1": t1, n + ".hada_t2": t2, n + ".alpha": torch.tensor(1.0)})
f1 = torch.einsum("ijhw,jr,ip->prhw", t1, b1, a1)
f2 = torch.einsum("ijhw,jr,ip->prhw", t2, b2, a2)
deltas["loha"][("unet", C3)] = (1.0 / r) * f1 * f2
save("lora_loha.safetensors", t)

# ---- LoKr ------------------------------------------------------------------------------------
t = {}
# linear [8, 6] = kron(w1 [2, 3], w2 [4, 2]); w2 = w2_a [4, 1] @ w2_b [1, 2]; scale alpha / 1
w1, w2a, w2b = rnd(2, 3), rnd(4, 1), rnd(1, 2)
n = kohya(Q)
t.update({n + ".lokr_w1": w1, n + ".lokr_w2_a": w2a, n + ".lokr_w2_b": w2b, n + ".alpha": torch.tensor(0.5)})
deltas["lokr"][("unet", Q)] = 0.5 * torch.kron(w1, w2a @ w2b)
# conv [8, 4, 3, 3] = kron(w1 [2, 2] -> [2, 2, 1, 1], w2 [4, 2, 3, 3]); w1 = w1_a [2,1] @ w1_b [1,2]; alpha 3, r 1
w1a, w1b, w2 = rnd(2, 1), rnd(1, 2), rnd(4, 2, 3, 3)
n = kohya(C3)
t.update({n + ".lokr_w1_a": w1a, n + ".lokr_w1_b": w1b, n + ".lokr_w2": w2, n + ".alpha": torch.tensor(3.0)})
deltas["lokr"][("unet", C3)] = 3.0 * torch.kron((w1a @ w1b)[:, :, None, None], w2)
# Tucker w2 on the other conv [8, 8, 3, 3] = kron(w1 [2, 4], w2 [4, 2, 3, 3]), w2 from t2/w2_a/w2_b, no alpha
w1 = rnd(2, 4)
tt, a, b = rnd(2, 2, 3, 3), rnd(2, 4), rnd(2, 2)
n = kohya(C3B)
t.update({n + ".lokr_w1": w1, n + ".lokr_w2_a": a, n + ".lokr_w2_b": b, n + ".lokr_t2": tt})
deltas["lokr"][("unet", C3B)] = torch.kron(w1[:, :, None, None], torch.einsum("ijhw,jr,ip->prhw", tt, b, a).contiguous())
save("lora_lokr.safetensors", t)

# ---- an SDXL LoRA ----------------------------------------------------------------------------
t = {"lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight": rnd(12, 2),
     "lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight": rnd(2, 12),
     "lora_unet_input_blocks_4_1_transformer_blocks_1_attn2_to_k.lora_up.weight": rnd(8, 2),
     "lora_unet_input_blocks_4_1_transformer_blocks_1_attn2_to_k.lora_down.weight": rnd(2, 2048)}
save("lora_sdxl.safetensors", t, {"ss_base_model_version": "sdxl_base_v1-0"})

# ---- expected patched weights ------------------------------------------------------------------
expected = {}
every = {("unet", k): v for k, v in base.items()} | {("text", k): v for k, v in text.items()}
for name, strength in [("kohya", 0.7), ("peft", 1.0), ("loha", -0.4), ("lokr", 1.3)]:
    for (comp, key), d in deltas[name].items():
        expected[f"{name}/{strength}:{comp}:{key}"] = every[(comp, key)] + strength * d
# kohya at 0.5 plus peft at 0.5 on the same base (keys patched by either)
for ck in set(deltas["kohya"]) | set(deltas["peft"]):
    w = every[ck] + 0.5 * deltas["kohya"].get(ck, 0) + 0.5 * deltas["peft"].get(ck, 0)
    expected[f"kohya+peft/0.5:{ck[0]}:{ck[1]}"] = w
save("lora_expected.safetensors", expected)
print("wrote", len(expected), "expected tensors")
