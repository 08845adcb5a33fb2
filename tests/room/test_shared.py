"""One computation for identical heavy jobs: joined while running, kept when finished.

The quantization and sweep tests run the real jobs on the embedded model (a one-preset
comparison in its child process; a one-cell sweep) and count the computations where they
start: child processes spawned by the worker, requests reaching the generation service.
"""

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from playground.errors import RequestCancelled
from playground.lab.sweep import make_plan
from playground.quant import worker
from playground.quant.compare import ComparisonRequest
from playground.room.shared import SharedJobs, job_key, shared_comparison, shared_sweep
from playground.room.store import RoomStore
from playground.serving.jobqueue import start_job
from playground.serving.registry import default_registry
from playground.serving.service import Prompt
from tests.conftest import EMBEDDED


def gated_jobs(store=None):
    """SharedJobs whose job waits for ``gate``; ``starts`` counts computations started."""
    gate, starts = threading.Event(), []

    def start(inputs):
        def fn(progress, cancelled):
            starts.append(inputs)
            progress(0.5, "half way")
            while not gate.wait(0.02):
                if cancelled():
                    raise RequestCancelled("cancelled")
            return {"answer": inputs["x"] * 2}
        return lambda: start_job(fn, "test job")

    jobs = SharedJobs("test", lambda r: r, lambda d: d, store)
    return jobs, gate, starts, start


def test_the_key_depends_on_every_input_and_not_on_their_order():
    assert job_key("k", {"a": 1, "b": 2}) == job_key("k", {"b": 2, "a": 1})
    assert job_key("k", {"a": 1, "b": 2}) != job_key("k", {"a": 1, "b": 3})
    assert job_key("k", {"a": 1}) != job_key("other", {"a": 1})


def test_identical_requests_join_one_computation_and_see_the_others():
    jobs, gate, starts, start = gated_jobs()
    watches = [jobs.request({"x": 21}, start({"x": 21})) for _ in range(5)]
    assert jobs.started == 1
    assert {w.others for w in watches} == {4}
    gate.set()
    assert [w.result(timeout=10) for w in watches] == [{"answer": 42}] * 5
    assert len(starts) == 1


def test_a_viewer_who_cancels_only_stops_watching():
    jobs, gate, starts, start = gated_jobs()
    a, b = jobs.request({"x": 1}, start({"x": 1})), jobs.request({"x": 1}, start({"x": 1}))
    a.cancel()
    with pytest.raises(RequestCancelled, match="stopped watching"):
        a.result(timeout=5)
    assert b.others == 0 and not b._shared.job.cancelled
    gate.set()
    assert b.result(timeout=10) == {"answer": 2}


def test_the_job_stops_when_its_last_viewer_leaves_and_the_next_asker_starts_afresh():
    jobs, gate, starts, start = gated_jobs()
    a, b = jobs.request({"x": 1}, start({"x": 1})), jobs.request({"x": 1}, start({"x": 1}))
    job = a._shared.job
    a.cancel()
    b.cancel()
    with pytest.raises(RequestCancelled):
        job.result(timeout=5)
    c = jobs.request({"x": 1}, start({"x": 1}))
    gate.set()
    assert c.result(timeout=10) == {"answer": 2} and jobs.started == 2


def test_a_finished_result_is_shown_at_once_also_after_a_restart_and_can_be_run_again(tmp_path):
    store = RoomStore(tmp_path / "room.sqlite3")
    jobs, gate, starts, start = gated_jobs(store)
    gate.set()
    first = jobs.request({"x": 3}, start({"x": 3}))
    assert first.result(timeout=10) == {"answer": 6}
    for _ in range(100):  # the result is stored by the job's settling thread
        if store.one("SELECT key FROM results"):
            break
        time.sleep(0.02)
    again = jobs.request({"x": 3}, start({"x": 3}))
    assert again.from_cache and again.done and again.result() == {"answer": 6}
    assert jobs.started == 1
    restarted, _, _, start2 = gated_jobs(RoomStore(tmp_path / "room.sqlite3"))
    kept = restarted.request({"x": 3}, start2({"x": 3}))
    assert kept.from_cache and kept.result() == {"answer": 6} and kept.computed_at > 0
    assert restarted.started == 0
    rerun = kept.again()  # the instructor: compute it once more
    assert not rerun.from_cache and restarted.started == 1


