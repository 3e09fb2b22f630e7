#!/usr/bin/env bash
# Prompts per minute of the broker-backed queue (noodle serve --broker + noodle worker) with 1, 2 and 3 workers,
# against the embedded queue (noodle serve alone), and the latency the broker adds — in one run on this machine:
#   tools/bench-broker.sh [--prompts M] [--size PX] [--steps N] [--latency-runs K] [--keep]
#
# Defaults: 12 prompts per row, the demo model (noodle-demo-tiny-sd15, generated on first use), 128×128, 10 euler
# steps, CFG 7, one image per prompt, each prompt with its own seed (no cached result). The script builds Noodle if
# needed (./noodle does), starts its own nats-server (`nats-server -js`, on a free port, store in a temporary folder),
# then, one after the other:
#   embedded   ./noodle serve (no --broker): a warm-up prompt (loads the checkpoint; not timed), M prompts submitted
#              at once through POST /prompt, timed until the last is in GET /history; then K single prompts on the
#              idle server, each timed from POST /prompt until GET /history/ID has it (polled every 5 ms).
#   broker     ./noodle serve --broker (the coordinator; it runs nothing) and 1 worker: the same warm-up, M prompts
#              and K single prompts; then a 2nd and a 3rd worker join: warm-up until every worker has the checkpoint
#              loaded, and the M prompts again.
# Each worker has its own models and output folder, as on separate machines: images reach the coordinator through the
# broker's object store, and every image is fetched through the coordinator's GET /view after the timing.
# All processes run on this machine and share its CPU cores (printed beside the figures): on a 2-core machine three
# workers cannot run three times as fast as one. Needs python3 (standard library only) and nats-server
# (Debian/Ubuntu: apt install nats-server; or set NATS_SERVER). Every process it starts is stopped on exit, Ctrl+C
# included; --keep keeps the temporary folder (logs, outputs). Exit status 0 when every prompt succeeded and
# GET /view served each prompt's image as the process that ran it wrote it; 1 otherwise; 2 for bad arguments.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
M=12
SIZE=128
STEPS=10
RUNS=5
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prompts) M="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --latency-runs) RUNS="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "bench-broker: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$M" "$SIZE" "$STEPS" "$RUNS"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench-broker: '$v' is not a positive whole number" >&2; exit 2; }
done
NATS="${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}"
[ -x "$NATS" ] || { echo "bench-broker: nats-server not found (apt install nats-server, or set NATS_SERVER)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench-broker: needs python3" >&2; exit 2; }

TMP="$(mktemp -d "${TMPDIR:-/tmp}/noodle-bench-broker.XXXXXX")"
PIDS=()          # noodle processes started and not yet stopped
NATS_PID=""
stop() {          # stop PID: SIGTERM (a worker hands its running prompt back), SIGKILL after 15 s
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$1" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local left=() p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do [ "$p" = "$1" ] || left+=("$p"); done
  PIDS=("${left[@]+"${left[@]}"}")
}
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do stop "$pid"; done
  [ -z "$NATS_PID" ] || stop "$NATS_PID"   # the broker last
  if [ "$KEEP" = 1 ] || [ "$rc" != 0 ]; then
    echo "bench-broker: logs and outputs kept in $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PY="$TMP/bench.py"
cat > "$PY" <<'PYTHON'
#!/usr/bin/env python3
"""HTTP side of tools/bench-broker.sh: submits prompts to a Noodle server through ComfyUI's API and times them.

  bench.py wait URL SECONDS PID           until GET URL/system_stats answers (fails early if PID dies)
  bench.py workers URL N SECONDS          until GET URL/noodle/queue lists N live workers
  bench.py warm URL SIZE STEPS SEED [N]   runs prompts until N workers (0: embedded) have the checkpoint loaded
  bench.py batch URL M SIZE STEPS SEED TMP  submits M prompts at once; prints seconds until all are in
                                            history; compares each image /view serves with its maker's file
  bench.py latency URL K SIZE STEPS SEED  K times one prompt on an idle server; prints each submit→history time
                                          and the medians of that and of that less the run (execution_start to
                                          execution_success in the history entry)

Only the standard library (urllib, json). Every prompt has its own seed, so no result comes from a cache.
"""
import json
import os
import statistics
import urllib.parse
import sys
import time
import urllib.error
import urllib.request


