"""Where a room's first token goes: the prefill of everyone's prompts, and one decode step.

When 16 participants press Generate together, each waits for the same thing before their
first token: one forward pass over every distinct prompt (``_Batch.prefill``, left-padded, the
vocabulary projection for the last position only). ``profile_first_token`` times that pass
for the room's prompts and for one prompt alone, and converts it into the arithmetic it does
(two floating-point operations per weight of every linear layer per prompt token, plus the
vocabulary projection per prompt) per second. Set beside one core's peak, that figure says
whether the first token waits for arithmetic (a dense float32 matmul near the core's peak
cannot get faster without fewer or cheaper operations: fewer bits per weight, or bf16
instructions) or for something else. ``profile_decode_step`` (``bench.stepprofile``) does
the same for one step of the running batch.

Package ``playground.bench``: may import the feature packages and ``room``, ``serving``,
``config``, ``errors``; nothing but ``ui`` and ``cli`` imports it.
"""

from __future__ import annotations

import platform
import time
from typing import Callable

import torch

from playground.bench.loadtest import session_request
from playground.bench.stepprofile import _sync, profile_decode_step
from playground.serving.engine import Row, _Batch
from playground.serving.loaded import cpu_has_fast_bf16
from playground.serving.prefixes import PrefixCache
from playground.serving.settings import GenerationSettings


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def cpu_name() -> str:
    """The processor's model name (Linux), else what Python knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def linear_weights(model) -> tuple[int, int]:
    """(weights of the decoder's linear layers, weights of the vocabulary projection)."""
    head = model.get_output_embeddings()
    body = sum(m.weight.numel() for m in model.modules()
               if isinstance(m, torch.nn.Linear) and m is not head)
    return body, head.weight.numel() if head is not None else 0


@torch.inference_mode()
def _prefill_s(loaded, prompts: list[list[int]], repeats: int,
               prepare: Callable[[], PrefixCache | None] = lambda: None) -> float:
    """The best of ``repeats`` prefills of ``prompts``; ``prepare`` (untimed, before each)
    gives the prefix cache that pass starts from (None: every prompt read whole)."""
    pad = loaded.tokenizer.pad_token_id or 0
    rows = [Row(p, GenerationSettings(), 0, lambda _t: None) for p in prompts]
    _Batch.prefill(loaded.model, rows, pad, prepare())  # warm-up: kernels, the allocator
    times = []
    for _ in range(repeats):
        prefixes = prepare()
        _sync(loaded.device)
        start = time.perf_counter()
        _Batch.prefill(loaded.model, rows, pad, prefixes)
        _sync(loaded.device)
        times.append(time.perf_counter() - start)
    return min(times)  # the best of the repeats: a shared machine only ever slows a pass


@torch.inference_mode()  # as the service prefills: no autograd graph kept with the heads
def _kept(loaded, prompts: list[list[int]]) -> PrefixCache:
    """A prefix cache as the service has it after prefilling ``prompts`` (one by one, as
    participants arriving apart)."""
    cache = PrefixCache()
    pad = loaded.tokenizer.pad_token_id or 0
    for p in prompts:
        _Batch.prefill(loaded.model, [Row(p, GenerationSettings(), 0, lambda _t: None)], pad,
                       cache)
    return cache


@torch.inference_mode()
def matmul_gflop_per_s(device: torch.device, dtype: torch.dtype, n: int = 1024,
                       repeats: int = 20) -> float:
    """What this device reaches on one large square matmul in ``dtype`` with the current
    threads, the best of ``repeats``: the roof a prefill's matmuls can approach."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    a @ b  # warm-up
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        a @ b
        _sync(device)
        times.append(time.perf_counter() - start)
    return round(2 * n ** 3 / min(times) / 1e9, 1)


def profile_first_token(loaded, sessions: int = 16, repeats: int = 5) -> dict:
    """The prefill that stands before a room's first tokens, and one decode step after it."""
    service = loaded.service
    requests = [session_request(i, 8) for i in range(sessions)]
    ids = [service.tokenize(service.render(r.prompts[0])) for r in requests]
    distinct = list(dict.fromkeys(tuple(p) for p in ids))  # shared prompts share a prefill
    width = max(len(p) for p in distinct)
    body, head = linear_weights(loaded.model)

    def figures(prompts: list[tuple[int, ...]], prepare=lambda: None) -> dict:
        seconds = _prefill_s(loaded, [list(p) for p in prompts], repeats, prepare)
        tokens = sum(len(p) for p in prompts)
        padded = len(prompts) * max(len(p) for p in prompts)
        flops = 2 * (body * padded + head * len(prompts))  # padding is computed too
        return {"prompts": len(prompts), "prompt_tokens": tokens, "padded_tokens": padded,
                "ms": _ms(seconds),
                "prompt_tokens_per_s": round(tokens / seconds, 1),
                "gflop_per_s": round(flops / seconds / 1e9, 1)}

    room = figures(distinct)
    alone = figures(distinct[:1])
    roof = matmul_gflop_per_s(loaded.device, loaded.model.dtype)
    room["share_of_matmul_roof"] = round(room["gflop_per_s"] / roof, 2)
    # the service's prefill: the head the prompts share read once (``serving.prefixes``),
    # as for a room that presses Generate together on a fresh server; then with the head
    # kept from earlier prompts, for the room and for one newcomer
    kept = _kept(loaded, [list(p) for p in distinct[1:]])  # the others came before
    shared = {"head_tokens": PrefixCache().target(list(distinct)),
              "room_head_read_once_ms": _ms(_prefill_s(loaded, [list(p) for p in distinct],
                                                       repeats, PrefixCache)),
              "room_head_kept_ms": _ms(_prefill_s(loaded, [list(p) for p in distinct], repeats,
                                                  kept.copy)),
              "one_prompt_head_kept_ms": _ms(_prefill_s(loaded, [list(distinct[0])], repeats,
                                                        kept.copy))}
    shared["room_speedup_read_once"] = round(room["ms"] / shared["room_head_read_once_ms"], 2)
    shared["room_speedup_kept"] = round(room["ms"] / shared["room_head_kept_ms"], 2)
    shared["one_prompt_speedup_kept"] = round(alone["ms"] / shared["one_prompt_head_kept_ms"],
                                              2)
    step = profile_decode_step(loaded, [list(p) for p in ids],
                               [r.variants[0] for r in requests], steps=8)
    return {"model": loaded.name, "device": loaded.device.type, "cpu": cpu_name(),
            "cpu_fast_bf16": cpu_has_fast_bf16(),
            "dtype": str(loaded.model.dtype).removeprefix("torch."),
            "threads": torch.get_num_threads(), "sessions": sessions,
            "longest_prompt": width,
            "linear_weights": body, "vocab_projection_weights": head,
            "matmul_gflop_per_s": roof, "prefill_room": room, "prefill_one_prompt": alone,
            "shared_head": shared,
            "decode_step": {"rows": step["batch"]["rows"],
                            "step_ms": step["batch"]["step_ms"],
                            "forward_ms": step["batch"]["forward_ms"],
                            "sampler_ms": step["batch"]["sampler_ms"],
                            "bookkeeping_ms": step["batch"]["bookkeeping_ms"],
                            "one_row_step_ms": step["one_row"]["step_ms"]}}
