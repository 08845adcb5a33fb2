"""The logit lens: the final norm and the LM head applied to every layer's hidden state, so
each layer gets its own "most likely next token" at each position.

transformers returns the last hidden state after the final norm already, so the last layer
goes through the LM head alone (normalizing twice would change it); its distribution is then
exactly the model's own next-token distribution (a test checks). Gemma-2-style final logit
soft-capping is applied where the configuration has it, as the model does.

Package ``playground.inside``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.errors import InsideError
from playground.inside.forward import Pass, run
from playground.inside.twin import locked, turn, twin_of
from playground.serving.steps import readable_token

LAST_POSITIONS = 8  # the page's default: the lens of the last 8 positions (about 1 s here)
# multiply-adds of the LM-head products the default may cost: SmolLM2's 31 x 8 rows of
# 49,152 x 576; gemma-3-270m's vocabulary is 5.3 times larger, so it starts on 2 positions
LENS_BUDGET = 7.5e9


def default_positions(loaded) -> int:
    """How many last positions the page starts with for this model (1..LAST_POSITIONS)."""
    cfg = twin_of(loaded).config
    per_row = (cfg.num_hidden_layers + 1) * cfg.vocab_size * cfg.hidden_size
    return max(1, min(LAST_POSITIONS, int(LENS_BUDGET // per_row)))


@dataclass(frozen=True)
class Cell:
    id: int
    token: str      # readable (spaces and newlines visible)
    raw: str        # the decoded text itself
    prob: float     # its probability at this layer
    answer_prob: float  # the probability this layer gives the final layer's token


@dataclass(frozen=True)
class Lens:
    tokens: list[str]          # the input tokens (readable)
    positions: list[int]       # which input positions the grid covers
    grid: list[list[Cell]]     # [layer 0..layers][position]: layer 0 = the embeddings
    first_correct: list[int | None]  # per position: first layer whose top token is the final one

    @property
    def layers(self) -> int:
        return len(self.grid) - 1


def _final_norm(model):
    base = getattr(model, "base_model", None) or getattr(model, "model", None)
    for name in ("norm", "final_layernorm", "ln_f"):
        norm = getattr(base, name, None)
        if norm is not None:
            return norm
    raise InsideError("cannot apply the logit lens to this model: no final norm found",
                      key="inside.no_norm")


def layer_logits(model, p: Pass, layer: int, positions: list[int]) -> torch.Tensor:
    """``[len(positions), vocab]`` float32 logits the LM head gives ``layer``'s states."""
    h = p.hidden[layer][0, positions].to(model.dtype)
    if layer < p.layers:  # the last one is already normalized (transformers' hidden_states)
        h = _final_norm(model)(h)
    logits = model.get_output_embeddings()(h).float()
    cap = getattr(model.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return logits


CHUNK_ROWS = 128  # layer x position rows per LM-head product (one large product is faster)


def lens_of(loaded, p: Pass, positions: list[int] | None = None) -> Lens:
    model = twin_of(loaded)
    positions = list(range(len(p.ids))) if positions is None else positions
    n = len(positions)
    with turn(), torch.inference_mode():
        # every layer's states at the chosen positions, normalized as the final norm does (the
        # last layer's already are), in one [layers x positions, hidden] matrix
        h = torch.cat([p.hidden[layer][0, positions] for layer in range(p.layers + 1)])
        h = h.to(model.dtype)
        h = torch.cat([_final_norm(model)(h[:-n]), h[-n:]])
        head = model.get_output_embeddings()
        cap = getattr(model.config, "final_logit_softcapping", None)

        def logits_of(rows: torch.Tensor) -> torch.Tensor:
            logits = head(rows).float()
            return torch.tanh(logits / cap) * cap if cap else logits

        finals = logits_of(h[-n:]).argmax(dim=-1)  # the model's own answer at each position
        best, top, answer = [], [], []
        for start in range(0, h.shape[0], CHUNK_ROWS):
            logits = logits_of(h[start:start + CHUNK_ROWS])
            z = torch.logsumexp(logits, dim=-1)  # log of softmax's denominator
            value, index = logits.max(dim=-1)
            best.append(torch.exp(value - z))
            top.append(index)
            wanted = finals[torch.arange(start, start + logits.shape[0]) % n]
            answer.append(torch.exp(logits.gather(1, wanted[:, None])[:, 0] - z))
        top_all, best_all, answer_all = torch.cat(top), torch.cat(best), torch.cat(answer)
    tops = top_all.view(p.layers + 1, n).tolist()
    probs = best_all.view(p.layers + 1, n).tolist()
    answers = answer_all.view(p.layers + 1, n).tolist()
    ids = sorted({i for row in tops for i in row})
    with locked(loaded):
        shown = {i: readable_token(loaded.tokenizer, i) for i in ids}
        raw = {i: loaded.tokenizer.decode([i], skip_special_tokens=False,
                                          clean_up_tokenization_spaces=False) for i in ids}
    grid = [[Cell(i, shown[i], raw[i], round(b, 4), round(a, 4))
             for i, b, a in zip(row, brow, arow)]
            for row, brow, arow in zip(tops, probs, answers)]
    final = tops[-1]
    first = [next((layer for layer in range(len(tops)) if tops[layer][k] == final[k]), None)
             for k in range(n)]
    return Lens([p.tokens[k] for k in positions], positions, grid, first)


def last_positions(p: Pass, last: int | None) -> list[int] | None:
    if last is not None and (not isinstance(last, int) or last < 1):
        raise InsideError(f"positions must be a whole number of at least 1, got {last}",
                          key="inside.bad_positions", params={"got": last})
    n = len(p.ids)
    return list(range(max(0, n - last), n)) if last else None


def logit_lens(loaded, prompt: str, last: int | None = LAST_POSITIONS) -> Lens:
    """The lens over the ``last`` positions of ``prompt`` (1: only the next token; None: every
    position). Each position costs one LM-head product per layer (49,152 x 576 on SmolLM2,
    262,144 x 640 on gemma-3-270m), so the page starts with the last few."""
    p = run(loaded, prompt)
    return lens_of(loaded, p, last_positions(p, last))
