"""A shared Compare step opened in a real browser logs no Streamlit warning (issue 26: a
student's Open left 'The widget with key "compare_k" was created with a default value but also
had its value set via the Session State API' with a stack trace in the server log)."""

import pytest
from playwright.sync_api import expect

from playground.room.lessons import load_plan
from tests.conftest import ROOT
from tests.e2e.conftest import SERVER_LOGS, wait_idle

pytestmark = pytest.mark.browser


def test_opening_a_lesson_compare_step_logs_no_session_state_warning(new_session, app_url):
    plan = load_plan(ROOT / "playground" / "room" / "lessons" / "tutorial.toml")
    link = next(s.link for s in plan.steps if s.page in ("compare", "sampling_compare"))
    assert "columns=2" in link  # the step sets inputs that have widget defaults
    page = new_session(link.lstrip("/"))
    page.get_by_role("heading", name="Compare decoding settings").wait_for(timeout=60_000)
    wait_idle(page)
    seed = page.locator(".st-key-compare_seed input")
    expect(seed).to_have_value("3", timeout=20_000)  # the step's inputs arrived
    assert page.locator(".st-key-compare_col1_preset").is_visible()
    assert not page.locator(".st-key-compare_col2_preset").is_visible()  # 2 columns, not 4
    log = SERVER_LOGS[app_url].read_text()
    assert "Session State API" not in log, log[-3000:]
    assert "Traceback" not in log and "Stack (most recent call last)" not in log
