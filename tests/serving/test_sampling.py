"""Per-row filters against transformers' own warpers, on tiny random tensors."""

import itertools

import pytest
import torch
from transformers.generation.logits_process import (EpsilonLogitsWarper, MinPLogitsWarper,
                                                    TemperatureLogitsWarper, TopKLogitsWarper,
                                                    TopPLogitsWarper)

from playground.serving.sampling import (RowFilters, choose_tokens, draw, draw_rows,
                                         filter_logits, make_generator, sorted_values,
                                         top_p_mask)
from playground.serving.settings import GenerationSettings


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


# -- many random cases, edge values included ----------------------------------------------

def random_settings(g: torch.Generator, vocab: int, n: int) -> list[GenerationSettings]:
    """n random sampling settings; each field is off, an edge value, or a random value."""
    def pick(options):
        return options[int(torch.randint(len(options), (1,), generator=g))]

    def uniform(lo, hi):
        return lo + (hi - lo) * float(torch.rand(1, generator=g))

    rows = []
    for _ in range(n):
        rows.append(GenerationSettings(
            do_sample=True,
            temperature=pick([0.01, 0.3, 1.0, 1.0, 1.5, 10.0, round(uniform(0.05, 3), 3)]),
            top_k=pick([0, 0, 1, 2, 5, vocab - 1, vocab, vocab + 50, 10_000]),
            top_p=pick([1.0, 1.0, 0.999, 0.95, 0.9, 0.8, 0.5, 0.1, 0.01,
                        round(uniform(0.01, 1), 3)]),
            min_p=pick([0.0, 0.0, 0.0, 0.05, 0.2, round(uniform(0, 0.5), 3)]),
            epsilon_cutoff=pick([0.0, 0.0, 1e-6, 1e-3, 0.02, 0.1, round(uniform(0, 0.2), 4)])))
    return rows


def assert_rows_match(logits: torch.Tensor, rows: list[GenerationSettings]) -> None:
    ours = filter_logits(logits, RowFilters.from_settings(rows)).filtered
    for i, s in enumerate(rows):
        expected = reference(logits[i:i + 1], s)
        got = ours[i:i + 1]
        assert torch.equal(torch.isinf(got), torch.isinf(expected)), (i, s)
        assert torch.allclose(got.softmax(-1), expected.softmax(-1), atol=1e-6), (i, s)


@pytest.mark.parametrize("vocab,rows,scale", [(8, 128, 1.0), (64, 128, 3.0), (64, 128, 8.0),
                                              (2048, 48, 4.0)])
def test_hundreds_of_random_rows_in_one_batch_match_transformers(vocab, rows, scale):
    g = torch.Generator().manual_seed(vocab * 1000 + rows + int(scale))
    logits = torch.randn(rows, vocab, generator=g) * scale
    assert_rows_match(logits, random_settings(g, vocab, rows))


def test_logits_already_minus_infinity_are_handled_like_transformers():
    g = torch.Generator().manual_seed(7)
    logits = torch.randn(64, 40, generator=g) * 3
    logits[:, :10] = float("-inf")  # e.g. tokens a model never allows
    assert_rows_match(logits, random_settings(g, 40, 64))


def test_a_row_gets_the_same_filtering_alone_as_in_a_mixed_batch():
    # stages run only on the rows where they are on: the others must not change that result
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(6, 500, generator=g) * 4
    rows = [GenerationSettings(do_sample=True, top_p=0.7),
            GenerationSettings(),
            GenerationSettings(do_sample=True, top_k=7, temperature=0.5),
            GenerationSettings(do_sample=True, epsilon_cutoff=0.01),
            GenerationSettings(do_sample=True, min_p=0.1, top_p=0.95),
            GenerationSettings(do_sample=True)]
    batch = filter_logits(logits, RowFilters.from_settings(rows))
    for i, s in enumerate(rows):
        alone = filter_logits(logits[i:i + 1], RowFilters.from_settings([s]))
        assert torch.equal(batch.filtered[i:i + 1], alone.filtered)
        for stage in batch.removed_by:
            assert torch.equal(batch.removed_by[stage][i:i + 1], alone.removed_by[stage])


