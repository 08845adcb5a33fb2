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

import copy
import inspect
from dataclasses import dataclass, field
from typing import Callable

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

from playground.serving.adapters import adapter_rows
from playground.serving.history import RowHistories
from playground.serving.prefixes import Prefix, PrefixCache
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
    adapter: str | None = None  # the LoRA adapter this row runs with (None: the base alone)


class _Batch:
    """The running rows and their tensors, all in the same (batch) order."""

    def __init__(self, rows, cache, attention, positions, logits, device, pads):
        self.rows = rows
        self.cache, self.attention = cache, attention
        # each row's count of masked (left-padding) columns, kept on the host so trimming
        # the padding never reads the mask back from the device
        self.pads = pads
        self.positions, self.logits = positions, logits
        self.filters = RowFilters.from_settings([r.settings for r in rows], device=device)
        self.generators = [make_generator(r.seed, device) if r.settings.do_sample else None
                           for r in rows]

    @classmethod
    def prefill(cls, model, rows: list[Row], pad_id: int,
                prefixes: PrefixCache | None = None) -> "_Batch":
        """One forward pass over the distinct prompts; rows that share a prompt (a Compare
        request's columns and samples, a sweep's grid) share its prefill: the cache and the
        logits are copied per row, which is exactly what running the prompt alone gives.

        With ``prefixes``, the prompts' shared head (``serving.prefixes``: a chat template's
        system prompt, a lesson's instruction) is read once, or taken as it was kept from an
        earlier prefill, and each prompt's own tokens run on top of it. Their left padding
        then sits between the head and the prompt's own tokens: masked columns, as at the
        left, with the positions counted over the real tokens only."""
        device = model.device
        distinct: dict[tuple, int] = {}  # (adapter, prompt): an adapter changes the prefill
        of_row = [distinct.setdefault((r.adapter, tuple(r.prompt_ids)), len(distinct))
                  for r in rows]
        prompts = [p for _, p in distinct]
        adapters = [a for a, _ in distinct]
        longest_new = max(r.settings.max_new_tokens for r in rows)
        shared, cache = _shared_prefix(model, prompts, adapters, longest_new, prefixes)
        width = max(len(p) for p in prompts) - shared
        input_ids = torch.full((len(prompts), width), pad_id, dtype=torch.long, device=device)
        attention = torch.zeros((len(prompts), shared + width), dtype=torch.long,
                                device=device)
        attention[:, :shared] = 1
        for i, ids in enumerate(prompts):  # left padding: every row's last prompt token aligned
            own = ids[shared:]
            input_ids[i, width - len(own):] = torch.tensor(own, device=device)
            attention[i, shared + width - len(own):] = 1
        pads = [0 if shared else width - len(prompts[of_row[r]]) for r in range(len(rows))]
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        with adapter_rows(model, adapters):
            out = model(input_ids=input_ids, attention_mask=attention,
                        position_ids=positions[:, shared:], past_key_values=cache,
                        use_cache=True, **_last_logits_only(model))
        # the model's dtype (see ``choose_tokens``); a copy, so the [rows, prompt, vocab]
        # logits of a model without ``logits_to_keep`` are not kept alive by a view
        logits = out.logits[:, -1, :].contiguous()
        if len(prompts) < len(rows):
            index = torch.tensor(of_row, device=device)
            cache.batch_select_indices(index)
            attention, positions, logits = attention[index], positions[index], logits[index]
        return cls(list(rows), cache, attention, positions[:, -1:], logits, device, pads)

    def keep(self, index: list[int]) -> None:
        """Only the rows at ``index`` stay (finished rows leave the batch and the cache)."""
        if len(index) == len(self.rows):
            return
        if not index:  # the batch is over; its tensors are dropped with it
            self.rows, self.generators, self.pads = [], [], []
            return
        t = torch.tensor(index, device=self.attention.device)
        self.cache.batch_select_indices(t)
        self.attention, self.positions = self.attention[t], self.positions[t]
        self.logits = self.logits[t]
        self.filters = self.filters.select(index)
        self.rows = [self.rows[i] for i in index]
        self.generators = [self.generators[i] for i in index]
        self.pads = [self.pads[i] for i in index]
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
        start = min(self.pads, default=0)
        if start == 0:
            return
        self.pads = [p - start for p in self.pads]
        self.attention = self.attention[:, start:]
        for layer in self.cache.layers:
            layer.keys = layer.keys[:, :, start:, :]
            layer.values = layer.values[:, :, start:, :]

    def step(self, model, tokens: torch.Tensor) -> None:
        """Feed each row its chosen token; afterwards ``logits`` are for the next token."""
        self.attention = torch.cat([self.attention,
                                    self.attention.new_ones((len(self.rows), 1))], dim=-1)
        self.positions = self.positions + 1
        with adapter_rows(model, [r.adapter for r in self.rows]):
            out = model(input_ids=tokens.unsqueeze(-1), attention_mask=self.attention,
                        position_ids=self.positions, past_key_values=self.cache,
                        use_cache=True)
        self.logits = out.logits[:, -1, :]  # the model's dtype: see ``choose_tokens``

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
        self.filters = self.filters.concat(other.filters)
        self.pads = [p + mine for p in self.pads] + [p + theirs for p in other.pads]
        self.rows += other.rows
        self.generators += other.generators

    def split(self, index: list[int]) -> "_Batch":
        """Take the rows at ``index`` out into a batch of their own (a parked row keeps its
        cache, mask, positions, next-token logits, filters and generator: ``absorb`` puts it
        back exactly where it was). This batch keeps the others."""
        t = torch.tensor(index, device=self.attention.device)
        cache = copy.copy(self.cache)
        cache.layers = []
        for layer in self.cache.layers:
            part = copy.copy(layer)
            part.keys, part.values = layer.keys[t], layer.values[t]
            cache.layers.append(part)
        out = _Batch.__new__(_Batch)
        out.rows = [self.rows[i] for i in index]
        out.cache, out.attention, out.positions = cache, self.attention[t], self.positions[t]
        out.logits, out.filters = self.logits[t], self.filters.select(index)
        out.generators = [self.generators[i] for i in index]
        out.pads = [self.pads[i] for i in index]
        gone = set(index)
        self.keep([i for i in range(len(self.rows)) if i not in gone])
        return out


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


