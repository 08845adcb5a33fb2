"""The tutorial's own quantization figures (Llama-2-7b-chat-hf), beside a comparison's.

The tutorial loads meta-llama/Llama-2-7b-chat-hf in 32, 16, 8 and 4 bits on a GPU and prints
``torch.cuda.memory_summary()``; its "Allocated memory" lines are the figures below (MiB).
Memory there halves with every halving of the bits, almost exactly. A 135M or 270M model saves
far less, because bitsandbytes quantizes only the linear layers of the decoder blocks: the
token embeddings (and a separate LM head), the norms and the biases stay in 16/32 bits. In
Llama-2-7b those are about 4 % of the parameters; in SmolLM2-135M about a fifth, in
gemma-3-270m (262,144 tokens x 640) well over half. ``kept_share`` measures that share on the
model a comparison loaded.

Package ``playground.quant``: may import ``lab`` (metrics), ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import torch

TUTORIAL_MODEL = "meta-llama/Llama-2-7b-chat-hf"
# preset name here -> the tutorial's "Allocated memory" (MiB), CUDA, current value
TUTORIAL_MIB: dict[str, int] = {
    "fp32": 25713,         # torch_dtype=torch.float32
    "fp16": 12860,         # torch_dtype=torch.float16
    "bf16": 12860,         # the tutorial's 16-bit run is float16: bf16 takes the same bytes
    "int8": 6701,          # BitsAndBytesConfig(load_in_8bit=True)
    "fp4": 4000,           # BitsAndBytesConfig(load_in_4bit=True): fp4 is its default type
    "nf4": 4000,           # nf4 stores the same 4 bits and scales as that default fp4
    "nf4-dq-bf16": 3695,   # the tutorial author's own setting
}
# Llama-2-7b: 2 x 32,000 x 4,096 embedding/head parameters of 6.74 B, plus norms
TUTORIAL_KEPT_SHARE = 0.039
WEIGHTS = "weights (MiB)"  # the column the comparison's table also has


def kept_share(model: torch.nn.Module) -> float:
    """The share of ``model``'s parameters that bitsandbytes leaves unquantized: everything
    outside the ``nn.Linear`` layers, and the LM head (kept by ``get_keys_to_not_convert``).
    Measure it on an unquantized copy (a 4-bit layer stores two weights per byte)."""
    total = sum(p.numel() for p in model.parameters())
    linear = sum(m.weight.numel() for name, m in model.named_modules()
                 if isinstance(m, torch.nn.Linear) and not name.endswith("lm_head"))
    return round(1 - linear / total, 4) if total else 0.0


def beside_tutorial(rows) -> list[dict]:
    """One dict per preset that ran: this model's weights and their share of the first row's
    (the reference, fp32 when it ran), beside the tutorial's Llama-2 figures and their share of
    its fp32 (``None`` where the tutorial has no such run)."""
    ok = [r for r in rows if r.status == "ok" and r.footprint_mb]
    if not ok:
        return []
    first = ok[0]
    llama_first = TUTORIAL_MIB.get(first.preset)
    out = []
    for r in ok:
        llama = TUTORIAL_MIB.get(r.preset)
        out.append({"preset": r.preset, WEIGHTS: r.footprint_mb,
                    "share of the reference (%)": round(100 * r.footprint_mb / first.footprint_mb),
                    "Llama-2-7b in the tutorial (MiB)": llama,
                    "Llama-2-7b share (%)": None if llama is None or not llama_first
                    else round(100 * llama / llama_first)})
    return out


def kept_share_of(rows) -> float | None:
    """The measured unquantized share from the first row that has it."""
    return next((r.kept_share for r in rows if getattr(r, "kept_share", None) is not None), None)
