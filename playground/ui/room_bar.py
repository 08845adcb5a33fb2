"""The room's strip at the top of every page: the link to this step, the presenter view, the
instructor's broadcast and lesson plan, and every participant's banner for the current step.

The banner is a fragment that reruns every ``POLL_S`` seconds in every tab. Each run reads one
number (the room database's ``broadcast`` counter) and fetches the step only when it moved, so
an idle room costs the server a small, measured amount (README: "The room").

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.errors import PlaygroundError
from playground.room import broadcast
from playground.room.lessons import LessonError, list_plans, load_plan
from playground.room.store import room_store
from playground.ui import admin_login, presenter
from playground.ui.resources import registry
from playground.ui.i18n import error_text, language, t, tr
from playground.ui.share import (apply_query_link, current_link, link_widget, open_step,
                                 show_link_notes, spec_for)

POLL_S = 2.0                    # a new step reaches every tab within POLL_S + one rerun
SEEN_VERSION = "room_bc_seen"   # session: the counter value this tab has fetched
STEP = "room_bc_step"           # session: the broadcast this tab shows (or None)
PRESENTER = presenter.TOGGLE
LESSON = "room_lesson"          # session (instructor): (plan file, step index)
SHARE_POP, LESSON_POP = "room_share_pop", "room_lesson_pop"  # the popovers' keys (a stem)
CLOSED = "room_pop_closed"  # session: {popover: how many times an action has closed it}


def is_instructor() -> bool:
    """Whoever logged in on the Admin page in this browser session."""
    return bool(st.session_state.get("admin_ok"))


def room_bar(page) -> None:
    """Call in app.py after ``st.navigation`` and before the sidebar and ``page.run()``."""
    admin_login.restore(registry().config.admin.password_env)  # a reload keeps the login
    spec = spec_for(page.url_path)
    apply_query_link(spec)  # before any widget of the page exists
    # the instructor's controls stay off the projector: they are for the laptop, not the room
    instructor = is_instructor() and not presenter.is_on()
    with st.container(key=presenter.TOP):  # first on the projector, banner included
        # one row of controls as wide as their labels, wrapping when the window is narrow
        # (fixed columns cut "このステップへのリンク" and "プレゼンター表示" at 1,400 px)
        row = st.container(horizontal=True, vertical_alignment="center", gap="medium")
        if spec is not None:
            link_widget(spec, row)
        row.toggle(t("room_bar.presenter"), key=PRESENTER, help=t("room_bar.presenter_help"))
        presenter.apply()
        if instructor:
            _instructor(spec, row, row)
        show_link_notes()
        _banner()


def _instructor(spec, share_col, lesson_col) -> None:
    store = room_store()
    with share_col.popover(t("room_bar.share_with_the_room"), icon=":material/campaign:",
                           key=_pop_key(SHARE_POP), on_change="rerun"):
        if spec is None:
            st.caption(t("room_bar.no_inputs_to_share"))
        else:
            note = st.text_input(t("room_bar.note_for_the_room"), key="room_note",
                                 max_chars=broadcast.MAX_NOTE,
                                 placeholder=t("room_bar.note_placeholder"))
            if st.button(t("room_bar.share_this_step"), type="primary", key="room_share",
                         on_click=_close, args=(SHARE_POP,)):
                try:
                    broadcast.publish(store, current_link(spec), note)
                    st.toast(t("room_bar.shared"), icon=":material/campaign:")
                except PlaygroundError as err:
                    st.error(error_text(err))
        if st.button(t("room_bar.clear_the_step"), key="room_clear",
                     on_click=_close, args=(SHARE_POP,)):
            broadcast.clear(store)
    with lesson_col:
        _lesson_controls(store)


def _close(popover: str) -> None:
    """A button's callback: its popover closes once its action is done (it stayed open over the
    page, on the projector too). The popover is drawn again under a new key, as a new element:
    the browser keeps a popover open until the server's "open" changes, and on a loaded server
    the run that would have said "open" (the click that opened it) can be overtaken by the
    action's run, so "closed" would be no change and the popover would stay open."""
    closed = st.session_state.setdefault(CLOSED, {})
    closed[popover] = closed.get(popover, 0) + 1


def _pop_key(popover: str) -> str:
    return f"{popover}_{st.session_state.get(CLOSED, {}).get(popover, 0)}"


