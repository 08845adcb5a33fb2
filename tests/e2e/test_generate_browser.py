"""Generate page in a real browser: type a prompt, press Generate, watch the text stream."""

import pytest

from tests.e2e.conftest import fill, wait_idle

pytestmark = pytest.mark.browser


def test_typed_prompt_streams_an_answer_from_the_embedded_model(new_session):
    page = new_session()
    fill(page, "Prompt", "Write a short poem about the sea.")
    page.get_by_role("button", name="Generate").click()
    lengths = []
    output = page.locator("[data-testid='stMarkdownContainer']", has_text="▌")
    output.first.wait_for(timeout=60_000)  # the cursor shows while streaming
    for _ in range(20):
        if output.count() == 0:
            break
        lengths.append(len(output.first.inner_text()))
        page.wait_for_timeout(150)
    wait_idle(page)
    assert len(set(lengths)) >= 2 and lengths == sorted(lengths), lengths  # grew while we watched
    caption = page.get_by_text("tok/s").inner_text()
    assert "generated" in caption
    model_input = page.get_by_text("Model input: exactly what")
    model_input.click()
    assert page.get_by_text("Write a short poem about the sea.").count() >= 1
