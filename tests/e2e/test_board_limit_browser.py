"""The board's posts-per-minute limit follows the browser: a reload (a new Streamlit session)
does not reset it."""

from pathlib import Path

import pytest

from tests.e2e.conftest import serve, wait_idle

# slow, opt-in: tests/room/test_board.py (the per-participant limit on the real database)
pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = Path("/tmp/shots/board")


def _generate_and_post(page) -> None:
    page.get_by_role("button", name="Generate").click()
    wait_idle(page)
    page.get_by_role("button", name="Post to the room").click()
    page.get_by_role("button", name="Post", exact=True).click()
    wait_idle(page)


def test_a_participant_who_reloads_between_posts_is_still_limited(browser, tmp_path):
    (tmp_path / "playground.toml").write_text("[room]\nposts_per_minute = 1\n")
    server = serve(tmp_path, {"PLAYGROUND_CONFIG": str(tmp_path / "playground.toml")})
    url = next(server)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        page.goto(f"{url}/?max_new_tokens=4")
        wait_idle(page)
        _generate_and_post(page)
        page.get_by_text("Posted to the room board").wait_for(timeout=30_000)
        assert any(c["name"] == "playground_pid" for c in ctx.cookies())
        page.reload()  # a new session of the same browser
        wait_idle(page)
        _generate_and_post(page)
        page.get_by_text("you can post 1 times a minute").wait_for(timeout=30_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "limit_after_reload.png"))
        # another browser (another participant) may still post
        other = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page2 = other.new_page()
            page2.goto(f"{url}/?max_new_tokens=4")
            wait_idle(page2)
            _generate_and_post(page2)
            page2.get_by_text("Posted to the room board").wait_for(timeout=30_000)
        finally:
            other.close()
    finally:
        ctx.close()
        next(server, None)
