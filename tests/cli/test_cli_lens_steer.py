"""python -m playground lens --branch STEP:TOKEN / --draw STEP --n N (the steerable lens)."""

import json

from playground.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


BASE = ("lens", "--prompt", "Tell me a story about a dragon.", "--temperature", "1",
        "--max-new-tokens", "8", "--seed", "0", "--json")


def test_branch_and_draw_from_the_command_line(capsys):
    code, out, _ = run_cli(capsys, *BASE)
    steps = json.loads(out)["steps"]
    other = next(c for c in steps[2]["candidates"] if not c["chosen"])
    code, out, err = run_cli(capsys, *BASE, "--branch", f"2:{other['token']}",
                             "--draw", "2", "--n", "300")
    data = json.loads(out)
    assert code == 0, err
    assert data["branch"]["token_id"] == other["id"] and data["branch"]["text"] != data["text"]
    draw = data["draw"]
    assert draw["n"] == 300 and sum(t["count"] for t in draw["tokens"]) == 300
    assert abs(draw["largest_difference"]) < 0.1


def test_a_malformed_branch_is_a_clear_error(capsys):
    code, out, err = run_cli(capsys, *BASE, "--branch", "three")
    assert code == 1 and out == "" and "STEP:TOKEN" in err