def prompt(size, steps, seed, prefix):
    return {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "noodle-demo-tiny-sd15.safetensors"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a glass bottle", "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": size, "height": size, "batch_size": 1}},
        "3": {"class_type": "KSampler", "inputs": {"seed": seed, "steps": steps, "cfg": 7.0, "sampler_name": "euler",
                                                   "scheduler": "normal", "positive": ["6", 0],
                                                   "negative": ["7", 0], "latent_image": ["5", 0], "denoise": 1.0,
                                                   "model": ["4", 0]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": prefix, "images": ["8", 0]}},
    }


def fail(msg):
    print("bench-broker: " + msg, file=sys.stderr)
    sys.exit(1)


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def get_json(url):
    return json.loads(get(url))


def submit(base, size, steps, seed, prefix):
    body = json.dumps({"prompt": prompt(size, steps, seed, prefix), "client_id": "bench-broker"}).encode()
    req = urllib.request.Request(base + "/prompt", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())["prompt_id"]
    except urllib.error.HTTPError as e:
        fail("POST /prompt answered %d: %s" % (e.code, e.read().decode(errors="replace")[:300]))


def check_entry(base, pid, entry):
    """The image files of a finished prompt; fails when it did not succeed."""
    status = entry.get("status", {})
    if status.get("status_str") != "success":
        fail("prompt %s ended with %s: %s" % (pid, status.get("status_str"), json.dumps(status)[:400]))
    files = []
    for out in entry.get("outputs", {}).values():
        for img in out.get("images", []):
            files.append((img.get("type", "output"), img.get("subfolder", ""), img["filename"]))
    if not files:
        fail("prompt %s finished without an image" % pid)
    return files


def wait_all(base, ids, timeout):
    """Polls /history until every id is there; returns the time the last one was seen and the entries."""
    pending = set(ids)
    entries = {}
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            fail("%d of %d prompts not in /history after %d s" % (len(pending), len(ids), timeout))
        h = get_json(base + "/history")
        now = time.monotonic()
        for pid in list(pending):
            if pid in h:
                entries[pid] = h[pid]
                pending.discard(pid)
        if not pending:
            return now, entries
        time.sleep(0.1)
    return time.monotonic(), entries


def cmd_wait(base, seconds, pid):
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            get(base + "/system_stats", timeout=2)
            return
        except (urllib.error.URLError, OSError):
            pass
        try:
            os.kill(int(pid), 0)
        except OSError:
            fail("the process %s ended before %s answered (see its log)" % (pid, base))
        time.sleep(0.25)
    fail("%s did not answer within %s s" % (base, seconds))


def live_workers(base):
    return get_json(base + "/noodle/queue").get("workers", [])


def cmd_workers(base, n, seconds):
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        if len(live_workers(base)) >= int(n):
            return
        time.sleep(0.25)
    fail("%s lists %d workers, not %s, after %s s" % (base, len(live_workers(base)), n, seconds))


def cmd_warm(base, size, steps, seed, n=0):
    """Embedded (n == 0): one prompt. Broker: rounds of n prompts until every worker has the checkpoint loaded."""
    size, steps, seed, n = int(size), int(steps), int(seed), int(n)
    for rnd in range(10):
        ids = [submit(base, size, steps, seed + rnd * 10 + i, "warmup") for i in range(max(1, n))]
        _, entries = wait_all(base, ids, 900)
        for pid, e in entries.items():
            check_entry(base, pid, e)
        if n == 0:
            return
        ws = live_workers(base)
        cold = [w["id"] for w in ws if not w.get("loaded")]
        if len(ws) >= n and not cold:
            return
    fail("after 10 rounds of warm-up prompts these workers still have no checkpoint loaded: %s" % cold)


def cmd_batch(base, m, size, steps, seed, tmp):
    """Prints: seconds, prompts per worker, distinct image names, images /view served unlike the file made."""
    m, size, steps, seed = int(m), int(size), int(steps), int(seed)
    t0 = time.monotonic()
    ids = [submit(base, size, steps, seed + i, "bench") for i in range(m)]
    t1, entries = wait_all(base, ids, 3600)
    names = set()
    workers = {}
    wrong = 0
    for pid in ids:
        files = check_entry(base, pid, entries[pid])
        names.update(files)
        worker = (entries[pid].get("noodle") or {}).get("worker")
        if worker:
            workers[worker] = workers.get(worker, 0) + 1
        # the folder of the process that ran it: worker bench-wN writes into TMP/wN/output, the embedded server
        # into TMP/embedded/output
        folder = os.path.join(tmp, worker[len("bench-"):] if worker else "embedded", "output")
        for (typ, sub, name) in files:
            q = urllib.parse.urlencode({"filename": name, "subfolder": sub, "type": typ})
            served = get(base + "/view?" + q, timeout=30)
            if not served.startswith(b"\x89PNG"):
                fail("GET /view of %s did not return a PNG" % name)
            # through the broker a worker's files travel under a sub-folder named after it (WORKER/sub)
            local = sub
            if worker and (sub == worker or sub.startswith(worker + "/")):
                local = sub[len(worker):].lstrip("/")
            with open(os.path.join(folder, local, name), "rb") as f:
                if f.read() != served:
                    wrong += 1
    print("%.3f %s %d %d" % (t1 - t0, ",".join(str(c) for c in sorted(workers.values(), reverse=True)) or "-",
                             len(names), wrong))


def cmd_latency(base, k, size, steps, seed):
    """Prints each submit->history time, then: median of those, median of the same less the run itself."""
    k, size, steps, seed = int(k), int(size), int(steps), int(seed)
    times, overheads = [], []
    for i in range(k):
        time.sleep(1.5)  # idle: nothing queued, workers' advertisements renewed
        q = get_json(base + "/queue")
        if q.get("queue_running") or q.get("queue_pending"):
            fail("the queue is not empty before a latency run")
        t0 = time.monotonic()
        pid = submit(base, size, steps, seed + i, "latency")
        deadline = t0 + 600
        while True:
            h = get_json(base + "/history/" + pid)
            if pid in h:
                total = time.monotonic() - t0
                break
            if time.monotonic() > deadline:
                fail("prompt %s not in /history after 600 s" % pid)
            time.sleep(0.005)
        check_entry(base, pid, h[pid])
        stamps = {m[0]: m[1].get("timestamp") for m in h[pid]["status"].get("messages", [])}
        if stamps.get("execution_start") is None or stamps.get("execution_success") is None:
            fail("prompt %s has no execution_start/execution_success time stamps" % pid)
        run = (stamps["execution_success"] - stamps["execution_start"]) / 1000.0
        times.append(total)
        overheads.append(total - run)
    print(" ".join("%.3f" % t for t in times), "MEDIAN %.3f %.3f" % (statistics.median(times),
                                                                     statistics.median(overheads)))


if __name__ == "__main__":
    cmds = {"wait": cmd_wait, "workers": cmd_workers, "warm": cmd_warm, "batch": cmd_batch, "latency": cmd_latency}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        cmds[sys.argv[1]](*sys.argv[2:])
    except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
        fail("%s: %s" % (sys.argv[1], e))
    except KeyboardInterrupt:
        sys.exit(130)
PYTHON

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# the JVMs of this bench need little heap (the demo model is 10 MB); NOODLE_JAVA_OPTS overrides
export NOODLE_JAVA_OPTS="${NOODLE_JAVA_OPTS:--Xmx2g}"
show_log() { echo "---- last lines of $1" >&2; tail -n 15 "$1" >&2 || true; }

echo "bench-broker: building if needed..." >&2
"$ROOT/noodle" --version >/dev/null

CORES="$(nproc)"
LOAD_START="$(loadavg)"
NATS_PORT="$(free_port)"
"$NATS" -js -a 127.0.0.1 -p "$NATS_PORT" -sd "$TMP/nats" > "$TMP/nats.log" 2>&1 &
NATS_PID=$!
BROKER="nats://127.0.0.1:$NATS_PORT"
for _ in $(seq 1 80); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $NATS_PORT), 1)" 2>/dev/null && break
  kill -0 "$NATS_PID" 2>/dev/null || { show_log "$TMP/nats.log"; echo "bench-broker: nats-server did not start" >&2; exit 1; }
  sleep 0.25
