"""AppTest for the Quantization page: first run, a real (small) comparison, bad input."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/quantization.py").run()
    assert not at.exception
    return at


def test_first_run_offers_the_default_presets_and_the_tutorial_prompt(app):
    assert app.title[0].value == "Quantization"
    assert app.multiselect(key="quant_presets").value == ["fp32", "bf16", "int8", "nf4"]
    assert "dragon" in app.text_area(key="quant_prompt").value
    assert not app.error
    assert any("Run comparison" in i.value for i in app.info)


def test_a_comparison_shows_a_table_with_units_a_chart_and_the_outputs(app):
    app.multiselect(key="quant_presets").set_value(["fp32", "bf16"])
    app.slider(key="quant_max_new").set_value(6)
    app.button(key="quant_go").click().run()
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert list(table["preset"]) == ["fp32", "bf16"]
    assert {"weights (MiB)", "load (s)", "speed (tok/s)", "chrF vs fp32", "perplexity"} <= \
        set(table.columns)
    assert table["weights (MiB)"].iloc[0] > table["weights (MiB)"].iloc[1]
    # the tutorial's Llama-2-7b figures beside this model's, and why a small model saves less
    beside = app.dataframe[1].value
    assert list(beside["Llama-2-7b in the tutorial (MiB)"]) == [25713, 12860]
    assert list(beside["share of the reference (%)"])[0] == 100
    why = next(c.value for c in app.caption if "Llama-2-7b-chat-hf" in c.value)
    assert "embeddings" in why and "4%" in why
    assert table["chrF vs fp32"].iloc[0] == 100.0
    assert any("before the comparison" in c.value for c in app.caption)
    assert any("the reference" in c.value for c in app.caption)  # the fp32 output card
    # the result stays on screen after an unrelated rerun
    app.run()
    assert app.dataframe and not app.exception


def test_no_presets_or_an_empty_prompt_shows_an_error(app):
    app.multiselect(key="quant_presets").set_value([])
    app.button(key="quant_go").click().run()
    assert any("at least one preset" in e.value for e in app.error)
    app.multiselect(key="quant_presets").set_value(["fp32"])
    app.text_area(key="quant_prompt").set_value("   ")
    app.button(key="quant_go").click().run()
    assert any("type a prompt" in e.value for e in app.error)
    assert not app.exception and not app.dataframe


def test_model_output_is_escaped_and_highlighted_from_the_divergence():
    from playground.quant.compare import PresetRow
    from playground.ui.quant_view import _output_html

    row = PresetRow("nf4", "recipe", text="Hi <script>alert(1)</script> & bye",
                    divergence_char=3)
    out = _output_html(row)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp; bye" in out
    before, marked = out.split("<mark", 1)
    assert before.endswith("Hi ") and "alert(1)" in marked
    same = _output_html(PresetRow("fp32", "recipe", text="Hi there"))
    assert "<mark" not in same and "Hi there" in same


def test_the_embedded_reference_is_said_to_be_q4_1_dequantized(app):
    assert any("Q4_1 GGUF" in i.value and "de-quantized to float32" in i.value
               for i in app.info)


def test_the_quick_mode_asks_for_the_reference_and_4_bits_and_a_few_tokens(app, monkeypatch):
    from playground.quant.presets import QUICK_MAX_NEW_TOKENS, QUICK_PRESETS
    from playground.room import shared

    asked = []
    monkeypatch.setattr(shared, "shared_comparison",
                        lambda request, reg: asked.append(request) or None)
    app.toggle(key="quant_quick").set_value(True).run()
    assert app.multiselect(key="quant_presets").disabled
    app.button(key="quant_go").click().run()
    assert not app.exception
    assert asked and asked[0].presets == QUICK_PRESETS == ("fp32", "nf4")
    assert asked[0].max_new_tokens == QUICK_MAX_NEW_TOKENS == 8
