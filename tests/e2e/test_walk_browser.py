"""Issue 26: a class walks the lesson without losing its place. A student opens the room's step
from the instructor's banner, wanders through other pages in the sidebar and comes back: every
input is still the step's, and pressing the page's button gives the step's text (the text a
fresh tab gets from the step's link).

The instructor's side is what Lesson plan's Next and Share do (``broadcast.publish`` of a step's
link and note into the room database); tests/e2e/test_broadcast_browser.py drives those buttons.
"""

import re

import pytest
from playwright.sync_api import expect

from playground.room import broadcast
from playground.room.lessons import lesson_dir, load_plan
from playground.room.links import encode_link
from playground.room.store import room_store
from tests.e2e.conftest import SERVER_LOGS, wait_idle
from tests.e2e.test_broadcast_browser import results as compare_texts

pytestmark = pytest.mark.browser
SHOTS = "/work/notes/shots"
TITLES = {"Generate": "Generate", "Compare settings": "Compare decoding settings",
          "Toy distribution": "Toy distribution", "Persona chat": "Persona chat",
          "Tokenizer & model": "Tokenizer & model", "Prompt lab": "Prompt lab",
          "Chat template": "Chat template"}


@pytest.fixture
def room(app_url):
    """The test server's room (its database), left without a step afterwards."""
    store = room_store(SERVER_LOGS[app_url].parent / "room.sqlite3")
    yield store
    broadcast.clear(store)


def go(page, name: str) -> None:
    """Click ``name`` in the sidebar's page list and wait for that page to be drawn."""
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=name,
                                                             exact=True).click()
    page.get_by_role("heading", name=TITLES[name], exact=True).first.wait_for(timeout=60_000)
    wait_idle(page)


def open_from_banner(page, store, link: str, note: str, heading: str) -> None:
    """The instructor shares ``link``; the student presses the banner's Open."""
    broadcast.publish(store, link, note)
    banner = page.locator(".st-key-room_banner")
    banner.get_by_text(note).wait_for(timeout=15_000)  # it arrives by itself (polling)
    banner.get_by_role("button", name="Open").click()
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=60_000)
    wait_idle(page)


def value(page, key: str, element: str = "input") -> str:
    return page.locator(f".st-key-{key} {element}").first.input_value()


def expect_generate_inputs(page, mode: str, temperature: str, n: str, seed: str,
                           prompt: str) -> None:
    expect(page.locator(".st-key-gen_mode").get_by_role("radio", name=mode)).to_be_checked(
        timeout=30_000)
    expect(page.locator(".st-key-gen_temperature input[type='range']")).to_have_value(
        temperature)
    expect(page.locator(".st-key-gen_n input[type='range']")).to_have_value(n)
    expect(page.locator(".st-key-gen_seed input")).to_have_value(seed)
    expect(page.locator(".st-key-gen_prompt textarea")).to_have_value(prompt)


def generate_texts(page) -> list[str]:
    """Press Generate; the samples' texts, in order."""
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_text("tok/s").wait_for(timeout=120_000)
    wait_idle(page)
    text = page.locator("[data-testid='stMain']").inner_text()
    text = text[:text.rindex("\nprompt ", 0, text.index("tok/s"))]  # the timings caption
    parts = re.split(r"^Sample \d+$", text, flags=re.M)[1:]
    return [p.strip() for p in parts]


@pytest.mark.slow  # the shared Compare walk below; tests/pages keep-input tests
def test_a_lesson_step_opened_from_the_banner_stays_through_three_pages(new_session, room):
    plan = load_plan(lesson_dir() / "tutorial.toml")
    step = plan.steps[2]  # Section 1.1: sampling, 3 samples, seed 0, on Generate
    assert step.page == "generate" and step.inputs["num_return_sequences"] == 3
    # the step as the plan has it, with 8 new tokens instead of 64 (seconds, not minutes, on
    # a busy 2-core machine)
    link = encode_link("generate", {**step.inputs, "max_new_tokens": 8})
    # the student arrives with other inputs of their own (greedy, seed 9, another prompt)
    student = new_session("?temperature=0.5&seed=9&prompt=A+poem+about+tea.")
    open_from_banner(student, room, link, step.note, "Generate")
    dragon = "Tell me a story about a dragon."
    expect_generate_inputs(student, "Sampling", "1", "3", "0", dragon)
    for name in ("Compare settings", "Toy distribution", "Persona chat", "Generate"):
        go(student, name)
    assert "?" not in student.url  # the sidebar's link: nothing came back from the address
    expect_generate_inputs(student, "Sampling", "1", "3", "0", dragon)
    texts = generate_texts(student)
    student.screenshot(path=f"{SHOTS}/s3-walk-generate.png", full_page=True)
    assert len(texts) == 3 and len(set(texts)) == 3, texts  # three samples, three stories
    fresh = new_session(link.lstrip("/"))  # another tab, straight from the step's link
    expect_generate_inputs(fresh, "Sampling", "1", "3", "0", dragon)
    assert generate_texts(fresh) == texts


