"""A Hub model's size is checked from the Hub's metadata before anything is downloaded.

Tests are offline: the one network call (``HfApi.model_info``) is replaced by a fake that
answers like the Hub does (siblings with sizes, safetensors parameter counts)."""

from types import SimpleNamespace

import pytest

from playground.config import Config, ModelsConfig
from playground.serving import hubsize
from playground.serving import registry as reg_mod
from playground.serving.hubsize import HubSize, hub_size
from playground.serving.registry import Registry
from playground.serving.residency import MemoryBudgetError

GB = 2**30


def fake_hub(monkeypatch, params: int, files: dict[str, int]):
    calls = []

    def model_info(self, repo_id, files_metadata=False, token=None, timeout=None, **_):
        calls.append((repo_id, files_metadata))
        return SimpleNamespace(
            sha="abc", siblings=[SimpleNamespace(rfilename=n, size=s) for n, s in files.items()],
            safetensors=SimpleNamespace(parameters={"BF16": params}, total=params))

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)
    return calls


def test_size_comes_from_the_weight_files_and_parameter_count(monkeypatch):
    calls = fake_hub(monkeypatch, 7_000_000_000, {
        "model-00001-of-00002.safetensors": 10 * GB, "model-00002-of-00002.safetensors": 4 * GB,
        "pytorch_model.bin": 14 * GB, "onnx/model.onnx": 20 * GB, "config.json": 700})
    size = hub_size("org/big")
    assert calls == [("org/big", True)]
    assert size.weight_bytes == 14 * GB and size.missing_bytes == 14 * GB  # safetensors only
    assert size.memory_bytes(4) == 28_000_000_000 and size.memory_bytes(2) == 14_000_000_000


def test_a_model_too_big_for_the_budget_is_refused_with_numbers_before_download(monkeypatch):
    fake_hub(monkeypatch, 7_000_000_000, {"model.safetensors": 14 * GB})
    reg = Registry(Config(models=ModelsConfig(memory_budget_mb=2048)))
    with pytest.raises(MemoryBudgetError) as info:
        reg.load("org/big-7b")
    message = str(info.value)
    assert "org/big-7b" in message and "2,048 MiB" in message and "nothing was downloaded" in message
    assert reg.loads == 0  # the loader (and so from_pretrained) never ran


def test_a_download_larger_than_the_free_disk_is_refused(monkeypatch):
    fake_hub(monkeypatch, 100_000_000, {"model.safetensors": 400 * GB})
    monkeypatch.setattr(reg_mod, "free_disk_bytes", lambda: 50 * GB)
    reg = Registry(Config(models=ModelsConfig(memory_budget_mb=10_000_000)))
    with pytest.raises(MemoryBudgetError, match=r"download 409,600 MiB .* 51,200 MiB free"):
        reg.load("org/huge-files")
    assert reg.loads == 0


def test_offline_or_unreachable_hub_skips_the_check(monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    assert hub_size("org/any") is None

    def unreachable(self, *a, **k):
        raise ConnectionError("no network")

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", unreachable)
    assert hub_size("org/any") is None


def test_without_a_parameter_count_the_file_size_is_the_estimate():
    assert HubSize("o/m", 3 * GB, 0, None).memory_bytes(4) == 3 * GB


def test_free_disk_is_measured_where_the_cache_lives(monkeypatch, tmp_path):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "not" / "yet"))
    assert hubsize.free_disk_bytes() > 0
