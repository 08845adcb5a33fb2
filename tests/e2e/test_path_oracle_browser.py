"""No page tells a participant which server paths exist: a Hub id that names a folder or a
file of the app's working directory gets the very answer of an id that names nothing, on every
page that loads models (Generate's sidebar model, Quantization, Base vs chat)."""

from pathlib import Path

import pytest

from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/oracle")
NAMES = ("tests/e2e", "playground/config.py", "tests/nothere")  # a folder, a file, nothing
PAGES = [("", "model", "Generate"),
         # a comparison per name: slow; tests/quant/test_compare.py: an unknown model fails clearly
         pytest.param("quantization", "model", "Run comparison", marks=pytest.mark.slow),
         pytest.param("base_vs_chat", "model_a", "Generate", marks=pytest.mark.slow)]


def _answer(new_session, path: str, field: str, button: str, name: str) -> str:
    page = new_session(f"{path}?{field}={name}&max_new_tokens=4")
    errors = page.locator("[data-testid='stAlertContentError']")
    if not errors.count():  # a page that loads its model when drawn has answered already
        page.get_by_role("button", name=button, exact=True).first.click()
        wait_idle(page)
    errors.first.wait_for(timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{path or 'generate'}_{name.replace('/', '_')}.png"))
    text = "\n".join(errors.all_inner_texts())
    assert "Traceback" not in text
    # the name as asked, and its last part (a pair's short label), are the only differences
    return text.replace(name, "<NAME>").replace(name.rsplit("/", 1)[-1], "<NAME>")


@pytest.mark.parametrize("path, field, button", PAGES)
def test_a_folder_a_file_and_nothing_get_the_same_answer(new_session, path, field, button):
    answers = [_answer(new_session, path, field, button, name) for name in NAMES]
    assert answers[0] == answers[1] == answers[2], answers
    assert "<NAME>" in answers[0]  # the message names what was asked for, nothing more