def test_sorted_values_are_exactly_torch_sort():
    x = torch.randn(5, 1000) * 5
    x[0, :3] = float("-inf")
    assert torch.equal(sorted_values(x), torch.sort(x, dim=-1).values)


def test_top_p_keeps_the_token_that_reaches_p_as_transformers_does():
    # the tutorial's example: with p = 0.8, "the".."over" hold 0.78, so "and" is kept too
    probs = torch.tensor([[0.25, 0.20, 0.15, 0.10, 0.08, 0.07, 0.06, 0.04, 0.03, 0.02]])
    mask = top_p_mask(probs.log(), torch.tensor([0.8], dtype=torch.float64))
    assert mask.tolist() == [[False] * 6 + [True] * 4]


def test_a_seed_gives_the_same_text_alone_or_beside_other_rows(smol):
    """CPU float32: a row's text depends only on its prompt, settings and seed, even when it
    is left-padded beside longer prompts with other settings."""
    from playground.serving.service import GenerationRequest, Prompt, generate

    row = GenerationSettings(do_sample=True, temperature=0.9, top_p=0.9, max_new_tokens=12,
                             seed=5)
    short = Prompt.raw("Once upon a time")
    alone = generate(smol, GenerationRequest((short,), (row,))).texts()
    long = Prompt.raw("The following is a long and winding story about a dragon who")
    others = (GenerationSettings(do_sample=True, temperature=1.3, top_k=5, max_new_tokens=12,
                                 num_return_sequences=2, seed=99), row)
    crowd = generate(smol, GenerationRequest((long, short), others))
    # rows: long x (variant 0: 2 samples, variant 1: 1), short x (2, 1): ours is the last
    assert crowd.samples[-1].seed == 5 and crowd.samples[-1].prompt_index == 1
    assert crowd.texts()[-1] == alone[0] and alone[0]


def test_top_p_boundary_uses_transformers_precision():
    """transformers computes 1 - top_p in double before meeting float32 probabilities. Find a
    token whose cumulative probability lies between that limit and the float32 1 - 0.9: it
    must be kept (as transformers keeps it), where float32 arithmetic would drop it."""
    low = torch.tensor(1 - 0.9, dtype=torch.float32).item()        # what transformers uses
    high = (1 - torch.tensor(0.9, dtype=torch.float32)).item()      # a float32-only limit
    logits = None
    for step in range(-3000, 3000):
        a = torch.tensor([[-2.1972246 + step * 1e-8, 0.0]])
        if low < a.softmax(-1)[0, 0].item() <= high:
            logits = a
            break
    assert logits is not None
    expected = TopPLogitsWarper(0.9)(None, logits)
    ours = top_p_mask(logits, torch.tensor([0.9], dtype=torch.float64))
    assert not torch.isinf(expected).any() and not ours.any()


def test_draw_is_exactly_torch_multinomial_with_the_same_generator():
    """Our fast draw must give torch.multinomial's token and leave the generator where
    torch.multinomial leaves it, or a seed would stop reproducing transformers' samples."""
    g = torch.Generator().manual_seed(0)
    for case in range(60):
        vocab = [10, 1000, 49152][case % 3]
        logits = torch.randn(1, vocab, generator=g) * (1 + case % 5)
        if case % 2:  # filtered rows: most tokens at probability 0
            logits = TopPLogitsWarper(0.9)(None, TopKLogitsWarper(40)(None, logits))
        probs = logits.softmax(-1)
        ours, theirs = make_generator(case), make_generator(case)
        for _ in range(3):  # several steps in a row: the streams must stay in step
            assert draw(probs[0], ours) == int(torch.multinomial(probs, 1, generator=theirs))
        assert torch.equal(ours.get_state(), theirs.get_state())


# -- the decode step's path without a trace -------------------------------------------------

def _mixed_rows(g: torch.Generator, vocab: int, n: int) -> list[GenerationSettings]:
    """random_settings with every third row greedy (the engine's batches mix both)."""
    rows = random_settings(g, vocab, n)
    return [s.replace(do_sample=False) if i % 3 == 0 else s for i, s in enumerate(rows)]


