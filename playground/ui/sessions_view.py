"""Admin page section: the participants (sessions) active now, and stopping one's requests.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import time

import streamlit as st

from playground.room.admin import share_report
from playground.serving.fairshare import session_ledger
from playground.ui.i18n import header, t

FLASH_S = 10  # seconds the "Stopped ..." message stays (the list redraws every 3 s)


def _alive(session_id: str) -> bool:
    """Streamlit's own view: False once the tab has disconnected (closed, or gone away)."""
    from streamlit.runtime import exists, get_instance

    if not exists():  # bare mode (AppTest): nobody disconnects
        return True
    return get_instance().is_active_session(session_id)


def _stop(session_id: str, label: str) -> None:
    n = session_ledger().stop(session_id)
    st.session_state["admin_sessions_flash"] = (t("sessions_view.stopped", n=n, label=label),
                                                time.monotonic())


def sessions_section(registry) -> None:
    """One line per open tab: short anonymous id, display name, page, requests, tokens."""
    st.subheader(t("sessions_view.participants"))
    room = registry.config.room
    limits = []
    if room.tokens_per_minute:
        limits.append(t("sessions_view.tokens_per_minute", n=room.tokens_per_minute))
    if room.max_waiting:
        limits.append(t("sessions_view.waiting_requests", n=room.max_waiting))
    st.caption(t("sessions_view.open_tabs", limits=", ".join(limits) if limits
                 else t("sessions_view.no_limit")))

    @st.fragment(run_every=3)
    def session_list() -> None:
        flash = st.session_state.get("admin_sessions_flash")
        if flash and time.monotonic() - flash[1] < FLASH_S:  # inside: Stop reruns the fragment
            st.success(flash[0])
        rows = session_ledger().sessions(alive=_alive)
        if not rows:
            st.caption(t("sessions_view.nobody"))
            return
        shares = share_report(registry)
        head = st.columns([2, 3, 3, 2, 2, 2, 2])
        for col, title in zip(head, ("id", "name", "page", "running / all requests",
                                     "tokens (last min)", "rows now / share")):
            col.caption(header(title))
        for r in rows:
            cols = st.columns([2, 3, 3, 2, 2, 2, 2])
            mine = shares.get(r["session"])
            cols[0].text(r["id"])
            cols[1].text(r["name"] or "–")  # chosen by the participant: plain text only
            cols[2].text(r["page"])
            cols[3].text(f"{r['running requests']} / {r['requests']}")
            cols[4].text(str(r["tokens (last min)"]))
            cols[5].text(t("sessions_view.share", running=mine["running_rows"],
                           share=mine["share_rows"], waiting=mine["waiting_rows"])
                         if mine else "–")
            cols[6].button(t("sessions_view.stop"), key=f"admin_stop_{r['id']}", on_click=_stop,
                           args=(r["session"], r["id"]),
                           disabled=not r["running requests"],
                           help=t("sessions_view.stop_help"))

    session_list()
