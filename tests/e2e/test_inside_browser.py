"""Inside the model in a real browser: each tab draws its chart; screenshots of the similarity
heatmap, the 2-D map, the logit lens and attention go to test-artifacts/inside/."""

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.browser
SHOTS = ROOT / "test-artifacts" / "inside"


def visible_charts(page):
    return page.locator("[data-testid='stVegaLiteChart']:visible")


def shoot_tab(page, tab: str, name: str, charts: int) -> None:
    page.get_by_role("tab", name=tab).click()
    wait_idle(page)
    shown = visible_charts(page)
    shown.nth(charts - 1).locator("canvas, svg").first.wait_for(timeout=60_000)
    assert shown.count() == charts
    page.wait_for_timeout(500)  # let Vega finish drawing before the picture
    for i in range(charts):
        shown.nth(i).screenshot(path=str(SHOTS / f"{name}_{i + 1}.png"))
    page.screenshot(path=str(SHOTS / f"{name}_page.png"), full_page=True)


def test_the_inside_page_draws_every_view(new_session):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_session("inside_model")
    page.get_by_role("tab", name="Similarity").wait_for(timeout=180_000)
    wait_idle(page, timeout=180_000)
    assert page.locator("[data-testid='stException']").count() == 0
    shoot_tab(page, "Hidden states", "hidden", 2)
    shoot_tab(page, "Similarity", "similarity", 2)     # the heatmap, the 2-D map
    assert page.get_by_text("is not an embedding model", exact=False).count() == 1
    shoot_tab(page, "Logit lens", "lens", 1)
    assert page.get_by_text("Paris", exact=False).count() >= 1
    shoot_tab(page, "Attention", "attention", 1)
    assert page.locator("[data-testid='stException']").count() == 0
