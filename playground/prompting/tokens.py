"""Tokens made readable: what a tokenizer really cut a text into.

Vocabularies store pieces in encodings of their own: byte-level BPE (GPT-2, SmolLM2, Llama 3)
writes a space as ``Ġ`` and a newline as ``Ċ``; SentencePiece (Llama 2, Gemma) writes a space as
``▁`` and bytes it has no piece for as ``<0x0A>``. Here each token is turned back into its
bytes, then shown with visible whitespace (``␣`` space, ``↵`` newline, ``⇥`` tab), and bytes
that are only part of a character (a Japanese character is often split over 2-3 tokens) are
shown as ``<0xE6>``.

Every function takes the tokenizer and an optional lock; pass ``loaded.tokenizer_lock`` for a
shared tokenizer (fast tokenizers raise "Already borrowed" when two threads use one).

Package ``playground.prompting``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from dataclasses import dataclass

from playground.serving.steps import byte_decoder

BYTE_TOKEN = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}


def _hex_bytes(err: UnicodeDecodeError):
    return "".join(f"<0x{b:02X}>" for b in err.object[err.start:err.end]), err.end


codecs.register_error("playground_hex", _hex_bytes)


def _lock(lock):
    return lock if lock is not None else contextlib.nullcontext()


def vocabulary_style(tokenizer) -> str:
    """"byte-level", "sentencepiece" or "other", read from the fast tokenizer's decoder."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    decoder = repr(getattr(backend, "decoder", None))
    if "ByteLevel" in decoder:
        return "byte-level"
    if "▁" in decoder or "Metaspace" in decoder or "ByteFallback" in decoder:
        return "sentencepiece"
    return "other"


def special_ids(tokenizer) -> set[int]:
    """Ids of every special token: the named ones and added tokens marked special."""
    ids = set(getattr(tokenizer, "all_special_ids", []) or [])
    for i, added in (getattr(tokenizer, "added_tokens_decoder", {}) or {}).items():
        if getattr(added, "special", False):
            ids.add(int(i))
    return ids


def piece_bytes(piece: str, style: str) -> bytes | None:
    """The bytes a vocabulary piece stands for, or None when the style is unknown."""
    if style == "byte-level":
        table = byte_decoder()
        if all(c in table for c in piece):
            return bytes(table[c] for c in piece)
        return piece.encode("utf-8")
    if style == "sentencepiece":
        m = BYTE_TOKEN.match(piece)
        if m:
            return bytes([int(m.group(1), 16)])
        return piece.replace("▁", " ").encode("utf-8")
    return None


def visible(text: str) -> str:
    """Whitespace made visible: ``␣`` space, ``↵`` newline, ``⇥`` tab."""
    return "".join(VISIBLE.get(c, c) for c in text)


@dataclass(frozen=True)
class TokenView:
    id: int
    piece: str       # the vocabulary's own spelling, e.g. "Ġworld" or "▁world"
    shown: str       # readable: visible whitespace, partial characters as <0xNN>
    special: bool


def token_views(tokenizer, ids: list[int], lock=None) -> list[TokenView]:
    """One readable view per id, in order."""
    style = vocabulary_style(tokenizer)
    specials = special_ids(tokenizer)
    with _lock(lock):
        pieces = tokenizer.convert_ids_to_tokens(list(ids))
        fallback = None if style != "other" else [tokenizer.decode([i]) for i in ids]
    views = []
    for n, (i, piece) in enumerate(zip(ids, pieces)):
        piece = piece if piece is not None else ""
        if i in specials:
            views.append(TokenView(int(i), piece, piece, True))
            continue
        raw = piece_bytes(piece, style)
        text = raw.decode("utf-8", errors="playground_hex") if raw is not None else fallback[n]
        views.append(TokenView(int(i), piece, visible(text), False))
    return views


@dataclass(frozen=True)
class Tokenized:
    text: str
    ids: list[int]
    views: list[TokenView]
    offsets: list[tuple[int, int]] | None  # character span of each token in ``text``
    decoded: str                           # ids decoded back, special tokens kept

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def round_trip(self) -> bool:
        """Does decoding give back exactly the text (added special tokens aside)?"""
        return self.decoded == self.text


def tokenize(tokenizer, text: str, add_special_tokens: bool = False,
             lock=None) -> Tokenized:
    """``text`` -> ids, readable tokens, character offsets and the decoded text."""
    with _lock(lock):
        try:
            enc = tokenizer(text, add_special_tokens=add_special_tokens,
                            return_offsets_mapping=True)
            offsets = [tuple(o) for o in enc["offset_mapping"]]
        except (NotImplementedError, ValueError, TypeError):  # slow tokenizers have none
            enc, offsets = tokenizer(text, add_special_tokens=add_special_tokens), None
        ids = list(enc["input_ids"])
        decoded = tokenizer.decode(ids, skip_special_tokens=False)
    return Tokenized(text, ids, token_views(tokenizer, ids, lock), offsets, decoded)


def special_tokens(tokenizer) -> list[dict]:
    """The named special tokens and every added special token: name, token, id."""
    rows, seen = [], set()
    for name, value in (getattr(tokenizer, "special_tokens_map", {}) or {}).items():
        for token in value if isinstance(value, list) else [value]:
            rows.append({"name": name, "token": str(token),
                         "id": tokenizer.convert_tokens_to_ids(str(token))})
            seen.add(str(token))
    for i, added in sorted((getattr(tokenizer, "added_tokens_decoder", {}) or {}).items()):
        if getattr(added, "special", False) and str(added) not in seen:
            rows.append({"name": "added special token", "token": str(added), "id": int(i)})
    return rows
