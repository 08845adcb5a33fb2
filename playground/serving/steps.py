"""Decoding lens: what the sampler saw at each step of a real generation.

A ``StepRecorder`` is attached to a row as the engine's ``on_step`` hook (the service does this
when a request asks for ``record_steps`` candidates). At every step it keeps a compact record:
the top candidates of the model's real next-token distribution with their raw probability,
the probability after temperature, which filter removed them (or "kept"), the renormalized
probability the sampler drew from, plus the chosen token, the kept mass and the entropies.
Only a few numbers per candidate are kept (about 1 KB a step), never the whole vocabulary.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from playground.serving.sampling import STAGES, FilterTrace
from playground.serving.settings import GenerationSettings

MAX_CANDIDATES = 50  # most candidates a request may ask to record per step
KEPT = "kept"
_LOG2 = math.log(2)


@dataclass(frozen=True)
class Candidate:
    """One token of one step. Probabilities are in [0, 1]."""

    token_id: int
    text: str          # readable: ␣ for spaces, ↵ for newlines, <0xE2> for byte pieces
    raw: float         # softmax of the model's logits
    tempered: float    # softmax after temperature
    status: str        # "kept" or the stage that removed it: top_k | top_p | min_p | epsilon
    final: float       # the renormalized probability the sampler drew from (0 if removed)
    chosen: bool = False


@dataclass(frozen=True)
class StepRecord:
    """One decoding step of one row."""

    step: int                      # 0 = the first generated token
    chosen_id: int
    chosen_text: str
    greedy: bool                   # greedy rows take the argmax of the raw logits
    candidates: tuple[Candidate, ...]
    kept_tokens: int               # tokens left after every filter (the whole vocab if none)
    kept_mass: float               # tempered probability of the kept tokens, in (0, 1]
    removed: dict[str, int] = field(default_factory=dict)  # stage -> tokens it removed
    entropy_raw_bits: float = 0.0  # entropy of the model's distribution, bits
    entropy_final_bits: float = 0.0  # entropy of what the sampler drew from, bits
    vocab_size: int = 0

    @property
    def chosen_rank(self) -> int | None:
        """1-based rank of the chosen token among the recorded candidates (None if outside)."""
        for rank, c in enumerate(sorted(self.candidates, key=lambda c: -c.raw), start=1):
            if c.chosen:
                return rank
        return None


def visible(text: str) -> str:
    """Whitespace made visible, so ' the' and 'the' and '\\n' look different in a table."""
    if text == "":
        return "∅"
    return (text.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥")
            .replace("\r", "␍"))


def _byte_decoder() -> dict[str, int]:
    """GPT-2 byte-level BPE: the printable character that stands for each byte."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    chars, extra = list(printable), 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars)}


_BYTES = _byte_decoder()


def readable_token(tokenizer, token_id: int) -> str:
    """The token as a participant can read it: spaces and newlines visible, and a piece of a
    multi-byte character shown as its bytes (``<0xE2 0x80>``) instead of a � sign.

    Uses the tokenizer: call it under the model's ``tokenizer_lock``.
    """
    text = tokenizer.decode([int(token_id)], skip_special_tokens=False,
                            clean_up_tokenization_spaces=False)
    if "\ufffd" not in text:
        return visible(text)
    piece = tokenizer.convert_ids_to_tokens(int(token_id))
    if piece.startswith("<0x") and piece.endswith(">"):  # SentencePiece byte fallback
        return piece
    if all(ch in _BYTES for ch in piece):  # byte-level BPE
        return "<" + " ".join(f"0x{_BYTES[ch]:02X}" for ch in piece) + ">"
    return piece


def _entropy_bits(probs: torch.Tensor) -> float:
    p = probs[probs > 0]
    return max(0.0, float(-(p * p.log()).sum()) / _LOG2)  # never "-0.00" for a certain token


def record_step(step: int, raw_logits: torch.Tensor, trace: FilterTrace, b: int, chosen: int,
                settings: GenerationSettings, top_n: int, token_texts) -> StepRecord:
    """Summarize row ``b`` of one step: ``top_n`` candidates by raw probability (plus the
    chosen token if it ranks lower). ``token_texts(ids) -> [str]`` makes tokens readable."""
    raw = raw_logits.float().softmax(-1)
    greedy = not settings.do_sample
    if greedy:
        # greedy ignores temperature and filters: it always takes the most likely token
        tempered = raw
        status = torch.zeros_like(raw, dtype=torch.long)
        final = torch.zeros_like(raw)
        final[chosen] = 1.0
    else:
        tempered = trace.tempered[b].softmax(-1)
        status = torch.zeros_like(raw, dtype=torch.long)  # 0 = kept, i = STAGES[i - 1]
        for i, stage in enumerate(STAGES, start=1):
            status = status.masked_fill(trace.removed_by[stage][b], i)
        final = trace.filtered[b].softmax(-1)
    kept = status == 0
    n = min(top_n, raw.shape[-1])
    ids = torch.topk(raw, n).indices.tolist()
    if chosen not in ids:
        ids.append(chosen)
    idx = torch.tensor(ids, device=raw.device)
    raws, temps, fins = raw[idx].tolist(), tempered[idx].tolist(), final[idx].tolist()
    stats, texts = status[idx].tolist(), token_texts(ids)
    candidates = tuple(
        Candidate(token_id=t, text=x, raw=r, tempered=tp,
                  status=KEPT if s == 0 else STAGES[s - 1], final=f, chosen=t == chosen)
        for t, x, r, tp, s, f in zip(ids, texts, raws, temps, stats, fins))
    removed = {} if greedy else {stage: int(trace.removed_by[stage][b].sum())
                                 for stage in STAGES}
    return StepRecord(
        step=step, chosen_id=int(chosen), chosen_text=texts[ids.index(chosen)], greedy=greedy,
        candidates=candidates, kept_tokens=int(kept.sum()),
        kept_mass=float(tempered[kept].sum()), removed=removed,
        entropy_raw_bits=_entropy_bits(raw), entropy_final_bits=_entropy_bits(final),
        vocab_size=int(raw.shape[-1]))


class StepRecorder:
    """The engine's ``on_step`` hook for one row: appends a ``StepRecord`` to ``records``.

    Runs on the owner thread; the tokenizer is used only under ``lock``.
    """

    def __init__(self, records: list, settings: GenerationSettings, top_n: int, tokenizer,
                 lock):
        self.records, self.settings, self.top_n = records, settings, top_n
        self.tokenizer, self.lock = tokenizer, lock
        self._seen: dict[int, str] = {}  # token id -> readable text (tokens recur)

    def _texts(self, ids: list[int]) -> list[str]:
        missing = [i for i in ids if i not in self._seen]
        if missing:
            with self.lock:
                for i in missing:
                    self._seen[i] = readable_token(self.tokenizer, i)
        return [self._seen[i] for i in ids]

    def __call__(self, raw_logits: torch.Tensor, trace: FilterTrace, b: int, token: int) -> None:
        self.records.append(record_step(len(self.records), raw_logits, trace, b, token,
                                        self.settings, self.top_n, self._texts))


def check_record_steps(n: int) -> str | None:
    """A problem with the requested number of candidates per step, or None if it is fine."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_CANDIDATES:
        return f"record_steps must be a whole number in [0, {MAX_CANDIDATES}], got {n!r}"
    return None
