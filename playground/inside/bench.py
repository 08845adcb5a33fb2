"""How long each "Inside the model" view takes for a ~30-token prompt (the issue's target: at
most 3 s each on the room's 2-core CPU). Each view is timed as the page runs it, after one
warm-up pass that builds the model's twin.

Package ``playground.inside``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import time

from playground.inside import attention, hidden, lens, similarity, tokenizing

PROMPT = ("The old lighthouse keeper climbed the narrow stairs every single night to light "
          "the great lamp, and the fishing boats that passed the rocky northern coast were")
TARGET_S = 3.0


def views(loaded, prompt: str = PROMPT) -> dict:
    """name -> a call that runs that view the way the page does."""
    return {
        "hidden": lambda: hidden.hidden_view(loaded, prompt),
        "similarity": lambda: similarity.similarity(loaded, similarity.EXAMPLES_EN),
        "lens": lambda: lens.logit_lens(loaded, prompt, lens.default_positions(loaded)),
        "attention": lambda: attention.attention_map(loaded, prompt, layer=1),
        "tokens": lambda: tokenizing.normalization(loaded, tokenizing.EXAMPLES[0], "nfkc"),
        "padding": lambda: tokenizing.batch(loaded, [prompt, "Hi"], "left"),
    }


def bench(loaded, prompt: str = PROMPT, rounds: int = 1) -> dict:
    """{"prompt_tokens", "views": {name: best seconds of ``rounds``}, "target_s"}."""
    from playground.inside.forward import token_ids, run

    run(loaded, "warm up")  # builds the twin once (the page's first view pays this)
    times = {}
    for name, call in views(loaded, prompt).items():
        best = None
        for _ in range(max(1, rounds)):
            start = time.perf_counter()
            call()
            took = time.perf_counter() - start
            best = took if best is None else min(best, took)
        times[name] = round(best, 3)
    import torch

    return {"model": loaded.name, "prompt_tokens": len(token_ids(loaded, prompt)[0]),
            "torch_threads": torch.get_num_threads(),
            "views": times, "target_s": TARGET_S,
            "all_within_target": all(v <= TARGET_S for v in times.values())}
