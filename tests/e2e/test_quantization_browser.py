"""Quantization page in a real browser: pick presets, run, watch progress, read the results."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fill, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.slow  # AppTest: tests/pages/test_quantization.py (table, units, chart, outputs)
def test_a_two_preset_comparison_shows_progress_table_chart_and_outputs(new_session):
    page = new_session("quantization")
    page.get_by_role("button", name="Run comparison").wait_for(timeout=120_000)
    wait_idle(page)
    for preset in ("int8", "nf4"):  # keep the 16-bit ones: the slow 4/8-bit loads are unit-tested
        page.get_by_role("button", name=f"Remove {preset}").click()
        wait_idle(page)
    # a prompt of this test's own: the room keeps finished comparisons, and the AppTest of
    # this page may already have run the default one against the same room database
    fill(page, "Prompt", "Say hello to the room in one sentence.")
    page.get_by_role("button", name="Run comparison").click()
    page.locator("[data-testid='stProgress']").first.wait_for(timeout=60_000)
    page.get_by_text("Memory vs agreement").wait_for(timeout=300_000)
    wait_idle(page)
    # the comparison's table, and the tutorial's Llama-2 figures beside it
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(2, timeout=30_000)
    expect(page.get_by_text("the reference ·")).to_have_count(1)   # the fp32 output card
    # the chart is drawn after the rest of the run's elements: wait for it, do not sample
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=30_000)
    expect(page.get_by_text("MiB before the comparison")).to_have_count(1)
    assert page.locator("[data-testid='stException']").count() == 0
