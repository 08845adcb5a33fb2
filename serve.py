"""The server: ``streamlit run serve.py`` (what scripts/run.sh does) serves app.py's pages.

It is app.py behind one ASGI middleware (Streamlit's documented ``st.App``): an address that is
no page lands on the app's own "no such page" in the tab's language instead of a blank tab
(playground/ui/unknown_paths.py). ``streamlit run app.py`` still works, without that.
"""

import streamlit as st
from starlette.middleware import Middleware

from playground.ui.unknown_paths import UnknownPaths

app = st.App("app.py", middleware=[Middleware(UnknownPaths)])
