"""Generation settings: one frozen dataclass, one verification, ranges as constants.

The pages build their sliders from the ``Range`` constants below and the checks in
``GenerationSettings.__post_init__`` use the very same constants, so a widget can never offer a
value the settings refuse (except on purpose: temperature 0 is offered so that the participant
sees why sampling needs a positive temperature).

Semantics follow transformers' ``generate``: filters apply in the order
temperature -> top-k -> top-p -> min-p -> epsilon, each on the output of the previous one.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from playground.errors import SettingsError


@dataclass(frozen=True)
class Range:
    """A closed or half-open numeric interval plus what a widget needs to show it.

    ``widget_high`` caps a slider where the full range would make it unusable (top_k can be
    10,000 but a slider to 200 is what people use); values above it stay valid.
    """

    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    step: float = 1
    widget_high: float | None = None
    help: str = ""

    def contains(self, value: float) -> bool:
        if math.isnan(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{left}{_num(self.low)}, {_num(self.high)}{right}"

    @property
    def slider_high(self) -> float:
        return self.widget_high if self.widget_high is not None else self.high


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


TEMPERATURE = Range(0.0, 10.0, low_open=True, step=0.05, widget_high=10.0,
                    help="Divides the logits before softmax. <1 sharpens, >1 flattens. "
                         "Must be in (0, 10]; 1 leaves the distribution as it is.")
TOP_P = Range(0.0, 1.0, low_open=True, step=0.01,
              help="Keep the smallest set of tokens whose probability adds up to at least p. "
                   "Must be in (0, 1]. Set to 1 to consider all tokens.")
TOP_K = Range(0, 10_000, step=1, widget_high=200,
              help="Keep only the k most likely tokens. Must be in [0, 10000]. 0 turns it off.")
MIN_P = Range(0.0, 1.0, step=0.01, widget_high=0.5,
              help="Drop tokens less likely than min_p times the top token's probability. "
                   "Must be in [0, 1]. 0 turns it off.")
EPSILON = Range(0.0, 1.0, high_open=True, step=0.001, widget_high=0.2,
                help="Drop tokens whose probability is below epsilon (0.02 is common). "
                     "Must be in [0, 1). 0 turns it off.")
MAX_NEW_TOKENS = Range(1, 2048, step=1, widget_high=512,
                       help="How many tokens the model may add after the prompt.")
NUM_RETURN_SEQUENCES = Range(1, 16, step=1,
                             help="How many samples to draw for the same prompt.")
SEED = Range(0, 2**31 - 1, step=1,
             help="Sample i uses seed + i, so the same seed gives the same samples.")
REPETITION_PENALTY = Range(0.0, 10.0, low_open=True, step=0.05, widget_high=2.0,
                           help="Makes every token already in the prompt or the text less "
                                "likely: its logit is divided by the penalty (multiplied when "
                                "negative). Must be in (0, 10]; 1 turns it off, 1.2 is common.")
NO_REPEAT_NGRAM_SIZE = Range(0, 20, step=1, widget_high=10,
                             help="No sequence of this many tokens may appear twice (the "
                                  "prompt counts too). Must be in [0, 20]; 0 turns it off.")
MAX_LENGTH = Range(0, 4096, step=1, widget_high=1024,
                   help="The prompt and the new tokens together, in tokens: an alternative to "
                        "max_new_tokens. Must be in [0, 4096]; 0 turns it off "
                        "(max_new_tokens decides).")
NUM_BEAMS = Range(1, 16, step=1, widget_high=8,
                  help="Beam search keeps this many candidate texts at each step and returns "
                       "the most likely whole text. Must be in [1, 16]; 1 turns it off.")
# transformers' GenerationConfig applies top_k=50 unless told otherwise: the pages and the CLI
# start sampling with it, as the tutorial's sampling runs had it (GenerationSettings itself
# keeps every filter off, the neutral start of the sampling lab)
TRANSFORMERS_TOP_K = 50

RANGES: dict[str, Range] = {
    "temperature": TEMPERATURE,
    "top_p": TOP_P,
    "top_k": TOP_K,
    "min_p": MIN_P,
    "epsilon_cutoff": EPSILON,
    "max_new_tokens": MAX_NEW_TOKENS,
    "num_return_sequences": NUM_RETURN_SEQUENCES,
    "seed": SEED,
    "repetition_penalty": REPETITION_PENALTY,
    "no_repeat_ngram_size": NO_REPEAT_NGRAM_SIZE,
    "max_length": MAX_LENGTH,
    "num_beams": NUM_BEAMS,
}
_INT_FIELDS = ("top_k", "max_new_tokens", "num_return_sequences", "seed",
               "no_repeat_ngram_size", "max_length", "num_beams")


@dataclass(frozen=True)
class GenerationSettings:
    """Everything that decides which tokens are generated, checked once at construction.

    do_sample: False = greedy (always the most likely token); True = draw from the filtered
        distribution.
    temperature: (0, 10]; 1 = unchanged. Ignored by greedy decoding.
    top_p: (0, 1]; 1 = off.   top_k: [0, 10000]; 0 = off.
    min_p: [0, 1]; 0 = off.   epsilon_cutoff: [0, 1); 0 = off.
    max_new_tokens: [1, 2048] tokens after the prompt.
    num_return_sequences: [1, 16] samples; must be 1 for greedy decoding.
    seed: [0, 2**31-1]; sample i is drawn with its own generator seeded ``seed + i``.
    repetition_penalty: (0, 10]; 1 = off. Each token id already in the prompt or the generated
        text has its logit divided by it (multiplied when negative), before temperature, as
        transformers' RepetitionPenaltyLogitsProcessor does. Greedy decoding uses it too.
    no_repeat_ngram_size: [0, 20]; 0 = off. A token that would complete an n-gram already in
        the prompt + generated text is banned (NoRepeatNGramLogitsProcessor). Greedy too.
    max_length: [0, 4096] tokens, prompt included; 0 = off (max_new_tokens decides). When on,
        it replaces max_new_tokens: the row may add ``max_length - prompt tokens`` tokens.
    num_beams: [1, 16]; 1 = off. Beam search (greedy only, one returned text); it runs as
        transformers' generate on the model's owner thread, outside the batched decode step.
    early_stopping: with beam search, stop as soon as ``num_beams`` finished candidates
        exist (transformers' ``early_stopping=True``); ignored without beams.
    """

    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    min_p: float = 0.0
    epsilon_cutoff: float = 0.0
    max_new_tokens: int = 64
    num_return_sequences: int = 1
    seed: int = 0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    max_length: int = 0
    num_beams: int = 1
    early_stopping: bool = False

    def __post_init__(self) -> None:
        problems = []
        for name, rng in RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"{name} must be a number, got {value!r}")
                continue
            # is_integer(), not float(v) != int(v): 10**20 is whole even though float rounds it
            if name in _INT_FIELDS and isinstance(value, float) and not value.is_integer():
                problems.append(f"{name} must be a whole number, got {value}")
                continue
            if not rng.contains(float(value)):
                if name == "temperature" and value == 0 and self.do_sample:
                    continue  # explained below, in words that say what to do instead
                if name == "temperature" and not self.do_sample:
                    continue  # greedy ignores temperature, 0 included
                problems.append(f"{name} must be in {rng.describe()}, got {_num(value)}")
        if self.do_sample and self.temperature == 0:
            problems.append(
                "temperature 0 means always taking the most likely token: "
                "choose greedy decoding instead of sampling")
        if not self.do_sample and self.num_return_sequences > 1:
            problems.append(
                f"greedy decoding gives the same text every time, so num_return_sequences "
                f"must be 1 (got {self.num_return_sequences}); turn on sampling for "
                f"different samples")
        beams = self.num_beams if isinstance(self.num_beams, (int, float)) else 1
        if beams > 1 and self.do_sample:
            problems.append(
                f"beam search here is deterministic: num_beams {self.num_beams} needs greedy "
                f"decoding; turn off sampling, or set num_beams to 1")
        if not isinstance(self.early_stopping, bool):
            problems.append(f"early_stopping must be true or false, got {self.early_stopping!r}")
        if problems:
            raise SettingsError(problems)
        for name in _INT_FIELDS:  # 3.0 from a widget becomes 3
            object.__setattr__(self, name, int(getattr(self, name)))

    # -- conveniences -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GenerationSettings":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise SettingsError([f"unknown setting {u!r}" for u in unknown])
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> "GenerationSettings":
        return dataclasses.replace(self, **changes)

    def row_seeds(self) -> list[int]:
        """The seed of each returned sequence (sample i uses ``seed + i``)."""
        return [self.seed + i for i in range(self.num_return_sequences)]

    @classmethod
    def transformers_defaults(cls, **changes: Any) -> "GenerationSettings":
        """The pages' and the CLI's start: transformers' defaults where it applies them
        (top_k 50 once sampling is on; greedy decoding ignores it)."""
        return cls(**{"top_k": TRANSFORMERS_TOP_K, **changes})

    def new_tokens_for(self, prompt_tokens: int) -> int:
        """How many tokens a row may add after a prompt of ``prompt_tokens`` tokens:
        ``max_length - prompt_tokens`` when max_length is on (at least 0), else
        ``max_new_tokens``."""
        if self.max_length > 0:
            return max(self.max_length - prompt_tokens, 0)
        return self.max_new_tokens

    def length_problem(self, prompt_tokens: int, most: int) -> str | None:
        """Why max_length does not fit a prompt of ``prompt_tokens`` tokens (it must leave 1 to
        ``most`` new tokens), or None."""
        new = self.new_tokens_for(prompt_tokens)
        if not self.max_length or 0 < new <= most:
            return None
        return (f"the prompt has {prompt_tokens} tokens, so max_length {self.max_length} "
                f"leaves {new} new tokens; it must leave 1 to {most}")

    def for_prompt(self, prompt_tokens: int) -> "GenerationSettings":
        """A row's settings once its prompt is known: max_length becomes the max_new_tokens
        it leaves (the decode step counts new tokens). Unchanged without max_length."""
        if not self.max_length:
            return self
        return self.replace(max_new_tokens=self.new_tokens_for(prompt_tokens), max_length=0)

    def uses_history(self) -> bool:
        """True when a row's next token depends on its earlier tokens beyond the model
        (repetition_penalty or no_repeat_ngram_size is on)."""
        return self.repetition_penalty != 1 or self.no_repeat_ngram_size > 0

    def generate_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for transformers' ``generate`` that mean the same thing.

        Only filters that are on are listed, so the code shown to participants stays short.
        """
        kwargs: dict[str, Any] = ({"max_length": self.max_length} if self.max_length > 0 else
                                  {"max_new_tokens": self.max_new_tokens})
        kwargs["do_sample"] = self.do_sample
        if self.num_beams > 1:
            kwargs["num_beams"] = self.num_beams
            if self.early_stopping:
                kwargs["early_stopping"] = True
        if self.repetition_penalty != 1:
            kwargs["repetition_penalty"] = self.repetition_penalty
        if self.no_repeat_ngram_size > 0:
            kwargs["no_repeat_ngram_size"] = self.no_repeat_ngram_size
        if not self.do_sample:
            return kwargs
        kwargs["temperature"] = self.temperature
        kwargs["top_k"] = self.top_k  # transformers' default is 50, so 0 must be explicit
        kwargs["top_p"] = self.top_p
        if self.min_p > 0:
            kwargs["min_p"] = self.min_p
        if self.epsilon_cutoff > 0:
            kwargs["epsilon_cutoff"] = self.epsilon_cutoff
        return kwargs

    def label(self) -> str:
        """A short human label, e.g. ``greedy`` or ``T=0.8 top_p=0.9``."""
        extra = []
        if self.repetition_penalty != 1:
            extra.append(f"rep={self.repetition_penalty:g}")
        if self.no_repeat_ngram_size:
            extra.append(f"no_repeat={self.no_repeat_ngram_size}")
        if self.num_beams > 1:
            return " ".join([f"beams={self.num_beams}"] + extra)
        if not self.do_sample:
            return " ".join(["greedy"] + extra)
        parts = [f"T={self.temperature:g}"]
        if self.top_k:
            parts.append(f"top_k={self.top_k}")
        if self.top_p < 1:
            parts.append(f"top_p={self.top_p:g}")
        if self.min_p:
            parts.append(f"min_p={self.min_p:g}")
        if self.epsilon_cutoff:
            parts.append(f"eps={self.epsilon_cutoff:g}")
        return " ".join(parts + extra)
