"""The sidebar in a 900 px tall window (issue 26: the decoding settings sat below the page list,
language, model and device lines, out of sight without scrolling the sidebar)."""

import time

import pytest

from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.browser


def test_decoding_settings_are_visible_in_a_900px_window_and_every_page_is_reachable(
        browser, app_url):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        page.goto(app_url)
        wait_idle(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        mode = sidebar.locator(".st-key-gen_mode")

        def bottom() -> float:
            box = mode.bounding_box()
            return box["y"] + box["height"] if box else float("inf")
        # the page's style arrives with the run; a loaded machine may draw it a moment later
        deadline = time.monotonic() + 15
        while bottom() > 900 and time.monotonic() < deadline:
            time.sleep(0.25)
        box = mode.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900, box  # no scrolling
        model = sidebar.get_by_text("Model", exact=True).bounding_box()
        device = sidebar.get_by_text("Device:", exact=False).first.bounding_box()
        assert model["y"] < box["y"] < device["y"]  # model, decoding, then the device lines
        # the page list scrolls on its own: its last pages are still one click away
        sidebar.get_by_role("link", name="Persona chat").click()
        page.get_by_role("heading", name="Persona chat").wait_for(timeout=60_000)
        wait_idle(page)
        box = sidebar.locator(".st-key-persona_preset").bounding_box()  # the page's own
        assert box is not None and box["y"] + box["height"] <= 900, box  # controls come first
    finally:
        ctx.close()
