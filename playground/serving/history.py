"""Settings that read a row's own history: ``repetition_penalty`` and ``no_repeat_ngram_size``.

transformers applies them as logits processors, before temperature and the sampling filters
(``RepetitionPenaltyLogitsProcessor``, then ``NoRepeatNGramLogitsProcessor``, then the
warpers: ``GenerationMixin._get_logits_processor``), over the prompt and the tokens generated
so far, for greedy decoding as for sampling. Here each row has its own values, and its
history is kept on the host (the prompt ids plus ``Row.generated``, which the engine fills from
the step's one copy of the tokens): the tokens to penalize and to ban are found in Python, sent
to the device as index tensors (no read back), and applied there. A batch in which no row has
them on costs one look at each row's host-side settings.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import torch

_NEG_INF = float("-inf")


class _Seen:
    """One row's history: the distinct token ids it holds and, for n-gram blocking, the
    tokens that followed each (n-1)-token prefix. Updated with the tokens added since."""

    def __init__(self, row, ngram: int):
        self.row, self.ngram = row, ngram
        self.tokens: list[int] = []
        self.distinct: set[int] = set()
        self.follows: dict[tuple[int, ...], set[int]] = {}
        self.consumed = 0  # how many of row.generated are in ``tokens``
        for token in row.prompt_ids:
            self._push(int(token))

    def _push(self, token: int) -> None:
        self.tokens.append(token)
        self.distinct.add(token)
        n = self.ngram
        if n > 0 and len(self.tokens) >= n:
            self.follows.setdefault(tuple(self.tokens[len(self.tokens) - n:-1]),
                                    set()).add(token)

    def catch_up(self) -> None:
        generated = self.row.generated
        for token in generated[self.consumed:]:
            self._push(int(token))
        self.consumed = len(generated)

    def banned(self) -> set[int]:
        """Tokens that would complete an n-gram already in the history (transformers: a
        window whose first n-1 tokens equal the last n-1 tokens bans its last token)."""
        n = self.ngram
        if n <= 0 or len(self.tokens) < n:
            return set()
        prefix = tuple(self.tokens[len(self.tokens) - n + 1:]) if n > 1 else ()
        return self.follows.get(prefix, set())


class RowHistories:
    """The history-reading settings of a running batch; ``apply`` once per decode step."""

    def __init__(self):
        self._seen: dict[int, _Seen] = {}

    def apply(self, rows: list, logits: torch.Tensor) -> torch.Tensor:
        """``logits`` (``[B, V]``, rows in ``rows``' order) after each row's repetition
        penalty and n-gram ban; the same tensor, untouched, when no row has them on. The
        result is float32 (transformers processes float32 scores) and a new tensor."""
        on = [b for b, row in enumerate(rows) if row.settings.uses_history()]
        if not on:
            self._seen.clear()
            return logits
        self._forget([rows[b] for b in on])
        vocab = logits.shape[-1]
        penalties: dict[float, tuple[list[int], list[int]]] = {}
        ban_rows: list[int] = []
        ban_tokens: list[int] = []
        for b in on:
            row = rows[b]
            seen = self._state(row)
            penalty = float(row.settings.repetition_penalty)
            if penalty != 1:
                which, tokens = penalties.setdefault(penalty, ([], []))
                kept = [t for t in seen.distinct if t < vocab]  # ids past the LM head: none
                which += [b] * len(kept)
                tokens += kept
            banned = [t for t in seen.banned() if t < vocab]
            ban_rows += [b] * len(banned)
            ban_tokens += banned
        scores = logits.to(torch.float32, copy=True)
        device = scores.device
        for penalty, (which, tokens) in penalties.items():
            if not tokens:
                continue
            r, t = _index(which, device), _index(tokens, device)
            score = scores[r, t]
            # as RepetitionPenaltyLogitsProcessor: a negative logit is multiplied, so the
            # token always becomes less likely (with the same Python-scalar arithmetic)
            scores[r, t] = torch.where(score < 0, score * penalty, score / penalty)
        if ban_tokens:
            scores[_index(ban_rows, device), _index(ban_tokens, device)] = _NEG_INF
        return scores

    def _state(self, row) -> _Seen:
        seen = self._seen.get(id(row))
        if seen is None or seen.row is not row:
            seen = self._seen[id(row)] = _Seen(row, int(row.settings.no_repeat_ngram_size))
        seen.catch_up()
        return seen

    def _forget(self, rows: list) -> None:
        """Drop the state of rows that left the batch (a parked row that comes back is
        rebuilt from its prompt and its generated tokens)."""
        here = {id(r) for r in rows}
        for key in [k for k in self._seen if k not in here]:
            del self._seen[key]


def _index(values: list[int], device: torch.device) -> torch.Tensor:
    """A host list as a long tensor on ``device``; on CUDA through pinned memory without
    blocking (the host does not wait for the device)."""
    host = torch.tensor(values, dtype=torch.long)
    if device.type == "cuda":
        return host.pin_memory().to(device, non_blocking=True)
    return host.to(device)
