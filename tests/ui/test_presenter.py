"""Presenter view is one mechanism: every page goes through ``playground.ui.presenter``.

The layout itself is checked in Chromium (tests/e2e/test_presenter_browser.py); these tests keep
pages from going around the helpers, and check what the helpers draw in each mode.
"""

import re

import altair as alt
import pandas as pd
from streamlit.testing.v1 import AppTest

from playground.ui import presenter
from tests.conftest import ROOT

SOURCES = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "playground" / "ui").glob("*.py"))


def test_every_page_with_a_main_button_marks_where_its_result_starts():
    for page in sorted((ROOT / "pages").glob("*.py")):
        text = page.read_text()
        buttons = [m.start() for m in re.finditer(r'type="primary"', text)]
        if not buttons or page.name == "admin.py":  # Admin is never projected
            continue
        marks = [m.start() for m in re.finditer(r"presenter\.results_start\(", text)]
        assert marks, f"{page.name} has a main button and no presenter.results_start()"
        assert marks[0] > buttons[0], f"{page.name}: results_start() before the main button"


def test_no_table_or_chart_goes_around_the_presenter_helpers():
    canvas = re.compile(r"\bst\.(dataframe|altair_chart|vega_lite_chart|bar_chart|line_chart|"
                        r"area_chart|scatter_chart|plotly_chart|pyplot)\(")
    for path in SOURCES:
        if path.name == "presenter.py":
            continue
        hits = canvas.findall(path.read_text())
        assert not hits, f"{path.relative_to(ROOT)} draws {hits} past playground.ui.presenter"


def _chart():
    data = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    base = alt.Chart(data).encode(x="x:Q", y=alt.Y("y:Q", title="a long title"))
    return (base.mark_circle() + base.mark_text(fontSize=11).encode(text="y:Q")).properties(
        height=200, title="Memory and agreement")


def test_large_type_enlarges_labels_and_small_text_marks_and_leaves_the_chart_alone():
    chart = _chart()
    big = presenter.large_type(chart).to_dict()
    assert big["config"]["axis"] == {"labelFontSize": presenter.CHART_FONT_PX,
                                     "titleFontSize": presenter.CHART_TITLE_PX}
    assert big["config"]["text"]["fontSize"] == presenter.CHART_FONT_PX
    assert big["layer"][1]["mark"]["fontSize"] == presenter.CHART_FONT_PX  # its own 11 too
    assert big["height"] == round(200 * presenter.CHART_GROW)
    assert big["config"]["axisY"]["titleLimit"] == big["height"]  # shortened, never cut off
    assert chart.layer[1].mark.fontSize == 11 and chart.height == 200  # a copy was changed


def _draw(on: bool):
    def page():
        import altair as alt  # noqa: F401  (AppTest runs this function's source alone)
        import pandas as pd
        import streamlit as st

        from playground.ui import presenter
        from tests.ui.test_presenter import _chart

        st.session_state[presenter.TOGGLE] = st.session_state.get("on")
        presenter.table(pd.DataFrame({"size (MB)": [1.234], "same": [True]}),
                        formats={"size (MB)": "%.1f"})
        presenter.chart(_chart())

    app = AppTest.from_function(page, default_timeout=60)
    app.session_state["on"] = on
    return app.run()


def test_normally_a_table_is_a_data_frame_and_a_chart_title_is_a_heading_above_it():
    app = _draw(False)
    assert not app.exception
    assert len(app.dataframe) == 1 and len(app.table) == 0
    assert app.markdown[0].value == "**Memory and agreement**"


def test_on_the_projector_a_table_is_html():
    app = _draw(True)
    assert not app.exception
    assert len(app.dataframe) == 0 and len(app.table) == 1
    assert app.markdown[0].value == "**Memory and agreement**"


def test_the_projector_table_keeps_number_formats_and_shows_booleans_as_a_tick():
    shown = presenter.projector_table(
        pd.DataFrame({"size (MB)": [1.234, 20.0], "same": [True, False], "preset": ["a", "b"]}),
        formats={"size (MB)": "%.1f", "missing": "%.2f"}).to_html()
    assert ">1.2<" in shown and ">20.0<" in shown and "1.234" not in shown
    assert ">✓<" in shown and "True" not in shown and "False" not in shown
    plain = presenter.projector_table([{"a": 1, "b": False, "c": 0.5}, {"a": 2, "b": True, "c": 1234.567}]).to_html()
    assert ">0.5<" in plain and ">1,234.57<" in plain and ">✓<" in plain and "False" not in plain