def _shared_prefix(model, prompts: list[tuple[int, ...]], adapters: list[str | None],
                   longest_new: int, prefixes: PrefixCache | None) -> tuple[int, DynamicCache]:
    """(n, a cache holding, for each prompt, the keys and values of its first n tokens): the
    head the prompts share, read once per adapter or taken from ``prefixes``; (0, an empty
    cache) when nothing is worth sharing."""
    cache = DynamicCache()
    if prefixes is None or not _prefix_fits(model, max(len(p) for p in prompts) + longest_new):
        return 0, cache
    lora = getattr(model, "_playground_lora", None)
    weights = {a: (lora.get(a) if lora is not None and a is not None else None)
               for a in dict.fromkeys(adapters)}  # one row per adapter, in first-seen order
    kept = prefixes.find(prompts, weights)
    n = max(prefixes.target(prompts), kept)
    prefixes.seen(prompts)
    if n == 0:
        return 0, cache
    head = prompts[0][:n]
    entries = [prefixes.get(a, head[:kept]) for a in weights] if kept else []
    if any(e is None for e in entries):  # cleared meanwhile (``PrefixCache.clear``)
        kept, entries = 0, []
    if entries:
        for i in range(len(entries[0].layers)):
            cache.update(torch.cat([e.layers[i][0] for e in entries]),
                         torch.cat([e.layers[i][1] for e in entries]), i)
    if n > kept:  # read the rest of the head once per adapter, and keep it
        rows = len(weights)
        ids = torch.tensor([head[kept:]] * rows, dtype=torch.long, device=model.device)
        positions = torch.arange(kept, n, device=model.device).expand(rows, -1)
        with adapter_rows(model, list(weights)):
            model(input_ids=ids, attention_mask=torch.ones((rows, n), dtype=torch.long,
                                                           device=model.device),
                  position_ids=positions, past_key_values=cache, use_cache=True,
                  **_last_logits_only(model))
        for j, (adapter, w) in enumerate(weights.items()):
            layers = tuple((layer.keys[j:j + 1].clone(), layer.values[j:j + 1].clone())
                           for layer in cache.layers)
            prefixes.keep(Prefix.of(head, adapter, w, layers))
    prefixes.count(n * len(prompts) - (n - kept) * len(weights), hit=kept > 0)
    index = [list(weights).index(a) for a in adapters]
    if index != list(range(len(weights))):  # one copy of its adapter's head per prompt
        cache.batch_select_indices(torch.tensor(index, device=model.device))
    return n, cache


def _prefix_fits(model, columns: int) -> bool:
    """Whether rows of ``columns`` (the longest prompt and its new tokens) may carry masked
    columns between a shared head and their own tokens. A sliding-window layer (gemma-3's)
    counts columns, masked or not: beyond its window the padding would push real tokens out."""
    config = getattr(model, "config", None)
    if config is None:
        return False
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    window = getattr(text, "sliding_window", None)
    return not window or columns <= window


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


def _finish_step(batch: _Batch, tokens: list[int], trace: FilterTrace, eos_ids: set[int],
                 logits: torch.Tensor | None = None) -> list[int]:
    """Hand each row its token (``tokens``: the step's tokens, already on the host); return
    the batch positions of rows that go on. ``logits``: the step's raw logits, for the
    lens's recorders (default: the batch's current ones)."""
    logits = batch.logits if logits is None else logits
    keep = []
    for b, row in enumerate(batch.rows):
        token = tokens[b]
        if row.stop():
            row.finish_reason = "stopped"
            continue
        if row.on_step is not None:
            row.on_step(logits[b].float(), trace, b, token)
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


