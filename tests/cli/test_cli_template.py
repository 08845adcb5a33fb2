"""``python -m playground template`` and ``generate --few-shot``: the exact model input."""

import json

import pytest

from playground.cli import main
from playground.prompting.templates import DEFAULT_FEW_SHOT

MESSAGES = [{"role": "system", "content": "You are a pirate."},
            {"role": "user", "content": "Hello!"}]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path):
    messages = tmp_path / "messages.json"
    messages.write_text(json.dumps(MESSAGES), encoding="utf-8")
    few = tmp_path / "few_shot.json"
    few.write_text(DEFAULT_FEW_SHOT.to_json(), encoding="utf-8")
    return messages, few


def test_messages_print_smollm_chatml_exactly(smol, capsys, files):
    code, out, err = run_cli(capsys, "template", "--messages", str(files[0]))
    assert code == 0
    assert out == ("<|im_start|>system\nYou are a pirate.<|im_end|>\n"
                   "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n")
    assert "template" in err and "user" in err  # token counts per role go to stderr


def test_the_no_system_stand_in_reports_the_merge(smol, capsys, files):
    code, out, err = run_cli(capsys, "template", "--messages", str(files[0]),
                             "--template", "no-system", "--no-generation-prompt")
    assert code == 0 and out.startswith("<|im_start|>user\nYou are a pirate.\n\nHello!")
    assert not out.rstrip().endswith("assistant") and "merged" in err


@pytest.mark.parametrize("content, message", [
    ("[{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]",
     "two user messages in a row"),
    ("{not json", "is not valid JSON"),
    ("{\"messages\": 3}", "must hold a JSON list"),
])
def test_bad_message_files_exit_1_with_a_reason(smol, capsys, tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = run_cli(capsys, "template", "--messages", str(bad))
    assert code == 1 and out == "" and message in err


def test_few_shot_renders_the_same_in_template_and_generate(smol, capsys, files):
    few = str(files[1])
    for view, chat_flag in (("text", []), ("chat", ["--chat"])):
        code, out, _ = run_cli(capsys, "template", "--few-shot", few, "--as", view, "--json")
        template_text = json.loads(out)["text"]
        code2, out2, _ = run_cli(capsys, "generate", "--few-shot", few, *chat_flag, "--greedy",
                                 "--max-new-tokens", "1", "--json")
        assert code == code2 == 0 and json.loads(out2)["prompt"] == template_text
        expected = DEFAULT_FEW_SHOT.as_text() if view == "text" else None
        assert expected is None or template_text == expected
    assert "<|im_start|>assistant\nJapanese: お元気ですか？<|im_end|>" in template_text


def test_shots_limit_the_examples(smol, capsys, files):
    code, out, _ = run_cli(capsys, "template", "--few-shot", str(files[1]), "--as", "text",
                           "--shots", "0")
    assert code == 0 and out.rstrip("\n") == DEFAULT_FEW_SHOT.with_shots(0).as_text()
