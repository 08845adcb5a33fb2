"""The generation service: one owner thread per resident model, fed by a bounded queue.

Concurrent ``generate()`` calls on one model from several threads break (transformers #32217)
and a shared fast tokenizer raises "Already borrowed" (#47085), so only the owner thread runs
the model. Sessions submit a ``GenerationRequest`` and get a ``GenerationHandle`` that streams
each row's text, can be cancelled (only that request stops), and times itself.

Batching across sessions: the owner waits ``gather_ms`` after a request arrives so that
requests pressed "at the same moment" start together, and, while a batch runs, requests that
arrive later join it at the next step boundary (continuous admission,
``playground.serving.engine``).
Each row keeps its own settings and seed, so a row's text does not depend on its neighbours.
A request finishes when its own rows do, not when the batch does.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import atexit
import gc
import threading
import time
import weakref
from collections import deque

import torch

from playground.serving.chat import RenderedPrompt, encode, render_chat, render_raw
from playground.config import LimitsConfig, ServiceConfig
from playground.serving.beams import beam_problems, run_beams
from playground.serving.engine import Row, run_batch
from playground.serving.prefixes import PrefixCache
from playground.serving.fairshare import SessionLedger, participant, session_ledger, who
from playground.serving.admission import FairAdmission
from playground.serving.scheduler import FairScheduler
from playground.errors import (OutOfMemoryError, PlaygroundError, RequestCancelled,
                               ServiceBusyError, SettingsError, report_unexpected)
from playground.serving.handles import (GenerationHandle, GenerationRequest, GenerationResult,
                                        Prompt, Sample, _RowStream)
from playground.serving.steps import (DrawRecorder, StepRecorder, check_record_steps,
                                      check_steering)


_LIVE: "weakref.WeakSet[GenerationService]" = weakref.WeakSet()


@atexit.register
def _stop_owner_threads() -> None:
    """Stop every owner thread before the interpreter finalizes. A daemon thread still alive
    then is killed with pthread_exit, and if it is inside torch's C++ code that aborts the
    process ("terminate called without an active exception", exit status 134) after the
    command's output was already printed."""
    for service in list(_LIVE):
        with service._cond:
            running = list(service._running)
        for handle in running:
            handle.cancel()
        service.close(wait_s=5)


