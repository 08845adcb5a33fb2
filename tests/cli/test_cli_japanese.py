"""gemma-3-270m from the command line writes Japanese: a Japanese prompt continued greedily and
sampled, and the tutorial's few-shot translation (real model, loaded once per test session)."""

import json
import re

import pytest

from playground.cli import main
from playground.prompting.templates import DEFAULT_FEW_SHOT

JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")  # kana and kanji


def ja_share(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(bool(JA_CHAR.match(c)) for c in chars) / max(len(chars), 1)


@pytest.fixture(scope="module")
def gemma():
    from playground.serving.registry import default_registry
    return default_registry().load("gemma-3-270m")


def generate(capsys, *argv) -> list[str]:
    assert main(["generate", "--model", "gemma-3-270m", "--json", "--max-new-tokens", "24",
                 *argv]) == 0
    return [o["text"] for o in json.loads(capsys.readouterr().out)["outputs"]]


@pytest.mark.parametrize("decoding", [["--greedy"], ["--temperature", "0.8", "--top-p", "0.9",
                                                     "--n", "2"]])
def test_a_japanese_prompt_is_continued_in_japanese(gemma, capsys, decoding):
    texts = generate(capsys, "--prompt", "昔々、あるところに", *decoding)
    assert all(ja_share(t) > 0.6 for t in texts), texts


def test_the_tutorials_few_shot_translation_gives_japanese(gemma, capsys, tmp_path):
    path = tmp_path / "few_shot.json"
    path.write_text(DEFAULT_FEW_SHOT.to_json(), encoding="utf-8")
    text = generate(capsys, "--few-shot", str(path), "--greedy", "--stop", "\n")[0]
    assert ja_share(text) > 0.5, text
