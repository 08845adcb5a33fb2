"""The decoding lens on a remote engine: its top-N candidates per step, from logprobs.

Only what the engine returns: its top N (``top_logprobs``), not the full distribution, and on
engines that report logprobs after their own filters (llama.cpp) the filtered one.

Package ``playground.serving``: may import only itself, ``config`` and ``errors``.
"""

from __future__ import annotations

import math

from playground.serving.remote import RemoteEngineError, request_params, translate


def top_candidates(loaded, prompt, settings, top: int = 5) -> dict:
    """One sample with, per step, the chosen token and the engine's top ``top`` candidates."""
    rendered = loaded.service.render(prompt)
    if rendered.messages is None or rendered.fallback == "plain-text":
        raise RemoteEngineError("the remote lens needs a chat prompt (the engine's chat route)")
    kw = request_params(loaded.spec, settings.replace(num_return_sequences=1), settings.seed,
                        (), loaded.engine)
    kw.pop("stream_options", None)
    kw["stream"] = False
    try:
        out = loaded.service._client.chat.completions.create(
            messages=rendered.messages, logprobs=True, top_logprobs=top, **kw)
    except Exception as err:
        raise translate(err, loaded.spec) from None
    lp = getattr(out.choices[0], "logprobs", None) if out.choices else None
    content = getattr(lp, "content", None) or []
    if not content:
        raise RemoteEngineError(f"the engine serving {loaded.spec.name} ({loaded.engine}) gave "
                                f"no logprobs, so the lens cannot show its candidates")
    steps = [{"token": c.token, "prob": math.exp(c.logprob),
              "candidates": [(t.token, math.exp(t.logprob)) for t in (c.top_logprobs or [])]}
             for c in content]
    note = (f"the engine's top {top} ({loaded.engine}): not the full distribution" +
            ("; after the engine's own filters" if loaded.engine == "llama.cpp" else ""))
    return {"text": out.choices[0].message.content or "", "steps": steps, "label": note}
