"""Adding a special token (the notes' ``<user_name>``), shown before and after, and LoRA's
trainable parameters counted from the model's shapes.

The demo works on a copy of the tokenizer: the resident one, which every session shares, is
never changed. The embedding matrix is not resized either; the page shows what
``model.resize_token_embeddings(len(tokenizer))`` would do to it.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import torch

from playground.errors import PromptError

TOKEN = re.compile(r"^<[A-Za-z0-9_|\-]{1,40}>$")


@dataclass(frozen=True)
class SpecialTokenDemo:
    token: str
    pieces_before: list[str]
    ids_before: list[int]
    id_after: int
    len_before: int
    len_after: int
    embedding_rows: int       # the model's input embedding rows now
    rows_after_resize: int    # after resize_token_embeddings(len(tokenizer))
    hidden_size: int

    @property
    def rows_added(self) -> int:
        return max(0, self.rows_after_resize - self.embedding_rows)


def special_token_demo(tokenizer, model, token: str) -> SpecialTokenDemo:
    token = (token or "").strip()
    if not TOKEN.match(token):
        raise PromptError(f"a special token here looks like <user_name>: '<', 1 to 40 letters, "
                          f"digits, _ | or -, then '>'; got {token[:60]!r}")
    ids_before = tokenizer(token, add_special_tokens=False)["input_ids"]
    pieces = tokenizer.convert_ids_to_tokens(ids_before)
    copy_ = copy.deepcopy(tokenizer)
    before = len(copy_)
    copy_.add_special_tokens({"additional_special_tokens": [token]})
    after_ids = copy_(token, add_special_tokens=False)["input_ids"]
    emb = model.get_input_embeddings()
    return SpecialTokenDemo(token, [str(p) for p in pieces], list(ids_before),
                            int(after_ids[0]) if len(after_ids) == 1 else -1, before,
                            len(copy_), int(emb.num_embeddings), len(copy_),
                            int(emb.embedding_dim))


@dataclass(frozen=True)
class TrainableCount:
    trainable: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.trainable / max(1, self.total)

    def line(self) -> str:
        """What peft's ``print_trainable_parameters()`` prints."""
        return (f"trainable params: {self.trainable:,} || all params: {self.total:,} || "
                f"trainable%: {self.percent:.4f}")


def lora_parameters(model: torch.nn.Module, r: int, target_modules: tuple[str, ...]
                    ) -> TrainableCount:
    """LoRA adds r x (in + out) parameters to every targeted linear layer."""
    trainable = 0
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) and name.rsplit(".", 1)[-1] in target_modules:
            trainable += r * (module.in_features + module.out_features)
    base = sum(p.numel() for p in model.parameters())
    return TrainableCount(trainable, base + trainable)
