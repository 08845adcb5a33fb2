"""Sentence vectors compared: a cosine-similarity matrix and a 2-D map (PCA), at every layer.

A 135M or 270M decoder is not an embedding model: it was trained to predict the next token,
never to put texts that mean the same close together. Its mean-pooled states are all similar
(cosines near 1: every state shares a few large directions), so ``center=True`` subtracts the
sentences' mean vector first, which shows the differences among these sentences better. An
embedding model (sentence-transformers, E5, ...) is what retrieval should use.

Package ``playground.inside``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.errors import InsideError
from playground.inside.forward import MAX_CHARS, check_layer, run_batch
from playground.inside.hidden import check_pooling

MIN_SENTENCES, MAX_SENTENCES = 2, 16
MAX_SENTENCE_CHARS = 500

EXAMPLES_EN = [
    "The cat sat on the mat.",
    "A kitten is sleeping on the rug.",
    "Dogs love to play fetch in the park.",
    "The stock market fell sharply today.",
    "Investors sold shares after the news.",
    "猫がマットの上に座っている。",
]
EXAMPLES_JA = [
    "猫がマットの上に座っている。",
    "子猫がじゅうたんの上で眠っている。",
    "犬は公園でボール遊びが大好きだ。",
    "今日、株価が大きく下がった。",
    "ニュースを受けて投資家が株を売った。",
    "The cat sat on the mat.",
]


def check_sentences(sentences) -> list[str]:
    if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
        raise InsideError("sentences must be a list of strings", key="inside.bad_sentences")
    kept = [s.strip() for s in sentences if s.strip()]
    if not MIN_SENTENCES <= len(kept) <= MAX_SENTENCES:
        raise InsideError(f"give {MIN_SENTENCES} to {MAX_SENTENCES} non-empty sentences, got "
                          f"{len(kept)}", key="inside.sentence_count",
                          params={"low": MIN_SENTENCES, "high": MAX_SENTENCES, "got": len(kept)})
    long = [s for s in kept if len(s) > min(MAX_SENTENCE_CHARS, MAX_CHARS)]
    if long:
        raise InsideError(f"each sentence may have at most {MAX_SENTENCE_CHARS} characters",
                          key="inside.sentence_long", params={"limit": MAX_SENTENCE_CHARS})
    return kept


def cosine_matrix(vectors: torch.Tensor) -> torch.Tensor:
    """``[n, n]`` cosine similarities of the rows of ``vectors`` ``[n, d]``."""
    unit = torch.nn.functional.normalize(vectors.float(), dim=-1)  # each row to length 1
    return unit @ unit.T


def pca_2d(vectors: torch.Tensor) -> tuple[torch.Tensor, list[float]]:
    """(``[n, 2]`` coordinates on the first two principal components, the share of the
    variance each explains). An SVD of the centered rows; signs fixed so the largest
    coordinate of each axis is positive (the map does not flip between layers)."""
    x = vectors.float() - vectors.float().mean(dim=0, keepdim=True)
    u, s, _ = torch.linalg.svd(x, full_matrices=False)
    coords = u[:, :2] * s[:2]
    if coords.shape[1] < 2:  # two sentences: one axis only
        coords = torch.cat([coords, torch.zeros(coords.shape[0], 2 - coords.shape[1])], dim=1)
    for k in range(2):
        j = int(coords[:, k].abs().argmax())
        if coords[j, k] < 0:
            coords[:, k] = -coords[:, k]
    var = s.pow(2)
    share = (var / var.sum()).tolist() if float(var.sum()) > 0 else [0.0] * len(var)
    return coords, (share + [0.0, 0.0])[:2]


@dataclass(frozen=True)
class Similarity:
    sentences: list[str]
    layers: int
    pooling: str
    center: bool
    vectors: torch.Tensor   # [layers + 1, n, hidden_size]

    def matrix(self, layer: int) -> list[list[float]]:
        v = self._at(layer)
        return [[round(float(x), 4) for x in row] for row in cosine_matrix(v)]

    def pca(self, layer: int) -> tuple[list[list[float]], list[float]]:
        coords, share = pca_2d(self.vectors[check_layer(layer, self.layers)])
        return [[float(a), float(b)] for a, b in coords], share

    def _at(self, layer: int) -> torch.Tensor:
        v = self.vectors[check_layer(layer, self.layers)]
        return v - v.mean(dim=0, keepdim=True) if self.center else v


def similarity(loaded, sentences: list[str], pooling: str = "mean",
               center: bool = False) -> Similarity:
    """Every sentence's vector at every layer (one batched forward pass; the same vectors as
    ``hidden.sentence_vector`` of each sentence's own pass, up to rounding)."""
    kept = check_sentences(sentences)
    check_pooling(pooling)
    hidden, lengths, starts = run_batch(loaded, kept)  # one pass for all the sentences
    vectors = torch.stack([
        torch.stack([h[i, lengths[i] - 1] if pooling == "last" else
                     h[i, starts[i]:lengths[i]].mean(dim=0) for i in range(len(kept))])
        for h in hidden])                                  # [layers + 1, n, hidden_size]
    return Similarity(kept, vectors.shape[0] - 1, pooling, center, vectors)
