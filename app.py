"""LLM workshop playground: ``streamlit run app.py``.

Navigation, page config and the shared sidebar live here; each page is a thin file in pages/.
"""

import streamlit as st

from playground.ui.board_view import touch_presence
from playground.ui.room_bar import room_bar
from playground.ui.sidebar import render_sidebar

st.set_page_config(page_title="LLM workshop playground", page_icon="🧪", layout="wide")

PAGES = {
    "Generate": [
        st.Page("pages/generate.py", title="Generate", icon=":material/edit_note:",
                default=True),
    ],
    "Sampling lab": [
        st.Page("pages/sampling_compare.py", title="Compare settings",
                icon=":material/view_column:"),
        st.Page("pages/sampling_lens.py", title="Decoding lens", icon=":material/search:"),
        st.Page("pages/sampling_toy.py", title="Toy distribution", icon=":material/bar_chart:"),
        st.Page("pages/sampling_sweep.py", title="Sweep", icon=":material/grid_on:"),
    ],
    "Prompting": [
        st.Page("pages/prompt_lab.py", title="Prompt lab", icon=":material/science:"),
        st.Page("pages/base_vs_chat.py", title="Base vs chat", icon=":material/compare:"),
        st.Page("pages/chat_template.py", title="Chat template", icon=":material/data_object:"),
        st.Page("pages/tokenizer_model.py", title="Tokenizer & model", icon=":material/token:"),
        st.Page("pages/persona_chat.py", title="Persona chat", icon=":material/theater_comedy:"),
    ],
    "RAG": [
        st.Page("pages/rag.py", title="RAG: answers from sources",
                icon=":material/travel_explore:"),
    ],
    "Quantization": [
        st.Page("pages/quantization.py", title="Quantization: 32 to 4 bits",
                icon=":material/memory:"),
    ],
    "Room": [
        st.Page("pages/board.py", title="Room board", icon=":material/forum:"),
    ],
    "Instructor": [
        st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:"),
    ],
}

page = st.navigation(PAGES, expanded=True)  # all pages visible, not "View 3 more"
st.session_state["app_shell"] = True  # see playground.ui.resources.ensure_app_shell
room_bar(page)  # a link's inputs (before any widget), the room's step, presenter view
render_sidebar()
touch_presence(page.url_path)  # the Admin page's list of participants
page.run()
