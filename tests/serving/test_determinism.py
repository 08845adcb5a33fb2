"""The Generate page's sentence about seeds depends on the device."""

import torch

from playground.serving.determinism import SEED_PROMISE_CPU, seed_promise


def test_cpu_promises_the_same_samples_and_a_gpu_says_batches_may_change_them():
    assert seed_promise(torch.device("cpu")) == SEED_PROMISE_CPU
    assert "always" in seed_promise("cpu")
    gpu = seed_promise(torch.device("cuda", 0))
    assert "always" not in gpu and "GPU" in gpu and "batch" in gpu
