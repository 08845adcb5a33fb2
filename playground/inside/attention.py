"""Attention: how much each token (a row) takes from each earlier token (a column) in one
layer, for one head or averaged over the heads. Rows sum to 1; everything above the diagonal
is 0 (a decoder sees only the past). Needs eager attention (SDPA returns no weights): the
twin has it.

Package ``playground.inside``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.errors import InsideError
from playground.inside.forward import Pass, run


@dataclass(frozen=True)
class AttentionMap:
    tokens: list[str]
    layer: int               # 1..layers (a decoder layer; 0 has no attention)
    head: int | None         # None = the mean over the heads
    layers: int
    heads: int
    weights: list[list[float]]   # [query token][key token]
    strongest: list[int]     # per row: the column it attends to most


def attention_map(loaded, text: str, layer: int = 1, head: int | None = None) -> AttentionMap:
    return map_of(run(loaded, text, attentions=True), layer, head)


def map_of(p: Pass, layer: int = 1, head: int | None = None) -> AttentionMap:
    """The map from a pass made with ``attentions=True``."""
    layers, heads = len(p.attentions), p.attentions[0].shape[1]
    if not isinstance(layer, int) or not 1 <= layer <= layers:
        raise InsideError(f"layer must be in 1..{layers} for attention, got {layer}",
                          key="inside.bad_attention_layer", params={"layers": layers, "got": layer})
    if head is not None and (not isinstance(head, int) or not 0 <= head < heads):
        raise InsideError(f"head must be in 0..{heads - 1}, got {head}",
                          key="inside.bad_head", params={"high": heads - 1, "got": head})
    a = p.attentions[layer - 1][0]  # [heads, tokens, tokens]
    m = a.mean(dim=0) if head is None else a[head]
    return AttentionMap(p.tokens, layer, head, layers, heads,
                        [[round(float(x), 4) for x in row] for row in m],
                        [int(i) for i in m.argmax(dim=-1)])
