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

from collections.abc import Mapping

import streamlit as st

from playground.config import load_config
from playground.errors import PlaygroundError
from playground.i18n import LANGUAGES, NAMES, catalogue, lookup, normalize, translate

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


_last_run = {"lang": None}  # see language(): read only where no script run is going on


def language() -> str:
    """This session's language: ``"en"`` or ``"ja"``.

    Outside a script run (no session: AppTest formats a radio's value with its format_func in
    the test's own thread after the run) it is the language the last run resolved, so the
    labels match the options that run drew; on a server format functions only run inside a
    session's script run, which always resolves its own language."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None and _last_run["lang"]:
        return _last_run["lang"]
    asked = normalize(st.query_params.get("lang"))
    if asked:
        st.session_state[LANG_KEY] = asked
    else:
        asked = st.session_state.get(LANG_KEY)
        if asked not in LANGUAGES:
            asked = st.session_state[LANG_KEY] = _browser() or _configured()
    _last_run["lang"] = asked
    return asked


def t(key: str, **params) -> str:
    """The text of ``key`` in this session's language, ``params`` filled in."""
    return lookup(language(), key, **params)


def tr(text: str) -> str:
    """A text made in ``playground/`` (a setting's help, a preset's summary, a progress line,
    an error's message) in this session's language: ``playground.i18n.translate``."""
    return translate(language(), text)


def error_text(err: Exception) -> str:
    """A PlaygroundError in this session's language: by its key and params when it carries
    them, else by its English message (``tr``); the CLI prints ``str(err)``."""
    key = getattr(err, "key", None)
    if key:
        text = t(key, **(getattr(err, "params", None) or {}))
        if text != key:
            return text
    problems = getattr(err, "problems", None)
    if problems:
        return "; ".join(tr(p) for p in problems)
    return tr(str(err))


class Labels(Mapping):
    """``{code: label}`` whose labels are looked up as ``section.code`` in the session's
    language each time they are read (a module-level constant that is never process-wide)."""

    def __init__(self, section: str, codes):
        self.section, self.codes = section, tuple(codes)

    def __getitem__(self, code):
        if code not in self.codes:
            raise KeyError(code)
        return t(f"{self.section}.{code}")

    def __iter__(self):
        return iter(self.codes)

    def __len__(self):
        return len(self.codes)


def header(col: str) -> str:
    """One column name made in ``playground/``, in this session's language (see ``headers``)."""
    return catalogue(language()).get(f"columns.{col}", col)


def headers(data):
    """A table (rows as dicts, or a DataFrame) with its column names in this session's
    language: names made in ``playground/`` are looked up in ``[columns]`` by their English
    text (the CLI's JSON keeps them); a name with no entry stays as it is."""
    def name(col):
        return header(col) if isinstance(col, str) else col
    if isinstance(data, list):
        return [{name(k): v for k, v in row.items()} for row in data]
    return data.rename(columns=name)


def _chosen() -> None:
    lang = st.session_state[SELECT_KEY]
    st.session_state[LANG_KEY] = lang
    st.query_params["lang"] = lang  # only this parameter: share-link parameters stay
    _keep_choices()


def _keep_choices() -> None:
    """Give every radio and select box of the pages its value back after a language switch.

    Their labels are translated, so the switch draws them as new widgets, and the browser's
    state of the old ones names an option by its old (other-language) label: Generate's Input
    and Decoding radios showed nothing selected. Setting each kept value through session
    state again makes the new widget start from it."""
    from playground.room.pages import PAGES

    state = st.session_state
    for spec in PAGES.values():
        for f in spec.fields:
            if f.kind in ("choice", "bool") and "{" not in f.key and f.key in state:
                state[f.key] = state[f.key]


def language_selector() -> None:
    """The sidebar's "言語 / Language" selector (the same label in both languages)."""
    lang = language()
    st.session_state[SELECT_KEY] = lang  # follows ?lang= and the browser until changed here
    st.selectbox("言語 / Language", LANGUAGES, key=SELECT_KEY, format_func=NAMES.get,
                 on_change=_chosen)
