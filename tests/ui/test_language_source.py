"""The language of the inputs' defaults comes from the session that asks, never from the last
script run in the process (tests/room/test_links.py failed after a Japanese AppTest: a link's
default model was gemma-3-270m)."""

import playground.ui.page_model  # noqa: F401  (installs the web app's language source)
from playground.room.links import decode_link
from playground.ui import i18n


def test_a_link_decoded_outside_a_session_gets_the_english_defaults(monkeypatch):
    monkeypatch.setitem(i18n._last_run, "lang", "ja")  # what a Japanese run leaves behind
    _, inputs, notes = decode_link("/?model=../../etc")
    assert inputs["model"] == "smollm2-135m-instruct" and "unknown model" in notes[0]
    _, inputs, _ = decode_link("/")
    assert inputs["prompt"] == "Tell me a story about a dragon."
