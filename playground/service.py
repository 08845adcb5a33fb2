"""The generation service: one owner thread per resident model, fed by a bounded queue.

Concurrent ``generate()`` calls on one model from several threads break (transformers #32217)
and a shared fast tokenizer raises "Already borrowed" (#47085), so only the owner thread runs
the model. Sessions submit a ``GenerationRequest`` and get a ``GenerationHandle`` that streams
each row's text, can be cancelled (only that request stops), and times itself.

Requests waiting together are run as one batch (each row keeps its own settings and seed; see
``playground.engine``) up to ``max_batch_rows`` rows.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Iterator

import torch

from playground.chat import RenderedPrompt, render_chat, render_raw
from playground.config import ServiceConfig
from playground.engine import Row, run_batch
from playground.errors import (OutOfMemoryError, PlaygroundError, RequestCancelled,
                               ServiceBusyError)
from playground.settings import GenerationSettings


@dataclass(frozen=True)
class Prompt:
    """Raw text to continue, or chat messages to render with the model's chat template."""

    text: str | None = None
    messages: tuple[dict, ...] | None = None

    @classmethod
    def raw(cls, text: str) -> "Prompt":
        return cls(text=text)

    @classmethod
    def chat(cls, messages: list[dict]) -> "Prompt":
        return cls(messages=tuple(dict(m) for m in messages))


@dataclass(frozen=True)
class GenerationRequest:
    """Every prompt x every settings variant x that variant's num_return_sequences samples."""

    prompts: tuple[Prompt, ...]
    variants: tuple[GenerationSettings, ...]
    stop_strings: tuple[str, ...] = ()
    session: str | None = None

    @classmethod
    def single(cls, settings: GenerationSettings, prompt: Prompt,
               stop_strings: tuple[str, ...] = ()) -> "GenerationRequest":
        return cls((prompt,), (settings,), tuple(stop_strings))

    def row_keys(self) -> list[tuple[int, int, int]]:
        """(prompt index, variant index, sample index) of each row, in row order."""
        return [(p, v, i) for p in range(len(self.prompts))
                for v, s in enumerate(self.variants) for i in range(s.num_return_sequences)]


@dataclass
class Sample:
    prompt_index: int
    variant_index: int
    sample_index: int
    seed: int
    text: str = ""
    token_ids: list[int] = field(default_factory=list)
    finish_reason: str | None = None  # eos | length | stop string | cancelled

    @property
    def n_tokens(self) -> int:
        return len(self.token_ids)


@dataclass
class GenerationResult:
    samples: list[Sample]
    rendered: list[RenderedPrompt]
    prompt_tokens: list[int]
    queued_s: float
    ttft_s: float | None      # submit -> first token, queue wait included
    total_s: float            # submit -> last token
    generation_s: float       # first forward pass -> last token
    cancelled: bool = False

    @property
    def new_tokens(self) -> int:
        return sum(s.n_tokens for s in self.samples)

    @property
    def tokens_per_s(self) -> float:
        return self.new_tokens / self.generation_s if self.generation_s > 0 else 0.0

    def texts(self) -> list[str]:
        return [s.text for s in self.samples]


