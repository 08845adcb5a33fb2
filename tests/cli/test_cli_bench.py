"""``bench``: numbers out of range are refused with the range; ``--fairness`` compares the
schedulers in one run; ``--dtypes`` loads the model in each CPU dtype."""

import json

import pytest

from playground.cli import main


def run_cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse refuses a value: status 2, message on stderr
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, says", [
    (["--sessions", "-1"], "argument --sessions: must be in 1..256, got -1"),
    (["--sessions", "0"], "must be in 1..256, got 0"),
    (["--new-tokens", "x"], "argument --new-tokens: must be a whole number, got 'x'"),
    (["--fairness", "--fair-seconds", "-1"], "must be in 1..600, got -1"),
    (["--dtypes", "float16"], "--dtypes takes float32, bfloat16, auto, got float16"),
])
def test_bench_refuses_numbers_out_of_range_with_the_range(capsys, argv, says):
    code, _out, err = run_cli(capsys, "bench", *argv)
    assert code == 2 and says in err
    assert "Traceback" not in err and "error id" not in err


@pytest.mark.slow  # tests/serving/test_fair_admission.py (the newcomer first, parked rows back in place)
def test_fairness_bench_lets_the_newcomer_in_first_with_the_fair_scheduler(smol, capsys):
    code, out, err = run_cli(capsys, "bench", "--fairness", "--fair-rows", "16",
                             "--fair-tokens", "24", "--fair-sessions", "4", "--fair-seconds",
                             "2", "--json")
    assert code == 0, err
    report = json.loads(out)
    fifo, fair = report["newcomer"]["fifo"], report["newcomer"]["fair"]
    assert fair["tokens"] == fifo["tokens"] == 8
    assert fair["rows_parked_for_others"] >= 1 and fifo["rows_parked_for_others"] == 0
    for name in ("fifo", "fair"):
        spread = report["spread"][name]
        assert spread["sessions"] == 4 and spread["tokens_max"] >= spread["tokens_min"] >= 0


@pytest.mark.slow  # bf16 on a CPU without bf16 instructions is slow; tests/bench/test_batchbench.py
def test_dtypes_take_turns_and_the_ratio_divides_the_medians(smol, capsys):
    code, out, err = run_cli(capsys, "bench", "--sessions", "2", "--new-tokens", "3",
                             "--dtypes", "float32,bfloat16", "--rounds", "3", "--json")
    assert code == 0, err
    by_dtype = json.loads(out)["by_dtype"]
    f32, bf16 = by_dtype["float32"], by_dtype["bfloat16"]
    assert (f32["loaded_as"], bf16["loaded_as"]) == ("float32", "bfloat16")
    assert len(f32["rounds_tokens_per_s"]) == len(bf16["round_ratios"]) == 3
    assert f32["tokens_per_s"] == sorted(f32["rounds_tokens_per_s"])[1]  # the median round
    assert bf16["ratio_to_first"] == round(bf16["tokens_per_s"] / f32["tokens_per_s"], 2)
    assert f32["round_ratios"] == [1.0, 1.0, 1.0]


def test_a_newcomer_not_done_in_time_is_a_partial_figure_not_an_abort(smol, capsys,
                                                                       monkeypatch):
    """On a busy machine fifo's newcomer waits for all three heavy requests: past the wait it
    is reported as waiting at least that long (it used to hit the request timeout and end the
    whole run with no figures)."""
    from playground.bench import fairbench

    entry = fairbench.newcomer(smol, "fifo", rows=16, tokens=200, wait_s=0.3)
    assert entry["finished"] is False and entry["first_token_s"] is None
    assert 0.3 <= entry["waited_s"] < 5 and entry["tokens"] < 8

    real = fairbench.newcomer
    monkeypatch.setattr(fairbench, "newcomer",
                        lambda *a, **k: real(*a, **{**k, "wait_s": 0.3}))
    code, out, err = run_cli(capsys, "bench", "--fairness", "--fair-rows", "16",
                             "--fair-tokens", "200", "--fair-sessions", "2",
                             "--fair-seconds", "1")
    assert code == 0, err
    assert "fifo: newcomer beside 3 x 16 rows x 200 tokens: not done after" in out
    assert "a partial figure" in out and "participants for 1 s" in out


def test_profile_accounts_for_the_rooms_prefill_and_a_decode_step(smol, capsys):
    from playground.bench.firsttoken import linear_weights
    from playground.bench.loadtest import session_request
    from playground.serving.prefixes import common_prefix

    code, out, err = run_cli(capsys, "bench", "--profile", "--sessions", "3", "--rounds", "1",
                             "--json")
    assert code == 0, err
    r = json.loads(out)
    ids = [smol.service.tokenize(smol.service.render(session_request(i, 8).prompts[0]))
           for i in range(3)]
    room, one = r["prefill_room"], r["prefill_one_prompt"]
    assert room["prompts"] == 3 and room["prompt_tokens"] == sum(map(len, ids))
    assert room["padded_tokens"] == 3 * max(map(len, ids)) and one["prompts"] == 1
    body, head = linear_weights(smol.model)
    assert (r["linear_weights"], r["vocab_projection_weights"]) == (body, head)
    assert 100e6 < body + head < 200e6  # SmolLM2-135M's linear layers, the head tied
    seconds = room["ms"] / 1000  # the figures are the same arithmetic over the same time
    assert room["gflop_per_s"] == pytest.approx(
        2 * (body * room["padded_tokens"] + head * 3) / seconds / 1e9, rel=0.02)
    assert 0 < room["share_of_matmul_roof"] == pytest.approx(
        room["gflop_per_s"] / r["matmul_gflop_per_s"], abs=0.01)
    shared = r["shared_head"]  # the system prompt and the request's first words
    assert shared["head_tokens"] == min(common_prefix(tuple(ids[0]), tuple(p)) for p in ids) > 20
    assert shared["room_speedup_read_once"] == pytest.approx(
        room["ms"] / shared["room_head_read_once_ms"], abs=0.01)
    assert shared["one_prompt_speedup_kept"] == pytest.approx(
        one["ms"] / shared["one_prompt_head_kept_ms"], abs=0.01)
    step = r["decode_step"]
    assert step["rows"] == 3 and step["step_ms"] == pytest.approx(
        step["forward_ms"] + step["sampler_ms"] + step["bookkeeping_ms"], abs=0.01)
    assert r["dtype"] == "float32" and r["cpu"]
