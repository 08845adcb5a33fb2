"""Presenter view: on the projector the page's result comes first, above the inputs."""

import pytest

from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.browser


def _top(page, selector: str) -> float:
    return page.evaluate("s => document.querySelector(s).getBoundingClientRect().top", selector)


def test_presenter_view_puts_the_result_above_the_inputs(new_session):
    page = new_session("")
    page.get_by_role("button", name="Generate").first.click()
    page.wait_for_timeout(1000)
    wait_idle(page)
    sample = "text=Sample 1"
    assert page.locator(sample).first.bounding_box()["y"] > _top(page, "[data-testid=stTextArea]")
    page.get_by_text("Presenter", exact=True).first.click()
    page.wait_for_timeout(500)
    wait_idle(page)
    assert page.locator(sample).first.bounding_box()["y"] < _top(page, "[data-testid=stTextArea]")
    assert not page.locator("[data-testid=stSidebar]").first.is_visible()
    title = page.locator("h1").first.bounding_box()["y"]
    assert title < page.locator(sample).first.bounding_box()["y"]
