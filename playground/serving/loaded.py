"""A resident model and the device and dtype it runs in.

``LoadedModel`` is what every page and the CLI hold: the model, its tokenizer, its one
generation service. ``pick_device``/``pick_dtype`` decide where and in what precision models are
loaded.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import torch

from playground.config import LimitsConfig, ServiceConfig
from playground.serving.catalog import ModelSpec


@dataclass
class LoadedModel:
    """A resident model. Read-only for pages; only its service's owner thread runs it."""

    spec: ModelSpec
    model: torch.nn.Module
    tokenizer: object
    device: torch.device
    dtype: torch.dtype
    load_seconds: float
    footprint_bytes: int
    service_config: ServiceConfig = field(default_factory=ServiceConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)
    _service: object = None

    def touch(self) -> None:
        """Mark as used now (the least recently used idle model is evicted first)."""
        self.last_used = time.monotonic()

    def busy(self) -> bool:
        return self._service is not None and self._service.busy()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def is_chat(self) -> bool:
        return bool(self.spec.chat) if self.spec.chat is not None else bool(
            getattr(self.tokenizer, "chat_template", None))

    @property
    def context_length(self) -> int:
        cfg = self.model.config
        return int(getattr(cfg, "max_position_embeddings", 0) or 2048)

    @property
    def service(self):
        """The one generation service of this model, started on first use."""
        if self._service is None:
            with self.tokenizer_lock:
                if self._service is None:
                    from playground.serving.service import GenerationService
                    self._service = GenerationService(self, self.service_config, self.limits)
        return self._service


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cpu_has_fast_bf16() -> bool:
    """Does this processor compute bf16 natively (AMX or AVX512-BF16)? Linux's flags say."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            flags = set()
            for line in f:
                if line.startswith("flags"):
                    flags.update(line.split(":", 1)[1].split())
                    break
    except OSError:
        return False
    return bool(flags & {"amx_bf16", "avx512_bf16"})


def pick_dtype(device: torch.device, cpu_dtype: str = "auto") -> torch.dtype:
    """bf16 on GPUs that have it, else fp16 on GPU. On a CPU ``cpu_dtype`` decides
    (``[models] cpu_dtype``): auto (the default: bf16 where the processor has AMX or
    avx512_bf16, float32 elsewhere; fp16 matmuls are slow on CPUs), float32 (what the
    tutorial's code gives) or bfloat16."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if cpu_dtype == "bfloat16" or (cpu_dtype == "auto" and cpu_has_fast_bf16()):
        return torch.bfloat16
    return torch.float32
