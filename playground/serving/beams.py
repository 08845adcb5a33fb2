"""Beam search (``num_beams`` > 1): transformers' own ``generate``, on the model's owner thread.

The batched decode step (``playground.serving.engine``) draws one token per row; beam search
keeps ``num_beams`` candidate texts per row and reorders them every step, which that step does
not do. So a beam row never enters the batch: when the service admits it (at a step boundary,
on the owner thread, the only thread that runs the model: transformers #32217), it is handed
to ``model.generate(num_beams=..., early_stopping=...)`` there and then, and the rows of the
batch wait for it. Its tokens arrive all at once at the end, its stop strings are applied to
that text, and a Stop or a timeout ends the search at the next step (a stopping criterion).

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import torch
from transformers import StoppingCriteria, StoppingCriteriaList

from playground.serving.adapters import adapter_rows


class _StopWhen(StoppingCriteria):
    """Ends the search when the row's ``stop()`` says so (Stop, a timeout)."""

    def __init__(self, stop):
        self.stop = stop

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), bool(self.stop()), dtype=torch.bool,
                          device=input_ids.device)


def beam_problems(request) -> list[str]:
    """What a request cannot ask of beam search: the decoding lens (its recorders, forced
    tokens and draws) follows the batched decode step, which beam rows never join."""
    if any(s.num_beams > 1 for s in request.variants) and (
            request.record_steps or request.forced_tokens or request.draw):
        return ["the decoding lens follows the batched decode step, and beam search runs "
                "apart from it: set num_beams to 1"]
    return []


def run_beams(model, answer, eos_ids: set[int], pad_id: int):
    """The admission's ``answer`` (rows that join, or (rows that join, rows to park)) without
    its beam rows: each of those is run to its end here with ``model.generate``, handed its
    tokens (``on_token``, as the decode step does) and finished (``on_done``). Only the
    owner thread calls this."""
    joining = answer[0] if isinstance(answer, tuple) else answer
    beams = [r for r in joining if r.settings.num_beams > 1]
    if not beams:
        return answer
    for row in beams:  # a failure (out of memory) ends the running requests, as a batch's
        _run_one(model, row, eos_ids, pad_id)
        if row.on_done is not None:
            row.on_done()
    joining = [r for r in joining if r.settings.num_beams == 1]
    return (joining, answer[1]) if isinstance(answer, tuple) else joining


def _run_one(model, row, eos_ids: set[int], pad_id: int) -> None:
    ids = torch.tensor([row.prompt_ids], dtype=torch.long, device=model.device)
    # a row of an adapter: every beam (generate expands the row) gets the adapter's update
    with torch.inference_mode(), adapter_rows(model, [row.adapter]):
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                             pad_token_id=pad_id, eos_token_id=sorted(eos_ids) or None,
                             stopping_criteria=StoppingCriteriaList([_StopWhen(row.stop)]),
                             **row.settings.generate_kwargs())
    new = out[0, ids.shape[1]:].tolist()
    for token in new:
        if row.stop():
            row.finish_reason = "stopped"
            return
        if token in eos_ids:
            row.finish_reason = "eos"
            return
        row.generated.append(token)
        row.on_token(token)
    row.finish_reason = "stopped" if row.stop() else "length"
