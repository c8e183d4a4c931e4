#!/usr/bin/env bash
# The benchmark on the device tool's GPU machine, in one call (docs/PERFORMANCE.md, "A real GPU"):
#   run(command="bash tools/device/run.sh", carry=[".devkit"], timeout_s=590)
# after `bash tools/device/pack.sh` here. Unpacks .devkit/kit.tar.xz, finds the GPU's Vulkan driver
# for Dawn, then runs the Node benchmark (bench/node/) on COCO yolo11n at each size with onnxruntime-node's
# WebGPU and CPU EPs beside it, and ours on the fracture TFLite at 640; before them, the CLI's
# `detect` on the radiograph with the backend it picks. Writes into $OUT (what comes
# back): report.md (the machine, the adapter, every report), log.txt (progress), bench-<run>.json.
# Each benchmark has its own time limit, so one that hangs cannot take the others with it.
# Knobs for a run on a CPU machine (test/bench/device-kit.test.ts): KIT_SIZES, KIT_RUNS, KIT_PEERS,
# KIT_FLAGS, KIT_STEP_S, KIT_FRACTURE=0, KIT_FILE, KIT_DIR, KIT_DEBS=0, KIT_CLI=0, KIT_BACKEND.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-out/device}
K=${KIT_DIR:-/tmp/yolo11-webgpu-kit}
SIZES=${KIT_SIZES-640 320}
RUNS=${KIT_RUNS:-10}
PEERS=${KIT_PEERS-ort-webgpu,ort-cpu}
FLAGS=${KIT_FLAGS:-}
STEP_S=${KIT_STEP_S:-180}
TARBALL=${KIT_FILE:-.devkit/kit.tar.xz}
mkdir -p "$OUT"
REPORT=$OUT/report.md
LOG=$OUT/log.txt
: > "$REPORT"; : > "$LOG"
say() { echo "$*" >>"$REPORT"; }

[ -f "$TARBALL" ] || { echo "run.sh: no .devkit/kit.tar.xz: run tools/device/pack.sh first, and carry .devkit" >&2; exit 2; }
rm -rf "$K" && mkdir -p "$K"
if ! tar -xJf "$TARBALL" -C "$K" 2>>"$LOG"; then
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$TARBALL" "$K" || { echo "run.sh: cannot unpack the kit" >&2; exit 2; }
fi
NODE=$K/node
chmod +x "$NODE"

# The loaders, as the device notes do it on every run there (KIT_DEBS=0 leaves this machine's alone).
if [ "${KIT_DEBS:-1}" != 0 ]; then
  for f in "$K"/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig 2>/dev/null
fi

say "## device run — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say ""
say "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr)"
command -v nvidia-smi >/dev/null && say "- GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
say "- node $("$NODE" --version), kit $(stat -c %s "$TARBALL") bytes"

# Dawn's adapter as it stands; where it is not a GPU, the NVIDIA ICDs the device notes name.
probe() {
  (cd "$K" && "$NODE" --input-type=module -e "
const { create, globals } = await import('./node_modules/webgpu/index.js');
const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const i = a?.info ?? {};
console.log(a ? JSON.stringify({ vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description }) : 'none');
process.exit(0);" 2>>"$LOG")
}
adapter=$(probe)
if ! echo "$adapter" | grep -qi nvidia; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$icd" ] || continue
    a2=$(VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd probe)
    if echo "$a2" | grep -qi nvidia; then
      export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
      [ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
      adapter=$a2
      break
    fi
  done
fi
say "- Dawn's adapter by default: ${adapter:-none}${VK_DRIVER_FILES:+ (VK_DRIVER_FILES=$VK_DRIVER_FILES)}"
say ""

bench() { # name, then the benchmark's options
  local name=$1; shift
  echo "### $name" >>"$LOG"
  local t=$SECONDS
  timeout -k 5 "$STEP_S" "$NODE" "$K/bench-node.mjs" --image "$K/models/image.jpg" --timeout "$STEP_S" --json "$OUT/bench-$name.json" "$@" $FLAGS >"$OUT/.md" 2>>"$LOG"
  local rc=$?
  say "<!-- bench-$name: rc $rc, $((SECONDS - t)) s -->"
  cat "$OUT/.md" >>"$REPORT"
  echo >>"$REPORT"
  rm -f "$OUT/.md"
}
# The CLI as a Node user on this machine runs it: the fracture model converted, then `detect` with
# the backend it picks (auto: Dawn where Dawn finds a real GPU).
cli() {
  echo "### CLI" >>"$LOG"
  say "### \`yolo11-webgpu detect --backend ${KIT_BACKEND:-auto}\` on the radiograph"
  say '```'
  timeout -k 5 120 "$NODE" "$K/bin/yolo11-webgpu.js" convert "$K/models/yolo11n-fracture-fp32.tflite" -o "$K/fracture.y11w" --names fracture >>"$LOG" 2>&1
  timeout -k 5 120 "$NODE" "$K/bin/yolo11-webgpu.js" detect "$K/fracture.y11w" "$K/models/image.jpg" --conf 0.1 --backend "${KIT_BACKEND:-auto}" >>"$REPORT" 2>"$OUT/.err"
  local rc=$?
  # Its error, if any (a typed one-line message), without the native libraries' noise (kept in the log).
  grep -v 'XDG_RUNTIME_DIR' "$OUT/.err" >>"$REPORT"; cat "$OUT/.err" >>"$LOG"; rm -f "$OUT/.err"
  say "rc $rc"
  say '```'
  say ""
}
[ "${KIT_CLI:-1}" = 0 ] || cli
for s in $SIZES; do bench "$s" --model "$K/models/yolo11n-coco-fp32.onnx" --imgsz "$s" --runs "$RUNS" --peers "$PEERS"; done
[ "${KIT_FRACTURE:-1}" = 0 ] || bench fracture --model "$K/models/yolo11n-fracture-fp32.tflite" --imgsz 640 --runs "$RUNS" --peers ''
# The tables, for the call's output tail (the whole reports are in report.md).
grep -E '^(## |### |\| |adapter |ours: (parity|whole|cold|detect)|\*\*warm|- |<!--|backend: |rc |.*: [0-9]+ detections|  [a-z])' "$REPORT" | grep -v '^| model\.' | cut -c1-400
