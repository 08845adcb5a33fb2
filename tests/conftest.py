"""Shared fixtures. Tests run offline (HF_HUB_OFFLINE=1) on the real embedded models.

The tests load the converted copies of the offline models from the app's own cache
(``cache_dir``, or PLAYGROUND_CACHE_DIR), the one README's setup fills: a fresh clone's test run
does not de-quantize the GGUF files a second time (about 70 s on 2 cores).
"""

import os
import pathlib
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# set before huggingface_hub is imported anywhere: it reads these once
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# [models] cpu_dtype defaults to "auto" (bf16 on a CPU with AMX or avx512_bf16); the suite's
# texts are compared with transformers' float32 (view code, PeftModel, the lens, batch vs
# alone), so the suite and the browser tests' servers pin float32 on every CPU.
# tests/serving/test_cpu_dtype.py checks the default and bfloat16 themselves.
os.environ.setdefault("PLAYGROUND_CPU_DTYPE", "float32")
# the room database (broadcast, board, shared results) of this test run only: a fresh clone and
# a second run start from the same empty room (each test then gets a room of its own, below)
os.environ["PLAYGROUND_ROOM_DB"] = os.path.join(tempfile.mkdtemp(prefix="room-"), "room.sqlite3")

EMBEDDED = "smollm2-135m-instruct"
# checks that repeat, at a browser's or a long run's cost, what a faster test in the default
# suite already asserts: opt-in, so that the suite a newcomer and CI run stays under 20 minutes
SLOW = os.environ.get("PLAYGROUND_SLOW_TESTS") == "1"


def pytest_collection_modifyitems(config, items):
    if SLOW:
        return
    skip = pytest.mark.skip(reason="slow, opt-in: PLAYGROUND_SLOW_TESTS=1 runs it "
                                   "(docs/install.md, the tests)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def own_room(tmp_path_factory, monkeypatch):
    """Every test starts in an empty room: a broadcast, a post or a kept result from one test
    (say, a lesson step shared by a room test) never shows up in another test's pages."""
    monkeypatch.setenv("PLAYGROUND_ROOM_DB",
                       str(tmp_path_factory.mktemp("room") / "room.sqlite3"))
    # and no adapter trained by another test (or by a run on this machine) is found finished
    monkeypatch.setenv("PLAYGROUND_ADAPTERS_DIR", str(tmp_path_factory.mktemp("adapters")))


@pytest.fixture(scope="session")
def smol():
    """The resident embedded model (loaded once for the whole test session)."""
    from playground.serving.registry import default_registry

    return default_registry().load(EMBEDDED)


@pytest.fixture
def chat_prompt():
    from playground.serving.service import Prompt

    return Prompt.chat([{"role": "user", "content": "Tell me a story about a dragon."}])
