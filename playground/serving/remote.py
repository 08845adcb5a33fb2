"""Remote engines: models served by an OpenAI-compatible server, behind the same interface.

A workshop that outgrows one GPU points catalog entries (``source = "openai"``) at vLLM
(``vllm serve``), TGI or the llama.cpp server. ``RemoteModel`` looks like a ``LoadedModel`` to
pages and ``RemoteService`` (``playground.serving.remote_service``) like a ``GenerationService``:
``submit`` returns the same
``GenerationHandle``, streaming each row's text. The engine batches on its side, so each row
is one streamed HTTP request (sample i sends seed + i), run on a small thread pool.

Settings the engine cannot honour are not sent, and the handle's ``warnings`` say so: the
participant is never left believing a filter was applied when it was not.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from playground.serving.catalog import ModelSpec
from playground.serving.chat import RenderedPrompt
from playground.config import LimitsConfig, ServiceConfig
from playground.errors import PlaygroundError, ServiceBusyError
from playground.serving.settings import GenerationSettings

OFF = {"temperature": 1.0, "top_p": 1.0, "top_k": 0, "min_p": 0.0, "epsilon_cutoff": 0.0}
NEVER_SENT = ("epsilon_cutoff",)  # no OpenAI-compatible request field carries it
# the playground's own decode step applies these; a remote request does not carry them (max_tokens
# is max_new_tokens), so they are reported as not applied, for greedy rows as well
LOCAL_ONLY = {"repetition_penalty": 1.0, "no_repeat_ngram_size": 0, "max_length": 0,
              "num_beams": 1}
DEFAULT_CONTEXT = 4096  # unknown to the client; the engine enforces its own and says so


class RemoteEngineError(PlaygroundError):
    """The remote engine cannot be reached, refused the request, or answered with an error."""


@dataclass(frozen=True)
class RemoteDevice:
    """Stands in for ``torch.device`` where pages show where a model runs."""

    base_url: str
    type: str = "remote"

    def __str__(self) -> str:
        return f"remote engine at {self.base_url}"


def skipped(spec: ModelSpec, engine_name: str | None = None) -> tuple[str, ...]:
    """Settings not sent to this engine: the entry's ``unsupported`` plus what it cannot read."""
    from playground.serving.engines import engine, not_honoured

    name = engine_name or spec.engine
    known = not_honoured(engine(name)) if name else ()
    return tuple(dict.fromkeys(NEVER_SENT + tuple(spec.unsupported) + known))


def unsupported_warnings(spec: ModelSpec, variants, engine_name: str | None = None) -> list[str]:
    """One sentence per setting that is on but that this engine cannot apply."""
    out: list[str] = []
    for s in variants:
        for name, off in LOCAL_ONLY.items():
            if getattr(s, name) != off:
                msg = (f"{name} = {getattr(s, name):g} was not applied: the remote engine "
                       f"serving {spec.name} ({spec.base_url}) cannot honour it, so these "
                       f"samples were drawn without it")
                if msg not in out:
                    out.append(msg)
        if not s.do_sample:
            continue  # greedy uses no sampling knob, so nothing is lost
        for name in skipped(spec, engine_name):
            if name == "seed":
                msg = (f"the remote engine serving {spec.name} ignores seeds: these samples "
                       f"will differ from run to run")
            elif getattr(s, name) == OFF[name]:
                continue
            else:
                msg = (f"{name} = {getattr(s, name):g} was not applied: the remote engine "
                       f"serving {spec.name} ({spec.base_url}) cannot honour it, so these "
                       f"samples were drawn without it")
            if msg not in out:
                out.append(msg)
    return out


def request_params(spec: ModelSpec, settings: GenerationSettings, seed: int,
                   stop_strings=(), engine_name: str | None = None) -> dict:
    """Keyword arguments of the openai client's ``create`` for one row, as ``engine`` reads them.

    Engines have defaults of their own (llama.cpp: top_k 40, min_p 0.05; vLLM: the model's
    generation_config), so the "off" values are sent explicitly when sampling. Without a known
    engine (``serving.engines``) top_k / min_p go in the body, as vLLM and llama.cpp read them.
    """
    from playground.serving.engines import engine, greedy_fields, sampling_fields

    name = engine_name or spec.engine
    eng = engine(name if name else "vllm")
    skip = set(skipped(spec, name))
    kw: dict = {"model": spec.location, "max_tokens": settings.max_new_tokens, "stream": True}
    if eng.stream_options:
        kw["stream_options"] = {"include_usage": True}
    if "seed" not in skip:
        kw["seed"] = seed
    stops = [s for s in stop_strings if s]
    if stops:
        kw["stop"] = stops
    if not settings.do_sample:
        kw["temperature"] = 0.0  # the OpenAI API's way of saying greedy
        extra = greedy_fields(eng)
    else:
        top, extra = sampling_fields(eng, settings, skip)
        kw.update(top)
    if extra:
        kw["extra_body"] = extra  # not in the OpenAI schema: only what this engine reads
    return kw


