"""Settings side by side: one prompt, several decoding presets, n samples each, one request.

Every column goes to the generation service in ONE batched request, so six columns cost about
as much as one on a GPU, and each row keeps its own settings and seed (sample i of every
column uses seed + i). Per column: the samples, each sample's Self-BLEU against the others of
its column, the average, distinct-1/2 and the mean length.

Package ``playground.lab``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.lab import metrics
from playground.errors import SettingsError
from playground.serving.handles import GenerationRequest, GenerationResult, Prompt
from playground.serving.settings import GenerationSettings

# The tutorial's settings (section 1.1 and its notes). Values are GenerationSettings fields.
# The tutorial calls pipeline(..., do_sample=True, top_p=..., temperature=...) without top_k,
# so transformers' GenerationConfig default top_k=50 applied to every one of its runs: the
# presets named after them carry it too, so that they are the settings the tutorial ran.
TRANSFORMERS_DEFAULT_TOP_K = 50
TUTORIAL_TOP_K_NOTE = ("transformers applies top_k=50 unless told otherwise (the "
                       "GenerationConfig default): the tutorial's top_p/T runs never set it, "
                       "so their presets here carry top_k 50. Set top_k 0 to turn it off.")
_K = TRANSFORMERS_DEFAULT_TOP_K
PRESETS: dict[str, dict] = {
    "greedy": {"do_sample": False},
    "top_p 0.9 / T 0.8": {"do_sample": True, "top_p": 0.9, "temperature": 0.8, "top_k": _K},
    "top_p 0.1 / T 0.8": {"do_sample": True, "top_p": 0.1, "temperature": 0.8, "top_k": _K},
    "top_p 0.5 / T 0.1": {"do_sample": True, "top_p": 0.5, "temperature": 0.1, "top_k": _K},
    "top_p 0.5 / T 1.5": {"do_sample": True, "top_p": 0.5, "temperature": 1.5, "top_k": _K},
    "top_p 1.0 / T 10": {"do_sample": True, "top_p": 1.0, "temperature": 10.0, "top_k": _K},
    "top_k 3": {"do_sample": True, "top_k": 3},
    # pure sampling from the model's distribution: every filter explicitly off
    "ancestral (top_k 0, top_p 1, T 1)": {"do_sample": True, "top_k": 0, "top_p": 1.0,
                                          "temperature": 1.0},
    "epsilon 0.02": {"do_sample": True, "epsilon_cutoff": 0.02},
}
TUTORIAL_PRESETS = tuple(n for n, v in PRESETS.items() if v.get("top_k") == _K)
# What the page shows first: from "all the same" to "falls apart", as in the tutorial.
DEFAULT_COLUMNS = ("greedy", "top_p 0.1 / T 0.8", "top_p 0.5 / T 0.1", "top_p 0.9 / T 0.8",
                   "top_p 0.5 / T 1.5", "top_p 1.0 / T 10")
MIN_COLUMNS, MAX_COLUMNS = 2, 6
FILTER_FIELDS = ("do_sample", "temperature", "top_p", "top_k", "min_p", "epsilon_cutoff")


def preset(name: str) -> dict:
    """The filter values of a preset (a copy), e.g. ``preset("top_k 3")``."""
    if name not in PRESETS:
        raise SettingsError([f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}"])
    return dict(PRESETS[name])


@dataclass(frozen=True)
class Column:
    """One column of the comparison: a label and its filter settings."""

    label: str
    settings: GenerationSettings  # num_return_sequences / seed / max_new_tokens are set by
    #                               build_request, so every column shares them


@dataclass
class ColumnResult:
    label: str
    settings: GenerationSettings
    texts: list[str]
    tokens: list[int]             # new tokens of each sample
    self_bleu: list[float]        # per sample, 0-100 (empty for fewer than 2 samples)
    finish_reasons: list[str | None]

    @property
    def self_bleu_avg(self) -> float | None:
        return sum(self.self_bleu) / len(self.self_bleu) if self.self_bleu else None

    @property
    def distinct_1(self) -> float | None:
        return metrics.distinct_n(self.texts, 1)

    @property
    def distinct_2(self) -> float | None:
        return metrics.distinct_n(self.texts, 2)

    @property
    def mean_words(self) -> float | None:
        return metrics.mean_length(self.texts)

    @property
    def tokenization(self) -> str:
        """How Self-BLEU and distinct-n split these texts: "ja-mecab" or "13a"."""
        return metrics.tokenization(self.texts)

    @property
    def mean_tokens(self) -> float | None:
        return sum(self.tokens) / len(self.tokens) if self.tokens else None

    def summary(self) -> dict:
        """One table row (plain numbers, rounded for display)."""
        def r(x, nd):
            return None if x is None else round(x, nd)
        return {"column": self.label, "settings": self.settings.label(),
                "Self-BLEU (avg, 0-100)": r(self.self_bleu_avg, 2),
                "distinct-1": r(self.distinct_1, 3), "distinct-2": r(self.distinct_2, 3),
                "mean length (words)": r(self.mean_words, 1),
                "mean length (tokens)": r(self.mean_tokens, 1),
                "tokenization": self.tokenization}


def column_settings(values: dict, n: int, seed: int, max_new_tokens: int) -> GenerationSettings:
    """Checked settings for one column. Greedy columns keep num_return_sequences 1 (greedy
    gives one text); ``build_request`` repeats them ``n`` times instead."""
    fields = {k: v for k, v in values.items() if k in FILTER_FIELDS}
    sampling = bool(fields.get("do_sample", False))
    return GenerationSettings(**fields, num_return_sequences=n if sampling else 1, seed=seed,
                              max_new_tokens=max_new_tokens)


def build_request(prompt: Prompt, columns: list[Column], n: int,
                  stop_strings: tuple[str, ...] = ()) -> tuple[GenerationRequest, list[int]]:
    """One request for every column, and the column of each of its rows (in row order).

    A greedy column becomes ``n`` one-sample variants: they are really generated, so its
    Self-BLEU of 100 is measured, not assumed.
    """
    if not MIN_COLUMNS <= len(columns) <= MAX_COLUMNS:
        raise SettingsError([f"compare {MIN_COLUMNS} to {MAX_COLUMNS} columns, "
                             f"got {len(columns)}"])
    variants, owner = [], []
    for c, column in enumerate(columns):
        s = column.settings
        copies = 1 if s.do_sample else n
        variants += [s] * copies
        owner += [c] * (s.num_return_sequences * copies)
    request = GenerationRequest(prompts=(prompt,), variants=tuple(variants),
                                stop_strings=tuple(stop_strings))
    return request, owner


def column_texts(texts: list[str], owner: list[int], n_columns: int) -> list[list[str]]:
    """Split the rows' texts (in row order) into one list per column."""
    out: list[list[str]] = [[] for _ in range(n_columns)]
    for text, c in zip(texts, owner):
        out[c].append(text)
    return out


