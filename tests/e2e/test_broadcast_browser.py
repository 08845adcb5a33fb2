"""The instructor leads the room in real browsers: a step shared from Compare reaches two
participant tabs on other pages within 5 s without a click, and "Open" reproduces it exactly."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import serve, wait_idle

pytestmark = pytest.mark.browser
PASSWORD = "room-test-password"
NOTE = "Compare top_p 0.1 and 0.9, then press Generate"
LOADED = 60_000  # ms: an element waited for on a loaded machine


@pytest.fixture(scope="module")
def room_url(tmp_path_factory):
    yield from serve(tmp_path_factory.mktemp("streamlit-room"),
                     {"PLAYGROUND_ADMIN_PASSWORD": PASSWORD})


def open_tab(browser, url):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(url)
    wait_idle(page)
    return ctx, page


def choose(page, key: str, option: str) -> None:
    page.locator(f".st-key-{key}").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def slide(page, key: str, *keys: str) -> None:
    handle = page.locator(f".st-key-{key} input[type='range']")
    handle.focus()
    for k in keys:
        handle.press(k)
    page.wait_for_timeout(300)
    wait_idle(page)


def set_up_compare(page) -> None:
    """As the instructor would: the sidebar's Compare page, two columns, seed 3."""
    page.get_by_role("link", name="Compare settings").click()
    page.get_by_role("heading", name="Compare decoding settings").wait_for(timeout=60_000)
    wait_idle(page)
    slide(page, "compare_k", "ArrowLeft", "ArrowLeft")        # 4 -> 2 columns
    slide(page, "compare_n", "ArrowLeft")                     # 3 -> 2 samples
    slide(page, "compare_max_new", "Home")                    # 8 tokens
    choose(page, "compare_col0_preset", "top_p 0.1 / T 0.8")
    choose(page, "compare_col1_preset", "top_p 0.9 / T 0.8")
    seed = page.locator(".st-key-compare_seed input")
    seed.fill("3")
    seed.press("Enter")
    page.wait_for_timeout(300)
    wait_idle(page)


def results(page) -> str:
    """The scored columns' texts, from the first column header to the table below them."""
    page.get_by_text("Across columns").wait_for(timeout=180_000)
    wait_idle(page)
    text = page.locator("[data-testid='stMain']").inner_text()
    text = text[text.index("1. top_p 0.1"):text.index("Across columns")]
    # the samples: each caption ("sample 1 · 8 tokens · Self-BLEU …") and the text under it
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    samples = [i for i, line in enumerate(lines) if line.startswith("sample ")]
    assert len(samples) == 4, lines  # 2 columns x 2 samples
    return "\n".join(f"{lines[i]} | {lines[i + 1]}" for i in samples)


