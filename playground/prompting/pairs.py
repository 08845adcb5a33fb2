"""Base vs chat pairs: are the two models the same family, or is the comparison confounded?

"Base vs chat" teaches what instruction tuning changes. That reading is clean only when the
two models are the same network before and after tuning (Llama-2-7b / Llama-2-7b-chat,
SmolLM2-135M / SmolLM2-135M-Instruct). The offline pair is SmolLM2 (chat) vs Gemma 3 (base):
another family, size and training set, so every difference has more than one cause.

Package ``playground.prompting``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import re

SAME_FAMILY_PAIRS = (("meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf"),
                     ("HuggingFaceTB/SmolLM2-135M", "HuggingFaceTB/SmolLM2-135M-Instruct"))
# what instruction tuning adds to a name: removed to find the base model's name
_TUNED = re.compile(r"[-_.](instruct|chat|it|hf|base|sft|dpo)(?=$|[-_.])", re.I)


def family(name: str) -> str:
    """The base model a name belongs to: org and tuning suffixes dropped, lower case.

    ``meta-llama/Llama-2-7b-chat-hf`` -> ``llama-2-7b``; ``smollm2-135m-instruct`` and
    ``HuggingFaceTB/SmolLM2-135M`` -> ``smollm2-135m``.
    """
    base = name.rsplit("/", 1)[-1].lower()
    previous = None
    while previous != base:
        previous, base = base, _TUNED.sub("", base)
    return base


def pair_note(name_a: str, name_b: str) -> str | None:
    """A warning when the two models differ in family (None when they are one family)."""
    a, b = family(name_a), family(name_b)
    if a == b:
        return None
    pairs = "; ".join(f"{x} / {y}" for x, y in SAME_FAMILY_PAIRS)  # no English "or"
    return (f"These two models are different families ({a} vs {b}): they differ in size, "
            f"architecture and training data as well as in instruction tuning, so not every "
            f"difference below comes from chat training. With the Hub, pick a same-family "
            f"pair: {pairs}.")
