"""python -m playground toy / compare / sweep / lens / bench-compare (the Sampling lab)."""

import json

from playground.cli import build_parser, main


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_toy_json_gives_the_tutorials_numbers_at_temperature_1_5(capsys):
    code, out, _ = run_cli(capsys, "toy", "--temperature", "1.5", "--json")
    data = json.loads(out)
    assert code == 0 and data["kept"] == 10
    tempered = [t["tempered"] for t in data["tokens"]]
    assert tempered[0] == 0.1952 and tempered[-1] == 0.0363
    assert [t["token"] for t in data["tokens"]][:3] == ["the", "a", "dragon"]


def test_toy_top_p_0_8_keeps_six_tokens_and_says_why_the_rest_went(capsys):
    code, out, _ = run_cli(capsys, "toy", "--top-p", "0.8", "--json")
    tokens = json.loads(out)["tokens"]
    assert [t["token"] for t in tokens if not t["removed"]] == ["the", "a", "dragon", "flew",
                                                                "over", "and"]
    assert {t["removed_by"] for t in tokens if t["removed"]} == {"top_p"}
    code, out, _ = run_cli(capsys, "toy", "--top-p", "0.8")
    assert code == 0 and "6 of 10 tokens kept" in out and "removed by top_p" in out


def test_toy_refuses_temperature_zero_with_a_hint(capsys):
    code, out, err = run_cli(capsys, "toy", "--temperature", "0")
    assert code == 1 and out == "" and "choose greedy decoding" in err


def test_sweep_over_the_cap_fails_before_any_model_loads(capsys):
    code, out, err = run_cli(capsys, "sweep", "--top-p", "0.1,0.3,0.5,0.7,0.9",
                             "--temperature", "0.5,1,1.5,2", "--n", "8")
    assert code == 1 and out == "" and "the cap is 6,144 tokens" in err


def test_compare_needs_two_columns_and_knows_its_presets(capsys):
    code, _, err = run_cli(capsys, "compare", "--presets", "greedy")
    assert code == 1 and "2 to 6 columns" in err
    code, _, err = run_cli(capsys, "compare", "--presets", "greedy,nucleus")
    assert code == 1 and "unknown preset 'nucleus'" in err


def test_bench_compare_is_a_registered_command():
    args = build_parser().parse_args(["bench-compare", "--max-new-tokens", "8"])
    assert args.samples == 3 and args.max_new_tokens == 8 and args.repeat == 1


def test_lens_json_has_one_record_per_step(smol, capsys):
    code, out, _ = run_cli(capsys, "lens", "--prompt", "Once upon a time", "--raw",
                           "--greedy", "--max-new-tokens", "3", "--top", "4", "--json")
    data = json.loads(out)
    assert code == 0 and len(data["steps"]) == 3 and data["text"]
    first = data["steps"][0]
    assert first["greedy"] and len(first["candidates"]) == 4
    assert first["candidates"][0]["chosen"] and first["candidates"][0]["final"] == 1.0