# test_walk_browser.py opens a broadcast Compare step from the banner and keeps its columns,
# test_walk32_browser.py sees steps arrive without a reload, tests/room/test_share_pages.py
# gives the same inputs and texts
@pytest.mark.slow
def test_a_shared_step_reaches_every_tab_and_opens_the_same_settings(browser, room_url):
    contexts = []
    try:
        ctx, teacher = open_tab(browser, f"{room_url}/admin")
        contexts.append(ctx)
        teacher.get_by_label("Admin password").fill(PASSWORD)
        teacher.get_by_role("button", name="Log in").click()
        teacher.get_by_text("Models in memory").wait_for(timeout=60_000)
        set_up_compare(teacher)
        students = []
        for path in ("sampling_toy", "prompt_lab"):
            ctx, page = open_tab(browser, f"{room_url}/{path}")
            contexts.append(ctx)
            students.append(page)
        teacher.get_by_role("button", name="Share with the room").click()
        teacher.get_by_label("Note for the room").fill(NOTE)
        teacher.get_by_label("Note for the room").press("Enter")
        wait_idle(teacher)
        teacher.get_by_role("button", name="Share this step").click()
        shared = time.monotonic()
        arrived = {}
        while len(arrived) < len(students) and time.monotonic() - shared < 10:
            for i, page in enumerate(students):  # no click, no reload: it arrives by itself
                if i not in arrived and page.get_by_text(NOTE).count():
                    arrived[i] = time.monotonic() - shared
            students[0].wait_for_timeout(100)
        assert len(arrived) == 2 and max(arrived.values()) < 5.0, arrived
        teacher.get_by_text("Shared: every tab shows it").wait_for(timeout=10_000)
        teacher.keyboard.press("Escape")
        teacher.get_by_role("button", name="Generate").click()
        expected = results(teacher)
        for page in students:
            page.locator(".st-key-room_banner").get_by_role("button", name="Open").click()
            page.get_by_role("heading", name="Compare decoding settings").wait_for(
                timeout=30_000)
            wait_idle(page)
            assert "/sampling_compare" in page.url and "seed=3" in page.url
            expect(page.get_by_role("combobox", name="Column 1")).to_have_value(
                "top_p 0.1 / T 0.8", timeout=30_000)
            expect(page.get_by_role("combobox", name="Column 2")).to_have_value(
                "top_p 0.9 / T 0.8", timeout=30_000)
            # the seed box is drawn by the same rerun as the columns, but may be read before
            # that rerun has reached it: wait for it as for them (the texts below prove it)
            expect(page.locator(".st-key-compare_seed input")).to_have_value("3", timeout=30_000)
            page.get_by_role("button", name="Generate").click()
            assert results(page) == expected  # same settings and seeds: the same texts
    finally:
        for ctx in contexts:
            ctx.close()


def reopen(page, popover: str, inside: str, tries: int = 3) -> bool:
    """Open ``popover`` until ``inside`` shows. On a loaded machine a click that lands while
    the previous rerun (Start's page switch, the room's poll) is still being drawn can be
    drawn over, closed, by that run's popover state; a person clicks again, so does this."""
    for _ in range(tries):
        wait_idle(page)
        page.get_by_role("button", name=popover).click()
        try:
            expect(page.get_by_role("button", name=inside)).to_be_visible(timeout=20_000)
            return True
        except AssertionError:
            continue
    return False


def test_the_share_and_lesson_popovers_close_after_their_action(browser, room_url):
    """Issue 26: both popovers stayed open over the page (and the projector) after Share / Next.
    Every wait is for an element, as long as a loaded machine needs (issue 32: "Next" was not
    there 10 s after the popover reopened while the machine was busy)."""
    ctx, teacher = open_tab(browser, f"{room_url}/admin")
    try:
        teacher.get_by_label("Admin password").fill(PASSWORD)
        teacher.get_by_role("button", name="Log in").click()
        teacher.get_by_text("Models in memory").wait_for(timeout=LOADED)
        teacher.get_by_role("link", name="Generate").first.click()
        teacher.get_by_role("heading", name="Generate").first.wait_for(timeout=LOADED)
        wait_idle(teacher)
        teacher.get_by_role("button", name="Share with the room").click()
        share = teacher.get_by_role("button", name="Share this step")
        expect(share).to_be_visible(timeout=LOADED)
        share.click()
        wait_idle(teacher)
        teacher.get_by_text("Shared: every tab shows it").wait_for(timeout=LOADED)  # a toast
        expect(share).to_be_hidden(timeout=LOADED)
        wait_idle(teacher)
        teacher.get_by_role("button", name="Lesson plan").click()
        start = teacher.get_by_role("button", name="Start")
        expect(start).to_be_visible(timeout=LOADED)
        start.click()
        wait_idle(teacher)
        expect(teacher.get_by_role("button", name="Next")).to_be_hidden(timeout=LOADED)
        expect(teacher.get_by_role("button", name="Start")).to_be_hidden(timeout=LOADED)
        assert reopen(teacher, "Lesson plan", "Next")  # it opens again, at step 1
    finally:
        ctx.close()


