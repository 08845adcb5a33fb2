"""Hidden states and sentence vectors: what ``output_hidden_states=True`` returns, shaped as
the notes print it, and one vector for a whole text.

A sentence vector here is either the mean over the text's tokens of one layer's hidden state
(``hidden_states[layer][0, start:].mean(dim=0)``; an added BOS token is left out: in many
decoders its state is huge and would dominate the mean) or the last token's state (the one a
decoder predicts the next token from).

Package ``playground.inside``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.errors import InsideError
from playground.inside.forward import Pass, check_layer, run

POOLING = ("mean", "last")


def check_pooling(pooling: str) -> str:
    if pooling not in POOLING:
        raise InsideError(f"pooling must be one of {', '.join(POOLING)}, got {pooling!r}",
                          key="inside.bad_pooling", params={"got": pooling})
    return pooling


def sentence_vector(p: Pass, layer: int, pooling: str = "mean") -> torch.Tensor:
    """One vector ``[hidden_size]`` for the whole text from ``layer`` (0 = the embeddings)."""
    layer = check_layer(layer, p.layers)
    states = p.hidden[layer][0]               # [tokens, hidden_size]
    if check_pooling(pooling) == "last":
        return states[-1]
    return states[p.text_start:].mean(dim=0)  # mean over tokens (dim 0 of [tokens, hidden])


def all_layer_vectors(p: Pass, pooling: str = "mean") -> torch.Tensor:
    """``[layers + 1, hidden_size]``: the sentence vector of every layer."""
    return torch.stack([sentence_vector(p, i, pooling) for i in range(p.layers + 1)])


@dataclass(frozen=True)
class HiddenView:
    tokens: list[str]
    ids: list[int]
    layers: int                   # decoder layers (hidden_states has layers + 1 entries)
    hidden_size: int
    layer: int
    pooling: str
    shapes: dict[str, list[int]]  # what the notes print: last_hidden_state.shape, ...
    token_norms: list[float]      # hidden_states[layer][0].norm(dim=-1): one length per token
    vector: list[float]           # the sentence vector (hidden_size numbers)
    vector_norm: float
    dim_demo: list[dict]          # expression, shape, what it means, a few real values
    layer_norms: list[float]      # the mean token length at each layer (how states grow)


def hidden_view(loaded, text: str, layer: int = -1, pooling: str = "mean") -> HiddenView:
    """Shapes, per-token lengths and the sentence vector of ``text`` at ``layer``."""
    check_pooling(pooling)
    return view_of(run(loaded, text), layer, pooling)


def view_of(p: Pass, layer: int = -1, pooling: str = "mean") -> HiddenView:
    """The same from a pass already made (the page shares one pass among its views)."""
    check_pooling(pooling)
    layer = check_layer(layer, p.layers)
    h = p.hidden[layer]                                   # [1, tokens, hidden_size]
    vec = sentence_vector(p, layer, pooling)
    probs = torch.softmax(p.logits[0, -1], dim=-1)
    t, d = h.shape[1], h.shape[2]
    norms = h[0].norm(dim=-1)
    demo = [
        {"kind": "tensor", "expr": f"hidden_states[{layer}]", "shape": list(h.shape),
         "means": "batch, tokens, hidden_size", "values": [round(float(x), 4) for x in h[0, -1, :4]]},
        {"kind": "norm", "expr": f"hidden_states[{layer}].norm(dim=-1)", "shape": list(h.norm(dim=-1).shape),
         "means": "dim=-1 is the last axis (hidden_size): one length per token",
         "values": [round(float(x), 2) for x in norms[:8]]},
        {"kind": "mean", "expr": f"hidden_states[{layer}][0, {p.text_start}:].mean(dim=0)", "shape": [d],
         "means": "the mean over tokens: one vector for the text", "values":
         [round(float(x), 4) for x in h[0, p.text_start:].mean(dim=0)[:4]]},
        {"kind": "softmax", "expr": "torch.softmax(logits[0, -1], dim=-1).sum()", "shape": [],
         "means": "dim=-1 of logits is the vocabulary: probabilities over every token",
         "values": [round(float(probs.sum()), 4)]},
    ]
    shapes = {
        "input_ids.shape": [1, t],
        "last_hidden_state.shape": list(p.hidden[-1].shape),
        "len(hidden_states)": [len(p.hidden)],
        f"hidden_states[{layer}].shape": list(h.shape),
        # what model(input_ids) returns; the pass itself computes only the last row
        # (logits_to_keep=1), the one the next token is drawn from
        "logits.shape": [1, t, p.logits.shape[-1]],
    }
    return HiddenView(
        tokens=p.tokens, ids=p.ids, layers=p.layers, hidden_size=d, layer=layer,
        pooling=pooling, shapes=shapes, token_norms=[round(float(x), 3) for x in norms],
        vector=[float(x) for x in vec], vector_norm=float(vec.norm()), dim_demo=demo,
        layer_norms=[float(s[0, p.text_start:].norm(dim=-1).mean()) for s in p.hidden])
