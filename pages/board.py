"""Room board: what the room posted, live, newest first, with the room's own sweep chart."""

import streamlit as st

from playground.room.board import PAGES, steps
from playground.room.store import room_store
from playground.ui.board_view import instructor_tools, live_board, page_title
from playground.ui.i18n import t
from playground.ui.resources import ensure_app_shell
from playground.ui.room_bar import step_label

ensure_app_shell()  # a first visit straight to /board still gets the sidebar
st.title(t("board.title"))
st.caption(t("board.caption"))

admin = bool(st.session_state.get("admin_ok"))
left, right = st.columns(2)
page = left.selectbox(t("board.page"), [None, *PAGES], key="board_page",
                      format_func=lambda p: t("board.all_pages") if p is None else page_title(p))
step = right.selectbox(t("board.lesson_step"), [None, *steps(room_store())], key="board_step",
                       format_func=lambda s: t("board.all_steps") if s is None else step_label(s))
if admin:
    with st.expander(t("board.instructor_tools")):
        instructor_tools()

live_board(page, step, admin)
