"""Many adapters, one batch, in a real browser: three tabs on three different LoRA adapters and
one tab on the base press Generate at once; each tab shows the text its adapter (or the base)
gives when served alone.

The server gets its adapters the way a room's shared adapters reach it: the registry's scan of
``<cache_dir>/adapters/builtin-<label>/``. This server's cache folder is a temporary one that
holds a link to the converted SmolLM2 copy and three random, non-zero LoRA adapters in PEFT's
format (``bench --adapters`` makes the same), so nothing is written to the real cache.
"""

import os
import time

import pytest

from playground.bench.adapterbench import write_random_adapter
from playground.room.links import encode_link
from playground.serving.chat import build_messages
from playground.serving.registry import default_registry
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings
from tests.e2e.conftest import CURSOR, IDLE, serve, wait_idle

pytestmark = pytest.mark.browser

EMBEDDED = "smollm2-135m-instruct"
LABELS = ("rand-a", "rand-b", "rand-c")
PROMPT = "Name three animals that live in the sea."
NEW_TOKENS = 12
SCREENSHOT_DIR = os.environ.get("PLAYGROUND_SCREENSHOT_DIR")  # where to keep a tab's picture


@pytest.fixture(scope="module")
def adapter_server(tmp_path_factory):
    """(url, adapter names): a server whose cache folder offers three room adapters."""
    registry = default_registry()
    base = registry.load(EMBEDDED)
    cache = tmp_path_factory.mktemp("adapter-cache")
    os.symlink(registry.config.cache_dir / EMBEDDED, cache / EMBEDDED)
    names = []
    for seed, label in enumerate(LABELS, start=1):
        folder = write_random_adapter(base.model, cache / "adapters" / f"builtin-{label}",
                                      EMBEDDED, seed)
        # the same adapter, shared with the room in this process too (for the links' check
        # and for the texts served alone)
        names.append(registry.register_adapter(folder, label, EMBEDDED).name)
    folder = tmp_path_factory.mktemp("streamlit-adapters")
    try:
        for url in serve(folder, {"PLAYGROUND_CACHE_DIR": str(cache)}):  # one server
            yield url, names
    finally:
        for name in names:
            registry.unload(name)
            registry.adapter_specs.pop(name, None)


def alone(model: str) -> str:
    """What ``model`` (an adapter's name or the base) writes when it is served alone."""
    loaded = default_registry().load(model)
    request = GenerationRequest.single(GenerationSettings(do_sample=False,
                                                          max_new_tokens=NEW_TOKENS),
                                       Prompt.chat(build_messages(PROMPT, "")))
    return loaded.service.submit(request).result(timeout=300).texts()[0]


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow  # tests/tuning/test_served_adapters.py: base and adapter rows in one batch, each its own text
def test_three_adapters_and_the_base_stream_at_once_each_with_its_own_text(browser,
                                                                          adapter_server):
    url, names = adapter_server
    models = [*names, EMBEDDED]
    expected = [alone(m) for m in models]
    assert len(set(expected)) == 4  # every adapter changes the base's text
    contexts, pages = [], []
    try:
        for model in models:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(ctx)
            page = ctx.new_page()
            link = encode_link("generate", {"model": model, "prompt": PROMPT,
                                            "do_sample": False, "max_new_tokens": NEW_TOKENS})
            page.goto(f"{url}/{link.lstrip('/')}")
            page.get_by_role("button", name="Generate").wait_for(timeout=180_000)
            wait_idle(page, timeout=240_000)
            pages.append(page)
        for page in pages:  # as close to "at once" as one driver thread gets
            page.get_by_role("button", name="Generate").click(no_wait_after=True)
        deadline = time.monotonic() + 300
        pending = set(range(len(pages)))
        while pending and time.monotonic() < deadline:
            for i in list(pending):
                if pages[i].evaluate("([idle, cursor]) => document.querySelector(idle) !== null"
                                     " && !document.body.innerText.includes(cursor)"
                                     " && document.body.innerText.includes('tok/s')",
                                     [IDLE, CURSOR.strip()]):
                    pending.discard(i)
            time.sleep(0.2)
        assert not pending, f"tabs {sorted(pending)} did not finish"
        for i, (page, model) in enumerate(zip(pages, models)):
            if i == 0 and SCREENSHOT_DIR:
                page.screenshot(path=os.path.join(SCREENSHOT_DIR, "adapters_tab1.png"))
            main = words(page.locator("[data-testid='stMain']").inner_text())
            assert words(expected[i]) in main, (model, expected[i], main[-600:])
    finally:
        for ctx in contexts:
            ctx.close()
