"""One computation for identical heavy jobs: quantization comparisons and sweeps.

A heavy job is keyed by everything that decides its result (model, presets or grid, prompt,
tokens, seed...). A request whose key matches a running job joins it: one computation, every
viewer polls the same progress and gets the same result, and ``Watch.others`` says how many
others are waiting for it. A finished result is kept in memory and in the room database
(``results``: key, kind, time, JSON) and handed at once to the next viewer who asks, also after
a server restart; ``rerun=True`` (the instructor) computes it again. A viewer who cancels only
stops watching; the job itself is cancelled when its last viewer has gone.

``SharedJobs`` is the generic mechanism; ``shared_comparison`` and ``shared_sweep`` key and
start the two heavy jobs of the playground.

Package ``playground.room``: may import the feature packages (``lab``, ``prompting``, ``quant``,
``rag``), ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import asdict
from typing import Any, Callable

from playground.errors import RequestCancelled
from playground.lab import metrics, sweep
from playground.quant.compare import Comparison, ComparisonRequest, PresetRow
from playground.quant.worker import submit_comparison
from playground.room.store import RoomStore, room_store
from playground.serving.jobqueue import Job, start_job


def job_key(kind: str, inputs: dict) -> str:
    """A stable key for ``inputs`` (JSON-able): same inputs, same key, on every server."""
    text = json.dumps({"kind": kind, **inputs}, sort_keys=True, ensure_ascii=False, default=list)
    return f"{kind}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}"


class _Shared:
    """One running computation and the viewers waiting for it (guarded by SharedJobs' lock)."""

    def __init__(self, job: Job):
        self.job = job
        self.viewers: set[Watch] = set()


class Watch:
    """One viewer's view of a shared job; the same interface as ``jobqueue.Job`` (fraction,
    message, position, done, cancel, result), plus ``others`` and ``from_cache``."""

    def __init__(self, jobs: "SharedJobs", key: str, again: Callable[[], "Watch"],
                 shared: _Shared | None = None, cached: tuple[Any, float] | None = None):
        self._jobs, self.key, self._again = jobs, key, again
        self._shared = shared
        self._stopped = threading.Event()
        self.from_cache = cached is not None
        self._cached = cached  # (result, epoch time it was computed)

    @property
    def fraction(self) -> float:
        return 1.0 if self._shared is None else self._shared.job.fraction

    @property
    def message(self) -> str:
        return "done" if self._shared is None else self._shared.job.message

    @property
    def label(self) -> str:
        return "the job" if self._shared is None else self._shared.job.label

    def position(self) -> int:
        return 0 if self._shared is None else self._shared.job.position()

    @property
    def done(self) -> bool:
        return self._shared is None or self._stopped.is_set() or self._shared.job.done

    @property
    def cancelled(self) -> bool:
        return self._stopped.is_set()

    @property
    def others(self) -> int:
        """Other viewers waiting for the same computation right now."""
        return self._jobs.viewers(self) - 1 if self._shared is not None else 0

    @property
    def computed_at(self) -> float | None:
        """Epoch seconds when the result was computed (None while running)."""
        return self._cached[1] if self._cached else self._jobs.computed_at(self.key)

    def cancel(self) -> None:
        """Stop watching; the computation stops only if nobody else is waiting for it."""
        if not self._stopped.is_set():
            self._stopped.set()
            self._jobs._leave(self)

    def result(self, timeout: float | None = None) -> Any:
        if self._cached is not None:
            return self._cached[0]
        if self._stopped.is_set():
            raise RequestCancelled("you stopped watching; the others waiting still get it")
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._shared.job.done:
            if self._stopped.is_set():
                raise RequestCancelled("you stopped watching; the others waiting still get it")
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{self.label} did not finish in time")
            self._shared.job._done.wait(0.1)
        return self._shared.job.result(timeout=0)

    def again(self) -> "Watch":
        """The same request computed once more (the instructor's "run it again")."""
        return self._again()


class SharedJobs:
    """Keyed sharing of heavy jobs; thread-safe. ``encode``/``decode`` turn a result into JSON
    and back for the room database (``store``; None = memory only)."""

    def __init__(self, kind: str, encode: Callable[[Any], Any], decode: Callable[[Any], Any],
                 store: RoomStore | None = None):
        self.kind, self.encode, self.decode, self.store = kind, encode, decode, store
        self._lock = threading.Lock()
        self._running: dict[str, _Shared] = {}
        self._finished: dict[str, tuple[Any, float]] = {}  # key -> (result, epoch seconds)
        self.started = 0  # computations started (not joined, not from the cache)

    def request(self, inputs: dict, start: Callable[[], Job], rerun: bool = False) -> Watch:
        """A watch on the job for ``inputs``: joined, from the cache, or started by ``start``."""
        key = job_key(self.kind, inputs)

        def again() -> Watch:
            return self.request(inputs, start, rerun=True)

        with self._lock:
            shared = self._running.get(key)
            if shared is not None and shared.job.done:
                self._record(key, shared)  # finished a moment ago: its settling thread is late
                shared = None
            if shared is not None and shared.job.cancelled:
                shared = None  # its last viewer left just now: this viewer starts afresh
            if shared is None and not rerun:
                cached = self._finished.get(key) or self._load(key)
                if cached is not None:
                    self._finished[key] = cached
                    return Watch(self, key, again, cached=cached)
            if shared is None:
                shared = self._running[key] = _Shared(start())
                self.started += 1
                threading.Thread(target=self._settle, args=(key, shared), daemon=True,
                                 name=f"shared:{self.kind}").start()
            watch = Watch(self, key, again, shared=shared)
            shared.viewers.add(watch)
            return watch

    def viewers(self, watch: Watch) -> int:
        with self._lock:
            return len(watch._shared.viewers) if watch._shared else 0

    def computed_at(self, key: str) -> float | None:
        with self._lock:
            done = self._finished.get(key)
        return done[1] if done else None

    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def forget(self) -> None:
        """Drop the memory cache (the database keeps its copies)."""
        with self._lock:
            self._finished.clear()

    def _leave(self, watch: Watch) -> None:
        with self._lock:
            shared = watch._shared
            shared.viewers.discard(watch)
            if not shared.viewers and not shared.job.done:
                shared.job.cancel()  # nobody is waiting any more

    def _settle(self, key: str, shared: _Shared) -> None:
        """Wait for the job; keep its result (memory + database) for the next viewer."""
        shared.job._done.wait()
        with self._lock:
            result = self._record(key, shared)
        if result is not None and self.store is not None:
            self._save(key, result)

    def _record(self, key: str, shared: _Shared) -> Any:
        """Under the lock: move a finished job out of the running ones; its result or None."""
        if self._running.get(key) is shared:
            del self._running[key]
        try:
            result = shared.job.result(timeout=0)
        except BaseException:
            return None  # errors and cancellations are not kept: the next asker retries
        if key not in self._finished or self._finished[key][0] is not result:
            self._finished[key] = (result, time.time())
        return result

    def _load(self, key: str) -> tuple[Any, float] | None:
        if self.store is None:
            return None
        row = self.store.one("SELECT created, result FROM results WHERE key = ?", (key,))
        if row is None:
            return None
        try:
            return self.decode(json.loads(row["result"])), float(row["created"])
        except (ValueError, TypeError, KeyError):
            return None  # written by another version: compute it again

    def _save(self, key: str, result: Any) -> None:
        self.store.execute(
            "INSERT INTO results (key, kind, created, result) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET created = excluded.created, result = excluded.result",
            (key, self.kind, time.time(), json.dumps(self.encode(result), ensure_ascii=False)))


# -- the two heavy jobs -------------------------------------------------------------------------
def _decode_comparison(data: dict) -> Comparison:
    return Comparison(**{**data, "rows": [PresetRow(**r) for r in data["rows"]]})


def _decode_cells(data: list) -> list[sweep.Cell]:
    return [sweep.Cell(**{**c, "texts": tuple(c["texts"])}) for c in data]


_registry_lock = threading.Lock()
_comparisons: dict[str, SharedJobs] = {}
_sweeps: dict[str, SharedJobs] = {}


def comparisons(store: RoomStore | None = None) -> SharedJobs:
    """The process-wide shared quantization comparisons (results kept in ``store``)."""
    store = store or room_store()
    with _registry_lock:
        jobs = _comparisons.get(str(store.path))
        if jobs is None:
            jobs = _comparisons[str(store.path)] = SharedJobs("quantization", asdict,
                                                              _decode_comparison, store)
        return jobs


def sweeps(store: RoomStore | None = None) -> SharedJobs:
    """The process-wide shared sweeps (results kept in ``store``)."""
    store = store or room_store()
    with _registry_lock:
        jobs = _sweeps.get(str(store.path))
        if jobs is None:
            jobs = _sweeps[str(store.path)] = SharedJobs(
                "sweep", lambda cells: [asdict(c) for c in cells], _decode_cells, store)
        return jobs


def comparison_inputs(request: ComparisonRequest, model: str) -> dict:
    """What decides a comparison's result, and who may see it: the access token itself never
    enters the key, but a digest of it does, so that a result computed with one participant's
    token (a gated model) is never handed to someone without it."""
    fields = asdict(request)
    token = fields.pop("token", None)
    access = hashlib.sha256(token.encode()).hexdigest()[:16] if token else ""
    return {**fields, "model": model, "access": access}


def shared_comparison(request: ComparisonRequest, registry, rerun: bool = False,
                      store: RoomStore | None = None) -> Watch:
    """The Quantization page's comparison, computed once for everyone who asks the same."""
    model = registry.resolve(request.model).name
    return comparisons(store).request(comparison_inputs(request, model),
                                      lambda: submit_comparison(request, registry), rerun)


def sweep_inputs(model: str, prompt, plan: sweep.SweepPlan,
                 self_bleu_mode: str = metrics.DEFAULT_SELF_BLEU_MODE) -> dict:
    return {"model": model, "prompt": asdict(prompt), "plan": asdict(plan),
            "self_bleu_mode": self_bleu_mode}


def _run_sweep(loaded, prompt, plan: sweep.SweepPlan, progress, cancelled,
               self_bleu_mode: str = metrics.DEFAULT_SELF_BLEU_MODE) -> list[sweep.Cell]:
    handles = sweep.submit(loaded, prompt, plan)

    def relay(fraction: float, message: str) -> None:
        if cancelled():  # the last viewer left: free the server's rows
            raise RequestCancelled("the sweep was cancelled")
        progress(fraction, message)

    try:
        return sweep.collect(plan, handles, relay, self_bleu_mode=self_bleu_mode, prompt=prompt)
    except BaseException:
        for h in handles:
            h.cancel()
        raise


def shared_sweep(loaded, prompt, plan: sweep.SweepPlan, rerun: bool = False,
                 store: RoomStore | None = None,
                 self_bleu_mode: str = metrics.DEFAULT_SELF_BLEU_MODE) -> Watch:
    """The Sweep page's grid, computed once for everyone who asks the same (the Self-BLEU
    mode is part of the key: it changes the scores)."""
    metrics.check_mode(self_bleu_mode)
    return sweeps(store).request(
        sweep_inputs(loaded.name, prompt, plan, self_bleu_mode),
        lambda: start_job(lambda p, c: _run_sweep(loaded, prompt, plan, p, c, self_bleu_mode),
                          "the sweep"),
        rerun)
