"""Random-weight models in real shapes: right configs, the registry's path, never a participant's."""

import dataclasses

import pytest
import torch

from playground.config import load_config
from playground.errors import PlaygroundError, UnknownModelError
from playground.serving import random_weights as rw
from playground.serving.catalog import CATALOG
from playground.serving.registry import Registry, default_registry
from playground.serving.residency import ModelNotAllowedError
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings


@pytest.fixture(scope="module")
def tokenizer_dir():
    """The embedded model's tokenizer files (the converted copy, made once per machine)."""
    where, _ = default_registry().source(CATALOG["smollm2-135m-instruct"])
    return where


def bench_registry(tokenizer_dir, shapes=("tiny",), **models):
    config = load_config()
    config = dataclasses.replace(config, models=dataclasses.replace(
        config.models, allowed=["*"], **models))
    return Registry(config, catalog=CATALOG | rw.benchmark_catalog(shapes, tokenizer_dir))


@pytest.mark.parametrize("shape, vocab, published", [
    ("smollm2-135m", 49152, 134_515_008),     # SmolLM2-135M
    ("llama-1b", 128256, 1_235_814_400),     # Llama-3.2-1B
    ("llama-7b", 32000, 6_738_415_616),      # Llama-2-7B
])
def test_shapes_with_their_real_vocabulary_have_the_published_parameter_counts(
        shape, vocab, published):
    assert rw.SHAPES[shape]["real_vocab_size"] == vocab
    assert rw.parameter_count(shape, vocab) == published


def test_a_random_model_loads_through_the_registry_with_the_tokenizers_vocabulary(
        tokenizer_dir):
    registry = bench_registry(tokenizer_dir)
    loaded = registry.load("random:tiny", instructor=True)
    assert loaded.spec.source == "random" and loaded.dtype == torch.float32
    assert loaded.model.config.vocab_size == len(loaded.tokenizer) == 49152
    assert loaded.model.get_input_embeddings().weight.shape[0] == len(loaded.tokenizer)
    estimate = rw.estimate_bytes(loaded.spec, torch.float32)
    assert abs(loaded.footprint_bytes - estimate) <= 0.01 * estimate
    assert loaded.is_chat  # the embedded tokenizer's chat template came along
    registry.unload("random:tiny")


def test_a_random_model_serves_every_token_it_is_asked_for(tokenizer_dir):
    registry = bench_registry(tokenizer_dir)
    loaded = registry.load("random:tiny", instructor=True)
    settings = GenerationSettings(do_sample=True, seed=3, max_new_tokens=40,
                                  num_return_sequences=2)
    result = loaded.service.submit(GenerationRequest.single(
        settings, Prompt.chat([{"role": "user", "content": "Hi"}]))).result(timeout=120)
    # no end-of-sequence token: every row runs to max_new_tokens (equal work per phase)
    assert [s.n_tokens for s in result.samples] == [40, 40]
    assert [s.finish_reason for s in result.samples] == ["length", "length"]
    assert result.samples[0].token_ids != result.samples[1].token_ids  # seeds 3 and 4
    registry.unload("random:tiny")


def test_the_same_seed_builds_the_same_weights_and_leaves_the_global_rng_alone(tokenizer_dir):
    spec = rw.random_spec("tiny", tokenizer_dir)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _, a = rw.build(spec, torch.device("cpu"), torch.float32)
    _, b = rw.build(spec, torch.device("cpu"), torch.float32)
    assert torch.equal(torch.rand(3), expected)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    _, c = rw.build(spec, torch.device("cpu"), torch.float32, seed=1)
    assert not torch.equal(a.lm_head.weight, c.lm_head.weight)


def test_a_participant_can_never_load_a_random_model(tokenizer_dir):
    registry = bench_registry(tokenizer_dir)  # allowed = ["*"]: any other model would do
    assert not registry.allowed("random:tiny")
    with pytest.raises(ModelNotAllowedError):
        registry.load("random:tiny")
    assert registry.get_loaded("random:tiny") is None and registry.loads == 0


def test_the_pickers_and_the_default_registry_do_not_know_random_models():
    assert all(spec.source != "random" for spec in CATALOG.values())
    registry = default_registry()
    assert all(spec.source != "random" for spec in registry.catalog.values())
    with pytest.raises(UnknownModelError):  # typed into the sidebar's free-text field
        registry.load("random:llama-7b")


def test_random_models_are_evicted_like_any_other(tokenizer_dir):
    shapes = ("tiny", "smollm2-135m")
    big, small = (rw.estimate_bytes(rw.random_spec(s, tokenizer_dir), torch.float32)
                  for s in ("smollm2-135m", "tiny"))
    registry = bench_registry(tokenizer_dir, shapes,  # fits either one, never both
                              memory_budget_mb=(big + small / 2) / 2**20)
    registry.load("random:tiny", instructor=True)
    registry.load("random:smollm2-135m", instructor=True)
    assert [m.name for m in registry.resident()] == ["random:smollm2-135m"]
    assert "random:tiny" in registry.evicted
    registry.unload("random:smollm2-135m")


def test_unknown_shapes_and_missing_tokenizer_files_say_what_to_do(tmp_path):
    assert rw.parse_shapes("llama-1b, random:llama-7b,llama-1b") == ("llama-1b", "llama-7b")
    with pytest.raises(PlaygroundError, match="choose from smollm2-135m, llama-1b"):
        rw.parse_shapes("llama-70b")
    with pytest.raises(PlaygroundError, match="scripts/gpu_check.sh"):
        rw.check_tokenizer_dir(tmp_path)


def test_copy_tokenizer_takes_the_tokenizer_files_and_never_the_weights(tokenizer_dir, tmp_path):
    target = rw.copy_tokenizer(tokenizer_dir, tmp_path / "tok")
    names = {p.name for p in target.iterdir()}
    assert "tokenizer.json" in names and not names & {"model.safetensors", "config.json"}
    assert len(rw.load_tokenizer(target)) == 49152
