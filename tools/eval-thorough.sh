#!/bin/sh
# The measurements behind docs/FRACTURE.md's "thorough settings" table: each setting on FracAtlas
# valid + the even half of the negatives (choosing), then valid alone (box metrics) from the saved
# predictions. Usage: tools/eval-thorough.sh <name> [eval flags...], e.g.
#   tools/eval-thorough.sh plain
#   tools/eval-thorough.sh slice320 --slice-size 320
#   tools/eval-thorough.sh tta --tta
# Writes out/thorough/<name>.{valneg.json,valneg.jsonl,val.json,log}. CLI overrides the command
# (default: node bin/yolo11-webgpu.js); SPLIT=test PART=odd reports a setting on test + the odd half.
set -e
name=$1; shift
CLI=${CLI:-node bin/yolo11-webgpu.js}
DATA=${YOLO11_WEBGPU_FIXTURES:-../shared}/datasets/fracatlas/data.yaml
SPLIT=${SPLIT:-val}
PART=${PART:-even}
THR=0.0298 # weights/yolo11n-fracture.settings.json: the stored high-sensitivity threshold
out=out/thorough/$SPLIT-$name
mkdir -p out/thorough
$CLI eval weights/yolo11n-fracture.y11w "$DATA" --split "$SPLIT" --negatives test_plus_negatives.txt --negatives-part "$PART" \
  --threshold $THR --save-json "$out.neg.jsonl" --json "$@" > "$out.neg.json" 2> "$out.log"
$CLI eval "$DATA" --split "$SPLIT" --from-json "$out.neg.jsonl" --threshold $THR --json > "$out.json" 2>> "$out.log"
