"""The training loop on the embedded model: it learns, it repeats itself, and what it saves is
a PEFT adapter that gives the same text."""

import json
from dataclasses import replace

import pytest
import torch

from playground.serving.registry import default_registry
from playground.tuning.format import IGNORE, render_example
from playground.tuning.loop import TrainSettings, labelled_loss, load_private_copy, train
from playground.tuning.special import lora_parameters, special_token_demo
from tests.tuning.conftest import EMBEDDED, tiny_job


def test_training_lowers_the_loss_by_more_than_30_percent(trained):
    _, result = trained
    first, last = result.validation_loss[0]["loss"], result.validation_loss[-1]["loss"]
    assert last <= 0.7 * first, result.validation_loss
    assert result.perplexity_after < result.perplexity_before
    assert all(a.startswith("Arr") for a in result.after), result.after
    assert not any(b.startswith("Arr") for b in result.before), result.before
    kinds = [e["kind"] for e in result.events]
    assert kinds.count("log") == result.steps and kinds.count("val") == 3  # before + 2 epochs


def test_the_same_seed_gives_the_same_loss_curve():
    def curve(seed):  # 5 records: 1 held out, 4 in two steps of 2
        job = replace(tiny_job(seed=seed, epochs=1, per_device_train_batch_size=2),
                      prompts=(), records=tiny_job().records[:5])
        return [p["loss"] for p in train(job, default_registry(), None).train_loss]

    first = curve(5)
    assert len(first) == 2 and curve(5) == first
    assert curve(6) != first  # another seed: another data order and LoRA initialisation


def test_the_saved_adapter_loads_in_peft_and_gives_the_same_greedy_text(trained):
    from peft import PeftModel

    from playground.tuning.loop import greedy_replies

    job, result = trained
    config = json.loads((result.adapter and open(f"{result.adapter}/adapter_config.json").read()))
    assert config["r"] == 8 and config["peft_type"] == "LORA"
    _, tokenizer, base = load_private_copy(default_registry(), EMBEDDED)
    model = PeftModel.from_pretrained(base, result.adapter)
    assert greedy_replies(model, tokenizer, list(job.prompts), job.max_new_tokens) == result.after


def test_the_loss_on_labelled_positions_equals_transformers_loss():
    _, tokenizer, model = load_private_copy(default_registry(), EMBEDDED)
    ex = render_example(tokenizer, tiny_job().records[0], "response", 64)
    batch = {"input_ids": torch.tensor([ex.input_ids]),
             "attention_mask": torch.ones(1, len(ex.input_ids), dtype=torch.long),
             "labels": torch.tensor([ex.labels])}
    with torch.no_grad():
        theirs = model(**batch).loss
        ours = labelled_loss(model, batch)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-5)
    assert ex.labels[0] == IGNORE and ex.labels[-1] == tokenizer.eos_token_id


def test_the_response_only_mask_hides_the_prompt_and_all_keeps_it():
    _, tokenizer, _ = load_private_copy(default_registry(), EMBEDDED)
    record = tiny_job().records[0]
    response = render_example(tokenizer, record, "response", 128)
    everything = render_example(tokenizer, record, "all", 128)
    assert response.input_ids == everything.input_ids
    assert 0 < response.trained_tokens < everything.trained_tokens == len(everything.input_ids)
    counted = tokenizer.decode([i for i, lab in zip(response.input_ids, response.labels)
                                if lab != IGNORE])
    assert counted.startswith("Arr, 2 ⚓")


def test_bad_settings_are_refused_with_their_ranges():
    with pytest.raises(Exception, match=r"learning_rate must be in \(0, 1\]"):
        TrainSettings(learning_rate=5).check()
    assert any("target_modules" in p for p in TrainSettings(target_modules=("fc9",)).problems())


def test_lora_parameters_match_peft_and_the_special_token_demo():
    from peft import get_peft_model

    from playground.tuning.loop import lora_config

    _, tokenizer, model = load_private_copy(default_registry(), EMBEDDED)
    s = TrainSettings(lora_r=4, target_modules=("q_proj", "v_proj"))
    ours = lora_parameters(model, 4, s.target_modules)
    demo = special_token_demo(tokenizer, model, "<user_name>")
    assert len(demo.pieces_before) > 1 and demo.id_after == len(tokenizer)
    assert demo.len_after == demo.len_before + 1 == len(tokenizer) + 1  # the shared one: as was
    peft_model = get_peft_model(model, lora_config(s))
    assert (ours.trainable, ours.total) == peft_model.get_nb_trainable_parameters()