def summarize(result: GenerationResult, columns: list[Column], owner: list[int],
              self_bleu_mode: str = metrics.DEFAULT_SELF_BLEU_MODE,
              prompt: Prompt | None = None) -> list[ColumnResult]:
    """Per-column texts and metrics of a finished (or stopped) request.

    ``self_bleu_mode="tutorial"`` scores each sample as the tutorial does, on prompt +
    continuation (``prompt``'s ``pipeline_prefix``); "all-others" on the continuation only.
    """
    metrics.check_mode(self_bleu_mode)
    prefix = metrics.pipeline_prefix(prompt) if (prompt is not None and
                                                 self_bleu_mode == "tutorial") else ""
    out = []
    for c, column in enumerate(columns):
        samples = [s for s, o in zip(result.samples, owner) if o == c]
        texts = [s.text for s in samples]
        out.append(ColumnResult(label=column.label, settings=column.settings, texts=texts,
                                tokens=[s.n_tokens for s in samples],
                                self_bleu=metrics.self_bleu_scores(
                                    metrics.with_prompt(texts, prefix), mode=self_bleu_mode),
                                finish_reasons=[s.finish_reason for s in samples]))
    return out


def run(loaded, prompt: Prompt, columns: list[Column], n: int,
        timeout: float | None = None,
        self_bleu_mode: str = metrics.DEFAULT_SELF_BLEU_MODE) -> list[ColumnResult]:
    """Blocking form for the CLI and tests: submit one request, wait, summarize."""
    metrics.check_mode(self_bleu_mode)
    request, owner = build_request(prompt, columns, n)
    result = loaded.service.submit(request).result(timeout=timeout)
    return summarize(result, columns, owner, self_bleu_mode, prompt)
