"""Sweep: Self-BLEU over a grid of top_p x temperature, n samples per cell, one seed.

Each cell is its own request, all submitted together: the service batches them (up to its
``max_batch_rows``) and other sessions' requests can still join in between, so a sweep shares
the server instead of holding it. A cap on cells x samples x tokens keeps one participant from
tying the server up; the message says what the cap is.

Package ``playground.lab``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from playground.lab import metrics
from playground.errors import PlaygroundError, SettingsError
from playground.serving.handles import GenerationHandle, GenerationRequest, Prompt
from playground.serving.settings import TEMPERATURE, TOP_P, GenerationSettings

MAX_SWEEP_TOKENS = 6144   # cells x samples x max_new_tokens one sweep may ask for
MAX_VALUES = 6            # values per axis
MIN_SAMPLES = 2           # Self-BLEU needs at least two samples per cell

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class SweepPlan:
    top_p: tuple[float, ...]
    temperature: tuple[float, ...]
    n: int
    max_new_tokens: int
    seed: int = 0

    @property
    def cells(self) -> int:
        return len(self.top_p) * len(self.temperature)

    @property
    def token_budget(self) -> int:
        """The most tokens this sweep can generate: cells x samples x max_new_tokens."""
        return self.cells * self.n * self.max_new_tokens

    def settings(self) -> list[GenerationSettings]:
        """One checked settings object per cell, row-major (top_p outer, temperature inner)."""
        return [GenerationSettings(do_sample=True, top_p=p, temperature=t,
                                   num_return_sequences=self.n, seed=self.seed,
                                   max_new_tokens=self.max_new_tokens)
                for p in self.top_p for t in self.temperature]


def parse_values(text: str, name: str) -> tuple[float, ...]:
    """"0.1, 0.5,0.9" -> (0.1, 0.5, 0.9); a clear error for anything else."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise SettingsError([f"{name}: write numbers separated by commas, e.g. 0.1, 0.5, "
                             f"0.9 (got {text!r})"]) from None
    if not values:
        raise SettingsError([f"{name}: give at least one value"])
    return tuple(dict.fromkeys(values))  # repeated values once, order kept


def make_plan(top_p: tuple[float, ...], temperature: tuple[float, ...], n: int,
              max_new_tokens: int, seed: int = 0,
              max_tokens: int = MAX_SWEEP_TOKENS) -> SweepPlan:
    """Check the grid and the cap; raise ``SettingsError`` naming every problem."""
    problems = []
    for name, values, rng in (("top_p", top_p, TOP_P), ("temperature", temperature,
                                                        TEMPERATURE)):
        if len(values) > MAX_VALUES:
            problems.append(f"at most {MAX_VALUES} {name} values per sweep (got {len(values)})")
        bad = [v for v in values if not rng.contains(v)]
        if bad:
            problems.append(f"{name} must be in {rng.describe()}, got "
                            f"{', '.join(f'{v:g}' for v in bad)}")
    if n < MIN_SAMPLES:
        problems.append(f"Self-BLEU compares samples with each other: use at least "
                        f"{MIN_SAMPLES} samples per cell (got {n})")
    if problems:
        raise SettingsError(problems)
    plan = SweepPlan(tuple(top_p), tuple(temperature), int(n), int(max_new_tokens), int(seed))
    plan.settings()  # n, tokens and seed ranges are checked by GenerationSettings
    if plan.token_budget > max_tokens:
        raise SettingsError([
            f"this sweep could generate {plan.cells} cells x {plan.n} samples x "
            f"{plan.max_new_tokens} tokens = {plan.token_budget:,} tokens; the cap is "
            f"{max_tokens:,} tokens per sweep so that one sweep cannot tie up the shared "
            f"server. Use fewer values, fewer samples or fewer new tokens"])
    return plan


@dataclass(frozen=True)
class Cell:
    top_p: float
    temperature: float
    texts: tuple[str, ...]
    self_bleu: float | None       # average, 0-100
    distinct_2: float | None
    mean_tokens: float
    tokenization: str = metrics.DEFAULT  # how Self-BLEU split the texts: "13a" or "ja-mecab"

    def row(self) -> dict:
        return {"top_p": self.top_p, "temperature": self.temperature,
                "Self-BLEU (avg, 0-100)": None if self.self_bleu is None
                else round(self.self_bleu, 2),
                "distinct-2": None if self.distinct_2 is None else round(self.distinct_2, 3),
                "mean length (tokens)": round(self.mean_tokens, 1),
                "tokenization": self.tokenization}


def submit(loaded, prompt: Prompt, plan: SweepPlan,
           session: str | None = None) -> list[GenerationHandle]:
    """One request per cell, submitted together (row-major, as ``plan.settings()``)."""
    handles = []
    try:
        for s in plan.settings():
            handles.append(loaded.service.submit(GenerationRequest((prompt,), (s,))))
    except PlaygroundError:
        for h in handles:  # all or nothing: do not leave half a sweep in the queue
            h.cancel()
        raise
    return handles


def collect(plan: SweepPlan, handles: list[GenerationHandle],
            progress: Progress | None = None, poll_s: float = 0.2,
            self_bleu_mode: str = metrics.DEFAULT_SELF_BLEU_MODE,
            prompt: Prompt | None = None) -> list[Cell]:
    """Wait for every cell, reporting progress as (fraction 0-1, message).

    ``self_bleu_mode="tutorial"`` scores as the tutorial does, on ``prompt``'s text +
    each continuation (see ``metrics.self_bleu_scores``)."""
    metrics.check_mode(self_bleu_mode)
    prefix = metrics.pipeline_prefix(prompt) if (prompt is not None and
                                                 self_bleu_mode == "tutorial") else ""
    budget = plan.token_budget
    while progress is not None:
        done = sum(h.done for h in handles)
        tokens = sum(len(s.token_ids) for h in handles for s in h.samples)
        # finished cells count in full (they may stop early at an end-of-text token)
        fraction = max(done / len(handles), min(tokens / budget, 1.0)) if budget else 1.0
        progress(min(fraction, 1.0), f"{done} of {len(handles)} cells done, "
                                     f"{tokens:,} tokens generated")
        if done == len(handles):
            break
        time.sleep(poll_s)
    cells = []
    for s, h in zip(plan.settings(), handles):
        result = h.result()
        texts = result.texts()
        cells.append(Cell(top_p=s.top_p, temperature=s.temperature, texts=tuple(texts),
                          self_bleu=metrics.self_bleu(metrics.with_prompt(texts, prefix),
                                                      mode=self_bleu_mode),
                          distinct_2=metrics.distinct_n(texts, 2),
                          mean_tokens=result.new_tokens / max(len(texts), 1),
                          tokenization=metrics.tokenization(texts)))
    return cells


def run(loaded, prompt: Prompt, plan: SweepPlan, progress: Progress | None = None,
        self_bleu_mode: str = metrics.DEFAULT_SELF_BLEU_MODE) -> list[Cell]:
    """Submit every cell and wait (CLI, tests)."""
    metrics.check_mode(self_bleu_mode)
    return collect(plan, submit(loaded, prompt, plan), progress,
                   self_bleu_mode=self_bleu_mode, prompt=prompt)
