"""repetition_penalty and no_repeat_ngram_size: against transformers' own processors on tiny
hand-made tables, per row in one batch, and end to end against ``model.generate``."""

import functools

import pytest
import torch
from transformers import NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor

from playground.errors import SettingsError
from playground.serving.engine import Row
from playground.serving.history import RowHistories
from playground.serving.service import GenerationRequest, Prompt, generate
from playground.serving.settings import GenerationSettings


def row(prompt, generated=(), **settings) -> Row:
    r = Row(prompt_ids=list(prompt), settings=GenerationSettings(**settings), seed=0,
            on_token=lambda t: None)
    r.generated = list(generated)
    return r


def transformers_row(ids, scores, penalty=1.0, ngram=0):
    """What generate's processors make of one row's scores (prompt + generated = ``ids``)."""
    input_ids = torch.tensor([ids])
    out = scores.unsqueeze(0).clone()
    if penalty != 1:
        out = RepetitionPenaltyLogitsProcessor(penalty)(input_ids, out)
    if ngram:
        out = NoRepeatNGramLogitsProcessor(ngram)(input_ids, out)
    return out[0]


# a 10-token vocabulary with positive and negative logits, three rows of different settings
LOGITS = torch.tensor([[2.0, -1.0, 0.5, 3.0, -2.5, 1.0, 0.0, -0.3, 4.0, 1.5],
                       [0.1, 0.2, -0.4, 1.1, 2.2, -3.0, 0.7, 0.9, -0.1, 1.0],
                       [-1.0, 1.0, 2.0, -2.0, 0.5, 0.25, 3.5, -0.75, 0.6, 1.2]])


def test_each_row_matches_transformers_processors():
    rows = [row([3, 1, 4, 1, 5], [9, 2, 6], repetition_penalty=1.3),
            row([2, 7, 1, 8, 2, 8], [1, 8], no_repeat_ngram_size=2),
            row([5, 3, 5, 3], [5], repetition_penalty=0.7, no_repeat_ngram_size=3)]
    out = RowHistories().apply(rows, LOGITS)
    for b, (r, penalty, ngram) in enumerate(zip(rows, (1.3, 1.0, 0.7), (0, 2, 3))):
        expected = transformers_row(r.prompt_ids + r.generated, LOGITS[b], penalty, ngram)
        assert torch.equal(out[b], expected), b
    inf = float("-inf")  # after 8: "8 2" and "8 1" were seen; after "3 5": "3 5 3"
    assert out[1, 2] == out[1, 1] == inf and out[2, 3] == inf and out[1, 8] != inf


def test_a_negative_logit_is_multiplied_and_a_positive_one_divided():
    out = RowHistories().apply([row([0, 1], repetition_penalty=2.0)], LOGITS[:1])
    assert out[0, 0] == 1.0 and out[0, 1] == -2.0 and out[0, 2] == 0.5  # token 2 untouched


def test_unigram_blocking_bans_every_token_seen():
    out = RowHistories().apply([row([4, 2], [7], no_repeat_ngram_size=1)], LOGITS[:1])
    banned = set(torch.nonzero(out[0] == float("-inf")).flatten().tolist())
    assert banned == {2, 4, 7}


def test_the_history_follows_the_generated_tokens_step_by_step():
    r = row([1, 2, 3], no_repeat_ngram_size=2, repetition_penalty=1.5)
    histories = RowHistories()
    for token in [1, 9, 2, 1, 4]:
        out = histories.apply([r], LOGITS[:1])
        expected = transformers_row(r.prompt_ids + r.generated, LOGITS[0], 1.5, 2)
        assert torch.equal(out[0], expected)
        r.generated.append(token)


def test_the_input_is_not_changed_and_rows_without_them_cost_nothing():
    before = LOGITS.clone()
    RowHistories().apply([row([1, 2], repetition_penalty=1.2), row([3]), row([1])], LOGITS)
    assert torch.equal(LOGITS, before)
    plain = [row([1, 2]), row([3], do_sample=True, top_k=5)]
    same = LOGITS[:2]
    assert RowHistories().apply(plain, same) is same  # not even a copy


