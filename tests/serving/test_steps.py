"""Decoding lens: step records on tiny tensors, readable tokens, and on the real model."""

import pytest
import torch

from playground.errors import SettingsError
from playground.serving.steps import readable_token, record_step, visible
from playground.serving.sampling import RowFilters, filter_logits
from playground.serving.settings import GenerationSettings


def texts(ids):
    return [f"t{i}" for i in ids]


def test_record_names_the_filter_that_removed_each_candidate():
    # .4 .3 .15 .1 .05: top_k=4 drops the last; top_p=0.6 then drops the 3rd and 4th
    logits = torch.tensor([[0.4, 0.3, 0.15, 0.1, 0.05]]).log()
    s = GenerationSettings(do_sample=True, top_k=4, top_p=0.6)
    trace = filter_logits(logits, RowFilters.from_settings([s]))
    rec = record_step(0, logits[0], trace, 0, 1, s, top_n=5, token_texts=texts)
    status = {c.token_id: c.status for c in rec.candidates}
    assert status == {0: "kept", 1: "kept", 2: "top_p", 3: "top_p", 4: "top_k"}
    finals = {c.token_id: c.final for c in rec.candidates}
    assert finals[0] == pytest.approx(0.4 / 0.7) and finals[2] == 0
    assert rec.kept_tokens == 2 and rec.kept_mass == pytest.approx(0.7)
    assert rec.removed == {"top_k": 1, "top_p": 2, "min_p": 0, "epsilon": 0}
    assert rec.chosen_id == 1 and rec.chosen_text == "t1" and rec.chosen_rank == 2
    assert rec.entropy_final_bits < rec.entropy_raw_bits


def test_temperature_changes_the_tempered_column_only_before_filters():
    logits = torch.tensor([[2.0, 1.0, 0.0]])
    s = GenerationSettings(do_sample=True, temperature=2.0)
    trace = filter_logits(logits, RowFilters.from_settings([s]))
    rec = record_step(0, logits[0], trace, 0, 0, s, top_n=3, token_texts=texts)
    first = rec.candidates[0]
    assert first.raw == pytest.approx(torch.softmax(logits[0], -1)[0].item())
    assert first.tempered == pytest.approx(torch.softmax(logits[0] / 2, -1)[0].item())
    assert first.final == pytest.approx(first.tempered)  # nothing removed


def test_a_low_ranked_chosen_token_is_recorded_too():
    logits = torch.linspace(5, 0, 30).unsqueeze(0)
    s = GenerationSettings(do_sample=True)
    trace = filter_logits(logits, RowFilters.from_settings([s]))
    rec = record_step(3, logits[0], trace, 0, 25, s, top_n=5, token_texts=texts)
    assert [c.token_id for c in rec.candidates] == [0, 1, 2, 3, 4, 25]
    assert rec.step == 3 and rec.chosen_rank == 6


def test_greedy_puts_everything_on_the_argmax():
    logits = torch.tensor([[0.1, 3.0, 0.2]])
    s = GenerationSettings()
    trace = filter_logits(logits, RowFilters.from_settings([s]))
    rec = record_step(0, logits[0], trace, 0, 1, s, top_n=3, token_texts=texts)
    assert rec.greedy and rec.entropy_final_bits == 0
    assert [(c.token_id, c.final) for c in rec.candidates][0] == (1, 1.0)


def test_whitespace_is_made_visible():
    assert visible(" the\n") == "␣the↵" and visible("") == "∅"


def test_tokens_of_the_real_tokenizer_read_well(smol):
    tok = smol.tokenizer
    with smol.tokenizer_lock:
        space_the = tok(" the", add_special_tokens=False)["input_ids"]
        newline = tok("\n", add_special_tokens=False)["input_ids"]
        emoji = tok("🐉", add_special_tokens=False)["input_ids"]
        shown = [readable_token(tok, i) for i in space_the + newline + emoji]
    assert shown[0] == "␣the" and shown[1] == "↵"
    assert any(s.startswith("<0x") for s in shown[2:])  # a byte piece of the emoji


def test_a_lens_request_records_every_step_of_the_real_model(smol):
    from playground.serving.service import GenerationRequest, Prompt, generate

    s = GenerationSettings(do_sample=True, temperature=0.8, top_k=20, top_p=0.9,
                           epsilon_cutoff=0.02, max_new_tokens=6, seed=1)
    result = generate(smol, GenerationRequest((Prompt.raw("Once upon a time"),), (s,),
                                              record_steps=8))
    sample = result.samples[0]
    assert len(sample.steps) == sample.n_tokens + (sample.finish_reason == "eos")
    for i, rec in enumerate(sample.steps):
        assert rec.step == i and len(rec.candidates) in (8, 9)
        if i < sample.n_tokens:
            assert rec.chosen_id == sample.token_ids[i]
        chosen = [c for c in rec.candidates if c.chosen]
        assert len(chosen) == 1 and chosen[0].status == "kept" and chosen[0].final > 0
        assert sum(c.final for c in rec.candidates if c.status == "kept") <= 1 + 1e-5
        assert all(c.final == 0 for c in rec.candidates if c.status != "kept")
        assert rec.kept_tokens <= 20 and 0 < rec.kept_mass <= 1
    # without the flag nothing is recorded (the lens costs nothing by default)
    plain = generate(smol, GenerationRequest((Prompt.raw("Once upon a time"),), (s,)))
    assert plain.texts() == result.texts() and plain.samples[0].steps == []


def test_too_many_candidates_is_a_settings_error(smol):
    from playground.serving.service import GenerationRequest, Prompt

    with pytest.raises(SettingsError, match="record_steps"):
        smol.service.submit(GenerationRequest((Prompt.raw("Hi"),), (GenerationSettings(),),
                                              record_steps=500))
