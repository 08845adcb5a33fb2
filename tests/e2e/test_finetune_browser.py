"""The training queue in real browsers: two students with the same data and settings share one
run and both see its result, a third with other data sees their place in line, and a fourth
student's Generate starts streaming meanwhile."""

import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.browser


def data_file(tmp_path, name: str, offset: int = 0):
    """Sums in a pirate's format, and one record naming this test run: a run is never found
    finished on disk from an earlier test run (identical jobs share an adapter by design)."""
    path = tmp_path / name
    records = [{"prompt": f"What is {a} plus {b}?", "response": f"Arr, {a + b + offset} ⚓"}
               for a in range(1, 9) for b in range(1, 7)]
    records.append({"prompt": "Which run is this?", "response": f"Arr, run {tmp_path.name}"})
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def open_finetune(new_session, upload) -> object:
    page = new_session("finetune?lang=en")
    page.get_by_role("heading", name="Fine-tuning (LoRA)").wait_for(timeout=120_000)
    wait_idle(page)
    source = page.locator("[data-testid='stSelectbox']").filter(
        has=page.get_by_text("Data", exact=True))
    source.get_by_role("button", name="Open").click()
    page.get_by_role("option", name=re.compile("My own file")).click()
    wait_idle(page)
    page.locator("input[type=file]").set_input_files(str(upload))
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"records to train on"))).to_be_visible(timeout=60_000)
    held = page.get_by_role("textbox", name="Held-out prompts (one a line)")
    held.fill("What is 2 plus 2?")
    held.press("Tab")
    wait_idle(page)
    page.get_by_role("tab", name=re.compile("Train and compare")).click()
    return page


@pytest.mark.slow  # tests/tuning/test_runs.py (one run shared, the other waits), tests/pages/test_finetune.py
def test_two_share_a_run_a_third_waits_and_generate_still_streams(new_session, tmp_path):
    same = data_file(tmp_path, "sums.jsonl")
    other = data_file(tmp_path, "other.jsonl", offset=1)
    a = open_finetune(new_session, same)
    b = open_finetune(new_session, same)
    c = open_finetune(new_session, other)
    a.get_by_role("button", name="Train", exact=True).click()
    # Three tabs' reruns reach the server in any order: c joins only once a's run has begun.
    expect(a.get_by_text(re.compile("Loading a private copy|Replies and validation loss before|"
                                    r"Step \d+ of")).first).to_be_visible(timeout=60_000)
    b.get_by_role("button", name="Train", exact=True).click()
    c.get_by_role("button", name="Train", exact=True).click()
    expect(c.get_by_text(re.compile("In the training queue"))).to_be_visible(timeout=60_000)

    d = new_session("?lang=en")  # the fourth student generates meanwhile
    d.get_by_role("button", name="Generate", exact=True).click()
    start = time.monotonic()
    d.locator("[data-testid='stMarkdownContainer']").filter(
        has_text=re.compile("▌")).first.wait_for(timeout=60_000)
    first_token_s = time.monotonic() - start
    print(f"first token beside training: {first_token_s:.1f} s")
    assert first_token_s < 30  # the training process is niced below generation

    for page in (a, b):
        expect(page.get_by_role("heading", name="Result")).to_be_visible(timeout=600_000)
    loss = [p.get_by_test_id("stMetric").filter(has_text="Validation loss after").inner_text()
            for p in (a, b)]
    assert loss[0] == loss[1]
    for page in (a, b):  # one run, both watching it
        expect(page.get_by_text("One run for 2 participants")).to_be_visible()
    expect(c.get_by_role("heading", name="Result")).to_be_visible(timeout=600_000)
    expect(a.get_by_text(re.compile(r"smollm2-135m-instruct \+ my-data-\w+ \(LoRA\)")).first
           ).to_be_visible()
    shots = ROOT / "test-artifacts"
    shots.mkdir(exist_ok=True)
    a.screenshot(path=str(shots / "finetune_result.png"))  # the curve and the metrics
    # the page scrolls inside Streamlit's main block: bring the before/after into view for its own
    a.get_by_text("Held-out prompts, greedy, before and after").evaluate(
        "e => e.scrollIntoView({block: 'start'})")
    a.wait_for_timeout(300)
    a.screenshot(path=str(shots / "finetune_before_after.png"))
