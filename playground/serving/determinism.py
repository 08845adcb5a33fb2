"""What the playground may promise about seeds on this server's device.

On a CPU in float32 the decode loop is batch-invariant: a row's seed gives the same tokens
alone and in a batch with other sessions' rows (tests/serving/test_batching.py checks it). On
a GPU the matrix kernels, and so the rounding of bfloat16 sums, may change with the batch's
size, so a row that shares a batch can part ways with the same row run alone after some
tokens; ``python -m playground gpucheck`` measures whether it does on a given GPU.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

SEED_PROMISE_CPU = "The same seed always gives the same samples."
SEED_PROMISE_GPU = ("The same seed gives the same samples when your request runs alone; on "
                    "this server's GPU, a request that shares a batch with other people's can "
                    "part ways after a few tokens (16-bit rounding depends on the batch).")


def seed_promise(device) -> str:
    """The Generate page's sentence about seeds for ``device`` (a torch.device or its type)."""
    kind = getattr(device, "type", device)
    return SEED_PROMISE_GPU if kind == "cuda" else SEED_PROMISE_CPU
