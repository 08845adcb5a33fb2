"""What a session holds: the request it submitted and the handle that streams the answer.

A ``GenerationHandle`` is written by the model's owner thread and read by one session's
thread; everything shared is guarded by the handle's condition variable.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

from playground.serving.chat import RenderedPrompt
from playground.serving.settings import GenerationSettings


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
    record_steps: int = 0  # decoding lens: candidates kept per step and row (0 = off, <= 50)
    # steering the lens: per row (in row order), token ids the row takes at its first steps
    # instead of the token it draws (the draw is still made, so a row's generator stays where
    # it would have been); () = no row is forced, or one tuple per row (() for a free row)
    forced_tokens: tuple[tuple[int, ...], ...] = ()
    # (step, n): at that step (0 = first token), draw n tokens from each row's final
    # distribution with a copy of the row's own generator, as the sampler draws (lens)
    draw: tuple[int, int] | None = None
    # the LoRA adapter every row of this request runs with (a name attached to the model's
    # ``MultiLora``; None: the base model alone). Set by the adapter's ``AdapterModel``.
    adapter: str | None = None

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
    token_count: int | None = None  # remote engines: tokens they reported (no ids here)
    steps: list = field(default_factory=list)  # lens StepRecords when record_steps > 0
    draws: object = None  # lens DrawTally when the request asked for ``draw``

    @property
    def n_tokens(self) -> int:
        return len(self.token_ids) if self.token_count is None else self.token_count


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
    warnings: list[str] = field(default_factory=list)  # settings the engine could not honour

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
        self.warnings: list[str] = []  # e.g. a remote engine's unsupported settings
        self.participant: str | None = None  # who it is budgeted to (serving.fairshare.who)
        self._cond = threading.Condition()
        self._events: list[tuple[int, str]] = []  # (row, text delta), appended in order
        self._cancel = threading.Event()
        self._done = False
        self._error: BaseException | None = None
        self.submitted_at = time.perf_counter()
        self.started_at: float | None = None
        self.first_token_at: float | None = None
        self.finished_at: float | None = None
        self._rows_left = 0  # written by the owner thread

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
            cancelled=self.cancelled, warnings=list(self.warnings))

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

    def __init__(self, handle: GenerationHandle, row: int, tokenizer, lock, stop_strings,
                 timeout_s: float = float("inf"), count_token=lambda: None):
        self.handle, self.row, self.tokenizer, self.lock = handle, row, tokenizer, lock
        self.stop_strings = [s for s in stop_strings if s]
        self.sample = handle.samples[row]
        self.hit_stop = False
        self.timed_out = False
        self.deadline = handle.submitted_at + timeout_s
        self.count_token = count_token

    def on_token(self, token: int) -> None:
        self.sample.token_ids.append(token)
        self.count_token()
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
        if not self.timed_out and time.perf_counter() > self.deadline:
            self.timed_out = True
        return self.hit_stop or self.timed_out or self.handle.cancelled
