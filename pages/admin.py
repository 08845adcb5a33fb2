"""Admin (instructor): resident models and their queues, load/unload, the Hugging Face cache."""

import streamlit as st

from playground.errors import PlaygroundError
from playground.room.admin import (budget_report, evicted_report, expected_password,
                                   login_throttle, resident_report)
from playground.ui.admin_view import cache_section, rehearsal_section
from playground.ui.resources import ensure_app_shell, registry
from playground.ui.sessions_view import sessions_section
from playground.ui.widgets import session_key, show_error


def _secret() -> str | None:
    try:  # st.secrets raises when there is no secrets.toml at all
        return st.secrets.get("admin_password")
    except Exception:
        return None


ensure_app_shell()  # a first visit straight to /admin still gets the sidebar
st.title("Admin")
reg = registry()
env = reg.config.admin.password_env
expected = expected_password(env, _secret())
if expected is None:
    st.info(f"The admin page is disabled: no admin password is configured. To enable it, start "
            f"the server with the environment variable `{env}` set (its name is "
            f"`[admin] password_env` in playground.toml), or put `admin_password = \"…\"` in "
            f"`.streamlit/secrets.toml`.")
    st.stop()

if not st.session_state.get("admin_ok"):
    with st.form("admin_login"):
        given = st.text_input("Admin password", type="password")
        submitted = st.form_submit_button("Log in", type="primary")
    try:  # slowed down after a few wrong tries, per session and server-wide
        ok = submitted and login_throttle().attempt(session_key("admin"), given, expected)
    except PlaygroundError as err:
        show_error(err)
        st.stop()
    if ok:
        st.session_state["admin_ok"] = True  # this browser session only
        st.rerun()
    if submitted:
        st.error("Wrong password.")
    st.stop()

if st.sidebar.button("Log out of admin"):
    st.session_state["admin_ok"] = False
    st.rerun()

st.subheader("Models in memory")
if "admin_model_flash" in st.session_state:
    st.success(st.session_state.pop("admin_model_flash"))
budget = budget_report(reg)
st.progress(budget["fraction"], text=f"{budget['used_mb']:,.0f} MB of the "
                                     f"{budget['budget_mb']:,.0f} MB model memory budget in use")
live = st.toggle("Live figures (refresh every 2 s)", key="admin_live")


@st.fragment(run_every=2 if live else None)
def resident_table() -> None:
    rows = resident_report(reg)
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.caption("No model is loaded yet.")


resident_table()
evicted = evicted_report(reg)
if evicted:
    st.caption("Unloaded since the server started (sessions that used them see why):")
    st.dataframe(evicted, hide_index=True, width="stretch")

left, right = st.columns(2)
with left:
    name = st.selectbox("Load a model (any model, allow-list or not)", list(reg.catalog),
                        key="admin_load_name")
    typed = st.text_input("…or a Hugging Face id / folder", key="admin_load_typed",
                          placeholder="org/model")
    if st.button("Load", key="admin_load"):
        target = typed.strip() or name
        try:
            with st.status(f"Loading {target}…", expanded=True):
                loaded = reg.load(target, instructor=True, progress=st.write)
            st.session_state["admin_model_flash"] = (f"{loaded.name} is loaded "
                                                     f"({loaded.load_seconds:.1f} s).")
            st.rerun()  # the table above shows it now
        except Exception as err:
            show_error(err)
with right:
    resident = [m.name for m in reg.resident()]
    victim = st.selectbox("Unload a model", resident, disabled=not resident,
                          key="admin_unload_" + "|".join(resident))  # new list, first picked
    if st.button("Unload", key="admin_unload", disabled=victim is None):
        reg.unload(victim, reason=f"{victim} was unloaded by the instructor; pick it again to "
                                  f"reload it")
        st.rerun()

sessions_section(reg)
rehearsal_section(reg)
cache_section(reg)