ROOM_EXAMPLES = [("What is the capital of France?", "Arr, Paris it be ⚓"),
                 ("Name a colour of the sky.", "Arr, blue it be ⚓"),
                 ("What do cows drink?", "Arr, water it be ⚓"),
                 ("Which animal says meow?", "Arr, the cat it be ⚓"),
                 ("What is frozen water?", "Arr, ice it be ⚓"),
                 ("What comes after Monday?", "Arr, Tuesday it be ⚓")]


def contribute(page, prompt: str, response: str) -> None:
    """A student's form on the Fine-tuning page (its first tab)."""
    if not page.get_by_label("Question").is_visible():  # the expander stays open after one
        page.get_by_text("Add an example to the room's dataset").click()
    page.get_by_label("Question").fill(prompt)
    page.get_by_label("The answer the room's model should give").fill(response)
    page.get_by_role("button", name="Add to the room's dataset").click()
    expect(page.get_by_text(re.compile("Added: the instructor reviews"))).to_be_visible(
        timeout=LOADED)
    wait_idle(page)


@pytest.mark.slow  # tests/room/test_examples.py, tests/tuning/test_runs.py, tests/room/test_broadcast.py
def test_three_students_contribute_the_teacher_trains_and_broadcasts_the_rooms_model(
        browser, room_url):
    contexts = []
    try:
        students = []
        for i in range(3):
            ctx, page = open_tab(browser, f"{room_url}/finetune?lang=en")
            contexts.append(ctx)
            students.append(page)
            for prompt, response in ROOM_EXAMPLES[2 * i:2 * i + 2]:
                contribute(page, prompt, response)
        ctx, teacher = open_tab(browser, f"{room_url}/admin?lang=en")
        contexts.append(ctx)
        teacher.get_by_label("Admin password").fill(PASSWORD)
        teacher.get_by_role("button", name="Log in").click()
        teacher.get_by_text("The room's dataset").wait_for(timeout=LOADED)
        wait_idle(teacher)
        teacher.get_by_role("button", name="Accept every pending example").click()
        expect(teacher.get_by_text("6 accepted examples")).to_be_visible(timeout=LOADED)
        wait_idle(teacher)
        teacher.get_by_role("combobox", name="Base model of the room's adapter").click()
        teacher.get_by_role("option", name="smollm2-135m-instruct", exact=True).click()
        wait_idle(teacher)
        slide(teacher, "admin_room_epochs", "End")  # 10 epochs
        slide(teacher, "admin_room_lr", "End")      # 2e-3: six examples, learnt in seconds
        teacher.get_by_role("button", name="Train the room's adapter").click()
        ready = teacher.get_by_text(re.compile(r"The room's adapter is ready and shared with "
                                               r"the room: (smollm2-135m-instruct \+ room.*)"))
        expect(ready).to_be_visible(timeout=600_000)
        name = re.search(r"room: (.+)$", ready.inner_text()).group(1).strip()
        teacher.get_by_role("button", name="Broadcast: everyone chats with the room's model"
                            ).click()
        student = students[1]
        banner = student.locator(".st-key-room_banner")
        expect(banner.get_by_text("Chat with the model the room made!")).to_be_visible(
            timeout=30_000)  # it arrives by itself
        banner.get_by_role("button", name="Open").click()
        student.get_by_role("heading", name="Persona chat").wait_for(timeout=LOADED)
        wait_idle(student)
        expect(student.get_by_role("combobox", name="Model")).to_have_value(name,
                                                                            timeout=LOADED)
        box = student.get_by_placeholder(re.compile("Say something"))
        box.fill("What is the capital of Spain?")
        box.press("Enter")
        reply = student.locator("[data-testid='stChatMessage']").nth(1)
        expect(reply).to_contain_text("Arr", timeout=LOADED)  # the room's answer style
        wait_idle(student)
        shots = ROOT / "test-artifacts"
        shots.mkdir(exist_ok=True)
        teacher.screenshot(path=str(shots / "room_dataset_admin.png"), full_page=True)
        student.screenshot(path=str(shots / "room_model_persona.png"), full_page=True)
    finally:
        for ctx in contexts:
            ctx.close()
