"""Steering the decoding lens through the generation service, on the real embedded model."""

import math

import pytest
import torch

from playground.errors import SettingsError
from playground.lab import lens
from playground.serving.handles import GenerationRequest, Prompt
from playground.serving.sampling import draw, draw_many, make_generator
from playground.serving.settings import GenerationSettings

PROMPT = Prompt.chat([{"role": "user", "content": "Tell me a story about a dragon."}])
SETTINGS = GenerationSettings(do_sample=True, temperature=1.0, max_new_tokens=10, seed=0)


@pytest.fixture(scope="module")
def original(smol):
    return smol.service.submit(GenerationRequest((PROMPT,), (SETTINGS,),
                                                 record_steps=10)).result(timeout=300).samples[0]


def test_choosing_the_same_token_at_a_step_gives_back_the_original(smol, original):
    """The forced steps still draw, so the generator is where the original's was."""
    same = lens.branch(smol, PROMPT, SETTINGS, original.token_ids, 3, original.token_ids[3],
                       timeout=300)
    assert same.token_ids == original.token_ids and same.text == original.text


def test_another_token_at_step_3_branches_from_the_same_prefix(smol, original):
    other = next(c for c in original.steps[3].candidates if not c.chosen)
    branch = lens.branch(smol, PROMPT, SETTINGS, original.token_ids, 3, other.token_id,
                         record_steps=5, timeout=300)
    assert branch.token_ids[:3] == original.token_ids[:3]
    assert branch.token_ids[3] == other.token_id != original.token_ids[3]
    assert branch.steps[3].chosen_id == other.token_id  # the lens records the branch too
    # before the branch point the row saw exactly the original's distributions
    assert branch.steps[2].candidates[0].raw == pytest.approx(
        original.steps[2].candidates[0].raw, abs=1e-5)


def test_a_thousand_draws_match_the_renormalized_probabilities(smol, original):
    n = 1000
    tally = lens.draw(smol, PROMPT, SETTINGS, original.token_ids, 3, n, timeout=300)
    assert tally.step == 3 and sum(tally.counts.values()) == n
    assert all(tally.probability[t] > 0 for t in tally.counts)  # only kept tokens are drawn
    # the probabilities are those the lens shows for the original's step 3
    shown = {c.token_id: c.final for c in original.steps[3].candidates}
    for t, p in tally.probability.items():
        if t in shown:
            assert p == pytest.approx(shown[t], abs=1e-5)
    rows = lens.draw_rows(tally)
    assert len([r for r in rows if r.count]) >= 5  # T 1 and no filter: a spread-out step
    for r in rows:  # within 4.5 binomial standard errors (+1.5 draws for rare tokens)
        assert abs(r.difference) <= 4.5 * math.sqrt(r.probability * (1 - r.probability) / n) \
            + 1.5 / n, r
    worst = lens.largest_difference(tally)
    assert abs(worst.difference) == max(abs(r.difference) for r in rows)


def test_draw_many_uses_a_copy_of_the_rows_generator():
    probs = torch.tensor([0.5, 0.3, 0.2, 0.0])
    gen = make_generator(7)
    before = gen.get_state()
    drawn = draw_many(probs, gen, 200)
    assert torch.equal(gen.get_state(), before)  # the row's own text is unaffected
    assert drawn[0] == draw(probs, make_generator(7)) and 3 not in drawn
    assert draw_many(probs, None, 3) == [0, 0, 0]  # greedy: the argmax every time


def test_bad_steering_is_refused_with_a_clear_message(smol, original):
    with pytest.raises(SettingsError, match="step must be in"):
        lens.branch_request(PROMPT, SETTINGS, original.token_ids, 99, 5)
    with pytest.raises(SettingsError, match="draws must be in"):
        lens.draw_request(PROMPT, SETTINGS, original.token_ids, 2, 0)
    bad = GenerationRequest((PROMPT,), (SETTINGS,), forced_tokens=((1,), (2,)))
    with pytest.raises(SettingsError, match="one token list per row"):
        smol.service.submit(bad)
    with pytest.raises(SettingsError, match="draw step"):
        smol.service.submit(GenerationRequest((PROMPT,), (SETTINGS,), draw=(10, 5)))
