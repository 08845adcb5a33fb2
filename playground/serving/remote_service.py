"""The ``GenerationService`` interface over HTTP, for models on a remote engine.

Each row of a request is one streamed request to the engine (sample i sends seed + i), run on
a thread pool of ``service.max_batch_rows`` workers; the engine batches them on its side. A
request waits (and has a place in line) until its first row starts; Stop ends its rows that
have not started and closes its open HTTP streams, so only that request stops.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from playground.serving.chat import RenderedPrompt, check_messages, plain_transcript, render_raw
from playground.config import LimitsConfig, ServiceConfig
from playground.errors import PlaygroundError, ServiceBusyError
from playground.serving.handles import GenerationHandle, GenerationRequest, Prompt
from playground.serving.catalog import ModelSpec
from playground.serving.fairshare import SessionLedger, session_ledger, who
from playground.serving.remote import (RemoteModel, make_client, request_params, translate,
                                       unsupported_warnings)


class _Job:
    """Bookkeeping for one handle (guarded by the service's lock)."""

    def __init__(self, handle: GenerationHandle):
        self.handle = handle
        self.pending = set(range(len(handle.samples)))  # rows not started yet
        self.rows_left = len(handle.samples)
        self.active = 0
        self.started = False
        self.finished = False
        self.error: PlaygroundError | None = None
        self.streams: set = set()


class RemoteService:
    """The ``GenerationService`` interface over HTTP. ``submit`` is thread-safe."""

    def __init__(self, loaded: RemoteModel, config: ServiceConfig | None = None,
                 limits: LimitsConfig | None = None, ledger: SessionLedger | None = None):
        self.loaded, self.spec = loaded, loaded.spec
        self.ledger = ledger or session_ledger()  # each participant's fair share
        self.config = config or ServiceConfig()
        self.limits = limits or LimitsConfig()
        self.max_queue = self.config.max_queue
        self._client = make_client(self.spec, timeout=self.config.request_timeout_s)
        # rows in flight at once; the engine batches them on its side
        self._pool = ThreadPoolExecutor(max(1, self.config.max_batch_rows),
                                        thread_name_prefix=f"remote:{self.spec.name}")
        self._lock = threading.Lock()
        self._jobs: dict[GenerationHandle, _Job] = {}  # in submission order
        self._by_session: dict[str, GenerationHandle] = {}
        self._token_times: deque[float] = deque()
        self._closed = False
        self.completed = 0
        self.generated_tokens = 0

    # -- sessions ------------------------------------------------------------------------
    def submit(self, request: GenerationRequest) -> GenerationHandle:
        if not request.prompts or not request.variants:
            raise PlaygroundError("nothing to generate: the request has no prompt or settings")
        from playground.serving.service import GenerationService
        GenerationService._check_limits(self, request)  # same caps as local models
        participant = who(request)
        self.ledger.check(participant)
        self.loaded.touch()
        handle = GenerationHandle(request, self)
        handle.participant = participant
        handle.rendered = [self.render(p) for p in request.prompts]
        handle.prompt_tokens = [None] * len(request.prompts)  # filled from the engine's usage
        handle.warnings = unsupported_warnings(self.spec, request.variants, self.loaded.engine)
        if any(v.do_sample for v in request.variants):
            from playground.serving.capcheck import warnings_for
            handle.warnings += [w for w in warnings_for(self.loaded) if w not in handle.warnings]
        job = _Job(handle)
        with self._lock:
            if self._closed:
                raise PlaygroundError(f"{self.spec.name} was unloaded; pick a model again")
            if sum(not j.started for j in self._jobs.values()) >= self.max_queue:
                raise ServiceBusyError("the server is busy, try again in a moment", key="errors.busy")
            previous = self._by_session.get(request.session) if request.session else None
            if request.session:
                self._by_session[request.session] = handle
            self._jobs[handle] = job
        if previous is not None and not previous.done:
            previous.cancel()  # one active request per session per page
        self.ledger.register(handle)
        for row in range(len(handle.samples)):
            self._pool.submit(self._run_row, job, row)
        return handle

    def render(self, prompt: Prompt) -> RenderedPrompt:
        """Chat messages are sent as they are (the engine applies its own template)."""
        if prompt.messages is None:
            return render_raw(prompt.text or "")
        messages = [dict(m) for m in prompt.messages]
        check_messages(messages)
        if not self.loaded.is_chat:
            return RenderedPrompt(plain_transcript(messages), True, "plain-text", messages)
        return RenderedPrompt(json.dumps(messages, ensure_ascii=False, indent=2), False, None,
                              messages)

    def tokenize(self, rendered: RenderedPrompt) -> None:
        """Unknown here: the tokenizer lives on the engine."""
        return None

    def queue_depth(self) -> int:
        with self._lock:
            return sum(not j.started for j in self._jobs.values())

    def busy(self) -> bool:
        with self._lock:
            return bool(self._jobs)

    def stats(self, window_s: float = 10.0) -> dict:
        now = time.perf_counter()
        with self._lock:
            while self._token_times and self._token_times[0] < now - window_s:
                self._token_times.popleft()
            jobs = list(self._jobs.values())
            return {"queue_depth": sum(not j.started for j in jobs),
                    "running_requests": sum(j.started for j in jobs),
                    "running_rows": sum(j.active for j in jobs),
                    "active_sessions": len({j.handle.request.session for j in jobs
                                            if j.handle.request.session}),
                    "tokens_per_s_now": len(self._token_times) / window_s,
                    "completed": self.completed, "generated_tokens": self.generated_tokens}

    def close(self, wait_s: float | None = None) -> None:
        """Refuse new requests and fail waiting ones; rows already streaming finish."""
        with self._lock:
            self._closed = True
            waiting = [j for j in self._jobs.values() if not j.started]
            for j in waiting:
                j.error = PlaygroundError(f"{self.spec.name} was unloaded; pick a model again")
                self._drop_pending(j)
        for j in waiting:
            j.handle._finish(j.error)
        self._pool.shutdown(wait=False)

    # -- what handles call ---------------------------------------------------------------
    def _wake(self) -> None:
        """A handle was cancelled: unstarted rows end now, open streams are closed."""
        finished, streams = [], []
        with self._lock:
            for h, job in list(self._jobs.items()):
                if h.cancelled and not job.finished:
                    streams += list(job.streams)
                    if self._drop_pending(job):
                        finished.append(h)
        for s in streams:
            try:
                s.close()  # unblocks the row's thread even between two chunks
            except Exception:
                pass
        for h in finished:
            h._finish(None)

    def _position(self, handle: GenerationHandle) -> int:
        with self._lock:
            waiting = [h for h, j in self._jobs.items() if not j.started]
        return waiting.index(handle) + 1 if handle in waiting else 0

    # -- row threads ---------------------------------------------------------------------
    def _drop_pending(self, job: _Job) -> bool:
        """Under the lock: end rows not started yet; True if that ended the whole job."""
        for r in job.pending:
            job.handle.samples[r].finish_reason = "cancelled"
        job.rows_left -= len(job.pending)
        job.pending.clear()
        return self._settle(job)

    def _settle(self, job: _Job) -> bool:
        if job.rows_left > 0 or job.finished:
            return False
        job.finished = True
        self._jobs.pop(job.handle, None)
        session = job.handle.request.session
        if session and self._by_session.get(session) is job.handle:
            del self._by_session[session]
        if job.error is None:
            self.completed += 1
        return True

    def _run_row(self, job: _Job, row: int) -> None:
        handle = job.handle
        with self._lock:
            if row not in job.pending:
                return  # already ended by a cancel or close
            job.pending.discard(row)
            if handle.cancelled or job.error is not None:
                handle.samples[row].finish_reason = "cancelled"
                job.rows_left -= 1
                last = self._settle(job)
                error = job.error
            else:
                job.started, job.active = True, job.active + 1
                last = None
                if handle.started_at is None:
                    handle.started_at = time.perf_counter()
        if last is not None:
            if last:
                handle._finish(error)
            return
        reason, error, stream = None, None, None
        try:
            stream = self._open(handle, row)
            with self._lock:
                job.streams.add(stream)
            reason = self._consume(job, row, stream)
        except Exception as err:
            if handle.cancelled:
                reason = "cancelled"
            else:
                error = translate(err, self.spec)
        finally:
            if stream is not None:
                with self._lock:
                    job.streams.discard(stream)
                try:
                    stream.close()
                except Exception:
                    pass
        handle.samples[row].finish_reason = reason
        with self._lock:
            if error is not None and job.error is None:
                job.error = error
            job.active -= 1
            job.rows_left -= 1
            last = self._settle(job)
        if last:
            handle._finish(job.error)

    def _open(self, handle: GenerationHandle, row: int):
        p, v, _ = handle.request.row_keys()[row]
        kw = request_params(self.spec, handle.request.variants[v], handle.samples[row].seed,
                            handle.request.stop_strings, self.loaded.engine)
        rendered = handle.rendered[p]
        if rendered.messages is not None and rendered.fallback != "plain-text":
            return self._client.chat.completions.create(messages=rendered.messages, **kw)
        return self._client.completions.create(prompt=rendered.text, **kw)

    def _consume(self, job: _Job, row: int, stream) -> str:
        """Stream one row into the handle; returns its finish reason."""
        handle = job.handle
        sample = handle.samples[row]
        p = handle.request.row_keys()[row][0]
        stops = [s for s in handle.request.stop_strings if s]
        deadline = handle.submitted_at + self.config.request_timeout_s
        text, chunks, reason = "", 0, "eos"
        for chunk in stream:
            if handle.cancelled or job.error is not None:
                return "cancelled"
            if time.perf_counter() > deadline:
                return "timeout"
            usage = getattr(chunk, "usage", None)
            if usage is not None:
                sample.token_count = usage.completion_tokens
                handle.prompt_tokens[p] = usage.prompt_tokens
            for choice in chunk.choices or []:
                delta = (choice.delta.content if hasattr(choice, "delta") else choice.text) or ""
                if delta:
                    chunks += 1
                    sample.token_count = chunks  # about one token per chunk until usage says
                    self._count_token(handle.participant)
                    text += delta
                    hits = [text.find(s) for s in stops if s in text]
                    if hits:  # the engine should have stopped; make sure the text does
                        cut, shown = text[:min(hits)], sample.text
                        if len(cut) > len(shown):
                            handle._emit(row, cut[len(shown):])
                        return "stop string"
                    handle._emit(row, delta)
                if choice.finish_reason:
                    reason = _finish_reason(choice, stops)
        return reason

    def _count_token(self, session: str | None = None) -> None:
        with self._lock:
            self._token_times.append(time.perf_counter())
            self.generated_tokens += 1
        self.ledger.count_token(session)


def _finish_reason(choice, stops: list[str]) -> str:
    if choice.finish_reason == "length":
        return "length"
    if choice.finish_reason == "stop":
        matched = getattr(choice, "stop_reason", None)  # vLLM names the stop string it hit
        return "stop string" if isinstance(matched, str) and matched in stops else "eos"
    return str(choice.finish_reason)


def connect(spec: ModelSpec, service: ServiceConfig | None = None,
            limits: LimitsConfig | None = None) -> RemoteModel:
    """A ``RemoteModel`` for ``spec`` once its engine answers (checked with GET /models)."""
    import openai

    start = time.perf_counter()
    try:
        make_client(spec, timeout=5.0).models.list()
    except openai.APIStatusError as err:  # answering; some engines have no /models route
        if isinstance(err, (openai.AuthenticationError, openai.PermissionDeniedError)):
            raise translate(err, spec) from None
    except Exception as err:
        raise translate(err, spec) from None
    from playground.serving.engines import detect
    headers = {}
    if spec.api_key_env and os.environ.get(spec.api_key_env):
        headers["Authorization"] = f"Bearer {os.environ[spec.api_key_env]}"
    name = spec.engine or detect(spec.base_url or "", headers=headers)
    model = RemoteModel(spec, service or ServiceConfig(), limits or LimitsConfig(),
                        load_seconds=time.perf_counter() - start, engine=name)
    model._service = RemoteService(model, model.service_config, model.limits)
    return model
