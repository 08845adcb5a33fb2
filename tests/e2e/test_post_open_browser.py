"""A board post reproduces its result (issue 26): a greedy Generate result is posted after the
poster changed their inputs; another participant, in a Japanese tab, presses the post's Open on
the board and lands, in the same tab and still in Japanese, on the post's settings, and
Generate there writes the posted text again."""

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fill, wait_idle

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/posts")


def max_new_tokens(page, *keys: str) -> None:
    thumb = page.locator(".st-key-gen_max_new_tokens").get_by_role("slider")
    thumb.focus()
    for key in keys:
        thumb.press(key)
    page.wait_for_timeout(500)
    wait_idle(page)


def made_with(page) -> str:
    label = page.locator(".st-key-made_with_generate")
    label.wait_for(timeout=120_000)
    return label.inner_text()


def test_a_greedy_post_made_before_an_input_change_opens_in_the_same_tab_and_regenerates(
        new_session):
    name = f"poster-{uuid.uuid4().hex[:6]}"  # this test's post, whatever else the board has
    poster = new_session("?max_new_tokens=4")  # greedy (the default), 4 tokens
    poster.get_by_role("button", name="Generate", exact=True).click()
    assert "Made with: greedy, max_new_tokens 4" in made_with(poster)
    # the poster plays on before posting: another prompt, more tokens (no new result)
    fill(poster, "Prompt", "Write a haiku about tea.")
    max_new_tokens(poster, "ArrowRight", "ArrowRight")
    label = made_with(poster)
    assert "inputs changed since (max_new_tokens, prompt)" in label, label
    SHOTS.mkdir(parents=True, exist_ok=True)
    poster.screenshot(path=str(SHOTS / "made_with_changed.png"))
    poster.get_by_role("button", name="Post to the room").click()
    poster.get_by_label("Your name on the board (optional)").fill(name)
    poster.get_by_role("button", name="Post", exact=True).click()
    poster.get_by_text("Posted to the room board").wait_for(timeout=30_000)

    viewer = new_session("board?lang=ja")
    post = viewer.locator("[class*='st-key-board_post_']").filter(has_text=name)
    post.wait_for(timeout=30_000)
    posted = post.locator("[data-testid='stText']").nth(2).inner_text().strip()
    assert posted and "max_new_tokens=4" in post.inner_text()
    post.get_by_role("button", name="開く").click()  # Open, in Japanese
    viewer.get_by_role("heading", name="生成").first.wait_for(timeout=60_000)
    wait_idle(viewer)
    assert len(viewer.context.pages) == 1  # the same tab: no new session was opened
    assert "lang=ja" in viewer.url and "max_new_tokens=4" in viewer.url
    expect(viewer.get_by_label("プロンプト", exact=True)).to_have_value(
        "Tell me a story about a dragon.")  # the prompt that made the post, not the later one
    thumb = viewer.locator(".st-key-gen_max_new_tokens [data-testid='stSliderThumbValue']")
    expect(thumb).to_have_text("4")
    viewer.get_by_role("button", name="生成", exact=True).click()
    label = made_with(viewer)
    assert "この結果の入力: 貪欲法, max_new_tokens 4" in label and "その後" not in label
    main = viewer.locator("[data-testid='stMain']").inner_text()
    assert posted in main, (posted, main[:2000])  # greedy: the same text again
    viewer.screenshot(path=str(SHOTS / "open_landing_ja.png"))
