"""The workshop server's Streamlit settings: no traceback in browsers, the upload limit the
RAG page uses (Streamlit's counts whole MB)."""

import tomllib

from playground.rag.documents import MAX_DOCUMENT_BYTES
from tests.conftest import ROOT


def test_no_error_details_and_the_pages_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    limit = config["server"]["maxUploadSize"] * 2**20
    assert MAX_DOCUMENT_BYTES <= limit < MAX_DOCUMENT_BYTES + 2**20  # the nearest whole MB


def test_links_putting_inputs_into_session_state_are_not_warned_about():
    """Links and lesson steps set widget values through session state on purpose (issue 26:
    Streamlit logged a warning with a stack for it); tests/e2e/test_share_link_log_browser.py
    opens a step in a browser and reads the log."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["global"]["disableWidgetStateDuplicationWarning"] is True


def test_safety_md_states_the_upload_limit_in_bytes_as_the_code_has_it():
    text = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8").replace("\n  ", " ")
    assert f"at most {MAX_DOCUMENT_BYTES:,} bytes" in text
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert f"{config['server']['maxUploadSize'] * 2**20:,} bytes" in text
    assert "1,048 kB" not in text and "1,000 kB" not in text
