"""The Fine-tuning page: every section draws in both languages, and a real (small) run goes
through the training queue to its result, with nothing English left in a Japanese tab."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.pages.test_japanese_ui import english_left, visible_texts

ROWS = [{"prompt": f"What is {a} plus {b}?", "response": f"Arr, {a + b} ⚓", "system": ""}
        for a in (1, 2) for b in (1, 2, 3)]


def open_page(lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = lang
    at.session_state["model_name"] = "smollm2-135m-instruct"
    at.session_state["ft_source"] = "captain"
    at.session_state["ft_rows_captain_rows"] = ROWS  # a small set: a run of a few seconds
    at.session_state["ft_heldout_captain"] = "What is 2 plus 2?"
    at.switch_page("pages/finetune.py")
    at.run()
    assert not at.exception, at.exception
    return at


def wait_for_run(at: AppTest, seconds: float = 600) -> AppTest:
    deadline = time.monotonic() + seconds
    while not at.session_state["ft_run"].done:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.5)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_sections_show_the_notes_numbers():
    at = open_page("en")
    texts = " ".join(visible_texts(at))
    assert "15,000" in texts and "7,500" in texts  # the quiz, both ways
    assert "chat template" in texts  # SmolLM2 is tuned in its own chat template
    assert "id **49152**" in texts  # <user_name> becomes one new token
    codes = " ".join(c.value for c in at.code)
    assert "trainable params: " in codes and "num_rows: 6" in codes


@pytest.mark.parametrize("lang", ["ja"])
def test_a_run_in_japanese_leaves_no_english_and_offers_the_adapter(lang):
    at = open_page(lang)
    at.button(key="ft_go").click().run()
    assert at.session_state["ft_run"] is not None
    wait_for_run(at)
    result = at.session_state["ft_run"].result
    assert result is not None and result.validation_loss[-1]["loss"] < \
        result.validation_loss[0]["loss"]
    adapter = at.session_state["ft_adapter"]
    assert adapter.startswith("smollm2-135m-instruct + captain-") and adapter.endswith("(LoRA)")
    outputs = set(result.before + result.after + list(result.prompts))
    texts = [t for t in visible_texts(at) if not any(o and o in t for o in outputs)]
    assert english_left(texts) == []
