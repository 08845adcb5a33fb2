"""What a resident model is: parameter count, architecture numbers, dtype, device, memory.

The numbers come from the loaded model itself (its config and its tensors), so they are the
numbers of what this server runs, not of a model card.

Package ``playground.prompting``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSummary:
    name: str
    architecture: str
    parameters: int              # every weight, counted once (tied embeddings once)
    embedding_parameters: int    # of which the input embedding table
    layers: int | None
    attention_heads: int | None
    key_value_heads: int | None  # < attention_heads: grouped-query attention
    hidden_size: int | None
    intermediate_size: int | None
    vocab_size: int | None
    context_length: int          # tokens of prompt + generation the model accepts
    tied_embeddings: bool
    dtype: str
    device: str
    footprint_bytes: int         # weights and buffers resident in memory

    def rows(self) -> list[tuple[str, str]]:
        """(what, value with unit) pairs for a table."""
        def n(v):
            return "–" if v is None else f"{v:,}"
        gqa = ""
        if self.key_value_heads and self.attention_heads and \
                self.key_value_heads < self.attention_heads:
            gqa = f" ({self.key_value_heads} key/value heads: grouped-query attention)"
        return [
            ("Architecture", self.architecture),
            ("Parameters", f"{self.parameters / 1e6:,.1f} M ({self.parameters:,})"),
            ("of which input embeddings",
             f"{self.embedding_parameters / 1e6:,.1f} M"
             + (" (shared with the output layer)" if self.tied_embeddings else "")),
            ("Layers", n(self.layers)),
            ("Attention heads", n(self.attention_heads) + gqa),
            ("Hidden size", n(self.hidden_size)),
            ("Feed-forward size", n(self.intermediate_size)),
            ("Vocabulary", f"{n(self.vocab_size)} tokens"),
            ("Context length", f"{self.context_length:,} tokens"),
            ("dtype", self.dtype),
            ("Device", self.device),
            ("Memory footprint", f"{self.footprint_bytes / 2**20:,.1f} MiB"),
        ]


def _text_config(config):
    """Multimodal configs (Gemma 3) keep the language model's numbers in a text config."""
    getter = getattr(config, "get_text_config", None)
    return getter() if callable(getter) else config


def count_parameters(model) -> int:
    """Every parameter once: a tensor shared by two modules (tied input and output embeddings)
    counts once, because ``parameters()`` yields each tensor once."""
    return sum(p.numel() for p in model.parameters())


def summarize(loaded) -> ModelSummary:
    model = loaded.model
    config = _text_config(model.config)
    embeddings = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    archs = getattr(model.config, "architectures", None) or [type(model).__name__]
    return ModelSummary(
        name=loaded.name,
        architecture=str(archs[0]),
        parameters=count_parameters(model),
        embedding_parameters=sum(p.numel() for p in embeddings.parameters())
        if embeddings is not None else 0,
        layers=getattr(config, "num_hidden_layers", None),
        attention_heads=getattr(config, "num_attention_heads", None),
        key_value_heads=getattr(config, "num_key_value_heads", None),
        hidden_size=getattr(config, "hidden_size", None),
        intermediate_size=getattr(config, "intermediate_size", None),
        vocab_size=getattr(config, "vocab_size", None),
        context_length=loaded.context_length,
        tied_embeddings=bool(getattr(model.config, "tie_word_embeddings", False)),
        dtype=str(loaded.dtype).removeprefix("torch."),
        device=str(loaded.device),
        footprint_bytes=int(loaded.footprint_bytes),
    )


def config_dict(loaded) -> dict:
    """The model's full configuration, as its config.json would hold it."""
    return loaded.model.config.to_dict()
