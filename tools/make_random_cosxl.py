#!/usr/bin/env python3
"""Deterministic random-weight CosXL and CosXL Edit checkpoints in the real single-file key layout (numpy only).

Writes into OUT_DIR, with the SDXL tensors of make_random_sdxl.py (same names, shapes, init and seed rules):
  cosxl.safetensors        SDXL base layout plus the root F32 scalars edm_vpred.sigma_max (120) and
                           edm_vpred.sigma_min (0.002): ComfyUI (supported_models.SDXL.model_type) reads them as
                           v-prediction on the continuous EDM schedule between those sigmas
  cosxl_edit.safetensors   the same with an 8-channel UNet input (input_blocks.0.0.weight [320, 8, 3, 3]: the noisy
                           latent, then the latent of the image to edit, InstructPixToPixConditioning's concat)
  manifest-cosxl.json      sizes, sha256, tensor counts

The names are those ComfyUI's examples load (model_merging_cosxl, sdxl_edit_model). --tiny keeps every key name with
small widths, as make_random_sdxl.py --tiny; --only picks cosxl,cosxl_edit.

Run: python3 tools/make_random_cosxl.py --out /work/bench-models/rnd-sdxl [--tiny] [--seed 7] [--fp16]
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_random_sdxl as xl  # noqa: E402

CONV_IN = "model.diffusion_model.input_blocks.0.0.weight"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="random-sdxl-models")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--fp16", action="store_true", help="store float weights as F16 (default F32)")
    ap.add_argument("--only", default="cosxl,cosxl_edit")
    ap.add_argument("--sigma-max", type=float, default=120.0)
    ap.add_argument("--sigma-min", type=float, default=0.002)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    dt = "F16" if args.fp16 else "F32"
    manifest = {"seed": args.seed, "generator": "make_random_cosxl.py", "tiny": args.tiny, "files": []}
    t0 = time.time()
    for want in args.only.split(","):
        if want not in ("cosxl", "cosxl_edit"):
            raise SystemExit("--only takes cosxl and cosxl_edit, got " + want)
        spec, mc, counts = xl.model_spec("sdxl", args.tiny)
        if not args.tiny:
            assert counts == xl.FULL_COUNTS["sdxl"], counts
        items = []
        for n, sh, r in spec.items:
            if n == CONV_IN and want == "cosxl_edit":
                sh = (sh[0], 8) + tuple(sh[2:])
            items.append((n, sh, r))
        ent = [(n, dt, sh, lambda n=n, sh=sh, r=r: xl.tensor_values(n, sh, r, args.seed, mc)) for n, sh, r in items]
        ent.append(("conditioner.embedders.0.transformer.text_model.embeddings.position_ids", "I64", (1, 77),
                    lambda: np.arange(77, dtype=np.int64).reshape(1, 77)))
        ent.append(("edm_vpred.sigma_max", "F32", (), lambda: np.array(args.sigma_max, dtype=np.float32)))
        ent.append(("edm_vpred.sigma_min", "F32", (), lambda: np.array(args.sigma_min, dtype=np.float32)))
        name = "%s%s.safetensors" % (want, "-tiny" if args.tiny else "")
        r = xl.write_safetensors(os.path.join(args.out, name), ent, {"format": "pt"})
        print(r, "%.1fs" % (time.time() - t0), flush=True)
        manifest["files"].append(r)
    with open(os.path.join(args.out, "manifest-cosxl.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
