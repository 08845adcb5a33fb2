"""Adapters served in the base model's batch: each row its own low-rank update, the text of
the adapter alone (as PeftModel gives it), the base rows untouched."""

import threading

import pytest
import torch

from playground.errors import ModelLoadError
from playground.serving.adapter_models import AdapterModel
from playground.serving.adapters import read_adapter
from playground.serving.registry import default_registry
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings
from tests.tuning.conftest import EMBEDDED

GREEDY = GenerationSettings(do_sample=False, max_new_tokens=10)


@pytest.fixture
def served(trained):
    """The trained adapter as a model of the picker (this test's session only)."""
    job, result = trained
    reg = default_registry()
    spec = reg.register_adapter(result.adapter, "pirate-sums", EMBEDDED, owner="test-session")
    loaded = reg.load(spec.name)
    yield job, result, loaded
    reg.unload(spec.name)
    reg.drop_adapter(spec.name)


def ask(loaded, prompt: str, settings=GREEDY):
    request = GenerationRequest.single(settings, Prompt.chat([{"role": "user", "content": prompt}]))
    return loaded.service.submit(request)


def test_the_served_adapter_gives_peft_s_greedy_text(served):
    job, result, loaded = served
    assert isinstance(loaded, AdapterModel) and loaded.name == "smollm2-135m-instruct + " \
        "pirate-sums (LoRA)"
    assert [ask(loaded, p).result(timeout=120).texts()[0].strip() for p in job.prompts] == \
        result.after


def test_base_and_adapter_rows_in_one_batch_each_give_their_own_text(served):
    job, result, adapter = served
    base = default_registry().get_loaded(EMBEDDED)
    alone_base = [ask(base, p).result(timeout=120).texts()[0] for p in job.prompts]
    # submitted together: the owner thread batches them (one forward per step for all rows)
    handles = []
    for p in job.prompts:
        handles += [ask(base, p), ask(adapter, p)]
    texts = [h.result(timeout=120).texts()[0] for h in handles]
    assert texts[0::2] == alone_base
    assert [t.strip() for t in texts[1::2]] == result.after
    assert alone_base != texts[1::2]


def test_the_adapter_counts_in_residency_with_its_own_bytes_and_unloads_alone(served):
    _, _, loaded = served
    reg = default_registry()
    resident = {m.name: m for m in reg.resident()}
    assert loaded.name in resident and EMBEDDED in resident
    lora_bytes = sum(a.numel() * a.element_size() + b.numel() * b.element_size()
                     for a, b, _ in loaded.weights.layers.values())
    assert resident[loaded.name].footprint_bytes == lora_bytes < 20 * 2**20
    assert reg.unload(loaded.name)
    assert reg.get_loaded(EMBEDDED) is not None  # the base stays for everyone else
    with pytest.raises(ModelLoadError, match="unloaded"):
        ask(loaded, "hi").result(timeout=120)
    reg.load(loaded.name)  # back for the fixture's teardown


def test_an_adapter_never_loads_onto_another_base(trained, tmp_path):
    _, result = trained
    smol = default_registry().load(EMBEDDED)
    with pytest.raises(ModelLoadError, match="trained on smollm2-135m-instruct, not on gemma"):
        read_adapter("x", result.adapter, "gemma-3-270m", smol.model)
    # a folder without our metadata is checked by its shapes
    from safetensors.torch import load_file, save_file
    import shutil
    bad = tmp_path / "bad"
    shutil.copytree(result.adapter, bad)
    (bad / "playground_adapter.json").unlink()
    tensors = load_file(str(bad / "adapter_model.safetensors"))
    key = next(k for k in tensors if k.endswith("q_proj.lora_A.weight"))
    tensors[key] = torch.zeros(tensors[key].shape[0], 7)
    save_file(tensors, str(bad / "adapter_model.safetensors"))
    with pytest.raises(ModelLoadError, match="does not fit smollm2"):
        read_adapter("x", bad, EMBEDDED, smol.model)


def test_beam_search_on_an_adapter_is_peft_s_beam_search(served):
    from peft import PeftModel

    from playground.tuning.format import prompt_ids
    from playground.tuning.loop import load_private_copy

    job, result, loaded = served
    beams = GenerationSettings(do_sample=False, num_beams=3, max_new_tokens=8)
    ours = ask(loaded, job.prompts[0], beams).result(timeout=120).texts()[0]
    _, tokenizer, base = load_private_copy(default_registry(), EMBEDDED)
    model = PeftModel.from_pretrained(base, result.adapter)
    ids = torch.tensor([prompt_ids(tokenizer, job.prompts[0])])
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), num_beams=3,
                         do_sample=False, max_new_tokens=8, pad_token_id=tokenizer.pad_token_id)
    assert ours == tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)


def test_an_adapter_is_its_owners_until_shared_and_gone_once_forgotten(trained):
    from playground.tuning.adapters import forget_adapter, share_with_room

    _, result = trained
    reg = default_registry()
    name = reg.register_adapter(result.adapter, "owned-then-shared", EMBEDDED,
                                owner="alice").name
    try:
        assert name in reg.adapter_names("alice") and name not in reg.adapter_names("bob")
        share_with_room(reg, name)
        assert name in reg.adapter_names("bob")  # the instructor shared it: everyone's
        reg.load(name)
        forget_adapter(reg, name)
        assert name not in reg.adapter_names("alice") and reg.get_loaded(name) is None
    finally:
        reg.drop_adapter(name)
