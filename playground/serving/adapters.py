"""LoRA adapters served together: one base model, many adapters, one forward per step.

An adapter is data, not a model (vLLM's ``LoRARequest``, peft's ``LoraConfig``): a folder in
PEFT's format (``adapter_config.json`` + ``adapter_model.safetensors``) holding, for each
adapted linear layer, two small matrices A (r x in) and B (out x r). The base weights are held
once. Each request row names its adapter (or none); inside one forward, every adapted layer
adds to the rows of each adapter their own low-rank update,

    y[rows of a] += (x[rows of a] @ A_a.T) @ B_a.T * scale_a

(S-LoRA and Punica gather the rows of an adapter the same way). It is the same arithmetic as
``peft``'s LoRA ``Linear`` (``result + lora_B(lora_A(x)) * scaling``), so a row gives the
text that ``PeftModel`` serving that adapter alone gives; a test holds it to that.

Why forward hooks and not ``PeftModel``: the served model keeps its own class and forward (the
decode loop's ``logits_to_keep``, the lens, every page reading the model see the plain base),
rows without an adapter pay one Python call per linear layer, and adapters come and go while
the owner thread runs (the weights of a forward are the ones it started with).

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import json
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import torch

from playground.errors import ModelLoadError

BASE = None  # a row's adapter when it has none
META = "playground_adapter.json"  # which base (catalog name) an adapter was trained on
_PREFIX = "base_model.model."
MAX_ADAPTER_BYTES = 512 * 2**20  # a LoRA adapter of a small model is a few MB


@dataclass(frozen=True)
class LoraWeights:
    """One adapter's matrices, keyed by the base model's module name."""

    name: str
    base: str                                   # the base model's catalog name
    layers: dict[str, tuple[torch.Tensor, torch.Tensor, float]]  # module -> (A, B, scale)
    nbytes: int
    rank: int
    folder: str


def adapter_base(folder: str | Path) -> str | None:
    """The catalog name of the base an adapter folder was trained on (None: unknown)."""
    meta = Path(folder) / META
    try:
        return str(json.loads(meta.read_text(encoding="utf-8"))["base"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_adapter(name: str, folder: str | Path, base_name: str, model: torch.nn.Module,
                 ) -> LoraWeights:
    """An adapter folder in PEFT's format, checked against ``model`` (the base it is for).

    Raises ``ModelLoadError`` for a folder that is not a LoRA adapter, one trained on another
    base (by its metadata or by a shape that does not match), or one too large."""
    from safetensors.torch import load_file

    folder = Path(folder)
    trained_on = adapter_base(folder)
    if trained_on is not None and trained_on != base_name:
        raise ModelLoadError(f"{name} was trained on {trained_on}, not on {base_name}: an "
                             f"adapter only works on its own base model")
    try:
        config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
        weights_file = folder / "adapter_model.safetensors"
        if weights_file.stat().st_size > MAX_ADAPTER_BYTES:
            raise ModelLoadError(f"{name} is larger than {MAX_ADAPTER_BYTES // 2**20} MiB: "
                                 f"not a LoRA adapter of a small model")
        tensors = load_file(str(weights_file))
    except ModelLoadError:
        raise
    except (OSError, ValueError, KeyError) as err:
        raise ModelLoadError(f"{name} is not a LoRA adapter in PEFT's format "
                             f"(adapter_config.json + adapter_model.safetensors): {err}") from None
    if str(config.get("peft_type", "LORA")).upper() != "LORA":
        raise ModelLoadError(f"{name} is a {config.get('peft_type')} adapter; only LoRA is served")
    r, alpha = int(config.get("r", 8)), float(config.get("lora_alpha", 8))
    scale = alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r
    modules = dict(model.named_modules())
    param = next(model.parameters())
    layers: dict[str, tuple[torch.Tensor, torch.Tensor, float]] = {}
    for key, a in tensors.items():
        if not key.endswith(".lora_A.weight"):
            continue
        module_name = key.removeprefix(_PREFIX).removesuffix(".lora_A.weight")
        b = tensors.get(key.replace(".lora_A.weight", ".lora_B.weight"))
        target = modules.get(module_name)
        if b is None or not isinstance(target, torch.nn.Linear) or \
                a.shape[1] != target.in_features or b.shape[0] != target.out_features:
            raise ModelLoadError(f"{name} does not fit {base_name} (layer {module_name}): an "
                                 f"adapter only works on its own base model")
        layers[module_name] = (a.to(param.device, param.dtype).contiguous(),
                               b.to(param.device, param.dtype).contiguous(), scale)
    if not layers:
        raise ModelLoadError(f"{name} holds no LoRA matrices")
    nbytes = sum(a.numel() * a.element_size() + b.numel() * b.element_size()
                 for a, b, _ in layers.values())
    return LoraWeights(name, base_name, layers, nbytes, r, str(folder))


class MultiLora:
    """The adapters attached to one resident base model, applied per row by forward hooks.

    ``attach``/``detach`` may run on any thread; ``rows`` runs on the owner thread around a
    forward. A forward sees the adapters that were attached when it started."""

    def __init__(self, model: torch.nn.Module):
        self._adapters: dict[str, LoraWeights] = {}  # replaced, never changed in place
        self._lock = threading.Lock()
        self._groups: list[tuple[dict, torch.Tensor | None]] | None = None
        self._handles = []
        # every linear layer gets a hook now, before the owner thread runs the model: adding a
        # hook later, while a forward iterates the hooks, is not safe
        for module_name, module in model.named_modules():
            if isinstance(module, torch.nn.Linear) and not module_name.endswith("lm_head"):
                self._handles.append(module.register_forward_hook(self._hook(module_name,
                                                                              module)))

    @property
    def names(self) -> list[str]:
        return list(self._adapters)

    def get(self, name: str) -> LoraWeights | None:
        return self._adapters.get(name)

    def attach(self, weights: LoraWeights) -> None:
        with self._lock:
            self._adapters = {**self._adapters, weights.name: weights}

    def detach(self, name: str) -> bool:
        with self._lock:
            if name not in self._adapters:
                return False
            self._adapters = {k: v for k, v in self._adapters.items() if k != name}
            return True

    def close(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __deepcopy__(self, memo):
        # a copy of the model (a benchmark's private copy in another dtype) is a plain base:
        # its copied hooks see that they belong to another module and do nothing
        return None

    @contextmanager
    def rows(self, names: list[str | None], device: torch.device) -> Iterator[None]:
        """Within the block, a forward over a batch whose row ``i`` uses adapter ``names[i]``
        (None: the base alone) adds each adapter's update to its own rows."""
        adapters = self._adapters
        plan: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            if name is not None:
                plan.setdefault(name, []).append(i)
        missing = [n for n in plan if n not in adapters]
        if missing:
            raise ModelLoadError(f"{missing[0]} was unloaded while it was generating; pick it "
                                 f"again")
        everyone = len(plan) == 1 and len(next(iter(plan.values()), [])) == len(names)
        # one index tensor per adapter for the whole forward (every layer reuses it)
        self._groups = [(adapters[n].layers, None if everyone else
                         torch.tensor(index, device=device)) for n, index in plan.items()] or None
        try:
            yield
        finally:
            self._groups = None

    def _hook(self, module_name: str, target: torch.nn.Module):
        linear = torch.nn.functional.linear

        def hook(module, args, output):
            groups = self._groups
            if groups is None or module is not target:
                return None
            x = args[0]
            for layers, index in groups:
                layer = layers.get(module_name)
                if layer is None:
                    continue
                a, b, scale = layer
                if x.dtype != a.dtype:
                    x = x.to(a.dtype)
                if index is None:  # every row on this adapter: peft's own single-adapter path
                    return output + linear(linear(x, a), b) * scale
                # peft's mixed batch: the rows of this adapter only, added in place (the
                # output is this forward's own fresh tensor)
                part = linear(linear(x[index], a), b) * scale
                output.index_add_(0, index, part if part.dtype == output.dtype
                                  else part.to(output.dtype))
            return output
        return hook


def multi_lora(model: torch.nn.Module) -> MultiLora:
    """The model's adapter set, made (hooks installed) on first use."""
    lora = getattr(model, "_playground_lora", None)
    if lora is None:
        lora = MultiLora(model)
        model._playground_lora = lora
    return lora


@contextmanager
def adapter_rows(model: torch.nn.Module, names: list[str | None]) -> Iterator[None]:
    """``MultiLora.rows`` for a model that has adapters; nothing for one that has none."""
    lora = getattr(model, "_playground_lora", None)
    if lora is None or all(n is None for n in names):
        if any(n is not None for n in names):
            raise ModelLoadError("this model has no adapters attached; pick the adapter again")
        yield
        return
    with lora.rows(names, model.device):
        yield
