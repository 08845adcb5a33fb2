"""The session's language and ``t(key, **params)``, the one lookup pages and ui call.

Resolution, first match wins: ``?lang=ja|en`` in the address (a share link can carry it), the
sidebar selector "言語 / Language" (which writes ``?lang=`` too, so a copied address keeps the
choice), the browser's language (``st.context.locale``), then ``[ui] language`` in
playground.toml. The choice is kept in ``st.session_state``: every tab has its own language,
nothing is process-wide.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.config import load_config
from playground.errors import PlaygroundError
from playground.i18n import LANGUAGES, NAMES, lookup, normalize

LANG_KEY = "i18n_lang"           # session: "en" or "ja"
SELECT_KEY = "i18n_lang_select"  # the sidebar selector's own widget state


@st.cache_resource(show_spinner=False)
def _configured() -> str:
    try:
        return load_config().ui.language
    except PlaygroundError:  # a broken playground.toml is reported elsewhere
        return "en"


def _browser() -> str | None:
    try:
        return normalize(st.context.locale)
    except Exception:  # bare mode (scripts) has no browser context
        return None


def language() -> str:
    """This session's language: ``"en"`` or ``"ja"``."""
    asked = normalize(st.query_params.get("lang"))
    if asked:
        st.session_state[LANG_KEY] = asked
        return asked
    lang = st.session_state.get(LANG_KEY)
    if lang not in LANGUAGES:
        lang = st.session_state[LANG_KEY] = _browser() or _configured()
    return lang


def t(key: str, **params) -> str:
    """The text of ``key`` in this session's language, ``params`` filled in."""
    return lookup(language(), key, **params)


def error_text(err: Exception) -> str:
    """A PlaygroundError in this session's language when it carries a key, else its message."""
    key = getattr(err, "key", None)
    if key:
        text = t(key, **(getattr(err, "params", None) or {}))
        if text != key:
            return text
    return str(err)


def _chosen() -> None:
    lang = st.session_state[SELECT_KEY]
    st.session_state[LANG_KEY] = lang
    st.query_params["lang"] = lang  # only this parameter: share-link parameters stay


def language_selector() -> None:
    """The sidebar's "言語 / Language" selector (the same label in both languages)."""
    lang = language()
    st.session_state[SELECT_KEY] = lang  # follows ?lang= and the browser until changed here
    st.selectbox("言語 / Language", LANGUAGES, key=SELECT_KEY, format_func=NAMES.get,
                 on_change=_chosen)
