"""Text metrics: how alike a set of samples is (Self-BLEU, distinct-n) and how long they are.

A plain module of functions so that other lessons can add theirs (chrF, BLEU against a
reference, perplexity) beside these. Scores follow sacrebleu's conventions: 0-100.

Tokenization is chosen from the text (``tokenize=None``): Japanese has no spaces, so sacrebleu's
default ``13a`` would count a whole Japanese sentence as one word (two identical sentences get
Self-BLEU 0 and distinct-2 has nothing to count). Text that is mostly Japanese is segmented
into morphemes with ``ja-mecab`` (MeCab + the IPA dictionary, from ``sacrebleu[ja]``); other
text uses ``13a`` for BLEU and whitespace words for distinct-n and lengths, as before.
``tokenization(texts)`` says which one a result used.

Package ``playground.lab``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import functools
import re
import threading

import sacrebleu
from sacrebleu.metrics import BLEU

from playground.errors import SettingsError

JA, DEFAULT = "ja-mecab", "13a"
TOKENIZATIONS = (DEFAULT, JA)
# hiragana, katakana (full and half width), CJK ideographs
_JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_JA_SHARE = 0.2  # of the non-space characters: above it the text is treated as Japanese
_mecab_lock = threading.Lock()  # one MeCab tagger for the process; parse one line at a time


def tokenization(texts: list[str] | str) -> str:
    """``"ja-mecab"`` when at least a fifth of the non-space characters are Japanese (kana or
    kanji), else ``"13a"``. Mixed text such as "ドラゴンの story" counts as Japanese."""
    joined = "".join(texts if isinstance(texts, list) else [texts])
    letters = len(joined) - sum(c.isspace() for c in joined)
    return JA if letters and len(_JAPANESE.findall(joined)) / letters >= _JA_SHARE else DEFAULT


def _resolve(texts, tokenize: str | None) -> str:
    if tokenize is None:
        return tokenization(texts)
    if tokenize not in TOKENIZATIONS:
        raise ValueError(f"tokenize must be one of {', '.join(TOKENIZATIONS)} or None, "
                         f"got {tokenize!r}")
    return tokenize


@functools.cache
def _mecab():
    from sacrebleu.tokenizers.tokenizer_ja_mecab import TokenizerJaMecab

    return TokenizerJaMecab()


def words(text: str, tokenize: str | None = None) -> list[str]:
    """The words distinct-n and lengths count: MeCab morphemes for Japanese, else whitespace
    words (so English results are what they always were)."""
    if _resolve(text, tokenize) == JA:
        with _mecab_lock:
            return _mecab()(text).split()
    return text.split()



SELF_BLEU_MODES = ("all-others", "tutorial")
DEFAULT_SELF_BLEU_MODE = "all-others"  # why this default: see ``self_bleu_scores``
SELF_BLEU_HELP = {
    "all-others": "each sample against all the other samples as references (Zhu et al.'s "
                  "Self-BLEU), on the generated text only",
    "tutorial": "as in the tutorial: sacrebleu.corpus_bleu([hyp], [others]) on prompt + "
                "continuation as pipeline returns them; sacrebleu reads [others] as ONE "
                "reference stream, so only the first other sample counts",
}


def check_mode(mode: str) -> str:
    """``mode`` if it is a Self-BLEU mode, else a ``SettingsError`` naming the choices."""
    if mode not in SELF_BLEU_MODES:
        raise SettingsError([f"Self-BLEU mode must be one of {', '.join(SELF_BLEU_MODES)}, "
                             f"got {mode!r}"])
    return mode


def with_prompt(texts: list[str], prompt: str | None) -> list[str]:
    """Each text as ``pipeline`` returns it: the prompt string, then the continuation
    (``return_full_text=True``, its default). ``prompt`` None or "" leaves the texts as they are."""
    return [prompt + t for t in texts] if prompt else list(texts)


def pipeline_prefix(prompt) -> str:
    """The prompt string ``pipeline`` would put before each output for a ``Prompt``: a raw
    prompt's text; for chat messages, the last user message, as if the learner had passed
    that string to ``pipeline`` the way the tutorial does (it applies no chat template)."""
    if getattr(prompt, "text", None) is not None:
        return prompt.text
    users = [m.get("content", "") for m in (prompt.messages or ()) if m.get("role") == "user"]
    return users[-1] if users else ""


def self_bleu_scores(texts: list[str], tokenize: str | None = None, *,
                     mode: str = DEFAULT_SELF_BLEU_MODE) -> list[float]:
    """Self-BLEU of each text, 0-100, scored as ``mode`` says.

    Higher means the sample repeats what the others say (100 = identical to another sample);
    lower means the set is more diverse. Needs at least two texts; with fewer there is nothing
    to compare against and the result is an empty list. Texts are stripped first, as the
    tutorial does.

    ``mode="all-others"`` (the default): corpus BLEU of the text against every other text as
    references, ``[[r] for r in others]``. sacrebleu's ``references`` is a list of reference
    *streams*, each holding one reference per hypothesis, so one stream per other sample gives
    the multi-reference BLEU that Self-BLEU (Zhu et al., 2018) means.

    ``mode="tutorial"``: the tutorial's exact call, ``corpus_bleu([hyp], [others])``. That is
    ONE stream with several items for a single hypothesis; sacrebleu pairs the hypothesis with
    the stream's first item, so only the first other sample is used. Give it the texts as the
    tutorial scores them (prompt included: see ``with_prompt``).

    Why all-others is the default: it is the metric the tutorial names (every other sample is
    a reference), its score does not depend on which sample happens to come first, and it
    does not count the prompt that every sample shares. The tutorial mode is there so that a
    learner can reproduce the tutorial's own numbers and see why they differ.

    ``tokenize``: ``"13a"``, ``"ja-mecab"``, or None to choose from the texts
    (``tokenization``); both modes segment the same way.
    """
    check_mode(mode)
    texts = [t.strip() for t in texts]
    if len(texts) < 2:
        return []
    tok = _resolve(texts, tokenize)
    bleu = BLEU(tokenize=tok)
    scores = []
    for i, hypothesis in enumerate(texts):
        others = texts[:i] + texts[i + 1:]
        refs = [others] if mode == "tutorial" else [[r] for r in others]
        if tok == JA:
            with _mecab_lock:  # sacrebleu's MeCab tokenizer shares one cache per process
                score = bleu.corpus_score([hypothesis], refs).score
        else:
            score = bleu.corpus_score([hypothesis], refs).score
        scores.append(float(score))
    return scores


def self_bleu(texts: list[str], tokenize: str | None = None, *,
              mode: str = DEFAULT_SELF_BLEU_MODE) -> float | None:
    """Average Self-BLEU of a set of samples (0-100), or None for fewer than two samples."""
    scores = self_bleu_scores(texts, tokenize=tokenize, mode=mode)
    return sum(scores) / len(scores) if scores else None


def distinct_n(texts: list[str], n: int, tokenize: str | None = None) -> float | None:
    """Distinct-n, 0-1: distinct word n-grams / all word n-grams over every text (Li et al.,
    2016). 1 = no n-gram repeats anywhere; near 0 = the same phrases again and again.
    None when the texts hold no n-gram at all (e.g. all empty). Words are ``words()``: MeCab
    morphemes for Japanese text (chosen over all the texts together), else whitespace words."""
    if n < 1:
        raise ValueError(f"n must be a positive whole number, got {n}")
    tok = _resolve(texts, tokenize)
    grams = []
    for text in texts:
        ws = words(text, tok)
        grams.extend(tuple(ws[i:i + n]) for i in range(len(ws) - n + 1))
    return len(set(grams)) / len(grams) if grams else None


def mean_length(texts: list[str], tokenize: str | None = None) -> float | None:
    """Average length in words (morphemes for Japanese, see ``words``), or None for no texts."""
    if not texts:
        return None
    tok = _resolve(texts, tokenize)
    return sum(len(words(t, tok)) for t in texts) / len(texts)


# -- agreement with a reference output (quantization comparison) ---------------------------

def chrf_vs(hypothesis: str, reference: str, tokenize: str | None = None) -> float:
    """chrF of ``hypothesis`` against one ``reference`` (character n-grams), 0-100.

    Robust for short outputs and any language, so it is the headline agreement number.
    Character n-grams need no word segmentation, so ``tokenize`` changes nothing here; it is
    accepted so that callers can pass the same choice to every metric.
    """
    _resolve([hypothesis, reference], tokenize)
    return float(sacrebleu.sentence_chrf(hypothesis, [reference]).score)


def bleu_vs(hypothesis: str, reference: str, tokenize: str | None = None) -> float:
    """Sentence BLEU of ``hypothesis`` against one ``reference`` (word 1-4-grams), 0-100.

    Harsher than chrF: one changed word breaks up to four n-grams. Japanese is segmented with
    MeCab (``tokenize=None`` chooses from both texts).
    """
    tok = _resolve([hypothesis, reference], tokenize)
    bleu = BLEU(tokenize=tok, effective_order=True)  # what sentence_bleu uses
    if tok == JA:
        with _mecab_lock:
            return float(bleu.sentence_score(hypothesis, [reference]).score)
    return float(bleu.sentence_score(hypothesis, [reference]).score)


def first_divergence(tokens, reference) -> int | None:
    """Index of the first token where two greedy outputs differ; None if they are identical.

    When one is a prefix of the other (one stopped earlier), they diverge where the shorter
    one ends.
    """
    for i, (a, b) in enumerate(zip(tokens, reference)):
        if a != b:
            return i
    return None if len(tokens) == len(reference) else min(len(tokens), len(reference))


def perplexity(model, token_ids) -> float:
    """exp(mean negative log-likelihood) of ``token_ids`` under ``model``, in [1, inf).

    One forward pass with the text as its own labels (each token predicted from the ones
    before it); needs at least 2 tokens. Lower = the text looks more natural to the model.
    """
    import math

    import torch

    if len(token_ids) < 2:
        raise ValueError(f"perplexity needs at least 2 tokens, got {len(token_ids)}")
    ids = torch.tensor([list(token_ids)], dtype=torch.long, device=model.device)
    with torch.inference_mode():
        loss = model(input_ids=ids, labels=ids).loss
    return float(math.exp(float(loss)))
