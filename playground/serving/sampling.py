"""Per-row logits filters and token choice, with transformers' semantics.

One batched forward pass may serve rows with different settings (different sessions, or the
columns of the Compare page). ``RowFilters`` holds one value per row for each filter and applies
them in transformers' order, temperature -> top-k -> top-p -> min-p -> epsilon, each on the
output of the previous step, exactly as ``TemperatureLogitsWarper``, ``TopKLogitsWarper``,
``TopPLogitsWarper``, ``MinPLogitsWarper`` and ``EpsilonLogitsWarper`` do (with
``min_tokens_to_keep=1``). A filter that is off for a row (top_k 0, top_p 1, min_p 0,
epsilon 0, temperature 1) leaves that row untouched, as transformers skips the warper.

Each row then draws its token with its own ``torch.Generator``, so a row's seed decides its text
whatever else shares the batch. The input logits are never modified in place.

The decode step asks for no trace unless a decoding-lens row records (``choose_tokens(...,
trace=False)``): greedy rows then take the argmax of their own raw logits (cast to float32,
exact for bf16), only the sampling rows are cast to float32 and filtered, without the
trace's masks, and every sampling row is drawn in shared passes. Same tokens, same generator
states: the traced path stays the reference, and tests compare the two.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from playground.serving.settings import GenerationSettings

STAGES = ("top_k", "top_p", "min_p", "epsilon")
_NEG_INF = float("-inf")


_FIELDS = ("do_sample", "temperature", "top_k", "top_p", "min_p", "epsilon")
_SETTING = {"epsilon": "epsilon_cutoff"}  # the GenerationSettings name, where it differs


@dataclass(frozen=True)
class HostSettings:
    """The same per-row values as Python lists, on the host.

    Which filters run, and over which rows, is decided from these: reading the device tensors
    for it (``bool(t.any())``, ``int(k.max())``) would stop the CPU until the GPU has caught up,
    several times per step. Lists are concatenated and selected with the tensors.
    """

    do_sample: list[bool]
    temperature: list[float]
    top_k: list[int]
    top_p: list[float]
    min_p: list[float]
    epsilon: list[float]

    def rows_where(self, stage: str) -> list[int]:
        """The rows for which ``stage`` is on (top_k>0, top_p<1, min_p>0, epsilon>0)."""
        values = getattr(self, stage)
        if stage == "top_p":
            return [i for i, v in enumerate(values) if v < 1]
        return [i for i, v in enumerate(values) if v > 0]


@dataclass(frozen=True)
class RowFilters:
    """Filter parameters for a batch: each tensor has one entry per row (shape ``[B]``), and
    ``host`` holds the same values as Python lists (see ``HostSettings``).

    top_p is kept in float64 because transformers computes ``1 - top_p`` in Python (double)
    before comparing with float32 cumulative probabilities; doing the same keeps the nucleus
    boundary bit-for-bit identical.
    """

    do_sample: torch.Tensor   # bool
    temperature: torch.Tensor  # float32, > 0 for sampling rows
    top_k: torch.Tensor        # long, 0 = off
    top_p: torch.Tensor        # float64, 1 = off
    min_p: torch.Tensor        # float32, 0 = off
    epsilon: torch.Tensor      # float32, 0 = off
    host: HostSettings

    @classmethod
    def from_settings(cls, rows: list[GenerationSettings],
                      device: torch.device | str = "cpu") -> "RowFilters":
        host = HostSettings(*([getattr(s, _SETTING.get(f, f)) for s in rows] for f in _FIELDS))
        dtypes = (torch.bool, torch.float32, torch.long, torch.float64, torch.float32,
                  torch.float32)
        return cls(*(torch.tensor(getattr(host, f), dtype=d, device=device)
                     for f, d in zip(_FIELDS, dtypes)), host=host)

    def select(self, index: list[int]) -> "RowFilters":
        """The filters of a subset of rows (when finished rows leave the batch)."""
        device_index = torch.tensor(index, dtype=torch.long, device=self.top_k.device)
        return RowFilters(*(getattr(self, f)[device_index] for f in _FIELDS),
                          host=HostSettings(*([getattr(self.host, f)[i] for i in index]
                                              for f in _FIELDS)))

    def concat(self, other: "RowFilters") -> "RowFilters":
        """These rows, then ``other``'s (rows that join the batch)."""
        return RowFilters(*(torch.cat([getattr(self, f), getattr(other, f)]) for f in _FIELDS),
                          host=HostSettings(*(getattr(self.host, f) + getattr(other.host, f)
                                              for f in _FIELDS)))

    def active(self, stage: str) -> torch.Tensor:
        """Bool ``[B]``: the rows for which ``stage`` is on (top_k>0, top_p<1, min_p>0, eps>0)."""
        if stage == "top_k":
            return self.top_k > 0
        if stage == "top_p":
            return self.top_p < 1
        return getattr(self, _MASKS[stage][1]) > 0


