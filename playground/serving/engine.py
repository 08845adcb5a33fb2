"""The decode loop: one batched forward pass per step for rows with their own settings.

Why not ``model.generate``: it takes one set of sampling parameters per call, samples from the
global RNG, and cannot stop one row (one session's Stop) without stopping the others. This loop
is the same algorithm (left-padded prefill, KV cache, one token per step) with per-row filters
(``playground.serving.sampling``), per-row generators, per-row stopping, rows that finish leave the
batch so they cost nothing afterwards, and rows that arrive later join at a step boundary
(continuous admission): they are prefilled on their own and their KV cache is merged into the
running one, left-padded. Only the owner thread of a model runs it.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

from playground.serving.sampling import FilterTrace, RowFilters, choose_tokens, make_generator
from playground.serving.settings import GenerationSettings


@dataclass
class Row:
    """One sequence to generate. ``stop`` is polled every step (cancel, stop string, timeout)."""

    prompt_ids: list[int]
    settings: GenerationSettings
    seed: int
    on_token: Callable[[int], None]
    stop: Callable[[], bool] = lambda: False
    on_step: Callable[[torch.Tensor, FilterTrace, int, int], None] | None = None
    on_done: Callable[[], None] | None = None  # called once, when the row leaves the batch
    # the row's first tokens, taken instead of its draws (the draws are still made, so its
    # generator is where it would have been): the decoding lens's "what if this token"
    forced: tuple[int, ...] = ()
    # probe(step, trace, batch_index, generator): after each step's draw, before forcing
    probe: Callable[[int, FilterTrace, int, torch.Generator | None], None] | None = None
    generated: list[int] = field(default_factory=list)
    finish_reason: str | None = None  # "eos", "length", "stopped"


class _Batch:
    """The running rows and their tensors, all in the same (batch) order."""

    def __init__(self, rows, cache, attention, positions, logits, device):
        self.rows = rows
        self.cache, self.attention = cache, attention
        self.positions, self.logits = positions, logits
        self.filters = RowFilters.from_settings([r.settings for r in rows], device=device)
        self.generators = [make_generator(r.seed, device) if r.settings.do_sample else None
                           for r in rows]

    @classmethod
    def prefill(cls, model, rows: list[Row], pad_id: int) -> "_Batch":
        """One forward pass over the distinct prompts; rows that share a prompt (a Compare
        request's columns and samples, a sweep's grid) share its prefill: the cache and the
        logits are copied per row, which is exactly what running the prompt alone gives."""
        device = model.device
        distinct: dict[tuple[int, ...], int] = {}
        of_row = [distinct.setdefault(tuple(r.prompt_ids), len(distinct)) for r in rows]
        prompts = list(distinct)
        width = max(len(p) for p in prompts)
        input_ids = torch.full((len(prompts), width), pad_id, dtype=torch.long, device=device)
        attention = torch.zeros((len(prompts), width), dtype=torch.long, device=device)
        for i, ids in enumerate(prompts):  # left padding: every row's last prompt token aligned
            input_ids[i, width - len(ids):] = torch.tensor(ids, device=device)
            attention[i, width - len(ids):] = 1
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        cache = DynamicCache()
        out = model(input_ids=input_ids, attention_mask=attention, position_ids=positions,
                    past_key_values=cache, use_cache=True, **_last_logits_only(model))
        logits = out.logits[:, -1, :].float()
        if len(prompts) < len(rows):
            index = torch.tensor(of_row, device=device)
            cache.batch_select_indices(index)
            attention, positions, logits = attention[index], positions[index], logits[index]
        return cls(list(rows), cache, attention, positions[:, -1:], logits, device)

    def keep(self, index: list[int]) -> None:
        """Only the rows at ``index`` stay (finished rows leave the batch and the cache)."""
        if len(index) == len(self.rows):
            return
        if not index:  # the batch is over; its tensors are dropped with it
            self.rows, self.generators = [], []
            return
        t = torch.tensor(index, device=self.attention.device)
        self.cache.batch_select_indices(t)
        self.attention, self.positions = self.attention[t], self.positions[t]
        self.filters = self.filters.select(t)
        self.rows = [self.rows[i] for i in index]
        self.generators = [self.generators[i] for i in index]
        self._trim_padding()

    def _trim_padding(self) -> None:
        """Drop the leading columns that every remaining row masks out.

        With continuous admission a batch may never empty while a room keeps sending
        requests; without this, the cache would keep the left padding of rows long gone
        and grow by one column per step for as long as the batch lives (memory and
        attention time growing without bound). Rows keep their explicit position ids,
        and masked columns contribute nothing, so what remains computes the same.
        """
        if not self.mergeable():
            return
        used = self.attention.any(dim=0)
        start = int(used.nonzero()[0]) if bool(used.any()) else 0
        if start == 0:
            return
        self.attention = self.attention[:, start:]
        for layer in self.cache.layers:
            layer.keys = layer.keys[:, :, start:, :]
            layer.values = layer.values[:, :, start:, :]

    def step(self, model, tokens: torch.Tensor) -> None:
        """Feed each row its chosen token; afterwards ``logits`` are for the next token."""
        self.attention = torch.cat([self.attention,
                                    self.attention.new_ones((len(self.rows), 1))], dim=-1)
        self.positions = self.positions + 1
        out = model(input_ids=tokens.unsqueeze(-1), attention_mask=self.attention,
                    position_ids=self.positions, past_key_values=self.cache, use_cache=True)
        self.logits = out.logits[:, -1, :].float()

    def mergeable(self) -> bool:
        return all(type(layer) is DynamicLayer for layer in self.cache.layers)

    def absorb(self, other: "_Batch") -> None:
        """Append ``other``'s rows; the shorter history is left-padded with masked zeros."""
        width = max(self.attention.shape[1], other.attention.shape[1])
        mine, theirs = width - self.attention.shape[1], width - other.attention.shape[1]
        for a, b in zip(self.cache.layers, other.cache.layers):
            a.keys = torch.cat([_pad_left(a.keys, mine), _pad_left(b.keys, theirs)], dim=0)
            a.values = torch.cat([_pad_left(a.values, mine), _pad_left(b.values, theirs)], dim=0)
        self.attention = torch.cat([_pad_left(self.attention, mine, dim=1),
                                    _pad_left(other.attention, theirs, dim=1)], dim=0)
        self.positions = torch.cat([self.positions, other.positions], dim=0)
        self.logits = torch.cat([self.logits, other.logits], dim=0)
        self.filters = RowFilters(*(torch.cat([getattr(self.filters, f), getattr(other.filters, f)])
                                    for f in ("do_sample", "temperature", "top_k", "top_p",
                                              "min_p", "epsilon")))
        self.rows += other.rows
        self.generators += other.generators


