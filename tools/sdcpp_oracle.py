#!/usr/bin/env python3
"""Noodle against stable-diffusion.cpp on the same files: txt2img with and without a ControlNet, PSNR of the PNGs.

The full-size random SD 1.5 checkpoint (../shared/tools/make_random_sd15.py) and ControlNet
(tools/make_random_controlnet_sd15.py) are run through stable-diffusion.cpp's command line (`sd-cli`) and through
`./noodle run` with a ComfyUI API prompt set up the same way:

  * the same prompt, negative prompt, seed, steps, cfg and size;
  * the `euler` sampler on the `normal` schedule (stable-diffusion.cpp: `--sampling-method euler --scheduler
    discrete`, the same σ: t spaced evenly from 999 to 0, σ(t) interpolated in log σ, then 0);
  * the initial noise of AUTOMATIC1111's "GPU" seeds (Philox 4x32-10 normals), which is stable-diffusion.cpp's
    `--rng cuda` and Noodle's `--noise-mode a1111`;
  * the control image at the generation size (both read it as RGB in 0..1, no resize, no other preprocessing),
    applied at one strength to the positive and the negative conditioning for every step: Noodle's
    `ControlNetApplyAdvanced` (start 0, end 1); stable-diffusion.cpp runs the ControlNet once per UNet call with that
    call's own text context and adds strength × each residual to the skip connections and the middle block.

It prints the commands, the seconds each took and the PSNR of (Noodle, stable-diffusion.cpp) with and without the
ControlNet, and of Noodle's own image with against without it (how much the control changes the picture, so that
the first figure says something about the control path), and exits 1 if a comparison is under --min-db.

Needs /usr/bin/python3 with numpy and PIL (Debian python3-numpy, python3-pil), a built sd-cli, and the files:

  python3 ../shared/tools/make_random_sd15.py --out bench-models --no-fp16 --only ckpt
  python3 tools/make_random_controlnet_sd15.py --out bench-models/controlnet/rnd-controlnet-sd15.safetensors
  /usr/bin/python3 tools/sdcpp_oracle.py --sd-cli /path/to/sd-cli [--bench-models bench-models] [--size 256]
      [--steps 4] [--cfg 7] [--seed 42] [--strength 0.9] [--work DIR] [--only plain|control]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPT = "a red fox in a snowy forest, photograph"
NEGATIVE = "blurry, text"
CKPT = "rnd-sd15.safetensors"
CONTROLNET = "rnd-controlnet-sd15.safetensors"


def control_image(size):
    """A deterministic edge map, white lines on black (what a Canny or scribble ControlNet takes)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.zeros((size, size), np.uint8)
    r = np.sqrt((xx - 0.5) ** 2 + (yy - 0.45) ** 2)
    img[np.abs(r - 0.3) < 0.012] = 255                      # a circle
    img[np.abs(yy - 0.85) < 0.01] = 255                     # a horizon line
    img[(np.abs(xx - yy) < 0.01) & (yy < 0.4)] = 255        # a diagonal
    img[(np.abs(xx - 0.75) < 0.01) & (yy > 0.5)] = 255      # a post
    return np.stack([img] * 3, axis=-1)


def api_prompt(args, with_control):
    p = {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": CKPT}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": PROMPT, "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": NEGATIVE, "clip": ["4", 1]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": args.size, "height": args.size, "batch_size": 1}},
        "3": {"class_type": "KSampler", "inputs": {
            "seed": args.seed, "steps": args.steps, "cfg": args.cfg, "sampler_name": "euler", "scheduler": "normal",
            "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
            "latent_image": ["5", 0], "noise_mode": "a1111"}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "noodle", "images": ["8", 0]}},
    }
    if with_control:
        p["10"] = {"class_type": "ControlNetLoader", "inputs": {"control_net_name": CONTROLNET}}
        p["11"] = {"class_type": "LoadImage", "inputs": {"image": "control.png"}}
        p["12"] = {"class_type": "ControlNetApplyAdvanced", "inputs": {
            "positive": ["6", 0], "negative": ["7", 0], "control_net": ["10", 0], "image": ["11", 0],
            "strength": args.strength, "start_percent": 0.0, "end_percent": 1.0}}
        p["3"]["inputs"]["positive"] = ["12", 0]
        p["3"]["inputs"]["negative"] = ["12", 1]
    return p


def run(cmd, cwd=None):
    print("$ " + " ".join(cmd), flush=True)
    t = time.time()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    dt = time.time() - t
    if r.returncode != 0:
        sys.stdout.write(r.stdout[-4000:])
        raise SystemExit("command failed with exit code %d" % r.returncode)
    print("  (%.1f s)" % dt, flush=True)
    return r.stdout, dt


