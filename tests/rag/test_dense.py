"""Local documents ranked by BM25, by the resident model's vectors, and by both (RRF)."""

import pytest

from playground.errors import DocumentError
from playground.rag import dense
from playground.rag.documents import pasted

DOC = pasted("""Dragons are large mythical reptiles that breathe fire and hoard gold in caves.

The Eiffel Tower is a wrought-iron tower in Paris, completed in 1889 for the World's Fair.

Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar and oxygen.

BM25 is a ranking function used by search engines; rare shared words count more.

Mount Fuji is the highest mountain in Japan, at 3,776 metres, and last erupted in 1707.

Cats sleep for twelve to sixteen hours a day and are most active at dawn and dusk.""")


def test_reciprocal_rank_fusion_on_tiny_rankings():
    scores = dense.fuse([[1, 2, 3], [3, 1]], k=1)
    assert scores == pytest.approx({1: 1 / 2 + 1 / 3, 2: 1 / 3, 3: 1 / 4 + 1 / 2})


def test_three_rankings_side_by_side_on_the_embedded_model(smol):
    c = dense.compare(smol, "How do leaves make food from light?", [DOC], max_words=25)
    assert c.embedded == c.total == 6 and c.layer == c.layers == 30
    assert sorted(r.hybrid_rank for r in c.rows) == list(range(1, 7))
    assert sorted(r.dense_rank for r in c.rows) == list(range(1, 7))
    assert [r.hybrid_rank for r in c.rows] == list(range(1, 7))  # listed in hybrid order
    # no word in common with any passage: BM25 ranks nothing, the vectors still rank all,
    # and here they find the photosynthesis passage (measured; a weak retriever in general)
    assert all(r.bm25_rank is None for r in c.rows)
    best = min(c.rows, key=lambda r: r.dense_rank)
    assert best.chunk.text.startswith("Photosynthesis")
    c = dense.compare(smol, "How high is Mount Fuji in Japan?", [DOC], max_words=25)
    assert c.rows[0].bm25_rank == 1 and c.rows[0].chunk.text.startswith("Mount Fuji")


def test_no_documents_or_question_is_a_clear_error(smol):
    with pytest.raises(DocumentError, match="no documents"):
        dense.compare(smol, "anything", [])
    with pytest.raises(DocumentError, match="question"):
        dense.compare(smol, "  ", [DOC])
