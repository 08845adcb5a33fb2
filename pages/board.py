"""Room board: what the room posted, live, newest first, with the room's own sweep chart."""

import streamlit as st

from playground.room.board import PAGES, steps
from playground.room.store import room_store
from playground.ui.board_view import PAGE_TITLES, instructor_tools, live_board
from playground.ui.resources import ensure_app_shell

ensure_app_shell()  # a first visit straight to /board still gets the sidebar
st.title("Room board")
st.caption("Results the room posted with **Post to the room** on Generate, Compare settings, "
           "Persona chat and RAG. New posts appear within a few seconds, without a click.")

admin = bool(st.session_state.get("admin_ok"))
left, right = st.columns(2)
page = left.selectbox("Page", [None, *PAGES], key="board_page",
                      format_func=lambda p: "all pages" if p is None else PAGE_TITLES[p])
step = right.selectbox("Lesson step", [None, *steps(room_store())], key="board_step",
                       format_func=lambda s: "all steps" if s is None else s)
if admin:
    with st.expander("Instructor: export, clear"):
        instructor_tools()

live_board(page, step, admin)
