"""The shared search gate: one provider call for a room asking the same thing, cache with a
time limit, one search at a time with a minimum interval, and a pause after a block."""

import threading
import time

import pytest

from playground.errors import SearchLimitedError, SearchRateLimitedError, SearchUnavailableError
from playground.rag.gate import SearchGate
from playground.rag.search import SearchOptions
from playground.rag.sources import Source

OPTIONS = SearchOptions()


class Counting:
    """A provider that counts calls, takes ``delay`` seconds, and answers or raises."""

    name = "counting"

    def __init__(self, delay=0.0, error=None):
        self.delay, self.error, self.calls, self.queries = delay, error, 0, []
        self._lock = threading.Lock()

    def search(self, query, options, timeout_s):
        with self._lock:
            self.calls += 1
            self.queries.append(query)
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return [Source(f"{query} {i}", f"https://example.org/{i}", "s") for i in range(5)]


class FakeClock:
    def __init__(self):
        self.now, self.slept = 1000.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_forty_simultaneous_identical_searches_cause_one_provider_call():
    gate = SearchGate(cache_ttl_s=600, min_interval_s=0.0)
    provider = Counting(delay=0.3)
    start = threading.Barrier(40)
    outcomes, errors = [], []

    def session():
        start.wait()
        try:
            outcomes.append(gate.search(provider, "What is RAG?", OPTIONS))
        except Exception as err:  # noqa: BLE001 - collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=session) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and len(outcomes) == 40
    assert provider.calls == 1 and gate.provider_calls == 1
    assert sum(not o.cached for o in outcomes) == 1  # everyone else got the shared copy
    assert all(o.sources == outcomes[0].sources for o in outcomes)


def test_the_cache_key_is_the_query_and_the_options_and_expires():
    clock = FakeClock()
    gate = SearchGate(cache_ttl_s=60, min_interval_s=0, clock=clock, sleep=clock.sleep)
    provider = Counting()
    assert not gate.search(provider, "tea", OPTIONS).cached
    assert gate.search(provider, "  TEA ", OPTIONS).cached  # same words, other spacing/case
    gate.search(provider, "tea", SearchOptions(time="w"))
    assert provider.calls == 2
    clock.now += 61
    assert not gate.search(provider, "tea", OPTIONS).cached
    assert provider.calls == 3


def test_searches_keep_the_minimum_interval_between_them():
    clock = FakeClock()
    gate = SearchGate(min_interval_s=2.0, clock=clock, sleep=clock.sleep)
    provider = Counting()
    gate.search(provider, "one", OPTIONS)
    clock.now += 0.5
    gate.search(provider, "two", OPTIONS)
    assert clock.slept == [pytest.approx(1.5)]
    clock.now += 5
    gate.search(provider, "three", OPTIONS)
    assert clock.slept == [pytest.approx(1.5)]  # long enough apart already: no waiting


def test_after_unreachable_every_search_pauses_for_the_cooldown_without_calling():
    clock = FakeClock()
    gate = SearchGate(cooldown_s=30, min_interval_s=0, clock=clock, sleep=clock.sleep)
    offline = Counting(error=ConnectionError("network is unreachable"))
    with pytest.raises(SearchUnavailableError):
        gate.search(offline, "one", OPTIONS)
    with pytest.raises(SearchUnavailableError, match="pauses web searches for another 30 s"):
        gate.search(offline, "another question", OPTIONS)
    assert offline.calls == 1
    clock.now += 31
    with pytest.raises(SearchUnavailableError):
        gate.search(offline, "another question", OPTIONS)
    assert offline.calls == 2


def test_a_rate_limit_pauses_everyone_but_no_results_only_that_query():
    clock = FakeClock()
    gate = SearchGate(cooldown_s=30, min_interval_s=0, clock=clock, sleep=clock.sleep)
    from ddgs.exceptions import DDGSException, RatelimitException

    empty = Counting(error=DDGSException("No results found."))
    with pytest.raises(SearchLimitedError, match="no results"):
        gate.search(empty, "zzqx", OPTIONS)
    calls = empty.calls
    with pytest.raises(SearchLimitedError):
        gate.search(empty, "zzqx", OPTIONS)  # remembered, not asked again
    assert empty.calls == calls
    assert gate.search(Counting(), "tea", OPTIONS).sources  # other queries still go out

    limited = Counting(error=RatelimitException("ratelimit"))
    with pytest.raises(SearchRateLimitedError):
        gate.search(limited, "coffee", OPTIONS)
    fresh = Counting()
    with pytest.raises(SearchRateLimitedError, match="pauses web searches"):
        gate.search(fresh, "cake", OPTIONS)
    assert fresh.calls == 0


def test_a_working_search_lifts_the_pause_once_it_is_over():
    clock = FakeClock()
    gate = SearchGate(cooldown_s=10, min_interval_s=0, clock=clock, sleep=clock.sleep)
    with pytest.raises(SearchUnavailableError):
        gate.search(Counting(error=OSError("no route to host")), "a", OPTIONS)
    clock.now += 11
    assert gate.search(Counting(), "b", OPTIONS).sources
    assert gate.search(Counting(), "c", OPTIONS).sources


def test_an_empty_query_is_refused_before_any_search():
    provider = Counting()
    with pytest.raises(Exception, match="type a question"):
        SearchGate().search(provider, "   ", OPTIONS)
    assert provider.calls == 0
