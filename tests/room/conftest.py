"""AppTest through app.py's navigation, as the real server runs every page.

AppTest resets Streamlit's "old-style pages/ folder" flag before every run, so a page switched
to in AppTest runs alone, without app.py (where links are applied and the room strip lives).
A real server clears that flag for good at the first ``st.navigation`` call; ``nav_app`` does
the same after each reset, so that every run goes through app.py.
"""

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def nav_app(smol, monkeypatch):
    """Factory: a fresh session (a new browser) through app.py, at ``page`` with ``query``."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False  # what st.navigation does on a server

    monkeypatch.setattr(PagesManager, "__init__", init)

    def open_app(page: str | None = None, query: dict | None = None, state: dict | None = None):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
        for k, v in (state or {}).items():
            at.session_state[k] = v
        at.run()
        assert not at.exception, at.exception
        if page is not None or query:
            for k, v in (query or {}).items():
                at.query_params[k] = v
            at.switch_page(page or "pages/generate.py").run()
        return at

    return open_app
