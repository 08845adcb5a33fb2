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
from functools import lru_cache

import torch

from playground.serving.sampling import STAGES, FilterTrace, draw_many
from playground.serving.settings import GenerationSettings

MAX_CANDIDATES = 50  # most candidates a request may ask to record per step
MAX_DRAWS = 10_000   # most tokens one "draw n times" may draw (each costs a vocabulary pass)
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


@lru_cache(maxsize=1)
def byte_decoder() -> dict[str, int]:
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


_BYTES = byte_decoder()


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


@dataclass(frozen=True)
class DrawTally:
    """``n`` tokens drawn at one step from the distribution the sampler drew from there.

    ``counts``: token id -> how many of the n draws gave it. ``probability``: token id -> its
    renormalized (final) probability in [0, 1], for every drawn token and the step's most
    likely tokens. ``texts``: token id -> readable text.
    """

    step: int
    n: int
    counts: dict[int, int]
    probability: dict[int, float]
    texts: dict[int, str]
    greedy: bool = False

    def frequency(self, token_id: int) -> float:
        return self.counts.get(token_id, 0) / self.n if self.n else 0.0


class DrawRecorder:
    """The engine's ``probe`` for one row: at ``step``, draws ``n`` tokens from the row's
    final distribution with a copy of its generator (``sampling.draw_many``), so the row's
    own text is unchanged. Stores a ``DrawTally`` on ``sample.draws``."""

    def __init__(self, sample, settings: GenerationSettings, step: int, n: int,
                 top_n: int, tokenizer, lock):
        self.sample, self.settings, self.step, self.n = sample, settings, step, n
        self.top_n, self.tokenizer, self.lock = max(top_n, 1), tokenizer, lock

    def __call__(self, step: int, trace: FilterTrace, b: int, generator) -> None:
        if step != self.step:
            return
        greedy = not self.settings.do_sample
        # a greedy row takes the argmax of its raw logits, whatever the filters say
        logits = trace.filtered[b] if not greedy else trace.tempered[b]
        probs = logits.float().softmax(-1)
        if greedy:
            best = int(probs.argmax())
            probs = torch.zeros_like(probs)
            probs[best] = 1.0
        drawn = draw_many(probs, None if greedy else generator, self.n)
        counts: dict[int, int] = {}
        for t in drawn:
            counts[t] = counts.get(t, 0) + 1
        top = torch.topk(probs, min(self.top_n, probs.shape[-1]))
        likely = [i for i, p in zip(top.indices.tolist(), top.values.tolist()) if p > 0]
        ids = list(dict.fromkeys(likely + sorted(counts)))
        values = probs[torch.tensor(ids, device=probs.device)].tolist()
        with self.lock:
            texts = {i: readable_token(self.tokenizer, i) for i in ids}
        self.sample.draws = DrawTally(step=step, n=self.n, counts=counts,
                                      probability=dict(zip(ids, values)), texts=texts,
                                      greedy=greedy)


def check_steering(request) -> list[str]:
    """Problems with a request's ``forced_tokens`` and ``draw`` (empty list: fine)."""
    problems = []
    rows = request.row_keys()
    forced = request.forced_tokens
    if forced and len(forced) != len(rows):
        problems.append(f"forced_tokens needs one token list per row ({len(rows)}), got "
                        f"{len(forced)}")
    elif forced:
        for (_, v, _), ids in zip(rows, forced):
            if not all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in ids):
                problems.append("forced tokens must be token ids (whole numbers >= 0)")
            elif len(ids) > request.variants[v].max_new_tokens:
                problems.append(f"{len(ids)} forced tokens do not fit in max_new_tokens "
                                f"{request.variants[v].max_new_tokens}")
    if request.draw is not None:
        try:
            step, n = request.draw
        except (TypeError, ValueError):
            return problems + ["draw must be (step, n)"]
        most = min(s.max_new_tokens for s in request.variants)
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < most:
            problems.append(f"the draw step must be in [0, {most - 1}] (0 = the first "
                            f"token), got {step!r}")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_DRAWS:
            problems.append(f"draws per step must be in [1, {MAX_DRAWS:,}], got {n!r}")
    return problems


def check_record_steps(n: int) -> str | None:
    """A problem with the requested number of candidates per step, or None if it is fine."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_CANDIDATES:
        return f"record_steps must be a whole number in [0, {MAX_CANDIDATES}], got {n!r}"
    return None
