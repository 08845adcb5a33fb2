"""The training line: identical jobs run once and are shared, others wait with their place,
Stop keeps what was learned, and the child process reports a failed run clearly."""

import time
from dataclasses import replace

import pytest

from playground.serving.registry import default_registry
from playground.tuning.runs import TrainingRuns, job_key
from tests.tuning.conftest import tiny_job


def wait(run, seconds=600):
    deadline = time.monotonic() + seconds
    while not run.done:
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_identical_jobs_share_one_run_and_another_waits_its_turn():
    runs = TrainingRuns(default_registry(), concurrency=1, threads=1, nice=5)
    # no replies before/after and 8 training records (two steps): only the line matters here
    job = replace(tiny_job(epochs=1), prompts=(), records=tiny_job().records[:9])
    a = runs.request(job, "alice")
    b = runs.request(job, "bob")
    other = runs.request(replace(job, records=job.records[:5], settings=replace(
        job.settings, seed=7)), "carol")
    assert a is b and a.viewers == {"alice", "bob"} and runs.started == 2
    assert other.position() == 1  # behind the shared run
    while not a.latest("log") and not a.done:
        time.sleep(0.1)
    if not a.done:  # the waiting student's estimate: what the running job has left
        eta = runs.running_eta(besides=other)
        assert eta is not None and eta >= 0
    wait(a)
    assert a.error is None and a.result.steps > 0 and (a.folder / "result.json").is_file()
    assert a.folder.name == job_key(job)
    wait(other)
    assert runs.running_eta() is None  # nothing runs
    # asked again after it finished: the adapter on disk is found, nothing runs
    again = TrainingRuns(default_registry()).request(job, "dave")
    assert again.done and again.result.train_loss == a.result.train_loss


def test_stop_ends_the_run_early_and_keeps_what_it_learned():
    runs = TrainingRuns(default_registry(), threads=1, nice=5)
    job = replace(tiny_job(epochs=8, seed=11), prompts=())
    run = runs.request(job, "alice")
    while not run.latest("log"):
        assert not run.done, run.error
        time.sleep(0.1)
    runs.request(job, "bob")
    assert not run.stop("alice")  # bob still watches: it goes on
    assert run.stop("bob")
    wait(run)
    assert run.result.stopped and run.result.steps < 8 * 4
    assert (run.folder / "adapter_model.safetensors").is_file()


def test_a_model_that_cannot_be_tuned_fails_with_a_message():
    runs = TrainingRuns(default_registry(), threads=1)
    job = tiny_job()
    bad = type(job)(**{**job.__dict__, "model": "no-such-org/no-such-model"})
    run = runs.request(bad, "alice")
    wait(run)
    assert run.error is not None and "no-such-org/no-such-model" in str(run.error)
