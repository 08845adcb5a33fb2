"""``[models] cpu_dtype``: auto by default (bf16 where the processor has it), float32 or bfloat16
on request, and the environment's pin."""

from dataclasses import replace

import pytest
import torch

from playground.codegen import generate_code
from playground.config import ModelsConfig, load_config
from playground.errors import PlaygroundError
from playground.serving.registry import Registry, cpu_has_fast_bf16, pick_dtype
from playground.serving.service import GenerationRequest, Prompt, generate
from playground.serving.settings import GenerationSettings
from tests.conftest import EMBEDDED

CPU = torch.device("cpu")


def test_the_cpu_dtype_setting_picks_the_dtype():
    fastest = torch.bfloat16 if cpu_has_fast_bf16() else torch.float32
    assert ModelsConfig().cpu_dtype == "auto" and pick_dtype(CPU) is fastest
    assert pick_dtype(CPU, "float32") is torch.float32
    assert pick_dtype(CPU, "bfloat16") is torch.bfloat16
    assert pick_dtype(CPU, "auto") is (torch.bfloat16 if cpu_has_fast_bf16() else torch.float32)


def test_the_environment_pins_the_cpu_dtype(monkeypatch, tmp_path):
    monkeypatch.setenv("PLAYGROUND_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("PLAYGROUND_CPU_DTYPE", raising=False)
    assert load_config().models.cpu_dtype == "auto"
    monkeypatch.setenv("PLAYGROUND_CPU_DTYPE", "bfloat16")
    assert load_config().models.cpu_dtype == "bfloat16"
    monkeypatch.setenv("PLAYGROUND_CPU_DTYPE", "float16")
    with pytest.raises(PlaygroundError, match="cpu_dtype must be one of"):
        load_config()


def test_a_wrong_cpu_dtype_is_refused_with_the_choices():
    with pytest.raises(PlaygroundError, match="cpu_dtype must be one of float32, bfloat16, auto"):
        ModelsConfig(cpu_dtype="float16")


def test_a_bf16_model_generates_and_its_view_code_names_bf16():
    config = load_config()
    registry = Registry(replace(config, models=replace(config.models, cpu_dtype="bfloat16")))
    loaded = registry.load(EMBEDDED, instructor=True)
    try:
        assert loaded.dtype is torch.bfloat16
        assert next(loaded.model.parameters()).dtype is torch.bfloat16
        settings = GenerationSettings(max_new_tokens=8)
        prompt = Prompt.raw("The capital of France is")
        result = generate(loaded, GenerationRequest.single(settings, prompt), timeout=300)
        assert result.samples[0].token_ids
        code = generate_code(loaded.spec, loaded.service.render(prompt), settings,
                             dtype=str(loaded.dtype).removeprefix("torch."))
        assert "dtype=torch.bfloat16" in code and "# the playground ran this model in bfloat16" in code
    finally:
        registry.unload(loaded.name)
