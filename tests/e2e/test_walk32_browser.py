"""The walk of issue 32 in a real browser: the language switch keeps Generate's radios, a
Japanese tab keeps gemma-3-270m through a lesson, labels are whole at 1,400 px in both
languages, and the instructor stays logged in after a reload."""

import re

import pytest
from playwright.sync_api import expect

from playground.room import broadcast
from playground.room.lessons import SHIPPED, load_plan
from playground.room.store import RoomStore
from tests.e2e.conftest import SERVER_LOGS, _sessions, serve, wait_idle
from tests.e2e.test_i18n_browser import choose, expect_title

pytestmark = pytest.mark.browser
PASSWORD = "walk-test-password"
CUT = "e => [e, ...e.querySelectorAll('*')].some(c => c.scrollWidth > c.clientWidth + 1)"


@pytest.fixture(scope="module")
def walk_url(tmp_path_factory):
    yield from serve(tmp_path_factory.mktemp("streamlit-walk"),
                     {"PLAYGROUND_ADMIN_PASSWORD": PASSWORD})


@pytest.fixture
def tab(browser, walk_url):
    """Factory: a new participant's tab on the walk's server (``new_session`` on its URL)."""
    yield from _sessions(browser, walk_url)


def checked(page, key: str):
    return page.locator(f".st-key-{key} input[type='radio']:checked")


def test_the_language_switch_keeps_generates_radios_both_ways(tab):
    page = tab()
    expect_title(page, "Generate")
    for key in ("gen_input", "gen_mode"):
        expect(checked(page, key)).to_have_count(1, timeout=20_000)
    for lang, title in (("日本語", "生成"), ("English", "Generate")):
        choose(page, "言語 / Language", lang)
        expect_title(page, title)
        wait_idle(page)
        for key in ("gen_input", "gen_mode"):
            expect(checked(page, key)).to_have_count(1, timeout=20_000)


def model_picker(page, lang: str = "ja"):
    return page.get_by_role("combobox", name="モデル" if lang == "ja" else "Model", exact=True)


def test_a_japanese_tab_keeps_gemma_through_a_lesson(tab, walk_url):
    store = RoomStore(SERVER_LOGS[walk_url].parent / "room.sqlite3")
    steps = load_plan(SHIPPED / "tutorial.toml").steps
    student = tab("?lang=ja")
    expect(model_picker(student)).to_have_value(re.compile("^gemma-3-270m"), timeout=30_000)
    for step in (steps[0], steps[1], steps[2]):  # Generate, the tokenizer, Generate again
        broadcast.publish(store, step.link, step.note)
        opened = student.locator(".st-key-room_banner").get_by_role("button", name="開く")
        expect(opened).to_be_visible(timeout=15_000)
        opened.click()
        wait_idle(student)
        student.wait_for_timeout(500)
        wait_idle(student)
        expect(model_picker(student)).to_have_value(re.compile("^gemma-3-270m"),
                                                    timeout=30_000)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_labels_are_whole_at_1400_px(tab, lang):
    page = tab(f"sampling_sweep?lang={lang}")
    button = page.locator(".st-key-sweep_go button")
    expect(button).to_be_visible(timeout=30_000)
    assert not button.evaluate(CUT), button.inner_text()
    picker = model_picker(page, lang)
    expect(picker).to_be_visible(timeout=30_000)
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has=picker)
    assert not box.evaluate(CUT), picker.input_value()


def test_the_instructor_stays_logged_in_after_a_reload(tab):
    page = tab("admin")
    page.get_by_label("Admin password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Models in memory").wait_for(timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(1000)  # the cookie is written by the run after the login
    page.reload()
    wait_idle(page)
    page.get_by_text("Models in memory").wait_for(timeout=60_000)
    expect(page.get_by_label("Admin password")).to_have_count(0)
    page.get_by_role("button", name="Log out of admin").click()
    wait_idle(page)
    page.wait_for_timeout(1000)
    page.reload()
    wait_idle(page)
    expect(page.get_by_label("Admin password")).to_be_visible(timeout=30_000)
