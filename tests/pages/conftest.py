"""Fixtures of the page tests (AppTest through app.py, on the real embedded model)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(smol):
    """A fresh session (a new browser tab) on the default page, after its first run."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    return at
