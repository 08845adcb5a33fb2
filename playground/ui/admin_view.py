"""Admin page sections: rehearse the room, and the Hugging Face cache on disk.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.room.admin import (CacheMissingError, budget_notes_report, cache_report,
                                   cache_table, default_cache_dir, delete_revisions,
                                   evicted_report, freed_bytes, human_size)
from playground.errors import PlaygroundError
from playground.bench.loadtest import last_rehearsal, start_rehearsal
from playground.serving.registry import Registry
from playground.ui import presenter
from playground.ui.widgets import show_error
from playground.ui.i18n import error_text, headers, t, tr


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
    st.subheader(t("admin_view.rehearse_the_room"))
    st.caption(t("admin_view.simulated_participants_threads_send"))
    job = last_rehearsal()
    running = job is not None and not job.done
    resident = reg.resident()
    with st.form("admin_rehearsal"):
        a, b, c, d = st.columns(4)
        target = a.selectbox(t("admin_view.model"), [m.name for m in resident] or [reg.config.models.default],
                             key="admin_rh_model")
        sessions = b.number_input(t("admin_view.simulated_sessions"), 1, 128, 32, key="admin_rh_sessions")
        minutes = c.number_input(t("admin_view.minutes"), 0.1, 30.0, 5.0, step=0.5, key="admin_rh_minutes")
        new_tokens = d.number_input(t("admin_view.new_tokens_per_request"), 1, 256, 24, key="admin_rh_tokens")
        start = st.form_submit_button(t("admin_view.start_the_rehearsal"), type="primary", disabled=running,
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
            st.progress(job.fraction, text=t("admin_view.rehearsal_running_message", message=job.message))
            if st.button(t("admin_view.stop_the_rehearsal"), key="admin_rehearsal_stop"):
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
    st.subheader(t("admin_view.hugging_face_cache_on"))
    folder = st.text_input(t("admin_view.cache_folder"), default_cache_dir(), key="admin_cache_dir",
                           help=t("admin_view.hf_hub_cache_by"))
    flash = st.session_state.pop("admin_flash", None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    try:
        report = cache_report(folder)
    except CacheMissingError as err:
        st.info(error_text(err))
        return
    except PlaygroundError as err:
        show_error(err)
        return

    st.caption(t("admin_view.repos_repos_len_revisions", repos=report.repos, len=len(report.rows), human_size=human_size(report.size_bytes), folder=report.folder))
    if report.warnings:  # one alert, however many entries are damaged
        with st.expander(t("admin_view.skipped_damaged_entries", n=len(report.warnings)),
                         icon=":material/warning:"):
            st.text("\n".join(report.warnings))
    if not report.rows:
        st.info(t("admin_view.the_cache_is_empty"))
        return
    loaded_ids = {m.spec.location for m in reg.resident()}
    presenter.table(headers(cache_table(report, loaded_ids)), hide_index=True, width="stretch")
    labels = {r.commit_hash: r.label for r in report.rows}
    chosen = st.multiselect(t("admin_view.revisions_to_delete"), list(labels), format_func=labels.get,
                            key="admin_revisions", placeholder=t("common.choose"),
                            help=t("admin_view.a_detached_revision_is"))
    if chosen:
        st.warning(t("admin_view.deleting_len_revision_s", len=len(chosen), human_size=human_size(freed_bytes(folder, chosen))))
    st.button(t("admin_view.delete_selected_revisions"), type="primary", disabled=not chosen,
              on_click=_delete, args=(folder, list(chosen)), key="admin_delete")


def budget_section(reg: Registry) -> None:
    """Models unloaded for the memory budget, and loads it refused, newest first (each in this
    session's language), then the models not loaded now and why."""
    notes = list(reg.budget_notes)  # one snapshot: other sessions may load meanwhile
    if notes:
        st.caption(t("admin_view.budget_decisions", budget_mb=reg.budget_bytes / 2**20))
        rows = budget_notes_report(notes)
        for row, note in zip(rows, reversed(notes)):
            row["when"] = tr(row["when"])
            row["what happened"] = (error_text(PlaygroundError(note.refused, key=note.key,
                                                               params=note.params))
                                    if note.refused else tr(note.text()))
        presenter.table(headers(rows), hide_index=True, width="stretch")
    evicted = evicted_report(reg)
    if evicted:
        st.caption(t("admin.unloaded_since_the_server"))
        for row in evicted:
            row["why it is not loaded"] = tr(row["why it is not loaded"])
        presenter.table(headers(evicted), hide_index=True, width="stretch")
