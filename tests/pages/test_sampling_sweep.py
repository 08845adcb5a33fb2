"""AppTest for the Sampling lab's Sweep page: the cap, a tiny sweep, the heatmap's table."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    at.switch_page("pages/sampling_sweep.py").run()
    assert not at.exception
    return at


def test_first_run_states_the_size_and_the_cap(app):
    assert app.title[0].value == "Sweep top_p × temperature" and not app.error
    assert any("cap: 6,144 tokens" in c.value for c in app.caption)


def test_a_tiny_sweep_fills_the_table(app):
    app.text_input(key="sweep_top_p").set_value("0.01, 1.0")
    app.text_input(key="sweep_temperature").set_value("1.0")
    app.slider(key="sweep_n").set_value(2)
    app.slider(key="sweep_max_new").set_value(8).run()
    app.button(key="sweep_go").click().run()
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert list(table["top_p"]) == [0.01, 1.0] and table["Self-BLEU"].iloc[0] == 100


def test_too_big_or_malformed_grids_are_errors(app):
    app.slider(key="sweep_n").set_value(8)
    app.slider(key="sweep_max_new").set_value(128)
    app.text_input(key="sweep_top_p").set_value("0.1,0.3,0.5,0.7,0.9").run()
    assert any("the cap is 6,144 tokens" in e.value for e in app.error)
    assert app.button(key="sweep_go").disabled
    app.text_input(key="sweep_top_p").set_value("0.1, high").run()
    assert not app.exception and any("numbers separated by commas" in e.value
                                      for e in app.error)


def test_the_heatmaps_colours_span_the_sweeps_own_values_and_cells_are_tall(app):
    """Issue 26: values 3-6 on a 0-100 colour scale were one colour, in a squashed chart."""
    import json

    app.text_input(key="sweep_top_p").set_value("0.5, 1.0")
    app.text_input(key="sweep_temperature").set_value("1.0, 1.5")
    app.slider(key="sweep_n").set_value(2)
    app.slider(key="sweep_max_new").set_value(8).run()
    app.button(key="sweep_go").click().run()
    assert not app.exception and not app.error
    values = app.dataframe[0].value["Self-BLEU"]
    chart = app.get("vega_lite_chart")[0].proto
    spec = json.loads(chart.spec)
    rect = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rect")
    domain = rect["encoding"]["color"]["scale"]["domain"]
    if values.max() > values.min():
        assert domain == [values.min(), values.max()]
    else:
        assert domain == [values.min() - 0.5, values.max() + 0.5]
    assert spec["height"] >= 240
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    assert text["encoding"]["text"]["field"] == "Self-BLEU"  # each cell carries its value
