"""Screenshots at 1,400 px: README's picture of the Generate page, and the Japanese pages after
their main button (written to $PLAYGROUND_SHOTS, if set, to look at by hand).

README's picture is rewritten only with PLAYGROUND_WRITE_DOCS_IMG=1; otherwise the test checks
that the committed one exists and stays small.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import fill, wait_idle

pytestmark = pytest.mark.browser

README_IMG = ROOT / "docs" / "img" / "generate.png"
PRIMARY = "[data-testid='stBaseButton-primary']"


@pytest.mark.slow  # a picture for README, taken on an idle machine
def test_readme_screenshot_of_the_generate_page(new_session, tmp_path):
    page = new_session("generate?lang=en")
    fill(page, "Prompt", "The capital of France is")
    page.locator(PRIMARY).first.click()
    page.wait_for_timeout(500)
    wait_idle(page)
    out = README_IMG if os.environ.get("PLAYGROUND_WRITE_DOCS_IMG") == "1" else tmp_path / "g.png"
    page.set_viewport_size({"width": 1400, "height": 900})
    page.screenshot(path=str(out), type="png")
    assert README_IMG.exists() and README_IMG.stat().st_size < 200_000


@pytest.mark.slow  # screenshots; AppTest: tests/pages/test_japanese_actions.py
@pytest.mark.parametrize("path", ["sampling_compare", "sampling_lens"])
def test_japanese_page_after_its_main_button(new_session, path):
    page = new_session(f"{'generate' if path == 'presenter' else path}?lang=ja")
    page.locator(PRIMARY).first.click()
    page.wait_for_timeout(500)
    wait_idle(page, timeout=300_000)
    if path == "presenter":
        page.locator(".st-key-room_presenter label").first.click()
        page.wait_for_timeout(500)
        wait_idle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    shots = os.environ.get("PLAYGROUND_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"ja_{path}.png"), full_page=True)