class _HostCopy:
    """The step's tokens on their way to the host.

    On a GPU the copy goes into pinned memory without blocking, and an event marks its end, so
    the next forward pass can be queued before the tokens are read; elsewhere it is a plain
    copy. ``tokens()`` is the one place a decode step waits for the device.
    """

    def __init__(self, tokens: torch.Tensor):
        if tokens.device.type == "cuda":
            self._host = torch.empty(tokens.shape, dtype=tokens.dtype, pin_memory=True)
            self._host.copy_(tokens, non_blocking=True)
            self._event = torch.cuda.Event()
            self._event.record()
        else:
            self._host, self._event = tokens, None

    def tokens(self) -> list[int]:
        if self._event is not None:
            self._event.synchronize()
        return self._host.tolist()


@torch.inference_mode()
def run_batch(model, rows: list[Row], eos_ids: set[int], pad_id: int,
              admit: Callable[[int], list[Row] | tuple[list[Row], list[Row]]] | None = None,
              overlap: bool | None = None, prefixes: PrefixCache | None = None) -> None:
    """Generate every row to completion (eos, its max_new_tokens, or its ``stop()``).

    ``on_token`` is called from this thread right after each row's token is chosen.
    ``on_step(raw_logits_row, trace, batch_index, token)`` lets the decoding lens record the
    real distribution of a row at each step. A row's ``probe`` sees each step's filters and its
    generator (the lens's "draw n times"), and its ``forced`` tokens replace its first draws
    (the lens's branch). ``admit(running_rows)`` is asked at every step boundary for rows
    that should join now (an empty list means none), or for a pair (rows that join, running
    rows to park): a parked row leaves the batch with its whole state (its KV cache, next
    logits, generator) and comes back, exactly where it left off, when ``admit`` names it
    again. The fair scheduler parks a few rows of whoever holds more than their share, so a
    newcomer gets a slot within a step however long the running rows are.

    A step reads the device once: its tokens, copied to the host together. With ``overlap``
    (default: on a GPU) the next step's forward pass is queued for every row before that copy
    is waited for, so Python's bookkeeping runs while the GPU computes; a row that finished
    in this step then costs one token of wasted work, and leaves the batch after it.

    ``prefixes``: the model's kept prompt heads (``serving.prefixes``); every prefill, the
    first and each admission's, reads a shared head once.
    """
    overlap = model.device.type == "cuda" if overlap is None else overlap
    batch = _Batch.prefill(model, rows, pad_id, prefixes)
    parked: dict[int, _Batch] = {}  # id(row) -> the row, parked with its cache
    histories = RowHistories()  # repetition_penalty, no_repeat_ngram_size: rows that ask
    while True:
        # the filters' trace only for the lens's rows (it costs full-vocabulary passes)
        traced = any(r.on_step is not None or r.probe is not None for r in batch.rows)
        logits = histories.apply(batch.rows, batch.logits)  # before temperature, as HF
        tokens, trace = choose_tokens(logits, batch.filters, batch.generators, traced)
        if any(r.forced or r.probe is not None for r in batch.rows):
            tokens = _steer(batch, tokens, trace)
        copy_ = _HostCopy(tokens)
        if overlap:  # queue the next forward for every row, then do the bookkeeping
            batch.step(model, tokens)
        keep = _finish_step(batch, copy_.tokens(), trace, eos_ids, logits)
        # finished rows leave (with overlap: from the cache and logits of the step just run)
        batch.keep(keep)
        if keep and not overlap:
            batch.step(model, tokens[keep] if len(keep) < len(tokens) else tokens)
        if not batch.mergeable():
            if keep:
                continue
            return
        joining, park = _ask(admit, len(batch.rows)) if admit is not None else ([], [])
        for row in park:  # its slot goes to someone else; it keeps its state for later
            at = next((i for i, r in enumerate(batch.rows) if r is row), None)
            if at is not None:
                parked[id(row)] = batch.split([at])
        if not batch.rows and not joining and parked:  # never end with rows parked
            joining = [r for b in parked.values() for r in b.rows]
        batch = _join(model, batch, joining, parked, pad_id, prefixes)
        if batch is None:
            return


def _ask(admit, running: int) -> tuple[list[Row], list[Row]]:
    """``admit(running row count)`` -> (rows that join now, running rows to park). An
    ``admit`` that returns a plain list only adds rows."""
    answer = admit(running)
    if isinstance(answer, tuple):
        return list(answer[0]), list(answer[1])
    return list(answer), []


def _join(model, batch: _Batch, joining: list[Row], parked: dict[int, _Batch],
          pad_id: int, prefixes: PrefixCache | None = None) -> "_Batch | None":
    """The batch with ``joining`` rows added: parked rows come back with their own state, new
    rows are prefilled (together); None when nothing is left to run."""
    fresh = [r for r in joining if id(r) not in parked]
    back = [parked.pop(id(r)) for r in joining if id(r) in parked]
    if fresh:
        back.append(_Batch.prefill(model, fresh, pad_id, prefixes))
    for other in back:
        if batch.rows:
            batch.absorb(other)
        else:
            batch = other
    return batch if batch.rows else None
