""""Made with" names max_length instead of max_new_tokens when max_length decides."""

from playground.room.madewith import summary


def test_max_length_replaces_max_new_tokens_in_the_made_with_line():
    base = {"do_sample": False, "max_new_tokens": 64, "prompt": "Hi"}
    assert ("max_new_tokens", 64) in summary("generate", base)
    shown = summary("generate", {**base, "max_length": 12, "num_beams": 3})
    names = [n for n, _ in shown]
    assert "max_new_tokens" not in names and ("max_length", 12) in shown
    assert ("num_beams", 3) in shown
