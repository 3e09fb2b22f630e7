#!/usr/bin/env bash
# Noodle on an NVIDIA GPU, checked in one run:
#   tools/gpu-check.sh [--dir DIR] [--checkpoint FILE] [--no-bench] [--log FILE]
#
#   1. driver     /proc/driver/nvidia/version. Without one: runs ./noodle doctor (it says why the CPU is used), prints
#                 the reason and exits 1.
#   2. libtorch   ./noodle gpu status --dir DIR reuses an intact install; otherwise ./noodle gpu install --dir DIR
#                 (about 1.5 GB from Maven Central through ./mvnw). DIR defaults to runtime/libtorch-2.7.1-cu129.
#   3. build      ./mvnw install -DskipTests, then ./noodle doctor with -Dnoodle.device=gpu: it must exit 0.
#   4. golden     the golden-image tests on the GPU: CudaLibtorchLoadTest (the demo model's txt2img in its own JVMs:
#                 GPU fp32 within the CPU's tolerance, GPU fp16 within DemoPipelineTest.FP16_*, and the CUDA build's
#                 CPU result against DJL's stock CPU libtorch), then DemoPipelineTest with -Dnoodle.device=gpu in fp32
#                 and in fp16. The pixel differences found are printed.
#   5. bench      ./noodle bench on the GPU (fp16, then fp32) and, as the baseline of the same run, on the CPU, on
#                 FILE (default bench-models/rnd-sd15.safetensors; made with ../shared/tools/make_random_sd15.py when
#                 absent and python3 with numpy is there).
#
# Everything printed also goes to the log (default gpu-check-YYYYmmdd-HHMMSS.log in the checkout) for the README.
# Exit status: 0 when every step passed; 1 when one failed or there is no GPU (the reason printed); 2 bad arguments.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${NOODLE_GPU_RUNTIME:-$ROOT/runtime/libtorch-2.7.1-cu129}"
CKPT="$ROOT/bench-models/rnd-sd15.safetensors"
BENCH=1
LOG="$ROOT/gpu-check-$(date -u +%Y%m%d-%H%M%S).log"
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="${2:?--dir needs a folder}"; shift 2 ;;
    --checkpoint) CKPT="${2:?--checkpoint needs a file}"; shift 2 ;;
    --no-bench) BENCH=0; shift ;;
    --log) LOG="${2:?--log needs a file}"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac
case "$CKPT" in /*) ;; *) CKPT="$PWD/$CKPT" ;; esac
cd "$ROOT"
exec > >(tee -a "$LOG") 2>&1
export NOODLE_GPU_RUNTIME="$DIR"
FAILED=()

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
fail() { echo "gpu-check: FAILED: $1"; FAILED+=("$1"); }

step "machine"
echo "checkout $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -r /proc/driver/nvidia/version ]; then
  ./noodle doctor || true
  echo "gpu-check: no GPU here: no NVIDIA driver is loaded (/proc/driver/nvidia/version is absent); nothing was downloaded."
  exit 1
fi
head -1 /proc/driver/nvidia/version
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,compute_cap,driver_version --format=csv || true
fi

step "CUDA libtorch in $DIR"
if ! ./noodle gpu status --dir "$DIR"; then
  if ! ./noodle gpu install --dir "$DIR"; then
    echo "gpu-check: the CUDA libtorch could not be installed (above); ./noodle doctor says:"
    ./noodle doctor || true
    exit 1
  fi
fi
export LD_LIBRARY_PATH="$DIR/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

step "build"
./mvnw -B -q install -DskipTests

step "doctor on the GPU"
if ! NOODLE_JAVA_OPTS="-Xmx20g -Dnoodle.device=gpu" ./noodle doctor; then
  echo "gpu-check: the engine does not compute on the GPU here (doctor's lines above say why)"
  exit 1
fi

step "golden-image tests on the GPU"
golden() { # golden LABEL MAVEN-ARGS...
  local label="$1" out
  shift
  out="$(mktemp)"
  if ./mvnw -B -pl nodes -am test -Dsurefire.failIfNoSpecifiedTests=false "$@" >"$out" 2>&1; then
    echo "$label: passed"
  else
    fail "$label"
    grep -E '\[ERROR\]|FAIL' "$out" | head -20 || true
  fi
  grep -hE 'max channel difference|Tests run:.*Fail' "$out" | sort -u || true
  rm -f "$out"
}
golden "CudaLibtorchLoadTest (GPU fp32, GPU fp16, CUDA build on the CPU)" -Dtest=CudaLibtorchLoadTest
golden "DemoPipelineTest on the GPU in fp32" -Dtest=DemoPipelineTest -Dnoodle.device=gpu -Dnoodle.dtype=fp32
golden "DemoPipelineTest on the GPU in fp16" -Dtest=DemoPipelineTest -Dnoodle.device=gpu

if [ "$BENCH" = 1 ]; then
  step "bench"
  if [ ! -f "$CKPT" ]; then
    if [ "$CKPT" = "$ROOT/bench-models/rnd-sd15.safetensors" ] && python3 -c 'import numpy' 2>/dev/null \
        && [ -f "$ROOT/../shared/tools/make_random_sd15.py" ]; then
      echo "making the random SD 1.5 checkpoint (4.3 GB, some minutes) ..."
      python3 "$ROOT/../shared/tools/make_random_sd15.py" --out "$ROOT/bench-models" --no-fp16 --only ckpt
    else
      fail "bench: $CKPT is absent (make it with python3 ../shared/tools/make_random_sd15.py --out bench-models, or pass --checkpoint)"
    fi
  fi
  if [ -f "$CKPT" ]; then
    for run in "gpu fp16:-Dnoodle.device=gpu" "gpu fp32:-Dnoodle.device=gpu -Dnoodle.dtype=fp32" \
        "cpu fp32 (baseline):-Dnoodle.device=cpu"; do
      echo "-- bench, ${run%%:*}"
      if ! NOODLE_JAVA_OPTS="-Xmx20g ${run#*:}" ./noodle bench --checkpoint "$CKPT"; then
        fail "bench ${run%%:*}"
      fi
    done
  fi
fi

step "summary"
echo "log: $LOG"
if [ ${#FAILED[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${FAILED[@]}"
  exit 1
fi
echo "every step passed"
