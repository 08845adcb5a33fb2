"""The sidebar every page shares: model picker, access token, device and load state.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.diagnostics import device_summary
from playground.room.langdefaults import CHAT_PAGES, JA_CHAT_MODEL
from playground.ui import admin_login, page_model
from playground.ui.resources import MODEL_KEY, TOKEN_KEY, registry
from playground.ui.i18n import language, language_selector, t, tr
from playground.ui.identity import keep_client_id, session_id

OTHER = "Other Hugging Face id…"


def _label(reg, n: str) -> str:
    """The picker shows the name alone: with "(offline) · writes Japanese and English" after
    it, the box cut the label at 1,400 px; that part is the caption under it."""
    return t("sidebar.other") if n == OTHER else n


def _about(reg, n: str) -> str:
    spec = reg.catalog.get(n) or reg.adapter_specs[n]
    where = {"hf": "", "openai": t("sidebar.remote")}.get(spec.source, t("sidebar.offline"))
    return (where + (t("langmodel.writes_" + spec.writes) if spec.writes else "")).strip(" ·")


def _pick_model(page: str) -> None:
    reg = registry()
    names = list(reg.catalog) + reg.adapter_names(session_id()) + [OTHER]
    current = st.session_state.get(MODEL_KEY) or reg.config.models.default
    index = names.index(current) if current in names else len(names) - 1
    choice = st.selectbox(t("sidebar.model"), names, index=index,
                          format_func=lambda n: _label(reg, n),
                          help=t("sidebar.every_tab_shares_the") + " " + t("langmodel.help"))
    if choice != OTHER and _about(reg, choice):
        st.caption(_about(reg, choice))
    if language() == "ja" and page in CHAT_PAGES:
        st.caption(t("langmodel.ja_chat_page", name=current) if current == JA_CHAT_MODEL
                   else t("langmodel.chat_page"))
    if choice == OTHER:
        # a keyed field: with value= from the session the widget's identity changed on every
        # edit, so Streamlit reset it to the previous value (every second edit was undone)
        if "sidebar_hf_id" not in st.session_state:
            st.session_state["sidebar_hf_id"] = "" if current in reg.catalog else current
        typed = st.text_input(t("sidebar.hugging_face_id"), key="sidebar_hf_id", max_chars=200,
                              placeholder=t("sidebar.org_model_e_g"))
        if typed.strip() and typed.strip() != current:
            page_model.picked(page, typed.strip())
    elif choice != current:
        page_model.picked(page, choice)
    if choice == OTHER or reg.resolve(choice).source == "hf":
        _token_field()


def _token_field() -> None:
    """For any model from the Hub (gated ones need it): a password field, empty until the
    participant types, kept only in this tab's session and never shown back."""
    st.text_input(t("sidebar.access_token_gated_models"), type="password", key=TOKEN_KEY,
                  placeholder=t("sidebar.token_placeholder"), help=t("sidebar.token_help"))


def _device_and_state() -> None:
    dev = device_summary()
    label = "GPU" if dev["device"] == "cuda" else "RAM"
    st.caption(t("sidebar.device_device_name_label", device=dev['device'], name=tr(dev['name']), label=label, v3=dev['memory_used_mb'] / 1024, v4=dev['memory_total_mb'] / 1024))
    reg = registry()
    resident = reg.resident()
    if not resident:
        st.caption(t("sidebar.no_model_loaded_yet"))
    for m in resident:
        st.caption(t("sidebar.name_v1_0f_mb", name=m.name, v1=m.footprint_bytes / 2**20, removeprefix=str(m.dtype).removeprefix('torch.'), queue_depth=m.service.queue_depth()))


# The page's own sidebar controls (decoding settings) come right under the model picker, the
# device lines after them, and the page list scrolls within 40% of the window's height: in a
# 900 px tall window the decoding settings were below the fold (issue 26).
SIDEBAR_CSS = """<style>
[data-testid="stSidebarNavItems"] { max-height: 40vh; overflow-y: auto; }
[data-testid="stSidebarUserContent"]
  :has(> .st-key-sidebar_device) { order: 1; }
</style>"""


def render_sidebar(url_path: str | None = None) -> None:
    with st.sidebar:
        st.html(SIDEBAR_CSS)
        language_selector()
        page = page_model.prepare(url_path)
        _pick_model(page)
        with st.container(key="sidebar_device"):
            _device_and_state()
        keep_client_id()  # the board's limit follows the browser, not the tab
        admin_login.write_cookie()  # the instructor's login, for the next reload
