"""Steering the decoding lens: "what if another token here?" and "draw 1,000 times here".

Both go through the generation service as one request, never around it:

- a **branch** is one row with the original's settings and seed whose first tokens are forced
  to the original's up to a step, then the token the learner chose (``forced_tokens``). The
  forced steps still make their draws, so the row's generator is exactly where the
  original's was, and what follows is what this seed gives after that token;
- a **draw** is one row forced along the original up to the step (so it sees the same
  distribution) that draws ``n`` tokens there from its final distribution with a copy of its
  own generator and the sampler's own draw (``draw``). Its frequencies next to the
  renormalized probabilities show that a 4% token really is picked about 4% of the time.

The recorder of every step is ``playground.serving.steps``.

Package ``playground.lab``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from playground.errors import SettingsError
from playground.serving.handles import GenerationRequest, Prompt, Sample
from playground.serving.settings import GenerationSettings
from playground.serving.steps import MAX_DRAWS, DrawTally

DEFAULT_DRAWS = 1000


def _check_step(step: int, original_ids: list[int], what: str) -> None:
    # the original's steps: one per kept token, plus the step that chose the end token
    if not 0 <= step <= len(original_ids):
        raise SettingsError([f"{what}: the step must be in [0, {len(original_ids)}] "
                             f"(0 = the first generated token), got {step}"])


def branch_request(prompt: Prompt, settings: GenerationSettings, original_ids: list[int],
                   step: int, token_id: int, record_steps: int = 0) -> GenerationRequest:
    """One row: the original's first ``step`` tokens, then ``token_id``, then free, with the
    same settings and seed as the original (sample 0 of ``settings``)."""
    _check_step(step, original_ids, "branch")
    s = settings.replace(num_return_sequences=1)
    forced = tuple(int(t) for t in original_ids[:step]) + (int(token_id),)
    return GenerationRequest((prompt,), (s,), record_steps=record_steps,
                             forced_tokens=(forced,))


def draw_request(prompt: Prompt, settings: GenerationSettings, original_ids: list[int],
                 step: int, n: int = DEFAULT_DRAWS, record_steps: int = 10) -> GenerationRequest:
    """One row forced along the original up to ``step``, drawing ``n`` tokens there; it stops
    right after that step (nothing later is needed)."""
    _check_step(step, original_ids, "draw")
    if not 1 <= n <= MAX_DRAWS:
        raise SettingsError([f"draws must be in [1, {MAX_DRAWS:,}], got {n}"])
    s = settings.replace(num_return_sequences=1, max_new_tokens=step + 1)
    forced = tuple(int(t) for t in original_ids[:step])
    return GenerationRequest((prompt,), (s,), record_steps=max(record_steps, 1),
                             forced_tokens=(forced,), draw=(step, int(n)))


def branch(loaded, prompt: Prompt, settings: GenerationSettings, original_ids: list[int],
           step: int, token_id: int, record_steps: int = 0,
           timeout: float | None = None) -> Sample:
    """Blocking form (CLI, tests): the branch's sample."""
    request = branch_request(prompt, settings, original_ids, step, token_id, record_steps)
    return loaded.service.submit(request).result(timeout=timeout).samples[0]


def draw(loaded, prompt: Prompt, settings: GenerationSettings, original_ids: list[int],
         step: int, n: int = DEFAULT_DRAWS, top_n: int = 10,
         timeout: float | None = None) -> DrawTally:
    """Blocking form (CLI, tests): the tally of ``n`` draws at ``step``."""
    request = draw_request(prompt, settings, original_ids, step, n, top_n)
    sample = loaded.service.submit(request).result(timeout=timeout).samples[0]
    if sample.draws is None:  # the row ended before the step (e.g. an end token was forced)
        raise SettingsError([f"the generation ended before step {step}: nothing to draw"])
    return sample.draws


@dataclass(frozen=True)
class DrawRow:
    """One token of a draw: probability and frequency in [0, 1]."""

    token_id: int
    text: str
    probability: float   # renormalized: what the sampler draws from
    count: int
    frequency: float     # count / n
    std_error: float     # binomial standard error of the frequency, sqrt(p (1 - p) / n)

    @property
    def difference(self) -> float:
        return self.frequency - self.probability


def draw_rows(tally: DrawTally) -> list[DrawRow]:
    """Every token the tally knows (most likely first): probability next to frequency."""
    rows = []
    for t, p in sorted(tally.probability.items(), key=lambda kv: -kv[1]):
        c = tally.counts.get(t, 0)
        rows.append(DrawRow(t, tally.texts.get(t, str(t)), p, c, c / tally.n,
                            math.sqrt(max(p * (1 - p), 0.0) / tally.n)))
    return rows


def largest_difference(tally: DrawTally) -> DrawRow:
    """The token whose frequency is furthest from its probability."""
    return max(draw_rows(tally), key=lambda r: abs(r.difference))


def resolve_token(step_record, token: str) -> int:
    """A token id from a CLI/UI value: an id (``"1542"``) or a candidate's text as the lens
    shows it at that step (``"␣dragon"``)."""
    token = token.strip()
    if token.isdigit():
        return int(token)
    for c in step_record.candidates:
        if c.text == token:
            return c.token_id
    shown = ", ".join(c.text for c in step_record.candidates[:10])
    raise SettingsError([f"{token!r} is not among step {step_record.step}'s candidates "
                         f"(e.g. {shown}); give a token id instead"])


def resolve_label(step_record, token_id: int) -> str:
    """The readable text of ``token_id`` among a step's candidates (its id if not there)."""
    for c in step_record.candidates:
        if c.token_id == token_id:
            return c.text
    return f"id {token_id}"
