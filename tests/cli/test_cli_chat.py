"""``python -m playground chat``: scripted turns, personas, trimming, interactive commands."""

import io
import json

from playground.cli import main
from playground.prompting.persona import PERSONAS


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_scripted_turns_keep_the_history_and_the_persona(smol, capsys):
    code, out, _ = run_cli(capsys, "chat", "--persona", "pirate", "--message", "Hello!",
                           "--message", "What do you eat?", "--max-new-tokens", "6", "--json")
    data = json.loads(out)
    assert code == 0 and data["system"] == PERSONAS["Pirate"]
    assert [t["role"] for t in data["turns"]] == ["user", "assistant", "user", "assistant"]
    assert all(t["content"] for t in data["turns"])
    # the second prompt carries the first exchange and the system prompt
    assert data["last_prompt"].startswith(f"<|im_start|>system\n{PERSONAS['Pirate']}")
    assert "Hello!" in data["last_prompt"] and data["turns"][1]["content"] in data["last_prompt"]


def test_a_small_budget_trims_old_turns_with_a_note(smol, capsys):
    long = "Tell me everything about ships, sails, ropes, anchors and the sea. " * 3
    code, out, err = run_cli(capsys, "chat", "--system", "Be brief.", "--message",
                             "First question. " + long, "--message", long,
                             "--max-new-tokens", "8", "--budget", "128", "--json")
    data = json.loads(out)
    assert code == 0 and len(data["turns"]) == 4
    assert data["notes"] and "oldest messages were left out" in err
    assert data["last_prompt"].startswith("<|im_start|>system\nBe brief.<|im_end|>")
    assert "First question." not in data["last_prompt"] and long in data["last_prompt"]


def test_unknown_persona_exits_1_listing_the_presets(capsys):
    code, out, err = run_cli(capsys, "chat", "--persona", "ninja", "--message", "hi")
    assert code == 1 and out == "" and "Strict teacher" in err


def test_interactive_session_streams_replies_and_understands_commands(smol, capsys,
                                                                      monkeypatch):
    typed = io.StringIO("Hi there\n/prompt\n/clear\n/prompt\n/quit\n")
    monkeypatch.setattr("sys.stdin", typed)
    code, out, err = run_cli(capsys, "chat", "--system", "You are terse.", "--greedy",
                             "--max-new-tokens", "5")
    assert code == 0 and "bot> " in out
    assert "<|im_start|>user\nHi there<|im_end|>" in err  # /prompt shows what was sent
    assert "(conversation cleared)" in err
