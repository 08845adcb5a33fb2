"""LLM workshop playground: ``streamlit run app.py``.

Navigation, page config and the shared sidebar live here; each page is a thin file in pages/.
"""

import streamlit as st

from playground.ui.board_view import touch_presence
from playground.ui.i18n import t
from playground.ui.interrupted import notice
from playground.ui.room_bar import room_bar
from playground.ui.sidebar import render_sidebar

st.set_page_config(page_title=t("nav.app_title"), page_icon="🧪", layout="wide")

PAGES = {
    t("nav.generate_section"): [
        st.Page("pages/generate.py", title=t("nav.generate"), icon=":material/edit_note:",
                default=True),
    ],
    t("nav.sampling_lab"): [
        st.Page("pages/sampling_compare.py", title=t("nav.compare"),
                icon=":material/view_column:"),
        st.Page("pages/sampling_lens.py", title=t("nav.lens"), icon=":material/search:"),
        st.Page("pages/sampling_toy.py", title=t("nav.toy"), icon=":material/bar_chart:"),
        st.Page("pages/sampling_sweep.py", title=t("nav.sweep"), icon=":material/grid_on:"),
    ],
    t("nav.prompting"): [
        st.Page("pages/prompt_lab.py", title=t("nav.prompt_lab"), icon=":material/science:"),
        st.Page("pages/base_vs_chat.py", title=t("nav.base_vs_chat"), icon=":material/compare:"),
        st.Page("pages/chat_template.py", title=t("nav.chat_template"), icon=":material/data_object:"),
        st.Page("pages/tokenizer_model.py", title=t("nav.tokenizer_model"), icon=":material/token:"),
        st.Page("pages/inside_model.py", title=t("nav.inside_model"), icon=":material/neurology:"),
        st.Page("pages/persona_chat.py", title=t("nav.persona_chat"), icon=":material/theater_comedy:"),
    ],
    t("finetune.nav_section"): [
        st.Page("pages/finetune.py", title=t("finetune.nav"), icon=":material/model_training:"),
    ],
    t("nav.rag_section"): [
        st.Page("pages/rag.py", title=t("nav.rag"),
                icon=":material/travel_explore:"),
    ],
    t("nav.quantization_section"): [
        st.Page("pages/quantization.py", title=t("nav.quantization"),
                icon=":material/memory:"),
    ],
    t("nav.room_section"): [
        st.Page("pages/board.py", title=t("nav.board"), icon=":material/forum:"),
    ],
    t("nav.instructor"): [
        st.Page("pages/admin.py", title=t("nav.admin"), icon=":material/admin_panel_settings:"),
        # where serve.py sends unknown addresses (playground/ui/unknown_paths.py)
        st.Page("pages/not_found.py", title=t("not_found.title"), icon=":material/help:",
                visibility="hidden"),
    ],
}

page = st.navigation(PAGES, expanded=True)  # all pages visible, not "View 3 more"
st.session_state["app_shell"] = True  # see playground.ui.resources.ensure_app_shell
room_bar(page)  # a link's inputs (before any widget), the room's step, presenter view
render_sidebar(page.url_path)
touch_presence(page.url_path)  # the Admin page's list of participants
notice(page.url_path, {p.url_path: p.title for group in PAGES.values() for p in group})
page.run()
