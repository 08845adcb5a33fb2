"""A decode step that fails like a CUDA out-of-memory: only the running batch fails, each of its
requests with a clear message; the next request works and the batch's KV cache is released."""

import gc
import weakref

import pytest
import torch

from playground.errors import OutOfMemoryError, PlaygroundError
from playground.serving import engine
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings


@pytest.fixture
def failing_step(monkeypatch):
    """The 3rd decode step of the next batch raises; the caches it saw are watched."""
    state = {"calls": 0, "caches": [], "error": torch.OutOfMemoryError(
        "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.1 GiB total capacity)")}
    real = engine._Batch.step

    def step(self, model, tokens):
        state["caches"].append(weakref.ref(self.cache))
        state["calls"] += 1
        if state["calls"] == 3 and state["error"] is not None:
            raise state["error"]
        return real(self, model, tokens)

    monkeypatch.setattr(engine._Batch, "step", step)
    return state


def submit(smol, text, n=1, tokens=24):
    return smol.service.submit(GenerationRequest.single(
        GenerationSettings(do_sample=True, num_return_sequences=n, max_new_tokens=tokens,
                           seed=1), Prompt.raw(text)))


def test_an_oom_fails_only_the_running_batch_with_a_clear_message(smol, failing_step):
    first, second = submit(smol, "Once upon a time", n=2), submit(smol, "The sky is")
    for handle in (first, second):
        with pytest.raises(OutOfMemoryError, match="ran out of memory for this batch"):
            handle.result(timeout=120)
    failing_step["error"] = None
    after = submit(smol, "The capital of France is", tokens=6).result(timeout=120)
    assert after.new_tokens > 0 and after.samples[0].text
    gc.collect()
    failed_batch = failing_step["caches"][:3]
    assert failed_batch and all(ref() is None for ref in failed_batch)  # the KV cache is gone
    assert not smol.service.busy()


def test_a_bug_in_a_step_is_reported_with_an_error_id_not_its_text(smol, failing_step):
    failing_step["error"] = RuntimeError("/srv/secret/path went wrong")
    handle = submit(smol, "Hello")
    with pytest.raises(PlaygroundError) as info:
        handle.result(timeout=120)
    assert "error id" in str(info.value) and "/srv/secret" not in str(info.value)
    failing_step["error"] = None
    assert submit(smol, "Hello", tokens=4).result(timeout=120).new_tokens > 0
