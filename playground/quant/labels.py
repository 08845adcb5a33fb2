"""What the Quantization page's "fp32" reference really is, for models that ship as GGUF.

The embedded SmolLM2 and Gemma 3 are GGUF files with 4-bit weights. Loading one
de-quantizes it: every weight becomes a float32 number, but only the values the 4-bit code can
express (16 levels per block, with a scale). So the comparison's "fp32" row is a float copy of
a 4-bit model, not the original training weights; the fp16/bf16/int8/4-bit rows are measured
against that, i.e. they show what quantizing an already-quantized model again costs.

Package ``playground.quant``: may import ``lab`` (metrics), ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import re

from playground.errors import PlaygroundError
from playground.serving.catalog import ModelSpec


def gguf_quant_type(spec: ModelSpec) -> str | None:
    """The GGUF quantization type of a spec ("Q4_1", "Q4_K_M"), or None if it is not GGUF."""
    if spec.source not in ("embedded", "gguf-package"):
        return None
    for text in (spec.gguf_file or "", spec.location, spec.install or ""):
        m = re.search(r"(?i)\bq(\d)[_-]([0-9a-z]+(?:[_-][a-z])?)", text)
        if m:
            return f"Q{m.group(1)}_{m.group(2).replace('-', '_')}".upper()
    return "a GGUF quantization"


def reference_note(registry, name: str) -> str | None:
    """A note for the page when ``name``'s fp32 reference is de-quantized from GGUF, else None
    (also for a name the registry does not know: the comparison itself says what is wrong)."""
    try:
        spec = registry.resolve(name)
    except PlaygroundError:
        return None
    kind = gguf_quant_type(spec)
    if kind is None:
        return None
    return (f"{spec.name} ships as a {kind} GGUF file (4-bit weights with a scale per block). "
            f"Its fp32 copy here is that file de-quantized to float32: every weight is one of "
            f"the values 4 bits can hold, so the reference is already derived from 4 bits, not "
            f"the original 16/32-bit training weights. The other presets are compared with that "
            f"copy: they show what quantizing it again costs, which can be less than quantizing "
            f"the original model would. For the full picture, compare a Hub model (e.g. "
            f"HuggingFaceTB/SmolLM2-135M-Instruct) whose weights were never quantized.")
