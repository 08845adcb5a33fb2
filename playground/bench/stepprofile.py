"""Where one decode step's time goes: the model's forward pass, the sampler, the bookkeeping.

The engine's own pieces (``playground.serving.engine``) are run in the engine's order for a
prefilled batch, with the device synchronized between them so each is timed on its own:

- ``forward``: ``_Batch.step``, i.e. the model's forward pass for one token per row and the
  KV-cache update (plus the attention mask's one-column append);
- ``sampler``: ``choose_tokens`` (each sampling row's temperature and filters over the
  whole vocabulary, then one seeded draw per sampling row; greedy rows take an argmax);
- ``bookkeeping``: ``_finish_step`` and ``_Batch.keep`` (reading each row's token back to
  Python, stop checks, dropping finished rows from the cache).

On a GPU, the forward pass's kernel time (``torch.profiler``) beside its wall time says
whether the step waits for the GPU (kernel time close to wall time) or for Python launching
kernels (kernel time much smaller). The same forward pass for a single row says how much a
step's cost grows with the batch. Only call it while the model's service is idle.

Package ``playground.bench``: may import the feature packages and ``room``, ``serving``,
``config``, ``errors``; nothing but ``ui`` and ``cli`` imports it.
"""

from __future__ import annotations

import statistics
import time

import torch

from playground.serving.engine import Row, _Batch, _finish_step
from playground.serving.sampling import choose_tokens
from playground.serving.settings import GenerationSettings


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 3)


@torch.inference_mode()
def _time_steps(model, rows: list[Row], pad_id: int, steps: int) -> dict:
    device = model.device
    batch = _Batch.prefill(model, rows, pad_id)
    forward, sampler, books = [], [], []
    for _ in range(steps):
        _sync(device)
        t0 = time.perf_counter()
        tokens, trace = choose_tokens(batch.logits, batch.filters, batch.generators,
                                      trace=False)  # as the engine, when no row records
        _sync(device)
        t1 = time.perf_counter()
        keep = _finish_step(batch, tokens.tolist(), trace, set())
        batch.keep(keep)
        t2 = time.perf_counter()
        if not keep:
            break
        tokens = tokens[keep] if len(keep) < len(tokens) else tokens
        batch.step(model, tokens)
        _sync(device)
        t3 = time.perf_counter()
        sampler.append(t1 - t0)
        books.append(t2 - t1)
        forward.append(t3 - t2)
    out = {"rows": len(rows), "steps": steps, "forward_ms": _ms(forward),
           "sampler_ms": _ms(sampler), "bookkeeping_ms": _ms(books)}
    out["step_ms"] = round(out["forward_ms"] + out["sampler_ms"] + out["bookkeeping_ms"], 3)
    out["forward_kernel_ms"] = _kernel_ms(model, batch, tokens)
    return out


def _kernel_ms(model, batch: _Batch, tokens: torch.Tensor) -> float | None:
    """GPU kernel time of one more forward pass (None on a CPU or without the profiler)."""
    if model.device.type != "cuda":
        return None
    try:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            batch.step(model, tokens)
            _sync(model.device)
        total = sum(getattr(e, "self_device_time_total", None) or
                    getattr(e, "self_cuda_time_total", 0) for e in prof.key_averages())
        return round(total / 1000, 3)  # microseconds -> ms
    except Exception:  # the profiler's API and availability differ between builds
        return None


def profile_decode_step(loaded, prompt_ids: list[list[int]],
                        settings: list[GenerationSettings], steps: int = 16) -> dict:
    """Median ms per part of a decode step for a batch of ``len(prompt_ids)`` rows (each
    with its own settings, seeded 0..n-1), and the same for the first row alone.

    ``steps``: decode steps timed (1 to 256; each row's max_new_tokens is raised to fit).
    """
    steps = max(1, min(int(steps), 256))

    def rows(n):
        # every row must outlast the timed steps: none may leave the batch on the way
        return [Row(prompt_ids=prompt_ids[i], settings=settings[i].replace(
                    max_new_tokens=steps + 8), seed=i, on_token=lambda _t: None)
                for i in range(n)]

    pad = loaded.tokenizer.pad_token_id or 0
    _time_steps(loaded.model, rows(len(prompt_ids)), pad, 2)  # warm-up (kernels, allocator)
    batch = _time_steps(loaded.model, rows(len(prompt_ids)), pad, steps)
    single = _time_steps(loaded.model, rows(1), pad, steps)
    step = batch["step_ms"] or 1e-9
    return {"batch": batch, "one_row": single,
            "share_forward": round(batch["forward_ms"] / step, 3),
            "share_sampler": round(batch["sampler_ms"] / step, 3),
            "share_bookkeeping": round(batch["bookkeeping_ms"] / step, 3),
            "forward_growth_batch_vs_one": round(batch["forward_ms"] /
                                                 max(single["forward_ms"], 1e-9), 2)}