def test_a_failed_job_is_not_kept():
    jobs = SharedJobs("test", lambda r: r, lambda d: d)

    def boom(progress, cancelled):
        raise ValueError("broken")

    w = jobs.request({"x": 1}, lambda: start_job(boom))
    with pytest.raises(ValueError):
        w.result(timeout=10)
    time.sleep(0.1)
    assert not jobs.request({"x": 1}, lambda: start_job(lambda p, c: 1)).from_cache


@pytest.fixture
def counted_children(monkeypatch):
    """Count the comparison child processes the worker spawns (real ones)."""
    spawned = []

    def popen(*args, **kwargs):
        spawned.append(args)
        return subprocess.Popen(*args, **kwargs)

    monkeypatch.setattr(worker, "subprocess", SimpleNamespace(Popen=popen, PIPE=subprocess.PIPE))
    return spawned


@pytest.mark.slow  # the sweeps below share through the same jobs; tests/quant for the comparison
def test_eight_identical_comparisons_run_once_and_a_different_prompt_runs_again(
        tmp_path, counted_children):
    store, reg = RoomStore(tmp_path / "room.sqlite3"), default_registry()
    request = ComparisonRequest(EMBEDDED, ("fp32",), prompt="Say hello.", max_new_tokens=4)
    with ThreadPoolExecutor(8) as pool:
        watches = list(pool.map(lambda _: shared_comparison(request, reg, store=store),
                                range(8)))
        assert max(w.others for w in watches) == 7
        results = [w.result(timeout=300) for w in watches]
    assert len(counted_children) == 1
    tables = [r.table() for r in results]
    assert all(t == tables[0] for t in tables) and tables[0][0]["preset"] == "fp32"
    later = shared_comparison(request, reg, store=store)
    assert later.from_cache and later.result().table() == tables[0]
    other = shared_comparison(ComparisonRequest(EMBEDDED, ("fp32",), prompt="Say goodbye.",
                                                max_new_tokens=4), reg, store=store)
    assert other.result(timeout=300).prompt != results[0].prompt
    assert len(counted_children) == 2


def test_eight_identical_sweeps_run_once_and_a_different_prompt_runs_again(
        tmp_path, smol, monkeypatch):
    store, submitted = RoomStore(tmp_path / "room.sqlite3"), []
    real_submit = smol.service.submit

    def submit(request):
        submitted.append(request)
        return real_submit(request)

    monkeypatch.setattr(smol.service, "submit", submit)
    plan = make_plan((0.9,), (1.0,), n=2, max_new_tokens=6, seed=3)
    prompt = Prompt.raw("The weather today is")
    with ThreadPoolExecutor(8) as pool:
        watches = list(pool.map(lambda _: shared_sweep(smol, prompt, plan, store=store),
                                range(8)))
        results = [w.result(timeout=300) for w in watches]
    assert len(submitted) == plan.cells == 1
    assert all(r == results[0] for r in results) and len(results[0][0].texts) == 2
    assert shared_sweep(smol, prompt, plan, store=store).result() == results[0]
    shared_sweep(smol, Prompt.raw("My favourite food is"), plan, store=store).result(timeout=300)
    assert len(submitted) == 2


def test_a_result_computed_with_an_access_token_is_not_shared_without_it():
    from playground.quant.compare import ComparisonRequest
    from playground.room.shared import comparison_inputs

    plain = comparison_inputs(ComparisonRequest("org/gated", ("fp32",)), "org/gated")
    with_token = comparison_inputs(ComparisonRequest("org/gated", ("fp32",), token="hf_secret1"),
                                   "org/gated")
    other = comparison_inputs(ComparisonRequest("org/gated", ("fp32",), token="hf_secret2"),
                              "org/gated")
    assert len({repr(plain), repr(with_token), repr(other)}) == 3
    assert "hf_secret1" not in repr(with_token)