done

# start_server NAME ARGS... : ./noodle serve on a free port, its own folders under $TMP/NAME; sets URL and SERVER_PID
start_server() {
  local name="$1"; shift
  local port; port="$(free_port)"
  mkdir -p "$TMP/$name/models"
  "$ROOT/noodle" serve --port "$port" --models "$TMP/$name/models" --out "$TMP/$name/output" \
    --state "$TMP/$name/state" "$@" > "$TMP/$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  URL="http://127.0.0.1:$port"
  python3 "$PY" wait "$URL" 300 "$SERVER_PID" || { show_log "$TMP/$name.log"; exit 1; }
}
start_worker() {
  local n="$1"
  mkdir -p "$TMP/w$n/models/checkpoints"
  cp "$DEMO" "$TMP/w$n/models/checkpoints/"
  "$ROOT/noodle" worker --broker "$BROKER" --models "$TMP/w$n/models" --out "$TMP/w$n/output" --name "bench-w$n" \
    > "$TMP/w$n.log" 2>&1 &
  PIDS+=("$!")
  python3 "$PY" workers "$URL" "$n" 300 || { show_log "$TMP/w$n.log"; exit 1; }
}
# batch LABEL: M prompts at once; appends a row to $TMP/rows
SEED=1000
WRONG=0
batch() {
  local out secs spread names wrong
  out="$(python3 "$PY" batch "$URL" "$M" "$SIZE" "$STEPS" "$SEED" "$TMP")" || { show_log "$LOG"; exit 1; }
  SEED=$((SEED + 1000))
  read -r secs spread names wrong <<< "$out"
  printf '%-20s %11.1f %10.1f s   %s\n' "$1" "$(python3 -c "print($M * 60 / $secs)")" "$secs" "$spread" >> "$TMP/rows"
  echo "bench-broker: $1: $M prompts in $secs s (prompts per worker: $spread; distinct image names: $names)" >&2
  if [ "$wrong" != 0 ]; then
    echo "bench-broker: $1: for $wrong of $M prompts GET /view served another image than the one made" >&2
    WRONG=$((WRONG + wrong))
  fi
}
# latency LABEL: K single prompts on the idle system; sets LAT (median submit->history) and OVER (less the run)
latency() {
  local out
  out="$(python3 "$PY" latency "$URL" "$RUNS" "$SIZE" "$STEPS" "$SEED")" || { show_log "$LOG"; exit 1; }
  SEED=$((SEED + 1000))
  echo "bench-broker: $1: submit->history of each single prompt (s): ${out% MEDIAN*}" >&2
  read -r LAT OVER <<< "${out##*MEDIAN }"
}

