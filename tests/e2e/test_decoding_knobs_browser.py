"""Generate's decoding knobs of issue 32 in a real browser: a link opens max_length and beam
search in the sidebar's section, the page shows the prompt's share of max_length, the beams'
text arrives with the note that says where it ran."""

import os
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.browser


def test_a_link_opens_max_length_and_beams_and_the_page_explains_them(new_session):
    query = urlencode({"chat": "0", "prompt": "The capital of France is", "max_length": "12",
                       "num_beams": "3", "no_repeat_ngram_size": "2"})
    page = new_session(f"?{query}")
    page.get_by_text("The prompt takes 5 of max_length 12 tokens").wait_for(timeout=60_000)
    page.get_by_text("Repetition, length and beam search").click()
    page.get_by_text("outside the shared batch").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_text("tok/s").wait_for(timeout=180_000)
    wait_idle(page)
    assert "generated 7 tokens" in page.get_by_text("tok/s").inner_text()
    shots = os.environ.get("PLAYGROUND_SHOTS")  # where a person looks at it, if asked
    if shots:
        page.screenshot(path=os.path.join(shots, "generate-decoding-knobs.png"), full_page=True)


def test_a_japanese_tab_shows_the_knobs_and_the_share_in_japanese(new_session):
    query = urlencode({"lang": "ja", "chat": "0", "prompt": "The capital of France is",
                       "max_length": "12", "repetition_penalty": "1.3"})
    page = new_session(f"?{query}")
    page.get_by_text("プロンプトは max_length 12 トークンのうち").wait_for(timeout=60_000)
    section = page.get_by_text("繰り返し・長さ・ビームサーチ")
    section.wait_for(timeout=30_000)
    page.get_by_text("repetition_penalty (1 = オフ)").wait_for(timeout=30_000)  # open: set by the link
    shots = os.environ.get("PLAYGROUND_SHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, "generate-decoding-knobs-ja.png"), full_page=True)
