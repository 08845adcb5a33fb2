"""Beam search runs on the owner thread at admission, outside the batch (issue 32): beside a
running batch, every text is what it is alone, and the beam text is transformers' own."""

import pytest

from playground.errors import SettingsError
from playground.serving.service import GenerationRequest, Prompt, generate
from playground.serving.settings import GenerationSettings
from tests.serving.test_history import reference_tokens

PROMPT = "The capital of France is"
BEAMS = GenerationSettings(num_beams=3, max_new_tokens=8)
LONG = GenerationSettings(max_new_tokens=24)


def test_a_beam_request_joining_a_running_batch_leaves_every_text_as_it_is_alone(smol):
    alone = [generate(smol, GenerationRequest.single(s, Prompt.raw(PROMPT))).samples[0]
             for s in (LONG, BEAMS)]
    running = smol.service.submit(GenerationRequest.single(LONG, Prompt.raw(PROMPT)))
    for _ in running.stream(timeout=120):
        break  # the batch runs: the beam request is admitted at a step boundary
    beam = smol.service.submit(GenerationRequest.single(BEAMS, Prompt.raw(PROMPT)))
    together = [running.result(timeout=300).samples[0], beam.result(timeout=300).samples[0]]
    assert [s.token_ids for s in together] == [s.token_ids for s in alone]
    assert together[1].token_ids == reference_tokens(smol, PROMPT, BEAMS)
    assert together[1].finish_reason == "length" and beam.result().ttft_s is not None


def test_the_decoding_lens_and_beam_search_do_not_mix(smol):
    request = GenerationRequest((Prompt.raw(PROMPT),), (BEAMS,), record_steps=5)
    with pytest.raises(SettingsError, match="set num_beams to 1"):
        smol.service.submit(request)


def test_max_length_is_checked_against_every_prompt_of_a_request(smol):
    """The shortest prompt of a batched request must not leave more new tokens than the server
    allows, nor the longest none: a clear error, before anything runs."""
    from playground.errors import SettingsError as Refused

    request = GenerationRequest((Prompt.raw("Hi"), Prompt.raw("The capital of France is")),
                                (GenerationSettings(max_length=5),))
    with pytest.raises(Refused, match="the prompt has 5 tokens, so max_length 5 leaves 0 new"):
        generate(smol, request, timeout=120)
    ok = generate(smol, GenerationRequest((Prompt.raw("Hi"), Prompt.raw(PROMPT)),
                                          (GenerationSettings(max_length=9),)), timeout=120)
    short, five = ok.samples
    assert five.n_tokens == 4 and five.finish_reason == "length"
    assert short.n_tokens == 9 - ok.prompt_tokens[0] or short.finish_reason == "eos"
