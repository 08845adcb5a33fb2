"""One-at-a-time background jobs with progress, cancel and a place in line.

Some work ties up the whole device for a minute or more (the quantization comparison loads
one model copy after another). A ``JobQueue`` runs such jobs strictly one after another on
its own worker thread; every caller gets a ``Job`` to poll (fraction done, a message, its
place in line), to cancel, and to wait on. The worker thread, not a page's script thread,
runs the job, so a browser rerun or a closed tab never leaves a half-loaded model behind.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Callable

from playground.errors import RequestCancelled, ServiceBusyError

# fn(progress, cancelled) -> result; progress(fraction in [0, 1], message); cancelled() -> bool
JobFunction = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class Job:
    """A caller's view of its job: poll ``fraction``/``message``/``position()``, or wait."""

    def __init__(self, fn: JobFunction, label: str, queue: "JobQueue | _NoLine"):
        self.fn, self.label, self._queue = fn, label, queue
        self.fraction = 0.0   # [0, 1]
        self.message = "waiting for its turn"
        self.submitted_at = time.monotonic()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the job to stop at its next check (a queued job never starts)."""
        self._cancel.set()

    def position(self) -> int:
        """1 + the number of jobs ahead while waiting; 0 once running or finished."""
        return self._queue.position(self)

    def result(self, timeout: float | None = None) -> Any:
        """The job's return value; raises its error (``RequestCancelled`` if cancelled)."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"{self.label} did not finish in time")
        if self._error is not None:
            raise self._error
        return self._result

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction = min(1.0, max(0.0, float(fraction)))
        self.message = message

    def _run(self) -> None:
        """Run ``fn`` on the calling thread and record its result or error."""
        if self.cancelled:
            self._finish(error=RequestCancelled(f"{self.label} was cancelled"))
            return
        self.started_at = time.monotonic()
        self._progress(0.0, "starting")
        try:
            result = self.fn(self._progress, self._cancel.is_set)
        except BaseException as err:  # the job's error belongs to its caller
            self._finish(error=err)
        else:
            self._finish(result=result)

    def _finish(self, result: Any = None, error: BaseException | None = None) -> None:
        self._result, self._error = result, error
        self.finished_at = time.monotonic()
        self._done.set()


class JobQueue:
    """Runs submitted jobs one at a time, in order, on one daemon worker thread."""

    def __init__(self, name: str, max_waiting: int = 16):
        self.name = name
        self.max_waiting = max_waiting  # more waiting jobs -> "the server is busy"
        self._waiting: deque[Job] = deque()
        self._running: Job | None = None
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, fn: JobFunction, label: str = "job") -> Job:
        job = Job(fn, label, self)
        with self._cond:
            if len(self._waiting) >= self.max_waiting:
                raise ServiceBusyError(f"{self.max_waiting} {self.name} jobs are already "
                                       f"waiting; try again in a few minutes")
            self._waiting.append(job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name=f"jobs:{self.name}")
                self._thread.start()
            self._cond.notify_all()
        return job

    def position(self, job: Job) -> int:
        with self._cond:
            try:
                return self._waiting.index(job) + 1
            except ValueError:
                return 0

    def busy(self) -> int:
        """Jobs running or waiting right now."""
        with self._cond:
            return len(self._waiting) + (self._running is not None)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._waiting:
                    self._cond.wait()
                job = self._running = self._waiting.popleft()
            try:
                job._run()
            finally:
                with self._cond:
                    self._running = None


class _NoLine:
    """A job started at once has nobody ahead of it."""

    @staticmethod
    def position(job: Job) -> int:
        return 0


def start_job(fn: JobFunction, label: str = "job") -> Job:
    """Run one job now on its own daemon thread (no line to wait in: ``position()`` is 0).
    For work that shares the server through another queue already, e.g. a sweep's requests."""
    job = Job(fn, label, _NoLine())
    threading.Thread(target=job._run, daemon=True, name=f"job:{label}").start()
    return job
