"""What made a result: the label's summary and "changed since", and a post's step."""

import pytest

from playground.room import board, broadcast
from playground.room.links import full_inputs
from playground.room.madewith import changed, short, summary
from playground.room.store import RoomStore


@pytest.fixture
def store(tmp_path):
    return RoomStore(tmp_path / "room.sqlite3")


def generate(**over) -> dict:
    values, notes = full_inputs("generate", over)
    assert not notes
    return values


def test_the_summary_names_the_mode_the_length_and_the_seed_first():
    made = generate(do_sample=True, max_new_tokens=32, seed=5)
    assert summary("generate", made)[:3] == [("do_sample", True), ("max_new_tokens", 32),
                                              ("seed", 5)]
    # what greedy decoding does not use is not shown (the page keeps it, hidden)
    greedy = generate(do_sample=False, temperature=0.3, seed=5, num_return_sequences=3)
    assert summary("generate", greedy) == [("do_sample", False), ("max_new_tokens", 64)]
    sampled = generate(do_sample=True, temperature=0.3, num_return_sequences=3)
    assert dict(summary("generate", sampled))["temperature"] == 0.3
    assert dict(summary("generate", sampled))["num_return_sequences"] == 3


def test_changed_names_what_differs_and_ignores_what_cannot_change_the_result():
    made = generate(do_sample=False, max_new_tokens=32, seed=5)
    assert changed("generate", made, made) == []
    assert changed("generate", made, {**made, "prompt": "Hi", "seed": 6}) == ["prompt"]
    sampled = {**made, "do_sample": True}
    assert changed("generate", sampled, {**sampled, "seed": 6}) == ["seed"]
    assert changed("generate", made, {**made, "temperature": 1.7}) == []  # greedy either way
    assert changed("generate", made, {**made, "do_sample": True, "temperature": 1.7}) == [
        "do_sample", "temperature"]
    compare, _ = full_inputs("sampling_compare", {"columns": 2})
    assert changed("sampling_compare", compare, {**compare, "col4.top_p": 0.2}) == []  # hidden
    assert changed("sampling_compare", compare, {**compare, "col2.top_p": 0.2}) == ["col2.top_p"]


def test_long_texts_are_cut_and_numbers_stay_plain():
    assert short(0.70) == "0.7" and short(5) == "5"
    assert short("Tell me a story about a dragon, please.") == "“Tell me a story about a …”"
    assert short("two\nlines") == "“two lines”"


def test_a_post_keeps_the_step_it_was_made_under_not_the_current_one(store):
    broadcast.publish(store, "/?seed=1", "Step 1")
    made_step = board.current_step(store)
    broadcast.publish(store, "/?seed=2", "Step 2")
    p = board.add_post(store, session="s", page="generate", text="a dragon", step=made_step,
                       posts_per_minute=0)
    assert p.step == "Step 1"
    q = board.add_post(store, session="s", page="generate", text="no step", step="",
                       posts_per_minute=0)
    assert q.step == ""  # made before any step was shared
    r = board.add_post(store, session="s", page="generate", text="cli", posts_per_minute=0)
    assert r.step == "Step 2"  # the command line: the room's step now


def test_the_chat_switch_is_named_only_when_it_is_off():
    assert "chat" not in dict(summary("generate", generate(chat=True)))
    assert dict(summary("generate", generate(chat=False)))["chat"] is False
