"""The Inside page's similarity heatmap: every sentence named on both axes."""

import torch

from playground.inside.similarity import Similarity
from playground.ui.inside_view import similarity_heatmap


def test_every_column_of_the_similarity_heatmap_keeps_its_label():
    sentences = [f"Sentence number {i} is rather long, long enough to overlap" for i in range(6)]
    s = Similarity(sentences, layers=1, pooling="mean", center=False,
                   vectors=torch.randn(2, 6, 8, generator=torch.Generator().manual_seed(0)))
    spec = similarity_heatmap(s, 1).to_dict()
    x = spec["layer"][0]["encoding"]["x"]
    # numbers across the top, never hidden for overlapping (slanted names were: only 1 and 6)
    assert x["sort"] == ["1", "2", "3", "4", "5", "6"] and x["axis"]["labelOverlap"] is False
    rows = spec["layer"][0]["encoding"]["y"]["sort"]
    assert [r.split(".")[0] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    data = next(iter(spec["datasets"].values()))
    assert {d["column"] for d in data} == set(x["sort"]) and len(data) == 36
