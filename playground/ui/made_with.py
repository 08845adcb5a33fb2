"""A result's "Made with: …" line, and the inputs a board post carries.

A page calls ``remember(page)`` when its main button is pressed (after its widgets are drawn,
before it runs anything): the page's inputs and the room's lesson step at that moment are kept
in session state as the result's capture. ``made_with(page)`` draws, under the result, one line
naming those inputs, and says when the page's inputs have changed since (the result stays on
screen under other inputs). "Post to the room" posts the capture (``made(page)``), so that a
post's Open reproduces its text and is filed under the step it was made in.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.room import board
from playground.room.madewith import changed, short, summary
from playground.room.pages import page_spec
from playground.room.store import room_store
from playground.ui.i18n import t
from playground.ui.share import read_inputs
from playground.ui.text import as_text

KEY = "made_with_{page}"   # session: {"inputs": {...}, "step": "..."} of the shown result
ICON = {False: ":material/tune: ", True: ":material/history: "}  # inputs changed since or not


def page_inputs(page: str) -> dict:
    """The page's inputs as this session has them now: the same reading as the page's own
    "Link to this step"."""
    return read_inputs(page_spec(page))


def capture(page: str) -> dict:
    """The page's inputs now and the room's lesson step now ("" when none)."""
    try:
        step = board.current_step(room_store())
    except Exception:  # no room database (a broken path): the result still gets its inputs
        step = ""
    return {"inputs": page_inputs(page), "step": step}


def remember(page: str) -> dict:
    """Call when the page's main button is pressed: keep what is making the next result."""
    made = st.session_state[KEY.format(page=page)] = capture(page)
    return made


def made(page: str) -> dict | None:
    """The capture of the result on screen (None: the page has made nothing yet)."""
    return st.session_state.get(KEY.format(page=page))


def forget(page: str) -> None:
    st.session_state.pop(KEY.format(page=page), None)


def _name(name: str, page: str = "") -> str:
    """An input's name in this tab's language ("col2.top_p": the column's prefix kept); a
    page's own name first (RAG's ``n`` counts search results, not samples)."""
    prefix, dot, base = name.rpartition(".")
    for key in (f"made_with.page_names.{page}.{base}", f"made_with.names.{base}"):
        text = t(key)
        if text != key:
            return prefix + dot + text
    return prefix + dot + base


def _shown(name: str, value, page: str = "") -> str:
    if name == "…":
        return "…"
    prefix, dot, base = name.rpartition(".")
    if base == "do_sample":
        return prefix + dot + (t("made_with.sampling") if value else t("made_with.greedy"))
    if name == "chat":
        return t("made_with.chat") if value else t("made_with.raw")
    if isinstance(value, bool):
        return f"{_name(name, page)} " + (t("made_with.on") if value else t("made_with.off"))
    if name == "model":  # a model's name, as the sidebar shows it
        return f"{_name(name, page)} {value}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return f"{_name(name, page)} " + t("made_with.rows", n=len(value))
    if isinstance(value, str) and t(f"made_with.values.{value}") != f"made_with.values.{value}":
        return f"{_name(name, page)} {t(f'made_with.values.{value}')}"  # a choice's code
    return f"{_name(name, page)} {short(value)}"


def line(page: str, inputs: dict, now: dict) -> tuple[str, list[str]]:
    """The label's text and the names of the inputs changed since (empty: none)."""
    parts = [_shown(n, v, page) for n, v in summary(page, inputs)]
    diff = changed(page, inputs, now)
    text = t("made_with.made_with", inputs=", ".join(parts) or "–")
    if diff:
        text += t("made_with.changed_since", names=", ".join(_name(n, page) for n in diff))
    return text, diff


def made_with(page: str, container=None, where: str = "") -> None:
    """Under a result: "Made with: …", and "inputs changed since (…)" when they have."""
    m = made(page)
    if not m:
        return
    text, diff = line(page, m["inputs"], page_inputs(page))
    # ``where``: one of a page's result areas (Prompt lab has two; one run can draw both)
    with (container or st).container(key=f"made_with_{page}{where and '_' + where}"):
        st.caption(ICON[bool(diff)] + as_text(text))
