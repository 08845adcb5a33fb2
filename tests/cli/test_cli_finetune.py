"""``python -m playground finetune``: the page's run headless, and its bad inputs."""

import json
import subprocess
import sys

import pytest

from playground.cli import main
from tests.conftest import ROOT


def run_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playground", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_finetune_json_prints_the_run_and_a_peft_adapter(tmp_path):
    data = tmp_path / "sums.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"What is {a} plus {b}?",
                                        "response": f"Arr, {a + b} ⚓"}) + "\n"
                            for a in range(1, 4) for b in range(1, 4)), encoding="utf-8")
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("What is 5 plus 5?\n", encoding="utf-8")
    out = run_cli("finetune", "--model", "smollm2-135m-instruct", "--data", str(data),
                  "--epochs", "2", "--seed", "3", "--lr", "0.001", "--lora-r", "8",
                  "--prompts", str(prompts), "--max-new-tokens", "8",
                  "--out", str(tmp_path / "adapter"), "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout)
    assert [p["step"] for p in got["train_loss"]] == list(range(1, got["steps"] + 1))
    assert got["validation_loss"] < got["validation_curve"][0]["loss"]
    assert got["adapter"] == str(tmp_path / "adapter") and got["seconds"] > 0
    assert len(got["before"]) == len(got["after"]) == 1
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()


@pytest.mark.parametrize("args, message", [
    (["--data", "builtin:nope"], "unknown built-in set 'nope'"),
    (["--data", "/no/such/file.csv"], "training data"),
    (["--data", "builtin:kansai", "--eval"], "--eval needs a labelled built-in set"),
    (["--data", "builtin:kansai", "--target-modules", "fc9"], "target_modules must be"),
])
def test_bad_input_is_one_clear_line_and_no_traceback(args, message, capsys):
    code = main(["finetune", *args])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err


def test_out_of_range_numbers_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["finetune", "--data", "builtin:kansai", "--epochs", "0"])
    assert exc.value.code == 2 and "must be in 1..20, got 0" in capsys.readouterr().err