@dataclass(frozen=True)
class FilterTrace:
    """What each stage did, for the decoding lens: all tensors are ``[B, V]``."""

    tempered: torch.Tensor          # logits after temperature
    removed_by: dict[str, torch.Tensor]  # stage -> bool mask of tokens that stage removed
    filtered: torch.Tensor          # final logits (-inf where removed)


def apply_temperature(logits: torch.Tensor, temperature: torch.Tensor) -> torch.Tensor:
    # transformers divides by the temperature; a row at 1.0 is unchanged either way.
    return logits / temperature.to(logits.dtype).unsqueeze(-1)


def sorted_values(scores: torch.Tensor) -> torch.Tensor:
    """Each row's scores in ascending order (values only, no indices).

    On a CPU, numpy's vectorized sort is tens of times faster than ``torch.sort`` for a
    49k-token vocabulary, and sorted values do not depend on the algorithm, so the result is
    exactly what ``torch.sort(...).values`` gives.
    """
    if scores.device.type == "cpu":
        return torch.from_numpy(np.sort(scores.detach().contiguous().numpy(), axis=-1))
    return torch.sort(scores, dim=-1, descending=False).values


def top_k_mask(scores: torch.Tensor, top_k: torch.Tensor,
               largest_k: int | None = None) -> torch.Tensor:
    """Tokens below the k-th largest score (ties with it are kept). Rows with k=0: none.

    ``largest_k``: the largest k of these rows, from the host-side settings; without it the
    device is asked (a host-device sync on a GPU).
    """
    vocab = scores.shape[-1]
    k = top_k.clamp(min=1, max=vocab)
    largest_k = min(max(int(largest_k if largest_k is not None else k.max()), 1), vocab)
    if largest_k <= 256:  # a small topk is cheaper than sorting the whole vocabulary
        kth = torch.topk(scores, largest_k, dim=-1).values.gather(-1, (k - 1).unsqueeze(-1))
    else:
        kth = sorted_values(scores).gather(-1, (vocab - k).unsqueeze(-1))
    return (scores < kth) & (top_k > 0).unsqueeze(-1)


def top_p_mask(scores: torch.Tensor, top_p: torch.Tensor) -> torch.Tensor:
    """Tokens outside the nucleus. As transformers: sort ascending, drop tokens whose
    cumulative probability is <= 1 - p, always keep the most likely one. Rows at p=1: none."""
    ascending = sorted_values(scores)
    cumulative = ascending.softmax(dim=-1).cumsum(dim=-1)
    # 1 - p in double, then float32, as transformers' Python float meets a float32 tensor
    limit = (1 - top_p.double()).to(cumulative.dtype).unsqueeze(-1)
    # the cumulative sum never decreases, so the removed tokens are a prefix of the sorted
    # order: count them (at most all but the top one) and compare each score with the first
    # kept one. Same set as transformers' scatter unless scores tie exactly at the boundary
    # (then all tied tokens stay, as top-k keeps ties), and it needs no sort indices.
    n_removed = (cumulative <= limit).sum(dim=-1).clamp(max=scores.shape[-1] - 1)
    first_kept = ascending.gather(-1, n_removed.unsqueeze(-1))
    return (scores < first_kept) & (top_p < 1).unsqueeze(-1)


def min_p_mask(scores: torch.Tensor, min_p: torch.Tensor) -> torch.Tensor:
    """Tokens less likely than min_p x the top token's probability. Rows at 0: none."""
    probs = scores.softmax(dim=-1)
    threshold = min_p.to(probs.dtype).unsqueeze(-1) * probs.amax(dim=-1, keepdim=True)
    remove = probs < threshold
    # keep the single most likely token even if rounding says otherwise
    top = scores.argmax(dim=-1, keepdim=True)
    remove = remove.scatter(-1, top, False)
    return remove & (min_p > 0).unsqueeze(-1)


