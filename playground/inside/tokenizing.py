"""What the tokenizer does before the model: Unicode normalization, padding, truncation and the
attention mask of a batch, ``max_length`` against ``max_new_tokens``, and letter case.

Every function takes a resident model (``LoadedModel``: its tokenizer and lock) and only reads
the shared tokenizer: padding side, truncation and the pad token are arguments of the call,
never attributes set on the tokenizer every tab shares.

Package ``playground.inside``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from playground.errors import InsideError
from playground.inside.twin import locked
from playground.serving.steps import readable_token

NORMALIZATIONS = ("off", "nfkc", "nfc")
# fullwidth letters and digits, halfwidth katakana (with voiced marks), a combining mark,
# circled digits and squared words: what NFKC (and, for the combining mark, NFC) rewrites
EXAMPLES = ["ＡＢＣ１２３ｱｲｳ", "ｶﾞｷﾞｸﾞ ﾃｽﾄ", "Ｈｅｌｌｏ，　ｗｏｒｌｄ！", "か\u3099 e\u0301",
            "①②③ ㍻ ㌔ ﬁ"]
MAX_TEXT = 2000
PADDING_SIDES = ("left", "right")
MAX_LENGTH = 512


def _check_text(text, what: str = "the text") -> str:
    if not isinstance(text, str) or not text:
        raise InsideError(f"{what} is empty: type something", key="inside.empty")
    if len(text) > MAX_TEXT:
        raise InsideError(f"{what} is too long: at most {MAX_TEXT} characters, got {len(text)}",
                          key="inside.too_long_chars", params={"limit": MAX_TEXT, "got": len(text)})
    return text


def normalize(text: str, form: str) -> str:
    """``text`` in Unicode normal form ``form`` ("nfkc", "nfc") or as it is ("off")."""
    if form not in NORMALIZATIONS:
        raise InsideError(f"normalize must be one of {', '.join(NORMALIZATIONS)}, got {form!r}",
                          key="inside.bad_normalization", params={"got": form})
    return text if form == "off" else unicodedata.normalize(form.upper(), text)


def count_tokens(loaded, text: str) -> list[int]:
    with locked(loaded):
        return loaded.tokenizer(text, add_special_tokens=False)["input_ids"]


@dataclass(frozen=True)
class Normalized:
    text: str
    form: str
    normalized: str
    count: int              # tokens of the text as typed (no special tokens)
    normalized_count: int   # tokens after normalization
    changes: list[tuple[str, str]]  # (what was typed, what it became), each once

    def to_dict(self) -> dict:
        return {"text": self.text, "normalize": self.form, "normalized": self.normalized,
                "count": self.count, "normalized_count": self.normalized_count}


def _changes(text: str, form: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for ch in dict.fromkeys(text):
        after = normalize(ch, form)
        if after != ch and (ch, after) not in out:
            out.append((ch, after))
    return out


def normalization(loaded, text: str, form: str = "nfkc") -> Normalized:
    _check_text(text)
    after = normalize(text, form)
    return Normalized(text, form, after, len(count_tokens(loaded, text)),
                      len(count_tokens(loaded, after)), _changes(text, form))


@dataclass(frozen=True)
class Batch:
    """Two texts as the model gets them: ``input_ids`` and ``attention_mask`` (lists of rows,
    as ``return_tensors="pt"`` would hold them), with each cell readable."""

    texts: list[str]
    padding_side: str
    truncation: bool
    max_length: int | None
    pad_token: str
    pad_id: int
    input_ids: list[list[int]]
    attention_mask: list[list[int]]
    tokens: list[list[str]]      # readable; a pad shows as the pad token's text
    lengths: list[int]           # each text's own length before truncation
    truncated: list[bool]


def batch(loaded, texts: list[str], padding_side: str = "left", truncation: bool = False,
          max_length: int | None = None) -> Batch:
    """Pad (and maybe truncate) a batch the way ``tokenizer(texts, padding=True,
    padding_side=..., truncation=..., max_length=...)`` does, built step by step: each text's
    ids, cut to ``max_length`` on the tokenizer's ``truncation_side``, then pad ids on
    ``padding_side`` up to the longest, with 0 in the mask where a pad is."""
    if not isinstance(texts, list) or len(texts) < 2:
        raise InsideError("give at least two texts to pad", key="inside.two_texts")
    texts = [_check_text(t) for t in texts]
    if padding_side not in PADDING_SIDES:
        raise InsideError(f"padding_side must be left or right, got {padding_side!r}",
                          key="inside.bad_side", params={"got": padding_side})
    if truncation and (not isinstance(max_length, int) or not 1 <= max_length <= MAX_LENGTH):
        raise InsideError(f"max_length must be in 1..{MAX_LENGTH} when truncating, got "
                          f"{max_length}", key="inside.bad_max_length",
                          params={"high": MAX_LENGTH, "got": max_length})
    tok = loaded.tokenizer
    with locked(loaded):
        rows = [tok(t, add_special_tokens=True)["input_ids"] for t in texts]
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        pad_token = tok.convert_ids_to_tokens(pad_id)
        side = getattr(tok, "truncation_side", "right")
    lengths = [len(r) for r in rows]
    if truncation:
        rows = [r[:max_length] if side == "right" else r[-max_length:] for r in rows]
    longest = max(len(r) for r in rows)
    ids, mask = [], []
    for r in rows:
        pads = [pad_id] * (longest - len(r))
        ids.append(pads + r if padding_side == "left" else r + pads)
        ones, zeros = [1] * len(r), [0] * len(pads)
        mask.append(zeros + ones if padding_side == "left" else ones + zeros)
    with locked(loaded):
        shown = [[readable_token(tok, i) if m else pad_token for i, m in zip(row, mrow)]
                 for row, mrow in zip(ids, mask)]
    return Batch(texts, padding_side, truncation, max_length if truncation else None,
                 pad_token, int(pad_id), ids, mask, shown, lengths,
                 [truncation and n > max_length for n in lengths])


@dataclass(frozen=True)
class Lengths:
    prompt_tokens: int
    max_length: int
    max_new_tokens: int
    new_by_max_length: int      # what max_length leaves for new tokens (prompt counts too)
    new_by_max_new_tokens: int


def lengths(loaded, prompt: str, max_length: int, max_new_tokens: int) -> Lengths:
    """``max_length`` counts the prompt's tokens too; ``max_new_tokens`` counts only new ones."""
    _check_text(prompt, "the prompt")
    with locked(loaded):
        n = len(loaded.tokenizer(prompt, add_special_tokens=True)["input_ids"])
    for name, v in (("max_length", max_length), ("max_new_tokens", max_new_tokens)):
        if not isinstance(v, int) or not 1 <= v <= MAX_LENGTH:
            raise InsideError(f"{name} must be in 1..{MAX_LENGTH}, got {v}",
                              key="inside.bad_length", params={"name": name, "high": MAX_LENGTH,
                                                               "got": v})
    return Lengths(n, max_length, max_new_tokens, max(0, max_length - n), max_new_tokens)


def casing(loaded, word: str = "Hello") -> list[dict]:
    """The same word in three casings: a cased tokenizer (every one here) gives each its own
    tokens; an uncased one (bert-base-uncased) lowercases first, so all three would match."""
    _check_text(word, "the word")
    out = []
    for variant in dict.fromkeys([word, word.lower(), word.upper(), word.capitalize()]):
        ids = count_tokens(loaded, variant)
        with locked(loaded):
            pieces = [readable_token(loaded.tokenizer, i) for i in ids]
        out.append({"text": variant, "tokens": pieces, "ids": ids})
    return out
