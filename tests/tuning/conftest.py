"""A small adapter trained once for the tuning and serving tests (SmolLM2, a few seconds)."""

import pytest

from playground.tuning.data import Record
from playground.tuning.loop import TrainJob, TrainSettings

EMBEDDED = "smollm2-135m-instruct"


def tiny_job(seed: int = 1, epochs: int = 2, **settings) -> TrainJob:
    """Sums answered in a fixed pirate format: easy to learn, visible in greedy text."""
    records = tuple(Record(f"What is {a} plus {b}?", f"Arr, {a + b} ⚓")
                    for a in range(1, 5) for b in range(1, 5))
    return TrainJob(EMBEDDED, records,
                    TrainSettings(num_train_epochs=epochs, seed=seed, learning_rate=1e-3,
                                  lora_r=8, lora_alpha=16, **settings),
                    prompts=("What is 2 plus 9?", "What is 7 plus 1?"), max_new_tokens=10,
                    label="pirate-sums")


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """(job, result) of one real run; its adapter folder is ``result.adapter``."""
    from playground.serving.registry import default_registry
    from playground.tuning.loop import train

    job = tiny_job()
    events = []
    result = train(job, default_registry(), tmp_path_factory.mktemp("adapter") / "a",
                   events=events.append)
    result.events = events
    return job, result
