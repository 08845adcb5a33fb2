"""What each OpenAI-compatible engine reads, and which one is at the other end of a URL.

An ``Engine`` profile maps the playground's settings onto one engine's request:

- ``vllm``: top_k / min_p in the body (extra_body), ``seed`` per request, logprobs.
- ``llama.cpp`` (llama-server): top_k / min_p in the body, ``seed`` per slot, logprobs
  (``n_probs`` underneath); its own defaults (top_k 40, min_p 0.05) are switched off explicitly.
- ``transformers`` (``transformers serve``): refuses fields outside OpenAI's schema (HTTP 422);
  samples only when the request carries ``generation_config`` JSON with ``do_sample``; top_k /
  min_p go in that JSON; ``seed`` sets torch's global seed; no logprobs.
- ``tgi``: top_p / temperature / seed per request, logprobs; no min_p (top_k is not in its
  OpenAI route).
- ``ollama``: temperature / top_p / seed on its OpenAI route; top_k / min_p only on its own API.
- ``openai``: anything else; only OpenAI's own fields are sent.

``detect`` asks the server (``/v1/models``'s ``owned_by``, ``/props``, ``/info``,
``/api/version``, the ``server`` header); a catalog entry's ``engine = "…"`` skips it.

Package ``playground.serving``: may import only itself, ``config`` and ``errors``.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class Engine:
    name: str
    label: str
    extra: str = "body"             # top_k / min_p: "body" (extra_body), "generation_config", ""
    top_k_off: int = -1             # the value that switches top_k off
    honours: tuple[str, ...] = ("temperature", "top_p", "top_k", "min_p", "seed")
    logprobs: bool = True           # answers logprobs / top_logprobs
    stream_options: bool = True     # reads stream_options.include_usage


ENGINES: dict[str, Engine] = {e.name: e for e in [
    Engine("vllm", "vLLM"),
    Engine("llama.cpp", "llama.cpp server"),
    Engine("transformers", "transformers serve", extra="generation_config", top_k_off=0,
           logprobs=False, stream_options=False),
    Engine("tgi", "Text Generation Inference", extra="",
           honours=("temperature", "top_p", "seed")),
    Engine("ollama", "Ollama", extra="", logprobs=False,
           honours=("temperature", "top_p", "seed")),
    Engine("openai", "OpenAI-compatible engine", extra="", logprobs=True,
           honours=("temperature", "top_p", "seed")),
]}
NAMES = tuple(ENGINES)


def engine(name: str | None) -> Engine:
    return ENGINES.get(name or "openai", ENGINES["openai"])


def not_honoured(eng: Engine) -> tuple[str, ...]:
    """Settings this engine cannot apply (never sent; the page says so)."""
    return tuple(n for n in ("temperature", "top_p", "top_k", "min_p", "seed")
                 if n not in eng.honours)


def sampling_fields(eng: Engine, settings, skip: set[str]) -> tuple[dict, dict]:
    """(top-level fields, extra_body) for a sampled row on ``eng``."""
    top: dict = {}
    extra: dict = {}
    if "temperature" not in skip:
        top["temperature"] = settings.temperature
    if "top_p" not in skip:
        top["top_p"] = settings.top_p
    if eng.extra == "generation_config":
        cfg = {"do_sample": True, "temperature": settings.temperature, "top_p": settings.top_p,
               "top_k": settings.top_k or eng.top_k_off}
        if settings.min_p and "min_p" not in skip:
            cfg["min_p"] = settings.min_p
        extra["generation_config"] = json.dumps(cfg)
    elif eng.extra == "body":
        if "top_k" not in skip:
            extra["top_k"] = settings.top_k or eng.top_k_off
        if "min_p" not in skip:
            extra["min_p"] = settings.min_p
    return top, extra


def greedy_fields(eng: Engine) -> dict:
    """extra_body for a greedy row (transformers: the model's own config might sample)."""
    if eng.extra == "generation_config":
        return {"generation_config": json.dumps({"do_sample": False})}
    return {}


def _get(url: str, timeout: float, headers: dict | None = None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read(200_000)
            return r.status, dict(r.headers), body
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers or {}), b""
    except Exception:
        return None, {}, b""


def _json(body: bytes):
    try:
        return json.loads(body)
    except Exception:
        return None


def root_of(base_url: str) -> str:
    url = base_url.rstrip("/")
    return url[:-3] if url.endswith("/v1") else url


def detect(base_url: str, timeout: float = 3.0, headers: dict | None = None) -> str:
    """The engine's name (a key of ``ENGINES``) from what the server says about itself."""
    root = root_of(base_url)
    status, hdrs, body = _get(base_url.rstrip("/") + "/models", timeout, headers)
    data = _json(body) if status == 200 else None
    owners = {str(m.get("owned_by", "")).lower() for m in (data or {}).get("data", [])
              if isinstance(m, dict)} if isinstance(data, dict) else set()
    if "vllm" in owners:
        return "vllm"
    if "llamacpp" in owners:
        return "llama.cpp"
    status, _, body = _get(root + "/props", timeout, headers)
    props = _json(body) if status == 200 else None
    if isinstance(props, dict) and "default_generation_settings" in props:
        return "llama.cpp"
    status, _, body = _get(root + "/info", timeout, headers)
    info = _json(body) if status == 200 else None
    if isinstance(info, dict) and "router" in info:
        return "tgi"
    status, _, body = _get(root + "/api/version", timeout, headers)
    if status == 200 and isinstance(_json(body), dict):
        return "ollama"
    status, hdrs2, body = _get(root + "/health", timeout, headers)
    server = {k.lower(): v for k, v in {**hdrs, **hdrs2}.items()}.get("server", "")
    if "uvicorn" in server.lower() and status == 200 and not owners:
        return "transformers"  # FastAPI, a /health route and no model list of its own
    return "openai"
