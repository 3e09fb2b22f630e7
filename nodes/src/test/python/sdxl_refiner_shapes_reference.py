#!/usr/bin/env python3
"""Key names and shapes of the SDXL refiner's UNet, written from tools/make_random_sdxl.py's own layout code (not
from Noodle's Java), as a fixture for UNetSdxlRefinerTest.

Facts (ComfyUI supported_models.SDXLRefiner; Stability's configs/inference/sd_xl_refiner.yaml): model_channels 384,
channel_mult [1, 2, 4, 4], num_res_blocks 2, attention_resolutions [4, 2] -> transformer_depth [0,0,4,4,4,4,0,0]
with depth 4 in the middle block, num_head_channels 64, use_linear_in_transformer, context_dim 1280,
adm_in_channels 2560.

Run: python3 nodes/src/test/python/sdxl_refiner_shapes_reference.py > nodes/src/test/resources/unet/sdxl_refiner_unet_shapes.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "tools"))
import make_random_sdxl as gen  # noqa: E402

spec = gen.Spec()
gen.unet_spec(spec, 384, [1, 2, 4, 4], [0, 4, 4, 0], 4, 1280, 1280 + 5 * 256, True)
shapes = {name[len("model.diffusion_model."):]: list(shape) for name, shape, _ in spec.items}
print(json.dumps({"parameters": sum(int(__import__("math").prod(s)) for s in shapes.values()),
                  "shapes": dict(sorted(shapes.items()))}, separators=(",", ":")))
