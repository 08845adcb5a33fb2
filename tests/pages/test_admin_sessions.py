"""AppTest: the Admin page lists participants and stops one participant's requests only."""

import pytest
from streamlit.testing.v1 import AppTest

from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings
from tests.conftest import ROOT

LONG = GenerationSettings(do_sample=False, max_new_tokens=400)
PROMPT = Prompt.raw("Once upon a time, in a small village by the sea,")


@pytest.fixture
def admin(smol, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_ADMIN_PASSWORD", "secret")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["admin_ok"] = True
    at.run()
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    return at


def test_two_participants_are_listed_and_stop_stops_only_the_chosen_one(admin, smol):
    a = smol.service.submit(GenerationRequest((PROMPT,), (LONG,), session="aaaa1111xyz/generate"))
    b = smol.service.submit(GenerationRequest((PROMPT,), (LONG,), session="bbbb2222xyz/rag"))
    admin.run()
    shown = [t.value for t in admin.text]
    assert {"aaaa1111", "bbbb2222", "generate", "rag"} <= set(shown)
    admin.button(key="admin_stop_aaaa1111").click().run()
    assert any("Stopped 1 request(s) of aaaa1111" in s.value for s in admin.success)
    assert a.result(timeout=120).cancelled
    assert not b.done or not b.result().cancelled
    b.cancel()
