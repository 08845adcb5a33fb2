"""RAG page in a real browser with no web: an honest "unavailable" within 5 s, then an answer
from a pasted document whose [1] citation links to its source card."""

import re
import time

import pytest

from tests.e2e.conftest import fill, wait_idle

# slow, opt-in: tests/pages/test_rag.py (offline search, a pasted document, citations)
pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOCUMENT = ("Mount Kita is 3,193 metres high. It is the second-highest mountain in Japan. "
            "Climbers usually start from Hirogawara.")


def open_rag(new_session, max_new_tokens: int):
    page = new_session()  # through the root, as a participant arrives
    more = page.get_by_text(re.compile(r"^View \d+ more$"))  # a long navigation is folded
    if more.count():
        more.first.click()
    page.get_by_role("link", name="RAG: answers from sources").click()
    page.get_by_role("heading", name="RAG: answers from sources").wait_for(timeout=60_000)
    wait_idle(page)
    slider = page.locator("[data-testid='stSlider']").filter(has_text="max_new_tokens")
    thumb = slider.get_by_role("slider")
    thumb.focus()
    thumb.press("Home")  # 1 token, then one step per key press
    for _ in range(max_new_tokens - 1):
        thumb.press("ArrowRight")
    page.wait_for_timeout(500)
    wait_idle(page)
    return page


def test_offline_search_is_honest_and_a_pasted_document_answers_with_a_citation(new_session):
    page = open_rag(new_session, max_new_tokens=24)
    fill(page, "Question", "How high is Mount Kita?")
    start = time.monotonic()
    page.get_by_role("button", name="Search and answer").click()
    page.get_by_text("search is unavailable from this machine").wait_for(timeout=5_000)
    assert time.monotonic() - start < 5.0
    wait_idle(page)
    assert page.get_by_role("button", name="Answer without web context").is_visible()
    assert page.get_by_text("Traceback").count() == 0

    page.get_by_role("radiogroup", name="Sources from").get_by_text("Local documents").click()
    wait_idle(page)
    fill(page, "Paste a document", DOCUMENT)
    page.get_by_role("button", name="Answer from documents").click()
    page.get_by_text("Cites [1] pasted text · chunk 1").wait_for(timeout=240_000)
    wait_idle(page)
    assert page.get_by_text("Traceback").count() == 0
    citation = page.get_by_role("link", name="[1]", exact=True)
    assert citation.count() == 1 and citation.get_attribute("href") == "#rag-source-1"
    card = page.locator("#rag-source-1")
    assert card.count() == 1
    citation.click()
    page.wait_for_timeout(500)
    assert page.url.endswith("#rag-source-1") and len(page.context.pages) == 1
    assert page.get_by_text("3,193 metres high").first.is_visible()
