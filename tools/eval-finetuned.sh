#!/bin/sh
# The FracAtlas scoring of one weight file at one input size (docs/FRACTURE.md, "Fine-tuning on FracAtlas"):
# valid, test and the 99 negatives predicted once each, then box metrics per split and image-level
# figures on valid + the even half / test + the odd half of the negatives.
# Usage: tools/eval-finetuned.sh <weights.y11w> <tag> <imgsz>   → out/<tag>-*.json
set -e
W=$1; T=$2; S=$3
FIX=$(cd "${YOLO11_WEBGPU_FIXTURES:-../shared}" && pwd)
D=$FIX/datasets/fracatlas/data.yaml
E="node bin/yolo11-webgpu.js eval"
mkdir -p out
grep -v '/Fractured/' "$FIX/datasets/fracatlas/test_plus_negatives.txt" | sed "s#^\./#$FIX/datasets/fracatlas/#" > out/negatives.txt
$E "$W" "$D" --split val --imgsz "$S" --save-json "out/$T-valid.jsonl" --json > "out/$T-valid.json"
$E "$W" "$D" --split test --imgsz "$S" --save-json "out/$T-test.jsonl" --json > "out/$T-test.json"
$E "$W" "$D" --split "$(pwd)/out/negatives.txt" --imgsz "$S" --save-json "out/$T-negatives.jsonl" --json > "out/$T-negatives.json"
cat "out/$T-valid.jsonl" "out/$T-negatives.jsonl" > "out/$T-valid-neg.jsonl"
cat "out/$T-test.jsonl" "out/$T-negatives.jsonl" > "out/$T-test-neg.jsonl"
$E "$D" --split val --negatives test_plus_negatives.txt --negatives-part even --from-json "out/$T-valid-neg.jsonl" --json > "out/$T-valid-even.json"
$E "$D" --split test --negatives test_plus_negatives.txt --negatives-part odd --from-json "out/$T-test-neg.jsonl" --json > "out/$T-test-odd.json"
echo "done $T"
