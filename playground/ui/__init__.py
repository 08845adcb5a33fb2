"""Streamlit glue: the only place outside ``pages/`` and ``app.py`` that imports streamlit.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

# Streamlit treats a pages/ folder as an old-style multipage app until some session has called
# st.navigation, so a first visit straight to /rag would run pages/rag.py alone, without app.py's
# navigation and sidebar. This app always navigates through app.py: say so as soon as any page
# is imported; ui.resources.ensure_app_shell then reruns that first run once, through app.py.
from streamlit.runtime.pages_manager import PagesManager as _PagesManager  # noqa: E402

_PagesManager.uses_pages_directory = False
