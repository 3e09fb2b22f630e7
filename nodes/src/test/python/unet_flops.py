#!/usr/bin/env python3
"""FLOPs of one UNet forward pass, counted from a published diffusers UNet2DConditionModel config.

An independent re-statement of the count Noodle's bench divides by: it walks diffusers' block structure
(down_blocks / mid_block / up_blocks, resnets, attentions, down/upsamplers, skip lists) rather than LDM's
input_blocks / output_blocks, and counts two operations per multiply-add of every convolution, linear layer and
the two attention matrix products (Q.K^T, softmax.V). Normalisations, activations and additions are left out.

usage: python3 src/test/python/unet_flops.py sdxl|sd15 BATCH HEIGHT WIDTH TOKENS   (latent height and width)
prints the FLOP count as an integer.
"""
import sys

# stabilityai/stable-diffusion-xl-base-1.0 unet/config.json (the fields the count needs)
SDXL = {
    "in_channels": 4, "out_channels": 4,
    "block_out_channels": [320, 640, 1280],
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    "layers_per_block": 2,
    "transformer_layers_per_block": [1, 2, 10],
    "cross_attention_dim": 2048,
    "addition_time_embed_dim": 256,
    "projection_class_embeddings_input_dim": 2816,
}

# runwayml/stable-diffusion-v1-5 unet/config.json
SD15 = {
    "in_channels": 4, "out_channels": 4,
    "block_out_channels": [320, 640, 1280, 1280],
    "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
    "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
    "layers_per_block": 2,
    "transformer_layers_per_block": 1,
    "cross_attention_dim": 768,
    "addition_time_embed_dim": None,
    "projection_class_embeddings_input_dim": None,
}


def count(cfg, batch, h, w, tokens):
    chans = cfg["block_out_channels"]
    levels = len(chans)
    tl = cfg["transformer_layers_per_block"]
    tl = tl if isinstance(tl, list) else [tl] * levels
    ctx = cfg["cross_attention_dim"]
    temb = chans[0] * 4
    macs = 0

    def conv(hh, ww, cin, cout, k):
        return hh * ww * cin * cout * k * k

    def resnet(hh, ww, cin, cout):
        m = conv(hh, ww, cin, cout, 3) + temb * cout + conv(hh, ww, cout, cout, 3)
        if cin != cout:
            m += conv(hh, ww, cin, cout, 1)  # conv_shortcut
        return m

    def transformer(hh, ww, c, layers):
        n = hh * ww
        m = 2 * n * c * c  # proj_in, proj_out
        for _ in range(layers):
            m += 4 * n * c * c + n * n * c + n * n * c  # attn1: q k v out, q.k^T, p.v
            m += n * c * c + 2 * tokens * ctx * c + n * c * c + n * tokens * c + n * tokens * c  # attn2
            m += n * c * (8 * c) + n * (4 * c) * c  # GEGLU proj, ff out
        return m

    # time embedding, then SDXL's added-condition embedding
    macs += chans[0] * temb + temb * temb
    if cfg["projection_class_embeddings_input_dim"]:
        macs += cfg["projection_class_embeddings_input_dim"] * temb + temb * temb

    hh, ww = h, w
    macs += conv(hh, ww, cfg["in_channels"], chans[0], 3)  # conv_in
    skips = [(chans[0], hh, ww)]
    cin = chans[0]
    for i, kind in enumerate(cfg["down_block_types"]):
        cout = chans[i]
        for _ in range(cfg["layers_per_block"]):
            macs += resnet(hh, ww, cin, cout)
            cin = cout
            if kind.startswith("CrossAttn"):
                macs += transformer(hh, ww, cout, tl[i])
            skips.append((cout, hh, ww))
        if i < levels - 1:
            hh, ww = (hh + 1) // 2, (ww + 1) // 2
            macs += conv(hh, ww, cout, cout, 3)  # Downsample2D, stride 2
            skips.append((cout, hh, ww))

    c = chans[-1]
    macs += resnet(hh, ww, c, c) + transformer(hh, ww, c, tl[-1]) + resnet(hh, ww, c, c)  # mid block

    rev = list(reversed(chans))
    rtl = list(reversed(tl))
    prev = c
    for i, kind in enumerate(cfg["up_block_types"]):
        cout = rev[i]
        for _ in range(cfg["layers_per_block"] + 1):
            skip_c, _, _ = skips.pop()
            macs += resnet(hh, ww, prev + skip_c, cout)
            prev = cout
            if kind.startswith("CrossAttn"):
                macs += transformer(hh, ww, cout, rtl[i])
        if i < levels - 1:
            _, hh, ww = skips[-1]  # Upsample2D to the next skip's size, then conv
            macs += conv(hh, ww, cout, cout, 3)
    macs += conv(hh, ww, chans[0], cfg["out_channels"], 3)  # conv_out
    return 2 * macs * batch


if __name__ == "__main__":
    model = {"sdxl": SDXL, "sd15": SD15}[sys.argv[1]]
    b, h, w, t = (int(a) for a in sys.argv[2:6])
    print(count(model, b, h, w, t))
