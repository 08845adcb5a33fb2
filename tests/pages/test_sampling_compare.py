"""AppTest for the Sampling lab's Compare page: presets, one request, Self-BLEU per column."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    at.switch_page("pages/sampling_compare.py").run()
    assert not at.exception
    return at


def test_first_run_offers_the_tutorials_presets(app):
    assert app.title[0].value == "Compare decoding settings" and not app.error
    assert [s.value for s in app.selectbox if s.key.startswith("compare_col")] == [
        "greedy", "top_p 0.1 / T 0.8", "top_p 0.5 / T 0.1", "top_p 0.9 / T 0.8"]


def test_greedy_scores_100_and_a_hot_column_less(app):
    app.slider(key="compare_k").set_value(2).run()
    app.selectbox(key="compare_col1_preset").set_value("top_p 1.0 / T 10").run()
    app.slider(key="compare_max_new").set_value(8)
    app.slider(key="compare_n").set_value(2)
    app.button(key="compare_go").click().run()
    assert not app.exception and not app.error
    scores = [m.value for m in app.metric if m.label == "Self-BLEU (avg, 0-100)"]
    assert scores[0] == "100.0" and float(scores[1]) < 100
    table = app.dataframe[0].value
    assert list(table["column"]) == ["greedy", "top_p 1.0 / T 10"]


def test_picking_a_preset_loads_its_values_and_editing_marks_the_column(app):
    app.selectbox(key="compare_col1_preset").set_value("top_k 3").run()
    assert app.slider(key="compare_col1_top_k").value == 3
    app.slider(key="compare_col1_top_k").set_value(5).run()
    assert any("top_k=5" in c.value for c in app.caption)


def test_a_bad_column_setting_shows_an_error_and_disables_generate(app):
    app.slider(key="compare_col1_temperature").set_value(0.0).run()
    assert not app.exception and any("choose greedy" in e.value for e in app.error)
    assert app.button(key="compare_go").disabled


def test_tutorial_self_bleu_mode_and_the_top_k_50_note(app):
    """Issue 17: the tutorial's Self-BLEU beside all-the-others; its presets say top_k 50."""
    assert any("top_k=50 unless told otherwise" in c.value for c in app.caption)
    assert any("top_k=50" in c.value for c in app.caption if "T=0.8" in c.value)
    app.slider(key="compare_k").set_value(2).run()
    app.selectbox(key="compare_col0_preset").set_value("top_p 0.9 / T 0.8").run()
    app.selectbox(key="compare_col1_preset").set_value("top_p 0.5 / T 1.5").run()
    app.slider(key="compare_max_new").set_value(8)
    app.slider(key="compare_n").set_value(2)
    app.radio(key="compare_self_bleu").set_value("tutorial").run()
    app.button(key="compare_go").click().run()
    assert not app.exception and not app.error
    assert any("as in the tutorial" in e.label for e in app.expander)
