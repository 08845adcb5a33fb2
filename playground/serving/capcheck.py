"""An honest capability check of a remote engine, run on its first sampled request, cached.

Four short requests answer what the engine's documentation cannot promise for this deployment:

- ``samples``: two different seeds at temperature 1 give different texts (else it is greedy);
- ``seed``: the same seed twice gives the same text (None when it does not sample at all);
- ``streams``: the answer came in more than one chunk;
- ``logprobs``: a request for ``logprobs`` / ``top_logprobs`` comes back with them.

Package ``playground.serving``: may import only itself, ``config`` and ``errors``.
"""

from __future__ import annotations

import threading

from playground.serving.settings import GenerationSettings

PROBE = [{"role": "user", "content": "Write one sentence about a cat."}]
_CACHE: dict[tuple, dict] = {}
_LOCK = threading.Lock()


def _key(loaded) -> tuple:
    return (loaded.spec.base_url, loaded.spec.location, loaded.engine)


def _stream(loaded, client, seed: int, max_tokens: int) -> tuple[str, int]:
    from playground.serving.remote import request_params

    s = GenerationSettings(do_sample=True, temperature=1.0, max_new_tokens=max_tokens, seed=seed)
    kw = request_params(loaded.spec, s, seed, (), loaded.engine)
    text, chunks = "", 0
    for chunk in client.chat.completions.create(messages=PROBE, **kw):
        for choice in chunk.choices or []:
            piece = choice.delta.content or ""
            if piece:
                text, chunks = text + piece, chunks + 1
    return text, chunks


def _logprobs(loaded, client, max_tokens: int) -> bool:
    from playground.serving.remote import request_params

    s = GenerationSettings(max_new_tokens=max_tokens)
    kw = request_params(loaded.spec, s, 0, (), loaded.engine)
    kw.pop("stream_options", None)
    kw["stream"] = False
    out = client.chat.completions.create(messages=PROBE, logprobs=True, top_logprobs=3, **kw)
    lp = getattr(out.choices[0], "logprobs", None) if out.choices else None
    return bool(lp is not None and getattr(lp, "content", None))


def check(loaded, max_tokens: int = 12, refresh: bool = False) -> dict:
    """The engine's capabilities (cached per engine URL and model)."""
    from playground.serving.remote import make_client, translate

    key = _key(loaded)
    with _LOCK:
        if key in _CACHE and not refresh:
            loaded.capabilities = _CACHE[key]
            return _CACHE[key]
    client = make_client(loaded.spec, timeout=60.0)
    result = {"engine": loaded.engine, "samples": None, "seed": None, "streams": None,
              "logprobs": None, "error": None}
    try:
        a, chunks = _stream(loaded, client, 11, max_tokens)
        a2, _ = _stream(loaded, client, 11, max_tokens)
        b, _ = _stream(loaded, client, 12, max_tokens)
        result["streams"] = chunks > 1
        result["samples"] = a != b or a != a2
        result["seed"] = (a == a2) if result["samples"] else None
        try:
            result["logprobs"] = _logprobs(loaded, client, 4)
        except Exception:
            result["logprobs"] = False
    except Exception as err:
        result["error"] = str(translate(err, loaded.spec))
    if result["error"] is None:  # an engine down for a moment is checked again next time
        with _LOCK:
            _CACHE[key] = result
    loaded.capabilities = result
    return result


def warnings_for(loaded) -> list[str]:
    """Sentences for ``generate --json`` and the page when the engine did not do what was asked."""
    cap = check(loaded)
    where = f"{loaded.spec.name} ({loaded.engine}, {loaded.spec.base_url})"
    out = []
    if cap.get("error"):
        out.append(f"the capability check of {where} failed: {cap['error']}")
    if cap.get("samples") is False:
        out.append(f"this engine did not sample: the texts are greedy ({where} gave the same "
                   f"text for two seeds at temperature 1)")
    if cap.get("seed") is False:
        out.append(f"this engine ignores seeds: samples differ each time ({where} gave two "
                   f"texts for the same seed)")
    return out


def summary(cap: dict) -> str:
    """One line: what the engine honoured in the check."""
    def word(v):
        return {True: "yes", False: "no", None: "n/a"}[v]
    return (f"{cap.get('engine')}: samples {word(cap.get('samples'))}, seed "
            f"{word(cap.get('seed'))}, streams {word(cap.get('streams'))}, logprobs "
            f"{word(cap.get('logprobs'))}" + (f" (error: {cap['error']})" if cap.get("error")
                                              else ""))
