"""Shared prompt prefixes: their keys and values computed once, kept for the next prompts.

A room's prompts start alike. SmolLM2's chat template puts the same system prompt before every
question (about 30 of a short question's 45 tokens), a lesson step gives everyone the same
instruction, Persona chat repeats its persona. The prefill (``engine._Batch.prefill``) reads
the shared part once: one row per adapter runs the prefix, its keys and values are copied to
every prompt, and the prompts' own tokens run on top of them. A prompt's tokens see the same
keys and values at the same positions as when it runs alone, so the text is the same (a test
holds it to that); only the arithmetic is smaller.

This module decides which prefix to share and keeps computed prefixes for later prefills (an
LRU cache under a byte budget), as vLLM's automatic prefix caching and SGLang's radix cache do
with blocks and a tree; here a few whole prefixes are enough, because a room's prompts share
one or two heads:

- the prompts of one prefill share their longest common prefix;
- a prompt that arrives alone shares the longest prefix it has in common with a recent prompt
  (the second participant's question computes the system prompt's part, the third reuses it);
- a cached prefix that every prompt starts with is reused as it is, or extended.

A prefix is kept per adapter (an adapter changes the keys and values), tied to the adapter's
weights object: an adapter reloaded under the same name never meets an old entry.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict, deque
from dataclasses import dataclass

import torch

MIN_SHARED = 8          # tokens: a shorter prefix saves less than its extra pass costs
MAX_BYTES = 64 * 2**20  # the kept prefixes of one model, all together
RECENT = 32             # prompts remembered, to find what a prompt arriving alone shares


@dataclass(frozen=True)
class Prefix:
    """One adapter's keys and values of ``tokens``: per layer, [1, heads, len, head_dim]."""

    tokens: tuple[int, ...]
    adapter: str | None
    # the adapter's ``LoraWeights`` it was computed with, weakly: a kept head never keeps an
    # unloaded adapter's matrices in memory
    weights: weakref.ref | None
    layers: tuple[tuple[torch.Tensor, torch.Tensor], ...]
    nbytes: int

    @classmethod
    def of(cls, tokens: tuple[int, ...], adapter: str | None, weights: object | None,
           layers: tuple[tuple[torch.Tensor, torch.Tensor], ...]) -> "Prefix":
        return cls(tokens, adapter, None if weights is None else weakref.ref(weights), layers,
                   sum(k.nbytes + v.nbytes for k, v in layers))

    def computed_with(self, weights: object | None) -> bool:
        """Whether these keys and values came from exactly ``weights`` (None: the base)."""
        if self.weights is None:
            return weights is None
        return weights is not None and self.weights() is weights


def common_prefix(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """How many leading tokens ``a`` and ``b`` share."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class PrefixCache:
    """The prefixes one model keeps, and the recent prompts it has seen.

    Only the model's owner thread computes with it; the lock keeps ``clear`` and ``stats``
    (any thread) safe beside it."""

    def __init__(self, max_bytes: int = MAX_BYTES, min_shared: int = MIN_SHARED):
        self.max_bytes, self.min_shared = max_bytes, min_shared
        self._entries: OrderedDict[tuple, Prefix] = OrderedDict()  # LRU order: oldest first
        self._recent: deque[tuple[int, ...]] = deque(maxlen=RECENT)
        self._lock = threading.Lock()
        self.hits = self.tokens_saved = 0

    # -- what to share -------------------------------------------------------------------
    def target(self, prompts: list[tuple[int, ...]]) -> int:
        """The prefix length worth sharing for these distinct prompts (0: none). Every prompt
        keeps at least its last token to run, which gives its next-token logits."""
        most = min(len(p) for p in prompts) - 1
        if len(prompts) > 1:
            shared = min(common_prefix(prompts[0], p) for p in prompts[1:])
        else:
            with self._lock:
                recent = list(self._recent)
            shared = max((common_prefix(prompts[0], r) for r in recent), default=0)
        shared = min(shared, most)
        return shared if shared >= self.min_shared else 0

    def find(self, prompts: list[tuple[int, ...]], adapters: dict[str | None, object | None]
             ) -> int:
        """The length of the longest kept prefix that every prompt starts with, kept for every
        adapter in ``adapters`` (name -> its weights object), shorter than every prompt."""
        most = min(len(p) for p in prompts) - 1
        best = 0
        with self._lock:
            for (adapter, tokens), entry in self._entries.items():
                n = len(tokens)
                if n <= best or n > most or adapter not in adapters:
                    continue
                if all(p[:n] == tokens for p in prompts) and all(
                        self._valid(a, w, tokens) for a, w in adapters.items()):
                    best = n
        return best

    def _valid(self, adapter, weights, tokens) -> bool:
        entry = self._entries.get((adapter, tokens))
        return entry is not None and entry.computed_with(weights)

    def get(self, adapter: str | None, tokens: tuple[int, ...]) -> Prefix | None:
        with self._lock:
            entry = self._entries.get((adapter, tokens))
            if entry is not None:
                self._entries.move_to_end((adapter, tokens))
            return entry

    # -- keeping -------------------------------------------------------------------------
    def seen(self, prompts: list[tuple[int, ...]]) -> None:
        """Remember these prompts (after their prefill): a later lone prompt may share with
        them."""
        with self._lock:
            for p in prompts:
                if p not in self._recent:
                    self._recent.append(p)

    def keep(self, entry: Prefix) -> None:
        """Keep ``entry`` (the least recently used go while the budget is exceeded; an entry
        larger than the whole budget is not kept)."""
        if entry.nbytes > self.max_bytes:
            return
        with self._lock:
            self._entries[(entry.adapter, entry.tokens)] = entry
            self._entries.move_to_end((entry.adapter, entry.tokens))
            while sum(e.nbytes for e in self._entries.values()) > self.max_bytes:
                self._entries.popitem(last=False)

    def count(self, saved: int, hit: bool) -> None:
        """A prefill shared a head: ``saved`` prompt tokens it did not compute, ``hit`` when
        the head (or its start) was kept from an earlier prefill."""
        with self._lock:
            self.hits += int(hit)
            self.tokens_saved += saved

    def copy(self) -> "PrefixCache":
        """Another cache with the same kept heads and recent prompts (a benchmark's repeats
        start from the same state; the heads' tensors are shared: none is changed in place)."""
        other = PrefixCache(self.max_bytes, self.min_shared)
        with self._lock:
            other._entries = OrderedDict(self._entries)
            other._recent = deque(self._recent, maxlen=RECENT)
        return other

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._recent.clear()

    def stats(self) -> dict:
        with self._lock:
            return {"prefixes": len(self._entries),
                    "bytes": sum(e.nbytes for e in self._entries.values()),
                    "longest": max((len(t) for _, t in self._entries), default=0),
                    "hits": self.hits, "tokens_saved": self.tokens_saved}