def psnr(a_path, b_path):
    a = np.asarray(Image.open(a_path).convert("RGB"), dtype=np.float64)
    b = np.asarray(Image.open(b_path).convert("RGB"), dtype=np.float64)
    if a.shape != b.shape:
        raise SystemExit("sizes differ: %s %s vs %s %s" % (a_path, a.shape, b_path, b.shape))
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def main():
    ap = argparse.ArgumentParser(description="Noodle vs stable-diffusion.cpp, with and without a ControlNet")
    ap.add_argument("--sd-cli", required=True, help="stable-diffusion.cpp's command line program (sd-cli)")
    ap.add_argument("--bench-models", default=os.path.join(ROOT, "bench-models"))
    ap.add_argument("--clip-vocab", default=os.path.join(ROOT, "..", "shared", "clip-tokenizer",
                                                          "bpe_simple_vocab_16e6.txt.gz"))
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--cfg", type=float, default=7.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--strength", type=float, default=0.9)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--work", default=None, help="folder for the files (default: a new temporary folder)")
    ap.add_argument("--only", choices=["plain", "control"], default=None)
    ap.add_argument("--min-db", type=float, default=35.0)
    a = ap.parse_args()

    ckpt = os.path.abspath(os.path.join(a.bench_models, CKPT))
    cn = os.path.abspath(os.path.join(a.bench_models, "controlnet", CONTROLNET))
    for f, how in ((ckpt, "python3 ../shared/tools/make_random_sd15.py --out bench-models"),
                   (cn, "python3 tools/make_random_controlnet_sd15.py --out bench-models/controlnet/" + CONTROLNET),
                   (os.path.abspath(a.clip_vocab), "../shared/clip-tokenizer holds it"),
                   (a.sd_cli, "build stable-diffusion.cpp (README, Tests)")):
        if not os.path.isfile(f):
            raise SystemExit("missing %s (%s)" % (f, how))
    work = os.path.abspath(a.work or tempfile.mkdtemp(prefix="sdcpp-oracle-"))
    models = os.path.join(work, "models")
    for sub, src in (("checkpoints", ckpt), ("controlnet", cn), ("tokenizers", os.path.abspath(a.clip_vocab))):
        os.makedirs(os.path.join(models, sub), exist_ok=True)
        link = os.path.join(models, sub, os.path.basename(src))
        if not os.path.lexists(link):
            os.symlink(src, link)
    os.makedirs(os.path.join(work, "input"), exist_ok=True)
    hint = os.path.join(work, "input", "control.png")
    Image.fromarray(control_image(a.size)).save(hint)

    cases = [c for c in ("plain", "control") if a.only in (None, c)]
    results = {}
    for case in cases:
        with_control = case == "control"
        sd_png = os.path.join(work, "sdcpp_%s.png" % case)
        cmd = [a.sd_cli, "-m", ckpt, "-p", PROMPT, "-n", NEGATIVE, "-s", str(a.seed), "--steps", str(a.steps),
               "--cfg-scale", repr(a.cfg), "-W", str(a.size), "-H", str(a.size), "--sampling-method", "euler",
               "--scheduler", "discrete", "--rng", "cuda", "-t", str(a.threads), "-o", sd_png]
        if with_control:
            cmd += ["--control-net", cn, "--control-image", hint, "--control-strength", repr(a.strength)]
        _, sd_s = run(cmd)

        wf = os.path.join(work, "%s.json" % case)
        with open(wf, "w") as f:
            json.dump(api_prompt(a, with_control), f, indent=1)
        out_dir = os.path.join(work, "output_" + case)
        shutil.rmtree(out_dir, ignore_errors=True)
        # LoadImage reads the input folder beside the output folder's parent: work/input
        log, noodle_s = run([os.path.join(ROOT, "noodle"), "run", wf, "--models", models, "--out", out_dir,
                             "--noise-mode", "a1111"], cwd=ROOT)
        saved = [l.split(" ", 1)[1].strip() for l in log.splitlines() if l.startswith("saved ")]
        if not saved:
            sys.stdout.write(log[-2000:])
            raise SystemExit("noodle saved no image")
        noodle_png = os.path.join(work, "noodle_%s.png" % case)
        shutil.copyfile(saved[-1] if os.path.isabs(saved[-1]) else os.path.join(ROOT, saved[-1]), noodle_png)
        results[case] = (noodle_png, sd_png, psnr(noodle_png, sd_png), noodle_s, sd_s)

    ok = True
    print("\nfiles in %s; %dx%d, %d steps, cfg %g, seed %d, euler/normal, A1111 GPU noise" % (
        work, a.size, a.size, a.steps, a.cfg, a.seed))
    for case, (_n, _s, db, ns, ss) in results.items():
        print("%-8s PSNR(Noodle, stable-diffusion.cpp) = %.2f dB   (Noodle %.1f s, stable-diffusion.cpp %.1f s)"
              % (case, db, ns, ss))
        ok &= db >= a.min_db
    if len(results) == 2:
        print("control  PSNR(Noodle with ControlNet, Noodle without) = %.2f dB (how much the control changes it)"
              % psnr(results["control"][0], results["plain"][0]))
    print("PASS" if ok else "FAIL: under %.1f dB" % a.min_db)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
