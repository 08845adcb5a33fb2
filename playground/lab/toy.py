"""The tutorial's toy next-token distribution, run through the real per-row filters.

Ten made-up candidates after "Tell me a story about a dragon." (they sum to 1). The numbers a
participant sees here come from the same code that samples the real model
(``playground.serving.sampling.filter_logits``): the probabilities are turned into logits with a log
(softmax of log p gives back p), divided by the temperature, filtered, and renormalized.

Package ``playground.lab``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.serving.steps import KEPT
from playground.serving.sampling import STAGES, RowFilters, filter_logits
from playground.serving.settings import GenerationSettings

TUTORIAL_TOKENS: tuple[tuple[str, float], ...] = (
    ("the", 0.25), ("a", 0.20), ("dragon", 0.15), ("flew", 0.10), ("over", 0.08),
    ("and", 0.07), ("castle", 0.06), ("into", 0.04), ("flames", 0.03), ("darkness", 0.02),
)

# One-click settings for the tutorial's worked examples (name -> filter values).
EXAMPLES: dict[str, dict] = {
    "original (T = 1)": {},
    "T = 0.5 (sharper)": {"temperature": 0.5},
    "T = 1.5 (flatter)": {"temperature": 1.5},
    "T = 10 (almost uniform)": {"temperature": 10.0},
    "top_p = 0.8": {"top_p": 0.8},
    "top_k = 3": {"top_k": 3},
    "epsilon = 0.05": {"epsilon_cutoff": 0.05},
}


@dataclass(frozen=True)
class ToyRow:
    """One candidate token. Probabilities are in [0, 1]."""

    token: str
    original: float   # the tutorial's probability
    tempered: float   # after temperature (softmax of log p / T)
    status: str       # "kept" or the filter that removed it: top_k | top_p | min_p | epsilon
    final: float      # renormalized over the kept tokens: what sampling draws from

    @property
    def kept(self) -> bool:
        return self.status == KEPT


def toy_settings(temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
                 min_p: float = 0.0, epsilon_cutoff: float = 0.0) -> GenerationSettings:
    """Checked sampling settings (raises ``SettingsError`` with the usual messages).

    temperature (0, 10]; top_k [0, 10000], 0 = off; top_p (0, 1], 1 = off;
    min_p [0, 1], 0 = off; epsilon_cutoff [0, 1), 0 = off.
    """
    return GenerationSettings(do_sample=True, temperature=temperature, top_k=top_k,
                              top_p=top_p, min_p=min_p, epsilon_cutoff=epsilon_cutoff)


def toy_distribution(settings: GenerationSettings,
                     tokens: tuple[tuple[str, float], ...] = TUTORIAL_TOKENS) -> list[ToyRow]:
    """Each token's original, tempered and final probability and which filter removed it."""
    probs = torch.tensor([p for _, p in tokens], dtype=torch.float32)
    logits = probs.log().unsqueeze(0)  # softmax(log p) == p, so these are valid logits
    trace = filter_logits(logits, RowFilters.from_settings([settings]))
    tempered = trace.tempered[0].softmax(-1).tolist()
    final = trace.filtered[0].softmax(-1).tolist()
    rows = []
    for i, (token, p) in enumerate(tokens):
        status = next((s for s in STAGES if bool(trace.removed_by[s][0, i])), KEPT)
        rows.append(ToyRow(token=token, original=p, tempered=tempered[i], status=status,
                           final=final[i]))
    return rows


def summary(rows: list[ToyRow]) -> str:
    """One sentence: how many tokens survive and how much tempered probability they held."""
    kept = [r for r in rows if r.kept]
    mass = sum(r.tempered for r in kept)
    last = kept[-1].token if kept else "-"
    return (f"{len(kept)} of {len(rows)} tokens kept (up to \"{last}\"), holding "
            f"{mass:.1%} of the tempered probability; sampling draws from them after "
            f"renormalizing to 100%.")
