"""python -m playground room: post (with a session's limits), board, export, bench; --db."""

import csv
import io
import json

from playground.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_post_board_and_export_on_the_chosen_database(tmp_path, capsys):
    db = str(tmp_path / "room.sqlite3")
    code, out, _ = run_cli(capsys, "room", "post", "--page", "compare", "--text", "hello room",
                           "--name", "Aki", "--settings", '{"top_p": 0.9, "seed": 1}',
                           "--db", db, "--json")
    posted = json.loads(out)
    assert code == 0 and posted["page"] == "sampling_compare" and posted["name"] == "Aki"
    assert posted["settings"] == {"top_p": 0.9, "seed": 1}
    code, out, _ = run_cli(capsys, "room", "board", "--db", db, "--json")
    assert code == 0 and [p["text"] for p in json.loads(out)] == ["hello room"]
    code, out, _ = run_cli(capsys, "room", "export", "--csv", "--db", db)
    assert code == 0 and [r["text"] for r in csv.DictReader(io.StringIO(out))] == ["hello room"]
    code, out, err = run_cli(capsys, "room", "board", "--db", str(tmp_path / "other.sqlite3"),
                             "--json")  # reading a database that is not there is an error
    assert code == 1 and out == "" and "there is no room database at" in err
    assert not (tmp_path / "other.sqlite3").exists()


def test_a_text_that_starts_with_a_minus_is_the_posts_text(tmp_path, capsys):
    db = str(tmp_path / "room.sqlite3")
    for text in ("-2+3", "- a list item", "-> an arrow"):
        code, out, err = run_cli(capsys, "room", "post", "--page", "generate", "--text", text,
                                 "--name", "-anon-", "--db", db, "--json")
        assert code == 0, err
        assert json.loads(out)["text"] == text and json.loads(out)["name"] == "-anon-"


def test_the_cli_has_the_same_limits_as_a_session(tmp_path, capsys):
    db = str(tmp_path / "room.sqlite3")
    code, _, err = run_cli(capsys, "room", "post", "--page", "generate", "--text", "x" * 9000,
                           "--db", db)
    assert code == 1 and "at most 8 kB" in err and "Traceback" not in err
    for i in range(4):  # posts_per_minute = 4 by default
        assert run_cli(capsys, "room", "post", "--page", "generate", "--text", f"t{i}",
                       "--db", db)[0] == 0
    code, _, err = run_cli(capsys, "room", "post", "--page", "generate", "--text", "t5",
                           "--db", db)
    assert code == 1 and "4 times a minute" in err
    code, _, err = run_cli(capsys, "room", "post", "--page", "generate", "--text", "t",
                           "--settings", "[1]", "--db", db)
    assert code == 1 and "JSON object" in err


def test_bench_prints_the_size_of_the_database(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "room", "bench", "--posts", "200", "--db",
                           str(tmp_path / "bench.sqlite3"), "--json")
    report = json.loads(out)
    assert code == 0 and report["posts"] == report["shown"] == 200
    assert 200 * 300 < report["db_bytes"] < 200 * 5000