def test_a_row_without_them_is_left_exactly_as_it_was():
    out = RowHistories().apply([row([1, 2, 1, 2]), row([1, 2, 1], no_repeat_ngram_size=2)],
                               LOGITS[:2])
    assert torch.equal(out[0], LOGITS[0]) and out[1, 2] == float("-inf")


@pytest.mark.parametrize("field,value,message", [
    ("repetition_penalty", 0.0, "repetition_penalty must be in (0, 10], got 0"),
    ("repetition_penalty", 11.0, "repetition_penalty must be in (0, 10], got 11"),
    ("no_repeat_ngram_size", -1, "no_repeat_ngram_size must be in [0, 20], got -1"),
    ("no_repeat_ngram_size", 2.5, "no_repeat_ngram_size must be a whole number, got 2.5"),
])
def test_out_of_range_values_are_named_with_their_range(field, value, message):
    with pytest.raises(SettingsError) as info:
        GenerationSettings(**{field: value})
    assert info.value.problems == [message]


def test_generate_kwargs_name_them_as_transformers_does():
    s = GenerationSettings(repetition_penalty=1.2, no_repeat_ngram_size=3)
    assert s.generate_kwargs() == {"max_new_tokens": 64, "do_sample": False,
                                   "repetition_penalty": 1.2, "no_repeat_ngram_size": 3}
    assert GenerationSettings().generate_kwargs() == {"max_new_tokens": 64, "do_sample": False}


PROMPT = "The cat sat on the mat. The cat sat on the"


@pytest.mark.parametrize("changes", [{"no_repeat_ngram_size": 2},
                                     {"repetition_penalty": 1.3, "no_repeat_ngram_size": 3}])
def test_greedy_text_equals_transformers_generate(smol, changes):
    settings = GenerationSettings(max_new_tokens=24, **changes)
    ours = generate(smol, GenerationRequest.single(settings, Prompt.raw(PROMPT)))
    assert ours.samples[0].token_ids == reference_tokens(smol, PROMPT, settings)


def test_in_a_batch_each_row_keeps_its_own_settings(smol):
    plain = GenerationSettings(max_new_tokens=20)
    blocked = plain.replace(no_repeat_ngram_size=2)
    both = generate(smol, GenerationRequest((Prompt.raw(PROMPT),), (plain, blocked)))
    alone = [generate(smol, GenerationRequest.single(s, Prompt.raw(PROMPT))).texts()[0]
             for s in (plain, blocked)]
    assert both.texts() == alone and alone[0] != alone[1]


def reference_tokens(loaded, prompt: str, settings: GenerationSettings) -> list[int]:
    """transformers' generate on a private copy of the weights (never the resident model from
    this thread: transformers #32217), cut at the first end-of-sequence token."""
    model = private_copy(loaded.name)
    ids = loaded.tokenizer(prompt, return_tensors="pt").input_ids
    eos = loaded.service._eos_ids()
    out = model.generate(ids, attention_mask=torch.ones_like(ids),
                         pad_token_id=loaded.service._pad_id(), **settings.generate_kwargs())
    new = out[0, ids.shape[1]:].tolist()
    cut = next((i for i, t in enumerate(new) if t in eos), len(new))
    return new[:cut]


@functools.cache
def private_copy(name: str):
    from transformers import AutoModelForCausalLM

    from playground.serving.registry import default_registry

    folder = default_registry().config.cache_dir / name
    return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()


def test_the_decode_step_still_reads_the_device_once(smol):
    """The history lives on the host: rows with both settings on (greedy and sampling) add
    no tensor -> Python conversion to a step."""
    from playground.bench.syncs import count_conversions

    rep = GenerationSettings(max_new_tokens=24, repetition_penalty=1.2, no_repeat_ngram_size=2)
    request = GenerationRequest((Prompt.raw(PROMPT),),
                                (rep, rep.replace(do_sample=True, top_k=50, seed=3)))
    with count_conversions(smol.service._thread.name) as count:
        generate(smol, request, timeout=600)
    summary = count.summary()
    assert summary["steps"] >= 20 and summary["per_step_max"] <= 3, summary