def epsilon_mask(scores: torch.Tensor, epsilon: torch.Tensor) -> torch.Tensor:
    """Tokens with probability below epsilon, never the most likely one. Rows at 0: none."""
    probs = scores.softmax(dim=-1)
    remove = probs < epsilon.to(probs.dtype).unsqueeze(-1)
    best = scores.max(dim=-1, keepdim=True).values
    remove = remove & (scores < best)
    return remove & (epsilon > 0).unsqueeze(-1)


_MASKS = {
    "top_k": (top_k_mask, "top_k"),
    "top_p": (top_p_mask, "top_p"),
    "min_p": (min_p_mask, "min_p"),
    "epsilon": (epsilon_mask, "epsilon"),
}


def filter_logits(logits: torch.Tensor, filters: RowFilters) -> FilterTrace:
    """Apply every row's temperature and filters; return the trace of what each removed.

    A stage runs only on the rows where it is on, and a stage that is off for every row costs
    nothing (on a CPU, these full-vocabulary passes cost as much per step as a small model's
    forward pass). Which rows those are is read from the host-side settings, never from the
    device. Rows that decode greedily are traced too (their filters are what the settings
    say) but ``choose_tokens`` ignores the filters for them and takes the argmax of the raw
    logits.
    """
    return _filter(logits, filters, record=True)


def _filter(logits: torch.Tensor, filters: RowFilters, record: bool) -> FilterTrace:
    """``filter_logits``; without ``record`` only ``filtered`` is computed (``tempered`` and
    ``removed_by`` are left empty): the same final logits, bit for bit, since filling -inf
    where a token is already -inf changes nothing, at two full-vocabulary passes less per
    stage."""
    host = filters.host
    scores = logits.float()  # the input is never written: see ``owned`` below
    if any(t != 1 for t in host.temperature):
        scores = apply_temperature(scores, filters.temperature)
    tempered = scores
    nothing = torch.zeros_like(scores, dtype=torch.bool) if record else None
    removed_by = {}
    owned = False  # scores may still be the input or ``tempered``: copy before writing
    for stage in STAGES:
        fn, field = _MASKS[stage]
        on = host.rows_where(field)
        if not on:
            if record:
                removed_by[stage] = nothing
            continue
        extra = {"largest_k": max(host.top_k[i] for i in on)} if stage == "top_k" else {}
        if len(on) == len(host.top_k):
            removed = fn(scores, getattr(filters, field), **extra)
            if record:  # a token already removed by an earlier stage (-inf) is not counted again
                removed = removed & (scores > _NEG_INF)
            scores, owned = scores.masked_fill(removed, _NEG_INF), True
        else:  # only the rows where the stage is on are read and written
            rows = torch.tensor(on, dtype=torch.long, device=scores.device)
            part = scores[rows]
            cut = fn(part, getattr(filters, field)[rows], **extra)
            if record:
                cut = cut & (part > _NEG_INF)
                removed = nothing.clone()
                removed[rows] = cut
            if not owned:
                scores, owned = scores.clone(), True
            scores[rows] = part.masked_fill(cut, _NEG_INF)
        if record:
            removed_by[stage] = removed
    return FilterTrace(tempered=tempered if record else None, removed_by=removed_by,
                       filtered=scores)


def choose_tokens(logits: torch.Tensor, filters: RowFilters,
                  generators: list[torch.Generator | None],
                  trace: bool = True) -> tuple[torch.Tensor, FilterTrace | None]:
    """Pick one token per row: argmax for greedy rows, a seeded draw for sampling rows.

    The tokens stay on the device (a ``[B]`` tensor): nothing here reads a value back, so the
    caller copies the whole step's tokens to the host once. ``logits`` may be in the model's
    dtype (bf16): they are cast to float32 once, for the rows that need it.

    ``trace``: also return the ``FilterTrace`` of every row (the decoding lens's recorders
    read it). Without it (the decode step when no row records) the filters run on the
    sampling rows only and the trace is None; every token, and every generator's state
    afterwards, is the same either way (tests compare the two paths).
    """
    rows = [i for i, sample in enumerate(filters.host.do_sample) if sample]
    full = filter_logits(logits, filters) if trace else None
    if not rows:
        return _argmax(logits), full
    everyone = len(rows) == logits.shape[0]
    index = None if everyone else torch.tensor(rows, dtype=torch.long, device=logits.device)
    if trace:
        filtered = full.filtered if everyone else full.filtered[index]
    else:
        filtered = _filter(logits if everyone else logits[index],
                           filters if everyone else filters.select(rows), record=False).filtered
    drawn = draw_rows(filtered.softmax(dim=-1), [generators[r] for r in rows])
    if everyone:
        return drawn, full
    sampled = set(rows)
    greedy = torch.tensor([i for i in range(logits.shape[0]) if i not in sampled],
                          dtype=torch.long, device=logits.device)
    chosen = torch.empty(logits.shape[0], dtype=torch.long, device=logits.device)
    chosen[index] = drawn
    chosen[greedy] = _argmax(logits[greedy])
    return chosen, full


