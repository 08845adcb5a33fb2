"""The quantization comparison in a child process, so that the server gets all its memory back.

Loading a model four times leaves traces in a long-running process even when every copy is
freed: shared-library code paged in for the 8-bit and bf16 kernels, modules imported for the
first time, allocator arenas of the copies' threads. Measured on the embedded model, a first
comparison run in-process grows the process by 40-100 MB. In a child process all of that goes
away when the child exits, and a crash in native quantization code ends the child, not the
server with every participant's session. The child ends itself when the server dies
(``watch_parent``).

The child is ``python -m playground.quant.worker``. It reads the request as JSON on stdin
(the access token travels there, never on the command line), runs ``run_comparison`` with
the server's configuration (same environment and working directory), and writes one JSON
object per line to stdout: ``{"progress": f, "message": m}``, then ``{"result": ...}`` or
``{"error": ..., "kind": ...}``. Cancelling terminates the child at once.

Package ``playground.quant``: may import ``lab`` (metrics), ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import asdict
from queue import Empty, Queue
from typing import Callable

from playground import errors
from playground.errors import PlaygroundError, RequestCancelled
from playground.quant.compare import Comparison, ComparisonRequest, PresetRow, check_model
from playground.quant.presets import process_rss_mb
from playground.serving.jobqueue import Job, JobQueue
from playground.serving.registry import Registry

# errors a child may report, rebuilt in the parent with the same class (and exit code)
_KINDS = {cls.__name__: cls for cls in vars(errors).values()
          if isinstance(cls, type) and issubclass(cls, PlaygroundError)
          and cls is not errors.SettingsError}


PARENT_ENV = "PLAYGROUND_WORKER_PARENT"  # the server's pid, which the child watches
_queue: JobQueue | None = None
_queue_lock = threading.Lock()


def comparison_queue() -> JobQueue:
    """The process-wide queue: one comparison at a time, the others wait in line."""
    global _queue
    with _queue_lock:
        if _queue is None:
            _queue = JobQueue("quantization comparison", max_waiting=8)
        return _queue


def submit_comparison(request: ComparisonRequest, registry: Registry) -> Job:
    """Queue a comparison (run in a child process, see ``playground.quant.worker``); poll the
    job for progress and place in line."""
    return comparison_queue().submit(
        lambda progress, cancelled: run_isolated(request, registry, progress, cancelled),
        label="the quantization comparison")


def run_isolated(request: ComparisonRequest, registry: Registry,
                 progress: Callable[[float, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> Comparison:
    """``run_comparison`` in a child process; ``memory_before_mb``/``memory_after_mb`` are
    this (server) process's RSS before and after the child ran (on CUDA: the device's used
    memory, every process counted), which is what the room shares."""
    progress = progress or (lambda _f, _m: None)
    cancelled = cancelled or (lambda: False)
    check_model(request, registry)  # unknown or disallowed models fail without a child
    before = server_memory_mb(registry.device)
    child = subprocess.Popen(
        [sys.executable, "-m", "playground.quant.worker"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TOKENIZERS_PARALLELISM": "false", PARENT_ENV: str(os.getpid())})
    lines: Queue = Queue()
    stderr_tail: deque[str] = deque(maxlen=20)
    threading.Thread(target=_pump, args=(child.stdout, lines.put), daemon=True).start()
    threading.Thread(target=_pump, args=(child.stderr, stderr_tail.append), daemon=True).start()
    try:
        child.stdin.write(json.dumps(asdict(request)))
        child.stdin.close()
        message = _follow(child, lines, progress, cancelled)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    if "result" not in message:
        kind = _KINDS.get(message.get("kind", ""), PlaygroundError)
        text = message.get("error") or _crash_message(child.returncode, stderr_tail)
        raise kind(text)
    data = message["result"]
    data["rows"] = [PresetRow(**row) for row in data["rows"]]
    result = Comparison(**data)
    result.memory_before_mb, result.memory_after_mb = before, server_memory_mb(registry.device)
    return result


def server_memory_mb(device) -> float:
    if device.type == "cuda":
        import torch

        free, total = torch.cuda.mem_get_info(device)
        return round((total - free) / 2**20, 1)
    return round(process_rss_mb(), 1)


def _pump(stream, put) -> None:
    for line in stream:
        put(line.rstrip("\n"))


def _follow(child, lines: Queue, progress, cancelled) -> dict:
    """Relay progress until the child's last message (or its end); kill it on cancel."""
    while True:
        if cancelled():
            child.kill()
            raise RequestCancelled("the comparison was cancelled")
        try:
            line = lines.get(timeout=0.2)
        except Empty:
            if child.poll() is not None and lines.empty():
                time.sleep(0.2)  # the pump may still be handing over the last lines
                if lines.empty():
                    return {}
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue  # a library printing to stdout; not ours
        if "progress" in message:
            progress(message["progress"], message["message"])
        elif "result" in message or "error" in message:
            return message


def _crash_message(code: int | None, stderr_tail) -> str:
    last = next((line for line in reversed(stderr_tail) if line.strip()), "")
    return (f"the comparison process ended unexpectedly (exit status {code})"
            + (f": {last.strip()[:300]}" if last else ""))


def watch_parent(parent: int, interval_s: float = 0.2) -> threading.Thread:
    """End this process as soon as ``parent`` is gone (the server was killed or crashed): a
    daemon thread compares ``os.getppid()`` with it, since an orphan is handed to another
    parent. Without it a comparison ran on for its whole current load, holding cores and
    memory that the restarted server needs."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        os._exit(3)

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


def main() -> int:
    from playground.quant.compare import run_comparison
    from playground.serving.registry import default_registry

    def send(obj) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    watch_parent(int(os.environ.get(PARENT_ENV) or os.getppid()))
    try:
        fields = json.loads(sys.stdin.read())
        request = ComparisonRequest(**{**fields, "presets": tuple(fields["presets"])})
        result = run_comparison(request, default_registry(),
                                lambda f, m: send({"progress": f, "message": m}))
        send({"result": asdict(result)})
    except PlaygroundError as err:
        send({"error": str(err), "kind": type(err).__name__})
    except Exception as err:  # reported to the participant as a failed comparison
        send({"error": f"the comparison failed: {type(err).__name__}: {err}",
              "kind": "PlaygroundError"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
