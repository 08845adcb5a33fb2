"""The room's training queue: one job at a time in a child process, identical jobs shared.

Training is heavy, so it never runs on a page's thread or in the server process: each job is
``python -m playground.tuning.runs`` with a bounded thread count and a high niceness (the
generation service's threads go first), on its own copy of the base weights. Jobs wait in one
line (``[training] concurrency`` at once); a job is keyed by everything that decides its result
(model, records, settings, seed, prompts), and a second participant who asks for the same job
joins the running one (or gets the finished adapter at once). Stop ends the run at the next
step and keeps what it learned, unless someone else is still watching it.

The adapter of a job lives in ``<cache_dir>/adapters/<key>/`` with its ``result.json``, so a
finished job is found again after a restart.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import asdict
from pathlib import Path

from playground import errors
from playground.errors import PlaygroundError, RequestCancelled, SettingsError
from playground.serving.jobqueue import Job, JobQueue
from playground.tuning.data import Record
from playground.tuning.loop import TrainJob, TrainResult, TrainSettings
from playground.tuning.schedule import StepPlan

RESULT = "result.json"
MAX_KEPT = 60  # adapter folders kept on disk (the oldest finished ones go first)
_KINDS = {cls.__name__: cls for cls in vars(errors).values()
          if isinstance(cls, type) and issubclass(cls, PlaygroundError)
          and cls is not errors.SettingsError}


def job_key(job: TrainJob) -> str:
    text = json.dumps(job.key_inputs(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def adapters_dir(config) -> Path:
    """Where runs keep their adapters: $PLAYGROUND_ADAPTERS_DIR, else ``<cache_dir>/adapters``
    (the built-in adapters setup trains always live in the latter)."""
    override = os.environ.get("PLAYGROUND_ADAPTERS_DIR")
    return Path(override).expanduser() if override else config.cache_dir / "adapters"


def job_to_json(job: TrainJob) -> dict:
    return {**asdict(job), "records": [asdict(r) for r in job.records]}


def job_from_json(data: dict) -> TrainJob:
    s = data.get("settings") or {}
    settings = TrainSettings(**{**s, "target_modules": tuple(s.get("target_modules") or ())}) \
        if s else TrainSettings()
    return TrainJob(model=data["model"], records=tuple(Record(**r) for r in data["records"]),
                    settings=settings, prompts=tuple(data.get("prompts") or ()),
                    eval_set=data.get("eval_set", ""),
                    max_new_tokens=int(data.get("max_new_tokens", 40)),
                    label=data.get("label", "my-adapter"))


def result_from_json(data: dict) -> TrainResult:
    return TrainResult(**data)


def finished(folder: Path) -> TrainResult | None:
    """The result of a job whose adapter is already in ``folder`` (a complete run only)."""
    try:
        result = result_from_json(json.loads((folder / RESULT).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return None if result.stopped else result


class TrainingRun:
    """One job and everyone watching it: ``events`` grow as the child reports."""

    def __init__(self, key: str, job: TrainJob, folder: Path):
        self.key, self.job, self.folder = key, job, folder
        self.events: list[dict] = []
        self.viewers: set[str] = set()
        self.queued: Job | None = None
        self.result: TrainResult | None = None
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self.submitted_at = time.monotonic()

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None

    def position(self) -> int:
        return self.queued.position() if self.queued is not None and not self.done else 0

    def stop(self, viewer: str) -> bool:
        """``viewer`` stops: the run ends (keeping what it learned) when nobody else watches;
        True if the run itself was asked to stop."""
        self.viewers.discard(viewer)
        if not self.viewers and not self.done:
            self._stop.set()
            return True
        return False

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def latest(self, kind: str) -> list[dict]:
        return [e for e in list(self.events) if e.get("kind") == kind]


class TrainingRuns:
    """The process-wide line of training jobs (see the module docstring)."""

    def __init__(self, registry, concurrency: int = 1, threads: int = 0, nice: int = 19):
        self.registry = registry
        self.threads, self.nice = threads, nice
        self._queues = [JobQueue("training", max_waiting=32) for _ in range(max(1, concurrency))]
        self._runs: dict[str, TrainingRun] = {}
        self._lock = threading.Lock()
        self.started = 0

    def request(self, job: TrainJob, viewer: str) -> TrainingRun:
        """Join the run of an identical job, reuse its finished adapter, or start it."""
        job.settings.check()
        limit = self.registry.config.training.max_steps
        s = job.settings
        n_train = len(job.records) - max(1, round(len(job.records) * s.validation_fraction))
        steps = StepPlan(max(1, n_train), s.per_device_train_batch_size, 1,
                         s.num_train_epochs).steps
        if steps > limit:
            raise SettingsError([f"this run would take {steps} steps; this server allows "
                                 f"{limit} (fewer records or epochs, or a larger batch)"])
        key = job_key(job)
        folder = adapters_dir(self.registry.config) / key
        with self._lock:
            run = self._runs.get(key)
            if run is not None and run.error is None and not (run.result and run.result.stopped):
                run.viewers.add(viewer)
                return run
            run = TrainingRun(key, job, folder)
            run.viewers.add(viewer)
            self._runs[key] = run
            done = finished(folder)
            if done is not None:
                run.result = done
                return run
            queue = min(self._queues, key=lambda q: q.busy())
            run.queued = queue.submit(lambda progress, cancelled: self._run(run),
                                      label="training")
            self.started += 1
            return run

    def waiting(self) -> int:
        return sum(q.busy() for q in self._queues)

    def running_eta(self, besides: TrainingRun | None = None) -> float | None:
        """Seconds the running job (not ``besides``) has left, by its last logged step's
        estimate; None when no job is running or it has logged no step yet."""
        with self._lock:
            runs = list(self._runs.values())
        for other in runs:
            if other is not besides and not other.done and other.position() == 0:
                logs = other.latest("log")
                if logs:
                    return logs[-1]["eta"]
        return None

    def _run(self, run: TrainingRun) -> None:
        try:
            run.result = run_in_child(run.job, run.folder, run.events.append,
                                      lambda: run.stopping, self.threads, self.nice)
        except BaseException as err:  # the viewers see it; the next request retries
            run.error = err
        _prune(run.folder.parent)


def run_in_child(job: TrainJob, folder: Path, on_event, should_stop, threads: int = 0,
                 nice: int = 19) -> TrainResult:
    """``loop.train`` in ``python -m playground.tuning.runs``; a stop request reaches it as a
    line on its stdin."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    child = subprocess.Popen(
        [sys.executable, "-m", "playground.tuning.runs"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    stderr_tail: deque[str] = deque(maxlen=20)
    threading.Thread(target=lambda: [stderr_tail.append(x) for x in child.stderr],
                     daemon=True).start()
    child.stdin.write(json.dumps({"job": job_to_json(job), "folder": str(folder),
                                  "threads": threads, "nice": nice}, ensure_ascii=False) + "\n")
    child.stdin.flush()
    asked = False
    last: dict = {}

    def watch_stop() -> None:
        nonlocal asked
        while child.poll() is None:
            if should_stop() and not asked:
                asked = True
                try:
                    child.stdin.write("stop\n")
                    child.stdin.flush()
                except OSError:
                    return
            time.sleep(0.2)

    threading.Thread(target=watch_stop, daemon=True).start()
    try:
        for line in child.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue  # a library printing to stdout
            if "event" in message:
                on_event(message["event"])
            elif "result" in message or "error" in message:
                last = message
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    if "result" in last:
        return result_from_json(last["result"])
    if "error" in last:
        raise _KINDS.get(last.get("kind", ""), PlaygroundError)(last["error"])
    tail = next((x.strip() for x in reversed(stderr_tail) if x.strip()), "")
    raise PlaygroundError(f"the training process ended unexpectedly (exit status "
                          f"{child.returncode})" + (f": {tail[:300]}" if tail else ""))


def _prune(root: Path, keep: int = MAX_KEPT) -> None:
    """Bound the disk: only the newest ``keep`` adapter folders stay."""
    try:
        folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(
            "builtin-")), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def main() -> int:
    """The child: one job from stdin, events and the result as JSON lines on stdout."""
    from playground.serving.registry import default_registry
    from playground.tuning.loop import train

    def send(obj) -> None:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    request = json.loads(sys.stdin.readline())
    try:
        os.nice(int(request.get("nice", 19)))
    except OSError:
        pass
    stop = threading.Event()

    def read_stop() -> None:
        for line in sys.stdin:
            if line.strip() == "stop":
                stop.set()

    threading.Thread(target=read_stop, daemon=True).start()
    folder = Path(request["folder"])
    try:
        job = job_from_json(request["job"])
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        result = train(job, default_registry(), tmp, events=lambda e: send({"event": e}),
                       should_stop=stop.is_set, threads=int(request.get("threads") or 0))
        result.adapter = str(folder)
        (tmp / RESULT).write_text(json.dumps(asdict(result), ensure_ascii=False),
                                  encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
        send({"result": asdict(result)})
    except PlaygroundError as err:
        send({"error": str(err), "kind": type(err).__name__})
    except RequestCancelled as err:
        send({"error": str(err), "kind": "PlaygroundError"})
    except Exception as err:  # reported to the participant as a failed run
        send({"error": f"training failed: {type(err).__name__}: {err}",
              "kind": "PlaygroundError"})
    return 0


_runs: TrainingRuns | None = None
_runs_lock = threading.Lock()


def training_runs(registry) -> TrainingRuns:
    """The process-wide training line (``[training]`` settings)."""
    global _runs
    with _runs_lock:
        if _runs is None or _runs.registry is not registry:
            t = registry.config.training
            _runs = TrainingRuns(registry, t.concurrency, t.threads, t.nice)
        return _runs


if __name__ == "__main__":
    raise SystemExit(main())
