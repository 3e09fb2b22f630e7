#!/usr/bin/python3
"""Independent reference for CLIP image towers, CLIP's preprocessing and the T2I style adapter.

Re-states the published architectures with plain torch operations:
  * CLIP ViT (Radford et al. 2021): patch convolution without bias (F.conv2d), class token in front, position
    embedding added, pre layer norm, pre-norm blocks x + attn(ln1 x), x + mlp(ln2 x) with quick GELU
    (x * sigmoid(1.702 x)) or exact GELU, written out as softmax(q k^T / sqrt(d)) v per head; outputs the last
    block's output, the second-to-last block's output and post_layernorm(class token) @ visual_projection^T.
    One tower is stored with Hugging Face names (vision_model.*, visual_projection.weight), the other with
    open_clip names (visual.conv1.weight, visual.transformer.resblocks.N.attn.in_proj_weight, visual.proj [D, P]);
    each is read from its own names here.
  * ComfyUI's clip_preprocess: torch.nn.functional.interpolate(mode="bicubic", antialias=True) to
    (round(s*H), round(s*W)) with s = size / min(H, W) and a centre crop ("center"), or to (size, size)
    ("none"); round(clamp(255 x, 0, 255)) / 255; (x - mean) / std with CLIP's constants. Only the first three
    channels are used.
  * TencentARC's StyleAdapter (t2iadapter_style_sd14v1): tokens = ln_post(last num_token rows of
    blocks(ln_pre(cat(x, style_embedding)))) @ proj, blocks of torch.nn.MultiheadAttention (8 heads) and a
    quick-GELU MLP (c_fc, c_proj), pre-norm ln_1 / ln_2.

Weights are drawn from numpy with fixed seeds and written next to the expected outputs as safetensors (the
style adapter also as a torch.save .pth, the format it is published in).
Writes nodes/src/test/resources/dev/noodle/engine/vision/*.
Run: /usr/bin/python3 nodes/src/test/python/clip_vision_reference.py
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/engine/vision")
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def write_safetensors(path, tensors):
    header = {}
    offset = 0
    blobs = []
    for name, t in tensors.items():
        a = np.ascontiguousarray(t, dtype=np.float32)
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def draw(rng, shape, kind):
    if kind == "norm_w":
        return (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
    if kind == "small":
        return (0.1 * rng.standard_normal(shape)).astype(np.float32)
    fan_in = int(np.prod(shape[1:]))
    return (rng.standard_normal(shape) / math.sqrt(fan_in)).astype(np.float32)


def hf_tower(rng, c):
    d, m, p = c["width"], c["mlp"], c["patch"]
    n = (c["image"] // p) ** 2 + 1
    t = {
        "vision_model.embeddings.class_embedding": draw(rng, (d,), "small") * 5,
        "vision_model.embeddings.patch_embedding.weight": draw(rng, (d, 3, p, p), "w"),
        "vision_model.embeddings.position_embedding.weight": draw(rng, (n, d), "small") * 2,
        "vision_model.pre_layrnorm.weight": draw(rng, (d,), "norm_w"),
        "vision_model.pre_layrnorm.bias": draw(rng, (d,), "small"),
    }
    for i in range(c["layers"]):
        l = "vision_model.encoder.layers.%d." % i
        t[l + "layer_norm1.weight"] = draw(rng, (d,), "norm_w")
        t[l + "layer_norm1.bias"] = draw(rng, (d,), "small")
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            t[l + "self_attn.%s.weight" % proj] = draw(rng, (d, d), "w")
            t[l + "self_attn.%s.bias" % proj] = draw(rng, (d,), "small")
        t[l + "layer_norm2.weight"] = draw(rng, (d,), "norm_w")
        t[l + "layer_norm2.bias"] = draw(rng, (d,), "small")
        t[l + "mlp.fc1.weight"] = draw(rng, (m, d), "w")
        t[l + "mlp.fc1.bias"] = draw(rng, (m,), "small")
        t[l + "mlp.fc2.weight"] = draw(rng, (d, m), "w")
        t[l + "mlp.fc2.bias"] = draw(rng, (d,), "small")
    t["vision_model.post_layernorm.weight"] = draw(rng, (d,), "norm_w")
    t["vision_model.post_layernorm.bias"] = draw(rng, (d,), "small")
    t["visual_projection.weight"] = draw(rng, (c["proj"], d), "w")
    return t


def open_clip_tower(rng, c):
    d, m, p = c["width"], c["mlp"], c["patch"]
    n = (c["image"] // p) ** 2 + 1
    t = {
        "visual.class_embedding": draw(rng, (d,), "small") * 5,
        "visual.positional_embedding": draw(rng, (n, d), "small") * 2,
        "visual.proj": draw(rng, (d, c["proj"]), "w"),
        "visual.conv1.weight": draw(rng, (d, 3, p, p), "w"),
        "visual.ln_pre.weight": draw(rng, (d,), "norm_w"),
        "visual.ln_pre.bias": draw(rng, (d,), "small"),
    }
    for i in range(c["layers"]):
        l = "visual.transformer.resblocks.%d." % i
        t[l + "ln_1.weight"] = draw(rng, (d,), "norm_w")
        t[l + "ln_1.bias"] = draw(rng, (d,), "small")
        t[l + "attn.in_proj_weight"] = draw(rng, (3 * d, d), "w")
        t[l + "attn.in_proj_bias"] = draw(rng, (3 * d,), "small")
        t[l + "attn.out_proj.weight"] = draw(rng, (d, d), "w")
        t[l + "attn.out_proj.bias"] = draw(rng, (d,), "small")
        t[l + "ln_2.weight"] = draw(rng, (d,), "norm_w")
        t[l + "ln_2.bias"] = draw(rng, (d,), "small")
        t[l + "mlp.c_fc.weight"] = draw(rng, (m, d), "w")
        t[l + "mlp.c_fc.bias"] = draw(rng, (m,), "small")
        t[l + "mlp.c_proj.weight"] = draw(rng, (d, m), "w")
        t[l + "mlp.c_proj.bias"] = draw(rng, (d,), "small")
    t["visual.ln_post.weight"] = draw(rng, (d,), "norm_w")
    t["visual.ln_post.bias"] = draw(rng, (d,), "small")
    return t


def preprocess(image, size, crop):
    image = image[:, :, :, :3]
    x = image.movedim(-1, 1)
    if not (x.shape[2] == size and x.shape[3] == size):
        if crop:
            s = size / min(x.shape[2], x.shape[3])
            to = (round(s * x.shape[2]), round(s * x.shape[3]))
        else:
            to = (size, size)
        x = F.interpolate(x, size=to, mode="bicubic", antialias=True)
        h = (x.shape[2] - size) // 2
        w = (x.shape[3] - size) // 2
        x = x[:, :, h:h + size, w:w + size]
    x = torch.clip(255.0 * x, 0, 255).round() / 255.0
    mean = torch.tensor(MEAN, dtype=x.dtype).view(3, 1, 1)
    std = torch.tensor(STD, dtype=x.dtype).view(3, 1, 1)
    return (x - mean) / std


def attention(x, wq, bq, wk, bk, wv, bv, wo, bo, heads):
    b, n, d = x.shape
    hd = d // heads
    q = (x @ wq.T + bq).view(b, n, heads, hd).transpose(1, 2)
    k = (x @ wk.T + bk).view(b, n, heads, hd).transpose(1, 2)
    v = (x @ wv.T + bv).view(b, n, heads, hd).transpose(1, 2)
    a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1) @ v
    return a.transpose(1, 2).reshape(b, n, d) @ wo.T + bo


def act(h, kind):
    return h * torch.sigmoid(1.702 * h) if kind == "quick_gelu" else F.gelu(h)


def vit(pixels, t, c, layout):
    T = {k: torch.from_numpy(v) for k, v in t.items()}
    d = c["width"]
    eps = 1e-5
    if layout == "hf":
        pre = "vision_model."
        conv, cls, pos = T[pre + "embeddings.patch_embedding.weight"], T[pre + "embeddings.class_embedding"], \
            T[pre + "embeddings.position_embedding.weight"]
        ln_pre = (T[pre + "pre_layrnorm.weight"], T[pre + "pre_layrnorm.bias"])
        ln_post = (T[pre + "post_layernorm.weight"], T[pre + "post_layernorm.bias"])
        proj = T["visual_projection.weight"].T  # [D, P]
    else:
        conv, cls, pos = T["visual.conv1.weight"], T["visual.class_embedding"], T["visual.positional_embedding"]
        ln_pre = (T["visual.ln_pre.weight"], T["visual.ln_pre.bias"])
        ln_post = (T["visual.ln_post.weight"], T["visual.ln_post.bias"])
        proj = T["visual.proj"]
    x = F.conv2d(pixels, conv, stride=c["patch"])  # [B, D, g, g]
    x = x.flatten(2).transpose(1, 2)
    x = torch.cat([cls.view(1, 1, d).expand(x.shape[0], 1, d), x], dim=1) + pos
    x = F.layer_norm(x, (d,), *ln_pre, eps=eps)
    outs = []
    for i in range(c["layers"]):
        if layout == "hf":
            l = "vision_model.encoder.layers.%d." % i
            g = lambda n: T[l + n]
            ln1 = (g("layer_norm1.weight"), g("layer_norm1.bias"))
            ln2 = (g("layer_norm2.weight"), g("layer_norm2.bias"))
            qkv = [g("self_attn.%s_proj.weight" % s) for s in "qkv"], [g("self_attn.%s_proj.bias" % s) for s in "qkv"]
            wo, bo = g("self_attn.out_proj.weight"), g("self_attn.out_proj.bias")
            fc1, b1, fc2, b2 = g("mlp.fc1.weight"), g("mlp.fc1.bias"), g("mlp.fc2.weight"), g("mlp.fc2.bias")
        else:
            l = "visual.transformer.resblocks.%d." % i
            g = lambda n: T[l + n]
            ln1 = (g("ln_1.weight"), g("ln_1.bias"))
            ln2 = (g("ln_2.weight"), g("ln_2.bias"))
            qkv = list(g("attn.in_proj_weight").chunk(3, 0)), list(g("attn.in_proj_bias").chunk(3, 0))
            wo, bo = g("attn.out_proj.weight"), g("attn.out_proj.bias")
            fc1, b1, fc2, b2 = g("mlp.c_fc.weight"), g("mlp.c_fc.bias"), g("mlp.c_proj.weight"), g("mlp.c_proj.bias")
        h = F.layer_norm(x, (d,), *ln1, eps=eps)
        x = x + attention(h, qkv[0][0], qkv[1][0], qkv[0][1], qkv[1][1], qkv[0][2], qkv[1][2], wo, bo, c["heads"])
        h = F.layer_norm(x, (d,), *ln2, eps=eps)
        x = x + act(h @ fc1.T + b1, c["act"]) @ fc2.T + b2
        outs.append(x)
    pooled = F.layer_norm(x[:, 0, :], (d,), *ln_post, eps=eps)
    return x, outs[-2], pooled @ proj


def style_weights(rng, s):
    w, ctx = s["width"], s["context"]
    t = {
        "style_embedding": (rng.standard_normal((1, s["tokens"], w)) * w ** -0.5).astype(np.float32),
        "ln_pre.weight": draw(rng, (w,), "norm_w"),
        "ln_pre.bias": draw(rng, (w,), "small"),
        "ln_post.weight": draw(rng, (w,), "norm_w"),
        "ln_post.bias": draw(rng, (w,), "small"),
        "proj": draw(rng, (w, ctx), "w"),
    }
    for i in range(s["layers"]):
        l = "transformer_layes.%d." % i
        t[l + "attn.in_proj_weight"] = draw(rng, (3 * w, w), "w")
        t[l + "attn.in_proj_bias"] = draw(rng, (3 * w,), "small")
        t[l + "attn.out_proj.weight"] = draw(rng, (w, w), "w")
        t[l + "attn.out_proj.bias"] = draw(rng, (w,), "small")
        t[l + "ln_1.weight"] = draw(rng, (w,), "norm_w")
        t[l + "ln_1.bias"] = draw(rng, (w,), "small")
        t[l + "mlp.c_fc.weight"] = draw(rng, (4 * w, w), "w")
        t[l + "mlp.c_fc.bias"] = draw(rng, (4 * w,), "small")
        t[l + "mlp.c_proj.weight"] = draw(rng, (w, 4 * w), "w")
        t[l + "mlp.c_proj.bias"] = draw(rng, (w,), "small")
        t[l + "ln_2.weight"] = draw(rng, (w,), "norm_w")
        t[l + "ln_2.bias"] = draw(rng, (w,), "small")
    return t


def style_adapter(x, t, s):
    T = {k: torch.from_numpy(v) for k, v in t.items()}
    w = s["width"]
    n = s["tokens"]
    e = T["style_embedding"].expand(x.shape[0], n, w)
    h = torch.cat([x, e], dim=1)
    h = F.layer_norm(h, (w,), T["ln_pre.weight"], T["ln_pre.bias"], eps=1e-5)
    h = h.permute(1, 0, 2)  # sequence first, as nn.MultiheadAttention takes it
    for i in range(s["layers"]):
        l = "transformer_layes.%d." % i
        mha = torch.nn.MultiheadAttention(w, s["heads"])
        mha.load_state_dict({"in_proj_weight": T[l + "attn.in_proj_weight"], "in_proj_bias": T[l + "attn.in_proj_bias"],
                             "out_proj.weight": T[l + "attn.out_proj.weight"],
                             "out_proj.bias": T[l + "attn.out_proj.bias"]})
        a = F.layer_norm(h, (w,), T[l + "ln_1.weight"], T[l + "ln_1.bias"], eps=1e-5)
        h = h + mha(a, a, a, need_weights=False)[0]
        m = F.layer_norm(h, (w,), T[l + "ln_2.weight"], T[l + "ln_2.bias"], eps=1e-5)
        m = m @ T[l + "mlp.c_fc.weight"].T + T[l + "mlp.c_fc.bias"]
        m = m * torch.sigmoid(1.702 * m)
        h = h + m @ T[l + "mlp.c_proj.weight"].T + T[l + "mlp.c_proj.bias"]
    h = h.permute(1, 0, 2)
    h = F.layer_norm(h[:, -n:, :], (w,), T["ln_post.weight"], T["ln_post.bias"], eps=1e-5)
    return h @ T["proj"]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_grad_enabled(False)
    rng = np.random.default_rng(1515)
    cases = {
        "hf_quick": dict(layout="hf", width=32, layers=3, heads=4, mlp=64, patch=4, image=16, proj=24,
                         act="quick_gelu"),
        "oc_gelu": dict(layout="open_clip", width=48, layers=2, heads=16, mlp=96, patch=3, image=12, proj=20,
                        act="gelu"),
    }
    images = {
        "wide": rng.random((2, 23, 37, 3), dtype=np.float32),
        "small4": rng.random((1, 9, 7, 4), dtype=np.float32),
    }
    expected = {}
    for name, img in images.items():
        expected["image." + name] = img
    weights = {}
    for name, c in cases.items():
        t = hf_tower(rng, c) if c["layout"] == "hf" else open_clip_tower(rng, c)
        weights[name] = t
        write_safetensors(os.path.join(OUT, "clip_vision_%s.safetensors" % name), t)
        exact = rng.random((1, c["image"], c["image"], 3), dtype=np.float32)
        expected["image.exact_" + name] = exact
        for img_name, img in list(images.items()) + [("exact_" + name, exact)]:
            for crop in ("center", "none"):
                px = preprocess(torch.from_numpy(img), c["image"], crop == "center")
                last, pen, emb = vit(px, t, c, c["layout"])
                k = "%s.%s.%s." % (name, img_name, crop)
                expected[k + "pixels"] = px.numpy()
                expected[k + "last_hidden_state"] = last.numpy()
                expected[k + "penultimate_hidden_states"] = pen.numpy()
                expected[k + "image_embeds"] = emb.numpy()
    s = dict(width=32, context=24, heads=8, layers=2, tokens=5)
    st = style_weights(rng, s)
    write_safetensors(os.path.join(OUT, "style_adapter_tiny.safetensors"), st)
    torch.save({k: torch.from_numpy(v) for k, v in st.items()}, os.path.join(OUT, "style_adapter_tiny.pth"))
    x = torch.from_numpy(expected["hf_quick.wide.center.last_hidden_state"])
    expected["style.tokens"] = style_adapter(x, st, s).numpy()
    write_safetensors(os.path.join(OUT, "clip_vision_expected.safetensors"), expected)
    with open(os.path.join(OUT, "clip_vision_cases.json"), "w") as f:
        json.dump({"cases": cases, "style": s}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
