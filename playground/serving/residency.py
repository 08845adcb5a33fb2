"""Which models stay resident: a memory budget, least-recently-used eviction, an allow-list.

Several models stay loaded while their footprints fit the budget (GPU memory, or RAM on a
CPU server). Loading one more first evicts the least recently used *idle* model (never one
with waiting or running requests). The estimate for a model not yet loaded comes from its
safetensors headers (parameter count x bytes of the dtype it will be loaded in).

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import json
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import torch

from playground.errors import PlaygroundError

_DTYPE_BYTES = {torch.float32: 4, torch.float16: 2, torch.bfloat16: 2}
_ST_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I8": 1, "U8": 1,
             "BOOL": 1, "I16": 2, "F8_E4M3": 1, "F8_E5M2": 1}


class MemoryBudgetError(PlaygroundError):
    """The model does not fit beside the models that are in use right now."""


class ModelNotAllowedError(PlaygroundError):
    """Participants may load only the models the instructor listed."""


def default_budget_bytes(device: torch.device) -> int:
    """85% of GPU memory; on CPU half of the RAM (the rest is for activations and the app)."""
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory * 0.85)
    return int(psutil.virtual_memory().total * 0.5)


def estimate_bytes(folder: str | Path | None, dtype: torch.dtype) -> int | None:
    """Memory the weights in ``folder`` take once loaded as ``dtype``; None if unknown."""
    if folder is None or not Path(folder).is_dir():
        return None
    files = sorted(Path(folder).glob("*.safetensors"))
    if not files:
        return None
    elements = 0
    for f in files:
        with open(f, "rb") as fh:
            (size,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(size))
        for name, info in header.items():
            if name != "__metadata__":
                n = 1
                for dim in info["shape"]:
                    n *= dim
                elements += n
    return elements * _DTYPE_BYTES.get(dtype, 4)


def is_allowed(name: str, allowed: list[str], catalog: dict) -> bool:
    """[] = the catalog's models; ["*"] = anything; else exactly the names listed."""
    if "*" in allowed:
        return True
    return name in (allowed or catalog)


def choose_evictions(resident: list, need: int, budget: int, keep: str,
                     protect_s: float = 0.0, now: float | None = None) -> list:
    """Least recently used idle models to unload so ``need`` more bytes fit in ``budget``.

    A model used within the last ``protect_s`` seconds (0 = no protection; participants' loads
    use ``models.protect_recent_s``) is never chosen. Raises MemoryBudgetError, saying which
    models stay and why, when evicting every model that may go would not make room.
    """
    used = sum(m.footprint_bytes for m in resident)
    if used + need <= budget:
        return []
    now = time.monotonic() if now is None else now
    recent = {m.name for m in resident if protect_s and now - m.last_used < protect_s}
    idle = sorted((m for m in resident if m.name != keep and not m.busy()
                   and m.name not in recent), key=lambda m: m.last_used)
    victims = []
    for m in idle:
        victims.append(m)
        used -= m.footprint_bytes
        if used + need <= budget:
            return victims
    busy = [m.name for m in resident if m.busy()]
    kept = [m for m in sorted(recent) if m not in busy and m != keep]
    raise budget_error(keep, need, budget, busy, kept, protect_s,
                       loaded=[m.name for m in resident if m.name != keep])


def mb(n: float) -> str:
    return f"{n / 2**20:.0f}"


def budget_error(name: str, need: int, budget: int, busy: list[str], kept: list[str],
                 protect_s: float, loaded: list[str] = ()) -> MemoryBudgetError:
    """The refusal, one sentence: what was asked for, its size, the budget, and which models
    stay loaded and why (with a key and params for the UI's catalogues)."""
    params = {"name": name or "the model", "need": mb(need), "budget": mb(budget),
              "busy": ", ".join(busy), "kept": ", ".join(kept),
              "minutes": f"{protect_s / 60:.0f}", "loaded": ", ".join(loaded)}
    head = (f"not enough model memory for {params['name']}: it needs about {params['need']} MiB "
            f"and the budget is {params['budget']} MiB")
    if budget <= 0:
        key, text = "budget_zero", f"{head}; the budget must be above 0 MiB"
    elif busy and kept:
        key, text = "budget_busy_recent", (
            f"{head}, with {params['busy']} in use right now and {params['kept']} used by the "
            f"room in the last {params['minutes']} min; try again in a few minutes, pick a "
            f"smaller model, or ask the instructor")
    elif busy:
        key, text = "budget_busy", (
            f"{head}, with {params['busy']} in use right now; try again in a few minutes, pick "
            f"a smaller model, or ask the instructor")
    elif kept:
        key, text = "budget_recent", (
            f"{head}, with {params['kept']} used by the room in the last {params['minutes']} "
            f"min; try again in a few minutes, pick a smaller model, or ask the instructor")
    elif loaded:  # it needs more than the whole budget: unloading the others would not help
        key, text = "budget_small_loaded", (
            f"{head}, less than it alone needs, so {params['loaded']} stays loaded; pick a "
            f"smaller model, or ask the instructor to raise models.memory_budget_mb")
    else:
        key, text = "budget_small", (
            f"{head}; pick a smaller model, or ask the instructor to raise "
            f"models.memory_budget_mb")
    return MemoryBudgetError(text, key=f"errors.{key}", params=params)


@dataclass(frozen=True)
class BudgetNote:
    """What the memory budget decided for one load: ``model`` was loaded and ``unloaded`` went
    to make room, or (``refused`` = the refusal's message) ``model`` was not loaded."""

    model: str
    budget_mb: float
    unloaded: tuple[str, ...] = ()
    refused: str = ""
    key: str | None = None      # the refusal's catalogue key and params (the UI's language)
    params: dict = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    def text(self) -> str:
        """One line, English (the UI translates it: ``[messages] budget_swapped``)."""
        if self.refused:
            return self.refused
        return (f"{self.model} is loaded; {', '.join(self.unloaded)} was unloaded to make room "
                f"(the model memory budget of {self.budget_mb:.0f} MiB cannot hold them "
                f"together)")


def standing_note(notes: list[BudgetNote], name: str, resident: set[str]) -> BudgetNote | None:
    """The last time loading ``name`` unloaded models, while none of those is back (the room
    then has them together again and there is nothing to say); None otherwise."""
    for note in reversed(notes):
        if note.model == name and not note.refused:
            return None if resident & set(note.unloaded) else note
    return None
