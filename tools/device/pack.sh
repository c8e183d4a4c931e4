#!/usr/bin/env bash
# Packs what the Node benchmark needs on a machine that has no npm and reaches no registry (the
# device tool's GPU machine) into .devkit/kit.tar.xz (git-ignored; the device tool's 64 MiB limit):
# the bundled benchmark (bench/node/vite.config.ts), the two native packages it loads (webgpu = Dawn,
# onnxruntime-node with its own WebGPU EP), the built CLI, this machine's node binary, the models and
# the image from the fixtures, and the Vulkan loader as Debian packages (where apt can fetch them). tools/device/run.sh
# unpacks and runs it there; docs/PERFORMANCE.md ("A real GPU") gives the one call.
set -euo pipefail
cd "$(dirname "$0")/../.."
FIX=${YOLO11_WEBGPU_FIXTURES:-../shared}
KIT=${KIT_OUT:-.devkit}
STAGE=$KIT/stage
LIMIT_MIB=60
rm -rf "$STAGE" "$KIT/kit.tar.xz"
mkdir -p "$STAGE/node_modules" "$STAGE/models" "$STAGE/debs"

BENCH_NODE_OUT=$STAGE npx vite build --config bench/node/vite.config.ts

# The CLI as `npm run build` made it (dist/*.js, without maps and declarations): run.sh runs
# `detect --backend auto` with it, the path a Node user on a GPU machine takes.
[ -f dist/cli.js ] || npm run build
mkdir -p "$STAGE/dist" "$STAGE/bin"
cp dist/*.js "$STAGE/dist/"
cp bin/yolo11-webgpu.js "$STAGE/bin/"

# Only the files each package loads at run time, for linux-x64 (pngjs and jpeg-js: the CLI's decoders).
copy() { mkdir -p "$STAGE/node_modules/$(dirname "$1")"; cp -r "node_modules/$1" "$STAGE/node_modules/$1"; }
for f in webgpu/package.json webgpu/index.js webgpu/LICENSE.md webgpu/dist/linux-x64 \
         onnxruntime-node/package.json onnxruntime-node/dist onnxruntime-node/bin/napi-v6/linux/x64 \
         onnxruntime-common pngjs jpeg-js; do copy "$f"; done

node_bin=$(command -v node)
[ "$(uname -m)" = x86_64 ] || { echo "pack.sh: this machine is $(uname -m); the GPU machine needs an x86-64 node and native packages" >&2; exit 1; }
cp "$(readlink -f "$node_bin")" "$STAGE/node"

cp "$FIX/models/yolo11n-coco-fp32.onnx" "$FIX/models/yolo11n-fracture-fp32.tflite" "$STAGE/models/"
cp "$FIX/datasets/fracatlas/images/Fractured/IMG0003458.jpg" "$STAGE/models/image.jpg"

# The loaders the device notes (/work/.library/device/README.md) bring for Vulkan on that machine:
# libvulkan.so.1 for Dawn, and glvnd's libraries, which NVIDIA's Vulkan ICD (libGLX_nvidia) links.
# Best effort: without them here, run.sh uses the machine's own and its report says which adapter Dawn found.
DEBS="libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2"
if ! (cd "$STAGE/debs" && apt-get download $DEBS >/dev/null 2>&1); then echo "pack.sh: apt-get download $DEBS failed: the kit carries no Vulkan loader" >&2; fi

tar -C "$STAGE" -cf - . | xz -T0 "-${KIT_XZ_LEVEL:-6}" > "$KIT/kit.tar.xz"
rm -rf "$STAGE"
size=$(stat -c %s "$KIT/kit.tar.xz")
echo "pack.sh: $KIT/kit.tar.xz $((size / 1048576)) MiB"
if [ "$size" -gt $((LIMIT_MIB * 1048576)) ]; then echo "pack.sh: over $LIMIT_MIB MiB: the device tool carries 64 MiB with the working tree" >&2; exit 1; fi
