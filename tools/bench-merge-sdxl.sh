#!/usr/bin/env bash
# Peak memory of merging two full-size checkpoints and saving the merge:
#   tools/bench-merge-sdxl.sh [DIR] [--kind sdxl|sd15] [--tokenizers DIR]
#
# DIR (default bench-models/merge-bench) receives, when they are missing, two full-size random-weight fp16
# checkpoints made with different seeds (7 and 8): SDXL by tools/make_random_sdxl.py --fp16 --only sdxl (about
# 6.9 GB each), or with --kind sd15 SD 1.5 by ../shared/tools/make_random_sd15.py --only fp16 (about 2.1 GB each;
# set SD15_GENERATOR to use another path). Then, through ./noodle run under /usr/bin/time -v:
#   baseline  Load Checkpoint → VAE Decode of a 64×64 image: one checkpoint loaded into memory (all its parts);
#   merge     2 × Load Checkpoint → ModelMergeSimple + CLIPMergeSimple → CheckpointSave,
# and prints each run's peak resident set against the bar: 2 × the checkpoint file size + 2 GB.
# The merge needs about 2 × (file size) of free disk for its output and page cache, and the baseline about
# 1.3 × (file size) of memory for SDXL (fp16 UNet, fp32 text encoders).
#
# Needs the CLIP vocabulary in DIR/models/tokenizers or --tokenizers DIR (e.g. models/tokenizers after
# ./noodle fetch-tokenizer). Exit status 0 when the merge stays under the bar, 1 when it does not, 2 on errors.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/bench-models/merge-bench"
KIND=sdxl
TOKENIZERS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kind) KIND="$2"; shift 2 ;;
    --tokenizers) TOKENIZERS="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) DIR="$1"; shift ;;
  esac
done
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

case "$KIND" in
  sdxl) NAME=rnd-sdxl.safetensors
        gen() { python3 "$ROOT/tools/make_random_sdxl.py" --fp16 --only sdxl --seed "$1" --out "$2"; } ;;
  sd15) NAME=rnd-sd15-fp16.safetensors
        GEN="${SD15_GENERATOR:-$ROOT/../shared/tools/make_random_sd15.py}"
        gen() {
          [ -f "$GEN" ] || { echo "bench-merge: SD 1.5 generator not found at $GEN (set SD15_GENERATOR)" >&2; exit 2; }
          python3 "$GEN" --only fp16 --seed "$1" --out "$2"
        } ;;
  *) echo "bench-merge: --kind is sdxl or sd15, not $KIND" >&2; exit 2 ;;
esac

for s in a:7 b:8; do
  sub="${s%%:*}"; seed="${s##*:}"
  if [ ! -s "$DIR/$sub/$NAME" ]; then
    echo "bench-merge: generating $DIR/$sub/$NAME (seed $seed)..." >&2
    mkdir -p "$DIR/$sub"
    gen "$seed" "$DIR/$sub" >&2
  fi
done

M="$DIR/models"
mkdir -p "$M/checkpoints" "$M/tokenizers"
ln -sf "$DIR/a/$NAME" "$M/checkpoints/merge-a.safetensors"
ln -sf "$DIR/b/$NAME" "$M/checkpoints/merge-b.safetensors"
if [ -n "$TOKENIZERS" ]; then
  cp -n "$TOKENIZERS"/* "$M/tokenizers/" 2>/dev/null || true
elif [ -z "$(ls -A "$M/tokenizers")" ] && [ -d "$ROOT/models/tokenizers" ]; then
  cp -n "$ROOT/models/tokenizers"/* "$M/tokenizers/" 2>/dev/null || true
fi
[ -n "$(ls -A "$M/tokenizers")" ] || { echo "bench-merge: no CLIP vocabulary in $M/tokenizers; pass --tokenizers DIR" >&2; exit 2; }

cat > "$DIR/baseline.json" <<'EOF'
{"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "merge-a.safetensors"}},
 "2": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
 "3": {"class_type": "VAEDecode", "inputs": {"samples": ["2", 0], "vae": ["1", 2]}},
 "4": {"class_type": "PreviewImage", "inputs": {"images": ["3", 0]}}}
EOF
cat > "$DIR/merge.json" <<'EOF'
{"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "merge-a.safetensors"}},
 "2": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "merge-b.safetensors"}},
 "3": {"class_type": "ModelMergeSimple", "inputs": {"model1": ["1", 0], "model2": ["2", 0], "ratio": 0.5}},
 "4": {"class_type": "CLIPMergeSimple", "inputs": {"clip1": ["1", 1], "clip2": ["2", 1], "ratio": 0.5}},
 "5": {"class_type": "CheckpointSave", "inputs": {"model": ["3", 0], "clip": ["4", 0], "vae": ["1", 2],
       "filename_prefix": "checkpoints/merged"}}}
EOF

# peak RSS in kB of one ./noodle run (its log in $DIR/NAME.log)
measure() {
  local name="$1" wf="$2"
  rm -rf "$DIR/out-$name"
  if ! /usr/bin/time -v "$ROOT/noodle" run "$wf" --models "$M" --out "$DIR/out-$name" > "$DIR/$name.log" 2>&1; then
    echo "bench-merge: the $name run failed; see $DIR/$name.log" >&2
    tail -5 "$DIR/$name.log" >&2
    exit 2
  fi
  sed -n 's/.*Maximum resident set size (kbytes): *//p' "$DIR/$name.log"
}

"$ROOT/noodle" --version > /dev/null 2>&1 || true # builds once, outside the measurements
FILE_BYTES=$(stat -L -c %s "$M/checkpoints/merge-a.safetensors")
BASE_KB=$(measure baseline "$DIR/baseline.json")
MERGE_KB=$(measure merge "$DIR/merge.json")
OUT_BYTES=$(stat -c %s "$DIR"/out-merge/checkpoints/merged_*.safetensors | head -1)
BAR_KB=$(( (2 * FILE_BYTES + 2 * 1000 * 1000 * 1000) / 1024 ))
gb() { awk -v k="$1" 'BEGIN { printf "%.2f GB", k * 1024 / 1e9 }'; }
echo "checkpoint file      $(gb $(( FILE_BYTES / 1024 ))) each ($KIND fp16, 2 files)"
echo "baseline (1 loaded)  peak RSS $(gb "$BASE_KB")"
echo "merge + save         peak RSS $(gb "$MERGE_KB")   (saved $(gb $(( OUT_BYTES / 1024 ))))"
echo "bar                  $(gb "$BAR_KB")   (2 × file + 2 GB)"
if [ "$MERGE_KB" -le "$BAR_KB" ]; then
  echo "PASS: the merge stays under the bar"
else
  echo "FAIL: the merge exceeds the bar"
  exit 1
fi
