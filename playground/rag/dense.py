"""Local documents ranked three ways, side by side: BM25 (shared words), the resident model's
own sentence vectors (cosine of mean hidden states), and a hybrid of the two (reciprocal rank
fusion).

Honest label: the chat model is a small decoder, not an embedding model, so its vectors are a
weak retriever; this shows what "dense retrieval" means with the model in the room, next to a
keyword method that is hard to beat on small collections. The vectors are the mean of one
layer's hidden states over a passage's first ``DENSE_TOKENS`` tokens (every passage and the
question centred on the passages' mean), for at most ``MAX_DENSE_CHUNKS`` passages: on a 2-core
CPU each passage costs one pass of the model.

Package ``playground.rag``: may import ``inside``, ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.errors import DocumentError
from playground.inside.forward import run_batch
from playground.inside.twin import twin_of
from playground.rag.documents import CHUNK_WORDS, Chunk, Document, chunk, rank

MAX_DENSE_CHUNKS = 24
DENSE_TOKENS = 64
RRF_K = 60          # reciprocal rank fusion: score = sum of 1 / (RRF_K + rank)
BATCH = 8


@dataclass(frozen=True)
class Ranked:
    chunk: Chunk
    bm25_rank: int | None      # 1 = best; None: shares no word with the question
    bm25_score: float
    dense_rank: int
    cosine: float
    hybrid_rank: int
    hybrid_score: float


@dataclass(frozen=True)
class Comparison:
    rows: list[Ranked]         # in hybrid order
    layer: int
    layers: int
    embedded: int              # passages given a vector
    total: int                 # passages in the documents


def vectors(loaded, texts: list[str], layer: int) -> torch.Tensor:
    """``[len(texts), hidden_size]``: each text's mean hidden state at ``layer``."""
    out = []
    for start in range(0, len(texts), BATCH):
        hidden, lengths, starts = run_batch(loaded, texts[start:start + BATCH], DENSE_TOKENS)
        h = hidden[layer]
        out += [h[i, starts[i]:lengths[i]].mean(dim=0) for i in range(len(lengths))]
    return torch.stack(out)


def fuse(rankings: list[list[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion of several rankings (lists of item ids, best first)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for position, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + position)
    return scores


def compare(loaded, question: str, documents: list[Document], layer: int | None = None,
            max_words: int = CHUNK_WORDS) -> Comparison:
    """Every passage (up to ``MAX_DENSE_CHUNKS``) ranked by BM25, by vectors and by both."""
    if not question.strip():
        raise DocumentError("type a question to rank the passages for")
    chunks = [c for d in documents for c in chunk(d, max_words)]
    if not chunks:
        raise DocumentError("there are no documents yet: paste a text or upload a .txt or .md "
                            "file")
    total = len(chunks)
    chunks = chunks[:MAX_DENSE_CHUNKS]
    layers = int(twin_of(loaded).config.num_hidden_layers)  # a remote model: a clear error
    layer = layers if layer is None else layer
    with torch.inference_mode():
        v = vectors(loaded, [c.text for c in chunks] + [question], layer)
    v = v - v[:-1].mean(dim=0, keepdim=True)  # centred on the passages: see the docstring
    unit = torch.nn.functional.normalize(v, dim=-1)
    cos = (unit[:-1] @ unit[-1]).tolist()
    dense = sorted(range(len(chunks)), key=lambda i: -cos[i])
    index = {id(c): i for i, c in enumerate(chunks)}
    bm25 = [(index[id(c)], s) for c, s in rank(question, chunks, k=len(chunks))]
    bm25_order = [i for i, _ in bm25]
    bm25_score = dict(bm25)
    fused = fuse([bm25_order, dense])
    hybrid = sorted(range(len(chunks)), key=lambda i: -fused.get(i, 0.0))
    rows = [Ranked(chunks[i], bm25_order.index(i) + 1 if i in bm25_score else None,
                   round(bm25_score.get(i, 0.0), 3), dense.index(i) + 1, round(cos[i], 4),
                   r, round(fused.get(i, 0.0), 5)) for r, i in enumerate(hybrid, start=1)]
    return Comparison(rows, layer, layers, len(chunks), total)
