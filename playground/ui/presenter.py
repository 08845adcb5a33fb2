"""Presenter view: the same page, laid out for a projector, through one mechanism every page uses.

On the projector a page shows, from the top: the room's strip (the instructor's broadcast banner
included), the page's title, then **the result**, then the inputs that made it. Type is large
everywhere, tables and charts included; the sidebar and the instructor-only controls are hidden.

A page takes part by calling three helpers and nothing else:

- ``results_start()`` once, right after its main action (the button row): whatever the page draws
  after it is the result and moves above the inputs on the projector;
- ``table(data)`` for every table: an ``st.dataframe`` normally, an HTML table in large type on
  the projector (a data frame's grid is drawn on a canvas, which CSS cannot enlarge);
- ``chart(altair_chart)`` for every chart: its title becomes a heading above it (a chart never
  covers its heading) and, on the projector, its labels are large.

``tests/test_presenter.py`` fails when a page or view draws a table or chart past these helpers,
or has a main button and no ``results_start()``; ``tests/e2e/test_presenter_browser.py`` checks the
layout in Chromium, page by page.

Package ``playground.ui``: may import streamlit and every package below it.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

TOGGLE = "room_presenter"               # session: the presenter toggle (drawn by the room strip)
TOP = "room_top"                        # the room strip's container: first on the projector
RESULTS = "presenter-results"           # the class of the marker ``results_start`` draws
FONT_PX = 22                            # body type on the projector (16 px normally)
CHART_FONT_PX = 20                      # axis labels, legends and text marks on the projector
CHART_TITLE_PX = 22                     # axis and legend titles on the projector
CHART_GROW = 1.3                        # a chart's height on the projector, times its own

_BLOCK = '[data-testid="stVerticalBlock"]'
_MAIN = f'[data-testid="stMainBlockContainer"] > {_BLOCK}'
CSS = f"""<style>
html {{ font-size: {FONT_PX}px; }}
[data-testid="stMainBlockContainer"] {{ max-width: 100%; padding-top: 1rem; }}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {{ display: none; }}
[data-testid="stHeader"] {{ display: none; }}
/* the room strip (banner included), then the title and its caption, then the result, then the
   inputs. Every block that holds the results marker moves what follows the marker first. */
{_MAIN} > :has(.st-key-{TOP}) {{ order: -3; }}
{_MAIN} > :has(h1):not(:has(.st-key-{TOP})),
{_MAIN} > :has(h1):not(:has(.st-key-{TOP})) + * {{ order: -2; }}
{_BLOCK} > :has(.{RESULTS}) ~ * {{ order: -1; }}
/* tables in large type (``table`` draws an HTML table on the projector) */
[data-testid="stTable"] table {{ font-size: 1rem; }}
</style>"""


def is_on() -> bool:
    """Whether this tab shows the presenter view."""
    return bool(st.session_state.get(TOGGLE))


def apply() -> None:
    """The projector's style for this run (the room strip calls it when the toggle is on)."""
    if is_on():
        st.html(CSS)


def results_start(name: str = "") -> None:
    """Call once, right after the page's main action (its button row), at the level of the page's
    inputs: everything the page draws after this call is its result, shown first on the
    projector. Draws nothing visible. A page with two actions (in two tabs) names the second."""
    # an empty container is not drawn at all: the marker is an element with a class, and its
    # own style takes the marker's row (and the gap under it) out of the layout
    st.html(f'<span class="{RESULTS}" data-name="{name}" hidden></span><style>'
            f'[data-testid="stElementContainer"]:has(> * > .{RESULTS}) {{ display: none; }}'
            '</style>')


def table(data, formats: dict[str, str] | None = None, **kwargs) -> None:
    """A table: ``st.dataframe`` normally, ``st.table`` in large type on the projector.

    ``formats`` maps a column to a printf-style number format (``"%.2f"``), kept in both views;
    other keyword arguments go to ``st.dataframe`` (the projector's table ignores them)."""
    formats = formats or {}
    kwargs.setdefault("hide_index", True)
    if is_on():
        st.table(projector_table(data, formats), hide_index=kwargs["hide_index"])
        return
    if formats:
        config = dict(kwargs.pop("column_config", None) or {})
        for column, fmt in formats.items():
            config.setdefault(column, st.column_config.NumberColumn(format=fmt))
        kwargs["column_config"] = config
    kwargs.setdefault("width", "stretch")
    st.dataframe(data, **kwargs)


def projector_table(data, formats: dict[str, str] | None = None):
    """What ``table`` gives ``st.table`` on the projector: a data frame (or the page's Styler)
    with ``formats`` applied and booleans as a tick (the grid's checkbox, in any language)."""
    if _is_styler(data):
        styled = data
    else:
        data = pd.DataFrame(data)
        for column in data.columns[data.dtypes == bool]:
            data[column] = data[column].map({True: "✓", False: ""})
        # numbers as the grid shows them (0.5, not 0.500000), unless the page gives a format
        floats = [c for c in data.columns[data.dtypes == float] if c not in (formats or {})]
        styled = data.style.format({c: _short for c in floats})
    if formats:
        styled = styled.format({k: (lambda v, f=f: f % v if _number(v) else v)
                                for k, f in formats.items() if k in styled.data.columns})
    return styled


def chart(c, **kwargs) -> None:
    """An Altair chart, its title drawn as a heading above it (never inside the plot, where a
    tall title was cut off), with large labels on the projector."""
    title = getattr(c, "title", alt.Undefined)
    if isinstance(title, str) and title:
        c = c.copy()
        c.title = alt.Undefined
        st.markdown(f"**{title}**")
    if is_on():
        c = large_type(c)
    kwargs.setdefault("width", "stretch")
    st.altair_chart(c, **kwargs)


def large_type(c):
    """``c`` with axis, legend and text-mark type at the projector's sizes (a text mark's own
    smaller size included)."""
    c = c.copy(deep=True)
    for part in getattr(c, "layer", None) or [c]:
        mark = getattr(part, "mark", None)
        if isinstance(mark, alt.MarkDef) and mark.type == "text" \
                and isinstance(mark.fontSize, (int, float)) and mark.fontSize < CHART_FONT_PX:
            mark.fontSize = CHART_FONT_PX
    if isinstance(c.height, int):  # room for the larger labels; a long y title is shortened
        c.height = round(c.height * CHART_GROW)  # with "…" rather than cut off at the top
        c = c.configure_axisY(titleLimit=c.height)
    return (c.configure_axis(labelFontSize=CHART_FONT_PX, titleFontSize=CHART_TITLE_PX)
             .configure_legend(labelFontSize=CHART_FONT_PX, titleFontSize=CHART_TITLE_PX)
             .configure_text(fontSize=CHART_FONT_PX))


def _is_styler(data) -> bool:
    return type(data).__name__ == "Styler"


def _short(v) -> str:
    """A float with at most two decimals and no trailing zeros: 0.5, 8.37, 100."""
    if not _number(v) or v != v:  # NaN
        return "" if v != v else str(v)
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