def test_a_shared_compare_with_an_edited_column_stays_through_three_pages(new_session, room):
    shared = {"columns": 2, "n": 2, "max_new_tokens": 8, "seed": 7,
              "col1.preset": "top_p 0.1 / T 0.8", "col2.preset": "top_p 0.9 / T 0.8",
              "col2.temperature": 1.2}
    link = encode_link("sampling_compare", shared)
    student = new_session("sampling_compare")
    open_from_banner(student, room, link, "Two columns, the second one hotter",
                     "Compare decoding settings")

    def expect_shared():
        expect(student.get_by_role("combobox", name="Column 1")).to_have_value(
            "top_p 0.1 / T 0.8", timeout=30_000)
        expect(student.get_by_role("combobox", name="Column 2")).to_have_value(
            "top_p 0.9 / T 0.8")
        expect(student.get_by_role("combobox", name="Column 3")).to_have_count(0)
        expect(student.locator(".st-key-compare_seed input")).to_have_value("7")
        expect(student.locator(".st-key-compare_n input[type='range']")).to_have_value("2")
        expect(student.locator(".st-key-compare_col1_temperature input[type='range']")
               ).to_have_value("1.2")

    expect_shared()
    for name in ("Generate", "Tokenizer & model", "Prompt lab", "Compare settings"):
        go(student, name)
    expect_shared()
    texts = compare_texts_after_generate(student)
    student.screenshot(path=f"{SHOTS}/s3-walk-compare.png", full_page=True)
    assert "T=1.2" in student.locator("[data-testid='stMain']").inner_text()  # the edit ran
    fresh = new_session(link.lstrip("/"))
    assert compare_texts_after_generate(fresh) == texts


def compare_texts_after_generate(page) -> str:
    page.get_by_role("button", name="Generate", exact=True).click()
    return compare_texts(page)


@pytest.mark.slow  # the shared Compare walk; tests/pages keep-input tests
def test_a_shared_persona_system_prompt_stays_through_three_pages(new_session, room):
    system = "You are a terse pirate. Answer in five words."
    link = encode_link("persona_chat", {"persona": "Pirate", "system": system})
    student = new_session("persona_chat")
    open_from_banner(student, room, link, "A terse pirate", "Persona chat")
    box = student.locator(".st-key-persona_system_Pirate textarea")
    expect(box).to_have_value(system, timeout=30_000)
    for name in ("Generate", "Compare settings", "Toy distribution", "Persona chat"):
        go(student, name)
    expect(box).to_have_value(system, timeout=30_000)


@pytest.mark.parametrize("path, back, check", [
    ("?do_sample=1&temperature=0.7&num_return_sequences=3&seed=5", "Generate",
     {"gen_seed": "5", "gen_temperature": "0.7", "gen_n": "3"}),
    ("sampling_compare?columns=2&n=4&seed=7", "Compare settings",
     {"compare_seed": "7", "compare_k": "2", "compare_n": "4"}),
])
def test_the_issues_link_survives_compare_and_toy(new_session, path, back, check):
    """The issue's reproduction: open the link, click Compare and Toy (or Generate and Toy)
    in the sidebar, come back."""
    page = new_session(path)
    others = ("Toy distribution", "Generate") if back == "Compare settings" else (
        "Compare settings", "Toy distribution")
    for name in (*others, back):
        go(page, name)
    for key, want in check.items():
        kind = "input[type='range']" if key not in ("gen_seed", "compare_seed") else "input"
        expect(page.locator(f".st-key-{key} {kind}")).to_have_value(want, timeout=30_000)
    if back == "Generate":
        expect(page.locator(".st-key-gen_mode").get_by_role("radio", name="Sampling")
               ).to_be_checked()
    else:
        expect(page.get_by_role("combobox", name="Column 3")).to_have_count(0)


@pytest.mark.slow  # the shared Compare walk; tests/pages keep-input tests
def test_a_chat_message_typed_into_the_table_survives_three_pages(new_session):
    """A data editor (no persist_state in Streamlit) keeps its edits like every other input."""
    page = new_session("chat_template")
    main = page.locator("[data-testid='stMain']")
    grid = page.locator(".st-key-tmpl_messages [data-testid='stDataFrame']").first
    grid.wait_for(timeout=30_000)
    wait_idle(page)
    for _ in range(3):  # the app's keeping is what is tested: an edit that never
        box = grid.bounding_box()  # reached it (a relayout under load) is made again
        page.mouse.dblclick(box["x"] + box["width"] * 0.6, box["y"] + 35 + 17)  # row 1, "content"
        editor = page.locator("[data-testid='glide-cell-editor'] textarea, #portal textarea").first
        editor.wait_for(timeout=10_000)
        page.wait_for_timeout(300)  # the overlay sets the cell's old text once it is mounted
        editor.fill("You are a cat.")
        expect(editor).to_have_value("You are a cat.")
        editor.press("Enter")
        page.wait_for_timeout(300)
        wait_idle(page)
        if "You are a cat." in main.inner_text():
            break
    expect(main).to_contain_text("You are a cat.", timeout=30_000)
    expect(main).not_to_contain_text("You are a helpful pirate.")
    for name in ("Generate", "Prompt lab", "Toy distribution", "Chat template"):
        go(page, name)
    expect(main).to_contain_text("You are a cat.", timeout=30_000)
    expect(main).not_to_contain_text("You are a helpful pirate.")