class GenerationService(FairAdmission):
    """Owns one resident model. ``submit`` is thread-safe; generation runs on one thread."""

    def __init__(self, loaded, config: ServiceConfig | None = None,
                 limits: LimitsConfig | None = None, ledger: SessionLedger | None = None):
        self.loaded = loaded
        self.ledger = ledger or session_ledger()  # each participant's fair share
        self.config = config or ServiceConfig()
        self.limits = limits or LimitsConfig()
        self.max_queue = self.config.max_queue
        self.max_batch_rows = self.config.max_batch_rows
        self._pending: deque[GenerationHandle] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._running: set[GenerationHandle] = set()
        self._running_rows = 0
        self._running_tokens = 0
        self._by_session: dict[str, GenerationHandle] = {}
        # the fair scheduler's state (``_admit_fair``): handles whose rows are prepared and
        # not all in the batch, the rows in the batch (id -> (row, handle)), parked rows' ids
        self._sched = FairScheduler(self.max_batch_rows, self.config.park_per_step)
        self._started: list[GenerationHandle] = []
        self._in_batch: dict[int, tuple[Row, GenerationHandle]] = {}
        self._parked: set[int] = set()
        self.parks = 0  # rows parked for others so far (tests and the Admin page read it)
        # the keys and values of the room's shared prompt heads (a chat template's system
        # prompt), read once and kept: ``serving.prefixes``
        budget = int(self.config.prefix_cache_mb * 2**20)
        self.prefixes = PrefixCache(max_bytes=budget) if budget > 0 else None
        self._row_handle: dict[int, GenerationHandle] = {}
        self._row_stream: dict[int, _RowStream] = {}
        self._token_times: deque[float] = deque()
        self.completed = 0
        self.generated_tokens = 0
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"owner:{loaded.name}")
        self._thread.start()
        _LIVE.add(self)

    # -- sessions ------------------------------------------------------------------------
    def submit(self, request: GenerationRequest) -> GenerationHandle:
        """Queue a request. A session's earlier request with the same ``session`` key is
        cancelled (one active request per session per page)."""
        if not request.prompts or not request.variants:
            raise PlaygroundError("nothing to generate: the request has no prompt or settings")
        self._check_limits(request)
        participant = who(request)
        self.ledger.check(participant)
        self.loaded.touch()
        handle = GenerationHandle(request, self)
        handle.participant = participant
        with self._cond:
            if self._closed:
                raise PlaygroundError(f"{self.loaded.name} was unloaded; pick a model again")
            if len(self._pending) >= self.max_queue:
                raise ServiceBusyError("the server is busy, try again in a moment", key="errors.busy")
            if request.session:
                previous = self._by_session.get(request.session)
                if previous is not None and not previous.done:
                    previous.cancel()
                self._by_session[request.session] = handle
            self._pending.append(handle)
            self._cond.notify_all()
        self.ledger.register(handle)
        return handle

    def _check_limits(self, request: GenerationRequest) -> None:
        lim, problems = self.limits, []
        for s in request.variants:
            if s.max_new_tokens > lim.max_new_tokens:
                problems.append(f"max_new_tokens is capped at {lim.max_new_tokens} on this "
                                f"server (asked for {s.max_new_tokens})")
            if s.num_return_sequences > lim.max_samples:
                problems.append(f"at most {lim.max_samples} samples per setting on this server "
                                f"(asked for {s.num_return_sequences})")
        lens_problem = check_record_steps(request.record_steps)
        if lens_problem:
            problems.append(lens_problem)
        problems += check_steering(request)
        problems += beam_problems(request)
        rows = len(request.row_keys())
        if rows > lim.max_rows:
            problems.append(f"this request would generate {rows} sequences; the server allows "
                            f"{lim.max_rows} per request")
        if problems:
            raise SettingsError(sorted(set(problems)))

    def render(self, prompt: Prompt) -> RenderedPrompt:
        """The exact text the model will receive for ``prompt`` (chat template applied)."""
        if prompt.messages is not None:
            return render_chat(self.loaded.tokenizer, list(prompt.messages))
        return render_raw(prompt.text or "")

    def tokenize(self, rendered: RenderedPrompt) -> list[int]:
        with self.loaded.tokenizer_lock:  # participants' special-token strings stay text
            return encode(self.loaded.tokenizer, rendered)

    def queue_depth(self) -> int:
        with self._cond:
            return len(self._pending)

    def busy(self) -> bool:
        """True while any request is waiting or running (such a model is never evicted)."""
        with self._cond:
            return bool(self._pending or self._running)

    def stats(self, window_s: float = 10.0) -> dict:
        """Live figures for the admin page: queue, running rows, sessions, tok/s now."""
        now = time.perf_counter()
        with self._cond:
            while self._token_times and self._token_times[0] < now - window_s:
                self._token_times.popleft()
            sessions = {h.request.session for h in list(self._pending) + list(self._running)
                        if h.request.session}
            return {"queue_depth": len(self._pending), "running_requests": len(self._running),
                    "running_rows": self._running_rows, "active_sessions": len(sessions),
                    "tokens_per_s_now": len(self._token_times) / window_s,
                    "completed": self.completed, "generated_tokens": self.generated_tokens,
                    "prefix_cache": self.prefixes.stats() if self.prefixes else None}

    def close(self, wait_s: float | None = None) -> None:
        """Refuse new requests and fail waiting ones; the running batch finishes.

        ``wait_s``: also wait up to that many seconds for the owner thread to exit, so that
        nothing references the model any more and its memory can be freed right away.
        """
        with self._cond:
            self._closed = True
            pending, self._pending = list(self._pending), deque()
            self._cond.notify_all()
        for h in pending:
            h._finish(PlaygroundError(f"{self.loaded.name} was unloaded; pick a model again"))
        if wait_s is not None and threading.current_thread() is not self._thread:
            self._thread.join(wait_s)

    # -- what handles call ---------------------------------------------------------------
    def _wake(self) -> None:
        """A handle was cancelled: if it is still waiting, it leaves the queue now."""
        with self._cond:
            dropped = [h for h in self._pending if h.cancelled]
            for h in dropped:
                self._pending.remove(h)
            self._cond.notify_all()
        for h in dropped:
            h._finish(None)

    def _position(self, handle: GenerationHandle) -> int:
        with self._cond:
            try:
                return self._pending.index(handle) + 1
            except ValueError:
                return 0

    def _count_token(self, session: str | None = None) -> None:
        with self._cond:
            self._token_times.append(time.perf_counter())
            self.generated_tokens += 1
            self._sched.served(participant(session)[0])
        self.ledger.count_token(session)

    # -- the owner thread ----------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed and not self._pending:
                    return
            time.sleep(self.config.gather_ms / 1000)  # let a room's simultaneous clicks gather
            try:  # admission may run a beam search (``serving.beams``)
                rows = self._admit_rows(running=0)
            except Exception as err:
                self._fail_running(err)
                continue
            rows = rows[0] if isinstance(rows, tuple) else rows
            if not rows:
                continue
            failed = False
            try:
                run_batch(self.loaded.model, rows, self._eos_ids(), self._pad_id(),
                          admit=self._admit_rows if self.config.continuous else None,
                          prefixes=self.prefixes)
            except Exception as err:  # never let one bad batch kill the owner thread
                failed = True
                self._fail_running(err)
            if failed:  # out of the except block the traceback, and with it the failed
                rows = None  # batch's KV cache, is gone: now its memory can really return
                gc.collect()
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()

    def _admit_rows(self, running: int) -> list[Row] | tuple[list[Row], list[Row]]:
        """Rows that join the batch now (and, with the fair scheduler, running rows to park).
        Beam rows are admitted as any row, then run here, on the owner thread, with
        transformers' generate (``serving.beams``): they never join the batch."""
        answer = (self._admit_fair(running) if self.config.scheduler == "fair"
                  else self._admit_fifo(running))
        for row in answer[0] if isinstance(answer, tuple) else answer:  # its prompt is known:
            row.settings = row.settings.for_prompt(len(row.prompt_ids))  # max_length -> new
        return run_beams(self.loaded.model, answer, self._eos_ids(), self._pad_id())

    def _admit_fifo(self, running: int) -> list[Row]:
        """Whole waiting requests, first come first served, that fit beside ``running`` rows
        (at least one request when nothing runs, however large)."""
        taken = []
        with self._cond:
            if running == 0:
                self._running_rows = self._running_tokens = 0
            while self._pending:
                h = self._pending[0]
                rows = len(h.samples)
                tokens = rows * (self._budget_tokens(h))
                fits = (self._running_rows + rows <= self.max_batch_rows and
                        self._running_tokens + tokens <= self.config.max_batch_tokens)
                if not fits and (self._running_rows or taken):
                    break
                self._pending.popleft()
                if h.cancelled:
                    h._finish(None)
                    continue
                if time.perf_counter() - h.submitted_at > self.config.request_timeout_s:
                    h._finish(ServiceBusyError("the server was too busy to start your request "
                                               "in time; try again"))
                    continue
                taken.append(h)
                self._running.add(h)
                self._running_rows += rows
                self._running_tokens += tokens
        out = []
        for h in taken:
            out += self._rows_for(h)
        return out

    @staticmethod
    def _budget_tokens(h: GenerationHandle) -> int:
        longest = max((len(p.text or "") // 3 if p.text is not None else 256)
                      for p in h.request.prompts)  # rough, before tokenizing
        return longest + max(s.max_new_tokens for s in h.request.variants)

    def _rows_for(self, handle: GenerationHandle) -> list[Row]:
        try:
            ids = self._prepare(handle)
        except Exception as err:  # a template or tokenizer failure ends this request only
            self._release(handle, err if isinstance(err, PlaygroundError) else
                          PlaygroundError(f"the prompt could not be prepared: {err}"))
            return []
        handle.started_at = time.perf_counter()
        handle._rows_left = len(handle.samples)
        rows = []
        for i, (p, v, _) in enumerate(handle.request.row_keys()):
            stream = _RowStream(handle, i, self.loaded.tokenizer, self.loaded.tokenizer_lock,
                                handle.request.stop_strings, self.config.request_timeout_s,
                                lambda s=handle.participant: self._count_token(s))
            row = Row(prompt_ids=ids[p], settings=handle.request.variants[v],
                      seed=handle.samples[i].seed, on_token=stream.on_token,
                      stop=stream.should_stop, adapter=handle.request.adapter)
            if handle.request.record_steps:  # the decoding lens: record every step
                row.on_step = StepRecorder(handle.samples[i].steps, row.settings,
                                           handle.request.record_steps,
                                           self.loaded.tokenizer, self.loaded.tokenizer_lock)
            if handle.request.forced_tokens:  # the lens's branch: this row's first tokens
                row.forced = tuple(handle.request.forced_tokens[i])
            if handle.request.draw is not None:  # the lens's "draw n times" at one step
                step, n = handle.request.draw
                row.probe = DrawRecorder(handle.samples[i], row.settings, step, n,
                                         handle.request.record_steps or 10,
                                         self.loaded.tokenizer, self.loaded.tokenizer_lock)
            row.on_done = lambda row=row, stream=stream: self._row_done(stream, row)
            self._row_stream[id(row)] = stream
            rows.append(row)
        return rows

    def _prepare(self, handle: GenerationHandle) -> list[list[int]]:
        handle.rendered = [self.render(p) for p in handle.request.prompts]
        ids = [self.tokenize(r) for r in handle.rendered]
        handle.prompt_tokens = [len(i) for i in ids]
        vocab = self.loaded.model.get_input_embeddings().num_embeddings
        if any(t >= vocab for row in handle.request.forced_tokens for t in row):
            raise SettingsError([f"a forced token id is outside this model's vocabulary "
                                 f"(0-{vocab - 1})"])
        limit = self.loaded.context_length
        longest = max(handle.prompt_tokens)
        problems = sorted({p for s in handle.request.variants for n in handle.prompt_tokens
                           if (p := s.length_problem(n, self.limits.max_new_tokens))})
        if problems:  # max_length leaves no room, or more than the server allows
            raise SettingsError(problems)
        most = max(s.new_tokens_for(longest) for s in handle.request.variants)
        if longest + most > limit:
            raise PlaygroundError(
                f"the prompt has {longest} tokens and max_new_tokens is {most}, more than "
                f"this model's context of {limit} tokens; shorten the prompt or lower "
                f"max_new_tokens")
        return ids

    def _row_done(self, stream: _RowStream, row: Row) -> None:
        with self._cond:
            self._in_batch.pop(id(row), None)
            self._parked.discard(id(row))
            self._row_handle.pop(id(row), None)
            self._row_stream.pop(id(row), None)
        self._finish_row(stream, row)

    def _finish_row(self, stream: _RowStream, row: Row, ran: bool = True) -> None:
        sample, handle = stream.sample, stream.handle
        if stream.hit_stop:
            sample.finish_reason = "stop string"
        elif stream.timed_out:
            sample.finish_reason = "timeout"
        elif handle.cancelled and row.finish_reason == "stopped":
            sample.finish_reason = "cancelled"
        else:
            sample.finish_reason = row.finish_reason
        with self._cond:
            if ran:  # a row that never ran held no slot
                self._running_rows -= 1
                self._running_tokens -= self._budget_tokens(handle)
            handle._rows_left -= 1
            last = handle._rows_left == 0
        if last:
            self._release(handle, None)

    def _release(self, handle: GenerationHandle, error: BaseException | None) -> None:
        with self._cond:
            self._running.discard(handle)
            if handle.request.session and self._by_session.get(handle.request.session) is handle:
                del self._by_session[handle.request.session]
            if error is None:
                self.completed += 1
        handle._finish(error)

    def _fail_running(self, err: Exception) -> None:
        """Every request of the running batch ends with one clear error; waiting requests
        stay queued and run next."""
        if isinstance(err, (torch.OutOfMemoryError, MemoryError)):
            err = OutOfMemoryError("the server ran out of memory for this batch; lower "
                                   "max_new_tokens or the number of samples and try again")
        elif not isinstance(err, PlaygroundError):  # a bug: logged with an id, no details shown
            err = PlaygroundError(report_unexpected(err, f"generation on {self.loaded.name}"))
        with self._cond:
            running = list(self._running)
            self._started.clear()
            self._in_batch.clear()
            self._parked.clear()
            self._row_handle.clear()
            self._row_stream.clear()
        for handle in running:
            self._release(handle, err)

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