def _last_logits_only(model) -> dict:
    """``logits_to_keep=1`` where the model takes it, as transformers' generate does: the
    prefill then computes the vocabulary projection for the last position only, instead of
    a [rows, prompt length, vocab] tensor (3 GB for 16 rows of 1,000 tokens with a 49k vocab)."""
    forward = getattr(model, "forward", None)
    try:
        return {"logits_to_keep": 1} if "logits_to_keep" in inspect.signature(
            forward).parameters else {}
    except (TypeError, ValueError):
        return {}


def _pad_left(t: torch.Tensor, n: int, dim: int = 2) -> torch.Tensor:
    if n == 0:
        return t
    shape = list(t.shape)
    shape[dim] = n
    return torch.cat([t.new_zeros(shape), t], dim=dim)


def _steer(batch: _Batch, tokens: torch.Tensor, trace: FilterTrace) -> torch.Tensor:
    """Run each row's probe, then put forced tokens in place of the drawn ones."""
    out = tokens
    for b, row in enumerate(batch.rows):
        step = len(row.generated)
        if row.probe is not None:
            row.probe(step, trace, b, batch.generators[b])
        if step < len(row.forced):
            if out is tokens:
                out = tokens.clone()
            out[b] = int(row.forced[step])
    return out


def _finish_step(batch: _Batch, tokens: torch.Tensor, trace: FilterTrace,
                 eos_ids: set[int]) -> list[int]:
    """Hand each row its token; return the batch positions of rows that go on."""
    keep = []
    for b, row in enumerate(batch.rows):
        token = int(tokens[b])
        if row.stop():
            row.finish_reason = "stopped"
            continue
        if row.on_step is not None:
            row.on_step(batch.logits[b], trace, b, token)
        if token in eos_ids:
            row.finish_reason = "eos"
            continue
        row.generated.append(token)
        row.on_token(token)
        if row.stop():
            row.finish_reason = "stopped"
        elif len(row.generated) >= row.settings.max_new_tokens:
            row.finish_reason = "length"
        else:
            keep.append(b)
    going = set(keep)
    for b, row in enumerate(batch.rows):
        if b not in going and row.on_done is not None:
            row.on_done()
    return keep


@torch.inference_mode()
def run_batch(model, rows: list[Row], eos_ids: set[int], pad_id: int,
              admit: Callable[[int], list[Row]] | None = None) -> None:
    """Generate every row to completion (eos, its max_new_tokens, or its ``stop()``).

    ``on_token`` is called from this thread right after each row's token is chosen.
    ``on_step(raw_logits_row, trace, batch_index, token)`` lets the decoding lens record the
    real distribution of a row at each step. A row's ``probe`` sees each step's filters and its
    generator (the lens's "draw n times"), and its ``forced`` tokens replace its first draws
    (the lens's branch). ``admit(running_rows)`` is asked at every step
    boundary for rows that should join now; an empty list means none.
    """
    batch = _Batch.prefill(model, rows, pad_id)
    while True:
        tokens, trace = choose_tokens(batch.logits, batch.filters, batch.generators)
        if any(r.forced or r.probe is not None for r in batch.rows):
            tokens = _steer(batch, tokens, trace)
        keep = _finish_step(batch, tokens, trace, eos_ids)
        batch.keep(keep)
        newcomers = admit(len(keep)) if admit is not None and batch.mergeable() else []
        if keep:
            batch.step(model, tokens[keep] if len(keep) < len(tokens) else tokens)
        if newcomers:
            joined = _Batch.prefill(model, newcomers, pad_id)
            if keep:
                batch.absorb(joined)
            else:
                batch = joined
        elif not keep:
            return
