#!/usr/bin/env bash
# Prepare the device check and print the one `run` command for the device tool.
#
# The device machine (H200) has torch, transformers and accelerate but no bitsandbytes, no
# tenacity (rag/search.py imports it, and the CLI imports every command), no gguf, no
# streamlit and no network, and at most 64 MiB of working tree travels with a call. So this
# script puts in .gpucheck/ (ignored by git; named in the run's `carry`):
#   tokenizer/  the embedded model's tokenizer files (about 3.5 MB; random models use them)
#   wheels/     bitsandbytes 0.50.2 for manylinux x86_64, slimmed to the CPU library and
#               libbitsandbytes_cuda130.so (the device's torch is built for CUDA 13.0;
#               43 MB -> about 5 MB), and tenacity, both installed there with pip --no-deps.
# Then it prints the command, its carry and its timeout as JSON. Run it in the checkout that
# the device tool sends (the session's own), with the shared .venv or any Python with the
# project's requirements.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
DIR=.gpucheck
mkdir -p "$DIR/wheels"

echo "1/3 tokenizer files of the embedded model -> $DIR/tokenizer" >&2
"$PY" - <<'EOF'
from playground.serving.catalog import CATALOG
from playground.serving.random_weights import copy_tokenizer
from playground.serving.registry import Registry

where, _ = Registry().source(CATALOG["smollm2-135m-instruct"], progress=print)
copy_tokenizer(where, ".gpucheck/tokenizer")
EOF

echo "2/3 wheels for the device (Python 3.12, manylinux x86_64) -> $DIR/wheels" >&2
TENACITY=$(grep -E '^tenacity==' requirements.txt | head -1)
BNB=bitsandbytes==0.50.2
if ! ls "$DIR"/wheels/bitsandbytes-0.50.2-*.whl >/dev/null 2>&1; then
  "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_24_x86_64 --platform manylinux_2_28_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$DIR/download" "$BNB" || { echo "could not download $BNB: the check will report" \
    "bitsandbytes as skipped" >&2; }
  for whl in "$DIR"/download/bitsandbytes-*.whl; do
    [ -f "$whl" ] || continue
    # keep only what a CUDA 13.0 torch loads (and the CPU library): the other CUDA and ROCm
    # builds are 38 MB of the 43 MB. pip installs the wheel without checking RECORD's hashes.
    "$PY" - "$whl" "$DIR/wheels/$(basename "$whl")" <<'EOF'
import re, sys, zipfile
src, dst = sys.argv[1:]
drop = re.compile(r"bitsandbytes/libbitsandbytes_(cuda(?!130)\d+|rocm\d+)\.(so|dll|dylib)$")
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        if drop.search(item.filename):
            continue
        data = zin.read(item.filename)
        if item.filename.endswith(".dist-info/RECORD"):
            data = b"\n".join(l for l in data.split(b"\n")
                              if not drop.search(l.split(b",")[0].decode()))
        zout.writestr(item, data)
EOF
  done
  rm -rf "$DIR/download"
fi
ls "$DIR"/wheels/tenacity-*.whl >/dev/null 2>&1 || "$PY" -m pip download -q --no-deps \
  --only-binary=:all: -d "$DIR/wheels" "$TENACITY"

echo "3/3 checking the wheels install (pip --no-deps into a scratch folder)" >&2
SCRATCH=$(mktemp -d)
"$PY" -m pip install -q --no-index --no-deps --no-compile --target "$SCRATCH" "$DIR"/wheels/*.whl
if ls "$SCRATCH"/bitsandbytes/libbitsandbytes_cuda130.so >/dev/null 2>&1; then
  echo "   bitsandbytes: libbitsandbytes_cuda130.so is there" >&2
else
  echo "   bitsandbytes: not prepared (the check will say why it skipped it)" >&2
fi
rm -rf "$SCRATCH"

TREE=$( (git ls-files -z -co --exclude-standard; find "$DIR" -type f -print0) \
        | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
echo "what travels: about $((TREE / 1024 / 1024)) MiB of the 64 MiB limit" >&2
[ "$TREE" -lt $((60 * 1024 * 1024)) ] || echo "WARNING: the tree is too large to travel" >&2

# The run: install the wheels, then the check. Sections not started after 360 s are skipped
# and the JSON file is rewritten after every section, so a stopped run still returns what it
# measured (now with the syncs and 8/16/32-session scaling sections). Expected: 4-6 minutes
# for llama-1b and llama-7b; hard stop at 480 s.
read -r -d '' CMD <<'EOF' || true
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpucheck/wheels/*.whl && export PYTHONPATH=/tmp/site || exit 1; export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > $OUT/nvidia-smi.csv 2>&1; timeout 480 python3 -m playground gpucheck --shapes llama-1b,llama-7b --tokenizer .gpucheck/tokenizer --deadline-s 360 --out $OUT/gpucheck.json 2> $OUT/gpucheck.log; rc=$?; tail -n 5 $OUT/gpucheck.log; exit $rc
EOF
"$PY" -c 'import json, sys; cmd = sys.argv[1].strip(); assert len(cmd) < 2000, len(cmd); print(json.dumps({"command": cmd, "carry": [".gpucheck"], "timeout_s": 540}, indent=2))' "$CMD"