# ---- embedded queue
echo "bench-broker: embedded queue (./noodle serve)..." >&2
start_server embedded
LOG="$TMP/embedded.log"
python3 "$PY" warm "$URL" "$SIZE" "$STEPS" 900000 0 || { show_log "$LOG"; exit 1; }
DEMO="$TMP/embedded/models/checkpoints/noodle-demo-tiny-sd15.safetensors"
[ -f "$DEMO" ] || { echo "bench-broker: the demo checkpoint was not generated at $DEMO" >&2; exit 1; }
batch "embedded (serve)"
latency embedded
LAT_EMBEDDED="$LAT" OVER_EMBEDDED="$OVER"
stop "$SERVER_PID"

# ---- broker: a coordinator and 1, 2, 3 workers
echo "bench-broker: broker queue (./noodle serve --broker, ./noodle worker)..." >&2
start_server coordinator --broker "$BROKER"
LOG="$TMP/coordinator.log"
for n in 1 2 3; do
  start_worker "$n"
  python3 "$PY" warm "$URL" "$SIZE" "$STEPS" $((900000 + n * 1000)) "$n" || { show_log "$TMP/w$n.log"; exit 1; }
  batch "broker, $n worker$([ "$n" = 1 ] || echo s)"
  if [ "$n" = 1 ]; then
    latency "broker, 1 worker"
    LAT_BROKER="$LAT" OVER_BROKER="$OVER"
  fi
done
LOAD_END="$(loadavg)"

echo
echo "Noodle queue bench: demo model, ${SIZE}x${SIZE}, $STEPS euler steps, 1 image, $M prompts per row submitted at once"
echo "(after a warm-up prompt per worker that loads the checkpoint, not timed), nats-server $("$NATS" --version 2>&1 | sed 's/^nats-server: *//')"
echo "machine: $CORES CPU cores shared by every process (server, workers, broker); load average $LOAD_START at start,"
echo "$LOAD_END at end"
echo
printf '%-20s %11s %12s   %s\n' "queue" "prompts/min" "$M prompts in" "prompts per worker"
cat "$TMP/rows"
echo
python3 - "$LAT_EMBEDDED" "$OVER_EMBEDDED" "$LAT_BROKER" "$OVER_BROKER" "$RUNS" <<'PY2'
import sys
le, oe, lb, ob = (float(v) for v in sys.argv[1:5])
print("one prompt on the idle system, POST /prompt until GET /history/ID has it, median of %s runs:" % sys.argv[5])
print("  %-22s %7.3f s   of which outside the run itself %4.0f ms" % ("embedded (serve)", le, oe * 1000))
print("  %-22s %7.3f s   of which outside the run itself %4.0f ms" % ("broker, 1 worker", lb, ob * 1000))
print("  the broker path adds %.0f ms (outside the run)" % ((ob - oe) * 1000))
PY2
if [ "$WRONG" != 0 ]; then
  echo
  echo "bench-broker: FAILED: for $WRONG prompts GET /view served another image than the one its worker made" >&2
  exit 1
fi
