"""Compare: presets, one request for every column, per-column metrics."""

import pytest

from playground.lab.compare import (DEFAULT_COLUMNS, PRESETS, Column, build_request,
                                    column_settings, column_texts, preset, run)
from playground.errors import SettingsError
from playground.serving.service import Prompt


def columns(*names, n=3, max_new_tokens=8):
    return [Column(name, column_settings(preset(name), n, 0, max_new_tokens)) for name in names]


def test_the_tutorials_presets_are_all_there_and_valid():
    for name in ["greedy", "top_p 0.9 / T 0.8", "top_p 0.1 / T 0.8", "top_p 0.5 / T 0.1",
                 "top_p 0.5 / T 1.5", "top_p 1.0 / T 10", "top_k 3",
                 "ancestral (top_k 0, top_p 1, T 1)", "epsilon 0.02"]:
        s = column_settings(preset(name), 3, 0, 16)
        assert s.do_sample == (name != "greedy")
    assert set(DEFAULT_COLUMNS) <= set(PRESETS)
    assert column_settings(preset("top_p 1.0 / T 10"), 3, 0, 16).temperature == 10


def test_all_columns_become_one_request_and_rows_map_back_to_columns():
    cols = columns("greedy", "top_k 3", "top_p 0.9 / T 0.8", n=3)
    request, owner = build_request(Prompt.raw("Hi"), cols, 3)
    assert len(request.prompts) == 1
    # greedy is generated three times (one sample each), the others as 3 samples
    assert [v.num_return_sequences for v in request.variants] == [1, 1, 1, 3, 3]
    assert owner == [0] * 3 + [1] * 3 + [2] * 3 and len(request.row_keys()) == 9
    assert column_texts(list("abcdefghi"), owner, 3) == [list("abc"), list("def"),
                                                         list("ghi")]
    # every sampling column shares the seed: sample i uses seed + i in each
    assert [v.seed for v in request.variants[3:]] == [0, 0]


def test_column_count_is_checked():
    with pytest.raises(SettingsError, match="2 to 6 columns"):
        build_request(Prompt.raw("Hi"), columns("greedy"), 3)
    with pytest.raises(SettingsError, match="unknown preset"):
        preset("top_p 2")


def test_greedy_scores_100_and_a_hot_column_scores_lower_on_the_real_model(smol):
    cols = columns("greedy", "top_p 1.0 / T 10", n=3, max_new_tokens=10)
    greedy, hot = run(smol, Prompt.raw("The dragon"), cols, 3, timeout=300)
    assert len(set(greedy.texts)) == 1 and greedy.self_bleu_avg == pytest.approx(100)
    assert len(hot.texts) == 3 and hot.self_bleu_avg < 50
    row = hot.summary()
    assert row["column"] == "top_p 1.0 / T 10" and 0 < row["distinct-1"] <= 1
    assert row["mean length (tokens)"] == pytest.approx(sum(hot.tokens) / 3)


def test_tutorial_named_presets_run_with_transformers_default_top_k_50():
    """Changed on purpose (issue 17): the tutorial never set top_k, so transformers' default
    top_k=50 applied to its runs; ancestral sampling keeps every filter explicitly off."""
    from playground.lab.compare import TUTORIAL_PRESETS
    assert set(TUTORIAL_PRESETS) == {"top_p 0.9 / T 0.8", "top_p 0.1 / T 0.8",
                                     "top_p 0.5 / T 0.1", "top_p 0.5 / T 1.5",
                                     "top_p 1.0 / T 10"}
    for name in TUTORIAL_PRESETS:
        s = column_settings(preset(name), 3, 0, 16)
        assert s.top_k == 50 and s.generate_kwargs()["top_k"] == 50
    ancestral = column_settings(preset("ancestral (top_k 0, top_p 1, T 1)"), 3, 0, 16)
    assert (ancestral.top_k, ancestral.top_p, ancestral.temperature) == (0, 1.0, 1.0)


def test_tutorial_mode_scores_prompt_plus_continuation_on_the_real_model(smol):
    from playground.lab.metrics import self_bleu_scores
    cols = columns("top_p 0.9 / T 0.8", "top_p 0.5 / T 1.5", n=3, max_new_tokens=12)
    prompt = Prompt.raw("The dragon")
    tutorial = run(smol, prompt, cols, 3, timeout=300, self_bleu_mode="tutorial")
    others = run(smol, prompt, cols, 3, timeout=300)
    for t, o in zip(tutorial, others):
        assert t.texts == o.texts  # the same samples (same seeds), scored two ways
        assert t.self_bleu == pytest.approx(self_bleu_scores(
            ["The dragon" + x for x in t.texts], mode="tutorial"))
        assert o.self_bleu == pytest.approx(self_bleu_scores(o.texts))
    assert [t.self_bleu for t in tutorial] != [o.self_bleu for o in others]
