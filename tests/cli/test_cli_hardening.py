"""Hostile command-line inputs: each gets a clear message and a non-zero exit, never a
traceback, a RecursionError or an error id; readers never hang or fill the memory."""

import os

import pytest

from playground.cli import main
from playground.room.links import PAGES

NEVER = ("Traceback", "RecursionError", "error id", "KeyError")


def run_cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's refusal: status 2
        code = exit_.code
    out, err = capsys.readouterr()
    assert not any(word in out + err for word in NEVER), out + err
    return code, out, err


@pytest.fixture
def deep_json(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    return str(path)


@pytest.mark.parametrize("argv, says", [
    (["soak", "--sessions", "-1", "--minutes", "-1"], "--sessions: must be in 1..256, got -1"),
    (["soak", "--minutes", "-1"], "--minutes: must be in 0.05..600, got -1"),
    (["room", "bench", "--posts", "-1"], "--posts: must be in 1..1000000, got -1"),
    (["lens", "--step", "-1"], "--step: must be in 0..511, got -1"),
    (["lens", "--top", "0"], "--top: must be in 1..50, got 0"),
    (["bench", "--sessions", "-1"], "--sessions: must be in 1..256, got -1"),
])
def test_numbers_out_of_range_are_refused_with_the_range(capsys, argv, says):
    code, _out, err = run_cli(capsys, *argv)
    assert code != 0 and says in err


@pytest.mark.parametrize("page", sorted({s.alias for s in PAGES.values()}))
def test_every_page_lists_its_inputs_and_defaults(capsys, page):
    code, out, err = run_cli(capsys, "link", page, "--list")
    assert code == 0, err
    assert "default" in out and len(out.splitlines()) >= 1


def test_read_commands_refuse_a_database_that_is_not_there(capsys, tmp_path):
    missing = str(tmp_path / "nowhere" / "x.sqlite3")
    for argv in (["room", "export", "--csv", "--db", missing], ["room", "board", "--db", missing]):
        code, out, err = run_cli(capsys, *argv)
        assert code == 1 and "there is no room database at" in err and out == ""
    assert not (tmp_path / "nowhere").exists()  # nothing was created on the way


def test_deeply_nested_json_is_refused_before_parsing(capsys, deep_json):
    code, _out, err = run_cli(capsys, "template", "--messages", deep_json)
    assert code == 1 and "nested more than 64 levels" in err
    code, _out, err = run_cli(capsys, "self-bleu", deep_json)
    assert code == 1 and "nested more than 64 levels" in err


def test_lesson_check_refuses_devices_and_pipes_without_reading_them(capsys, tmp_path):
    code, _out, err = run_cli(capsys, "lesson", "check", "/dev/zero")
    assert code == 1 and "not a regular file" in err
    fifo = tmp_path / "plan.toml"
    os.mkfifo(fifo)
    code, _out, err = run_cli(capsys, "lesson", "check", str(fifo))  # must not hang
    assert code == 1 and "not a regular file" in err


def test_a_deeply_nested_lesson_plan_is_refused_with_a_message(capsys, tmp_path):
    plan = tmp_path / "deep.toml"
    plan.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    code, _out, err = run_cli(capsys, "lesson", "check", str(plan))
    assert code == 1 and "nested more than 64 levels" in err
