"""``link`` and ``lesson``: the same links and plan checks as the pages, from a shell."""

import json

from playground.cli import main
from playground.room.lessons import SHIPPED
from playground.room.links import decode_link


def test_link_prints_a_link_that_opens_those_inputs(capsys):
    assert main(["link", "compare", "--set", "columns=2", "--set", "col1.preset=top_p 0.1 / T 0.8",
                 "--set", "col2.preset=top_p 0.9 / T 0.8", "--set", "seed=3"]) == 0
    link = capsys.readouterr().out.strip()
    page, inputs, notes = decode_link(link)
    assert page == "sampling_compare" and notes == []
    assert (inputs["columns"], inputs["seed"], inputs["col2.top_p"]) == (2, 3, 0.9)


def test_link_refuses_a_bad_value_with_exit_1(capsys):
    assert main(["link", "generate", "--set", "top_p=7"]) == 1
    assert "top_p must be in (0, 1], got 7" in capsys.readouterr().err


def test_parse_json_lists_the_inputs_and_what_was_ignored(capsys):
    assert main(["link", "--parse", "http://room:8501/?top_p=7&seed=3&lang=ja", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["page"] == "generate" and out["inputs"]["seed"] == 3
    assert out["inputs"]["top_p"] == 1.0 and len(out["ignored"]) == 1


def test_lesson_check_exit_codes(tmp_path, capsys):
    assert main(["lesson", "check", str(SHIPPED / "tutorial.toml")]) == 0
    assert "all good" in capsys.readouterr().out
    bad = tmp_path / "mine.toml"
    bad.write_text('title = "mine"\n[[step]]\npage = "toy"\nnote = "a\n')
    assert main(["lesson", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "mine.toml" in err and "line 4" in err and "Traceback" not in err
