"""Persona chat in a real browser: streamed turns, a Stop that stops only its own tab, and a
Clear that clears only its own tab's history."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_idle

# slow, opt-in: test_kansai_browser.py chats in a browser; tests/pages/test_persona_chat.py
pytestmark = [pytest.mark.browser, pytest.mark.slow]

MESSAGES = "[data-testid='stChatMessage']"
ASSISTANT = "[data-testid='stChatMessageAvatarAssistant']"
STORY = "Tell me a long story about your ship, your crew and your treasure."


def open_persona(new_session, keys: list[str] = ()):
    """A new participant on the Persona chat page with the Pirate preset; ``keys`` are pressed
    on the max_new_tokens slider (each press is a rerun: keep them few)."""
    page = new_session()  # through the root, as a participant arrives
    page.get_by_role("link", name="Persona chat").click()
    page.get_by_role("heading", name="Persona chat").wait_for(timeout=60_000)
    wait_idle(page)
    persona = page.locator("[data-testid='stSelectbox']").filter(
        has=page.get_by_text("Persona", exact=True))
    persona.scroll_into_view_if_needed()  # the list opens below it, inside the viewport
    persona.get_by_role("button", name="Open").click()
    page.get_by_role("option", name="Pirate").click()
    wait_idle(page)
    # the Pirate's own editor is on screen before anything else happens
    expect(system_prompt(page)).to_have_value(re.compile("old pirate captain"), timeout=30_000)
    if keys:
        slider = page.locator("[data-testid='stSlider']").filter(
        has=page.get_by_text("max_new_tokens", exact=True))
        thumb = slider.get_by_role("slider")
        thumb.focus()
        for key in keys:
            thumb.press(key)
        page.wait_for_timeout(500)
        wait_idle(page)
    expect(system_prompt(page)).to_have_value(re.compile("old pirate captain"))
    return page


def system_prompt(page):
    return page.get_by_role("textbox", name="System prompt")


def max_new_tokens(page) -> int:
    slider = page.locator("[data-testid='stSlider']").filter(
        has=page.get_by_text("max_new_tokens", exact=True))
    return int(slider.locator("[data-testid='stSliderThumbValue']").inner_text())


def send(page, text: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")


def streaming(page):
    """The assistant bubble that is being written (it ends with the ▌ cursor)."""
    return page.locator(MESSAGES, has_text="▌")


def lengths_while_streaming(page, distinct: int = 3, most: int = 100) -> list[int]:
    """Lengths of the streaming bubble's text, looked at every 0.3 s until it has shown
    ``distinct`` different lengths, it finished, or ``most`` looks (a busy CPU is slow)."""
    bubble = streaming(page)
    bubble.first.wait_for(timeout=120_000)
    seen = []
    while len(seen) < most and len(set(seen)) < distinct:
        try:
            seen.append(len(bubble.first.inner_text(timeout=1_000)))
        except Exception:  # the bubble finished between two looks
            break
        page.wait_for_timeout(300)
    return seen


def test_three_turn_persona_chat_streams_each_reply(new_session):
    page = open_persona(new_session, ["PageDown", "PageDown"])  # 128 -> 26 tokens a reply
    assert 16 < max_new_tokens(page) < 64
    for turn, text in enumerate(["Hello! Who are you?", STORY, "What do you eat on the ship?"],
                                start=1):
        send(page, text)
        seen = lengths_while_streaming(page)
        wait_idle(page)
        assert len(set(seen)) >= 2 and seen == sorted(seen), (turn, seen)  # it grew
        assert page.locator(ASSISTANT).count() == turn
        assert page.locator(MESSAGES).count() == 2 * turn
    page.get_by_text("Show the rendered prompt").click()
    wait_idle(page)
    # the rendered prompt's box (the page also has a collapsed "view code" box): wait for it,
    # since the toggle's rerun may not have drawn it yet
    box = page.locator("[data-testid='stCode']", has_text="<|im_start|>system").first
    box.wait_for(timeout=60_000)
    sent = box.inner_text()
    assert "You are an old pirate captain" in sent and "Hello! Who are you?" in sent
    page.screenshot(path="/tmp/4-persona-three-turns.png", full_page=True)


@pytest.mark.slow  # Stop in one of two tabs: test_room_browser.py
def test_stop_halts_only_this_tab_and_clear_keeps_the_other_tabs_history(new_session):
    a = open_persona(new_session)  # 128 new tokens: long enough to be stopped mid-reply
    b = open_persona(new_session, ["Home", "PageUp"])  # fewer, to finish sooner
    assert max_new_tokens(a) == 128 and 16 < max_new_tokens(b) < 128
    send(a, STORY)
    send(b, STORY)
    streaming(a).first.wait_for(timeout=120_000)
    streaming(b).first.wait_for(timeout=120_000)
    # the page's Stop button (Streamlit's toolbar shows another "Stop" while a run lasts, and
    # a stale copy of the row may linger while the page re-renders)
    a.get_by_test_id("stHorizontalBlock").get_by_role("button", name="Stop",
                                                       exact=True).first.click()
    wait_idle(a)
    assert a.locator(MESSAGES).last.get_by_text("stopped", exact=True).count() == 1
    stopped_text = a.locator(MESSAGES).last.inner_text()
    # the other tab is still writing after this tab stopped
    seen = lengths_while_streaming(b)
    assert len(set(seen)) >= 2, seen
    wait_idle(b, timeout=300_000)  # a busy shared CPU can be slow
    assert b.locator(MESSAGES).last.get_by_text("stopped", exact=True).count() == 0
    assert a.locator(MESSAGES).last.inner_text() == stopped_text  # really stopped
    b_reply = b.locator(MESSAGES).last.inner_text()
    assert len(b_reply) > len(stopped_text.replace("stopped", "").strip())
    a.screenshot(path="/tmp/4-persona-stopped-tab.png", full_page=True)
    b.screenshot(path="/tmp/4-persona-other-tab.png", full_page=True)

    a.get_by_role("button", name="Clear chat").click()
    a.get_by_text("Say hello below").wait_for(timeout=60_000)
    wait_idle(a)
    assert a.locator(MESSAGES).count() == 0
    b.get_by_text("Show the rendered prompt").click()  # any rerun of the other tab
    b.get_by_text("The exact text sent for the last reply").wait_for(timeout=60_000)
    wait_idle(b)
    assert b.locator(MESSAGES).count() == 2 and b.locator(MESSAGES).last.inner_text() == b_reply
    assert STORY in b.locator("[data-testid='stCode']").last.inner_text()
