"""Steps, updates and the learning rate over them: the notes' batch/epoch/step arithmetic.

A *step* here is one forward and backward pass over one batch (what the notes count: 10,000
records, batch 2, 3 epochs -> 15,000 steps). With ``gradient_accumulation_steps`` = k the
optimizer updates the weights once every k steps (and once more for an epoch's last, shorter
group, as transformers' Trainer does), so the learning-rate schedule runs over *updates*.

``lr_at`` is the one schedule function: the training loop, the page's chart and a test all
call it, and the test holds it to transformers' ``get_scheduler``.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SCHEDULERS = ("linear", "cosine", "constant", "constant_with_warmup")


@dataclass(frozen=True)
class StepPlan:
    records: int
    batch_size: int
    accumulation: int
    epochs: int

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.records / self.batch_size)

    @property
    def steps(self) -> int:
        """Forward/backward passes over a batch, all epochs."""
        return self.steps_per_epoch * self.epochs

    @property
    def updates_per_epoch(self) -> int:
        return math.ceil(self.steps_per_epoch / self.accumulation)

    @property
    def updates(self) -> int:
        """Optimizer updates (what the learning-rate schedule counts)."""
        return self.updates_per_epoch * self.epochs


def warmup_updates(updates: int, warmup_ratio: float) -> int:
    return math.ceil(updates * warmup_ratio)


def lr_at(update: int, total: int, learning_rate: float, scheduler: str = "linear",
          warmup_ratio: float = 0.0) -> float:
    """The learning rate for optimizer update ``update`` (0-based) of ``total``:
    linear warmup over ``ceil(total * warmup_ratio)`` updates, then the schedule's decay."""
    if scheduler not in SCHEDULERS:
        raise ValueError(f"lr_scheduler_type must be one of {', '.join(SCHEDULERS)}, got "
                         f"{scheduler!r}")
    warmup = warmup_updates(total, warmup_ratio)
    if scheduler == "constant":
        return learning_rate
    if update < warmup:
        return learning_rate * update / max(1, warmup)
    if scheduler == "constant_with_warmup":
        return learning_rate
    progress = (update - warmup) / max(1, total - warmup)
    if scheduler == "linear":
        return learning_rate * max(0.0, 1.0 - progress)
    return learning_rate * max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def curve(total: int, learning_rate: float, scheduler: str, warmup_ratio: float
          ) -> list[float]:
    return [lr_at(u, total, learning_rate, scheduler, warmup_ratio) for u in range(total)]
