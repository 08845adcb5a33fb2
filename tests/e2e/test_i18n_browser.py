"""Languages in a real browser: ?lang=ja, the sidebar selector, the browser's own language, and
two tabs in two languages at the same time (the language is per session, never per process)."""

import pytest
from playwright.sync_api import expect

from playground.room.langdefaults import JA_PROMPT
from tests.e2e.conftest import fill, wait_idle

pytestmark = pytest.mark.browser


def expect_title(page, text: str) -> None:
    """The page's title, waited for: a click's rerun or a page switch may not have drawn it
    when the old page last reported idle."""
    expect(page.locator("h1").first).to_have_text(text, timeout=30_000)


def choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option).click()
    page.wait_for_timeout(300)
    wait_idle(page)


def test_lang_in_the_address_switches_and_stays_across_pages(new_session):
    page = new_session("?lang=ja&foo=bar")
    expect_title(page, "生成")
    # a Japanese tab's Generate starts on gemma-3-270m with a Japanese prompt
    # (the box's value, waited for: the first run can still be drawing when the page is idle)
    expect(page.get_by_label("プロンプト", exact=True)).to_have_value(JA_PROMPT, timeout=20_000)
    page.get_by_role("link", name="設定の比較").click()
    wait_idle(page)
    expect_title(page, "デコーディング設定の比較")


@pytest.mark.slow  # test_walk32_browser.py switches language in the sidebar both ways
def test_the_sidebar_selector_switches_and_keeps_other_parameters(new_session):
    page = new_session("?foo=bar")
    expect_title(page, "Generate")
    choose(page, "言語 / Language", "日本語")
    expect_title(page, "生成")
    assert "lang=ja" in page.url and "foo=bar" in page.url  # share-link parameters stay
    choose(page, "言語 / Language", "English")
    expect_title(page, "Generate")
    assert "lang=en" in page.url


def test_two_tabs_in_two_languages_at_the_same_time(new_session):
    ja, en = new_session("?lang=ja"), new_session()
    for i in range(2):  # each edit reruns that tab's script while the other tab stays open
        fill(ja, "プロンプト", f"Tell me about the sea, part {i}.")
        fill(en, "Prompt", f"Tell me about the moon, part {i}.")
        expect_title(ja, "生成")
        expect_title(en, "Generate")
    assert ja.get_by_text("モデルへの入力").count() == 1
    assert en.get_by_text("Model input: exactly what").count() == 1
    assert en.get_by_text("モデルへの入力").count() == 0


def test_a_japanese_browser_gets_japanese(browser, app_url):
    ctx = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        page.goto(app_url)
        wait_idle(page)
        expect_title(page, "生成")
    finally:
        ctx.close()
