"""A page's inputs in and out of ``st.session_state``: the link to this step, and opening one.

A link is applied at the start of a run, before any widget exists (app.py calls
``apply_query_link`` before the sidebar and the page), and once per link: the inputs a
participant changes afterwards are not overwritten on the next rerun. Opening a step (a
broadcast's "Open", the lesson's Next) goes through the same path: ``open_step`` switches to the
page with the link's query parameters and forgets which link was applied last.

Query parameters that are not inputs (``lang``) are kept: never cleared, carried into links.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import streamlit as st

from playground.room.fields import Field
from playground.room.links import (PASSTHROUGH, LinkError, decode_link, encode_link,
                                   full_inputs)
from playground.room.pages import MODEL_KEY, PAGES, PageSpec, page_spec
from playground.ui.i18n import error_text, t, tr
from playground.ui.page_model import WRITTEN
from playground.ui.inputs import editor_value, set_editor_rows
from playground.ui.text import as_text

SEEN = "room_link_seen"     # session: the last link applied (page + its input parameters)
NOTES = "room_link_notes"   # session: what the last link applied had to ignore
OTHER_ID = "Other Hugging Face id…"  # = ui.prompt_widgets.OTHER


def spec_for(url_path: str) -> PageSpec | None:
    """The page with inputs behind ``st.navigation``'s page, or None (Admin)."""
    try:
        return page_spec(url_path)
    except LinkError:
        return None


# -- reading and writing a page's widgets ----------------------------------------------------

def read_inputs(spec: PageSpec) -> dict:
    """This session's current inputs on ``spec``'s page (defaults where a widget has no state)."""
    values: dict = {}
    for f in spec.fields:
        held = _held(f, f.session_key(values))
        value = None if held is None else f.from_widget(held)
        if value is not None:
            try:
                value = f.parse(value)
            except ValueError:
                value = None  # e.g. a typed model id a link cannot carry
        values[f.name] = f.default_for(values) if value is None else value
    return values


def _held(f: Field, key: str):
    state = st.session_state
    if f.kind == "rows":
        return editor_value(key, f.default_for({}))
    if f.extra.get("other_id") and state.get(key) == OTHER_ID:
        return state.get(f"{key}_id") or None
    return state.get(key)


def apply_inputs(spec: PageSpec, inputs: dict) -> None:
    """Put every input of the page into session state (``None``: the page's own default)."""
    values = {}
    for f in spec.fields:
        value = inputs.get(f.name)
        values[f.name] = f.default_for(values) if value is None else value
        key = f.session_key(values)
        if f.kind == "rows":
            set_editor_rows(key, values[f.name])
        elif value is None and f.default is None:
            st.session_state.pop(key, None)
        elif f.extra.get("other_id") and values[f.name] not in _catalog():
            st.session_state[key] = OTHER_ID
            st.session_state[f"{key}_id"] = values[f.name]
        else:
            st.session_state[key] = f.to_widget(values[f.name])
        if key == MODEL_KEY:  # the link's model is this page's choice, even when it is the
            st.session_state.pop(WRITTEN, None)  # model the last page had (page_model.prepare)


def _catalog() -> list[str]:
    from playground.ui.resources import registry
    return list(registry().catalog)


# -- links in and out --------------------------------------------------------------------------

def _input_params(params: dict) -> tuple:
    return tuple(sorted((k, v) for k, v in params.items() if k not in PASSTHROUGH))


def apply_query_link(spec: PageSpec | None) -> None:
    """Apply the URL's inputs to this page once (call before any widget is created)."""
    if spec is None:
        return
    params = st.query_params.to_dict()
    inputs = _input_params(params)
    if not inputs or st.session_state.get(SEEN) == (spec.name, inputs):
        return
    st.session_state[SEEN] = (spec.name, inputs)
    try:
        values, notes = _decode_params(spec, dict(inputs))
    except LinkError as err:
        st.session_state[NOTES] = [error_text(err)]
        return
    apply_inputs(spec, values)
    st.session_state[NOTES] = notes


def _decode_params(spec: PageSpec, params: dict) -> tuple[dict, list[str]]:
    """Like ``decode_link`` for parameters Streamlit has already split and unquoted."""
    _, values, notes = decode_link("/" + spec.url_path + "?" + urlencode(params, quote_via=quote))
    return values, notes


def current_link(spec: PageSpec) -> str:
    """The link to this step (path + query), ``lang`` kept. Raises ``LinkError`` (too long)."""
    values = read_inputs(spec)
    defaults, _ = full_inputs(spec.name, {})
    changed = {k: v for k, v in values.items() if v is not None and v != defaults.get(k)}
    keep = {k: v for k, v in st.query_params.to_dict().items() if k in PASSTHROUGH}
    return encode_link(spec.name, changed, keep=keep)


def absolute(link: str) -> str:
    """``/page?x`` as the whole address this browser used (for copying into a chat)."""
    try:
        parts = urlsplit(st.context.url or "")
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}{link}"
    except Exception:  # no browser context (AppTest): the path alone
        pass
    return link


def open_step(link: str) -> None:
    """Go to the link's page with its inputs (the same path a pasted link takes)."""
    page, _, _ = decode_link(link)
    params = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
    for k, v in st.query_params.to_dict().items():
        if k in PASSTHROUGH:
            params.setdefault(k, v)
    st.session_state.pop(SEEN, None)
    st.switch_page(PAGES[page].script, query_params=params)


def link_widget(spec: PageSpec, container=None) -> None:
    """The one-line "Link to this step" popover."""
    with (container or st).popover(t("share.link_to_this_step"), icon=":material/link:"):
        try:
            link = current_link(spec)
        except LinkError as err:
            st.error(error_text(err))
            return
        st.code(absolute(link), language=None, wrap_lines=True)
        st.caption(t("share.opens", title=tr(spec.title), length=f"{len(link):,}"))


def show_link_notes() -> None:
    """What the link just applied had to ignore (once, after applying it)."""
    notes = st.session_state.pop(NOTES, None)
    if notes:
        st.warning(t("share.ignored") + "\n\n"
                   + "\n".join(f"- {as_text(tr(n))}" for n in notes), icon=":material/link_off:")
