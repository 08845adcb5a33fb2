"""What made a result: the page's inputs as they were when its main button was pressed.

A page captures its inputs (the same fields share links carry, ``playground.room.pages``) and
the room's lesson step at the moment a result is asked for, and keeps them with the result.
From them come the result's "Made with: …" line (and whether the inputs have changed since),
a board post's inputs and step, and so the post's "Open" link: what the post reproduces is
what made its text, not what the poster's widgets hold when they press Post.

``summary`` says what to show of a capture (the decoding mode, the sizes, the seed, then the
inputs that differ from the page's defaults); ``changed`` names the inputs that differ between
two captures, leaving out what cannot change the result (a sampling filter under greedy
decoding, the settings of a Compare column that is not shown).

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

import re
from typing import Any

from playground.room.pages import page_spec

FIRST = ("do_sample", "columns", "n", "max_new_tokens", "seed")  # shown always, in this order
# what greedy decoding does not use (the page keeps the values, hidden, for when it samples)
SAMPLING_ONLY = frozenset({"temperature", "top_p", "top_k", "min_p", "epsilon_cutoff",
                           "num_return_sequences", "seed"})
MAX_EXTRA = 6        # inputs shown besides FIRST (then "…")
TEXT_MAX = 24        # characters of a text input shown
_COLUMN = re.compile(r"^col(\d+)\.")


def _relevant(name: str, inputs: dict) -> bool:
    """False for inputs that cannot change the result under ``inputs``: a sampling filter
    while that group decodes greedily, a Compare column past the number of columns."""
    m = _COLUMN.match(name)
    if m and isinstance(inputs.get("columns"), int) and int(m.group(1)) > inputs["columns"]:
        return False
    prefix, _, base = name.rpartition(".")
    if base == "max_new_tokens" and inputs.get(f"{prefix}.max_length" if prefix
                                               else "max_length"):
        return False  # max_length decides (issue 32)
    if base in SAMPLING_ONLY:
        mode = inputs.get(f"{prefix}.do_sample" if prefix else "do_sample")
        if mode is False:
            return False
    return True


def summary(page: str, inputs: dict) -> list[tuple[str, Any]]:
    """``(input name, value)`` pairs to show for a result made with ``inputs``: the FIRST
    inputs the page has, then up to MAX_EXTRA of the others that differ from their defaults
    (``("…", None)`` when more do)."""
    spec = page_spec(page)
    first = [(n, inputs[n]) for n in FIRST
             if n in inputs and inputs[n] is not None and _relevant(n, inputs)]
    extra = []
    for f in spec.fields:
        if f.name in FIRST or f.name not in inputs or not _relevant(f.name, inputs):
            continue
        value, default = inputs[f.name], f.default_for(inputs)
        if value is None or value == default or (default is None and value is True):
            continue  # a switch that follows the model (chat template) is named when off
        extra.append((f.name, value))
    if len(extra) > MAX_EXTRA:
        extra = extra[:MAX_EXTRA] + [("…", None)]
    return first + extra


def changed(page: str, made: dict, now: dict) -> list[str]:
    """The names of the inputs that differ between ``made`` (the capture that made the result)
    and ``now`` (the page's inputs at present), in the page's order."""
    out = []
    for f in page_spec(page).fields:
        a, b = made.get(f.name), now.get(f.name)
        if a == b or (not _relevant(f.name, made) and not _relevant(f.name, now)):
            continue
        out.append(f.name)
    return out


def short(value: Any) -> str:
    """A number, a list or a text as the label shows it: numbers plain, lists joined, texts
    quoted and cut to TEXT_MAX characters on one line (booleans and table rows are for the
    caller's language)."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    text = " ".join(str(value).split())
    return f"“{text[:TEXT_MAX]}…”" if len(text) > TEXT_MAX else f"“{text}”"
