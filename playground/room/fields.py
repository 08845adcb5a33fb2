"""One page input as a share link carries it: its name in the link, its widget's session key,
its type, its range and its default, and how a value from a link is checked.

A value from a link is hostile until checked: it is parsed as its type, bounded (texts by
length, numbers by the *widget's* range, which is what Streamlit accepts without raising), and,
for decoding settings, put through ``GenerationSettings``' own verification, so a link says
``top_p must be in (0, 1], got 7`` exactly as the settings would.

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from playground.errors import PlaygroundError, SettingsError
from playground.serving.settings import (EPSILON, MAX_LENGTH, MAX_NEW_TOKENS, MIN_P,
                                         NO_REPEAT_NGRAM_SIZE, NUM_BEAMS, NUM_RETURN_SEQUENCES,
                                         REPETITION_PENALTY, SEED, TEMPERATURE, TOP_K, TOP_P,
                                         GenerationSettings)

MAX_TEXT = 4000   # characters of one text input in a link (a prompt, a template set)
MAX_ROWS = 12     # rows of an editable table in a link (few-shot examples, chat messages)


class FieldError(ValueError):
    """A value from a link that cannot be used; the message says why."""


class LinkError(PlaygroundError):
    """A link that cannot be made or read at all (unknown page, too long, not a link)."""


@dataclass(frozen=True)
class Field:
    """One input of a page.

    name: the input's name in links and ``--set NAME=VALUE`` (settings use their field names).
    key: the widget's ``st.session_state`` key; ``{name}`` parts are filled from other inputs
        (the persona's editor is keyed by its preset).
    kind: ``int`` | ``float`` | ``bool`` | ``choice`` | ``text`` | ``list`` (several choices)
        | ``rows`` (an editable table: a list of dicts with ``columns``).
    default: the value a fresh session shows; a callable gets the inputs decoded so far (a
        preset decides its sliders); ``None`` = the page decides (e.g. the chat switch follows
        the model).
    low / high: the widget's range (numbers).  options: allowed values (choice, list).
    widget: public value -> the value the widget holds (a radio's label), when they differ.
    check: extra verification, raising with a message for the participant.
    group: inputs verified together by ``GenerationSettings`` (one group per settings block).
    """

    name: str
    key: str
    kind: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    options: tuple = ()
    widget: dict | None = None
    check: Callable[[Any], None] | None = None
    group: str = ""
    columns: tuple[str, ...] = ()
    max_len: int = MAX_TEXT
    settings_name: str = ""  # the GenerationSettings field this input is, if any
    extra: dict = field(default_factory=dict, compare=False)

    def default_for(self, values: dict) -> Any:
        return self.default(values) if callable(self.default) else self.default

    def session_key(self, values: dict) -> str:
        return self.key.format(**values) if "{" in self.key else self.key

    # -- link text <-> value -----------------------------------------------------------------
    def to_link(self, value: Any) -> Any:
        """The value as it travels (a string for plain query parameters, JSON otherwise)."""
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "list":
            return ",".join(value)
        if self.kind == "rows":
            return [{c: r.get(c, "") for c in self.columns} for r in value]
        if self.kind == "float":
            return f"{float(value):g}" if float(value) == float(f"{float(value):g}") \
                else repr(float(value))
        return str(value)

    def parse(self, raw: Any) -> Any:
        """A value from a link (a string, or JSON from the compact part) -> the checked value."""
        value = self._typed(raw)
        if self.kind in ("int", "float"):
            if self.settings_name:
                _settings_check(self.settings_name, value)
            if not (self.low <= value <= self.high):
                raise FieldError(f"{self.name} must be in [{_num(self.low)}, {_num(self.high)}] "
                                 f"on this page, got {_num(value)}")
        if self.check is not None:
            try:
                self.check(value)
            except (PlaygroundError, ValueError) as err:
                raise FieldError(_message(err)) from None
        return value

    def _typed(self, raw: Any) -> Any:
        k = self.kind
        if k == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "on", "yes"):
                return True
            if text in ("0", "false", "off", "no"):
                return False
            raise FieldError(f"{self.name} must be 1 or 0, got {_short(raw)}")
        if k in ("int", "float"):
            try:
                number = float(raw) if not isinstance(raw, bool) else math.nan
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):
                raise FieldError(f"{self.name} must be a number, got {_short(raw)}")
            if k == "int":
                if number != int(number):
                    raise FieldError(f"{self.name} must be a whole number, got {_short(raw)}")
                return int(number)
            return number
        if k == "choice":
            text = str(raw)
            if text not in self.options:
                raise FieldError(f"unknown {self.name} {_short(raw)}; choose one of: "
                                 + ", ".join(map(str, self.options)))
            return text
        if k == "text":
            if not isinstance(raw, str):
                raise FieldError(f"{self.name} must be text")
            if len(raw) > self.max_len:
                raise FieldError(f"{self.name} is {len(raw):,} characters; at most "
                                 f"{self.max_len:,} travel in a link")
            return raw
        if k == "list":
            items = raw if isinstance(raw, list) else [p.strip() for p in str(raw).split(",")
                                                       if p.strip()]
            unknown = [str(i) for i in items if str(i) not in self.options]
            if unknown:
                raise FieldError(f"unknown {self.name} {', '.join(map(repr, unknown))}; "
                                 f"choose from: {', '.join(self.options)}")
            return [str(i) for i in dict.fromkeys(items)]
        if k == "rows":
            if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
                raise FieldError(f"{self.name} must be a list of rows")
            if len(raw) > MAX_ROWS:
                raise FieldError(f"{self.name} has {len(raw)} rows; at most {MAX_ROWS}")
            rows = []
            for r in raw:
                row = {c: r.get(c, "") for c in self.columns}
                if not all(isinstance(v, str) and len(v) <= self.max_len for v in row.values()):
                    raise FieldError(f"{self.name}: every cell must be text of at most "
                                     f"{self.max_len:,} characters")
                rows.append(row)
            return rows
        raise FieldError(f"{self.name}: unknown kind {k}")

    # -- public value <-> widget value ---------------------------------------------------------
    def to_widget(self, value: Any) -> Any:
        return self.widget[value] if self.widget else value

    def from_widget(self, held: Any) -> Any:
        if self.widget:
            for public, shown in self.widget.items():
                if shown == held:
                    return public
            return None
        if self.kind == "list":
            return list(held)
        return held


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _short(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "…'"


def _message(err: Exception) -> str:
    if isinstance(err, SettingsError):
        return "; ".join(err.problems)
    return str(err)


def _settings_check(name: str, value: Any) -> None:
    """GenerationSettings' own verification of one field (sampling on, everything else at its
    default), so the message is the one the settings give."""
    if name == "temperature" and value == 0:
        return  # the sliders offer 0 on purpose; the group check says what to do instead
    try:  # beam search goes with greedy decoding
        GenerationSettings(do_sample=name not in ("num_beams", "early_stopping"),
                           **{name: value})
    except SettingsError as err:
        raise FieldError(_message(err)) from None


def settings_check(values: dict) -> None:
    """The whole block through GenerationSettings (e.g. greedy with 3 samples is refused)."""
    GenerationSettings(**values)


# -- the decoding blocks the pages share ---------------------------------------------------------

def settings_fields(prefix: str, defaults: GenerationSettings | None = None,
                    group: str = "settings") -> list[Field]:
    """The inputs of ``ui.widgets.settings_widgets(prefix, defaults=...)``."""
    d = defaults or GenerationSettings.transformers_defaults()
    mode = {False: "Greedy", True: "Sampling"}
    return [
        Field("do_sample", f"{prefix}_mode", "bool", d.do_sample, widget=mode, group=group,
              settings_name="do_sample"),
        _number("temperature", f"{prefix}_temperature", d.temperature, TEMPERATURE, 0.0,
                group),
        _number("top_p", f"{prefix}_top_p", d.top_p, TOP_P, 0.0, group),
        _number("top_k", f"{prefix}_top_k", d.top_k, TOP_K, None, group),
        _number("min_p", f"{prefix}_min_p", d.min_p, MIN_P, None, group),
        _number("epsilon_cutoff", f"{prefix}_epsilon", d.epsilon_cutoff, EPSILON, None, group),
        _number("num_return_sequences", f"{prefix}_n", d.num_return_sequences,
                NUM_RETURN_SEQUENCES, None, group),
        _number("seed", f"{prefix}_seed", d.seed, SEED, None, group),
        _number("max_new_tokens", f"{prefix}_max_new_tokens", d.max_new_tokens, MAX_NEW_TOKENS,
                None, group),
        # ui.decoding_more: repetition, max_length, beam search
        _number("repetition_penalty", f"{prefix}_repetition_penalty", d.repetition_penalty,
                REPETITION_PENALTY, 0.5, group),
        _number("no_repeat_ngram_size", f"{prefix}_no_repeat_ngram_size",
                d.no_repeat_ngram_size, NO_REPEAT_NGRAM_SIZE, None, group),
        _number("max_length", f"{prefix}_max_length", d.max_length, MAX_LENGTH, None, group),
        _number("num_beams", f"{prefix}_num_beams", d.num_beams, NUM_BEAMS, None, group),
        Field("early_stopping", f"{prefix}_early_stopping", "bool", d.early_stopping,
              group=group, settings_name="early_stopping"),
    ]


def filter_fields(prefix: str, name_prefix: str, defaults: Callable[[dict], dict],
                  group: str, toggle: bool = True) -> list[Field]:
    """The inputs of ``ui.sampling_lab.filter_widgets(prefix, ...)``: the sampling toggle and
    the five filters. ``defaults(values)`` gives the preset's filter values."""
    base = {"do_sample": True, "temperature": 1.0, "top_p": 1.0, "top_k": 0, "min_p": 0.0,
            "epsilon_cutoff": 0.0}

    def default(name):
        return lambda values: {**base, **defaults(values)}[name]

    ranges = {"temperature": (TEMPERATURE, 0.0), "top_p": (TOP_P, 0.0), "top_k": (TOP_K, None),
              "min_p": (MIN_P, None), "epsilon_cutoff": (EPSILON, None)}
    out = [Field(name_prefix + "do_sample", f"{prefix}_do_sample", "bool", default("do_sample"),
                 group=group, settings_name="do_sample")] if toggle else []
    for name, (rng, low) in ranges.items():
        f = _number(name, f"{prefix}_{name}", default(name), rng, low, group)
        out.append(Field(name_prefix + name, f.key, f.kind, f.default, f.low, f.high,
                         group=group, settings_name=name))
    return out


def _number(name: str, key: str, default, rng, low, group: str) -> Field:
    kind = "int" if name in ("top_k", "num_return_sequences", "seed", "max_new_tokens",
                             "no_repeat_ngram_size", "max_length", "num_beams") else "float"
    return Field(name, key, kind, default, rng.low if low is None else low, rng.slider_high,
                 group=group, settings_name=name)
