"""Admin (instructor): resident models and their queues, load/unload, the Hugging Face cache."""

import streamlit as st

from playground.errors import PlaygroundError
from playground.room.admin import (budget_report, expected_password, login_throttle,
                                   resident_report)
from playground.ui import admin_login, presenter
from playground.ui.adapters_view import adapters_section
from playground.ui.room_data_view import room_dataset_section
from playground.ui.admin_view import budget_section, cache_section, rehearsal_section
from playground.ui.resources import ensure_app_shell, registry
from playground.ui.sessions_view import sessions_section
from playground.ui.widgets import session_key, show_error
from playground.ui.i18n import headers, t, tr


ensure_app_shell()  # a first visit straight to /admin still gets the sidebar
st.title(t("admin.admin"))
reg = registry()
env = reg.config.admin.password_env
expected = expected_password(env, admin_login.admin_secret())
if expected is None:
    st.info(t("admin.the_admin_page_is", env=env))
    st.stop()

if not st.session_state.get("admin_ok"):
    with st.form("admin_login"):
        given = st.text_input(t("admin.admin_password"), type="password")
        submitted = st.form_submit_button(t("admin.log_in"), type="primary")
    try:  # slowed down after a few wrong tries, per session and server-wide
        ok = submitted and login_throttle().attempt(session_key("admin"), given, expected)
    except PlaygroundError as err:
        show_error(err)
        st.stop()
    if ok:
        admin_login.logged_in(expected)  # this session, and a cookie that a reload keeps
        st.rerun()
    if submitted:
        st.error(t("admin.wrong_password"))
    st.stop()

if st.sidebar.button(t("admin.log_out_of_admin")):
    admin_login.log_out()  # the token is revoked and the cookie deleted
    st.rerun()

st.subheader(t("admin.models_in_memory"))
if "admin_model_flash" in st.session_state:
    st.success(st.session_state.pop("admin_model_flash"))
budget = budget_report(reg)
st.progress(budget["fraction"], text=t("admin.used_mb_0f_mb", used_mb=budget['used_mb'], budget_mb=budget['budget_mb']))
live = st.toggle(t("admin.live_figures_refresh_every"), key="admin_live")


@st.fragment(run_every=2 if live else None)
def resident_table() -> None:
    rows = [{**r, "last used": tr(r["last used"])} for r in resident_report(reg)]
    if rows:
        presenter.table(headers(rows), hide_index=True, width="stretch")
    else:
        st.caption(t("admin.no_model_is_loaded"))


resident_table()
budget_section(reg)  # who was unloaded or refused for the budget, and why
adapters_section(reg)  # the Fine-tuning page's adapters: share with the room, remove
room_dataset_section(reg)  # the room's own dataset: review, export, train, broadcast

left, right = st.columns(2)
with left:
    name = st.selectbox(t("admin.load_a_model_any"), list(reg.catalog),
                        key="admin_load_name")
    typed = st.text_input(t("admin.or_a_hugging_face"), key="admin_load_typed",
                          placeholder=t("admin.org_model"))
    if st.button(t("admin.load"), key="admin_load"):
        target = typed.strip() or name
        try:
            with st.status(t("admin.loading_target", target=target), expanded=True):
                loaded = reg.load(target, instructor=True, progress=lambda m: st.write(tr(m)))
            st.session_state["admin_model_flash"] = t("admin.model_loaded", name=loaded.name,
                                                      seconds=f"{loaded.load_seconds:.1f}")
            st.rerun()  # the table above shows it now
        except Exception as err:
            show_error(err)
with right:
    resident = [m.name for m in reg.resident()]
    victim = st.selectbox(t("admin.unload_a_model"), resident, disabled=not resident,
                          key="admin_unload_" + "|".join(resident))  # new list, first picked
    if st.button(t("admin.unload"), key="admin_unload", disabled=victim is None):
        reg.unload(victim, reason=f"{victim} was unloaded by the instructor; pick it again to "
                                  f"reload it")
        st.rerun()

sessions_section(reg)
rehearsal_section(reg)
cache_section(reg)
