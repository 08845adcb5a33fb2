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
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.settings import GenerationSettings

STAGES = ("top_k", "top_p", "min_p", "epsilon")
_NEG_INF = float("-inf")


@dataclass(frozen=True)
class RowFilters:
    """Filter parameters for a batch: each tensor has one entry per row (shape ``[B]``)."""

    do_sample: torch.Tensor   # bool
    temperature: torch.Tensor  # float, > 0 for sampling rows
    top_k: torch.Tensor        # long, 0 = off
    top_p: torch.Tensor        # float, 1 = off
    min_p: torch.Tensor        # float, 0 = off
    epsilon: torch.Tensor      # float, 0 = off

    @classmethod
    def from_settings(cls, rows: list[GenerationSettings],
                      device: torch.device | str = "cpu") -> "RowFilters":
        def col(name, dtype):
            return torch.tensor([getattr(s, name) for s in rows], dtype=dtype, device=device)

        return cls(
            do_sample=col("do_sample", torch.bool),
            temperature=col("temperature", torch.float32),
            top_k=col("top_k", torch.long),
            top_p=col("top_p", torch.float32),
            min_p=col("min_p", torch.float32),
            epsilon=col("epsilon_cutoff", torch.float32),
        )

    def select(self, index: torch.Tensor) -> "RowFilters":
        """The filters of a subset of rows (when finished rows leave the batch)."""
        return RowFilters(*(getattr(self, f)[index] for f in
                            ("do_sample", "temperature", "top_k", "top_p", "min_p", "epsilon")))


@dataclass(frozen=True)
class FilterTrace:
    """What each stage did, for the decoding lens: all tensors are ``[B, V]``."""

    tempered: torch.Tensor          # logits after temperature
    removed_by: dict[str, torch.Tensor]  # stage -> bool mask of tokens that stage removed
    filtered: torch.Tensor          # final logits (-inf where removed)


def apply_temperature(logits: torch.Tensor, temperature: torch.Tensor) -> torch.Tensor:
    # transformers divides by the temperature; a row at 1.0 is unchanged either way.
    return logits / temperature.to(logits.dtype).unsqueeze(-1)


def top_k_mask(scores: torch.Tensor, top_k: torch.Tensor) -> torch.Tensor:
    """Tokens below the k-th largest score (ties with it are kept). Rows with k=0: none."""
    vocab = scores.shape[-1]
    k = top_k.clamp(min=1, max=vocab)
    sorted_scores = torch.sort(scores, dim=-1, descending=True).values
    kth = sorted_scores.gather(-1, (k - 1).unsqueeze(-1))
    return (scores < kth) & (top_k > 0).unsqueeze(-1)


def top_p_mask(scores: torch.Tensor, top_p: torch.Tensor) -> torch.Tensor:
    """Tokens outside the nucleus. As transformers: sort ascending, drop tokens whose
    cumulative probability is <= 1 - p, always keep the most likely one. Rows at p=1: none."""
    sorted_scores, sorted_idx = torch.sort(scores, dim=-1, descending=False)
    cumulative = sorted_scores.softmax(dim=-1).cumsum(dim=-1)
    sorted_remove = cumulative <= (1 - top_p.to(cumulative.dtype)).unsqueeze(-1)
    sorted_remove[..., -1:] = False
    remove = torch.zeros_like(sorted_remove).scatter(-1, sorted_idx, sorted_remove)
    return remove & (top_p < 1).unsqueeze(-1)


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

    Rows that decode greedily are traced too (their filters are what the settings say) but
    ``choose_tokens`` ignores the filters for them and takes the argmax of the raw logits.
    """
    scores = apply_temperature(logits.float(), filters.temperature)
    tempered = scores
    removed_by = {}
    for stage in STAGES:
        fn, field = _MASKS[stage]
        mask = fn(scores, getattr(filters, field))
        # a token already removed by an earlier stage is not counted again
        removed_by[stage] = mask & torch.isfinite(scores)
        scores = scores.masked_fill(mask, _NEG_INF)
    return FilterTrace(tempered=tempered, removed_by=removed_by, filtered=scores)


def choose_tokens(logits: torch.Tensor, filters: RowFilters,
                  generators: list[torch.Generator | None]) -> tuple[torch.Tensor, FilterTrace]:
    """Pick one token per row: argmax for greedy rows, a seeded draw for sampling rows."""
    trace = filter_logits(logits, filters)
    chosen = logits.argmax(dim=-1)
    probs = trace.filtered.softmax(dim=-1)
    for row in torch.nonzero(filters.do_sample).flatten().tolist():
        # 2-D call on one row, as transformers' sampler makes it, so a single row seeded
        # with torch.manual_seed(s) in plain transformers draws the same token
        chosen[row] = torch.multinomial(probs[row:row + 1], 1, generator=generators[row])[0, 0]
    return chosen, trace


def make_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    return gen