class GenerationHandle:
    """A session's view of its request: stream, cancel, wait, read the result."""

    def __init__(self, request: GenerationRequest, service: "GenerationService"):
        self.request = request
        self._service = service
        keys = request.row_keys()
        self.samples = [Sample(p, v, i, request.variants[v].seed + i) for p, v, i in keys]
        self.rendered: list[RenderedPrompt] = []
        self.prompt_tokens: list[int] = []
        self._cond = threading.Condition()
        self._events: list[tuple[int, str]] = []  # (row, text delta), appended in order
        self._cancel = threading.Event()
        self._done = False
        self._error: BaseException | None = None
        self.submitted_at = time.perf_counter()
        self.started_at: float | None = None
        self.first_token_at: float | None = None
        self.finished_at: float | None = None

    # -- what sessions call --------------------------------------------------------------
    def cancel(self) -> None:
        """Stop this request only; rows already streaming end with finish_reason 'cancelled'."""
        self._cancel.set()
        self._service._wake()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        return self._done

    def position(self) -> int:
        """0 while running or done, else 1 + the number of requests ahead in the queue."""
        return self._service._position(self)

    def texts(self) -> list[str]:
        with self._cond:
            return [s.text for s in self.samples]

    def stream(self, timeout: float | None = None) -> Iterator[tuple[int, str]]:
        """Yield (row, text delta) as tokens arrive, until the request ends.

        Raises the request's error (a ``PlaygroundError``) if it failed.
        """
        seen = 0
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._cond:
                while seen == len(self._events) and not self._done:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        raise TimeoutError("generation did not finish in time")
                    self._cond.wait(timeout=left if left is not None else 0.5)
                batch, seen = self._events[seen:], len(self._events)
                finished = self._done and seen == len(self._events)
            yield from batch
            if finished:
                if self._error is not None:
                    raise self._error
                return

    def updates(self, interval: float = 0.1) -> Iterator[list[str]]:
        """Snapshots of every row's text, at most one per ``interval`` seconds (for UIs)."""
        for _ in self._throttled(interval):
            yield self.texts()
        if self._error is not None:
            raise self._error

    def _throttled(self, interval: float) -> Iterator[None]:
        seen = -1
        while True:
            with self._cond:
                if len(self._events) == seen and not self._done:
                    self._cond.wait(timeout=interval)
                changed, seen, done = len(self._events) != seen, len(self._events), self._done
            if changed or done:
                yield None
            if done:
                return
            time.sleep(interval)

    def result(self, timeout: float | None = None) -> GenerationResult:
        with self._cond:
            if not self._cond.wait_for(lambda: self._done, timeout=timeout):
                raise TimeoutError("generation did not finish in time")
        if self._error is not None:
            raise self._error
        end = self.finished_at
        started = self.started_at or end
        return GenerationResult(
            samples=self.samples, rendered=self.rendered, prompt_tokens=self.prompt_tokens,
            queued_s=started - self.submitted_at,
            ttft_s=None if self.first_token_at is None else self.first_token_at - self.submitted_at,
            total_s=end - self.submitted_at, generation_s=end - started,
            cancelled=self.cancelled)

    # -- what the owner thread calls -----------------------------------------------------
    def _emit(self, row: int, delta: str) -> None:
        with self._cond:
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            self.samples[row].text += delta
            self._events.append((row, delta))
            self._cond.notify_all()

    def _finish(self, error: BaseException | None = None) -> None:
        with self._cond:
            self._error = error
            self.finished_at = time.perf_counter()
            self._done = True
            self._cond.notify_all()


class _RowStream:
    """Incremental detokenization of one row, with stop strings and cancellation."""

    def __init__(self, handle: GenerationHandle, row: int, tokenizer, lock, stop_strings):
        self.handle, self.row, self.tokenizer, self.lock = handle, row, tokenizer, lock
        self.stop_strings = [s for s in stop_strings if s]
        self.sample = handle.samples[row]
        self.hit_stop = False

    def on_token(self, token: int) -> None:
        self.sample.token_ids.append(token)
        with self.lock:
            text = self.tokenizer.decode(self.sample.token_ids, skip_special_tokens=True)
        if text.endswith("\ufffd"):  # half of a multi-byte character: wait for the rest
            return
        for stop in self.stop_strings:
            cut = text.find(stop)
            if cut != -1:
                text, self.hit_stop = text[:cut], True
                break
        shown = self.sample.text
        if text.startswith(shown) and len(text) > len(shown):
            self.handle._emit(self.row, text[len(shown):])

    def should_stop(self) -> bool:
        return self.hit_stop or self.handle.cancelled


