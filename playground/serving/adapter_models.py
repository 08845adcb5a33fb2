"""An adapter as a model in the picker: ``gemma-3-270m + kansai (LoRA)``.

``AdapterModel`` looks like any resident model to the pages and the CLI (its name, tokenizer,
context, a ``service`` to submit to), but it holds no weights of its own beyond its LoRA
matrices: its service is the base model's service, and every request sent through it carries
the adapter's name, so its rows share the base's batch with everyone else's rows (the base's
and other adapters'). It counts in the memory budget with its own bytes.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from playground.serving.adapters import LoraWeights
from playground.serving.handles import GenerationHandle, GenerationRequest
from playground.serving.loaded import LoadedModel


class AdapterService:
    """The base model's service, with this adapter's name on every request."""

    def __init__(self, base_service, adapter: str):
        self._base, self.adapter = base_service, adapter

    def submit(self, request: GenerationRequest) -> GenerationHandle:
        return self._base.submit(dataclasses.replace(request, adapter=self.adapter))

    def __getattr__(self, attr):  # render, tokenize, queue_depth, stats...: the base's
        return getattr(self._base, attr)


@dataclass
class AdapterModel(LoadedModel):
    """A LoRA adapter served on its resident base (see the module docstring)."""

    base_model: LoadedModel | None = None
    weights: LoraWeights | None = None

    @property
    def service(self) -> AdapterService:
        return AdapterService(self.base_model.service, self.spec.name)

    def busy(self) -> bool:
        return self.base_model is not None and self.base_model.busy()

    @property
    def is_chat(self) -> bool:
        return self.base_model.is_chat

    @property
    def context_length(self) -> int:
        return self.base_model.context_length
