"""A generation an earlier server process never finished is told to its browser, once, in the
tab's language; a generation that ends leaves no record behind."""

import time

from streamlit.testing.v1 import AppTest

from playground.room.store import room_store
from tests.conftest import ROOT

ALICE, BOB = "a" * 32, "b" * 32  # browser ids, as the cookie holds them


def tab(client: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["client_pid"] = client  # what identity.client_id reads after the cookie
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    return at


def notices(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "restart" in w.value or "再起動" in w.value]


def test_a_generation_cut_off_by_a_restart_is_told_once_to_its_browser(smol):
    room_store().execute(
        "INSERT INTO inflight (client, session, page, started, boot) VALUES (?, ?, ?, ?, ?)",
        (ALICE, "a-tab-of-the-old-server", "sampling_compare", time.time() - 60, "old-boot"))
    assert notices(tab(BOB)) == []  # another browser: nothing to tell
    at = tab(ALICE)
    [told] = notices(at)
    assert "Compare settings" in told and "press the page's button to run it again" in told
    at.button(key="interrupted_ok").click().run()
    assert notices(at) == []
    assert notices(tab(ALICE)) == []  # told once


def test_the_notice_reads_in_japanese(smol):
    room_store().execute(
        "INSERT INTO inflight (client, session, page, started, boot) VALUES (?, ?, ?, ?, ?)",
        (ALICE, "old-tab", "", time.time() - 5, "old-boot"))
    [told] = notices(tab(ALICE, lang="ja"))
    assert "**生成**" in told and "再起動" in told and "restart" not in told


def test_a_finished_generation_leaves_no_record(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["client_pid"] = ALICE
    at.query_params["max_new_tokens"] = "4"
    at.run()
    next(b for b in at.button if b.label == "Generate").click().run()
    assert not at.exception and at.session_state["gen_handle"] is None
    assert room_store().query("SELECT * FROM inflight") == []
