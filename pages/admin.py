"""Admin (instructor): resident models and their queues, load/unload, the Hugging Face cache."""

import streamlit as st

from playground.admin import (CacheMissingError, budget_report, cache_report, cache_table,
                              check_password, default_cache_dir, delete_revisions,
                              evicted_report, expected_password, freed_bytes, human_size,
                              resident_report)
from playground.errors import PlaygroundError
from playground.loadtest import last_rehearsal, start_rehearsal
from playground.ui.resources import ensure_app_shell, registry
from playground.ui.widgets import show_error


def _secret() -> str | None:
    try:  # st.secrets raises when there is no secrets.toml at all
        return st.secrets.get("admin_password")
    except Exception:
        return None


def _delete(folder: str, hashes: list[str]) -> None:
    """Button callback: runs before the rerun, so the table below is already up to date."""
    try:
        freed = delete_revisions(folder, hashes)
        st.session_state["admin_flash"] = ("success", f"Deleted {len(hashes)} revision(s), "
                                                      f"freed {human_size(freed)}.")
    except PlaygroundError as err:
        st.session_state["admin_flash"] = ("error", str(err))
    st.session_state["admin_revisions"] = []


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
    if submitted and check_password(given, expected):
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

st.subheader("Rehearse the room")
st.caption("Simulated participants (threads) send their own prompts and settings to this "
           "server's generation service again and again, while you open a few tabs and use "
           "the pages yourself. Every stream is checked: it must complete and never show "
           "another session's text. Use it before a workshop, not during one.")
job = last_rehearsal()
running = job is not None and not job.done
resident = reg.resident()
with st.form("admin_rehearsal"):
    a, b, c, d = st.columns(4)
    target = a.selectbox("model", [m.name for m in resident] or [reg.config.models.default],
                         key="admin_rh_model")
    sessions = b.number_input("simulated sessions", 1, 128, 32, key="admin_rh_sessions")
    minutes = c.number_input("minutes", 0.1, 30.0, 5.0, step=0.5, key="admin_rh_minutes")
    new_tokens = d.number_input("new tokens per request", 1, 256, 24, key="admin_rh_tokens")
    start = st.form_submit_button("Start the rehearsal", type="primary", disabled=running,
                                  key="admin_rh_go")
if start:
    try:
        loaded = reg.load(target, instructor=True)
        job = start_rehearsal(loaded, int(sessions), float(minutes), int(new_tokens))
        running = True
    except Exception as err:
        show_error(err)


@st.fragment(run_every=2 if running else None)
def rehearsal_status() -> None:
    job = last_rehearsal()
    if job is None:
        return
    if not job.done:
        st.progress(job.fraction, text=f"Rehearsal running: {job.message}")
        if st.button("Stop the rehearsal", key="admin_rehearsal_stop"):
            job.cancel()
        return
    try:
        report = job.result(timeout=0)
    except Exception as err:
        show_error(err)
        return
    (st.success if report.ok else st.error)(("Passed: " if report.ok else "Failed: ")
                                            + report.summary())


rehearsal_status()

st.subheader("Hugging Face cache on disk")
folder = st.text_input("Cache folder", default_cache_dir(), key="admin_cache_dir",
                       help="HF_HUB_CACHE by default (set HF_HOME for a shared cache).")
flash = st.session_state.pop("admin_flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(flash[1])
try:
    report = cache_report(folder)
except CacheMissingError as err:
    st.info(str(err)[:1].upper() + str(err)[1:] + ".")
    st.stop()
except PlaygroundError as err:
    st.error(str(err))
    st.stop()

st.caption(f"{report.repos} repos, {len(report.rows)} revisions, "
           f"{human_size(report.size_bytes)} on disk in {report.folder}")
for warning in report.warnings:
    st.warning(f"Skipped a damaged entry: {warning}")
if not report.rows:
    st.info("The cache is empty.")
    st.stop()
loaded_ids = {m.spec.location for m in reg.resident()}
st.dataframe(cache_table(report, loaded_ids), hide_index=True, width="stretch")
labels = {r.commit_hash: r.label for r in report.rows}
chosen = st.multiselect("Revisions to delete", list(labels), format_func=labels.get,
                        key="admin_revisions",
                        help="A detached revision is one no branch or tag points to any more.")
if chosen:
    st.warning(f"Deleting {len(chosen)} revision(s) frees "
               f"{human_size(freed_bytes(folder, chosen))}. The files are gone for good; a "
               f"model that needs them downloads them again.")
st.button("Delete selected revisions", type="primary", disabled=not chosen,
          on_click=_delete, args=(folder, list(chosen)), key="admin_delete")