def _generators(rows):
    return [make_generator(100 + i) if s.do_sample else None for i, s in enumerate(rows)]


@pytest.mark.parametrize("vocab,n,scale", [(8, 24, 1.0), (50, 40, 3.0), (700, 12, 8.0)])
def test_without_a_trace_every_token_and_generator_is_the_same(vocab, n, scale):
    """``choose_tokens(..., trace=False)`` filters the sampling rows only and skips the
    trace's masks: over several steps it must pick the same tokens, and leave every row's
    generator in the same state, as the traced path, and return no trace."""
    g = torch.Generator().manual_seed(vocab + n)
    rows = _mixed_rows(g, vocab, n)
    filters = RowFilters.from_settings(rows)
    traced, fast = _generators(rows), _generators(rows)
    for _ in range(4):
        logits = torch.randn(n, vocab, generator=g) * scale
        a, trace = choose_tokens(logits, filters, traced)
        b, none = choose_tokens(logits, filters, fast, trace=False)
        assert torch.equal(a, b) and trace is not None and none is None
    for x, y in zip(traced, fast):
        assert (x is None) == (y is None)
        assert x is None or torch.equal(x.get_state(), y.get_state())


@pytest.mark.parametrize("trace", [True, False])
def test_bf16_logits_choose_what_their_float32_copy_chooses(trace):
    """The engine hands the model's bf16 logits over uncast: greedy rows take their argmax
    (float32 holds every bf16 value, so ties and order are the same) and sampling rows are
    cast once. Tokens and generators must be those of the float32 copy; bf16 rounding makes
    ties, so the argmax's first-index rule is exercised."""
    g = torch.Generator().manual_seed(11)
    rows = _mixed_rows(g, 300, 18)
    logits = (torch.randn(18, 300, generator=g) * 4).bfloat16()
    assert logits.float().unique().numel() < 18 * 300  # there are ties
    gens16, gens32 = _generators(rows), _generators(rows)
    a, _ = choose_tokens(logits, RowFilters.from_settings(rows), gens16, trace=trace)
    b, _ = choose_tokens(logits.float(), RowFilters.from_settings(rows), gens32, trace=trace)
    assert torch.equal(a, b)
    assert all(x is None or torch.equal(x.get_state(), y.get_state())
               for x, y in zip(gens16, gens32))
    greedy = [i for i, s in enumerate(rows) if not s.do_sample]
    assert a[greedy].tolist() == logits[greedy].argmax(-1).tolist()  # bf16's own argmax


def test_only_greedy_rows_draw_nothing():
    logits = torch.randn(3, 40, generator=torch.Generator().manual_seed(2))
    tokens, trace = choose_tokens(logits, RowFilters.from_settings([GenerationSettings()] * 3),
                                  [None] * 3, trace=False)
    assert torch.equal(tokens, logits.argmax(-1)) and trace is None


def test_rows_drawn_together_are_each_torch_multinomial():
    """draw_rows on a CPU draws every row in shared passes: each row must still get exactly
    torch.multinomial's token with its own generator, and leave it where multinomial does,
    whatever the other rows hold (full support, a few tokens, a single token)."""
    g = torch.Generator().manual_seed(5)
    for case in range(8):
        vocab = [7, 300, 4096][case % 3]
        logits = torch.randn(6, vocab, generator=g) * (1 + case)
        logits[1] = TopKLogitsWarper(3)(None, logits[1:2])[0]
        logits[2] = TopPLogitsWarper(0.5)(None, logits[2:3])[0]
        logits[3, 1:] = float("-inf")  # one token left: probability 1
        probs = logits.softmax(-1)
        ours = [make_generator(case * 10 + j) for j in range(6)]
        theirs = [make_generator(case * 10 + j) for j in range(6)]
        for _ in range(3):
            got = draw_rows(probs, ours).tolist()
            want = [int(torch.multinomial(probs[j:j + 1], 1, generator=theirs[j]))
                    for j in range(6)]
            assert got == want, case
        assert all(torch.equal(a.get_state(), b.get_state()) for a, b in zip(ours, theirs))
