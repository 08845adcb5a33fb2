"""AppTest for the Sampling lab's Toy distribution page (no model needed for its numbers)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/sampling_toy.py").run()
    assert not at.exception
    return at


def shown_table(app):
    return app.dataframe[0].value


def test_first_run_shows_all_ten_tokens_kept(app):
    assert app.title[0].value == "Toy distribution" and not app.error
    table = shown_table(app)
    assert list(table["token"])[:3] == ["the", "a", "dragon"] and len(table) == 10
    assert set(table["what happened"]) == {"kept"}


def test_tutorial_example_top_p_loads_its_setting_and_keeps_six(app):
    app.selectbox(key="toy_example").set_value("top_p = 0.8").run()
    assert app.slider(key="toy_top_p").value == 0.8
    table = shown_table(app)
    assert list(table["renormalized (sampled from)"][:6]) == [0.294, 0.235, 0.176, 0.118,
                                                            0.094, 0.082]
    assert list(table["what happened"][6:]) == ["removed by top-p"] * 4
    assert any("6 of 10 tokens kept" in m.value for m in app.markdown)


def test_temperature_slider_changes_the_tempered_column(app):
    app.slider(key="toy_temperature").set_value(1.5).run()
    assert list(shown_table(app)["after T = 1.5"])[:2] == [0.195, 0.168]


def test_temperature_zero_is_an_error_not_a_traceback(app):
    app.slider(key="toy_temperature").set_value(0.0).run()
    assert not app.exception and any("choose greedy" in e.value for e in app.error)
