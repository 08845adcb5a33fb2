"""A server killed while a participant's text streams: after the restart the page reconnects
by itself, and the participant is told that the generation was cut off and what to do."""

import re

from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import free_port, start_server, wait_healthy, wait_idle

import pytest

# slow, opt-in: tests/room/test_inflight.py (a killed process) and tests/pages/test_interrupted.py
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_generation_cut_off_by_a_restart_is_told_after_it(browser, tmp_path):
    port = free_port()
    first, url, _ = start_server(tmp_path, port, log_name="first.log")
    second = None
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        wait_healthy(url, first)
        page = ctx.new_page()
        page.goto(f"{url}/?lang=en&max_new_tokens=400")
        wait_idle(page)
        page.wait_for_function("() => document.cookie.includes('playground_pid=')",
                               timeout=30_000)  # the browser's id, written on its first run
        page.get_by_role("button", name="Generate", exact=True).click()
        page.locator("[data-testid='stMarkdownContainer']").filter(
            has_text=re.compile("▌")).first.wait_for(timeout=120_000)
        first.kill()  # mid-stream, no goodbye
        first.wait(timeout=30)

        second, _, log = start_server(tmp_path, port, log_name="second.log")
        wait_healthy(url, second)
        notice = page.get_by_text(re.compile("The server restarted while your generation on "
                                             "Generate was running"))
        expect(notice).to_be_visible(timeout=120_000)  # the page reconnects on its own
        shots = ROOT / "test-artifacts"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / "restart_notice.png"))
        page.get_by_role("button", name="OK", exact=True).click()
        expect(notice).to_have_count(0, timeout=30_000)

        other = ctx.browser.new_context().new_page()  # another browser: nothing to tell
        other.goto(f"{url}/?lang=en")
        wait_idle(other)
        expect(other.get_by_text(re.compile("The server restarted"))).to_have_count(0)
        other.context.close()
        assert "Traceback" not in log.read_text()
    finally:
        ctx.close()
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
