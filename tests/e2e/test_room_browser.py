"""Several participants at once in real browser tabs: batching, Stop, and the busy message."""

import pytest
from playwright.sync_api import expect


pytestmark = pytest.mark.browser
STREAMING = "[data-testid='stMarkdownContainer']:has-text('▌')"


def press_generate(page):
    page.get_by_role("button", name="Generate").click()


def test_two_tabs_stream_at_once_and_stop_stops_only_one(new_session):
    a, b = new_session(), new_session()
    press_generate(a)
    press_generate(b)
    a.locator(STREAMING).first.wait_for(timeout=60_000)
    b.locator(STREAMING).first.wait_for(timeout=60_000)  # both stream at the same time
    a.locator(".st-key-gen_stop button").filter(visible=True).first.click()
    expect(a.get_by_text("tok/s")).to_contain_text("stopped", timeout=60_000)
    assert b.locator(STREAMING).count() == 1  # b is still streaming after a stopped
    expect(b.get_by_text("tok/s")).to_contain_text("generated", timeout=120_000)
    assert "stopped" not in b.get_by_text("tok/s").inner_text()


@pytest.mark.slow  # its own one-row server; queue messages: tests/serving, tests/pages/test_hardening.py
def test_a_full_queue_says_busy_and_a_waiting_tab_sees_its_place(new_busy_session):
    tabs = [new_busy_session() for _ in range(3)]
    press_generate(tabs[0])
    tabs[0].locator(STREAMING).first.wait_for(timeout=60_000)
    press_generate(tabs[1])
    tabs[1].get_by_text("Waiting for the model").wait_for(timeout=30_000)
    press_generate(tabs[2])
    tabs[2].get_by_text("the server is busy, try again in a moment").wait_for(timeout=30_000)
    for tab in tabs[:2]:
        expect(tab.get_by_text("tok/s")).to_contain_text("generated", timeout=120_000)
