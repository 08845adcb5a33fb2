"""Per-row filters against transformers' own warpers, on tiny random tensors."""

import itertools

import pytest
import torch
from transformers.generation.logits_process import (EpsilonLogitsWarper, MinPLogitsWarper,
                                                    TemperatureLogitsWarper, TopKLogitsWarper,
                                                    TopPLogitsWarper)

from playground.sampling import RowFilters, choose_tokens, filter_logits, make_generator
from playground.settings import GenerationSettings


def reference(scores: torch.Tensor, s: GenerationSettings) -> torch.Tensor:
    """transformers' chain for one row's settings (warpers it would skip are skipped)."""
    out = scores
    if s.temperature != 1.0:
        out = TemperatureLogitsWarper(s.temperature)(None, out)
    if s.top_k:
        out = TopKLogitsWarper(s.top_k)(None, out)
    if s.top_p < 1.0:
        out = TopPLogitsWarper(s.top_p)(None, out)
    if s.min_p:
        out = MinPLogitsWarper(s.min_p)(None, out)
    if s.epsilon_cutoff:
        out = EpsilonLogitsWarper(s.epsilon_cutoff)(None, out)
    return out


GRID = [GenerationSettings(do_sample=True, temperature=t, top_k=k, top_p=p, min_p=m,
                           epsilon_cutoff=e)
        for t, k, p, m, e in itertools.product([0.01, 0.7, 1.0, 10.0], [0, 1, 5, 100],
                                               [0.1, 0.9, 1.0], [0.0, 0.2], [0.0, 0.02])]


@pytest.mark.parametrize("seed", range(3))
def test_rows_with_different_settings_match_transformers_row_by_row(seed):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(len(GRID), 50, generator=g) * 3
    ours = filter_logits(logits, RowFilters.from_settings(GRID)).filtered
    for i, s in enumerate(GRID):
        expected = reference(logits[i:i + 1], s)
        assert torch.equal(torch.isinf(ours[i:i + 1]), torch.isinf(expected)), s.label()
        assert torch.allclose(ours[i:i + 1].softmax(-1), expected.softmax(-1), atol=1e-6)


def test_inputs_are_not_modified_in_place():
    logits = torch.randn(4, 20)
    before = logits.clone()
    rows = [GenerationSettings(do_sample=True, top_k=3, top_p=0.5, min_p=0.1,
                               epsilon_cutoff=0.05, temperature=0.5)] * 4
    choose_tokens(logits, RowFilters.from_settings(rows), [make_generator(i) for i in range(4)])
    assert torch.equal(logits, before)


def test_trace_names_the_stage_that_removed_each_token():
    # probabilities .5 .3 .15 .05: top_k=3 drops the last, top_p=0.7 then drops the third
    logits = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).log()
    s = GenerationSettings(do_sample=True, top_k=3, top_p=0.7)
    trace = filter_logits(logits, RowFilters.from_settings([s]))
    assert trace.removed_by["top_k"].tolist() == [[False, False, False, True]]
    assert trace.removed_by["top_p"].tolist() == [[False, False, True, False]]
    assert not trace.removed_by["epsilon"].any()


def test_greedy_rows_take_the_argmax_and_sampling_rows_follow_their_seed():
    logits = torch.randn(3, 30, generator=torch.Generator().manual_seed(0))
    rows = [GenerationSettings(), GenerationSettings(do_sample=True, seed=1),
            GenerationSettings(do_sample=True, seed=1)]
    tokens, _ = choose_tokens(logits, RowFilters.from_settings(rows),
                              [None, make_generator(1), make_generator(1)])
    assert tokens[0] == logits[0].argmax()
    # a row's draw depends on its own seed and logits only
    alone, _ = choose_tokens(logits[1:2], RowFilters.from_settings(rows[1:2]), [make_generator(1)])
    assert tokens[1] == alone[0]