def _argmax(logits: torch.Tensor) -> torch.Tensor:
    """Each row's argmax, in float32: the same index as in the model's dtype (float32 holds
    every bf16 and fp16 value exactly, so order and ties are unchanged), and on a CPU torch's
    bf16 argmax is about ten times slower than a cast followed by a float32 argmax."""
    return logits.float().argmax(dim=-1)


def draw_rows(probs: torch.Tensor, generators: list[torch.Generator]) -> torch.Tensor:
    """One token per row of ``probs`` (``[S, V]``), row ``j`` drawn with ``generators[j]``:
    for each row exactly the token, and the generator state afterwards, of
    ``torch.multinomial(probs[j:j+1], 1, generator=generators[j])``. Returns a ``[S]`` tensor
    on the device, read by no one here.

    ``torch.multinomial(p, 1)`` is ``argmax(p / q)`` with ``q ~ Exp(1)`` drawn from the
    generator. So each row's noise is drawn with its own generator (one small kernel per
    seeded row, no sync) and one argmax over the batch picks every row's token.
    """
    if probs.device.type == "cpu":
        return _draw_cpu(probs, generators)
    noise = torch.empty_like(probs)
    for j, g in enumerate(generators):
        noise[j].exponential_(generator=g)
    return (probs / noise).argmax(dim=-1)


def _draw_cpu(probs: torch.Tensor, generators: list[torch.Generator]) -> torch.Tensor:
    """``draw_rows`` on a CPU, every row at once.

    On a CPU, torch.multinomial draws one sample as argmax(p / q) with q ~ Exp(1) made one
    element at a time as -log1p(-u) from double uniforms u. Drawing the same uniforms (each
    row's ``uniform_`` with its generator: the stream ``torch.rand`` gives) and taking the
    logarithm only where p > 0 gives the same token at a fraction of the cost, which matters
    with 49k tokens per row per step. The rows share each pass over the vocabulary (on a
    busy machine every pass costs a scheduling round, whatever its size); each row's argmax
    sees p / q where p > 0 and 0 elsewhere, as multinomial's p / q does, and ties go to the
    first index in both. Tests check the equality against torch.multinomial.
    """
    u = torch.empty(probs.shape, dtype=torch.float64)
    for j, generator in enumerate(generators):
        u[j].uniform_(generator=generator)
    rows, cols = torch.nonzero(probs > 0, as_tuple=True)
    q = (-torch.log1p(-u[rows, cols])).to(probs.dtype)
    ratio = torch.zeros_like(probs)
    ratio[rows, cols] = probs[rows, cols] / q
    return ratio.argmax(dim=-1)


def draw(probs: torch.Tensor, generator: torch.Generator) -> int:
    """One token from the distribution ``probs`` (shape ``[V]``): exactly the token, and the
    generator state afterwards, of ``torch.multinomial(probs[None], 1, generator=generator)``
    (the lens's "draw n times"; the decode step uses ``draw_rows`` and reads nothing back)."""
    return int(draw_rows(probs.unsqueeze(0), [generator])[0])


def draw_many(probs: torch.Tensor, generator: torch.Generator | None, n: int) -> list[int]:
    """``n`` tokens from ``probs`` (shape ``[V]``), each drawn exactly as ``choose_tokens``
    draws a row's token (``draw``), with a COPY of ``generator``: the row's own text goes on
    as if nothing had been drawn. ``generator`` None (a greedy row): every draw is the argmax.
    """
    if generator is None:
        return [int(probs.argmax())] * n
    copy = torch.Generator(device=generator.device)
    copy.set_state(generator.get_state())
    return [draw(probs, copy) for _ in range(n)]


def make_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    return gen