def _lesson_controls(store) -> None:
    from playground.ui.resources import registry
    plans = list_plans(registry().config.room.lesson_dir)
    if not plans:
        st.caption(t("room_bar.no_lesson_plans"))
        return
    with st.popover(t("room_bar.lesson_plan"), icon=":material/school:",
                    key=_pop_key(LESSON_POP),
                    on_change="rerun"):
        chosen = st.selectbox(t("room_bar.plan"), plans, format_func=lambda p: p.name,
                              key="room_plan")
        try:
            plan = load_plan(chosen)
        except LessonError as err:
            st.error(error_text(err))
            return
        path, index = st.session_state.get(LESSON, (str(chosen), -1))
        if path != str(chosen):
            index = -1
        st.caption(t("room_bar.plan_steps", title=tr(plan.title), n=len(plan.steps)))
        if 0 <= index < len(plan.steps):
            st.markdown(t("room_bar.step_of", i=index + 1, n=len(plan.steps),
                          note=_escape(plan.steps[index].note_for(language()))))
        prev_col, next_col = st.columns(2)
        target = None
        if prev_col.button(t("room_bar.previous"), key="room_prev", disabled=index <= 0,
                           on_click=_close, args=(LESSON_POP,)):
            target = index - 1
        if next_col.button(t("room_bar.next") if index >= 0 else t("room_bar.start"),
                           key="room_next", type="primary",
                           disabled=index >= len(plan.steps) - 1,
                           on_click=_close, args=(LESSON_POP,)):
            target = index + 1
    if target is not None:
        step = plan.steps[target]
        st.session_state[LESSON] = (str(chosen), target)
        broadcast.publish(store, step.link, step.note)  # each tab shows its own language
        open_step(step.link)


@st.cache_data(ttl=60, show_spinner=False)
def _note_translations(lesson_dir: str) -> dict[str, dict[str, str]]:
    """``{note in either language: {"en": note, "ja": note_ja, "title_en": title, "title_ja":
    title_ja}}`` over the room's lesson plans, so a step shared from a plan (and a post made
    under it) reads in each tab's own language (read again after 60 s)."""
    out: dict[str, dict[str, str]] = {}
    for path in list_plans(lesson_dir):
        try:
            plan = load_plan(path)
        except LessonError:
            continue
        for step in plan.steps:
            if step.note:
                both = {"en": step.note, "ja": step.note_for("ja"),
                        "title_en": step.title, "title_ja": step.title_for("ja")}
                out[step.note] = out[step.note_for("ja")] = both
    return out


def _lesson_step(note: str) -> dict[str, str] | None:
    from playground.ui.resources import registry
    if not note:
        return None
    return _note_translations(str(registry().config.room.lesson_dir or "")).get(note)


def localized_note(note: str) -> str:
    """A broadcast's note in this tab's language when it is a lesson step's note (a note the
    instructor typed stays as typed)."""
    both = _lesson_step(note)
    return both[language()] if both else note


def step_title(note: str) -> str:
    """The lesson step's title in this tab's language ("" for a step without one, or a note
    the instructor typed)."""
    both = _lesson_step(note)
    return both["title_" + language()] if both else ""


def step_label(step: str) -> str:
    """How a post's lesson step reads on the Board: the step's title in this tab's language,
    else its note in this tab's language, else the step as stored (a typed note, a link)."""
    return step_title(step) or localized_note(step)


@st.fragment(run_every=POLL_S)
def _banner() -> None:
    """The room's current step for this tab: polls one number, fetches on change."""
    store = room_store()
    version = broadcast.version(store)
    if st.session_state.get(SEEN_VERSION) != version:
        st.session_state[SEEN_VERSION] = version
        st.session_state[STEP] = broadcast.current(store)
    step = st.session_state.get(STEP)
    if step is None:
        return
    if is_instructor() and not presenter.is_on():
        st.caption(t("room_bar.room_sees", note=localized_note(step.note)
                     or t("room_bar.no_note")))
        return
    with st.container(border=True, key="room_banner"):
        text, button = st.columns([6, 1])
        title = step_title(step.note)
        text.markdown(t("room_bar.from_the_instructor",
                        note=(f"**{_escape(title)}** · " if title else "")
                        + (_escape(localized_note(step.note)) or t("room_bar.a_new_step"))))
        if is_instructor():  # the projector shows the room what it was sent; no Open for it
            return
        if button.button(t("room_bar.open"), key=f"room_open_{step.version}", type="primary"):
            open_step(step.link)


def _escape(text: str) -> str:
    """A note is shown as text: no Markdown links, images or HTML from it."""
    out = text
    for ch in "\\`*_{}[]()<>#+!|~$":
        out = out.replace(ch, "\\" + ch)
    return out
