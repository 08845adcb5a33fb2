"""Admin page sections: rehearse the room, and the Hugging Face cache on disk.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.room.admin import (CacheMissingError, cache_report, cache_table, default_cache_dir,
                                   delete_revisions, freed_bytes, human_size)
from playground.errors import PlaygroundError
from playground.room.loadtest import last_rehearsal, start_rehearsal
from playground.serving.registry import Registry
from playground.ui.widgets import show_error


def _delete(folder: str, hashes: list[str]) -> None:
    """Button callback: runs before the rerun, so the table below is already up to date."""
    try:
        freed = delete_revisions(folder, hashes)
        st.session_state["admin_flash"] = ("success", f"Deleted {len(hashes)} revision(s), "
                                                      f"freed {human_size(freed)}.")
    except PlaygroundError as err:
        st.session_state["admin_flash"] = ("error", str(err))
    st.session_state["admin_revisions"] = []


def rehearsal_section(reg: Registry) -> None:
    """Simulated sessions against this server's service; a live status ends in a verdict."""
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


def cache_section(reg: Registry) -> None:
    """The cache's repos and revisions, and deleting chosen revisions."""
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
        return
    except PlaygroundError as err:
        show_error(err)
        return

    st.caption(f"{report.repos} repos, {len(report.rows)} revisions, "
               f"{human_size(report.size_bytes)} on disk in {report.folder}")
    if report.warnings:  # one alert, however many entries are damaged
        with st.expander(f"Skipped {len(report.warnings)} damaged cache "
                         f"entr{'y' if len(report.warnings) == 1 else 'ies'}",
                         icon=":material/warning:"):
            st.text("\n".join(report.warnings))
    if not report.rows:
        st.info("The cache is empty.")
        return
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
