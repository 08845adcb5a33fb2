"""The toy explainer reproduces the tutorial's printed numbers with the sampler's own code."""

import pytest

from playground.errors import SettingsError
from playground.lab.toy import TUTORIAL_TOKENS, summary, toy_distribution, toy_settings

TOKENS = [t for t, _ in TUTORIAL_TOKENS]
# the tutorial's tables, as printed (each value is compared at the precision printed)
PRINTED = {
    0.5: ["0.409", "0.262", "0.147", "0.07", "0.04", "0.03", "0.02", "0.01", "0.01", "0.003"],
    1.5: ["0.195", "0.168", "0.139", "0.106", "0.09", "0.08", "0.08", "0.06", "0.05", "0.04"],
    10.0: ["0.112", "0.11", "0.107", "0.103", "0.1", "0.1", "0.1", "0.1", "0.1", "0.09"],
}
# the tutorial's code output for T = 1.5, four decimals
CODE_T15 = [0.1952, 0.1683, 0.1389, 0.1060, 0.0913, 0.0836, 0.0754, 0.0575, 0.0475, 0.0363]


def decimals(text: str) -> int:
    return len(text.split(".")[1])


@pytest.mark.parametrize("temperature", sorted(PRINTED))
def test_temperature_tables_match_the_tutorial(temperature):
    rows = toy_distribution(toy_settings(temperature=temperature))
    for row, printed in zip(rows, PRINTED[temperature]):
        assert f"{row.tempered:.{decimals(printed)}f}" == printed, row
    assert all(r.kept for r in rows) and sum(r.final for r in rows) == pytest.approx(1)


def test_temperature_one_point_five_matches_the_tutorials_code_to_four_decimals():
    rows = toy_distribution(toy_settings(temperature=1.5))
    assert [round(r.tempered, 4) for r in rows] == CODE_T15


def test_top_p_0_8_keeps_six_tokens_renormalized_as_printed():
    rows = toy_distribution(toy_settings(top_p=0.8))
    kept = [r for r in rows if r.kept]
    assert [r.token for r in kept] == TOKENS[:6]
    assert [f"{r.final:.3f}" for r in kept] == ["0.294", "0.235", "0.176", "0.118", "0.094",
                                                 "0.082"]
    assert {r.status for r in rows if not r.kept} == {"top_p"}
    assert "6 of 10 tokens kept" in summary(rows)


@pytest.mark.parametrize("temperature,last", [(0.5, "dragon"), (1.0, "and"), (1.5, "castle"),
                                              (10.0, "into")])
def test_top_p_0_8_after_temperature_reaches_the_tutorials_word(temperature, last):
    rows = toy_distribution(toy_settings(temperature=temperature, top_p=0.8))
    kept = [r.token for r in rows if r.kept]
    assert kept == TOKENS[:TOKENS.index(last) + 1]


def test_epsilon_0_05_removes_into_flames_and_darkness():
    rows = toy_distribution(toy_settings(epsilon_cutoff=0.05))
    assert [r.token for r in rows if not r.kept] == ["into", "flames", "darkness"]
    assert {r.status for r in rows if not r.kept} == {"epsilon"}


def test_top_k_3_keeps_the_three_most_likely_and_names_top_k():
    rows = toy_distribution(toy_settings(top_k=3, top_p=0.5))
    # top-k runs first; top-p then cuts what top-k left (0.25+0.2 of 0.6 reaches 0.5)
    assert [(r.token, r.status) for r in rows[:4]] == [
        ("the", "kept"), ("a", "kept"), ("dragon", "top_p"), ("flew", "top_k")]


def test_impossible_settings_are_refused_with_the_usual_message():
    with pytest.raises(SettingsError, match="top_p must be in"):
        toy_settings(top_p=1.5)
