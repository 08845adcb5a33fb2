"""The model and the language-dependent defaults of the page this run shows.

One choice per group of pages (``langdefaults.model_group``): in an English tab one model for
every page, as before; in a Japanese tab the raw-text pages start on gemma-3-270m and the chat
pages on the configured chat model, each group keeping what the participant picks. A model set
from outside the picker (a share link, a lesson step) becomes the group's choice.

Package ``playground.ui``: may import streamlit and every package below it.
"""

from __future__ import annotations

import streamlit as st

from playground.room import langdefaults
from playground.room.pages import MODEL_KEY, PAGES, configured_model
from playground.ui.i18n import language

CHOICES = "model_by_group"   # session: group -> the model picked for it
WRITTEN = "model_written"    # session: what this module last put into MODEL_KEY



def _session_language() -> str:
    """The language of the field defaults: this session's inside a script run, English outside
    one. ``language()`` alone answers outside a run with the language of the last run in the
    process, i.e. another session's: after a Japanese tab (or a Japanese AppTest) a link decoded
    by a thread or a plain test got gemma-3-270m and Japanese prompts as its defaults."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return "en"
    return language()


langdefaults.set_language_source(_session_language)


def current_page() -> str:
    """The page file this script run shows (``pages/<name>.py`` -> name), "" if unknown."""
    from pathlib import Path

    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return ""
    manager = ctx.pages_manager
    info = manager.get_pages().get(manager.current_page_script_hash) or {}
    return Path(info.get("script_path") or "").stem


def page_name(url_path: str | None) -> str:
    if url_path is None:
        return current_page()
    path = url_path.strip("/")
    for spec in PAGES.values():
        if path in (spec.url_path, spec.name):
            return spec.name
    return path


def prepare(url_path: str | None = None) -> str:
    """Before the sidebar's picker: put this page's model into MODEL_KEY (and, in a Japanese
    tab, the page's Japanese default prompts into inputs that hold nothing: never touched, or
    dropped by Streamlit when the page was left). Returns the page."""
    page = page_name(url_path)
    lang = language()
    state = st.session_state
    choices = state.setdefault(CHOICES, {})
    group = langdefaults.model_group(page, lang)
    current = state.get(MODEL_KEY)
    if current and current != state.get(WRITTEN):  # a link, a lesson step, a test
        choices[group] = current
    model = choices.get(group) or langdefaults.default_model(page, configured_model(), lang)
    state[MODEL_KEY] = state[WRITTEN] = model
    if lang == "ja" and page in PAGES:  # an input without state shows the page's default
        for f in PAGES[page].fields:
            if getattr(f.default, "by_language", False) and f.key not in state:
                state[f.key] = f.to_widget(f.default_for({}))
    return page


def picked(page: str, name: str) -> None:
    """The participant picked ``name`` in the sidebar on ``page``."""
    st.session_state.setdefault(CHOICES, {})[langdefaults.model_group(page, language())] = name
    st.session_state[MODEL_KEY] = st.session_state[WRITTEN] = name
