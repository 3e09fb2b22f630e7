#!/usr/bin/python3
"""Independent reference for ComfyUI's block merges (ModelMergeBlocks, ModelMergeSD1/SD2, ModelMergeSDXL).

ComfyUI (comfy_extras/nodes_model_merging.py, ModelMergeBlocks.merge) patches every UNet weight of model1 with
model2's as  model1 * ratio + model2 * (1 - ratio), where a key's ratio is the one of the longest block input name
that is a prefix of the key (names relative to 'diffusion_model.'), and the first block input's ratio for keys no
name matches. The model-specific nodes (nodes_model_merging_model_specific.py) only change the list of names:
SD1/SD2 'time_embed.', 'label_emb.', 'input_blocks.0.'..'input_blocks.11.', 'middle_block.0.'..'2.',
'output_blocks.0.'..'11.', 'out.'; SDXL the same with 9 input/output blocks and no dot after the block number.

Inputs: the tiny random-weight checkpoints Noodle's tests load (values deterministic per key), written with
  DemoCheckpoint.ensure(sd1.safetensors) and TinyCheckpoints.write(sdxl.safetensors, Kind.SDXL)
into one folder. model1 = the checkpoint, model2 = 2 x the checkpoint (ModelMergeAdd of it with itself), so
every non-zero weight shows its ratio. For each case and UNet key the fixture holds the ratio, the sum and the
absolute sum of the merged weight (float64 over the float32 inputs).
Run: /usr/bin/python3 nodes/src/test/python/model_merge_blocks_reference.py FOLDER
Writes nodes/src/test/resources/dev/noodle/nodes/model_merge_blocks_expected.json
"""
import json
import os
import struct
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "../resources/dev/noodle/nodes/model_merge_blocks_expected.json")
PREFIX = "model.diffusion_model."


def read_unet(path):
    """The checkpoint's UNet weights (float32), keyed relative to the diffusion model."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for k, v in header.items():
        if not k.startswith(PREFIX):
            continue
        assert v["dtype"] == "F32", v["dtype"]
        a, b = v["data_offsets"]
        out[k[len(PREFIX):]] = np.frombuffer(data[8 + n + a:8 + n + b], dtype="<f4").reshape(v["shape"])
    return out


def unet_block_names(blocks, sep):
    names = ["time_embed.", "label_emb."]
    names += ["input_blocks.%d%s" % (i, sep) for i in range(blocks)]
    names += ["middle_block.%d%s" % (i, sep) for i in range(3)]
    names += ["output_blocks.%d%s" % (i, sep) for i in range(blocks)]
    return names + ["out."]


def ratio_for(key, ratios):
    """The ratio of the longest matching name; the first name's ratio when none matches."""
    matching = [name for name in ratios if key.startswith(name)]
    if not matching:
        return next(iter(ratios.values()))
    return ratios[max(matching, key=len)]


def case(node, unet, ratios):
    keys = {}
    for k, a in sorted(unet.items()):
        r = ratio_for(k, ratios)
        a64 = a.astype(np.float64)
        merged = a64 * r + (2.0 * a64) * (1.0 - r)
        keys[k] = {"ratio": r, "sum": float(merged.sum()), "abs_sum": float(np.abs(merged).sum())}
    return {"node": node, "ratios": ratios, "keys": keys}


def spread(names):
    """Distinct ratios in [0, 1] for the names, in a scrambled order (step 0.01 values)."""
    n = len(names)
    return {name: round(((i * 7) % n) / (n - 1), 2) for i, name in enumerate(names)}


def main():
    folder = sys.argv[1]
    sd1 = read_unet(os.path.join(folder, "sd1.safetensors"))
    sdxl = read_unet(os.path.join(folder, "sdxl.safetensors"))
    blocks = {"input": 0.2, "middle": 0.55, "out": 0.85}
    cases = {
        "blocks_sd1": dict(case("ModelMergeBlocks", sd1, blocks), checkpoint="sd1"),
        "sd1": dict(case("ModelMergeSD1", sd1, spread(unet_block_names(12, "."))), checkpoint="sd1"),
        "sd2": dict(case("ModelMergeSD2", sd1, spread(unet_block_names(12, "."))), checkpoint="sd1"),
        "blocks_sdxl": dict(case("ModelMergeBlocks", sdxl, blocks), checkpoint="sdxl"),
        "sdxl": dict(case("ModelMergeSDXL", sdxl, spread(unet_block_names(9, ""))), checkpoint="sdxl"),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(cases, f, indent=0, sort_keys=True)
    print("wrote", OUT, {k: len(v["keys"]) for k, v in cases.items()})


if __name__ == "__main__":
    main()
