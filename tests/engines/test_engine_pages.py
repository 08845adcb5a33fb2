"""The Decoding lens page on a remote engine (AppTest): the engine's own top-N per step where it
gives logprobs (llama.cpp, opt-in), and the engine's refusal in words where it does not
(transformers serve)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from playground.serving.catalog import ModelSpec
from playground.serving.registry import default_registry
from tests.conftest import ROOT


@pytest.fixture
def peer_lens(monkeypatch):
    """The lens page in a fresh tab whose model is ``peer``, an entry of the server's catalog."""
    def open_with(engine, lang: str = "en") -> AppTest:
        registry = default_registry()
        spec = ModelSpec("peer", "openai", engine.location, True, base_url=engine.base_url)
        monkeypatch.setattr(registry, "catalog", {**registry.catalog, "peer": spec})
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
        at.query_params["lang"] = lang
        at.session_state["model_name"] = "peer"
        at.switch_page("pages/sampling_lens.py").run()
        assert not at.exception
        at.slider(key="lens_max_new").set_value(3)
        return at
    yield open_with
    default_registry().unload("peer")
    default_registry().evicted.pop("peer", None)  # the next test's peer is another engine


def test_the_lens_on_llama_cpp_shows_the_engines_top_n_per_step(llama_server, peer_lens):
    at = peer_lens(llama_server)
    at.slider(key="lens_top").set_value(5)
    at.button(key="lens_remote_go").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert len(table) == 3 and list(table.columns)[-5:] == ["#1", "#2", "#3", "#4", "#5"]
    assert table["#1"].str.endswith("%").all()
    captions = " ".join(c.value for c in at.caption)
    assert "top 5 per step (llama.cpp): not the full distribution" in captions
    assert "after the engine's own filters" in captions


def test_the_lens_on_transformers_serve_says_it_gives_no_logprobs_in_japanese(
        transformers_serve, peer_lens):
    at = peer_lens(transformers_serve, lang="ja")
    assert "リモートのエンジン (transformers)" in at.info[0].value
    at.button(key="lens_remote_go").click().run()
    assert not at.exception
    assert at.error and "logprobs" in at.error[0].value and not at.dataframe
