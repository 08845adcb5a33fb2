"""Counting the decode step's reads from the device, on any machine.

Every tensor -> Python conversion (``bool(t)``, ``int(t)``, ``float(t)``, ``t.item()``,
``t.tolist()``, a tensor used as a Python index) makes the host wait for the device on a GPU:
the CPU stops until everything queued has run. ``count_conversions`` counts them on one
thread (the model's owner thread) while a service runs, and splits the count by decode step,
so the count can be checked on a CPU where the same code runs without a GPU. On CUDA,
``torch.cuda.set_sync_debug_mode`` sees the syncs themselves (``playground.bench.gpucheck``).

``.numpy()`` is not counted: the sampler calls it only for CPU tensors (numpy's sort is faster
there), and on a GPU it sorts with torch.

Package ``playground.bench``: may import the feature packages and ``room``, ``serving``,
``config``, ``errors``; nothing but ``ui`` and ``cli`` imports it.
"""

from __future__ import annotations

import statistics
import threading
from contextlib import contextmanager

import torch

from playground.serving import engine

CONVERSIONS = ("__bool__", "__int__", "__float__", "__index__", "item", "tolist")


class ConversionCount:
    """Conversions made on the watched thread, one entry per decode step (a step's entry opens
    when the engine reads its tokens and holds what follows until the next step's read: the
    bookkeeping and the forward pass; what runs before the first read is ``before``). A
    prefill (rows joining the batch: their prompts' forward pass) is counted apart, in
    ``prefill``: it is paid once per admission, not per step."""

    def __init__(self, thread_name: str):
        self.thread_name = thread_name
        self.per_step: list[int] = []
        self.before = 0
        self.prefill = 0
        self._in_prefill = False
        self.by_kind: dict[str, int] = {}
        self._current = 0
        self._started = False

    def _seen(self, kind: str) -> None:
        if threading.current_thread().name != self.thread_name:
            return
        if self._in_prefill:
            self.prefill += 1
            return
        self._current += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def _step(self) -> None:
        if threading.current_thread().name != self.thread_name:
            return
        if self._started:
            self.per_step.append(self._current)
        else:
            self.before, self._started = self._current, True
        self._current = 0

    def close(self) -> None:
        if self._started:  # the last step's entry
            self.per_step.append(self._current)
            self._started, self._current = False, 0

    def summary(self) -> dict:
        steps = self.per_step or [0]
        return {"steps": len(self.per_step), "per_step_median": statistics.median(steps),
                "per_step_mean": round(sum(steps) / len(steps), 2),
                "per_step_max": max(steps), "by_kind": dict(self.by_kind),
                "prefill": self.prefill}


@contextmanager
def count_conversions(thread_name: str):
    """Count tensor -> Python conversions made on the thread called ``thread_name`` (a
    service's owner thread is ``owner:<model name>``) while the block runs."""
    count = ConversionCount(thread_name)
    saved = {name: getattr(torch.Tensor, name) for name in CONVERSIONS}
    saved_read = engine._HostCopy.tokens
    saved_prefill = engine._Batch.__dict__["prefill"]

    def wrap(name, original):
        def counted(self, *args, **kwargs):
            count._seen(name)
            return original(self, *args, **kwargs)
        return counted

    def read(copy):
        count._step()
        return saved_read(copy)

    def prefill(cls, *args, **kwargs):
        mine = threading.current_thread().name == count.thread_name
        if mine:
            count._in_prefill = True
        try:
            return saved_prefill.__func__(cls, *args, **kwargs)
        finally:
            if mine:
                count._in_prefill = False

    try:
        for name, original in saved.items():
            setattr(torch.Tensor, name, wrap(name, original))
        engine._HostCopy.tokens = read
        engine._Batch.prefill = classmethod(prefill)
        yield count
    finally:
        for name, original in saved.items():
            setattr(torch.Tensor, name, original)
        engine._HostCopy.tokens = saved_read
        count.close()
        engine._Batch.prefill = saved_prefill
