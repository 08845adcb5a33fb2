"""Workshop-scale checks on the real service: a short soak (the long one is a CLI command)."""

import pytest

from playground.bench.loadtest import percentile, run_soak, session_request


def test_percentile_interpolates_like_numpy():
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and percentile([5], 0.95) == 5
    assert percentile([0, 10], 0.95) == 9.5


def test_sessions_send_different_settings_and_prompts():
    requests = [session_request(i, 16) for i in range(8)]
    assert len({r.variants[0] for r in requests}) == 8
    assert len({repr(r.prompts[0]) for r in requests}) == 8


@pytest.mark.slow  # unmixed concurrent streams: tests/serving/test_service.py
def test_short_soak_32_sessions_every_stream_complete_and_unmixed(smol):
    report = run_soak(smol, sessions=32, seconds=16, new_tokens=10)
    assert report.requests >= 32 and report.ok, report
    # bounded: once warm, memory does not keep growing with every request
    assert report.rss_warm_mb and report.rss_end_mb - report.rss_warm_mb < 150, report
