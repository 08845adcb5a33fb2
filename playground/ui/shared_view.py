"""Following a shared heavy job (quantization comparison, sweep) on a page.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import time

import streamlit as st

from playground.room.admin import ago
from playground.room.shared import Watch
from playground.ui.i18n import t, tr
from playground.ui.widgets import session_alive


def waiting_text(watch) -> str:
    """"You and 4 others are waiting for this." (empty when nobody else is)."""
    others = getattr(watch, "others", 0)
    if not others:
        return ""
    return t("shared_view.waiting_others", n=others)


def follow(key: str, watch: Watch, bar) -> object:
    """Progress in ``bar`` until the shared job ends; its result (raises its error).

    The watch is parked in ``st.session_state[key]``: a rerun (Stop) or a closed tab stops this
    viewer watching (``interrupted``); the job goes on while anyone else waits for it."""
    st.session_state[key] = watch
    while not watch.done:
        if not session_alive():
            watch.cancel()
            break
        together = waiting_text(watch)
        bar.progress(watch.fraction, text=f"{tr(watch.message)}. {together}".strip())
        time.sleep(0.3)
    st.session_state[key] = None
    return watch.result(timeout=0 if watch.done else None)


def interrupted(key: str) -> bool:
    """True if this session was watching a job when its run was cut short (it stops watching)."""
    watch = st.session_state.get(key)
    if watch is None:
        return False
    st.session_state[key] = None
    watch.cancel()
    return True


def cached_note(watch: Watch, key: str) -> None:
    """Say that a result was computed earlier; the instructor may have it computed again
    (the new watch is parked in ``st.session_state[key]`` for the page to follow)."""
    if not getattr(watch, "from_cache", False):
        return
    when = watch.computed_at
    st.caption(t("shared_view.cached", when=f" ({tr(ago(time.time() - when))})" if when else ""))
    if st.session_state.get("admin_ok"):
        st.button(t("shared_view.run_again"), key=f"{key}_again",
                  on_click=lambda: st.session_state.update({key: watch.again()}))
