"""The room's own dataset in the room database: add, review, export, from a board post."""

import csv
import io
import json

import pytest

from playground.room import board, examples
from playground.room.examples import ExampleError
from playground.room.store import RoomStore


@pytest.fixture
def store(tmp_path):
    return RoomStore(tmp_path / "room.sqlite3")


def test_examples_are_added_reviewed_and_only_accepted_ones_train(store):
    a = examples.add_example(store, session="s1", prompt=" 元気？ ", response="元気やで！",
                             name="Aki")
    b = examples.add_example(store, session="s2", prompt="Hi", response="Ahoy")
    assert (a.prompt, a.status, a.source) == ("元気？", "pending", "form")
    examples.set_status(store, a.id, "accepted")
    examples.set_status(store, b.id, "rejected")
    assert [r.prompt for r in examples.accepted_records(store)] == ["元気？"]
    with pytest.raises(ExampleError, match="status must be one of"):
        examples.set_status(store, a.id, "maybe")


@pytest.mark.parametrize("prompt, response, message", [
    ("", "x", "both a question and an answer"),
    ("x" * 2001, "y", "at most 2,000 characters"),
])
def test_bad_examples_are_refused(store, prompt, response, message):
    with pytest.raises(ExampleError, match=message):
        examples.add_example(store, session="s", prompt=prompt, response=response)


def test_one_participant_is_rate_limited_and_others_are_not(store):
    for i in range(examples.PER_MINUTE):
        examples.add_example(store, session="busy", prompt=f"q{i}", response="a", now=1000.0 + i)
    with pytest.raises(ExampleError, match="a minute"):
        examples.add_example(store, session="busy", prompt="q", response="a", now=1010.0)
    examples.add_example(store, session="calm", prompt="q", response="a", now=1010.0)
    examples.add_example(store, session="busy", prompt="later", response="a", now=1100.0)


def test_a_board_post_becomes_an_example_with_its_prompt(store):
    post = board.add_post(store, session="s1", page="generate", text="Once upon a time",
                          inputs={"prompt": "Tell me a story"})
    e = examples.example_from_post(store, post.id, "s2")
    assert (e.prompt, e.response, e.source) == ("Tell me a story", "Once upon a time",
                                                f"post:{post.id}")
    bare = board.add_post(store, session="s1", page="board", text="hello")
    with pytest.raises(ExampleError, match="no prompt"):
        examples.example_from_post(store, bare.id, "s2")


def test_exports_round_trip_and_defuse_spreadsheet_formulas(store):
    examples.add_example(store, session="s", prompt="=1+1", response="two, \"quoted\"\nline")
    rows = examples.list_examples(store)
    jsonl = [json.loads(line) for line in examples.export_jsonl(rows).splitlines()]
    assert jsonl == [{"prompt": "=1+1", "response": "two, \"quoted\"\nline"}]
    got = list(csv.DictReader(io.StringIO(examples.export_csv(rows))))
    assert got[0]["prompt"] == "'=1+1" and got[0]["response"] == "two, \"quoted\"\nline"


def test_the_cli_adds_reviews_and_exports_what_the_admin_page_does(tmp_path, capsys):
    from playground.cli import main

    db = str(tmp_path / "room.sqlite3")
    assert main(["dataset", "add", "--prompt", "-2+3?", "--response", "1 やで", "--db", db]) == 0
    assert main(["dataset", "add", "--prompt", "", "--response", "x", "--db", db]) == 1
    assert "both a question and an answer" in capsys.readouterr().err
    assert main(["dataset", "export", "--db", db]) == 0
    assert capsys.readouterr().out == ""  # nothing accepted yet
    assert main(["dataset", "review", "1", "--status", "accepted", "--db", db]) == 0
    capsys.readouterr()
    assert main(["dataset", "export", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out) == {"prompt": "-2+3?", "response": "1 やで"}
