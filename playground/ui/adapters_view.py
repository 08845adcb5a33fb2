"""Admin: the room's LoRA adapters: list them, share one with the room, remove them.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.serving.registry import Registry
from playground.tuning.adapters import adapter_rows, forget_adapter, share_with_room
from playground.ui import presenter
from playground.ui.i18n import headers, t


def adapters_section(reg: Registry) -> None:
    st.subheader(t("adapters_view.title"))
    st.caption(t("adapters_view.caption"))
    rows = adapter_rows(reg)
    if not rows:
        st.caption(t("adapters_view.none"))
        return
    owners = sorted({r["owner"] for r in rows if r["owner"]})  # sessions, never shown as ids
    shown = [{**r, "owner": t("adapters_view.participant", n=owners.index(r["owner"]) + 1)
              if r["owner"] else t("adapters_view.room")} for r in rows]
    presenter.table(headers(shown), hide_index=True, width="stretch")
    names = [r["name"] for r in rows]
    picked = st.multiselect(t("adapters_view.pick"), names, key="admin_adapters",
                            placeholder=t("common.choose"))
    left, right, _ = st.columns([1, 1, 3])
    if left.button(t("adapters_view.share"), key="admin_adapters_share", disabled=not picked):
        for name in picked:
            share_with_room(reg, name)
        st.session_state["admin_model_flash"] = t("adapters_view.shared", n=len(picked))
        st.rerun()
    if right.button(t("adapters_view.remove"), key="admin_adapters_remove", disabled=not picked):
        for name in picked:
            forget_adapter(reg, name)
        st.session_state["admin_model_flash"] = t("adapters_view.removed", n=len(picked))
        st.rerun()
