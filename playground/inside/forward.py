"""One forward pass on a resident model's twin: the tokens a raw prompt gets, every layer's
hidden state, and (when asked) every layer's attention weights.

The text is tokenized exactly as the Generate page tokenizes a raw prompt (the tokenizer's own
BOS where it adds one; a typed special-token string stays text), bounded to ``MAX_TOKENS``.

Package ``playground.inside``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.errors import InsideError, PromptError
from playground.inside.twin import locked, turn, twin_of
from playground.serving.chat import encode, render_raw
from playground.serving.steps import readable_token

MAX_TOKENS = 256     # longer texts are refused: a lens over 256 positions is unreadable anyway
MAX_CHARS = 4000     # checked before tokenizing


@dataclass
class Pass:
    """What one forward pass gives: ``hidden`` has ``layers + 1`` tensors of shape
    ``[1, tokens, hidden_size]`` (index 0: the embeddings; the last one after the final norm,
    as transformers returns it); ``attentions`` ``layers`` tensors ``[1, heads, tokens, tokens]``
    or None; ``logits`` ``[1, tokens, vocab]`` or ``[1, 1, vocab]`` (the last position only),
    float32."""

    ids: list[int]
    tokens: list[str]            # each token as a participant can read it
    text_start: int              # index of the first token of the text (1 after an added BOS)
    hidden: tuple[torch.Tensor, ...]
    attentions: tuple[torch.Tensor, ...] | None
    logits: torch.Tensor

    @property
    def layers(self) -> int:
        return len(self.hidden) - 1


def token_ids(loaded, text: str, allow_long: bool = False) -> tuple[list[int], int]:
    """(ids, index of the text's first token) for ``text`` as a raw prompt (``allow_long``:
    no limit on the count; the caller cuts)."""
    if not isinstance(text, str) or not text.strip():
        raise InsideError("the text is empty: type something to look at", key="inside.empty")
    if len(text) > MAX_CHARS and not allow_long:
        raise InsideError(f"the text is too long: at most {MAX_CHARS} characters, got "
                          f"{len(text)}", key="inside.too_long_chars",
                          params={"limit": MAX_CHARS, "got": len(text)})
    try:
        rendered = render_raw(text)
    except PromptError as err:
        raise InsideError(str(err), key="inside.empty") from None
    with locked(loaded):
        ids = list(encode(loaded.tokenizer, rendered))
        bare = loaded.tokenizer("", add_special_tokens=True)["input_ids"]
    if len(ids) > MAX_TOKENS and not allow_long:
        raise InsideError(f"the text is too long: at most {MAX_TOKENS} tokens, got {len(ids)}",
                          key="inside.too_long", params={"limit": MAX_TOKENS, "got": len(ids)})
    start = len(bare) if ids[:len(bare)] == bare and len(ids) > len(bare) else 0
    return ids, start


def readable(loaded, ids: list[int]) -> list[str]:
    with locked(loaded):
        return [readable_token(loaded.tokenizer, i) for i in ids]


def run(loaded, text: str, attentions: bool = False, all_logits: bool = False) -> Pass:
    """Tokenize ``text`` and run it through the twin once (no gradients, no cache).

    ``all_logits=False`` computes the LM head for the last position only (``logits_to_keep=1``:
    on a 2-core CPU the head over every position costs as much as a fifth of the pass)."""
    ids, start = token_ids(loaded, text)
    model = twin_of(loaded)
    input_ids = torch.tensor([ids], dtype=torch.long, device=model.device)
    with turn(), torch.inference_mode():
        out = model(input_ids=input_ids, output_hidden_states=True,
                    output_attentions=attentions, use_cache=False,
                    logits_to_keep=0 if all_logits else 1)
    return Pass(ids=ids, tokens=readable(loaded, ids), text_start=start,
                hidden=tuple(h.float() for h in out.hidden_states),
                attentions=tuple(a.float() for a in out.attentions) if attentions else None,
                logits=out.logits.float())


def check_layer(layer: int, layers: int) -> int:
    """``layer`` in ``0..layers`` (0 = the embeddings); negative counts from the end."""
    if not isinstance(layer, int) or not -(layers + 1) <= layer <= layers:
        raise InsideError(f"layer must be in 0..{layers} (0 = the embeddings), got {layer}",
                          key="inside.bad_layer", params={"layers": layers, "got": layer})
    return layer % (layers + 1)


def run_batch(loaded, texts: list[str], max_tokens: int | None = None
              ) -> tuple[tuple[torch.Tensor, ...], list[int], list[int]]:
    """Several texts in one pass, right-padded with an attention mask: (hidden states, each
    ``[texts, longest, hidden_size]``; each text's token count; each text's first text token).
    With the padding on the right a causal model's real tokens never see it, so each text's
    states are those of a pass of its own (up to rounding). ``max_tokens``: each text's first
    tokens only (a long passage costs time on a CPU)."""
    encoded = [token_ids(loaded, t, allow_long=max_tokens is not None) for t in texts]
    if max_tokens is not None:
        encoded = [(ids[:max_tokens], start) for ids, start in encoded]
    longest = max(len(ids) for ids, _ in encoded)
    model = twin_of(loaded)
    input_ids = torch.zeros(len(texts), longest, dtype=torch.long)
    mask = torch.zeros(len(texts), longest, dtype=torch.long)
    for row, (ids, _) in enumerate(encoded):
        input_ids[row, :len(ids)] = torch.tensor(ids)
        mask[row, :len(ids)] = 1
    with turn(), torch.inference_mode():
        out = model(input_ids=input_ids.to(model.device), attention_mask=mask.to(model.device),
                    output_hidden_states=True, use_cache=False, logits_to_keep=1)
    return (tuple(h.float() for h in out.hidden_states), [len(ids) for ids, _ in encoded],
            [start for _, start in encoded])
