"""AppTest for the Tokenizer & model page."""

import json

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_tokens_ids_decode_and_model_figures(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/tokenizer_model.py").run()
    assert not at.exception and not at.error
    at.text_area(key="tok_text").set_value("Hello world\nHello").run()
    ids = json.loads(at.code[0].value)
    assert ids == smol.tokenizer("Hello world\nHello", add_special_tokens=False)["input_ids"]
    assert at.code[1].value == "Hello world\nHello" and at.success
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tokens"] == str(len(ids)) and metrics["Characters"] == "17"
    rows = dict(zip(at.table[0].value.iloc[:, 0], at.table[0].value.iloc[:, 1]))
    assert rows["Layers"] == "30" and rows["Memory footprint"].endswith("MiB")
    assert rows["Context length"] == "8,192 tokens"


def test_empty_text_asks_for_some(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/tokenizer_model.py").run()
    at.text_area(key="tok_text").set_value("").run()
    assert not at.exception and "Type some text" in at.info[0].value
