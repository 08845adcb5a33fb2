"""Shared, cached objects and the session's current model.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.errors import PlaygroundError
from playground.ui.text import show_error
from playground.serving.registry import LoadedModel, Registry, default_registry
from playground.ui.i18n import t, tr

MODEL_KEY = "model_name"    # session: the model this tab uses
TOKEN_KEY = "hf_token"      # session: a Hugging Face token, used for loads from this tab only


@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    """One registry for every session of this server process."""
    return default_registry()


def model_name() -> str:
    return st.session_state.get(MODEL_KEY) or registry().config.models.default


def ensure_app_shell() -> None:
    """Rerun once if this page ran without app.py's navigation and sidebar.

    Until some session has called st.navigation, Streamlit treats a pages/ folder as an
    old-style multipage app: a first visit straight to /rag runs pages/rag.py alone. Importing
    playground.ui switches Streamlit to st.navigation, so the rerun goes through app.py.
    """
    if not st.session_state.get("app_shell") and not st.session_state.get("app_shell_retry"):
        st.session_state["app_shell_retry"] = True
        st.rerun()


def _budget_line(reg: Registry, name: str, where=None) -> None:
    """While the memory budget keeps ``name`` loaded alone, one line says so: which model is
    loaded, which was unloaded for it, and the budget that cannot hold them together."""
    note = reg.budget_note(name)
    if note is not None:
        (where or st).info(tr(note.text()), icon=":material/memory:")


def current_model(where=None, needs_local: str | None = None) -> LoadedModel:
    """The session's model, loaded (once for the whole server) with visible progress.

    On a load error the page shows the message and stops; nothing half-loaded is kept.
    ``needs_local``: what the page does with the weights or tokenizer on this server (e.g.
    "The tokenizer explorer reads the model's tokenizer"); for a model served by a remote
    engine the page then says so and stops instead of failing.
    """
    loaded = _current_model(where)
    if needs_local and loaded.tokenizer is None:
        st.info(t("resources.needs_local_and_name", needs_local=needs_local, name=loaded.name))
        st.stop()
    return loaded


def _current_model(where=None) -> LoadedModel:
    ensure_app_shell()
    from playground.ui import page_model  # the page's model (its language and group)
    page_model.prepare()
    reg = registry()
    name = model_name()
    # The load's status box takes this one place in every run, drawn or empty: when it was
    # drawn only in the run that loaded the model, everything after it moved down one place in
    # the next run, and while a run waited in the queue the last run's Generate and Stop
    # buttons stayed on screen below the new ones (issue 26).
    slot = (where or st).empty()
    try:
        spec = reg.resolve(name)
        loaded = reg.get_loaded(spec.name)
        if loaded is not None:
            _budget_line(reg, spec.name, where)
            return loaded
        if spec.name in reg.evicted:  # unloaded while this tab was using it
            st.warning(tr(reg.evicted[spec.name]))
            if not st.button(t("resources.load_it_again"), key="model_reload"):
                st.stop()
        box = slot.container().status(t("resources.loading_name", name=spec.name),
                                      expanded=True)
        with box:
            loaded = reg.load(name, token=st.session_state.get(TOKEN_KEY) or None,
                              progress=lambda m: st.write(tr(m)))
        box.update(label=t("resources.name_loaded_in_load", name=spec.name, load_seconds=loaded.load_seconds),
                   state="complete", expanded=False)
        _budget_line(reg, spec.name, where)
        return loaded
    except PlaygroundError as err:
        show_error(err)
        st.info(t("resources.pick_another_model_in"))
        st.stop()
