"""A tab waiting in the queue shows one Generate button (issue 26: the tab whose first run had
loaded the model kept that run's Generate and Stop buttons on screen, one place lower, while it
waited)."""

import pytest

from tests.e2e.conftest import serve, wait_idle

# slow, opt-in: tests/pages/test_hardening.py (the busy message), tests/serving (the queue)
pytestmark = [pytest.mark.browser, pytest.mark.slow]
STREAMING = "[data-testid='stMarkdownContainer']:has-text('▌')"


@pytest.fixture(scope="module")
def queue_url(tmp_path_factory):
    """A server of its own: the first tab must be the one that loads the model."""
    folder = tmp_path_factory.mktemp("streamlit-queue")
    (folder / "playground.toml").write_text(
        "[service]\nmax_queue = 1\nmax_batch_rows = 1\ncontinuous = false\n")
    yield from serve(folder, {"PLAYGROUND_CONFIG": str(folder / "playground.toml")})


def test_a_waiting_tab_shows_one_generate_button(browser, queue_url):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000})
                for _ in range(2)]
    try:
        first, second = (ctx.new_page() for ctx in contexts)
        first.goto(queue_url)
        wait_idle(first)
        first.get_by_text("loaded in").wait_for(timeout=60_000)  # this tab loaded the model
        second.goto(queue_url)
        wait_idle(second)
        second.get_by_role("button", name="Generate").click()
        second.locator(STREAMING).first.wait_for(timeout=60_000)
        first.get_by_role("button", name="Generate").click()
        first.get_by_text("Waiting for the model").wait_for(timeout=30_000)
        first.wait_for_timeout(300)
        main = first.locator("[data-testid='stMain']")  # not the toolbar's own Stop
        assert main.get_by_role("button", name="Generate").count() == 1
        assert main.get_by_role("button", name="Stop", exact=True).count() == 1
    finally:
        for ctx in contexts:
            ctx.close()
