"""python -m playground self-bleu FILE: texts you already have, scored in either mode."""

import json
import pathlib

import pytest

from playground.cli import main

DATA = pathlib.Path(__file__).parents[1] / "lab" / "data" / "tutorial_top_p_0_9_samples.json"
PROMPT = "Tell me a story about a dragon."


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tutorial_mode_prints_the_tutorials_scores(capsys):
    code, out, _ = run_cli(capsys, "self-bleu", str(DATA), "--mode", "tutorial")
    assert code == 0
    assert "Self-BLEU for text 1: 19.34" in out and "Self-BLEU for text 3: 31.67" in out
    assert "Average Self-BLEU: 23.46" in out and "mode: tutorial" in out


def test_json_gives_each_score_the_average_and_the_mode(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "self-bleu", str(DATA), "--json")
    data = json.loads(out)
    assert code == 0 and data["mode"] == "all-others"
    assert data["scores"] == [38.06, 25.25, 36.77] and data["average"] == 33.36
    # --prompt restores what pipeline returned from the continuations alone
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps([t[len(PROMPT):] for t in json.loads(DATA.read_text())]))
    code, out, _ = run_cli(capsys, "self-bleu", str(bare), "--mode", "tutorial",
                           "--prompt", PROMPT, "--json")
    assert json.loads(out)["scores"] == [19.34, 19.36, 31.67]
    code, out, _ = run_cli(capsys, "self-bleu", str(bare), "--mode", "tutorial", "--json")
    assert json.loads(out)["scores"] != [19.34, 19.36, 31.67]


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"\xff\xfe\x00bad", "not UTF-8"),
    (b'{"a": 1}', "JSON list of strings"),
    (b'["one", 2]', "JSON list of strings"),
    (b"[not json", "not valid JSON"),
    (b'["only one"]', "at least 2"),
], ids=["missing", "not-utf8", "not-a-list", "not-strings", "bad-json", "one-text"])
def test_bad_files_get_a_clear_message_and_no_traceback(capsys, tmp_path, content, message):
    path = tmp_path / "texts.json"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run_cli(capsys, "self-bleu", str(path))
    assert code == 1 and out == "" and message in err and "Traceback" not in err


def test_a_directory_or_an_oversized_file_is_refused_before_reading(capsys, tmp_path,
                                                                    monkeypatch):
    code, _, err = run_cli(capsys, "self-bleu", str(tmp_path))
    assert code == 1 and "not a regular file" in err
    big = tmp_path / "big.json"
    big.write_text(json.dumps(["x" * 100, "y" * 100]))
    monkeypatch.setattr("playground.cli.self_bleu.MAX_FILE_BYTES", 50)
    code, _, err = run_cli(capsys, "self-bleu", str(big))
    assert code == 1 and "50-byte limit" in err


def test_json_reports_the_tokenization_it_chose(capsys, tmp_path):
    same = tmp_path / "ja.json"
    same.write_text(json.dumps(["猫が窓の外を見ている。"] * 3, ensure_ascii=False), "utf-8")
    code, out, _ = run_cli(capsys, "self-bleu", str(same), "--json")
    data = json.loads(out)
    assert code == 0 and data["tokenization"] == "ja-mecab" and data["average"] == 100.0
    code, out, _ = run_cli(capsys, "self-bleu", str(DATA), "--json")
    assert json.loads(out)["tokenization"] == "13a"
