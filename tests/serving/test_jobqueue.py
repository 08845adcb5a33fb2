"""One-at-a-time jobs: order, place in line, progress, cancel, errors, a full queue."""

import threading

import pytest

from playground.errors import PlaygroundError, RequestCancelled, ServiceBusyError
from playground.serving.jobqueue import JobQueue


def _gate_job(started: list, gate: threading.Event, name: str):
    def fn(progress, cancelled):
        started.append(name)
        progress(0.5, f"{name} half way")
        gate.wait(10)
        return name
    return fn


def test_jobs_run_one_at_a_time_in_order_and_report_their_place_in_line():
    queue, started, gate = JobQueue("test"), [], threading.Event()
    first = queue.submit(_gate_job(started, gate, "a"))
    second = queue.submit(_gate_job(started, gate, "b"))
    third = queue.submit(_gate_job(started, gate, "c"))
    for _ in range(100):  # until "a" runs
        if started:
            break
        threading.Event().wait(0.02)
    assert started == ["a"]                      # b and c wait while a runs
    assert (first.position(), second.position(), third.position()) == (0, 1, 2)
    assert first.fraction == 0.5 and first.message == "a half way"
    assert queue.busy() == 3
    gate.set()
    assert [j.result(timeout=10) for j in (first, second, third)] == ["a", "b", "c"]
    assert started == ["a", "b", "c"] and queue.busy() == 0


def test_a_cancelled_queued_job_never_starts():
    queue, started, gate = JobQueue("test"), [], threading.Event()
    running = queue.submit(_gate_job(started, gate, "a"))
    queued = queue.submit(_gate_job(started, gate, "b"))
    queued.cancel()
    gate.set()
    assert running.result(timeout=10) == "a"
    with pytest.raises(RequestCancelled):
        queued.result(timeout=10)
    assert started == ["a"]


def test_a_running_job_sees_its_cancel_flag():
    queue, seen = JobQueue("test"), threading.Event()

    def fn(progress, cancelled):
        while not cancelled():
            seen.set()
            threading.Event().wait(0.01)
        raise RequestCancelled("stopped")

    job = queue.submit(fn)
    assert seen.wait(10)
    job.cancel()
    with pytest.raises(RequestCancelled):
        job.result(timeout=10)


def test_an_error_goes_to_its_caller_and_the_next_job_still_runs():
    queue = JobQueue("test")

    def boom(progress, cancelled):
        raise PlaygroundError("that model does not exist")

    failed = queue.submit(boom)
    fine = queue.submit(lambda progress, cancelled: 42)
    with pytest.raises(PlaygroundError, match="does not exist"):
        failed.result(timeout=10)
    assert fine.result(timeout=10) == 42


def test_a_full_queue_says_busy():
    queue, started, gate = JobQueue("test", max_waiting=1), [], threading.Event()
    try:
        queue.submit(_gate_job(started, gate, "a"))
        for _ in range(100):
            if started:
                break
            threading.Event().wait(0.02)
        queue.submit(_gate_job(started, gate, "b"))  # waits
        with pytest.raises(ServiceBusyError, match="already waiting"):
            queue.submit(_gate_job(started, gate, "c"))
    finally:
        gate.set()
