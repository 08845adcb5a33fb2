"""Text metrics: how alike a set of samples is (Self-BLEU, distinct-n) and how long they are.

A plain module of functions so that other lessons can add theirs (chrF, BLEU against a
reference, perplexity) beside these. Scores follow sacrebleu's conventions: 0-100.

Package ``playground.lab``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import sacrebleu


def self_bleu_scores(texts: list[str]) -> list[float]:
    """Self-BLEU of each text, 0-100: its corpus BLEU against all the other texts as references.

    Higher means the sample repeats what the others say (100 = identical to another sample);
    lower means the set is more diverse (Zhu et al., 2018, as the tutorial uses it).
    Needs at least two texts; with fewer there is nothing to compare against and the result is
    an empty list.

    Why ``[[r] for r in others]``: sacrebleu's ``references`` is a list of reference *streams*,
    each holding one reference per hypothesis. Passing ``[others]`` (one stream with several
    items for a single hypothesis) makes sacrebleu zip the hypotheses with that stream, so only
    the first other sample would ever be used. One stream per other sample gives the intended
    multi-reference BLEU against every other sample.
    """
    texts = [t.strip() for t in texts]
    if len(texts) < 2:
        return []
    scores = []
    for i, hypothesis in enumerate(texts):
        others = texts[:i] + texts[i + 1:]
        scores.append(float(sacrebleu.corpus_bleu([hypothesis], [[r] for r in others]).score))
    return scores


def self_bleu(texts: list[str]) -> float | None:
    """Average Self-BLEU of a set of samples (0-100), or None for fewer than two samples."""
    scores = self_bleu_scores(texts)
    return sum(scores) / len(scores) if scores else None


def _words(text: str) -> list[str]:
    return text.split()


def distinct_n(texts: list[str], n: int) -> float | None:
    """Distinct-n, 0-1: distinct word n-grams / all word n-grams over every text (Li et al.,
    2016). 1 = no n-gram repeats anywhere; near 0 = the same phrases again and again.
    None when the texts hold no n-gram at all (e.g. all empty)."""
    if n < 1:
        raise ValueError(f"n must be a positive whole number, got {n}")
    grams = []
    for text in texts:
        words = _words(text)
        grams.extend(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    return len(set(grams)) / len(grams) if grams else None


def mean_length(texts: list[str]) -> float | None:
    """Average length in words (whitespace-separated), or None for no texts."""
    return sum(len(_words(t)) for t in texts) / len(texts) if texts else None


# -- agreement with a reference output (quantization comparison) ---------------------------

def chrf_vs(hypothesis: str, reference: str) -> float:
    """chrF of ``hypothesis`` against one ``reference`` (character n-grams), 0-100.

    Robust for short outputs and any language, so it is the headline agreement number.
    """
    return float(sacrebleu.sentence_chrf(hypothesis, [reference]).score)


def bleu_vs(hypothesis: str, reference: str) -> float:
    """Sentence BLEU of ``hypothesis`` against one ``reference`` (word 1-4-grams), 0-100.

    Harsher than chrF: one changed word breaks up to four n-grams.
    """
    return float(sacrebleu.sentence_bleu(hypothesis, [reference]).score)


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
