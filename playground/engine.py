"""The decode loop: one batched forward pass per step for rows with their own settings.

Why not ``model.generate``: it takes one set of sampling parameters per call, samples from the
global RNG, and cannot stop one row (one session's Stop) without stopping the others. This loop
is the same algorithm (left-padded prefill, KV cache, one token per step) with per-row filters
(``playground.sampling``), per-row generators, per-row stopping, and rows that finish leave the
batch so they cost nothing afterwards. Only the owner thread of a model runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from transformers import DynamicCache

from playground.sampling import FilterTrace, RowFilters, choose_tokens, make_generator
from playground.settings import GenerationSettings


@dataclass
class Row:
    """One sequence to generate. ``stop`` is polled every step (cancel, stop string)."""

    prompt_ids: list[int]
    settings: GenerationSettings
    seed: int
    on_token: Callable[[int], None]
    stop: Callable[[], bool] = lambda: False
    on_step: Callable[[torch.Tensor, FilterTrace, int, int], None] | None = None
    generated: list[int] = field(default_factory=list)
    finish_reason: str | None = None  # "eos", "length", "stopped"


@torch.inference_mode()
def run_batch(model, rows: list[Row], eos_ids: set[int], pad_id: int) -> None:
    """Generate every row to completion (eos, its max_new_tokens, or its ``stop()``).

    ``on_token`` is called from this thread right after each row's token is chosen.
    ``on_step(raw_logits_row, trace, batch_index, token)`` lets the decoding lens record the
    real distribution of a row at each step.
    """
    device = model.device
    width = max(len(r.prompt_ids) for r in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long, device=device)
    attention = torch.zeros((len(rows), width), dtype=torch.long, device=device)
    for i, row in enumerate(rows):  # left padding: every row's last prompt token is aligned
        input_ids[i, width - len(row.prompt_ids):] = torch.tensor(row.prompt_ids, device=device)
        attention[i, width - len(row.prompt_ids):] = 1
    positions = (attention.cumsum(-1) - 1).clamp(min=0)

    active = list(range(len(rows)))  # indices into rows, in batch order
    filters = RowFilters.from_settings([r.settings for r in rows], device=device)
    generators = [make_generator(r.seed, device) if r.settings.do_sample else None for r in rows]
    cache = DynamicCache()
    out = model(input_ids=input_ids, attention_mask=attention, position_ids=positions,
                past_key_values=cache, use_cache=True)
    while True:
        logits = out.logits[:, -1, :].float()
        tokens, trace = choose_tokens(logits, filters, [generators[i] for i in active])
        keep = []
        for b, i in enumerate(active):
            row, token = rows[i], int(tokens[b])
            if row.stop():
                row.finish_reason = "stopped"
                continue
            if row.on_step is not None:
                row.on_step(logits[b], trace, b, token)
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
        if not keep:
            return
        if len(keep) < len(active):  # finished rows leave the batch and the cache
            index = torch.tensor(keep, device=device)
            cache.batch_select_indices(index)
            attention = attention[index]
            positions = positions[index]
            tokens = tokens[index]
            filters = filters.select(index)
            active = [active[b] for b in keep]
        attention = torch.cat([attention, attention.new_ones((len(active), 1))], dim=-1)
        positions = positions[:, -1:] + 1
        out = model(input_ids=tokens.unsqueeze(-1), attention_mask=attention,
                    position_ids=positions, past_key_values=cache, use_cache=True)
