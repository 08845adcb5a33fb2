"""Sweep: the grid, the cap and its message, and a tiny real sweep with progress."""

import pytest

from playground.errors import SettingsError
from playground.serving.service import Prompt
from playground.lab.sweep import MAX_SWEEP_TOKENS, make_plan, parse_values, run


def test_values_are_parsed_from_a_comma_list():
    assert parse_values("0.1, 0.5,0.9", "top_p") == (0.1, 0.5, 0.9)
    assert parse_values("1;1;2", "temperature") == (1.0, 2.0)
    with pytest.raises(SettingsError, match="numbers separated by commas"):
        parse_values("0.1, lots", "top_p")


def test_a_grid_over_the_cap_is_refused_with_the_cap_in_the_message():
    with pytest.raises(SettingsError) as err:
        make_plan((0.1, 0.5, 0.9), (0.5, 1.0, 1.5), n=8, max_new_tokens=128)
    message = str(err.value)
    assert f"{MAX_SWEEP_TOKENS:,}" in message and "9 cells x 8 samples x 128 tokens" in message


def test_out_of_range_values_and_too_few_samples_are_named():
    with pytest.raises(SettingsError) as err:
        make_plan((0.1, 1.5), (0.0,), n=1, max_new_tokens=8)
    problems = " ".join(err.value.problems)
    assert "top_p must be in (0, 1], got 1.5" in problems
    assert "temperature must be in (0, 10], got 0" in problems
    assert "at least 2 samples" in problems


def test_plan_cells_are_row_major_with_one_seed():
    plan = make_plan((0.1, 0.9), (0.5, 1.0, 2.0), n=2, max_new_tokens=4, seed=7)
    cells = plan.settings()
    assert [(s.top_p, s.temperature) for s in cells][:4] == [(0.1, 0.5), (0.1, 1.0),
                                                             (0.1, 2.0), (0.9, 0.5)]
    assert {s.seed for s in cells} == {7} and plan.token_budget == 6 * 2 * 4


def test_a_small_sweep_runs_on_the_real_model_and_reports_progress(smol):
    plan = make_plan((0.01, 1.0), (1.0,), n=2, max_new_tokens=6)
    seen = []
    cells = run(smol, Prompt.raw("Once upon a time"), plan,
                progress=lambda f, msg: seen.append((f, msg)))
    assert [(c.top_p, c.temperature) for c in cells] == [(0.01, 1.0), (1.0, 1.0)]
    # top_p 0.01 keeps only the most likely token: both samples are the same text
    assert cells[0].self_bleu == pytest.approx(100) and len(set(cells[0].texts)) == 1
    assert seen and seen[-1][0] == 1.0 and "2 of 2 cells done" in seen[-1][1]
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
