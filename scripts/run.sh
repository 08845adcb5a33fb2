#!/usr/bin/env bash
# Set up (first time only) and serve the playground on the embedded model.
# Extra arguments go to streamlit, e.g. scripts/run.sh --server.port 8600
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run serve.py "$@"  # app.py behind serve.py's unknown-address guard
