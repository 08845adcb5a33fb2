"""``python -m playground inside ...``: the JSON the issue names, and bad input exits 2."""

import json

import pytest

from playground.cli import main


def run(capsys, *argv):
    code = main(["inside", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_lens_json_ends_with_the_final_layer(smol, capsys):
    code, out, _ = run(capsys, "lens", "--prompt", "The capital of Japan is", "--json")
    data = json.loads(out)
    assert code == 0 and [r["layer"] for r in data["layers"]] == list(range(31))
    assert set(data["layers"][-1]) == {"layer", "token", "prob"}
    assert data["layers"][-1]["token"] == " Tokyo" and 0 < data["layers"][-1]["prob"] <= 1
    assert data["layers"][data["first_correct_layer"]]["token"] == " Tokyo"


def test_tokens_json(smol, capsys):
    code, out, _ = run(capsys, "tokens", "--text", "ＡＢＣ１２３ｱｲｳ", "--normalize", "nfkc", "--json")
    data = json.loads(out)
    assert code == 0 and (data["normalized"], data["count"], data["normalized_count"]) == \
        ("ABC123アイウ", 21, 10)


def test_similarity_json(smol, capsys, tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps(["猫が寝ている。", "A cat is sleeping.", "株価が下がった。"]),
                 encoding="utf-8")
    code, out, _ = run(capsys, "similarity", "--sentences", str(f), "--json")
    m = json.loads(out)["matrix"]
    assert code == 0 and len(m) == 3 and all(len(r) == 3 for r in m) and m[0][0] == 1.0


def test_hidden_and_attention(smol, capsys):
    code, out, _ = run(capsys, "hidden", "--text", "Hello world", "--layer", "0", "--json")
    assert code == 0 and json.loads(out)["shapes"]["last_hidden_state.shape"] == [1, 2, 576]
    code, out, _ = run(capsys, "attention", "--text", "Hello world", "--layer", "3", "--json")
    assert code == 0 and json.loads(out)["head"] is None and len(json.loads(out)["weights"]) == 2


@pytest.mark.parametrize("argv,message", [
    (["lens", "--prompt", ""], "empty"),
    (["attention", "--text", "hi", "--layer", "99"], "1..30"),
    (["similarity", "--sentences", "/no/such/file.json"], "does not exist"),
    (["hidden", "--text", "hi", "--layer", "40"], "0..30"),
])
def test_bad_input_is_one_line_and_exit_2(smol, capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_a_sentences_file_that_is_not_a_list(smol, capsys, tmp_path):
    f = tmp_path / "s.json"
    f.write_text('{"a": 1}')
    code, _, err = run(capsys, "similarity", "--sentences", str(f))
    assert code == 2 and "JSON list of strings" in err


@pytest.mark.slow  # runs every view; each view's logic is tested in tests/inside
def test_bench_prints_seconds_per_view(smol, capsys):
    code, out, _ = run(capsys, "bench", "--json")
    data = json.loads(out)
    assert code == 0 and 25 <= data["prompt_tokens"] <= 35
    assert set(data["views"]) == {"hidden", "similarity", "lens", "attention", "tokens", "padding"}
    assert all(s > 0 for s in data["views"].values()) and data["target_s"] == 3.0
