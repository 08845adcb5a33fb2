"""LLM workshop playground: ``streamlit run app.py``.

Navigation, page config and the shared sidebar live here; each page is a thin file in pages/.
"""

import streamlit as st

from playground.ui.sidebar import render_sidebar

st.set_page_config(page_title="LLM workshop playground", page_icon="🧪", layout="wide")

PAGES = {
    "Generate": [
        st.Page("pages/generate.py", title="Generate", icon=":material/edit_note:",
                default=True),
    ],
}

page = st.navigation(PAGES)
render_sidebar()
page.run()
