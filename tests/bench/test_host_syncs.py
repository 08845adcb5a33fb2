"""The decode step reads the device once, whatever the batch: counted on the owner thread."""

from playground.bench.loadtest import session_request
from playground.serving.service import generate
from playground.bench.syncs import count_conversions


def _count(smol, rows: int) -> dict:
    # the load test's mixed settings: greedy and sampling rows, top-k, top-p and temperatures
    requests = [session_request(i, 24) for i in range(rows)]
    with count_conversions(smol.service._thread.name) as count:
        handles = [smol.service.submit(r) for r in requests]
        for h in handles:
            h.result(timeout=600)
    return count.summary()


def test_a_decode_step_converts_at_most_three_tensors_whatever_the_rows(smol):
    four, sixteen = _count(smol, 4), _count(smol, 16)
    for summary in (four, sixteen):
        assert summary["steps"] >= 20, summary
        assert summary["per_step_max"] <= 3, summary
    # one read of the step's tokens (tolist) and one inside transformers' attention-mask
    # preparation; neither grows with the rows
    assert sixteen["per_step_max"] == four["per_step_max"], (four, sixteen)
    assert sixteen["by_kind"].get("tolist", 0) <= sixteen["steps"] + 2, sixteen


def test_the_counter_sees_a_conversion_on_the_owner_thread(smol):
    """The count can fail: the lens's step recorder reads its row every step (that is its
    price, paid only by lens rows), and the counter sees it."""
    from playground.serving.service import GenerationRequest, Prompt
    from playground.serving.settings import GenerationSettings

    request = GenerationRequest((Prompt.raw("Once upon a time"),),
                                (GenerationSettings(max_new_tokens=8),), record_steps=5)
    with count_conversions(smol.service._thread.name) as count:
        generate(smol, request, timeout=600)
    assert count.summary()["per_step_max"] > 3
