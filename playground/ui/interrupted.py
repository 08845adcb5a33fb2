"""Generations cut off by a server restart: recorded while they stream, told after it.

``tracked()`` wraps a page's streaming loop (``widgets.stream_outputs``,
``prompt_widgets.stream_handles``); ``notice()``, called by app.py on every run, shows this
browser the generations an earlier server process never finished (``playground.room.inflight``)
until the participant dismisses it.

Package ``playground.ui``: may import streamlit and every package below it.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import streamlit as st

from playground.room import inflight
from playground.room.store import RoomStoreError, room_store
from playground.ui.i18n import t
from playground.ui.identity import client_id, session_id

PAGE = "current_page_path"     # session: the URL path of the page this run draws
CHECKED = "interrupted_checked"  # session: the database was asked once
SHOWN = "interrupted_notes"      # session: what is still shown, [(page title, started)]


def _store():
    try:
        return room_store()
    except RoomStoreError:
        return None


@contextmanager
def tracked():
    """Around a streaming loop: its record exists exactly while it streams."""
    store = _store()
    if store is None:
        yield
        return
    client, session = client_id(), session_id()
    inflight.begin(store, client, session, st.session_state.get(PAGE, ""))
    try:
        yield
    finally:
        inflight.end(store, client, session)


def notice(url_path: str, titles: dict[str, str]) -> None:
    """Remember this run's page; tell once per session what a restart cut off, until OK."""
    st.session_state[PAGE] = url_path
    if not st.session_state.get(CHECKED):
        st.session_state[CHECKED] = True
        store = _store()
        lost = inflight.take_interrupted(store, client_id()) if store is not None else []
        st.session_state[SHOWN] = [(titles.get(i.page, i.page), i.started) for i in lost]
    shown = st.session_state.get(SHOWN) or []
    if not shown:
        return
    pages = ", ".join(dict.fromkeys(title for title, _ in shown))
    began = time.strftime("%H:%M", time.localtime(min(s for _, s in shown)))
    with st.container(key="interrupted_notice"):
        st.warning(t("interrupted.notice", pages=pages, time=began),
                   icon=":material/power_off:")
        if st.button(t("interrupted.dismiss"), key="interrupted_ok"):
            st.session_state[SHOWN] = []
            st.rerun()
