"""A Japanese tab starts the raw-text pages on gemma-3-270m with Japanese prompts, and they
produce Japanese; the chat pages stay on SmolLM2; an English tab keeps today's defaults.
(AppTest through app.py on the real models; gemma is loaded once for the session.)"""

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

GEMMA = "gemma-3-270m"
JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")  # kana and kanji


def ja_share(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(bool(JA_CHAR.match(c)) for c in chars) / max(len(chars), 1)


@pytest.fixture(scope="session")
def gemma():
    from playground.serving.registry import default_registry
    return default_registry().load(GEMMA)


def open_page(page: str, lang: str = "ja") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    if lang:
        at.query_params["lang"] = lang
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception
    return at


def model_of(at: AppTest) -> str:
    return at.session_state["model_name"]


def test_generate_in_japanese_starts_on_gemma_raw_and_writes_japanese(smol, gemma):
    at = open_page("generate")
    assert model_of(at) == GEMMA
    assert at.text_area(key="gen_prompt").value == "昔々、あるところに"
    assert at.radio(key="gen_input").value.startswith("Raw")  # gemma has no chat template
    at.slider(key="gen_max_new_tokens").set_value(24)
    at.button[0].click().run()
    assert not at.exception and not at.error
    samples = [m.value.split("\n")[0] for m in at.markdown
               if m.value and not m.value.startswith("**")]
    assert ja_share(samples[0]) > 0.6, samples


def test_compare_in_japanese_scores_self_bleu_with_ja_mecab(smol, gemma):
    at = open_page("sampling_compare")
    assert model_of(at) == GEMMA and at.text_area(key="compare_prompt").value == "昔々、あるところに"
    at.slider(key="compare_k").set_value(2).run()
    at.slider(key="compare_max_new").set_value(12)
    at.slider(key="compare_n").set_value(2)
    at.button(key="compare_go").click().run()
    assert not at.exception and not at.error
    assert any("ja-mecab" in str(e.value) for e in [*at.caption, *at.markdown, *at.info])
    table = at.dataframe[0].value
    assert len(table) == 2


def test_lens_in_japanese_steps_through_gemmas_tokens(smol, gemma):
    at = open_page("sampling_lens")
    assert model_of(at) == GEMMA and ja_share(at.text_area(key="lens_prompt").value) > 0.8
    at.slider(key="lens_max_new").set_value(4).run()
    at.button(key="lens_go").click().run()
    assert not at.exception and not at.error
    assert "262,144" in " ".join(str(m.value) for m in at.metric)  # gemma's vocabulary


def test_prompt_lab_few_shot_translation_on_gemma_gives_japanese(smol, gemma):
    at = open_page("prompt_lab")
    assert model_of(at) == GEMMA
    at.radio(key="lab_stop_at").set_value("the first newline")
    at.button(key="lab_few_go").click().run()
    assert not at.exception and not at.error
    outputs = [c.value for c in at.code][-3:]  # 0-, 1- and 2-shot
    assert ja_share(outputs[-1]) > 0.5, outputs  # the examples' Japanese, continued


def test_chat_pages_in_japanese_say_which_model_answers(smol):
    """Chat template stays on SmolLM2 (gemma has no template to show) and says why; Persona
    chat answers with gemma-3-270m + the Kansai adapter where setup trained it."""
    from playground.room.langdefaults import JA_CHAT_MODEL, ja_chat_available

    at = open_page("chat_template")
    assert model_of(at) == "smollm2-135m-instruct"
    at = open_page("persona_chat")
    if ja_chat_available():
        assert model_of(at) == JA_CHAT_MODEL
    else:
        assert model_of(at) == "smollm2-135m-instruct"


def test_an_english_tab_keeps_todays_defaults(smol):
    for page, key in [("generate", "gen_prompt"), ("sampling_compare", "compare_prompt"),
                      ("sampling_lens", "lens_prompt")]:
        at = open_page(page, lang="en")
        assert model_of(at) == "smollm2-135m-instruct"
        assert at.text_area(key=key).value == "Tell me a story about a dragon."