def make_client(spec: ModelSpec, timeout: float):
    """An openai client for ``spec``; the key comes from the env var named in the spec."""
    import openai

    key = ""
    if spec.api_key_env:
        key = os.environ.get(spec.api_key_env, "")
        if not key:
            raise RemoteEngineError(
                f"{spec.name} needs an API key: the instructor should set the environment "
                f"variable {spec.api_key_env} on this server")
    # max_retries=0: a participant is waiting; a clear error beats a silent backoff
    return openai.OpenAI(base_url=spec.base_url, api_key=key or "not-needed",
                         timeout=timeout, max_retries=0)


def translate(err: BaseException, spec: ModelSpec) -> PlaygroundError:
    """What the openai client raised, as a sentence for a participant (never the key)."""
    import openai

    if isinstance(err, PlaygroundError):
        return err
    where = f"the remote engine at {spec.base_url}"
    if isinstance(err, openai.APITimeoutError):
        return RemoteEngineError(f"{where} did not answer in time; try again in a moment")
    if isinstance(err, openai.APIConnectionError):
        return RemoteEngineError(
            f"{where} is not answering, so {spec.name} cannot generate right now; try again "
            f"in a moment or pick another model, and tell the instructor")
    if isinstance(err, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return RemoteEngineError(f"{where} refused this server's API key for {spec.name}; "
                                 f"the instructor should check {spec.api_key_env or 'it'}")
    if isinstance(err, openai.NotFoundError):
        return RemoteEngineError(f"{where} does not serve the model {spec.location!r}; the "
                                 f"instructor should check the catalog entry {spec.name!r}")
    if isinstance(err, openai.RateLimitError):
        return ServiceBusyError(f"{where} is busy, try again in a moment")
    if isinstance(err, openai.APIStatusError):
        detail = [engine_message(err)]
        return RemoteEngineError(f"{where} refused the request (HTTP {err.status_code})" +
                                 (f": {detail[0]}" if detail[0] else ""))
    return RemoteEngineError(f"{where} sent an answer the playground cannot read "
                             f"({type(err).__name__})")


def engine_message(err) -> str:
    """The engine's own words from an error answer (FastAPI's detail, OpenAI's error.message)."""
    body = getattr(err, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        msg = inner.get("message") or inner.get("detail") if isinstance(inner, dict) else inner
        if msg:
            return str(msg).splitlines()[0][:300]
    response = getattr(err, "response", None)
    try:
        text = response.text if response is not None else ""
    except Exception:
        text = ""
    text = text or str(getattr(err, "message", "") or "")
    return text.splitlines()[0][:300] if text else ""


@dataclass
class RemoteModel:
    """A catalog model served elsewhere: no weights here, nothing in the memory budget."""

    spec: ModelSpec
    service_config: ServiceConfig = field(default_factory=ServiceConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    load_seconds: float = 0.0
    model: object = None      # no local weights
    tokenizer: object = None  # the engine tokenizes
    dtype: str = "remote"
    footprint_bytes: int = 0
    context_length: int = DEFAULT_CONTEXT
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)
    engine: str = "openai"       # serving.engines name: from the entry or detected on connect
    capabilities: dict | None = None  # serving.capcheck's result, once checked
    _service: object = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def device(self) -> RemoteDevice:
        return RemoteDevice(self.spec.base_url or "")

    @property
    def is_chat(self) -> bool:
        return self.spec.chat is not False

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def busy(self) -> bool:
        return self._service is not None and self._service.busy()

    @property
    def service(self):
        """The model's service (``remote_service.RemoteService``), set by ``connect``."""
        return self._service


def openai_code(spec: ModelSpec, rendered: RenderedPrompt,
                settings: GenerationSettings) -> str:
    """"View code" for a remote model: the same requests with the openai client."""
    kw = request_params(spec, settings, settings.seed)
    for key in ("stream_options", "seed", "stream"):
        kw.pop(key, None)
    chat = rendered.messages is not None and rendered.fallback != "plain-text"
    key = f"os.environ[{spec.api_key_env!r}]" if spec.api_key_env else '"not-needed"'
    lines = ["import os", "from openai import OpenAI", "",
             f"client = OpenAI(base_url={spec.base_url!r}, api_key={key})",
             f"messages = {rendered.messages!r}" if chat else f"prompt = {rendered.text!r}",
             f"settings = {kw!r}", ""]
    call = ("client.chat.completions.create(messages=messages, " if chat
            else "client.completions.create(prompt=prompt, ")
    piece = "chunk.choices[0].delta.content" if chat else "chunk.choices[0].text"
    seeded = "seed" not in spec.unsupported
    lines += [f"for i in range({settings.num_return_sequences}):  # one request per sample",
              f"    stream = {call}" + (f"seed={settings.seed} + i, " if seeded else "") +
              "stream=True, **settings)",
              "    for chunk in stream:",
              "        if chunk.choices:",
              f"            print({piece} or \"\", end=\"\", flush=True)",
              "    print()"]
    return "\n".join(lines) + "\n"