class GenerationService:
    """Owns one resident model. ``submit`` is thread-safe; generation runs on one thread."""

    def __init__(self, loaded, config: ServiceConfig | None = None):
        config = config or ServiceConfig()
        self.loaded = loaded
        self.max_queue = config.max_queue
        self.max_batch_rows = config.max_batch_rows
        self._pending: deque[GenerationHandle] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._running: list[GenerationHandle] = []
        self.completed = 0
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"owner:{loaded.name}")
        self._thread.start()

    # -- sessions ------------------------------------------------------------------------
    def submit(self, request: GenerationRequest) -> GenerationHandle:
        if not request.prompts or not request.variants:
            raise PlaygroundError("nothing to generate: the request has no prompt or settings")
        handle = GenerationHandle(request, self)
        with self._cond:
            if self._closed:
                raise PlaygroundError(f"{self.loaded.name} was unloaded; pick a model again")
            if len(self._pending) >= self.max_queue:
                raise ServiceBusyError("the server is busy, try again in a moment")
            self._pending.append(handle)
            self._cond.notify_all()
        return handle

    def render(self, prompt: Prompt) -> RenderedPrompt:
        """The exact text the model will receive for ``prompt`` (chat template applied)."""
        if prompt.messages is not None:
            return render_chat(self.loaded.tokenizer, list(prompt.messages))
        return render_raw(prompt.text or "")

    def tokenize(self, rendered: RenderedPrompt) -> list[int]:
        with self.loaded.tokenizer_lock:
            return self.loaded.tokenizer(rendered.text,
                                         add_special_tokens=rendered.add_special_tokens
                                         )["input_ids"]

    def queue_depth(self) -> int:
        with self._cond:
            return len(self._pending)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            pending, self._pending = list(self._pending), deque()
            self._cond.notify_all()
        for h in pending:
            h._finish(PlaygroundError(f"{self.loaded.name} was unloaded; pick a model again"))

    # -- internals -----------------------------------------------------------------------
    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _position(self, handle: GenerationHandle) -> int:
        with self._cond:
            try:
                return self._pending.index(handle) + 1
            except ValueError:
                return 0

    def _take_batch(self) -> list[GenerationHandle]:
        with self._cond:
            while not self._pending and not self._closed:
                self._cond.wait()
            batch, rows = [], 0
            while self._pending:
                h = self._pending[0]
                n = len(h.samples)
                if batch and rows + n > self.max_batch_rows:
                    break
                self._pending.popleft()
                if h.cancelled:
                    h._finish(None)
                    continue
                batch.append(h)
                rows += n
            self._running = batch
            return batch

    def _loop(self) -> None:
        while True:
            batch = self._take_batch()
            if not batch:
                if self._closed:
                    return
                continue
            try:
                self._run(batch)
            finally:
                with self._cond:
                    self._running = []

    def _prepare(self, handle: GenerationHandle) -> list[list[int]]:
        handle.rendered = [self.render(p) for p in handle.request.prompts]
        ids = [self.tokenize(r) for r in handle.rendered]
        handle.prompt_tokens = [len(i) for i in ids]
        limit = self.loaded.context_length
        longest = max(handle.prompt_tokens)
        most = max(s.max_new_tokens for s in handle.request.variants)
        if longest + most > limit:
            raise PlaygroundError(
                f"the prompt has {longest} tokens and max_new_tokens is {most}, more than "
                f"this model's context of {limit} tokens; shorten the prompt or lower "
                f"max_new_tokens")
        return ids

    def _run(self, batch: list[GenerationHandle]) -> None:
        rows: list[Row] = []
        owners: list[tuple[GenerationHandle, _RowStream]] = []
        ready = []
        for handle in batch:
            try:
                ids = self._prepare(handle)
            except PlaygroundError as err:
                handle._finish(err)
                continue
            except Exception as err:  # a template or tokenizer failure in one request only
                handle._finish(PlaygroundError(f"the prompt could not be prepared: {err}"))
                continue
            ready.append(handle)
            for row, (p, v, _) in enumerate(handle.request.row_keys()):
                stream = _RowStream(handle, row, self.loaded.tokenizer,
                                    self.loaded.tokenizer_lock, handle.request.stop_strings)
                rows.append(Row(prompt_ids=ids[p], settings=handle.request.variants[v],
                                seed=handle.samples[row].seed, on_token=stream.on_token,
                                stop=stream.should_stop))
                owners.append((handle, stream))
        if not rows:
            return
        now = time.perf_counter()
        for handle in ready:
            handle.started_at = now
        try:
            run_batch(self.loaded.model, rows, self._eos_ids(), self._pad_id())
        except torch.OutOfMemoryError:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            err = OutOfMemoryError("the server ran out of memory for this batch; lower "
                                   "max_new_tokens or the number of samples and try again")
            for handle in ready:
                handle._finish(err)
            return
        except Exception as err:  # never let one bad batch kill the owner thread
            for handle in ready:
                handle._finish(PlaygroundError(f"generation failed: {err}"))
            return
        for (handle, stream), row in zip(owners, rows):
            sample = stream.sample
            if stream.hit_stop:
                sample.finish_reason = "stop string"
            elif handle.cancelled and row.finish_reason == "stopped":
                sample.finish_reason = "cancelled"
            else:
                sample.finish_reason = row.finish_reason
        for handle in ready:
            self.completed += 1
            handle._finish(None)

    def _eos_ids(self) -> set[int]:
        """The ids that end a sequence: the generation config's, as transformers uses."""
        eos = getattr(self.loaded.model.generation_config, "eos_token_id", None)
        if eos is None:
            eos = self.loaded.tokenizer.eos_token_id
        if eos is None:
            return set()
        return set(eos) if isinstance(eos, (list, tuple)) else {int(eos)}

    def _pad_id(self) -> int:
        tok = self.loaded.tokenizer
        if tok.pad_token_id is not None:
            return int(tok.pad_token_id)
        return min(self._eos_ids(), default=0)


def generate(loaded, request: GenerationRequest,
             timeout: float | None = None) -> GenerationResult:
    """Submit and wait: the blocking form used by the CLI and tests."""
    return loaded.service.submit(request).result(timeout=timeout)


__all__ = ["Prompt", "GenerationRequest", "GenerationHandle", "GenerationResult", "Sample",
           "GenerationService", "generate", "RequestCancelled"]
